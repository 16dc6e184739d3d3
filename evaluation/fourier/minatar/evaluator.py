"""Scoring an agent by playing: many episodes of a game, the normalised mean return, the action smoothness.

Any agent that implements `Policy` can be scored; evaluation never imports a baseline. The agent
gives a probability for every action of the game (in bin order, `Game.ordered_action_names`), and the
evaluator draws the action from those probabilities with its own seeded generator. The smoothness
is therefore measured on exactly the distributions the agent acted with, and two agents with the same
distributions score the same.

Episode i is seeded from (game, seed, i) alone, emulator and action draws alike, so the scores do not
depend on how many episodes run side by side.
"""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from synthsuite.datasets_src.access import DatasetSource
from synthsuite.datasets_src.fourier.minatar.games import Game, OnlineView, get_game
from synthsuite.evaluation.evaluator import build_result, open_task_dataset
from synthsuite.evaluation.fourier.metrics import smoothness
from synthsuite.evaluation.results import ModelInfo, Result
from synthsuite.evaluation.scoring import Predictions, References, Scorer, Scores
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.seeding import derive_seed

SUM_TOLERANCE = 1e-4


class Policy(Protocol):
    """An agent playing `num_envs` episodes side by side. Episodes are numbered 0..num_envs-1."""

    def reset(self, num_envs: int) -> None:
        """New episodes start in every slot; forget the previous ones."""

    def probabilities(self, envs: np.ndarray, observations: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """(len(envs), num_actions) action probabilities in bin order, for the running episodes `envs`.

        `observations`: what the agent sees now in each (float32, `Game.agent_input_shape`, as `Game.inputs`
        gives for logged steps); `steps`: the index of this step in each episode.
        """

    def observe(self, envs: np.ndarray, actions: np.ndarray, rewards: np.ndarray) -> None:
        """The actions drawn (bin indices) and the rewards they earned, for the episodes of the last call."""


class PolicyScorer(Scorer):
    """Prediction kind `policy`: an agent is scored by playing (`evaluate_policy`), not from a file."""

    kind = "policy"
    online = True

    def instruction(self, task: TaskMetadata) -> str:
        return (
            "train and score an agent with `synthsuite baseline decision-transformer --task "
            f"{task.name}`, or score your own agent with synthsuite.evaluation.fourier.minatar.evaluator."
            "evaluate_policy(task, policy) (docs/fourier-decision-transformer.md)"
        )

    def read(self, path: Path, task: TaskMetadata, max_rows: int) -> Predictions:
        raise UserError(f"task {task.name} is scored by playing, not from {path}", self.instruction(task))

    def references(self, task: TaskMetadata, source: DatasetSource, split: str) -> References:
        raise UserError(f"task {task.name} is scored by playing, not from a split", self.instruction(task))

    def score(self, task: TaskMetadata, references: References, values: Any) -> Scores:
        raise UserError(f"task {task.name} is scored by playing", self.instruction(task))


class RandomPolicy:
    """Every action of the minimal set with equal probability: the "random" of the normalised return."""

    def __init__(self, num_actions: int) -> None:
        self.num_actions = num_actions

    def reset(self, num_envs: int) -> None:
        pass

    def probabilities(self, envs: np.ndarray, observations: np.ndarray, steps: np.ndarray) -> np.ndarray:
        return np.full((len(envs), self.num_actions), 1.0 / self.num_actions)

    def observe(self, envs: np.ndarray, actions: np.ndarray, rewards: np.ndarray) -> None:
        pass


@dataclass(frozen=True)
class Episodes:
    """The outcome of `play`."""

    returns: np.ndarray  # (episodes,)
    lengths: np.ndarray  # (episodes,) steps
    truncated: int  # episodes cut at the time limit
    smoothness: float  # mean over every step played of the smoothness of the action distribution
    mean_probabilities: np.ndarray  # (num_actions,) the average action distribution
    seconds: float

    @property
    def mean_return(self) -> float:
        return float(self.returns.mean())


def play(game: Game, policy: Policy, episodes: int, seed: int, parallel: int = 32) -> Episodes:
    """Play `episodes` episodes, `parallel` at a time, drawing actions from the policy's probabilities."""
    if episodes < 1 or parallel < 1:
        raise UserError(f"episodes and parallel must be >= 1, got {episodes}, {parallel}", "pass 1 or more")
    started = time.perf_counter()
    returns, lengths = np.zeros(episodes), np.zeros(episodes, dtype=np.int64)
    truncated, distributions = 0, []
    for first in range(0, episodes, parallel):
        wave = range(first, min(first + parallel, episodes))
        wave_truncated = _play_wave(game, policy, wave, seed, returns, lengths, distributions)
        truncated += wave_truncated
    probabilities = np.concatenate(distributions)
    return Episodes(
        returns=returns,
        lengths=lengths,
        truncated=truncated,
        smoothness=float(smoothness(probabilities).mean()),
        mean_probabilities=probabilities.mean(0),
        seconds=time.perf_counter() - started,
    )


def _play_wave(
    game: Game,
    policy: Policy,
    wave: range,
    seed: int,
    returns: np.ndarray,
    lengths: np.ndarray,
    distributions: list[np.ndarray],
) -> int:
    """Play the episodes of `wave` side by side (policy slots 0..len(wave)-1); fill returns and lengths."""
    emulators = [game.make(derive_seed("minatar-eval", game.name, seed, i)) for i in wave]
    draws = [np.random.default_rng(derive_seed("minatar-eval-actions", game.name, seed, i)) for i in wave]
    views = [OnlineView(game) for _ in wave]
    observations = [view.reset(emulator.reset()) for view, emulator in zip(views, emulators, strict=True)]
    policy.reset(len(wave))
    running = np.arange(len(wave))
    truncated = 0
    while len(running):
        steps = lengths[[wave[s] for s in running]]
        seen = np.stack([observations[s] for s in running])
        probabilities = _checked(policy.probabilities(running, seen, steps))
        distributions.append(probabilities)
        choices = np.array([_draw(draws[s], p) for s, p in zip(running, probabilities, strict=True)])
        rewards = np.zeros(len(running))
        still = []
        for k, slot in enumerate(running):
            episode = wave[slot]
            frame, rewards[k], over = emulators[slot].step(game.actions[choices[k]])
            returns[episode] += rewards[k]
            lengths[episode] += 1
            if over or lengths[episode] >= game.max_episode_steps:
                truncated += not over
            else:
                observations[slot] = views[slot].push(frame)
                still.append(slot)
        policy.observe(running, choices, rewards)
        running = np.array(still, dtype=np.int64)
    return truncated


def _checked(probabilities: np.ndarray) -> np.ndarray:
    probabilities = np.asarray(probabilities, dtype=np.float64)
    sums = probabilities.sum(-1)
    valid = np.all(np.isfinite(probabilities)) and np.all(probabilities >= 0)
    if not valid or np.any(abs(sums - 1) > SUM_TOLERANCE):
        raise ValueError("a policy returned probabilities that are negative, not finite or do not sum to 1")
    return probabilities / sums[:, None]


def _draw(rng: np.random.Generator, probabilities: np.ndarray) -> int:
    """Inverse-CDF sampling: one uniform number per step, whatever the probabilities."""
    drawn = np.searchsorted(np.cumsum(probabilities), rng.random(), side="right")
    return int(min(drawn, len(probabilities) - 1))


def normalized_return(mean_return: float, random: float, reference: float) -> float:
    """100·(R − random)/(reference − random): 0 plays like the random policy, 100 like the reference."""
    if reference == random:
        raise ValueError("the reference return equals the random return: the normalisation is undefined")
    return 100.0 * (mean_return - random) / (reference - random)


def evaluate_policy(
    task: TaskMetadata,
    policy: Policy,
    *,
    model: ModelInfo,
    dataset: str | Path | None = None,
    episodes: int = 100,
    seed: int = 0,
    seeds: list[int] | None = None,
    settings: dict[str, Any] | None = None,
) -> tuple[Result, Episodes]:
    """Play the task's game with `policy` and score it; the result records the training data's revision.

    `dataset`: the folder (or ORG/NAME) the agent was trained on; default the task's repo.
    """
    from synthsuite.evaluation.fourier.minatar.tasks import NORMALIZATION

    game = get_game(task.dataset.config)
    random, reference = NORMALIZATION[game.name]
    source, revision = open_task_dataset(task, dataset)
    outcome = play(game, policy, episodes, seed)
    scores = {
        "normalized_return": normalized_return(outcome.mean_return, random, reference),
        "mean_return": outcome.mean_return,
        "smoothness": outcome.smoothness,
    }
    result = build_result(
        task,
        source,
        revision,
        model,
        task.eval_split,
        scores,
        wall_seconds=outcome.seconds,
        seeds=seeds,
        settings={
            "episodes": episodes,
            "evaluation_seed": seed,
            "random_return": random,
            "reference_return": reference,
            "return_std": float(outcome.returns.std()),
            "mean_episode_length": float(outcome.lengths.mean()),
            "truncated_episodes": outcome.truncated,
            **(settings or {}),
        },
    )
    return result, outcome
