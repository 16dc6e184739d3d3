"""The motion-correction dataset on real MuJoCo (tiny profile): validity, artifacts, determinism,
resume after SIGKILL, loading with `datasets`, bad options."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import build, run_cli, shard_hashes
from datasets import load_dataset

from synthsuite.datasets_src import engine
from synthsuite.datasets_src.motion.artifacts import KINDS, METRIC_OF
from synthsuite.datasets_src.motion.families import FAMILIES
from synthsuite.datasets_src.motion.synthesis import CLEAN_THRESHOLDS

DATASET = "motion-correction"


def tiny_motion(tmp_path_factory) -> Path:
    """The tiny profile, both configs, one worker: built once per session (shared by the motion tests)."""
    out = tmp_path_factory.getbasetemp() / "motion-tiny"
    if not (out / engine.MANIFEST_NAME).is_file():
        build(out, dataset=DATASET)
    return out


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> Path:
    return tiny_motion(tmp_path_factory)


def table(folder: Path, config: str, split: str) -> dict:
    return pq.read_table(next((folder / "data" / config).glob(f"{split}-*.parquet"))).to_pydict()


def test_every_family_samples_and_captions_deterministically():
    assert len(FAMILIES) >= 12
    for family in FAMILIES.values():
        first = family.sample(np.random.default_rng(3))
        assert first == family.sample(np.random.default_rng(3))
        captions = family.captions(first, np.random.default_rng(3))
        assert len(captions) == 3 and len(set(captions)) == 3
        assert all(c == c.strip() and "{" not in c and "  " not in c for c in captions)


def test_clean_clips_are_valid_simulations_under_the_thresholds(tiny):
    for split in ("train", "validation", "test"):
        rows = table(tiny, "clean", split)
        for i, sample_id in enumerate(rows["sample_id"]):
            joints = np.asarray(rows["joints"][i])
            assert joints.shape == (rows["frames"][i], 22, 3) and 40 <= rows["frames"][i] <= 60
            assert rows["fps"][i] == 20 and np.all(np.isfinite(joints))
            for metric, limit in CLEAN_THRESHOLDS.items():
                assert rows[metric][i] <= limit, (sample_id, metric, rows[metric][i])
            assert rows["residual_force"][i] <= 0.45 and rows["tracking_error"][i] <= 0.10
            assert rows["caption"][i] == rows["captions"][i][0]
            qpos = np.asarray(rows["qpos"][i])
            np.testing.assert_allclose(qpos[:, :3], np.asarray(rows["root_translation"][i]))
            contacts = np.asarray(rows["foot_contacts"][i])
            assert contacts.shape == (rows["frames"][i], 4) and contacts.any(), "feet touch the floor"
            assert json.loads(rows["params"][i]) and rows["family"][i] in FAMILIES


def test_every_artifact_raises_its_own_metric_above_the_clean_threshold(tiny):
    rows = table(tiny, "pairs", "test")
    assert sorted({k for kinds in rows["artifacts"] for k in kinds}) == sorted(set(KINDS) - {"mix"})
    assert len(rows["sample_id"]) == len(KINDS)  # one row of each kind, the mix included
    for i, kinds in enumerate(rows["artifacts"]):
        assert len(kinds) == len(rows["magnitudes"][i])
        for kind in kinds:
            metric = METRIC_OF[kind]
            assert rows[metric][i] > CLEAN_THRESHOLDS[metric], (kinds, metric, rows[metric][i])
            assert rows[f"clean_{metric}"][i] <= CLEAN_THRESHOLDS[metric]
        assert np.asarray(rows["joints"][i]).shape == np.asarray(rows["clean_joints"][i]).shape


def test_both_configs_load_eagerly_and_streaming(tiny):
    for config, splits in (
        ("clean", {"train": 4, "validation": 1, "test": 1}),
        ("pairs", {"train": 6, "test": 6}),
    ):
        loaded = load_dataset(str(tiny), config)
        assert {s: len(d) for s, d in loaded.items()} == splits
        eager = loaded["test"][0]
        streamed = next(iter(load_dataset(str(tiny), config, split="test", streaming=True)))
        assert streamed["sample_id"] == eager["sample_id"]
        np.testing.assert_array_equal(np.asarray(streamed["joints"]), np.asarray(eager["joints"]))
    card = (tiny / "README.md").read_text()
    assert "humanoid_CMU.xml" in card and "2,794" in card and "gillman2024selfcorrecting" in card


def test_two_workers_and_ray_give_the_same_bytes(tiny, tmp_path):
    expected = {p: h for p, h in shard_hashes(tiny).items() if "/clean/" in p}
    build(tmp_path / "two", dataset=DATASET, workers=2, configs=["clean"])
    assert shard_hashes(tmp_path / "two") == expected
    pytest.importorskip("ray")
    build(tmp_path / "ray", dataset=DATASET, workers=2, executor="ray", configs=["clean"])
    assert shard_hashes(tmp_path / "ray") == expected


def test_resume_after_sigkill_gives_the_same_bytes(tiny, tmp_path):
    out = tmp_path / "killed"
    command = [
        sys.executable, "-m", "synthsuite", "generate", DATASET, "--profile", "tiny", "--config", "clean",
        "--workers", "1", "--no-progress", "--out", str(out),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    records = out / engine.STATE_DIR / "shards"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(records.rglob("*.json")):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / engine.MANIFEST_NAME).exists(), "the run finished before it was killed"
    finished = len(list(records.rglob("*.json")))
    assert finished >= 1
    resumed = subprocess.run(command, capture_output=True, text=True, check=True)
    assert f"reused {finished} finished shards" in resumed.stdout
    expected = {p: h for p, h in shard_hashes(tiny).items() if "/clean/" in p}
    assert shard_hashes(out) == expected


def test_an_unknown_family_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "never"
    result = run_cli(
        "generate", DATASET, "--profile", "tiny", "--set", "families=walk,moonwalk", "--out", str(out)
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "moonwalk" in result.stderr
    assert not out.exists()


def test_previews_without_egl_are_one_line_and_write_nothing(tmp_path):
    out = tmp_path / "never"
    result = run_cli(
        "generate", DATASET, "--profile", "tiny", "--set", "video=true", "--out", str(out),
        env={"MUJOCO_GL": "osmesa", "PYOPENGL_PLATFORM": "osmesa"},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "EGL" in result.stderr
    assert not out.exists()


@pytest.mark.slow
def test_video_previews_are_h264_mp4_and_the_motions_have_the_same_bytes_on_two_workers(tmp_path):
    """Every column but the preview is byte-identical with one or two workers. The previews are not:
    Mesa's software rasteriser, run after the simulation in one process, now and then draws a few
    pixels of a frame differently (docs/motion.md, "Preview videos"), so they must only look alike."""
    import av

    # in fresh processes: MuJoCo picks its GL backend (EGL) when first imported
    for name, workers in (("one", "1"), ("two", "2")):
        result = run_cli(
            "generate", DATASET, "--profile", "tiny", "--config", "clean", "--limit", "2",
            "--set", "video=true", "--workers", workers, "--no-progress", "--out", str(tmp_path / name),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    one, two = (pq.read_table(next((tmp_path / n / "data/clean").glob("*.parquet"))) for n in ("one", "two"))
    assert one.drop_columns(["video"]).equals(two.drop_columns(["video"]))
    for left, right in zip(one.column("video").to_pylist(), two.column("video").to_pylist(), strict=True):
        assert left["bytes"][4:8] == b"ftyp" and b"avc1" in left["bytes"][:4096]
        assert left["path"] == right["path"] and left["path"].endswith(".mp4")
        frames = []
        for video in (left, right):
            with av.open(io.BytesIO(video["bytes"])) as container:
                frames.append(np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)]))
        assert frames[0].shape == frames[1].shape and frames[0].shape[1:] == (240, 320, 3)
        # mean grey levels per pixel: at most 0.73 between 8 builds here, against 2.1 for the same clip
        # one frame late and 7-8 for another clip, a frozen or a reversed one
        assert np.abs(frames[0].astype(np.int16) - frames[1]).mean() < 1.5
