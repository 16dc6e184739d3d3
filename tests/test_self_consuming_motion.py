"""The motion experiment: the text-motion evaluator, the `motion/generation` scorer and its checks, and a
tiny self-consuming motion loop with the physics corrector (real MuJoCo)."""

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import build, run_cli

from synthsuite.baselines.self_consuming import grid, loop, motion
from synthsuite.datasets_src.access import open_dataset
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.motion import generation
from synthsuite.evaluation.motion.generation import MOTION_GENERATION
from synthsuite.evaluation.results import ModelInfo
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.hashing import sha256_file

TINY = {"width": 16, "layers": 1, "heads": 2, "steps": 4, "gen0_steps": 8, "finetune_steps": 2}
TINY_EVAL = {"eval_prompts": 4, "eval_split": "train"}
MODEL = ModelInfo(name="test", revision="1")


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("motion") / "motion-correction"
    build(out, dataset="motion-correction", profile="tiny", configs=["clean"])
    return out


@pytest.fixture(scope="module")
def tiny_evaluator(clean_build, tmp_path_factory):
    """An evaluator trained for a few steps on the tiny build, installed in place of the pinned one."""
    folder = tmp_path_factory.mktemp("evaluator")
    generation.main(["train", "--dataset", str(clean_build), "--out", str(folder), "--steps", "30"])
    patch = pytest.MonkeyPatch()
    weights, words = folder / generation.EVALUATOR_FILE.name, folder / generation.VOCABULARY_FILE.name
    patch.setattr(generation, "EVALUATOR_FILE", weights)
    patch.setattr(generation, "VOCABULARY_FILE", words)
    patch.setattr(generation, "EVALUATOR_SHA256", sha256_file(weights))
    patch.setattr(generation, "VOCABULARY_SHA256", sha256_file(words))
    generation.evaluator.cache_clear()
    yield generation.evaluator()
    patch.undo()
    generation.evaluator.cache_clear()


def _train_rows(clean_build):
    source = open_dataset(clean_build)
    table = generation.read_clean(source, "train", ["sample_id", "caption", "joints"])
    return (
        table.column("sample_id").to_pylist(),
        table.column("caption").to_pylist(),
        generation.joints_of(table),
    )


# --- the evaluator and the metrics ---------------------------------------------------------------------


def test_the_evaluator_embeds_to_unit_vectors_and_ignores_where_the_clip_starts(clean_build, tiny_evaluator):
    _, captions, motions = _train_rows(clean_build)
    texts = tiny_evaluator.embed(texts=captions)
    found = tiny_evaluator.embed(motions=motions)
    assert texts.shape == found.shape == (len(captions), generation.EMBEDDING)
    np.testing.assert_allclose(np.linalg.norm(found, axis=1), 1, atol=1e-5)
    moved = [m + np.array([3.0, -2.0, 0.0]) for m in motions]  # the same motions, elsewhere on the floor
    np.testing.assert_allclose(tiny_evaluator.embed(motions=moved), found, atol=1e-5)


def test_r_precision_and_matching_on_known_embeddings():
    from synthsuite.evaluation.self_consuming.metrics import matching_score, r_precision

    rng = np.random.default_rng(0)
    text = rng.normal(size=(64, 8))
    assert r_precision(text, text, batch=32) == [1.0, 1.0, 1.0] and matching_score(text, text) == 0
    shuffled = text[rng.permutation(64)]
    assert r_precision(text, shuffled, batch=32)[2] < 0.3  # chance: 3/32


def test_real_motions_score_fid_zero_and_their_physics(clean_build, tiny_evaluator):
    _, captions, motions = _train_rows(clean_build)
    real = generation.RealMotions(motions)
    scores = generation.generation_scores(motions, captions, real, np.random.default_rng(0))
    assert scores["fid"] == pytest.approx(0, abs=1e-6)
    assert set(scores) == {m.name for m in MOTION_GENERATION.metrics}
    assert scores["penetrate"] < 5 and scores["float"] < 50  # clean simulated clips (jumps float)
    frozen = [np.repeat(m[:1], len(m), axis=0) for m in motions]  # a model that stands still
    assert generation.generation_scores(frozen, captions, real, np.random.default_rng(0))["fid"] > 0.01


