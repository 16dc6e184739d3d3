"""Scoring predicted distributions: a predictions file of PMFs -> the three metrics -> a results file.

The predictions format of the fourier-synthetic tasks: a parquet file with `sample_id` (string) and
`prediction`, a list of `bins` probabilities per row (the PMF over the task's bins, in bin order),
and the model's identity in the `synthsuite.model` metadata, as for every task. Each row must be
finite, non-negative and sum to 1 within 1e-3; it is renormalised before scoring.
"""

import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from datasets_src.errors import UserError
from evaluation.data import DatasetSource, open_source
from evaluation.evaluator import (
    check_revision,
    model_from_file,
    predictions_result,
    scored_split,
)
from evaluation.fourier.metrics import scores
from evaluation.predictions import align, open_predictions, write_predictions
from evaluation.results import ModelInfo, Result
from evaluation.tasks import TaskMetadata

SUM_TOLERANCE = 1e-3


def write_pmf_predictions(
    path: Path, task: TaskMetadata, ids: list[str], pmfs: np.ndarray, model: dict[str, Any]
) -> None:
    """Write PMFs (rows, bins) as float32 lists: the bytes depend only on the arguments."""
    values = pa.FixedSizeListArray.from_arrays(pa.array(pmfs.astype(np.float32).ravel()), pmfs.shape[1])
    write_predictions(path, task, ids, values, model)


def read_pmf_predictions(path: Path, task: TaskMetadata) -> tuple[list[str], np.ndarray, dict[str, Any]]:
    """(ids, PMFs as float64 rows summing to 1, model metadata), checked against the task."""
    ids, column, model = open_predictions(path, task)
    return ids, _pmfs(path, task, column), model


def _pmfs(path: Path, task: TaskMetadata, column: pa.ChunkedArray) -> np.ndarray:
    bins = len(task.predictions.classes or ())
    kind = column.type
    is_list = pa.types.is_list(kind) or pa.types.is_fixed_size_list(kind) or pa.types.is_large_list(kind)
    if not (is_list and pa.types.is_floating(kind.value_type)):
        raise UserError(
            f"{path}: {task.predictions.column!r} has type {kind}",
            f"write a list of {bins} float probabilities per row",
        )
    rows = column.to_pylist()
    if any(row is None or len(row) != bins for row in rows):
        raise UserError(
            f"{path}: every prediction must be a PMF over the task's {bins} bins",
            f"write {bins} probabilities per row, in bin order",
        )
    pmfs = np.array(rows, dtype=np.float64).reshape(len(rows), bins)
    if not np.all(np.isfinite(pmfs)) or np.any(pmfs < 0):
        raise UserError(f"{path}: predictions hold negative, NaN or infinite probabilities", "fix the model")
    sums = pmfs.sum(-1)
    if np.any(np.abs(sums - 1) > SUM_TOLERANCE):
        worst = float(sums[np.argmax(np.abs(sums - 1))])
        raise UserError(
            f"{path}: a predicted PMF sums to {worst:.6f}, not 1", "normalise each row (e.g. softmax)"
        )
    return pmfs / sums[:, None]


def check_bins(task: TaskMetadata, source: DatasetSource) -> int:
    """The task's number of bins, after checking that the dataset was generated with it."""
    bins = len(task.predictions.classes or ())
    built = source.manifest.get("options", {}).get("bins")
    if built != bins:
        raise UserError(
            f"{source.folder} was generated with {built} bins, task {task.name} scores {bins}",
            f"generate it without --set bins (the default is {bins})",
        )
    return bins


def references(
    task: TaskMetadata, source: DatasetSource, split: str
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(ids, true PMFs, z bins) of one split."""
    bins = check_bins(task, source)
    table = source.read(task.dataset.config, split, [task.predictions.id_column, "true_pmf", "z_bin"])
    true_pmfs = np.array(table.column("true_pmf").to_pylist(), dtype=np.float64).reshape(-1, bins)
    return (
        table.column(task.predictions.id_column).to_pylist(),
        true_pmfs,
        table.column("z_bin").to_numpy().astype(np.int64),
    )


def evaluate_pmf_predictions(
    task: TaskMetadata,
    predictions_path: Path,
    *,
    dataset: str | None = None,
    split: str | None = None,
    model: ModelInfo | None = None,
    seeds: list[int] | None = None,
) -> Result:
    """Score one predictions file against the task's split of `dataset` (default: the task's repo)."""
    started = time.perf_counter()
    split = scored_split(task, split)
    source = open_source(dataset or task.dataset.repo_id)
    revision = check_revision(task, source)
    ids, pmfs, file_model = read_pmf_predictions(predictions_path, task)
    expected, true_pmfs, z_bins = references(task, source, split)
    order = align(predictions_path, ids, expected, set())
    values = scores(true_pmfs, pmfs[order], z_bins)
    model = model or model_from_file(predictions_path, file_model)
    return predictions_result(task, source, revision, model, split, values, predictions_path, started, seeds)
