"""Your own model on a task: the model protocols and the runners that carry them out.

A task's scorer reads predictions files (scoring.py). To let a user bring a *model* instead, a suite
declares **runners** in its record (`Suite.models`: protocol name -> "module:Class" of a
`ModelRunner`). A runner says which tasks it runs (`accepts`), what a model must implement for it
(`protocol`: a `typing.Protocol`, checked by the names of its members), which keyword settings it
takes (`settings`: a strict pydantic model), and how a model becomes a results file (`run`): for
most kinds it asks the model for its predictions of the scored split, writes the predictions file
and scores it with `evaluator.evaluate_predictions`, so the numbers are `synthsuite evaluate`'s;
an online kind plays the model (the MinAtar policies); SynTheory fits the paper's probes on the
model's embeddings (a runner of the baselines pillar, since evaluation never imports baselines).

`synthsuite.evaluate(model, tasks)` and `synthsuite evaluate --model-class MODULE:CLASS` choose,
for each task, the first runner of the task's suite that accepts the task and whose protocol the
model implements (synthsuite/api.py). The protocols of today:

- `AudioEmbedder` (evaluation/syntheory/models.py), runner `audio-embedding`
  (baselines/syntheory/models.py): `syntheory*/*`, the paper's probes on every layer;
- `DensityModel` (evaluation/fourier/synthetic/models.py), runner `density`: `fourier-synthetic/*`;
- `Policy` (evaluation/fourier/minatar/evaluator.py), runner `policy` (evaluation/fourier/minatar/
  models.py): `minatar/*`, played.
"""

import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from synthsuite.evaluation.results import ModelInfo, Result
from synthsuite.evaluation.tasks import TaskMetadata


class RunnerSettings(BaseModel):
    """A runner's keyword settings (none by default): unknown keys and coerced types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ModelRunner(ABC):
    """How models of one protocol are run on the tasks of a suite."""

    name: ClassVar[str]  # the key in the suite record's `models`, e.g. "audio-embedding"
    protocol: ClassVar[type]  # what a model implements (a typing.Protocol)
    settings: ClassVar[type[RunnerSettings]] = RunnerSettings  # keyword settings of `synthsuite.evaluate`

    @abstractmethod
    def accepts(self, task: TaskMetadata) -> bool:
        """Whether this runner can run a model on `task`."""

    def implemented_by(self, model: Any) -> bool:
        return implements(model, self.protocol)

    def describe(self) -> str:
        """One line for error messages: the protocol and what it asks for."""
        doc = (self.protocol.__doc__ or "").strip().splitlines()
        return f"{self.protocol.__name__} ({doc[0].rstrip('.')})" if doc else self.protocol.__name__

    def check(self, task: TaskMetadata, model: Any, settings: RunnerSettings) -> None:  # noqa: B027
        """Optional checks before any task runs (e.g. that the model's layers can be listed)."""

    @abstractmethod
    def run(
        self,
        task: TaskMetadata,
        model: Any,
        *,
        identity: ModelInfo,
        dataset: str | Path | None,
        out: Path,
        settings: RunnerSettings,
        progress: bool,
    ) -> Result:
        """Run `model` on `task`; write `out/results.json` (and the predictions it scored); return it."""


def protocol_members(protocol: type) -> list[str]:
    """The public names a protocol declares: its methods and annotated attributes."""
    names = set(getattr(protocol, "__annotations__", {}))
    for klass in protocol.__mro__:
        if klass in (object,) or klass.__name__ in ("Protocol", "Generic"):
            continue
        names |= {n for n, v in vars(klass).items() if callable(v) and not n.startswith("_")}
        names |= set(getattr(klass, "__annotations__", {}))
    return sorted(n for n in names if not n.startswith("_"))


def implements(model: Any, protocol: type) -> bool:
    """Whether `model` has every member of `protocol` (methods callable). Works for protocols that are
    not `runtime_checkable`, and never calls the model."""
    for name in protocol_members(protocol):
        if not hasattr(model, name):
            return False
        if callable(getattr(protocol, name, None)) and not callable(getattr(model, name)):
            return False
    return True


def output_dir(root: Path, task: str, model: str) -> Path:
    """Where a model's run on a task writes: ROOT/<task with / as __>/<model name as a folder name>/."""
    folder = re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-.") or "model"
    return Path(root) / task.replace("/", "__") / folder
