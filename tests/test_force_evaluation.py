"""The force evaluators without Blender: motion measured on drawn videos (a textured disc pushed across a
textured ground, a cloud of dots blown by a wind), the metrics, the submission checks (one line, nothing
read past the first problem), the computed baselines and the human-study kit."""

import json
import math
import os
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthsuite.baselines.force import computed
from synthsuite.datasets_src.force import benchmark
from synthsuite.evaluation.force import metrics, motion, study, videos
from synthsuite.kernel.errors import UserError

W, H, T = 144, 96, 13


def _texture(seed: int, shape=(H, W)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 255, shape).astype(np.float32)
    return cv2.GaussianBlur(noise, (0, 0), 1.2)


def poke_video(angle: float, travel: float, x=60.0, y=48.0, radius=8.0, frames=T) -> np.ndarray:
    """Grey frames: a textured disc starting at (x, y) (origin bottom-left) moving `travel` px along angle."""
    ground, disc = _texture(1) * 0.5 + 40, _texture(2) * 0.8 + 60
    rows, columns = np.mgrid[0:H, 0:W]
    out = []
    for t in range(frames):
        d = travel * t / max(frames - 1, 1)
        cx, cy = x + d * math.cos(math.radians(angle)), H - 1 - (y + d * math.sin(math.radians(angle)))
        inside = (columns - cx) ** 2 + (rows - cy) ** 2 <= radius**2
        shifted = np.roll(np.roll(disc, round(cy - (H - 1 - y)), 0), round(cx - x), 1)
        out.append(np.where(inside, shifted, ground).astype(np.uint8))
    return np.stack(out)


def wind_video(angle: float, speed: float, frames=T) -> np.ndarray:
    """Grey frames: a textured sky where a band of dots drifts `speed` * 40 px along the wind."""
    sky = _texture(3) * 0.3 + 120
    rng = np.random.default_rng(4)
    dots = rng.uniform([30, 25], [110, 70], size=(60, 2))
    out = []
    for t in range(frames):
        d = 40 * speed * t / (frames - 1)
        frame = sky.copy()
        for x, y in dots + d * np.array([math.cos(math.radians(angle)), -math.sin(math.radians(angle))]):
            cv2.circle(frame, (round(x), round(y)), 2, 230, -1)
        out.append(frame.astype(np.uint8))
    return np.stack(out)


@pytest.mark.parametrize("angle", [0.0, 35.0, 120.0, 200.0, 290.0])
def test_a_pushed_disc_is_tracked_along_its_direction_and_distance(angle):
    poke = motion.measure_poke(poke_video(angle, 30.0), 60.0, 48.0, 8.0)
    assert poke.moved and motion.angular_error(poke.angle, angle) < 6
    assert poke.displacement * W == pytest.approx(30.0, abs=4)
    assert poke.leak < motion.LEAK_SHARE  # nothing else moves


def test_corrupted_pokes_fail_the_direction():
    video = poke_video(30.0, 30.0)
    for name, bad in {
        "reversed": video[::-1],
        "mirrored": video[:, :, ::-1],
        "frozen": np.repeat(video[:1], T, 0),
    }.items():
        poke = motion.measure_poke(bad, 60.0, 48.0, 8.0)
        assert not poke.moved or motion.angular_error(poke.angle, 30.0) > 60, name


def test_a_camera_pan_leaks_motion_into_the_rest_of_the_scene():
    video = poke_video(0.0, 25.0)
    panned = np.stack([np.roll(f, 2 * t, axis=1) for t, f in enumerate(video)])
    assert motion.measure_poke(panned, 60.0, 48.0, 8.0).leak > motion.LEAK_SHARE


@pytest.mark.parametrize("angle", [10.0, 170.0, 200.0, 340.0])
def test_the_dominant_flow_of_a_blown_cloud_is_the_wind(angle):
    strong, weak = motion.measure_wind(wind_video(angle, 0.9)), motion.measure_wind(wind_video(angle, 0.3))
    assert strong.moved and motion.angular_error(strong.angle, angle) < 10
    assert strong.energy > weak.energy > 0
    assert motion.angular_error(motion.measure_wind(wind_video(angle, 0.9)[::-1]).angle, angle) > 150
    assert not motion.measure_wind(np.repeat(wind_video(angle, 0.9)[:1], T, 0)).moved


