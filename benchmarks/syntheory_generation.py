"""SynTheory generation speed, scaling, cost split and size (figures for docs/benchmarks.md).

    python benchmarks/syntheory_generation.py                 # scaling: 1 vs 2 workers, small subset
    python benchmarks/syntheory_generation.py --paper DIR     # the full paper profile into DIR

Both runs of the scaling part write the same shards; the script checks their bytes are equal.
"""

import argparse
import tempfile
import time
from pathlib import Path

from synthsuite.datasets_src import engine
from synthsuite.datasets_src.executors import make_executor
from synthsuite.datasets_src.generator import get_generator

ORIGINAL_WAV_BYTES_PER_CLIP = 4 * 44100 * 2 * 4 + 44  # 4 s, stereo, 32-bit float, RIFF header
STAGES = ("midi", "synthesis", "encode", "write")


def run(out: Path, workers: int, profile: str, limit: int | None) -> engine.RunReport:
    generator = get_generator("syntheory")
    return engine.generate(
        generator,
        out,
        configs=list(generator.configs),
        profile=profile,
        seed=0,
        limit=limit,
        executor=make_executor("local", workers),
        command=f"benchmark {profile} {limit}",
        progress=True,
    )


def summarise(label: str, report: engine.RunReport, workers: int) -> None:
    shards = [s for e in report.manifest["configs"].values() for s in e["shards"]]
    rows = sum(s["rows"] for s in shards)
    stored = sum(s["bytes"] for s in shards)
    rate = report.rows_rendered / report.wall_seconds
    cpu = sum(report.stage_seconds.get(s, 0.0) for s in STAGES)
    print(
        f"{label}: {report.rows_rendered:,} clips in {report.wall_seconds:.1f} s = {rate:.1f} clips/s "
        f"({rate / workers:.1f} per worker); {stored / rows / 1e3:.1f} kB per clip stored "
        f"(original WAV {ORIGINAL_WAV_BYTES_PER_CLIP / 1e3:.0f} kB: "
        f"1/{ORIGINAL_WAV_BYTES_PER_CLIP * rows / stored:.1f})"
    )
    print(
        "  cost split (seconds summed over workers): "
        + ", ".join(
            f"{s} {seconds:.1f} ({100 * seconds / cpu:.0f}%)"
            for s, seconds in ((s, report.stage_seconds.get(s, 0.0)) for s in STAGES)
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--paper", type=Path, metavar="DIR", help="generate the full paper profile into DIR")
    parser.add_argument("--limit", type=int, default=200, help="rows per config for the scaling runs")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.paper:
        started = time.perf_counter()
        report = run(args.paper, args.workers, "paper", None)
        summarise(f"paper profile, {args.workers} workers", report, args.workers)
        print(f"  wall time {(time.perf_counter() - started) / 60:.1f} min")
        return
    results = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            report = run(Path(tmp), workers, "small", args.limit)
            summarise(f"small profile, --limit {args.limit}, {workers} worker(s)", report, workers)
            results[workers] = report
    hashes = [
        [s["sha256"] for e in r.manifest["configs"].values() for s in e["shards"]] for r in results.values()
    ]
    speedup = (results[2].rows_rendered / results[2].wall_seconds) / (
        results[1].rows_rendered / results[1].wall_seconds
    )
    print(f"scaling 1 -> 2 workers: x{speedup:.2f}; shard bytes identical: {hashes[0] == hashes[1]}")


if __name__ == "__main__":
    main()
