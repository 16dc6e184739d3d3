"""Does the wind show its strength? The flags' calibration, and the measures of a rendered force-wind build.

    python benchmarks/force_wind_strength.py calibrate [--angles ..] [--fields ..] [--seeds ..] [--write]
        simulates the first flag of one-flag scenes (no sky, camera or render) under each wind angle and
        field strength, and writes reference/runs/force/wind-calibration.json: per run, the flag's mean
        displacement over scene frames 150..240 and its mean motion energy (the measures behind
        flags.field_strength)
    python benchmarks/force_wind_strength.py measure BUILD [--out reference/runs/force/wind-test-render.json]
        reads a force-wind build and writes, per video: the labels (wind_speed, wind_angle), the
        captioned flag's mean displacement over scene frames >= 150 (from the labels), the video's motion
        energy (mean squared difference of consecutive decoded frames, from the pixels alone), whether the
        flag's free edge stays in the frame, and how far its displacement's direction departs from the
        wind's on screen. benchmarks/force_tables.py turns that file into the tables of
        docs/force-datasets.md (Spearman's rho between label and motion).

    python benchmarks/force_wind_strength.py benchmark [BUILD] [--out FILE]
        reads the wind-benchmark config of a force-benchmark build (default: the pinned tiny build in the
        local hub) and writes, per row: kind, group, wind speed, field strength, the simulation's
        displacement of the moving points (labels) and what the wind evaluator measures in the video
        (motion energy, whether it moved, its direction's error): is every kind graded by the speed?

The test render of the docs: `synthsuite generate force-wind --profile small --limit 24 --set
resolution=96x64 --set samples=4 --workers 2`.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from synthsuite.datasets_src.access import open_dataset
from synthsuite.datasets_src.force import flags, runner

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "reference" / "runs" / "force"
LATE_FRAME = 150  # from here on the flag has had 30 frames (1.25 s) of wind
DEFAULT_FIELDS = (0, 100, 200, 350, 500, 750, 1000, 1400, 2000, 2800, 4000)

# Runs under the Blender Python: registers the package as the render worker does, then simulates each job.
DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1] + "/datasets_src/force")
import worker
worker._register_package()
import bpy
from synthsuite.datasets_src.force.flags_blender import simulate_first_flag
for scene in json.load(sys.stdin):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    print("ROW " + json.dumps(simulate_first_flag(scene)), flush=True)
"""


def calibration_scene(seed: int, angle: float, field: float) -> dict:
    """A one-flag scene of `seed` with the wind set to `angle` and the raw field strength `field`."""
    scene = flags.sample_flag_scene(np.random.default_rng(seed), 1)
    label = float(
        np.log1p(field * (flags.STRENGTH_RATIO - 1) / flags.STRENGTH_MAX) / np.log(flags.STRENGTH_RATIO)
    )
    scene.update(wind_angle=angle, wind_angle_blender=(90.0 - angle) % 360.0, strength=label)
    scene["strength_raw"] = flags.field_strength(label)
    return scene


def calibrate(args: argparse.Namespace) -> None:
    jobs = [(s, a, f) for s in args.seeds for a in args.angles for f in args.fields]
    scenes = [calibration_scene(*job) for job in jobs]
    runner.check_blender()
    python = str(runner.blender_python())
    started = time.perf_counter()
    process = subprocess.run(
        [python, "-c", DRIVER, str(ROOT)],
        input=json.dumps(scenes),
        capture_output=True,
        text=True,
        check=False,
    )
    rows = [json.loads(line[4:]) for line in process.stdout.splitlines() if line.startswith("ROW ")]
    if process.returncode or len(rows) != len(jobs):
        raise SystemExit(process.stderr[-3000:])
    late = slice(LATE_FRAME - flags.WIND_ON_FRAME, None)
    runs = [
        {
            "seed": seed,
            "wind_angle": angle,
            "field_strength": scene["strength_raw"],
            "displacement_late": round(float(np.mean(row["displacement"][late])), 4),
            "energy_mean": round(float(np.mean(row["energy"])), 7),
            "low": [round(v, 3) for v in row["low"]],
            "high": [round(v, 3) for v in row["high"]],
        }
        for (seed, angle, _), scene, row in zip(jobs, scenes, rows, strict=True)
    ]
    for run in runs:
        print(
            f"seed {run['seed']} angle {run['wind_angle']:>5g} field {run['field_strength']:>7.0f}: "
            f"displacement {run['displacement_late']:.3f}, energy {run['energy_mean']:.2e}"
        )
    print(f"{len(runs)} runs in {time.perf_counter() - started:.0f} s")
    if args.write:
        _merge(args.out, runs, ("seed", "wind_angle", "field_strength"))


def _merge(path: Path, rows: list[dict], key: tuple[str, ...]) -> None:
    """Add `rows` to the JSON list at `path`, replacing rows with the same key; sorted by key."""
    old = json.loads(path.read_text())["runs"] if path.exists() else []
    merged = {tuple(round(r[k], 6) for k in key): r for r in [*old, *rows]}
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"runs": [merged[k] for k in sorted(merged)], "late_frame": LATE_FRAME}
    path.write_text(json.dumps(body, indent=1) + "\n")
    print(f"wrote {path} ({len(merged)} runs)")


