"""Scoring forecast files: Seasonal Naive scores exactly 1, bad files are one line and write nothing."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import build, run_cli

from synthsuite.datasets_src.access import data_revision, open_dataset
from synthsuite.datasets_src.engine import read_manifest
from synthsuite.evaluation import tasks as task_registry
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.predictions import MODEL_KEY
from synthsuite.evaluation.timeseries import metrics
from synthsuite.evaluation.timeseries.scoring import write_forecasts
from synthsuite.evaluation.timeseries.tasks import forecast_task

MODEL = {"name": "seasonal-naive", "revision": "1"}


@pytest.fixture(scope="module")
def zero_shot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zero-shot") / "timeseries-zero-shot"
    build(folder, dataset="timeseries-zero-shot")
    return folder


@pytest.fixture()
def task(zero_shot, tmp_path, monkeypatch):
    """`test/real`, pinned to the tiny build and registered for the CLI."""
    revision = data_revision(read_manifest(zero_shot), "real")
    pinned = forecast_task(
        "real", name="test/real", repo_id=str(zero_shot), revision=revision, profile="tiny"
    )
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([pinned.model_dump(mode="json")]))
    monkeypatch.setenv(task_registry.TASKS_ENV, str(path))
    return pinned


def _rows(zero_shot):
    return open_dataset(zero_shot, configs=["real"]).read("real", "test", None).to_pylist()


def _naive(rows, bins=8):
    """Seasonal Naive as one sample path per series, with a one-hot step distribution."""
    paths = [
        metrics.seasonal_naive(np.asarray(r["context"]), r["horizon"], r["season_length"])[None] for r in rows
    ]
    pmfs = [np.eye(bins)[np.zeros(r["horizon"], dtype=int)] for r in rows]
    return [r["sample_id"] for r in rows], paths, pmfs


def _write(path, columns):
    table = pa.table(columns).replace_schema_metadata({MODEL_KEY: json.dumps(MODEL).encode()})
    pq.write_table(table, path)


def test_seasonal_naive_scores_one_relative_to_itself(zero_shot, task, tmp_path):
    rows = _rows(zero_shot)
    ids, paths, pmfs = _naive(rows)
    path = tmp_path / "naive.parquet"
    write_forecasts(path, task, ids, paths, pmfs, MODEL)
    scores = evaluate_predictions(task, path, dataset=zero_shot).scores["test"]
    assert scores["mase_relative"] == pytest.approx(1.0) and scores["wql_relative"] == pytest.approx(1.0)
    # a point forecast's WQL is 2 Σ|error| / Σ|y| for every level, i.e. its weighted absolute error
    assert scores["smoothness"] > 0.1  # one-hot distributions are far from smooth
    quantiles = {
        "sample_id": ids,
        "horizon": [len(p[0]) for p in paths],
        "quantiles": [np.tile(p[0], 9) for p in paths],  # the 9 levels, one after another
        "pmf": [p.ravel() for p in pmfs],
    }
    _write(tmp_path / "quantiles.parquet", quantiles)
    same = evaluate_predictions(task, tmp_path / "quantiles.parquet", dataset=zero_shot).scores["test"]
    assert same == pytest.approx(scores, rel=1e-5)  # float64 here, float32 from write_forecasts


def test_a_better_forecast_scores_below_one(zero_shot, task, tmp_path):
    rows = _rows(zero_shot)
    ids = [r["sample_id"] for r in rows]
    truth = [np.asarray(r["target"])[None] for r in rows]  # the future itself
    pmfs = [np.full((r["horizon"], 4), 0.25) for r in rows]
    path = tmp_path / "oracle.parquet"
    write_forecasts(path, task, ids, truth, pmfs, MODEL)
    scores = evaluate_predictions(task, path, dataset=zero_shot).scores["test"]
    assert scores["mase_relative"] < 1e-6 and scores["smoothness"] == pytest.approx(0, abs=1e-9)


def _bad_files(rows):
    ids, paths, pmfs = _naive(rows)
    good = {
        "sample_id": ids,
        "horizon": [p.shape[1] for p in paths],
        "prediction": [p.ravel() for p in paths],
        "pmf": [p.ravel() for p in pmfs],
    }
    nan = {**good, "prediction": [np.where(np.arange(p.size) == 0, np.nan, p.ravel()) for p in paths]}
    short = {
        **good,
        "horizon": [h - 1 for h in good["horizon"]],
        "prediction": [p.ravel()[1:] for p in paths],
    }
    missing = {k: v[1:] for k, v in good.items()}
    unnormalised = {**good, "pmf": [2 * p.ravel() for p in pmfs]}
    crossing = {
        "sample_id": ids, "horizon": good["horizon"], "pmf": good["pmf"],
        "quantiles": [np.concatenate([p[0] + 1, np.tile(p[0], 8)]) for p in paths],
    }  # fmt: skip
    return {
        "NaN": (nan, "NaN or infinite"),
        "wrong horizon": (short, "has horizon"),
        "missing series": (missing, "missing"),
        "unnormalised PMF": (unnormalised, "does not sum to 1"),
        "crossing quantiles": (crossing, "cross"),
        "no pmf": ({k: v for k, v in good.items() if k != "pmf"}, "no column 'pmf'"),
    }


@pytest.mark.parametrize(
    "case", ["NaN", "wrong horizon", "missing series", "unnormalised PMF", "crossing quantiles", "no pmf"]
)
def test_bad_forecast_files_are_one_line_and_write_nothing(zero_shot, task, tmp_path, case):
    columns, says = _bad_files(_rows(zero_shot))[case]
    path = tmp_path / "bad.parquet"
    _write(path, columns)
    out = tmp_path / "results.json"
    done = run_cli("evaluate", str(path), "--task", task.name, "--dataset", str(zero_shot), "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1
    assert says in done.stderr
    assert not out.exists()
