"""The physics corrector on the tiny `pairs` set, `synthsuite correct` round trip and bad input,
and scoring a corrected-motions file (real MuJoCo)."""

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli
from test_motion_dataset import tiny_motion

from synthsuite.datasets_src.access import data_revision
from synthsuite.datasets_src.engine import read_manifest
from synthsuite.datasets_src.motion.artifacts import METRIC_OF
from synthsuite.datasets_src.motion.clip import MotionClip
from synthsuite.datasets_src.motion.corrector import CorrectorSettings, correct
from synthsuite.evaluation import tasks as task_registry
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.motion.scoring import motion_scores
from synthsuite.evaluation.motion.tasks import correction_task
from synthsuite.evaluation.predictions import write_predictions

# m: the stated bounds on the mean joint distance of corrections to their clean sources (docs/motion.md)
MAX_DISTANCE = 0.10  # over the set
MAX_ROW_DISTANCE = 0.20  # any one motion (runs lag behind their source most)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> dict:
    folder = tiny_motion(tmp_path_factory)
    rows = pq.read_table(next((folder / "data" / "pairs").glob("test-*.parquet"))).to_pydict()
    rows["folder"] = folder
    return rows


@pytest.fixture(scope="module")
def corrected(pairs) -> list:
    return [correct(MotionClip(np.asarray(j), 20.0)) for j in pairs["joints"]]


def test_the_corrector_removes_80_percent_of_every_artifact_type(pairs, corrected):
    assert all(r.ok for r in corrected), [r.message for r in corrected]
    scores = motion_scores(
        pairs["sample_id"],
        [r.motion.joints for r in corrected],
        [np.asarray(j) for j in pairs["clean_joints"]],
        [np.asarray(j) for j in pairs["joints"]],
        pairs["artifacts"],
        np.asarray(pairs["fps"]),
    )
    for metric in sorted({METRIC_OF[k] for kinds in pairs["artifacts"] for k in kinds}):
        assert scores[f"reduction_{metric}"] >= 80.0, (metric, scores)
    for result, kinds in zip(corrected, pairs["artifacts"], strict=True):
        for kind in kinds:  # row by row too: the artifact's own metric went down
            metric = METRIC_OF[kind]
            assert getattr(result.after, metric) < getattr(result.before, metric)


def test_corrections_stay_within_the_stated_distance_of_the_clean_source(pairs, corrected):
    distances = []
    for result, clean in zip(corrected, pairs["clean_joints"], strict=True):
        clean = np.asarray(clean)
        assert result.motion.joints.shape == clean.shape
        distances.append(np.linalg.norm(result.motion.joints - clean, axis=2).mean())
        assert 0 <= result.residual_force_ratio < 1.0 and result.qpos.shape[0] == clean.shape[0]
    assert max(distances) < MAX_ROW_DISTANCE and np.mean(distances) < MAX_DISTANCE, distances


def test_the_corrector_is_deterministic(pairs, corrected):
    again = correct(MotionClip(np.asarray(pairs["joints"][0]), 20.0))
    np.testing.assert_array_equal(again.motion.joints, corrected[0].motion.joints)


def test_a_diverging_motion_is_reported_not_hung():
    rng = np.random.default_rng(0)
    chaos = rng.normal(0, 1.0, (40, 22, 3)) + np.array([0, 0, 1.0])  # no body, no floor
    result = correct(MotionClip(chaos, 20.0), CorrectorSettings(retries=1))
    assert result.ok or result.message.startswith("the simulation failed")
    assert result.motion.joints.shape == chaos.shape and np.all(np.isfinite(result.motion.joints))


def write_motions(path: Path, joints: list, ids=None, fps=None) -> None:
    columns = {"joints": pa.array([np.asarray(j, dtype=np.float32).tolist() for j in joints])}
    if ids is not None:
        columns["sample_id"] = pa.array(ids, pa.string())
    if fps is not None:
        columns["fps"] = pa.array(fps)
    pq.write_table(pa.table(columns), path)


