"""Your own agent on the MinAtar tasks: any `Policy` (evaluator.py) is played and scored.

    class MyAgent:
        name, revision = "my-lab/agent", "v1"        # optional (else name=, revision=)
        def reset(self, num_envs): ...
        def probabilities(self, envs, observations, steps): ...   # (len(envs), actions) in bin order
        def observe(self, envs, actions, rewards): ...

The task's game is played for `episodes` episodes from the evaluation `seed` (both recorded); the
result records the revision of the replay build the agent was trained on (`dataset`).
"""

from pathlib import Path
from typing import Any

from pydantic import Field

from synthsuite.evaluation.fourier.minatar.evaluator import Policy, evaluate_policy
from synthsuite.evaluation.models import ModelRunner, RunnerSettings
from synthsuite.evaluation.results import ModelInfo, Result
from synthsuite.evaluation.tasks import TaskMetadata


class PlaySettings(RunnerSettings):
    episodes: int = Field(100, ge=1)  # episodes played (the reference numbers use 100)
    seed: int = Field(0, ge=0)  # evaluation seed: emulators and action draws


class PolicyRunner(ModelRunner):
    """minatar: the agent plays the task's game; normalised return and action smoothness."""

    name = "policy"
    protocol = Policy
    settings = PlaySettings

    def accepts(self, task: TaskMetadata) -> bool:
        return task.predictions.kind == "policy"

    def run(
        self,
        task: TaskMetadata,
        model: Any,
        *,
        identity: ModelInfo,
        dataset: str | Path | None,
        out: Path,
        settings: PlaySettings,
        progress: bool,
    ) -> Result:
        result, _ = evaluate_policy(
            task, model, model=identity, dataset=dataset, episodes=settings.episodes, seed=settings.seed
        )
        result.write(out / "results.json")
        return result
