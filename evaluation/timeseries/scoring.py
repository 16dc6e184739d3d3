"""Scoring forecasts (prediction kind `forecast`).

A submission is a parquet file with one row per series of the task's split, every list flat:

- `sample_id` (string): the series key;
- `horizon` (integer): the number of steps forecast, which must be the series' `horizon` H;
- either `prediction`: S ≥ 1 sample paths, S·H floats, one path after another (the baseline writes
  20), or `quantiles`: 9·H floats, the H values of level 0.1, then 0.2, …, then 0.9;
- `pmf`: the predicted distribution of each step over the model's own ordered bins, H·B probabilities
  (step 1's B bins first; B ≥ 2, the same for every row). For an autoregressive sampler these are the
  step distributions along its first sample path; smoothness is computed from them;
- the model's identity under the `synthsuite.model` metadata key, as for every task.

Samples become quantiles with numpy's default (linear) interpolation. NaN or infinite values, a
horizon other than the series', lengths that are not a multiple of it, crossing quantiles, PMFs that
are negative or do not sum to 1, missing, unknown or repeated series: one line naming the series,
exit 2.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synthsuite.datasets_src.access import DatasetSource
from synthsuite.evaluation.predictions import MODEL_KEY, open_predictions
from synthsuite.evaluation.scoring import Predictions, References, Scorer, Scores
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.evaluation.timeseries import metrics
from synthsuite.kernel.atomic import atomic_write_bytes
from synthsuite.kernel.errors import UserError

SAMPLES, QUANTILES, HORIZON, PMF = "prediction", "quantiles", "horizon", "pmf"
SUM_TOLERANCE = 1e-3


MAX_SAMPLES, MAX_HORIZON, MAX_BINS = 1_000, 256, 8_192  # bounds on what a file may hold per row


@dataclass(frozen=True)
class Forecast:
    """One series' forecast as submitted: flat arrays, shaped against the task's horizon in `score`."""

    sample_id: str
    horizon: int
    values: np.ndarray  # S·H samples or 9·H quantiles
    are_quantiles: bool
    pmf: np.ndarray  # H·B


class ForecastScorer(Scorer):
    """MASE and WQL relative to Seasonal Naive (geometric mean over datasets), their raw values, and
    the smoothness of the predicted distributions (metrics.py)."""

    kind = "forecast"

    def read(self, path: Path, task: TaskMetadata, max_rows: int) -> Predictions:
        names = _columns(path)
        if (SAMPLES in names) == (QUANTILES in names):
            raise UserError(
                f"{path} must have exactly one of the columns {SAMPLES!r} and {QUANTILES!r}",
                f"write sample paths in {SAMPLES!r} or the 9 quantiles 0.1..0.9 in {QUANTILES!r}",
            )
        column = SAMPLES if SAMPLES in names else QUANTILES
        for needed, why in ((HORIZON, "the number of steps forecast"), (PMF, "each step's distribution")):
            if needed not in names:
                raise UserError(f"{path} has no column {needed!r}", f"write {why} in {needed!r}")
        ids, values, model = open_predictions(
            path, _with_column(task, column), max_rows, values_per_row=MAX_SAMPLES * MAX_HORIZON
        )
        _, horizons, _ = open_predictions(path, _with_column(task, HORIZON), max_rows)
        _, pmfs, _ = open_predictions(
            path, _with_column(task, PMF), max_rows, values_per_row=MAX_HORIZON * MAX_BINS
        )
        forecasts = [
            Forecast(
                i,
                _horizon(path, i, h),
                _finite(path, i, v, column),
                column == QUANTILES,
                _finite(path, i, p, PMF),
            )
            for i, v, h, p in zip(
                ids, values.to_pylist(), horizons.to_pylist(), pmfs.to_pylist(), strict=True
            )
        ]
        return Predictions(ids, forecasts, model)

    def references(self, task: TaskMetadata, source: DatasetSource, split: str) -> References:
        columns = [task.predictions.id_column, "source", "season_length", "horizon", "context", "target"]
        table = source.read(task.dataset.config, split, columns).to_pylist()
        return References(ids=[row[task.predictions.id_column] for row in table], values=table)

    def score(self, task: TaskMetadata, references: References, values: Any) -> Scores:
        return score_forecasts(references.values, values)


def score_forecasts(rows: list[dict[str, Any]], forecasts: list[Forecast]) -> Scores:
    """Every metric of a forecast task, from the reference rows and the aligned forecasts."""
    model, naive, pmfs = [], [], []
    for row, forecast in zip(rows, forecasts, strict=True):
        context, target = np.asarray(row["context"]), np.asarray(row["target"])
        horizon, season = len(target), row["season_length"]
        quantiles, pmf = _shaped(forecast, horizon)
        pmfs.append(pmf)
        model.append(metrics.score_series(row["source"], context, target, quantiles, season))
        point = metrics.seasonal_naive(context, horizon, season)
        naive.append(metrics.score_series(row["source"], context, target, np.tile(point, (9, 1)), season))
    if len({p.shape[1] for p in pmfs}) > 1:
        raise UserError("the PMFs have different numbers of bins", "use one bin layout for every series")
    model_scores, naive_scores = metrics.dataset_scores(model), metrics.dataset_scores(naive)
    return {
        **metrics.relative_scores(model_scores, naive_scores),
        "mase": float(np.mean([m for m, _ in model_scores.values()])),
        "wql": float(np.mean([w for _, w in model_scores.values()])),
        "smoothness": metrics.mean_smoothness(pmfs),
    }


def _shaped(forecast: Forecast, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """(quantiles (9, H), pmf (H, B)) of one forecast, checked against the series' horizon."""
    name = forecast.sample_id
    if forecast.horizon != horizon:
        raise UserError(
            f"the forecast of {name!r} has horizon {forecast.horizon}, the series' is {horizon}",
            f"forecast exactly {horizon} steps for {name!r}",
        )
    column = QUANTILES if forecast.are_quantiles else SAMPLES
    rows = len(metrics.QUANTILES) if forecast.are_quantiles else len(forecast.values) // horizon
    if rows == 0 or len(forecast.values) != rows * horizon:
        expected = f"9 x {horizon}" if forecast.are_quantiles else f"a multiple of {horizon}"
        raise UserError(
            f"{column!r} of {name!r} holds {len(forecast.values)} values, not {expected}",
            f"write {'the 9 quantiles' if forecast.are_quantiles else 'whole paths'} of {horizon} steps",
        )
    paths = forecast.values.reshape(rows, horizon)
    if forecast.are_quantiles and np.any(np.diff(paths, axis=0) < 0):
        raise UserError(f"the quantiles of {name!r} cross", "write non-decreasing quantiles 0.1 to 0.9")
    quantiles = paths if forecast.are_quantiles else np.quantile(paths, metrics.QUANTILES, axis=0)
    bins = len(forecast.pmf) // horizon
    if bins < 2 or len(forecast.pmf) != bins * horizon:
        raise UserError(
            f"{PMF!r} of {name!r} holds {len(forecast.pmf)} values, not {horizon} steps of at least 2 bins",
            "write each step's probabilities over your bins, one step after another",
        )
    pmf = forecast.pmf.reshape(horizon, bins)
    if np.any(pmf < 0) or np.any(np.abs(pmf.sum(-1) - 1) > SUM_TOLERANCE):
        raise UserError(
            f"a step distribution of {name!r} is negative or does not sum to 1",
            "write each step's probabilities over your bins (e.g. a softmax)",
        )
    return quantiles, pmf / pmf.sum(-1, keepdims=True)