def test_spearman_and_groups():
    assert metrics.spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert metrics.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert metrics.spearman([1, 2, 3], [5, 5, 5]) == 0.0  # no order
    assert list(metrics.ranks([3, 1, 3])) == [2.5, 1.0, 2.5]
    groups = ["a", "a", "a", "b", "b"]
    assert metrics.group_spearman(groups, [0.2, 0.5, 0.9, 0.3, 0.8], [1, 2, 3, 5, 4]) == pytest.approx(0.0)


def test_a_still_video_is_never_within_30_degrees_and_counts_as_chance():
    scores = metrics.direction_scores(
        [False, True], [0.0, 95.0], [0.0, 100.0], ["linear", "complex"], ["linear", "complex"]
    )
    assert scores["within_30"] == 0.5 and scores["within_30_linear"] == 0.0
    assert scores["angular_error"] == pytest.approx((90 + 5) / 2) and scores["moving"] == 0.5


def test_mass_scores_order_soccer_before_bowling_and_fit_lines():
    def poke(travel: float) -> motion.Poke:  # a ball rolled `travel` widths to the right
        return motion.Poke(
            True, 0.0, abs(travel), abs(travel), 0.0, np.array([[10.0, 5.0], [10.0 + W * travel, 5.0]])
        )

    rows, pokes = [], []
    for kind, scale in (("soccer", 0.4), ("bowling", 0.1)):
        for force in benchmark.MASS_FORCES:
            rows.append(
                {
                    "ball_kind": kind,
                    "force": force,
                    "ground": "g",
                    "colour": "c",
                    "seed": 0,
                    "angle": 0.0,
                    "width": W,
                }
            )
            pokes.append(poke(scale * force))
    scores = metrics.mass_scores(pokes, rows)
    assert scores["ordering_accuracy"] == 1.0 and scores["spearman_force"] == pytest.approx(1.0)
    assert scores["slope_soccer"] == pytest.approx(0.4) and scores["r2_bowling"] == pytest.approx(1.0)
    assert metrics.mass_scores([poke(0.0) for _ in rows], rows)["ordering_accuracy"] == 0.5  # ties
    mirrored = [poke(-p.path[-1, 0] / W + 10 / W) for p in pokes]  # the same distances, to the left
    assert metrics.mass_scores(mirrored, rows)["ordering_accuracy"] == 0.0


def test_the_benchmark_has_the_papers_sizes_and_new_kinds_in_every_scene_type():
    point, wind = benchmark.design("point-benchmark"), benchmark.design("wind-benchmark")
    assert len(point) == 63 and len(wind) == 41
    count = lambda rows, t: sum(r.scene_type == t for r in rows)  # noqa: E731
    assert [count(point, t) for t in ("linear", "oscillatory", "complex")] == [10, 11, 42]
    assert [count(wind, t) for t in ("tethered", "aerodynamic", "fluid")] == [13, 13, 15]
    for rows in (point, wind):
        for scene_type in {r.scene_type for r in rows}:
            kinds = {r.kind for r in rows if r.scene_type == scene_type} - set(benchmark.TRAINING_KINDS)
            assert len(kinds) >= 2, scene_type
        assert all(sum(r.group == g for r in rows) >= 2 for g in {r.group for r in rows})
    mass = benchmark.design("mass-study", mass_seeds=10)
    assert len(mass) == 4 * 3 * 2 * 8 * 10 and len({r.sample_id for r in mass}) == len(mass)
    assert sorted({r.strength for r in mass}) == [0.125 * n for n in range(1, 9)]


def _write(path: Path, frames: np.ndarray, fps: float = 2.0) -> Path:
    computed.write_video(path, np.repeat(frames[..., None], 3, axis=3), fps)
    return path


FMT = videos.VideoFormat(T, W, H, 2.0)


