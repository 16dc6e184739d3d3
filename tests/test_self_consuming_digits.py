"""The digits experiment: the dataset and its pin, the pinned classifier, FID and diversity, the k-means
corrector, a tiny loop's determinism, and the `digits/generation` task."""

import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import build, run_cli

from synthsuite.baselines.self_consuming import digits, grid, loop
from synthsuite.datasets_src import engine
from synthsuite.datasets_src.access import data_revision, open_dataset
from synthsuite.datasets_src.self_consuming.digits import load_source
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.results import ModelInfo
from synthsuite.evaluation.self_consuming import digits as scoring
from synthsuite.evaluation.self_consuming.tasks import DIGITS
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.hashing import sha256_bytes

TINY = {"width": 32, "depth": 1, "steps": 5, "gen0_steps": 30, "clusters": 4}
MODEL = ModelInfo(name="test", revision="1")


@pytest.fixture(scope="module")
def digits_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("digits") / "digits"
    build(out, dataset="digits", profile="paper")
    return out


@pytest.fixture(scope="module")
def splits(digits_build):
    source = open_dataset(digits_build)
    return {split: scoring.load_split(source, split) for split in ("train", "validation", "test")}


def test_the_build_is_the_pinned_revision_and_keeps_every_image(digits_build, splits):
    manifest = engine.read_manifest(digits_build)
    assert data_revision(manifest, "images") == DIGITS.dataset.revision
    images, _ = load_source()
    assert sum(len(y) for _, y in splits.values()) == len(images) == 1797
    together = np.concatenate([x for x, _ in splits.values()])
    assert sorted(map(bytes, together.astype(np.uint8))) == sorted(map(bytes, images))
    test_labels = splits["test"][1]
    assert all(34 <= (test_labels == d).sum() <= 38 for d in range(10))  # stratified: 20% of each class


def test_the_shipped_classifier_is_the_pinned_one_and_retrains_to_the_same_bytes(digits_build, splits):
    assert sha256_bytes(scoring.CLASSIFIER_FILE.read_bytes()) == scoring.CLASSIFIER_SHA256
    weights, accuracy = scoring.train_classifier(open_dataset(digits_build))
    assert sha256_bytes(weights) == scoring.CLASSIFIER_SHA256
    assert accuracy["test"] == pytest.approx(scoring.ACCURACY["test"], abs=1e-4) and accuracy["test"] > 0.95
    images, labels = splits["test"]
    assert np.mean(scoring.predict(images) == labels) == pytest.approx(accuracy["test"])


def test_a_changed_classifier_file_is_refused(tmp_path, monkeypatch):
    changed = tmp_path / "digits_classifier.npy"
    changed.write_bytes(scoring.CLASSIFIER_FILE.read_bytes()[:-4] + b"\0\0\0\0")
    monkeypatch.setattr(scoring, "CLASSIFIER_FILE", changed)
    scoring.classifier.cache_clear()
    try:
        with pytest.raises(UserError, match="is not the pinned digits-mlp-v1"):
            scoring.classifier()
    finally:
        scoring.classifier.cache_clear()


def test_fid_of_real_digits_against_themselves_is_zero_and_of_noise_large(splits):
    images, labels = splits["test"]
    real = scoring.RealStatistics(images)
    rng = np.random.default_rng(0)
    same = scoring.digit_scores(images, labels, real, rng)
    other = scoring.digit_scores(*splits["train"], real, rng)
    noise = scoring.digit_scores(rng.uniform(0, 16, images.shape), labels, real, rng)
    collapsed = scoring.digit_scores(np.repeat(images[:1], len(labels), 0), labels, real, rng)
    assert same["fid"] == pytest.approx(0, abs=1e-6)
    assert other["fid"] < 2 and other["class_accuracy"] == 1.0
    assert noise["fid"] > 100 and noise["class_accuracy"] < 0.3
    assert collapsed["diversity"] == 0 and collapsed["fid"] > 50


def test_the_kmeans_corrector_returns_rounded_centroids_of_the_right_class(splits):
    images, labels = splits["train"]
    real = {"image": images.astype(np.float32), "label": labels}
    corrector = digits.KMeansCorrector(real, 16)
    rng = np.random.default_rng(0)
    noisy = np.clip(images[:200] + rng.normal(0, 2, (200, 64)), 0, 16).astype(np.float32)
    corrected = corrector.correct({"image": noisy, "label": labels[:200]}, rng)
    assert np.array_equal(corrected["label"], labels[:200])
    for image, label in zip(corrected["image"], labels[:200], strict=True):
        centroids = corrector.centroids[label]
        assert centroids.shape == (16, 64)
        assert any(np.array_equal(image, c) for c in centroids)
    assert np.all(corrected["image"] == np.round(corrected["image"])) and corrected["image"].max() <= 16
    # the nearest centroid of the image's own class (k-means' own assignment)
    model = corrector.models[labels[0]]
    expected = corrector.centroids[labels[0]][model.predict(noisy[:1].astype(np.float64))[0]]
    assert np.array_equal(corrected["image"][0], expected)


