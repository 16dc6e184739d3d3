"""Rendering cost of the force datasets: seconds per video, pipeline overhead, paper projection.

python benchmarks/force_render.py videos [--videos 2] [--profiles tiny small] [--engines cycles workbench]
    renders the first videos of each dataset through the generator's own path (scene sampling,
    the Blender worker, PNG decode, H.264 encode, reading the files back) and prints per video:
    wall seconds, Blender's own time (`scene`: build + simulate + render inside render_*_scene),
    the render calls alone, and our overhead over Blender in %, split into the worker's encode
    (PNG decode, H.264 encode, the first-frame PNG) and the rest (the round trip to the worker,
    reading the files back). The wall time spans everything, the encode included. Prints the load
    average before and after. Workbench runs only where Mesa EGL is installed. Projects the paper
    profile from the small one. `--write` merges the rows into
    reference/runs/force/render/overhead.json (docs/benchmarks.md's table is generated from it).
python benchmarks/force_render.py end-to-end [--workers 2]
    `synthsuite generate` of the tiny profile of both datasets into a temporary folder, timed
    (issue target: under 2 minutes for both).

Projection of the paper profile (720x480, 32 spp, 120 frames): render seconds scale with
pixels x samples x frames from the small profile (240x160, 16 spp, 60 frames), i.e. x36; the
simulation and scene build do not change with the profile. Every video is independent and takes
one core (threads=1), so wall time on W workers (local processes or Ray tasks on a cluster) is
core-hours / W, as long as every worker has a core and the driver keeps up (it only writes
parquet: ~0.1 s a video).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_tables import PAPER_VIDEOS, paper_seconds_per_video  # noqa: E402
from synthsuite.datasets_src.force import balls, flags, profiles, runner  # noqa: E402
from synthsuite.datasets_src.generator import get_generator  # noqa: E402
from synthsuite.kernel.seeding import sample_rng  # noqa: E402

DATASETS = {"balls": "force-point", "flags": "force-wind"}
OVERHEAD_TARGET = 0.10  # our pipeline's time outside Blender, as a share of Blender's
RUNS = ROOT / "reference" / "runs" / "force" / "render"


def _scene(config: str, key: str, profile: str) -> dict:
    rng = sample_rng(DATASETS[config], config, key, 0)
    if config == "balls":
        return balls.sample_ball_scene(rng)
    return flags.sample_flag_scene(rng, profiles.MAX_FLAGS[profile])


def measure(config: str, profile: str, engine: str, videos: int) -> dict[str, float]:
    """Mean seconds per video of each stage over the first `videos` training scenes."""
    generator = get_generator(DATASETS[config], {"engine": engine})
    settings = generator.settings(config, profile)
    stats: dict[str, list[float]] = {"wall": [], "scene": [], "render": [], "encode": []}
    runner.shutdown()  # a fresh worker, warmed up on one extra video (Blender's start is ~1 s, once)
    runner.render(config, _scene(config, f"{config}-validation-00000", profile), settings)
    for i in range(videos):
        scene = _scene(config, f"{config}-train-{i:05d}", profile)
        started = time.perf_counter()
        result = runner.render(config, scene, settings)
        stats["wall"].append(time.perf_counter() - started)
        stats["scene"].append(result.seconds["scene"])
        stats["render"].append(result.seconds["blender_render"])
        stats["encode"].append(result.seconds["encode"])
    return {k: statistics.mean(v) for k, v in stats.items()}


def videos(args: argparse.Namespace) -> None:
    engines = [e for e in args.engines if e == "cycles" or not runner.missing_egl()]
    skipped = sorted(set(args.engines) - set(engines))
    print(f"Blender Python: {runner.check_blender()}" + (f"; skipped (no EGL): {skipped}" if skipped else ""))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; mean of {args.videos} video(s)")
    header = f"{'config':<7}{'profile':<8}{'engine':<10}{'s/video':>8}{'blender':>8}{'render':>8}"
    print(header + f"{'encode':>8}{'frames':>7}{'s/frame':>8}{'overhead':>9}{'=encode':>8}{'+rest':>7}")
    small: dict[tuple[str, str], dict[str, float]] = {}
    rows: list[dict] = []
    for config in DATASETS:
        for profile in args.profiles:
            frames = profiles.PROFILES[config][profile].frames
            for engine in engines:
                load = os.getloadavg()[0]
                m = measure(config, profile, engine, args.videos)
                if profile == "small":
                    small[(config, engine)] = m
                rows.append(
                    {"config": config, "profile": profile, "engine": engine, "frames": frames}
                    | {"videos": args.videos, "load_before": round(load, 1)}
                    | {name: round(value, 4) for name, value in m.items()}
                )
                overhead = 100 * (m["wall"] - m["scene"]) / m["scene"]
                encode = 100 * m["encode"] / m["scene"]
                print(
                    f"{config:<7}{profile:<8}{engine:<10}{m['wall']:>8.2f}{m['scene']:>8.2f}{m['render']:>8.2f}"
                    f"{m['encode']:>8.3f}{frames:>7}{m['wall'] / frames:>8.3f}{overhead:>8.1f}%"
                    f"{encode:>7.1f}%{overhead - encode:>6.1f}%",
                    flush=True,
                )
    for (config, engine), m in small.items():
        paper = paper_seconds_per_video({"engine": engine, **m})
        hours = PAPER_VIDEOS[config] * paper / 3600
        print(
            f"paper projection {config}/{engine}: {paper:.0f} s a video, {PAPER_VIDEOS[config]:,} videos = "
            f"{hours:,.0f} core-hours; on 64 Ray workers {hours / 64:,.1f} h, on 512 {hours / 512:,.1f} h"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.write:
        print(f"wrote {write_rows(rows)}")


def write_rows(rows: list[dict]) -> Path:
    """Merge into reference/runs/force/render/overhead.json, replacing rows of the same config, profile
    and engine."""
    path = RUNS / "overhead.json"
    shipped = json.loads(path.read_text()) if path.exists() else {"rows": []}
    key = ("config", "profile", "engine")
    measured = {tuple(row[k] for k in key) for row in rows}
    command = "python benchmarks/force_render.py " + " ".join(sys.argv[1:])
    kept = [row for row in shipped["rows"] if tuple(row[k] for k in key) not in measured]
    merged = sorted(
        kept + [{**row, "command": command} for row in rows], key=lambda r: tuple(r[k] for k in key)
    )
    RUNS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cpus": os.cpu_count(), "rows": merged}, indent=1) + "\n")
    return path


def quick() -> list[tuple[str, str, str, float, str]]:
    """Rows for benchmarks/bench.py: a tiny ball video's whole time (encode included) over Blender's."""
    rows = []
    for engine in [e for e in ("cycles", "workbench") if e == "cycles" or not runner.missing_egl()]:
        m = measure("balls", "tiny", engine, videos=2)
        rows.append(
            (
                f"force-point tiny, {engine}: pipeline over Blender (encode in)",
                f"{m['wall']:.2f} s/video",
                f"{m['scene']:.2f} s in Blender",
                m["wall"] / m["scene"],
                f"<= {1 + OVERHEAD_TARGET}",
            )
        )
    runner.shutdown()
    return rows


def end_to_end(args: argparse.Namespace) -> None:
    out = Path(tempfile.mkdtemp())
    try:
        total = 0.0
        for name in DATASETS.values():
            started = time.perf_counter()
            command = [sys.executable, "-m", "synthsuite", "generate", name, "--profile", "tiny"]
            command += ["--workers", str(args.workers), "--no-progress", "--out", str(out / name)]
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
            seconds = time.perf_counter() - started
            total += seconds
            print(f"{name} tiny, {args.workers} workers: {seconds:.1f} s")
        print(f"both tiny datasets: {total:.1f} s (target < 120 s)")
    finally:
        shutil.rmtree(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("videos")
    one.add_argument("--videos", type=int, default=2)
    one.add_argument(
        "--profiles", nargs="+", default=["tiny", "small"], choices=list(profiles.PROFILES["balls"])
    )
    one.add_argument(
        "--engines", nargs="+", default=["cycles", "workbench"], choices=["cycles", "workbench", "eevee"]
    )
    one.add_argument("--write", action="store_true", help="ship the rows in reference/runs/force/render/")
    one.set_defaults(handler=videos)
    both = commands.add_parser("end-to-end")
    both.add_argument("--workers", type=int, default=2)
    both.set_defaults(handler=end_to_end)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
