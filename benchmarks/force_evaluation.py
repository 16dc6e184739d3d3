"""What scoring force adherence costs, on one core: one paper-size video (49 frames of 720 x 480) split into
decode / flow / scoring, and the whole point benchmark (63 such videos) through the scorer.

    python benchmarks/force_evaluation.py one --repeats 5
    python benchmarks/force_evaluation.py point-benchmark

The videos are made here (no Blender): a textured ground and a textured disc pushed across it, written
as mp4 (MPEG-4 Part 2 through OpenCV) at the paper's size; a rendered video of the same size decodes
and flows alike. OpenCV runs on one thread (cv2.setNumThreads(1)); targets: 2 s a video, 3 minutes
for the point benchmark.
"""

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from synthsuite.baselines.force.computed import write_video
from synthsuite.evaluation.force import metrics, motion, scoring, videos

WIDTH, HEIGHT, FRAMES, FPS = 720, 480, 49, 8.0
TARGET_ONE, TARGET_ALL = 2.0, 180.0


def make_video(path: Path, angle: float, seed: int) -> dict:
    """A paper-size clip of a disc pushed along `angle`; returns its benchmark row."""
    rng = np.random.default_rng(seed)
    ground = cv2.GaussianBlur(rng.integers(0, 255, (HEIGHT, WIDTH, 3)).astype(np.float32), (0, 0), 2.0)
    disc = cv2.GaussianBlur(rng.integers(0, 255, (HEIGHT, WIDTH, 3)).astype(np.float32), (0, 0), 1.0)
    x, y, radius, travel = 300.0, 240.0, 40.0, 150.0
    rows, columns = np.mgrid[0:HEIGHT, 0:WIDTH]
    frames, track = [], []
    for t in range(FRAMES):
        d = travel * t / (FRAMES - 1)
        cx, cy = x + d * math.cos(math.radians(angle)), HEIGHT - 1 - (y + d * math.sin(math.radians(angle)))
        track.append([cx, HEIGHT - 1 - cy])  # video pixels, origin bottom-left, as the dataset's track_px
        inside = ((columns - cx) ** 2 + (rows - cy) ** 2 <= radius**2)[..., None]
        moved = np.roll(disc, (round(cy - (HEIGHT - 1 - y)), round(cx - x)), axis=(0, 1))
        frames.append(np.where(inside, moved, ground).astype(np.uint8))
    write_video(path, np.stack(frames), FPS)
    return {
        "sample_id": path.stem,
        "group": f"g{seed // 3}",
        "scene_type": "linear",
        "kind": "disc",
        "angle": angle,
        "force": (seed % 3) / 2,
        "poke_x": x,
        "poke_y": y,
        "target_radius_px": radius,
        "track_px": track,
    }


def stage_seconds(repeats: int) -> tuple[dict[str, float], motion.Poke]:
    """Median seconds of each stage of scoring one paper-size video, and what it measured."""
    fmt = videos.VideoFormat(FRAMES, WIDTH, HEIGHT, FPS)
    with tempfile.TemporaryDirectory() as tmp:
        row = make_video(Path(tmp) / "point-000.mp4", 30.0, 0)
        ref = videos.VideoRef("point-000", path=Path(tmp) / "point-000.mp4")
        stages = ("check", "decode", "shrink", "track", "flow", "leak", "scores")
        split: dict[str, list[float]] = {k: [] for k in stages}
        for _ in range(repeats):
            clock = [time.perf_counter()]
            videos.check_format(ref, fmt)
            clock.append(time.perf_counter())
            frames = videos.decode_gray(ref, fmt)
            clock.append(time.perf_counter())
            work, scale = motion.working_frames(frames)
            clock.append(time.perf_counter())
            path = motion.track(work, (row["poke_x"] / scale, (HEIGHT - 1 - row["poke_y"]) / scale), 12.0)
            clock.append(time.perf_counter())
            flows = motion.dense_flow(work)
            clock.append(time.perf_counter())
            leak = motion._leak(flows, path, scale, WIDTH)
            clock.append(time.perf_counter())
            delta = (path[-1] - path[0]) * scale
            video_path = np.stack([path[:, 0] * scale, HEIGHT - 1 - path[:, 1] * scale], axis=1)
            angle = motion.screen_angle(delta[0], -delta[1])
            poke = motion.Poke(True, angle, 0.2, 0.2, leak, video_path)
            metrics.point_scores([poke], [row], ("linear",))
            clock.append(time.perf_counter())
            for key, a, b in zip(stages, clock[:-1], clock[1:], strict=True):
                split[key].append(b - a)
    return {k: statistics.median(v) for k, v in split.items()}, poke


def one(repeats: int) -> None:
    medians, poke = stage_seconds(repeats)
    total = sum(medians.values())
    print(f"one {WIDTH}x{HEIGHT} video, {FRAMES} frames, 1 thread, median of {repeats} (load {_load()}):")
    for key, seconds in medians.items():
        print(f"  {key:<8}{seconds:7.3f} s")
    print(f"  measured direction {poke.angle:.1f}° (pushed at 30°), leak {poke.leak:.3f}")
    print(f"per video: {total:.3f} s; target {TARGET_ONE} s: ratio {total / TARGET_ONE:.2f}")


def point_benchmark() -> None:
    fmt = videos.VideoFormat(FRAMES, WIDTH, HEIGHT, FPS)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [make_video(Path(tmp) / f"point-{i:03d}.mp4", (37.0 * i) % 360, i) for i in range(63)]
        refs = [videos.VideoRef(r["sample_id"], path=Path(tmp) / f"{r['sample_id']}.mp4") for r in rows]
        started = time.perf_counter()
        scores = scoring.score_videos("point-benchmark", rows, refs, fmt, videos.decode_gray, progress=False)
        seconds = time.perf_counter() - started
    print(
        f"point benchmark: 63 videos of {WIDTH}x{HEIGHT}x{FRAMES}, 1 thread (load {_load()}): {seconds:.1f} s"
        " "
        f"({seconds / 63:.2f} s a video); target {TARGET_ALL:.0f} s: ratio {seconds / TARGET_ALL:.2f}; "
        f"within_30 {scores['within_30']:.2f}"
    )


def quick() -> list[tuple[str, str, str, float, str]]:
    """Rows for benchmarks/bench.py: scoring one paper-size video against the 2 s target."""
    cv2.setNumThreads(1)
    total = sum(stage_seconds(1)[0].values())
    return [
        (
            "force evaluation: one 720x480x49 video, 1 thread",
            f"{total:.2f} s",
            f"{TARGET_ONE} s target",
            total / TARGET_ONE,
            "<= 1",
        )
    ]


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("one", "point-benchmark"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if args.what == "one":
        one(args.repeats)
    else:
        point_benchmark()


if __name__ == "__main__":
    main()