def _tiny_spec(digits_build, **extra):
    return digits.spec(n=300, dataset=str(digits_build), settings={**TINY, **extra})


def test_a_tiny_loop_is_deterministic_for_a_seed_whatever_the_workers(digits_build, tmp_path):
    arms = list(loop.iter_arms(["real-only", "self-consuming", "self-correcting"], [1.0], [None]))
    one = grid.run_grid(_tiny_spec(digits_build), arms, [0], 2, tmp_path / "one", workers=1, progress=False)
    two = grid.run_grid(_tiny_spec(digits_build), arms, [0], 2, tmp_path / "two", workers=2, progress=False)
    assert [r["metrics"] for r in one["runs"]] == [r["metrics"] for r in two["runs"]]
    assert {tuple(r["metrics"]["fid"][:1]) for r in one["runs"]} == {
        tuple(one["runs"][0]["metrics"]["fid"][:1])
    }
    synthetic = [r for r in one["runs"] if r["arm"] != "real-only"]
    assert synthetic[0]["metrics"]["fid"][1:] != synthetic[1]["metrics"]["fid"][1:]
    assert one["settings"]["dataset_revision"] == DIGITS.dataset.revision


def test_the_model_samples_labels_it_was_asked_for_on_the_data_levels(digits_build):
    experiment = _tiny_spec(digits_build).build(0)
    model = experiment.model()
    model.fit(experiment.real, 0, np.random.default_rng(0))
    conditions = experiment.conditions(25, np.random.default_rng(1))
    samples = loop.check_samples(
        model.sample(25, conditions, np.random.default_rng(2)), experiment.real, 25, "m"
    )
    assert list(samples["label"]) == [i % 10 for i in range(25)]
    assert np.all(samples["image"] == np.round(samples["image"])) and samples["image"].min() >= 0
    again = model.sample(25, conditions, np.random.default_rng(2))
    assert np.array_equal(again["image"], samples["image"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--n", "5000"], "--n must lie in 1..1259"),
        (["--set", "width=0"], "--set width"),
        (["--set", "colour=red"], "--set colour"),
    ],
)
def test_bad_digits_input_is_one_line_exit_2(digits_build, tmp_path, arguments, message):
    result = run_cli(
        "baseline", "self-consuming", "--experiment", "digits", "--dataset", str(digits_build), *arguments,
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and message in result.stderr, (
        result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_a_missing_dataset_is_one_line_exit_2(tmp_path):
    result = run_cli("baseline", "self-consuming", "--experiment", "digits", "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "synthsuite/digits" in result.stderr


# --- the task --------------------------------------------------------------------------------------------


def _test_rows(digits_build):
    table = pq.read_table(next((digits_build / "data/images").glob("test-*.parquet")))
    return table.column("sample_id").to_pylist(), table.column("image")


def test_the_task_scores_the_real_test_images_as_zero_fid(digits_build, tmp_path):
    ids, images = _test_rows(digits_build)
    path = tmp_path / "real.parquet"
    pq.write_table(pa.table({"sample_id": ids, "prediction": images}), path)
    result = evaluate_predictions(DIGITS, path, dataset=str(digits_build), model=MODEL)
    scores = result.scores["test"]
    assert scores["fid"] == pytest.approx(0, abs=1e-6)
    assert scores["class_accuracy"] == pytest.approx(scoring.ACCURACY["test"], abs=1e-4)
    assert result.dataset.revision == DIGITS.dataset.revision


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([1.0] * 63, "8x8 image of 64 values"),
        ([float("nan")] * 64, "NaN or infinite"),
        ([17.0] * 64, "outside [0, 16]"),
    ],
)
def test_bad_images_are_refused(digits_build, tmp_path, row, message):
    ids, _ = _test_rows(digits_build)
    path = tmp_path / "bad.parquet"
    pq.write_table(
        pa.table({"sample_id": ids, "prediction": pa.array([row] * len(ids), pa.list_(pa.float64()))}), path
    )
    with pytest.raises(UserError, match=re.escape(message)):
        evaluate_predictions(DIGITS, path, dataset=str(digits_build), model=MODEL)
