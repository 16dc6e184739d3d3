"""One scorer per prediction kind, chosen by the kind a task declares.

A task's `predictions.kind` names how it is scored: `class` and `value` (labels, scored here), and the
kinds suites add in their records (`distribution` for predicted PMFs, `policy` for agents that are
scored by playing, and the video, motion and forecast kinds of the newer suites). Every scorer turns
(a predictions file, the task's verified split) into scores the same way:

    read(path, task, max_rows)       -> Predictions   (the file, validated against the task's format)
    references(task, source, split)  -> References    (ids and reference values of the scored rows)
    score(task, references, values)  -> Scores        (values aligned to references.ids)

and `evaluator.evaluate_predictions` wraps them into one results record through one builder. A scorer
whose tasks are scored by running the model rather than from a file (`online = True`) says how, and
`synthsuite evaluate` prints that instruction instead of reading a file.

A user's *model* (rather than its predictions file) reaches these scorers through the runners a suite
declares per model protocol (models.py, `Suite.models`): a runner turns the model into the kind's
predictions file, or plays it, and scores it here.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from synthsuite.datasets_src.access import DatasetSource
from synthsuite.evaluation.metrics import METRICS
from synthsuite.evaluation.predictions import open_predictions
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.suites import load, suites

Scores = dict[str, float]


@dataclass(frozen=True)
class Predictions:
    """A validated predictions file: ids, one value per id (any array form), the model's metadata."""

    ids: list[str]
    values: Any  # np.ndarray with one row per id, or a list
    model: dict[str, Any] = field(default_factory=dict)

    def take(self, order: np.ndarray) -> Any:
        if isinstance(self.values, np.ndarray):
            return self.values[order]
        return [self.values[i] for i in order]


@dataclass(frozen=True)
class References:
    """The scored rows of one split: ids, their reference values, the ids the task skips, extras."""

    ids: list[str]
    values: Any
    skipped: set[str] = field(default_factory=set)
    extra: dict[str, Any] = field(default_factory=dict)


class Scorer(ABC):
    kind: ClassVar[str]
    online: ClassVar[bool] = False  # scored by running the model (e.g. playing a game), not from a file

    def instruction(self, task: TaskMetadata) -> str:
        """How to score `task` when it is scored online (the fix of the error `evaluate` gives)."""
        raise NotImplementedError

    @abstractmethod
    def read(self, path: Path, task: TaskMetadata, max_rows: int) -> Predictions:
        """The predictions file, checked against the task's format; at most `max_rows` rows."""

    @abstractmethod
    def references(self, task: TaskMetadata, source: DatasetSource, split: str) -> References:
        """The scored rows of `split`, read through the verified source."""

    @abstractmethod
    def score(self, task: TaskMetadata, references: References, values: Any) -> Scores:
        """Every metric of the task; `values` is aligned to `references.ids`."""


class LabelScorer(Scorer):
    """`class` (an index or a class name per row) and `value` (a number per row) predictions, scored
    against a label column with the task's metrics (accuracy, macro-F1, R², ...)."""

    kind = "class"

    def read(self, path: Path, task: TaskMetadata, max_rows: int) -> Predictions:
        ids, column, model = open_predictions(path, task, max_rows)
        return Predictions(ids, label_values(path, task, column), model)

    def references(self, task: TaskMetadata, source: DatasetSource, split: str) -> References:
        fmt = task.predictions
        columns = [fmt.id_column, fmt.label_column]
        if task.exclude_rows_where:
            columns.append(task.exclude_rows_where)
        table = source.read(task.dataset.config, split, columns)
        ids = table.column(fmt.id_column).to_pylist()
        labels = table.column(fmt.label_column).to_numpy()
        keep = np.ones(len(ids), dtype=bool)
        if task.exclude_rows_where:
            keep = ~table.column(task.exclude_rows_where).to_numpy(zero_copy_only=False).astype(bool)
        skipped = {i for i, k in zip(ids, keep, strict=True) if not k}
        return References([i for i, k in zip(ids, keep, strict=True) if k], labels[keep], skipped)

    def score(self, task: TaskMetadata, references: References, values: Any) -> Scores:
        return label_scores(task, references.values, values)


def label_scores(task: TaskMetadata, labels: np.ndarray, predictions: np.ndarray) -> Scores:
    """Every metric of a `class` or `value` task on aligned labels and predictions."""
    return {m.name: METRICS[m.name](labels, predictions) for m in task.metrics}


def label_values(path: Path, task: TaskMetadata, column: pa.ChunkedArray) -> np.ndarray:
    """Class indices (from indices or names) or finite floats, checked against the task."""
    fmt = task.predictions
    if column.null_count:
        raise UserError(f"{path}: {column.null_count} predictions are null", "predict every row")
    if fmt.kind == "value":
        if not pa.types.is_floating(column.type) and not pa.types.is_integer(column.type):
            raise UserError(f"{path}: {fmt.column!r} must be numbers for {task.name}", "write floats")
        values = column.to_numpy().astype(np.float64)
        if not np.all(np.isfinite(values)):
            raise UserError(f"{path}: {fmt.column!r} holds NaN or infinite values", "predict finite numbers")
        return values
    classes = list(fmt.classes or ())
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        index = {name: i for i, name in enumerate(classes)}
        names = column.to_pylist()
        unknown = sorted({n for n in names if n not in index})
        if unknown:
            raise UserError(f"{path}: unknown class names {unknown[:3]}", f"use one of {classes}")
        return np.array([index[n] for n in names], dtype=np.int64)
    if pa.types.is_integer(column.type):
        values = column.to_numpy().astype(np.int64)
        if values.size and (values.min() < 0 or values.max() >= len(classes)):
            raise UserError(
                f"{path}: class indices must lie in 0..{len(classes) - 1}", f"classes are {classes}"
            )
        return values
    raise UserError(f"{path}: {fmt.column!r} has type {column.type}", "write class indices or class names")


class ValueScorer(LabelScorer):
    kind = "value"


CORE_SCORERS = {"class": LabelScorer, "value": ValueScorer}


@cache
def scorer_classes() -> dict[str, type[Scorer]]:
    """Every prediction kind's scorer: the core ones and those the suites declare."""
    found: dict[str, type[Scorer]] = dict(CORE_SCORERS)
    for suite in suites().values():
        for kind, reference in suite.scorers.items():
            if kind in found:
                raise RuntimeError(f"prediction kind {kind!r} has two scorers (suite {suite.name})")
            found[kind] = load(reference)
    return found


def scorer_for(task: TaskMetadata) -> Scorer:
    kind = task.predictions.kind
    classes = scorer_classes()
    if kind not in classes:  # TaskMetadata checks kinds against the records; this is a broken record
        raise UserError(f"no scorer for prediction kind {kind!r} (task {task.name})", "reinstall synthsuite")
    return classes[kind]()