def test_a_good_folder_passes_and_every_bad_video_is_one_line(tmp_path):
    good = (
        _write(tmp_path / "ok" / "point-000.mp4", poke_video(0, 20))
        if (tmp_path / "ok").mkdir() is None
        else None
    )
    refs, model = videos.open_submission(tmp_path / "ok")
    assert [r.sample_id for r in refs] == ["point-000"] and model == {}
    videos.check_format(refs[0], FMT)
    assert videos.decode_gray(refs[0], FMT).shape == (T, H, W)
    cases = {
        "frames": (poke_video(0, 20, frames=T + 2), 2.0, "has 15 frames"),
        "fps": (poke_video(0, 20), 8.0, "plays at 8 fps"),
        "size": (np.zeros((T, 64, 96), np.uint8), 2.0, "is 96x64"),
    }
    for name, (frames, fps, said) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        _write(folder / "point-000.mp4", frames, fps)
        with pytest.raises(UserError, match=said):
            videos.check_format(videos.open_submission(folder)[0][0], FMT)
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "point-000.mp4").write_bytes(b"not a video" * 10)
    with pytest.raises(UserError, match="cannot be read as a video"):
        videos.check_format(videos.open_submission(garbage)[0][0], FMT)
    assert good.is_file()


def test_links_folders_odd_names_and_huge_files_are_refused_before_reading(tmp_path):
    def folder_with(name: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        return folder

    linked = folder_with("linked")
    os.symlink("/etc/hostname", linked / "point-000.mp4")
    with pytest.raises(UserError, match="symbolic link"):
        videos.open_submission(linked)
    odd = folder_with("odd")
    (odd / "..point.mp4").write_bytes(b"x")
    with pytest.raises(UserError, match="not a benchmark id"):
        videos.open_submission(odd)
    nested = folder_with("nested")
    (nested / "sub").mkdir()
    with pytest.raises(UserError, match="is a folder"):
        videos.open_submission(nested)
    huge = folder_with("huge")
    with open(huge / "point-000.mp4", "wb") as f:  # sparse: nothing is written or read
        f.truncate(videos.MAX_VIDEO_BYTES + 1)
    with pytest.raises(UserError, match="over the 2 GiB limit"):
        videos.open_submission(huge)
    with pytest.raises(UserError, match="holds no videos"):
        videos.open_submission(folder_with("empty"))


def test_parquet_submissions_with_bytes_or_video_structs(tmp_path):
    video = _write(tmp_path / "v.mp4", poke_video(0, 20)).read_bytes()
    plain = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"sample_id": ["point-000"], "video": pa.array([video], pa.binary())}), plain)
    refs, _ = videos.open_submission(plain)
    assert videos.decode_gray(refs[0], FMT).shape == (T, H, W)
    struct = pa.array([{"bytes": video, "path": "../../etc/passwd"}])
    escaping = tmp_path / "escaping.parquet"
    pq.write_table(pa.table({"sample_id": ["point-000"], "video": struct}), escaping)
    with pytest.raises(UserError, match="leaves its folder"):
        videos.open_submission(escaping)
    wrong = tmp_path / "wrong.parquet"
    pq.write_table(pa.table({"sample_id": ["point-000"], "clip": [video]}), wrong)
    with pytest.raises(UserError, match="no column 'video'"):
        videos.open_submission(wrong)


def test_the_warp_baseline_moves_along_the_force_and_still_does_not():
    image = np.repeat(poke_video(0, 0, frames=1)[0][..., None], 3, axis=2)
    row = {
        "sample_id": "point-000",
        "num_frames": T,
        "angle": 135.0,
        "force": 0.5,
        "poke_x": 60.0,
        "poke_y": 48.0,
        "target_radius_px": 8.0,
    }
    warp = computed.baseline_video("warp", "point-benchmark", row, image, 0)[..., 0]
    poke = motion.measure_poke(warp, 60.0, 48.0, 8.0)
    assert poke.moved and motion.angular_error(poke.angle, 135.0) < 15
    still = computed.baseline_video("still", "point-benchmark", row, image, 0)[..., 0]
    assert not motion.measure_poke(still, 60.0, 48.0, 8.0).moved
    texts = {
        computed.baseline_video("text-only", "point-benchmark", {**row, "sample_id": f"p-{i}"}, image, 0)[
            ..., 0
        ].tobytes()
        for i in range(3)
    }
    assert len(texts) == 3  # a direction per id, whatever the force
    wind_row = {"sample_id": "wind-000", "num_frames": T, "wind_angle": 180.0, "wind_speed": 0.8}
    sheared = computed.baseline_video("warp", "wind-benchmark", wind_row, image, 0)[..., 0]
    assert motion.angular_error(motion.measure_wind(sheared).angle, 180.0) < 20