# --- the task's scorer ---------------------------------------------------------------------------------


def _task_on_train():
    """motion/generation scored on the tiny build's train split (its test split has one clip)."""
    return MOTION_GENERATION.model_copy(update={"eval_split": "train"})


def _write(path: Path, ids: list[str], motions: list[np.ndarray], **extra) -> Path:
    values = pa.array([m.astype(np.float32).ravel() for m in motions], pa.list_(pa.float32()))
    pq.write_table(pa.table({"sample_id": ids, "prediction": values, **extra}), path)
    return path


def test_the_task_scores_the_real_motions_as_zero_fid(clean_build, tiny_evaluator, tmp_path):
    ids, _, motions = _train_rows(clean_build)
    path = _write(tmp_path / "real.parquet", ids, motions, fps=pa.array([20] * len(ids), pa.int32()))
    result = evaluate_predictions(
        _task_on_train(), path, dataset=str(clean_build), split="train", model=MODEL
    )
    assert result.scores["train"]["fid"] == pytest.approx(0, abs=1e-6)


def _swap_left_right(m: np.ndarray) -> np.ndarray:
    order = [0, 2, 1, 3, 5, 4, 6, 8, 7, 9, 11, 10, 12, 14, 13, 15, 17, 16, 19, 18, 21, 20]
    return m[:, order]


@pytest.mark.parametrize(
    ("change", "message", "extra"),
    [
        (lambda m: m * 1000, "not 22 in HumanML3D's order, in metres", {}),  # millimetres
        (lambda m: m[:, ::-1], "HumanML3D's order", {}),  # joints reversed
        (lambda m: m[..., [0, 2, 1]], "not z up", {}),  # y up
        (_swap_left_right, "left and right", {}),
        (lambda m: np.where(np.arange(len(m))[:, None, None] == 3, np.nan, m), "NaN", {}),
        (lambda m: m[:1], "frames", {}),
        (lambda m: m, "fps [30] is not the task's 20", {"fps": pa.array([30] * 4, pa.int32())}),
    ],
)
def test_bad_motions_are_refused_with_one_line(clean_build, tiny_evaluator, tmp_path, change, message, extra):
    ids, _, motions = _train_rows(clean_build)
    path = _write(tmp_path / "bad.parquet", ids, [change(m) for m in motions], **extra)
    with pytest.raises(UserError, match=re.escape(message)) as raised:
        evaluate_predictions(_task_on_train(), path, dataset=str(clean_build), split="train", model=MODEL)
    assert "\n" not in str(raised.value)


def test_missing_motions_are_refused(clean_build, tiny_evaluator, tmp_path):
    ids, _, motions = _train_rows(clean_build)
    path = _write(tmp_path / "few.parquet", ids[:2], motions[:2])
    with pytest.raises(UserError, match="ids of the split are missing"):
        evaluate_predictions(_task_on_train(), path, dataset=str(clean_build), split="train", model=MODEL)


def test_a_wrong_skeleton_through_the_cli_is_one_line_exit_2(clean_build, tmp_path):
    ids, _, motions = _train_rows(clean_build)
    path = _write(tmp_path / "bad.parquet", ids, [m[:, ::-1] for m in motions])
    result = run_cli("evaluate", str(path), "--task", "motion/generation", "--dataset", str(clean_build),
                     "--split", "train", "--model", "m", "--model-revision", "1")  # fmt: skip
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "HumanML3D's order" in result.stderr


# --- the loop ------------------------------------------------------------------------------------------


