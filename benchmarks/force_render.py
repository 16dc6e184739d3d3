"""Rendering cost of the force datasets: seconds per video, pipeline overhead, paper projection.

python benchmarks/force_render.py videos [--videos 2] [--profiles tiny small] [--engines cycles workbench]
    renders the first videos of each dataset through the generator's own path (scene sampling,
    the Blender worker, PNG decode, H.264 encode, reading the files back) and prints per video:
    wall seconds, Blender's own time (`scene`: build + simulate + render inside render_*_scene),
    the render calls alone, and our overhead over Blender (reset, PNG decode, encode, IPC) in %.
    Workbench runs only where Mesa EGL is installed. Projects the paper profile from the small one.
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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from synthsuite.datasets_src.force import balls, flags, profiles, runner  # noqa: E402
from synthsuite.datasets_src.generator import get_generator  # noqa: E402
from synthsuite.kernel.seeding import sample_rng  # noqa: E402

DATASETS = {"balls": "force-point", "flags": "force-wind"}
PAPER_VIDEOS = {"balls": 12_000, "flags": 15_359}


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
    header = f"{'config':<7}{'profile':<8}{'engine':<10}{'s/video':>8}{'blender':>8}{'render':>8}"
    print(header + f"{'encode':>8}{'frames':>7}{'s/frame':>8}{'overhead':>9}")
    small: dict[tuple[str, str], dict[str, float]] = {}
    for config in DATASETS:
        for profile in args.profiles:
            frames = profiles.PROFILES[config][profile].frames
            for engine in engines:
                m = measure(config, profile, engine, args.videos)
                if profile == "small":
                    small[(config, engine)] = m
                overhead = 100 * (m["wall"] - m["scene"]) / m["scene"]
                print(
                    f"{config:<7}{profile:<8}{engine:<10}{m['wall']:>8.2f}{m['scene']:>8.2f}{m['render']:>8.2f}"
                    f"{m['encode']:>8.3f}{frames:>7}{m['wall'] / frames:>8.3f}{overhead:>8.1f}%"
                )
    for (config, engine), m in small.items():
        scale = 36 if engine == "cycles" else 18  # Workbench/EEVEE ignore the samples
        paper = m["scene"] - m["render"] + scale * m["render"] + (m["wall"] - m["scene"]) * 18
        hours = PAPER_VIDEOS[config] * paper / 3600
        print(
            f"paper projection {config}/{engine}: {paper:.0f} s a video, {PAPER_VIDEOS[config]:,} videos = "
            f"{hours:,.0f} core-hours; on 64 Ray workers {hours / 64:,.1f} h, on 512 {hours / 512:,.1f} h"
        )


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
    one.set_defaults(handler=videos)
    both = commands.add_parser("end-to-end")
    both.add_argument("--workers", type=int, default=2)
    both.set_defaults(handler=end_to_end)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
