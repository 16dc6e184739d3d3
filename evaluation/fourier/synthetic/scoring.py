"""Scoring predicted distributions (prediction kind `distribution`): PMFs against the true PMFs.

The predictions format of the fourier-synthetic tasks: a parquet file with `sample_id` (string) and
`prediction`, a list of `bins` probabilities per row (the PMF over the task's bins, in bin order),
and the model's identity in the `synthsuite.model` metadata, as for every task. Each row must be
finite, non-negative and sum to 1 within 1e-3; it is renormalised before scoring.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from synthsuite.datasets_src.access import DatasetSource
from synthsuite.evaluation.fourier.metrics import scores
from synthsuite.evaluation.predictions import open_predictions, write_predictions
from synthsuite.evaluation.scoring import Predictions, References, Scorer, Scores
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError

SUM_TOLERANCE = 1e-3


class DistributionScorer(Scorer):
    """KL divergence to the true PMF, smoothness and MSE of the predicted PMFs (metrics.py)."""

    kind = "distribution"

    def read(self, path: Path, task: TaskMetadata, max_rows: int) -> Predictions:
        ids, column, model = open_predictions(path, task, max_rows)
        return Predictions(ids, _pmfs(path, task, column), model)

    def references(self, task: TaskMetadata, source: DatasetSource, split: str) -> References:
        bins = check_bins(task, source)
        table = source.read(task.dataset.config, split, [task.predictions.id_column, "true_pmf", "z_bin"])
        return References(
            ids=table.column(task.predictions.id_column).to_pylist(),
            values=np.array(table.column("true_pmf").to_pylist(), dtype=np.float64).reshape(-1, bins),
            extra={"z_bins": table.column("z_bin").to_numpy().astype(np.int64)},
        )

    def score(self, task: TaskMetadata, references: References, values: Any) -> Scores:
        return scores(references.values, values, references.extra["z_bins"])


def write_pmf_predictions(
    path: Path, task: TaskMetadata, ids: list[str], pmfs: np.ndarray, model: dict[str, Any]
) -> None:
    """Write PMFs (rows, bins) as float32 lists: the bytes depend only on the arguments."""
    values = pa.FixedSizeListArray.from_arrays(pa.array(pmfs.astype(np.float32).ravel()), pmfs.shape[1])
    write_predictions(path, task, ids, values, model)


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