def test_a_tiny_motion_loop_is_deterministic_and_corrects_in_mujoco(clean_build, tiny_evaluator, tmp_path):
    settings = {**TINY, **TINY_EVAL}
    spec = motion.spec(n=4, dataset=str(clean_build), settings=settings)
    arms = list(loop.iter_arms(["self-consuming", "self-correcting"], [0.5], [None]))
    one = grid.run_grid(spec, arms, [0], 1, tmp_path / "one", workers=1, progress=False)
    two = grid.run_grid(spec, arms, [0], 1, tmp_path / "two", workers=1, progress=False)  # (the patched
    # evaluator lives in this process only; workers=2 is checked on the Gaussian and digits loops)
    assert [r["metrics"] for r in one["runs"]] == [r["metrics"] for r in two["runs"]]
    corrected = next(r for r in one["runs"] if r["arm"] == "self-correcting")
    assert corrected["stage_seconds"]["correct"] > 0
    assert set(corrected["metrics"]) == {m.name for m in MOTION_GENERATION.metrics}


def test_the_corrector_returns_physical_motions_of_the_same_frames(clean_build):
    experiment = motion.build(0, str(clean_build), 4, motion.parse_settings({**TINY, **TINY_EVAL}))
    real = experiment.real
    sunk = {
        **real,
        "joints": real["joints"] - np.array([0, 0, 0.06], dtype=np.float32),
    }  # 6 cm into the floor
    corrected = motion.PhysicsCorrector(0).correct(sunk, np.random.default_rng(0))
    from synthsuite.datasets_src.motion.metrics import physics_metrics

    for i, frames in enumerate(real["frames"]):
        before = physics_metrics(sunk["joints"][i, :frames]).penetrate
        after = physics_metrics(corrected["joints"][i, :frames]).penetrate
        assert before > 40 and after < 0.2 * before
        assert np.array_equal(
            corrected["joints"][i, frames:], sunk["joints"][i, frames:]
        )  # padding untouched


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--n", "100000"], "--n must lie in 1.."),
        (["--set", "width=30", "--set", "heads=4"], "multiple of heads"),
    ],
)
def test_bad_motion_input_is_one_line_exit_2(clean_build, tmp_path, arguments, message):
    result = run_cli("baseline", "self-consuming", "--experiment", "motion", "--dataset", str(clean_build),
                     *arguments, "--out", str(tmp_path / "out"))  # fmt: skip
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and message in result.stderr, (
        result.stderr
    )
    assert not (tmp_path / "out").exists()


# --- the shipped evaluator -----------------------------------------------------------------------------


PINNED = {
    name: getattr(generation, name)
    for name in ("EVALUATOR_FILE", "VOCABULARY_FILE", "EVALUATOR_SHA256", "VOCABULARY_SHA256")
}  # read at import, before `tiny_evaluator` installs its own for the rest of this module


@pytest.mark.slow
def test_the_shipped_evaluator_ranks_held_out_real_motions_well_above_chance(tmp_path, monkeypatch):
    """40 clips of a build with another seed (motions and captions the evaluator never saw)."""
    for name, value in PINNED.items():
        monkeypatch.setattr(generation, name, value)
    generation.evaluator.cache_clear()
    out = tmp_path / "held-out"
    build(out, dataset="motion-correction", profile="small", configs=["clean"], seed=1, limit=40, workers=2)
    source = open_dataset(out)
    tables = [generation.read_clean(source, s, ["caption", "joints"]) for s in source.splits("clean")]
    captions = [c for t in tables for c in t.column("caption").to_pylist()]
    motions = [m for t in tables for m in generation.joints_of(t)]
    assert len(motions) == 40
    model = generation.evaluator()  # the pinned one
    generation.evaluator.cache_clear()  # whichever test runs next loads what it expects
    top = generation.r_precision(model.embed(texts=captions), model.embed(motions=motions), batch=32)
    assert top[0] > 0.3 and top[2] > 0.6, top  # chance: 1/32 and 3/32