def _angle_difference(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _motion_energy(mp4: bytes) -> float:
    """Mean over consecutive frame pairs of the mean squared pixel difference (0..255 levels)."""
    from torchcodec.decoders import VideoDecoder

    frames = VideoDecoder(mp4).get_frames_in_range(0, 10**6).data.numpy().astype(np.float64)
    return float(np.mean((frames[1:] - frames[:-1]) ** 2))


def measure(args: argparse.Namespace) -> None:
    source = open_dataset(str(args.build), configs=["flags"])
    columns = [
        "sample_id", "video", "wind_speed", "wind_angle", "wind_screen_direction", "frame_indices", "width",
        "height", "num_flags", "flag_displacement_mean", "flag_fly_px", "flag_fly_rest_px",
        "flag_screen_direction",
    ]  # fmt: skip
    videos = []
    for split in ("train", "validation", "test"):
        if source.num_rows("flags", split) == 0:
            continue
        for row in source.read("flags", split, columns).to_pylist():
            late = [
                d
                for f, d in zip(row["frame_indices"], row["flag_displacement_mean"][0], strict=True)
                if f >= LATE_FRAME
            ]
            points = [row["flag_fly_rest_px"][0], *row["flag_fly_px"][0]]
            framed = all(0 <= x <= row["width"] - 1 and 0 <= y <= row["height"] - 1 for x, y in points)
            videos.append(
                {
                    "sample_id": row["sample_id"],
                    "wind_speed": row["wind_speed"],
                    "wind_angle": row["wind_angle"],
                    "num_flags": row["num_flags"],
                    "displacement_late": round(float(np.mean(late)), 4),
                    "motion_energy": round(_motion_energy(row["video"]["bytes"]), 3),
                    "first_flag_framed": framed,
                    "direction_departure": round(
                        _angle_difference(row["flag_screen_direction"][0], row["wind_screen_direction"]), 1
                    ),
                }
            )
    manifest = source.manifest
    body = {
        "build": {
            "generator_version": manifest.get("generator_version"),
            "profile": manifest.get("profile"),
            "options": manifest.get("options"),
            "command": manifest.get("command"),
        },
        "late_frame": LATE_FRAME,
        "videos": sorted(videos, key=lambda v: v["sample_id"]),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(body, indent=1) + "\n")
    print(f"{len(videos)} videos -> {args.out}")


def benchmark(args: argparse.Namespace) -> None:
    from synthsuite.evaluation.force import motion, scoring, videos

    source = open_dataset(str(args.build), configs=["wind-benchmark"])
    columns = ["sample_id", "group", "kind", "scene_type", "wind_speed", "wind_speed_raw", "wind_angle",
               "displacement_px", *scoring.FORMAT, "video"]  # fmt: skip
    rows = source.read("wind-benchmark", "test", columns).to_pylist()
    fmt = scoring.expected_format(rows)
    measured = []
    for row in sorted(rows, key=lambda r: r["sample_id"]):
        frames = videos.decode_gray(videos.VideoRef(row["sample_id"], data=row["video"]["bytes"]), fmt)
        wind = motion.measure_wind(frames)
        measured.append(
            {
                "sample_id": row["sample_id"],
                "group": row["group"],
                "scene_type": row["scene_type"],
                "kind": row["kind"],
                "wind_speed": row["wind_speed"],
                "field_strength": round(row["wind_speed_raw"], 3),
                "displacement_px": round(row["displacement_px"], 3),
                "motion_energy": round(wind.energy, 7),
                "moved": wind.moved,
                "angular_error": round(motion.angular_error(wind.angle, row["wind_angle"]), 1)
                if wind.moved
                else None,
            }
        )
    body = {
        "build": {
            "revision": source.data_revision("wind-benchmark"),
            "command": source.manifest.get("command"),
        },
        "min_energy": motion.MIN_ENERGY,
        "rows": measured,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(body, indent=1) + "\n")
    print(f"{len(measured)} rows -> {args.out}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    cal = commands.add_parser("calibrate", help="simulate one flag under a grid of winds (no render)")
    cal.add_argument("--angles", type=float, nargs="+", default=[0.0, 180.0, 30.0, 330.0])
    cal.add_argument("--fields", type=float, nargs="+", default=list(DEFAULT_FIELDS))
    cal.add_argument("--seeds", type=int, nargs="+", default=[3, 5])
    cal.add_argument("--write", action="store_true", help="merge the runs into --out")
    cal.add_argument("--out", type=Path, default=RUNS / "wind-calibration.json")
    cal.set_defaults(handler=calibrate)
    mea = commands.add_parser("measure", help="label against motion over a rendered force-wind build")
    mea.add_argument("build", type=Path)
    mea.add_argument("--out", type=Path, default=RUNS / "wind-test-render.json")
    mea.set_defaults(handler=measure)
    ben = commands.add_parser("benchmark", help="per-row motion of a force-benchmark build's wind config")
    ben.add_argument("build", nargs="?", default="synthsuite/force-benchmark-tiny")
    ben.add_argument("--out", type=Path, default=RUNS / "wind-benchmark-motion.json")
    ben.set_defaults(handler=benchmark)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