def test_baseline_videos_are_the_same_bytes_every_time(tmp_path):
    frames = np.repeat(poke_video(45, 20)[..., None], 3, axis=3)
    computed.write_video(tmp_path / "a.mp4", frames, 2.0)
    computed.write_video(tmp_path / "b.mp4", frames, 2.0)
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


def test_wilson_interval_matches_the_formula():
    low, high = study.wilson(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert study.wilson(10, 10)[1] == pytest.approx(1.0) and study.wilson(0, 0) == (0.0, 1.0)


def test_the_study_pairs_blind_sides_and_table_one(tmp_path):
    rows = [
        {
            "sample_id": f"point-{i:03d}",
            "scene_type": ("linear", "complex")[i % 2],
            "angle": 30.0 * i,
            "force": 0.5,
            "poke_x": 60.0,
            "poke_y": 48.0,
        }
        for i in range(12)
    ]
    for model in ("a", "b"):
        (tmp_path / model).mkdir()
        for row in rows:
            _write(tmp_path / model / f"{row['sample_id']}.mp4", poke_video(0, 10 if model == "a" else 0))
    pairs = study.make_study(
        rows, tmp_path / "a", tmp_path / "b", tmp_path / "s", names=("fp", "text"), seed=3
    )
    assert len(pairs) == 12 and 2 <= sum(p.left == "A" for p in pairs) <= 10  # sides drawn per pair
    page = (tmp_path / "s" / "index.html").read_text()
    assert "fp" not in page.replace("fpair", "") and "pair-011" in page and "Download answers" in page
    assert len(list((tmp_path / "s" / "videos").iterdir())) == 24
    # a rater who always picks model A on adherence, and the left video on quality
    answers = [
        {"pair": p.pair, "criterion": "adherence", "choice": "left" if p.left == "A" else "right"}
        for p in pairs
    ] + [{"pair": p.pair, "criterion": "quality", "choice": "left"} for p in pairs]
    (tmp_path / "r1.json").write_text(json.dumps({"rater": "r1", "answers": answers}))
    table = study.aggregate(tmp_path / "s", [tmp_path / "r1.json"])
    assert table["table"]["all"]["adherence"]["percent_a"] == 100.0
    left_share = 100.0 * sum(p.left == "A" for p in pairs) / 12
    assert table["table"]["all"]["quality"]["percent_a"] == pytest.approx(left_share)
    assert table["table"]["linear"]["adherence"]["n"] == 6 and table["raters"] == 1
    assert "| linear | 100" in study.table_markdown(table)
    (tmp_path / "bad.json").write_text(
        json.dumps({"answers": [{"pair": "pair-999", "criterion": "adherence"}]})
    )
    with pytest.raises(UserError, match="unknown pair"):
        study.aggregate(tmp_path / "s", [tmp_path / "bad.json"])
    with pytest.raises(UserError, match="already exists"):
        study.make_study(rows, tmp_path / "a", tmp_path / "b", tmp_path / "s", names=("fp", "text"), seed=3)


def test_frames_out_of_order_break_the_paths_directness_and_the_winds_coherence():
    video = poke_video(30.0, 30.0)
    order = np.array([0, 12, 1, 11, 2, 10, 3, 9, 4, 8, 5, 7, 6])  # back and forth along the path
    straight = motion.measure_poke(video, 60.0, 48.0, 8.0)
    jumbled = motion.measure_poke(video[order], 60.0, 48.0, 8.0)
    assert straight.path_ratio == pytest.approx(1.0, abs=0.1) and jumbled.path_ratio > 2.5
    truth = [[60.0 + 2.5 * t, 48.0] for t in range(T)]  # a straight truth: ratio 1, slack up to 1.8
    row = {"angle": 30.0, "scene_type": "linear", "group": "g", "force": 0.5, "track_px": truth}
    assert metrics.point_scores([straight], [row], ["linear"])["within_30"] == 1.0
    assert metrics.point_scores([jumbled], [row], ["linear"])["within_30"] == 0.0
    wind = wind_video(20.0, 0.9)
    assert motion.measure_wind(wind).coherence > 0.9
    assert motion.measure_wind(wind[order]).coherence < 0.5  # 0.3: COHERENCE sits near the shuffled ones
