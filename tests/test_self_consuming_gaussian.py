"""The self-consuming loop on the Gaussian toy: the corrector, W2, determinism, resume after SIGKILL,
the plug-in interface, bad input, and the `self-consuming/gaussian` task."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import build, run_cli

from synthsuite.baselines.self_consuming import gaussian, grid, loop
from synthsuite.datasets_src import engine
from synthsuite.datasets_src.access import data_revision
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.results import ModelInfo
from synthsuite.evaluation.self_consuming import metrics
from synthsuite.evaluation.self_consuming.tasks import GAUSSIAN
from synthsuite.kernel.errors import UserError

TESTS = str(Path(__file__).parent)
ALL_ARMS = ["real-only", "self-consuming", "self-correcting"]


def _grid(tmp_path: Path, gammas, seeds, generations, workers=1, n=gaussian.PAPER_N) -> dict:
    arms = list(loop.iter_arms(ALL_ARMS, [0.5], gammas))
    return grid.run_grid(
        gaussian.spec(n), arms, seeds, generations, tmp_path, workers=workers, progress=False
    )


def _final(results: dict, key: str) -> np.ndarray:
    return np.array([r["metrics"]["w2"][-1] for r in results["runs"] if r["key"] == key])


# --- the pieces ----------------------------------------------------------------------------------------


def test_w2_of_gaussians_matches_the_closed_forms():
    assert metrics.w2_gaussian(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2))[0] == pytest.approx(
        0, abs=1e-12
    )
    # a shift by (3, 4): W2 = 5; a scale by 2 in both axes: W2² = 2·(2 − 1)² = 2
    assert metrics.w2_gaussian(np.zeros(2), np.eye(2), np.array([3.0, 4.0]), np.eye(2))[0] == pytest.approx(5)
    assert metrics.w2_gaussian(np.zeros(2), np.eye(2), np.zeros(2), 4 * np.eye(2))[0] == pytest.approx(
        np.sqrt(2)
    )
    # non-commuting covariances against scipy's sqrtm formula
    a, b = np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([[1.0, -0.3], [-0.3, 0.5]])
    from scipy.linalg import sqrtm

    root = sqrtm(b)
    expected = np.sqrt(np.trace(a + b - 2 * np.real(sqrtm(root @ a @ root))))
    assert metrics.w2_gaussian(np.zeros(2), a, np.zeros(2), b)[0] == pytest.approx(expected, rel=1e-9)


def test_the_model_fits_as_a_one_component_gaussian_mixture():
    from sklearn.mixture import GaussianMixture

    points = gaussian.real_points(3)
    model = gaussian.GaussianModel()
    model.fit({"x": points}, 0, np.random.default_rng(0))
    mixture = GaussianMixture(n_components=1, tol=1e-9, random_state=1).fit(points)
    np.testing.assert_allclose(model.mean, mixture.means_[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.cov, mixture.covariances_[0], rtol=1e-9, atol=1e-12)
    restored = gaussian.GaussianModel()
    restored.load_state(model.state())
    assert np.array_equal(restored.mean, model.mean) and np.array_equal(restored.cov, model.cov)


def test_the_corrector_moves_samples_towards_the_target_as_gamma_grows():
    samples = {"x": np.random.default_rng(0).normal(0.8, 0.6, size=(2000, 2))}
    distances = []
    for gamma in (0.0, 0.3, 1.0, 5.0, 1e6):
        corrected = gaussian.HistogramCorrector(gamma).correct(samples, np.random.default_rng(1))["x"]
        assert corrected.shape == (2000, 2) and np.all(np.isfinite(corrected))
        distances.append(metrics.w2_gaussian(np.zeros(2), np.eye(2), *metrics.gaussian_fit(corrected))[0])
    assert distances == sorted(distances, reverse=True), distances
    assert distances[0] > 0.9  # γ = 0: the samples' own (resampled) histogram, W2 ≈ 1.25 before
    assert distances[-1] < 0.1  # t → 1: samples of N(0, I)


def test_accumulated_sets_are_thinned_as_the_original():
    accumulated = loop.Accumulated()
    for k in range(3):
        accumulated.append({"x": np.full((10, 2), float(k))})
    kept = accumulated.thinned()["x"][:, 0]
    # of K = 3 sets, set i keeps int((i + 1) / 3 * 10) rows: 3, 6, 10
    assert [int((kept == k).sum()) for k in range(3)] == [3, 6, 10]
    assert list(kept) == sorted(kept)  # oldest first, as the original concatenates


# --- the loop ----------------------------------------------------------------------------------------


def test_w2_decreases_with_gamma_on_a_short_run(tmp_path):
    results = _grid(tmp_path, [0.0, 0.3, 5.0], [0, 1, 2, 3], 50)
    means = [_final(results, f"self-correcting-ratio0.5-gamma{g:g}").mean() for g in (0.0, 0.3, 5.0)]
    assert means[0] > means[1] > means[2], means
    real = _final(results, "real-only")
    assert np.all(real == [r["metrics"]["w2"][0] for r in results["runs"] if r["key"] == "real-only"])
    assert len(results["runs"]) == 4 * 5 and all(len(r["metrics"]["w2"]) == 51 for r in results["runs"])


def test_the_loop_is_deterministic_whatever_the_workers(tmp_path):
    one = _grid(tmp_path / "one", [0.1, 1.0], [0, 5], 30, workers=1)
    two = _grid(tmp_path / "two", [0.1, 1.0], [0, 5], 30, workers=2)
    assert [r["metrics"] for r in one["runs"]] == [r["metrics"] for r in two["runs"]]
    other_seed = [r["metrics"] for r in one["runs"] if r["seed"] == 5]
    assert other_seed != [r["metrics"] for r in one["runs"] if r["seed"] == 0]


def test_a_longer_run_extends_a_finished_one_and_gives_the_same_numbers(tmp_path):
    short = _grid(tmp_path / "a", [1.0], [0], 10)
    longer = _grid(tmp_path / "a", [1.0], [0], 25)
    fresh = _grid(tmp_path / "b", [1.0], [0], 25)
    assert [r["metrics"] for r in longer["runs"]] == [r["metrics"] for r in fresh["runs"]]
    assert all(
        r["metrics"]["w2"] == f["metrics"]["w2"][:11]
        for r, f in zip(short["runs"], fresh["runs"], strict=True)
    )


def test_a_folder_of_other_settings_is_refused(tmp_path):
    _grid(tmp_path, [1.0], [0], 2)
    spec = gaussian.spec()
    other = dataclasses.replace(spec, settings={**spec.settings, "version": 2})
    with pytest.raises(UserError, match="other settings"):
        grid.run_grid(other, [loop.Arm("real-only")], [0], 2, tmp_path, progress=False)


def test_resume_after_sigkill_gives_the_uninterrupted_numbers(tmp_path):
    command = [
        sys.executable, "-m", "synthsuite", "baseline", "self-consuming", "--experiment", "gaussian",
        "--gamma", "0.1", "--seeds", "0", "--arms", "self-correcting", "--generations", "400",
        "--workers", "1", "--no-progress",
    ]  # fmt: skip
    killed = tmp_path / "killed"
    journal = killed / "self-consuming/gaussian/n50/seed-0/self-correcting-ratio0.5-gamma0.1/journal.jsonl"
    process = subprocess.Popen(
        [*command, "--out", str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if journal.exists() and journal.read_text().count("\n") > 30:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    lines = journal.read_text().count("\n")
    assert 30 < lines < 402
    resumed = subprocess.run([*command, "--out", str(killed)], capture_output=True, text=True)
    fresh = subprocess.run([*command, "--out", str(tmp_path / "fresh")], capture_output=True, text=True)
    assert resumed.returncode == 0 and fresh.returncode == 0, resumed.stderr + fresh.stderr

    def runs(folder: Path) -> list:
        data = json.loads((folder / "self-consuming/gaussian/n50/results.json").read_text())
        return [r["metrics"] for r in data["runs"]]

    assert runs(killed) == runs(tmp_path / "fresh")
    assert journal.read_text().count("\n") == 402  # header, generations 0..400, each once


# --- the plug-in interface and bad input ---------------------------------------------------------------


class _Broken(gaussian.GaussianModel):
    """A plug-in model whose samples are broken in the way `kind` says."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def sample(self, n, conditions, rng):
        x = super().sample(n, conditions, rng)["x"]
        if self.kind == "nan":
            x[0, 0] = np.nan
            return {"x": x}
        return {"x": x[:, :1]}  # wrong shape


