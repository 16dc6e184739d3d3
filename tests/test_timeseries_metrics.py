"""Forecast metrics: hand-computed cases and utilsforecast's MASE and scaled CRPS (= one series' WQL)."""

import numpy as np
import pandas as pd
import pytest
from utilsforecast.losses import mase as uf_mase
from utilsforecast.losses import scaled_crps as uf_scaled_crps

from synthsuite.evaluation.timeseries import metrics


def test_seasonal_naive_repeats_the_last_season():
    context = np.array([1.0, 2, 3, 4, 5, 6, 7])
    assert metrics.seasonal_naive(context, 5, 3).tolist() == [5, 6, 7, 5, 6]
    assert metrics.seasonal_naive(context, 2, 1).tolist() == [7, 7]
    assert metrics.seasonal_naive(context[:2], 3, 4).tolist() == [2, 2, 2]  # too short: naive


def test_mase_and_wql_by_hand():
    context = np.array([10.0, 12, 11, 13])  # naive errors 2, 1, 2: scale 5/3
    target = np.array([14.0, 12])
    quantiles = np.tile([13.0, 13.0], (9, 1))  # a point forecast of 13
    score = metrics.score_series("g", context, target, quantiles, season=1)
    assert score.scale == pytest.approx(5 / 3)
    assert score.abs_error / score.scale == pytest.approx(1 / (5 / 3))  # mean |error| = 1
    # y=14 above the forecast: 2(1-q); y=12 below: 2q; summed over the steps: 2 whatever q is
    assert np.allclose(score.quantile_loss, 2.0)
    (mase, wql), = metrics.dataset_scores([score]).values()  # fmt: skip
    assert mase == pytest.approx(0.6) and wql == pytest.approx(2 / 26)


def test_datasets_pool_wql_and_average_mase_then_take_geometric_means():
    a = metrics.SeriesScore("a", abs_error=1.0, scale=1.0, quantile_loss=np.full(9, 2.0), abs_target=10.0)
    b = metrics.SeriesScore("a", abs_error=3.0, scale=1.0, quantile_loss=np.full(9, 6.0), abs_target=30.0)
    c = metrics.SeriesScore("b", abs_error=2.0, scale=4.0, quantile_loss=np.full(9, 1.0), abs_target=5.0)
    scores = metrics.dataset_scores([a, b, c])
    assert scores["a"] == pytest.approx((2.0, 0.2)) and scores["b"] == pytest.approx((0.5, 0.2))
    naive = {"a": (4.0, 0.4), "b": (0.5, 0.1)}
    relative = metrics.relative_scores(scores, naive)
    assert relative["mase_relative"] == pytest.approx(np.sqrt(0.5 * 1.0))
    assert relative["wql_relative"] == pytest.approx(np.sqrt(0.5 * 2.0))


def _frames(context, target, quantiles, season):
    train = pd.DataFrame({"unique_id": "s", "ds": np.arange(len(context)), "y": context})
    test = pd.DataFrame({"unique_id": "s", "ds": len(context) + np.arange(len(target)), "y": target})
    for level, row in zip(metrics.QUANTILES, quantiles, strict=True):
        test[f"m-q{level}"] = row
    test["m"] = quantiles[4]
    return train, test


@pytest.mark.parametrize("season", [1, 4, 12])
def test_mase_and_wql_agree_with_utilsforecast(season):
    rng = np.random.default_rng(season)
    context = np.cumsum(rng.normal(size=60)) + 20
    target = context[-1] + np.cumsum(rng.normal(size=8))
    quantiles = np.sort(target + rng.normal(scale=2.0, size=(9, 8)), axis=0)
    train, test = _frames(context, target, quantiles, season)
    score = metrics.score_series("s", context, target, quantiles, season)
    (mase, wql), = metrics.dataset_scores([score]).values()  # fmt: skip
    theirs_mase = uf_mase(test, ["m"], season, train)["m"].item()
    models = {"m": [f"m-q{level}" for level in metrics.QUANTILES]}
    theirs_wql = uf_scaled_crps(test, models, np.array(metrics.QUANTILES))["m"].item()
    assert mase == pytest.approx(theirs_mase, rel=1e-9)
    assert wql == pytest.approx(theirs_wql, rel=1e-9)


def test_smoothness_is_zero_for_uniform_and_higher_for_jagged_distributions():
    bins = 64
    uniform = np.full((1, bins), 1 / bins)
    smooth = np.exp(-0.5 * ((np.arange(bins) - 32) / 6) ** 2)[None]
    jagged = smooth * (1 + 0.8 * (np.arange(bins) % 2))
    assert metrics.mean_smoothness([uniform]) == pytest.approx(0, abs=1e-12)
    assert metrics.mean_smoothness([smooth / smooth.sum()]) < metrics.mean_smoothness([jagged / jagged.sum()])
