"""Scoring generated points of the Gaussian toy (prediction kind `points`).

The predictions format of the task `self-consuming/gaussian`: a parquet file with `sample_id` (every
`test` row's id) and `prediction`, a list of two finite floats per row (one point of the generator).

Metrics:
- `w2`: the Wasserstein-2 distance between the Gaussian fitted to the submitted points (maximum
  likelihood, + 1e-6 I, as the original refits its model) and the target N(0, I₂): the original's
  metric, as if the submitted points were the last generation's model;
- `w2_empirical`: the Wasserstein-2 distance between the submitted points and the test split's target
  points (an exact optimal assignment): it also sees shape beyond the first two moments, and is not
  zero even for perfect samples (two finite samples differ).
"""

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from synthsuite.datasets_src.access import DatasetSource
from synthsuite.evaluation.predictions import open_predictions
from synthsuite.evaluation.scoring import Predictions, References, Scorer, Scores
from synthsuite.evaluation.self_consuming.metrics import gaussian_fit, w2_gaussian
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError

DIM = 2
TARGET_MEAN = np.zeros(DIM)
TARGET_COV = np.eye(DIM)


def empirical_w2(a: np.ndarray, b: np.ndarray) -> float:
    """W2 between two equally sized point sets: the root mean squared distance of the best matching."""
    cost = cdist(a, b, "sqeuclidean")
    rows, cols = linear_sum_assignment(cost)
    return float(np.sqrt(cost[rows, cols].mean()))


def point_scores(points: np.ndarray, target_points: np.ndarray) -> dict[str, float]:
    mean, cov = gaussian_fit(points)
    return {
        "w2": w2_gaussian(TARGET_MEAN, TARGET_COV, mean, cov)[0],
        "w2_empirical": empirical_w2(points, target_points),
    }


class PointsScorer(Scorer):
    kind = "points"

    def read(self, path: Path, task: TaskMetadata, max_rows: int) -> Predictions:
        ids, column, model = open_predictions(path, task, max_rows, values_per_row=DIM)
        return Predictions(ids, _points(path, task, column), model)

    def references(self, task: TaskMetadata, source: DatasetSource, split: str) -> References:
        fmt = task.predictions
        table = source.read(task.dataset.config, split, [fmt.id_column, fmt.label_column])
        values = np.array(table.column(fmt.label_column).to_pylist(), dtype=np.float64).reshape(-1, DIM)
        return References(ids=table.column(fmt.id_column).to_pylist(), values=values)

    def score(self, task: TaskMetadata, references: References, values: Any) -> Scores:
        return point_scores(np.asarray(values, dtype=np.float64), references.values)


def _points(path: Path, task: TaskMetadata, column: pa.ChunkedArray) -> np.ndarray:
    kind = column.type
    is_list = pa.types.is_list(kind) or pa.types.is_fixed_size_list(kind) or pa.types.is_large_list(kind)
    fix = f"write a list of {DIM} floats per row (one generated point)"
    if not (is_list and (pa.types.is_floating(kind.value_type) or pa.types.is_integer(kind.value_type))):
        raise UserError(f"{path}: {task.predictions.column!r} has type {kind}, not a list of numbers", fix)
    rows = column.to_pylist()
    if any(row is None or len(row) != DIM or any(v is None for v in row) for row in rows):
        raise UserError(f"{path}: every prediction must be a point of {DIM} numbers", fix)
    points = np.array(rows, dtype=np.float64).reshape(len(rows), DIM)
    if not np.all(np.isfinite(points)):
        raise UserError(f"{path}: predictions hold NaN or infinite coordinates", fix)
    return points
