"""Task metadata: one strict object per task, and the registry that holds them.

A task names exactly what is scored: a dataset config at a pinned content revision, the split
that is scored, the prediction format, and metrics with their direction and range. Results
record the revision they were computed on; the leaderboard ranks only results whose revision
and task version equal the task's.
"""

import math
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    field_validator,
    model_validator,
)

from synthsuite.kernel.errors import UserError, check_choice, did_you_mean
from synthsuite.kernel.strict_json import StrictJSONError, first_error, loads, read_bounded, validate_strict
from synthsuite.kernel.suites import load, suites

TASK_NAME = r"^[a-z0-9][a-z0-9_.-]*/[a-z0-9][a-z0-9_.-]*$"
TASKS_ENV = "SYNTHSUITE_TASKS"  # a JSON file of extra tasks (e.g. pinned to your own build)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetRef(Strict):
    repo_id: str
    config: str
    revision: str = Field(pattern=r"^[0-9a-f]{64}$", description="data revision: see access.data_revision")
    profile: str = "paper"


class Metric(Strict):
    name: str
    higher_is_better: bool
    range: tuple[float, float] = Field(description="closed interval every finite score lies in")

    def check(self, value: float) -> str | None:
        """Why `value` is not a valid score of this metric, or None."""
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            return f"{self.name} = {value!r} is not a finite number"
        low, high = self.range
        if not low <= value <= high:
            return f"{self.name} = {value} is outside its range [{low}, {high}]"
        return None


CORE_KINDS = ("class", "value")  # scored by evaluation.scoring; suites add kinds in their records
CLASS_KINDS = ("class", "distribution", "policy")  # kinds whose predictions index `classes`


def prediction_kinds() -> tuple[str, ...]:
    """Every kind a task may declare: the core ones and those with a scorer in a suite record."""
    return (*CORE_KINDS, *(kind for suite in suites().values() for kind in suite.scorers))


class PredictionFormat(Strict):
    id_column: str = "sample_id"
    column: str = "prediction"
    kind: str = Field(description="how predictions are scored: class, value, distribution, policy, ...")
    label_column: str = Field(description="the dataset column predictions are scored against")
    classes: tuple[str, ...] | None = None  # class, distribution, policy: the label names in index order

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in prediction_kinds():
            raise ValueError(f"unknown prediction kind {kind!r} (known: {', '.join(prediction_kinds())})")
        return kind


class TaskMetadata(Strict):
    name: str = Field(pattern=TASK_NAME)
    suite: str
    description: str
    dataset: DatasetRef
    splits: tuple[str, ...] = Field(description="train/validation for fitting; the last one is scored")
    eval_split: str = "test"
    input: str = Field(description="what a model sees")
    predictions: PredictionFormat
    metrics: tuple[Metric, ...]
    main_score: str
    exclude_rows_where: str | None = Field(
        None, description="a boolean column; rows where it is true are not scored (e.g. silent clips)"
    )
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    superseded_by: str | None = None
    reference: str | None = None

    @field_validator("metrics")
    @classmethod
    def _distinct_metrics(cls, metrics: tuple[Metric, ...]) -> tuple[Metric, ...]:
        names = [m.name for m in metrics]
        if len(set(names)) != len(names):
            raise ValueError(f"metric names repeat: {names}")
        return metrics

    @model_validator(mode="after")
    def _consistent(self) -> "TaskMetadata":
        if self.main_score not in {m.name for m in self.metrics}:
            raise ValueError(f"main_score {self.main_score!r} is not one of the metrics")
        if self.eval_split not in self.splits:
            raise ValueError(f"eval_split {self.eval_split!r} is not one of the splits {self.splits}")
        if (self.predictions.kind in CLASS_KINDS) != (self.predictions.classes is not None):
            raise ValueError(f"{', '.join(CLASS_KINDS)} predictions need `classes`, other kinds must not")
        return self

    def metric(self, name: str) -> Metric:
        return next(m for m in self.metrics if m.name == name)


def _builtin_tasks() -> list[TaskMetadata]:
    """Every suite's tasks, as its record names them (imported here, never at module level)."""
    found = []
    for suite in suites().values():
        if suite.tasks is None:
            continue
        for task in load(suite.tasks):
            if task.suite != suite.name:
                raise UserError(
                    f"task {task.name} says suite {task.suite!r} but is listed by suite {suite.name!r}",
                    "fix the task's `suite` field",
                )
            found.append(task)
    return found


def _extra_tasks(path: str | None) -> list[TaskMetadata]:
    """The tasks of a SYNTHSUITE_TASKS file, through the strict JSON reader (kernel.strict_json)."""
    if not path:
        return []
    fix = "fix the file"
    try:
        data = read_bounded(Path(path), MAX_TASKS_BYTES)
        raw = loads(data)
    except FileNotFoundError:
        raise UserError(
            f"{TASKS_ENV}={path} does not exist", f"point {TASKS_ENV} at a JSON list of tasks"
        ) from None
    except OSError as exc:
        raise UserError(f"cannot read {TASKS_ENV}={path} ({exc.strerror})", fix) from None
    except StrictJSONError as exc:
        raise UserError(f"{TASKS_ENV}={path} is not a JSON list of valid tasks (it {exc})", fix) from None
    if not isinstance(raw, list):
        raise UserError(f"{TASKS_ENV}={path} is not a JSON list of valid tasks (not a list)", fix)
    try:
        return list(validate_strict(_TaskList, data).root)
    except ValidationError as exc:
        problem = f"{TASKS_ENV}={path} is not a JSON list of valid tasks ({first_error(exc)})"
        raise UserError(problem, fix) from None


MAX_TASKS_BYTES = 16 << 20


class _TaskList(RootModel[list[TaskMetadata]]):
    """A SYNTHSUITE_TASKS file: a JSON list of tasks."""


def build_registry(tasks: Iterable[TaskMetadata]) -> dict[str, TaskMetadata]:
    registry: dict[str, TaskMetadata] = {}
    for task in tasks:
        if task.name in registry:
            raise UserError(f"two tasks are named {task.name!r}", "give every task a unique name")
        registry[task.name] = task
    for task in registry.values():
        if task.superseded_by is not None and task.superseded_by not in registry:
            raise UserError(
                f"task {task.name!r} is superseded by unknown task {task.superseded_by!r}",
                "name an existing task in superseded_by",
            )
    return registry


@cache
def _registry(extra_file: str | None) -> dict[str, TaskMetadata]:
    return build_registry([*_builtin_tasks(), *_extra_tasks(extra_file)])


def registry() -> dict[str, TaskMetadata]:
    return _registry(os.environ.get(TASKS_ENV))


def get_task(name: str) -> TaskMetadata:
    tasks = registry()
    if name not in tasks:
        close = did_you_mean(name, tasks)
        hint = f"did you mean {' or '.join(close)}?" if close else "see `synthsuite tasks`"
        raise UserError(f"unknown task {name!r}", hint)
    return tasks[name]


def list_tasks(suite: str | None = None) -> list[TaskMetadata]:
    tasks = sorted(registry().values(), key=lambda t: t.name)
    if suite is not None:
        known = sorted({*suites(), *(t.suite for t in tasks)})
        if suite not in known:
            boards = {t.name.split("/")[0]: t.suite for t in tasks}
            if suite in boards:  # a task-name prefix such as syntheory-tiny
                raise UserError(
                    f"{suite!r} is not a suite but the task prefix {suite}/* of suite {boards[suite]!r}",
                    f"pass --suite {boards[suite]}",
                )
            check_choice("suite", suite, known)
        tasks = [t for t in tasks if t.suite == suite]
    return tasks