def _broken_experiment(seed: int, kind: str) -> loop.Experiment:
    experiment = gaussian.build(seed)
    experiment.model = partial(_Broken, kind)
    return experiment


def broken_spec(kind: str, n=None, dataset=None, settings=None) -> loop.LoopSpec:
    """An experiment for `--experiment test_self_consuming_gaussian:nan_spec` (a plug-in)."""
    return loop.LoopSpec("broken", partial(_broken_experiment, kind=kind), {"kind": kind}, f"n50-{kind}")


nan_spec = partial(broken_spec, "nan")
shape_spec = partial(broken_spec, "shape")


@pytest.mark.parametrize(("kind", "message"), [("nan", "NaN or infinite"), ("shape", "shape (50, 1)")])
def test_a_plug_in_model_returning_nan_or_the_wrong_shape_is_one_line_exit_2(tmp_path, kind, message):
    result = run_cli(
        "baseline", "self-consuming", "--experiment", f"test_self_consuming_gaussian:{kind}_spec",
        "--generations", "3", "--workers", "1", "--out", str(tmp_path), "--no-progress",
        env={"PYTHONPATH": TESTS + os.pathsep + os.environ.get("PYTHONPATH", "")},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert (
        result.stderr.count("\n") == 1
        and message in result.stderr
        and "the model's sample()" in result.stderr
    )


def test_a_plug_in_run_through_the_python_api(tmp_path):
    arms = [loop.Arm("self-consuming", 1.0), loop.Arm("self-correcting", 1.0, 2.0)]
    results = grid.run_grid(gaussian.spec(20), arms, [7], 5, tmp_path, progress=False)
    assert [r["key"] for r in results["runs"]] == ["self-consuming-ratio1", "self-correcting-ratio1-gamma2"]
    assert (tmp_path / "gaussian/n20/results.json").is_file()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--ratio", "0"], "--ratio must lie in (0, 10]"),
        (["--ratio", "10.5"], "--ratio must lie in (0, 10]"),
        (["--gamma", "-0.1"], "--gamma must be a number >= 0"),
        (["--generations", "0"], "--generations must be at least 1"),
        (["--experiment", "gausian"], "unknown experiment 'gausian'"),
        (["--experiment", "digits", "--gamma", "1"], "--gamma applies to the gaussian experiment"),
        (["--arms", "real"], "unknown arm 'real'"),
        (["--seeds", "1", "1"], "--seeds must be distinct"),
        (["--experiment", "no_such_module:spec"], "cannot load experiment"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, arguments, message):
    base = ["--experiment", "gaussian"] if "--experiment" not in arguments else []
    result = run_cli("baseline", "self-consuming", *base, *arguments, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


# --- the task --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gaussian-toy") / "gaussian-toy"
    build(out, dataset="gaussian-toy", profile="paper")
    return out


def test_the_build_is_the_pinned_revision(toy_build, tmp_path):
    assert data_revision(engine.read_manifest(toy_build), "real") == GAUSSIAN.dataset.revision
    two = build(tmp_path / "two", dataset="gaussian-toy", profile="paper", workers=2)
    assert (
        two.manifest["configs"]["real"]["shards"]
        == engine.read_manifest(toy_build)["configs"]["real"]["shards"]
    )


def _write_points(path: Path, ids: list[str], values: pa.Array) -> None:
    table = pa.table({"sample_id": ids, "prediction": values})
    pq.write_table(table, path)


def _test_ids(toy_build: Path) -> list[str]:
    return (
        pq.read_table(next((toy_build / "data/real").glob("test-*.parquet"))).column("sample_id").to_pylist()
    )


def test_the_task_scores_target_samples_near_zero_and_a_collapsed_generator_far(toy_build, tmp_path):
    ids = _test_ids(toy_build)
    rng = np.random.default_rng(0)
    model = ModelInfo(name="test", revision="1")
    scores = {}
    for name, points in {
        "target": rng.standard_normal((len(ids), 2)),
        "collapsed": 0.1 * rng.standard_normal((len(ids), 2)),
    }.items():
        path = tmp_path / f"{name}.parquet"
        _write_points(path, ids, pa.array(points.tolist(), pa.list_(pa.float64(), 2)))
        scores[name] = evaluate_predictions(GAUSSIAN, path, dataset=str(toy_build), model=model).scores[
            "test"
        ]
    assert scores["target"]["w2"] < 0.1 and scores["target"]["w2_empirical"] < 0.3  # two finite samples
    assert scores["collapsed"]["w2"] > 1.0 and scores["collapsed"]["w2_empirical"] > 1.0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (pa.array([[0.0, float("nan")]] * 1000, pa.list_(pa.float64())), "NaN or infinite"),
        (pa.array([[0.0, 1.0, 2.0]] * 1000, pa.list_(pa.float64())), "a point of 2 numbers"),
        (pa.array(["a"] * 1000), "not a list of numbers"),
    ],
)
def test_bad_points_are_refused(toy_build, tmp_path, values, message):
    path = tmp_path / "bad.parquet"
    _write_points(path, _test_ids(toy_build), values)
    with pytest.raises(UserError, match=message):
        evaluate_predictions(GAUSSIAN, path, dataset=str(toy_build), model=ModelInfo(name="t", revision="1"))


def test_too_few_points_are_refused(toy_build, tmp_path):
    path = tmp_path / "few.parquet"
    _write_points(path, _test_ids(toy_build)[:10], pa.array([[0.0, 0.0]] * 10, pa.list_(pa.float64(), 2)))
    with pytest.raises(UserError, match="ids of the split are missing"):
        evaluate_predictions(GAUSSIAN, path, dataset=str(toy_build), model=ModelInfo(name="t", revision="1"))
