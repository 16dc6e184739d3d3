"""force-point and force-wind end to end with real Blender (tiny profile): load_dataset of both configs,
labels against each other, determinism across runs and worker counts, resume after SIGKILL, bad input."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from datasets import load_dataset

from synthsuite.datasets_src import engine
from synthsuite.datasets_src.force import balls, control, flags, profiles, runner
from synthsuite.datasets_src.generator import SPLITS, get_generator
from synthsuite.kernel.errors import UserError
from tests.conftest import build, run_cli

DATASETS = {"force-point": "balls", "force-wind": "flags"}
MEDIA = ("video", "first_frame")
TINY = profiles.PROFILES["balls"]["tiny"]


def generate(name: str, out: Path, **settings):
    return build(out, dataset=name, **settings)


@pytest.fixture(scope="module")
def tiny_force(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("force")
    for name in DATASETS:
        generate(name, base / name)
    return {name: base / name for name in DATASETS}


def rows_by_id(folder: Path, config: str) -> dict[str, dict]:
    table = pq.read_table(folder / "data" / config)
    return {row["sample_id"]: row for row in table.to_pylist()}


@pytest.mark.parametrize("name", DATASETS)
def test_load_dataset_decodes_videos_whose_first_frame_is_the_image(tiny_force, name):
    config = DATASETS[name]
    planned = {s: TINY.split_sizes()[s] for s in SPLITS}
    for split, count in planned.items():
        ds = load_dataset(str(tiny_force[name]), config, split=split)
        assert ds.num_rows == count > 0
    row = load_dataset(str(tiny_force[name]), config, split="train")[0]
    frames = row["video"].get_frames_in_range(0, TINY.frames).data  # (T, 3, H, W) uint8 via torchcodec
    assert tuple(frames.shape) == (TINY.frames, 3, TINY.height, TINY.width) == (15, 3, 64, 96)
    assert row["first_frame"].size == (TINY.width, TINY.height)
    first = np.asarray(row["first_frame"], dtype=np.int16)
    decoded = frames[0].permute(1, 2, 0).numpy().astype(np.int16)
    assert np.abs(decoded - first).mean() < 6  # the same picture, up to H.264 and yuv420p
    assert row["num_frames"] == 15 and row["fps"] == 3.0 and row["seconds"] == 5.0
    assert (row["width"], row["height"]) == (96, 64)


def test_ball_labels_agree_with_each_other(tiny_force):
    for row in rows_by_id(tiny_force["force-point"], "balls").values():
        assert row["frame_indices"] == list(range(11, 131, 8))
        assert row["force"] == pytest.approx((row["force_raw"] - 8) / 56) and 0 <= row["force"] <= 1
        assert 0 <= row["angle"] < 360 and 0 <= row["angle_3d"] < 360
        assert row["num_balls"] == len(row["ball_kinds"]) == len(row["ball_positions_px"]) in (2, 3, 4)
        assert all(len(track) == 15 for track in row["ball_positions_3d"] + row["ball_positions_px"])
        pushed = row["pushed_ball"]
        assert row["is_bowling"] == (row["ball_kinds"][pushed] == "bowling")
        assert row["mass"] == (4.0 if row["is_bowling"] else 1.0)
        # the pushed ball is held still until the push at scene frame 22: at frame 11 it is at the poke
        assert row["ball_positions_px"][pushed][0] == pytest.approx([row["poke_x"], row["poke_y"]], abs=0.01)
        assert row["ground_caption"] in row["caption"]


def test_wind_labels_agree_with_each_other(tiny_force):
    for row in rows_by_id(tiny_force["force-wind"], "flags").values():
        assert row["frame_indices"] == list(range(121, 241, 8))
        assert row["wind_speed_raw"] == pytest.approx(flags.field_strength(row["wind_speed"]))
        assert 0 <= row["wind_speed"] <= 1
        assert 0 <= row["wind_angle"] < 360
        assert 1 <= row["num_flags"] <= profiles.MAX_FLAGS["tiny"]
        assert len(row["flag_colours"]) == len(row["flag_displacement_mean"]) == row["num_flags"]
        assert all(len(d) == 15 for d in row["flag_displacement_mean"] + row["flag_displacement_max"])
        assert any(word in row["caption"].lower() for word in ("wind", "breeze", "blow"))


def assert_same_rows(folder: Path, reference: Path, config: str, count: int) -> None:
    again, first = rows_by_id(folder, config), rows_by_id(reference, config)
    assert len(again) == count
    for key, row in again.items():
        assert row.keys() == first[key].keys()
        for column, value in row.items():
            assert value == first[key][column], (key, column)


def test_same_seed_with_two_workers_gives_the_same_bytes(tiny_force, tmp_path):
    """Labels, first frames and mp4 bytes: see docs/force-datasets.md (Reproducibility) for the two
    traps this guards (sphere face order, x264 reading uninitialised row padding)."""
    for name, config in DATASETS.items():
        generate(name, tmp_path / name, workers=2, limit=2)
        assert_same_rows(tmp_path / name, tiny_force[name], config, 2)


def test_ray_tasks_give_the_same_bytes(tiny_force, tmp_path):
    """A real local Ray cluster: each Ray worker process runs its own Blender render worker."""
    generate("force-point", tmp_path / "ray", executor="ray", workers=2, limit=2)
    assert_same_rows(tmp_path / "ray", tiny_force["force-point"], "balls", 2)


def test_control_column_is_the_encoder_applied_to_the_labels(tmp_path):
    for name in DATASETS:
        generate(name, tmp_path / name, limit=1, control=True)
    ball = next(iter(rows_by_id(tmp_path / "force-point", "balls").values()))
    blob = np.load(io.BytesIO(ball["control"]))
    assert blob.shape == (ball["num_frames"], 3, ball["height"], ball["width"])
    assert blob.dtype == np.float16
    expected = control.blob_centres(
        ball["poke_x"],
        ball["poke_y"],
        ball["angle"],
        ball["force"],
        frames=ball["num_frames"],
        width=ball["width"],
        height=ball["height"],
    )
    for frame in (0, ball["num_frames"] // 2):
        row, column = np.unravel_index(np.argmax(blob[frame, 0]), blob.shape[2:])
        assert (
            abs(column - expected[frame, 0]) <= 1 and abs(ball["height"] - 1 - row - expected[frame, 1]) <= 1
        )
    wind = next(iter(rows_by_id(tmp_path / "force-wind", "flags").values()))
    field = np.load(io.BytesIO(wind["control"])).astype(np.float64)
    theta = np.radians(wind["wind_angle"])
    target = (-1 + 2 * wind["wind_speed"], np.cos(theta), np.sin(theta))
    assert np.allclose(field.mean(axis=(0, 2, 3)), target, atol=1e-3)
    assert np.ptp(field, axis=(0, 2, 3)).max() == 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_resume_after_sigkill_reuses_shards_and_leaves_no_blender_behind(tiny_force, tmp_path):
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "synthsuite", "generate", "force-point", "--profile", "tiny"]
    command += ["--workers", "1", "--no-progress", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    records = out / engine.STATE_DIR / "shards"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(records.rglob("*.json")):
        time.sleep(0.05)
    blender = _children(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / engine.MANIFEST_NAME).exists(), "the run finished before it was killed"
    assert blender, "no render worker was running"
    deadline = time.monotonic() + 20  # the worker ends when its stdin closes with the killed parent
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in blender):
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in blender)
    finished = len(list(records.rglob("*.json")))

    resumed = subprocess.run(command, capture_output=True, text=True, check=True)
    assert f"reused {finished} finished shards" in resumed.stdout
    rows, expected = rows_by_id(out, "balls"), rows_by_id(tiny_force["force-point"], "balls")
    assert rows.keys() == expected.keys()
    assert all(rows[k]["force_raw"] == expected[k]["force_raw"] for k in rows)


def test_a_failing_scene_is_one_clear_error_and_a_dead_worker_is_replaced():
    settings = {"width": 96, "height": 64, "engine": "cycles", "samples": 1, "threads": 1, "frame_step": 8}
    with pytest.raises(
        RuntimeError, match=r"failed on a balls scene: ValueError: ball scene: balls must be present"
    ):
        runner.render("balls", {"ground": "nowhere"}, settings)
    runner._worker.process.kill()
    runner._worker.process.wait()
    scene = balls.sample_ball_scene(np.random.default_rng(0))
    result = runner.render("balls", scene, {**settings, "frame_step": 24})
    assert result.frames == len(result.labels["frames"]) == 5 and result.mp4[4:8] == b"ftyp"


def test_angle_and_strength_ranges_redraw_scenes_and_defaults_take_the_first_draw():
    narrow = get_generator("force-point", {"angle_min": 90, "angle_max": 180, "strength_max": 20})
    rng = np.random.default_rng(3)
    scenes = [
        narrow._sample_in_range(lambda: balls.sample_ball_scene(rng), "angle", "strength_raw")
        for _ in range(20)
    ]
    assert all(90 <= s["angle"] <= 180 and 8 <= s["strength_raw"] <= 20 for s in scenes)
    default = get_generator("force-point")
    first = default._sample_in_range(
        lambda: balls.sample_ball_scene(np.random.default_rng(7)), "angle", "strength_raw"
    )
    assert first == balls.sample_ball_scene(np.random.default_rng(7))


def test_profiles_encode_and_split():
    for config, table in profiles.PROFILES.items():
        for profile, chosen in table.items():
            assert profiles.parse_resolution(f"{chosen.width}x{chosen.height}") == (
                chosen.width,
                chosen.height,
            )
            assert 24 % chosen.frame_step == 0 and all(n > 0 for n in chosen.videos)
            assert chosen.frames == 120 // chosen.frame_step
            keys = [
                s.key
                for s in get_generator({"balls": "force-point", "flags": "force-wind"}[config]).plan(
                    config, profile, 0
                )
            ]
            assert len(keys) == len(set(keys)) == sum(chosen.videos)
    assert sum(profiles.PROFILES["balls"]["paper"].videos) == 12_000
    assert sum(profiles.PROFILES["flags"]["paper"].videos) == 15_359
    assert (
        profiles.PROFILES["flags"]["paper"].frames == 120 and profiles.PROFILES["balls"]["tiny"].frames == 15
    )


def test_missing_mesa_egl_is_explained_before_blender_starts():
    assert runner.missing_egl("EGL_synthsuite_missing")[0].startswith("libEGL_synthsuite_missing.so")
    assert runner.missing_egl(dri_dirs=("/nonexistent",)) == [
        "a Mesa DRI driver such as swrast_dri.so (libgl1-mesa-dri)"
    ] or os.environ.get("LIBGL_DRIVERS_PATH")
    with pytest.raises(UserError, match="libegl1 libegl-mesa0 libgl1-mesa-dri"):
        runner.check_egl("workbench", library="EGL_synthsuite_missing")
    runner.check_egl("cycles", library="EGL_synthsuite_missing")  # Cycles needs no OpenGL


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "; fix: " in lines[0], result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("name", "args", "env", "expected"),
    [
        ("force-point", ["--set", "strength_max=70"], {}, "=70 is outside the original's range [8, 64]"),
        ("force-wind", ["--set", "angle_min=-5"], {}, "=-5 is outside the original's range [0, 360]"),
        ("force-point", ["--set", "angle_min=200", "--set", "angle_max=100"], {}, "must be above angle_min"),
        ("force-wind", ["--set", "resolution=97x64"], {}, "needs an even width and height"),
        ("force-point", ["--set", "engine=opengl"], {}, "'cycles', 'workbench' or 'eevee'"),
        ("force-point", [], {runner.BLENDER_PYTHON_ENV: sys.executable}, "bpy does not import under"),
        ("force-wind", [], {runner.BLENDER_PYTHON_ENV: "/nonexistent/python"}, "no Blender Python at"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, name, args, env, expected):
    out = tmp_path / "out"
    result = run_cli("generate", name, "--profile", "tiny", "--out", str(out), *args, env=env)
    assert expected in one_error_line(result)
    assert not out.exists()