def write_forecasts(
    path: Path,
    task: TaskMetadata,
    ids: list[str],
    samples: list[np.ndarray],
    pmfs: list[np.ndarray],
    model: dict[str, Any],
) -> None:
    """Write sample paths (S, H) and step distributions (H, B) per series, flat float32, atomically."""
    columns = {
        task.predictions.id_column: pa.array(ids, pa.string()),
        HORIZON: pa.array([s.shape[1] for s in samples], pa.int32()),
        SAMPLES: pa.array([s.astype(np.float32).ravel() for s in samples], pa.list_(pa.float32())),
        PMF: pa.array([p.astype(np.float32).ravel() for p in pmfs], pa.list_(pa.float32())),
    }
    table = pa.table(columns).replace_schema_metadata({MODEL_KEY: json.dumps(model, sort_keys=True).encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def _columns(path: Path) -> list[str]:
    try:
        return pq.ParquetFile(path).schema_arrow.names
    except FileNotFoundError:
        raise UserError(
            f"predictions file {path} does not exist", "pass the parquet file a baseline wrote"
        ) from None
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(
            f"{path} is not a readable parquet file ({exc})", "write it with pyarrow or pandas"
        ) from None


def _with_column(task: TaskMetadata, column: str) -> TaskMetadata:
    return task.model_copy(update={"predictions": task.predictions.model_copy(update={"column": column})})


def _horizon(path: Path, sample_id: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_HORIZON:
        raise UserError(f"{path}: the horizon of {sample_id!r} is {value!r}", "write the series' horizon")
    return value


def _finite(path: Path, sample_id: str, value: Any, what: str) -> np.ndarray:
    """A non-empty flat list of finite numbers."""
    array = np.array(value if value is not None else [], dtype=np.float64)
    if array.size == 0:
        raise UserError(f"{path}: {what!r} of {sample_id!r} is empty", f"write {what} for every series")
    if not np.all(np.isfinite(array)):
        raise UserError(
            f"{path}: {what!r} of {sample_id!r} holds NaN or infinite values", "predict finite numbers"
        )
    return array
