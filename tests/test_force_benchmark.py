"""force-benchmark end to end with real Blender (tiny profile, a few rows per config): the rows and their
labels, the same bytes with one or two workers, the evaluators calibrated on the renders (the truth scores
near-perfect, corrupted copies fail), the computed baselines and `synthsuite evaluate` on submissions,
and bad submissions refused with one line, exit 2 and nothing written."""

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from synthsuite.baselines.force import computed
from synthsuite.datasets_src import engine
from synthsuite.datasets_src.force import flags
from synthsuite.evaluation.force import calibration, videos
from synthsuite.evaluation.tasks import get_task
from tests.conftest import build, run_cli, shard_hashes

pytestmark = pytest.mark.slow
LIMIT = 4
TASKS = {
    "point-benchmark": "force/point-adherence",
    "wind-benchmark": "force/wind-adherence",
    "mass-study": "force/mass-study",
}


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("force-benchmark") / "force-benchmark-tiny"
    build(out, dataset="force-benchmark", limit=LIMIT, workers=2)
    return out


def rows(folder: Path, config: str) -> list[dict]:
    return pq.read_table(folder / "data" / config).to_pylist()


def test_rows_hold_inputs_truth_and_labels(bench):
    for config in TASKS:
        table = rows(bench, config)
        assert len(table) == LIMIT
        for row in table:
            assert (row["num_frames"], row["width"], row["height"], row["fps"]) == (13, 144, 96, 2.0)
            assert row["frame_indices"][1] - row["frame_indices"][0] == 4 and len(row["track_px"]) == 13
            ref = videos.VideoRef(row["sample_id"], data=row["video"]["bytes"])
            fmt, fourcc = videos.probe(ref)
            assert (fmt.frames, fmt.width, fmt.height, fmt.fps) == (13, 144, 96, 2.0)
            assert videos.CODECS[fourcc] == "h264"
            scene = json.loads(row["scene"])
            assert scene["config"] == config and row["caption"]
            if config == "wind-benchmark":
                assert 0 <= row["wind_speed"] <= 1 and row["wind_speed_raw"] == pytest.approx(
                    flags.field_strength(row["wind_speed"])
                )
            else:
                assert row["track_px"][0] == pytest.approx([row["poke_x"], row["poke_y"]], abs=1e-3)
                assert 0 <= row["angle"] < 360 and row["target_radius_px"] > 1
            if config == "mass-study":
                assert row["mass"] == (4.0 if row["ball_kind"] == "bowling" else 1.0)
                assert row["force"] in [0.125 * n for n in range(1, 9)]


def test_the_same_bytes_with_one_worker(bench, tmp_path):
    again = tmp_path / "again"
    build(again, dataset="force-benchmark", configs=["point-benchmark"], limit=LIMIT, workers=1)
    mine = {p: h for p, h in shard_hashes(bench).items() if "point-benchmark" in p}
    assert shard_hashes(again) == mine


@pytest.mark.parametrize("config", list(TASKS))
def test_the_evaluators_score_the_truth_and_fail_corrupted_copies(bench, config):
    report = calibration.calibrate(get_task(TASKS[config]), bench)
    scores = report["scores"]
    if config == "mass-study":  # 4 rows rarely hold a soccer/bowling pair: check the tracking instead
        truth = scores["ground-truth"]
        assert truth["spearman_force"] >= scores["frozen"]["spearman_force"]
        return
    truth = scores["ground-truth"]
    assert truth["within_30"] >= 0.75 and truth["angular_error"] < 30
    # a reversed swing is a swing the same way: only wind and sliding bodies must fail time reversal
    reversible = config == "point-benchmark"
    for name in ("mirrored", "frozen") if reversible else ("time-reversed", "mirrored", "frozen"):
        assert scores[name]["within_30"] <= 0.5, name
        assert scores[name]["angular_error"] > truth["angular_error"] + 30, name


def test_baselines_and_the_truth_through_evaluate(bench, tmp_path):
    task = get_task("force/point-adherence")
    results = {b: computed.run(task, b, tmp_path, dataset=bench) for b in computed.BASELINES}
    assert results["ground-truth"].main_score >= 0.75
    assert results["still"].main_score == 0.0 and results["still"].scores["test"]["moving"] == 0.0
    assert results["ground-truth"].main_score > results["text-only"].main_score
    folder = tmp_path / "force__point-adherence" / "warp"
    assert (folder.with_suffix(".results.json")).is_file() and len(list(folder.glob("*.mp4"))) == LIMIT
    out = tmp_path / "cli.results.json"
    done = run_cli(
        "evaluate",
        str(folder),
        "--task",
        task.name,
        "--dataset",
        str(bench),
        "--out",
        str(out),
        "--model",
        "warp",
        "--model-revision",
        "1",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["scores"]["test"]["within_30"] == results["warp"].main_score


def test_bad_submissions_are_one_line_exit_2_and_write_nothing(bench, tmp_path):
    truth = tmp_path / "truth"
    computed.write_submission(get_task("force/point-adherence"), "ground-truth", truth, dataset=bench)
    ids = sorted(p.stem for p in truth.glob("*.mp4"))

    def broken(name: str) -> Path:
        folder = tmp_path / name
        shutil.copytree(truth, folder)
        return folder

    missing = broken("missing")
    (missing / f"{ids[0]}.mp4").unlink()
    short = broken("short")
    frames = np.zeros((5, 96, 144, 3), np.uint8)
    computed.write_video(short / f"{ids[0]}.mp4", frames, 2.0)
    small = broken("small")
    computed.write_video(small / f"{ids[0]}.mp4", np.zeros((13, 64, 96, 3), np.uint8), 2.0)
    slow = broken("slow")
    computed.write_video(slow / f"{ids[0]}.mp4", np.zeros((13, 96, 144, 3), np.uint8), 8.0)
    unreadable = broken("unreadable")
    (unreadable / f"{ids[0]}.mp4").write_bytes(b"\x00" * 1000)
    linked = broken("linked")
    (linked / f"{ids[0]}.mp4").unlink()
    (linked / f"{ids[0]}.mp4").symlink_to(truth / f"{ids[0]}.mp4")
    unknown = broken("unknown")
    shutil.copyfile(truth / f"{ids[0]}.mp4", unknown / "point-999.mp4")
    expected = {
        missing: "missing",
        short: "has 5 frames",
        small: "is 96x64",
        slow: "plays at 8 fps",
        unreadable: "cannot be read",
        linked: "symbolic link",
        unknown: "not in the scored split",
    }
    for folder, said in expected.items():
        out = tmp_path / f"{folder.name}.results.json"
        done = run_cli(
            "evaluate",
            str(folder),
            "--task",
            "force/point-adherence",
            "--dataset",
            str(bench),
            "--out",
            str(out),
            "--model",
            "m",
            "--model-revision",
            "1",
        )
        assert done.returncode == 2, (folder.name, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and said in lines[0], (folder.name, lines)
        assert not out.exists()


def test_the_manifest_records_the_blender_versions(bench):
    environment = engine.read_manifest(bench)["environment"]
    assert environment["bpy"] == "5.0.1" and "x264" in environment