def test_synthsuite_correct_round_trip(pairs, tmp_path):
    source = tmp_path / "motions.parquet"
    write_motions(source, pairs["joints"][:2], ids=["a", "b"])
    out = tmp_path / "out"
    result = run_cli("correct", str(source), "--out", str(out), "--workers", "2", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "penetrate" in result.stdout and "wrote" in result.stdout
    table = pq.read_table(out / "corrected.parquet").to_pydict()
    assert table["sample_id"] == ["a", "b"] and all(table["ok"])
    for i, joints in enumerate(pairs["joints"][:2]):
        assert np.asarray(table["joints"][i]).shape == np.asarray(joints).shape
    report = json.loads((out / "report.json").read_text())
    assert report["motions"] == 2 and report["corrected"] == 2
    assert set(report["metrics"]) == {"penetrate", "float", "skate", "phys_err", "jitter", "overspeed"}
    # y-up input comes back y-up
    from synthsuite.datasets_src.motion.skeleton import to_y_up

    write_motions(source, [to_y_up(np.asarray(pairs["clean_joints"][0]))])
    again = run_cli(
        "correct", str(source), "--up", "y", "--out", str(tmp_path / "y"), "--workers", "1", "--json"
    )
    assert again.returncode == 0, again.stderr
    # --json: the report on stdout (as report.json), the note on stderr
    assert json.loads(again.stdout) == json.loads((tmp_path / "y" / "report.json").read_text())
    assert "wrote" in again.stderr
    back = np.asarray(pq.read_table(tmp_path / "y" / "corrected.parquet").column("joints").to_pylist()[0])
    assert np.mean(back[:, 15, 1] - back[:, 0, 1]) > 0.3  # the head is above the pelvis along y


def bad_files(pairs) -> list:
    good = np.asarray(pairs["clean_joints"][0])
    nan = good.copy()
    nan[3, 4, 1] = np.nan
    swapped = good[:, [0, 2, 1, *range(3, 22)]]  # left and right hips exchanged
    swapped = swapped[:, [0, 1, 2, 3, 5, 4, 6, 8, 7, 9, 11, 10, *range(12, 22)]]
    return [
        ("nan", {"joints": [nan]}, "NaN"),
        ("joint count", {"joints": [good[:, :21]]}, "shape"),
        ("joint order", {"joints": [swapped]}, "swapped"),
        ("scrambled", {"joints": [good[:, ::-1]]}, "HumanML3D's order"),
        ("fps", {"joints": [good], "fps": [23.0]}, "fps"),
        ("too short", {"joints": [good[:1]]}, "frames"),
        ("too long", {"joints": [np.concatenate([good] * 7)]}, "frames"),
        ("y up", {"joints": [good[..., [1, 2, 0]]]}, "--up y"),
    ]


@pytest.mark.parametrize("case", range(8))
def test_bad_motions_are_one_line_exit_2_and_write_nothing(pairs, tmp_path, case):
    name, content, message = bad_files(pairs)[case]
    source = tmp_path / "bad.parquet"
    write_motions(source, content["joints"], fps=content.get("fps"))
    out = tmp_path / "out"
    result = run_cli("correct", str(source), "--out", str(out), "--workers", "1")
    assert result.returncode == 2, (name, result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and message in result.stderr, (name, result.stderr)
    assert not out.exists(), name


def test_missing_columns_unreadable_and_huge_files_are_refused(tmp_path):
    out = tmp_path / "out"
    no_joints = tmp_path / "nojoints.parquet"
    pq.write_table(pa.table({"sample_id": ["a"]}), no_joints)
    result = run_cli("correct", str(no_joints), "--out", str(out))
    assert result.returncode == 2 and "no column 'joints'" in result.stderr
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet")
    result = run_cli("correct", str(junk), "--out", str(out))
    assert result.returncode == 2 and "not a readable parquet" in result.stderr
    from synthsuite.datasets_src.motion import motions_file

    huge = tmp_path / "huge.parquet"
    with open(huge, "wb") as handle:  # sparse: 1 GiB + 1 byte without writing it
        handle.truncate(motions_file.MAX_BYTES + 1)
    result = run_cli("correct", str(huge), "--out", str(out))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "over the 1 GiB limit" in result.stderr
    assert not out.exists()


def test_a_corrected_motions_file_is_scored_against_the_clean_sources(
    pairs, corrected, tmp_path, monkeypatch
):
    folder = pairs["folder"]
    task = correction_task(
        name="test/motion-correction",
        repo_id=str(folder),
        revision=data_revision(read_manifest(folder), "pairs"),
        profile="tiny",
    )
    tasks_file = tmp_path / "tasks.json"
    tasks_file.write_text(json.dumps([task.model_dump(mode="json")]))
    monkeypatch.setenv(task_registry.TASKS_ENV, str(tasks_file))
    predictions = tmp_path / "corrected.parquet"
    values = pa.array([r.motion.joints.astype(np.float32).tolist() for r in corrected])
    write_predictions(
        predictions, task, pairs["sample_id"], values, {"name": "physics-corrector", "revision": "1"}
    )
    result = evaluate_predictions(task, predictions)
    scores = result.scores["test"]
    assert scores["artifact_reduction"] > 80 and scores["mpjpe_to_clean"] < 1000 * MAX_DISTANCE
    # the uncorrected motions remove nothing
    raw = tmp_path / "raw.parquet"
    write_predictions(
        raw, task, pairs["sample_id"], pa.array(pairs["joints"]), {"name": "identity", "revision": "1"}
    )
    assert evaluate_predictions(task, raw).scores["test"]["artifact_reduction"] == pytest.approx(
        0.0, abs=1e-6
    )
    cli = run_cli(
        "evaluate", str(predictions), "--task", task.name, env={task_registry.TASKS_ENV: str(tasks_file)}
    )
    assert cli.returncode == 0, cli.stderr
