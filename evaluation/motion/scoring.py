"""Scoring corrected motions (prediction kind `motion`) against the `pairs` split's clean sources.

The predictions file: `sample_id` (string) and `prediction`, one corrected motion per row of the
scored split: frames x 22 x 3 nested lists (or a flat list of frames*66 numbers) of float, in the
dataset's axes (metres, z up), with as many frames as the row's `joints`. Scores (means over rows):

- `artifact_reduction` (%): for every injected artifact of a row, how much of its metric's excess
  over the clean source the correction removed, 100 (m_before - m_after) / (m_before - m_clean),
  clipped to [-100, 100]; the main score;
- `reduction_<metric>` (%): 100 (1 - sum m_after / sum m_before) over the rows carrying the
  artifact that raises that metric (the issue's "lowers each artifact type's metric by 80%");
- `mpjpe_to_clean` (mm): mean joint distance to the clean source;
- the physics metrics of the predictions: `penetrate`, `float`, `skate`, `phys_err`, `jitter` (mm),
  `overspeed` (m/s).
"""

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from synthsuite.datasets_src.access import DatasetSource
from synthsuite.datasets_src.motion.artifacts import METRIC_OF
from synthsuite.datasets_src.motion.clip import MAX_FRAMES
from synthsuite.datasets_src.motion.metrics import METRIC_NAMES, physics_metrics
from synthsuite.datasets_src.motion.skeleton import NUM_JOINTS
from synthsuite.evaluation.predictions import open_predictions
from synthsuite.evaluation.scoring import Predictions, References, Scorer, Scores
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError

ARTIFACT_METRICS = tuple(dict.fromkeys(METRIC_OF.values()))


class MotionScorer(Scorer):
    kind = "motion"

    def read(self, path: Path, task: TaskMetadata, max_rows: int) -> Predictions:
        # a motion is up to MAX_FRAMES x 22 x 3 numbers
        ids, column, model = open_predictions(
            path, task, max_rows, values_per_row=MAX_FRAMES * NUM_JOINTS * 3
        )
        if column.null_count:
            raise UserError(f"{path}: {column.null_count} predictions are null", "predict every row")
        motions = []
        for sample_id, value in zip(ids, column.to_pylist(), strict=True):
            try:
                joints = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise UserError(
                    f"{path}: prediction {sample_id!r} is not an array of numbers", _FIX
                ) from None
            if joints.ndim == 1 and joints.size % (NUM_JOINTS * 3) == 0:
                joints = joints.reshape(-1, NUM_JOINTS, 3)
            if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3) or joints.shape[0] < 2:
                raise UserError(f"{path}: prediction {sample_id!r} has shape {joints.shape}", _FIX)
            if not np.all(np.isfinite(joints)):
                raise UserError(f"{path}: prediction {sample_id!r} holds NaN or infinite values", _FIX)
            motions.append(joints)
        return Predictions(ids, motions, model)

    def references(self, task: TaskMetadata, source: DatasetSource, split: str) -> References:
        table = source.read(
            task.dataset.config,
            split,
            [task.predictions.id_column, "joints", "clean_joints", "artifacts", "fps"],
        )
        return References(
            ids=table.column(task.predictions.id_column).to_pylist(),
            values=_arrays(table.column("clean_joints")),
            extra={
                "artifacted": _arrays(table.column("joints")),
                "artifacts": table.column("artifacts").to_pylist(),
                "fps": table.column("fps").to_numpy(),
            },
        )

    def score(self, task: TaskMetadata, references: References, values: Any) -> Scores:
        return motion_scores(
            references.ids,
            values,
            references.values,
            references.extra["artifacted"],
            references.extra["artifacts"],
            references.extra["fps"],
        )


_FIX = "write one corrected motion per row: frames x 22 x 3 floats, as many frames as the row's joints"


def _arrays(column: pa.ChunkedArray) -> list[np.ndarray]:
    return [np.asarray(v, dtype=np.float64).reshape(-1, NUM_JOINTS, 3) for v in column.to_pylist()]


def motion_scores(
    ids: list[str],
    predicted: list[np.ndarray],
    clean: list[np.ndarray],
    artifacted: list[np.ndarray],
    artifacts: list[list[str]],
    fps: np.ndarray,
) -> Scores:
    """Every score of the motion/correction task on aligned rows (see the module docstring)."""
    excess, distance = [], []
    before_sum = dict.fromkeys(ARTIFACT_METRICS, 0.0)
    after_sum = dict.fromkeys(ARTIFACT_METRICS, 0.0)
    counted = dict.fromkeys(ARTIFACT_METRICS, 0)
    after_all = {name: [] for name in METRIC_NAMES}
    for sample_id, pred, source, bad, kinds, rate in zip(
        ids, predicted, clean, artifacted, artifacts, fps, strict=True
    ):
        if pred.shape != source.shape:
            raise UserError(
                f"prediction {sample_id!r} has {pred.shape[0]} frames, its motion {source.shape[0]}", _FIX
            )
        after = physics_metrics(pred, float(rate)).as_dict()
        before = physics_metrics(bad, float(rate)).as_dict()
        truth = physics_metrics(source, float(rate)).as_dict()
        for name in METRIC_NAMES:
            after_all[name].append(after[name])
        for kind in kinds:
            metric = METRIC_OF[kind]
            gap = before[metric] - truth[metric]
            if gap > 1e-9:
                excess.append(float(np.clip(100 * (before[metric] - after[metric]) / gap, -100, 100)))
            before_sum[metric] += before[metric]
            after_sum[metric] += after[metric]
            counted[metric] += 1
        distance.append(float(np.linalg.norm(pred - source, axis=2).mean() * 1000))
    scores: Scores = {
        "artifact_reduction": float(np.mean(excess)) if excess else 0.0,
        "mpjpe_to_clean": float(np.mean(distance)),
    }
    for metric in ARTIFACT_METRICS:
        ratio = after_sum[metric] / before_sum[metric] if counted[metric] and before_sum[metric] > 0 else 1.0
        scores[f"reduction_{metric}"] = float(np.clip(100 * (1 - ratio), -1000, 100))
    for name in METRIC_NAMES:
        scores[name] = float(np.mean(after_all[name]))
    return scores
