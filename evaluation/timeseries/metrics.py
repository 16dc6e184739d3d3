"""Forecast metrics as Chronos reports them (gluonts's definitions), and the Fourier-head smoothness.

Per series, with context y_1..y_T, target y_{T+1..T+H}, season m:

- Seasonal Naive: ŷ_{T+h} = y_{T+h-m·ceil(h/m)} (the last full season repeated); m = 1 when T < m.
- MASE = mean_h |y_{T+h} - median_h| / mean_{t>m} |y_t - y_{t-m}| (the in-sample seasonal error;
  m = 1 when T ≤ m), the median being the 0.5 quantile of the forecast.
- quantile loss at level q: 2 Σ_h |(y - ŷ_q)(1{y ≤ ŷ_q} - q)|.

Per dataset (the series of one source), as gluonts aggregates them: MASE is the mean over its series;
WQL is the mean over q in 0.1..0.9 of Σ quantile loss / Σ |y| over all its series and steps.
Chronos then divides each dataset's score by Seasonal Naive's and takes the geometric mean over
datasets: the `*_relative` scores (below 1: better than Seasonal Naive).

Smoothness (Gillman et al. 2025): Σ_{σ=1..100} 6/(π²σ²) ‖y − G_σ∗y‖₂ of each predicted distribution
over ordered bins, lower is smoother; the same function as the Fourier suite's toy experiment.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synthsuite.evaluation.fourier.metrics import smoothness

QUANTILES = tuple(round(0.1 * i, 1) for i in range(1, 10))


def season_or_one(length: int, season: int) -> int:
    return season if length > season else 1


def seasonal_naive(context: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """The last season of the context repeated over the horizon (the last value when too short)."""
    season = season if len(context) >= season else 1
    last_season = context[len(context) - season :]
    return np.resize(last_season, horizon)


def seasonal_error(context: np.ndarray, season: int) -> float:
    """mean |y_t - y_{t-m}| over the context: MASE's scale."""
    season = season_or_one(len(context), season)
    return float(np.mean(np.abs(context[season:] - context[:-season])))


def quantile_losses(target: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """2 Σ_h |(y - ŷ_q)(1{y ≤ ŷ_q} - q)| for each level: (9,) from target (H,) and quantiles (9, H)."""
    levels = np.asarray(QUANTILES)[:, None]
    error = target[None, :] - quantiles
    return 2 * np.sum(np.abs(error * ((target[None, :] <= quantiles) - levels)), axis=-1)


@dataclass(frozen=True)
class SeriesScore:
    group: str
    abs_error: float  # mean |y - median|
    scale: float  # seasonal error
    quantile_loss: np.ndarray  # (9,)
    abs_target: float  # Σ |y|


def score_series(
    group: str, context: np.ndarray, target: np.ndarray, quantiles: np.ndarray, season: int
) -> SeriesScore:
    """One series' parts of MASE and WQL; `quantiles` (9, H) at QUANTILES, the median at index 4."""
    return SeriesScore(
        group=group,
        abs_error=float(np.mean(np.abs(target - quantiles[QUANTILES.index(0.5)]))),
        scale=seasonal_error(context, season),
        quantile_loss=quantile_losses(target, quantiles),
        abs_target=float(np.sum(np.abs(target))),
    )


def dataset_scores(series: Sequence[SeriesScore]) -> dict[str, tuple[float, float]]:
    """group -> (MASE, WQL), aggregated as gluonts does over the group's series."""
    groups: dict[str, list[SeriesScore]] = {}
    for s in series:
        groups.setdefault(s.group, []).append(s)
    result = {}
    for group, members in groups.items():
        mase = float(np.mean([m.abs_error / m.scale for m in members]))
        total_loss = np.sum([m.quantile_loss for m in members], axis=0)
        wql = float(np.mean(total_loss / sum(m.abs_target for m in members)))
        result[group] = (mase, wql)
    return result


def geometric_mean(values: Sequence[float]) -> float:
    return float(np.exp(np.mean(np.log(values))))


def relative_scores(
    model: dict[str, tuple[float, float]], naive: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """Geometric means over datasets of the model's MASE and WQL divided by Seasonal Naive's."""
    groups = sorted(naive)
    return {
        "mase_relative": geometric_mean([model[g][0] / naive[g][0] for g in groups]),
        "wql_relative": geometric_mean([model[g][1] / naive[g][1] for g in groups]),
    }


def mean_smoothness(pmfs: Sequence[np.ndarray]) -> float:
    """The mean smoothness over every predicted distribution (each array: steps x bins)."""
    return float(np.concatenate([smoothness(p) for p in pmfs]).mean())
