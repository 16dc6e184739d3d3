"""SynTheory generation speed, scaling, cost split and size (figures for docs/benchmarks.md).

    python benchmarks/syntheory_generation.py                       # 1 vs 2 workers, small profile
    python benchmarks/syntheory_generation.py --limit 50 --rounds 2 # a subset, for a busy machine
    python benchmarks/syntheory_generation.py --paper DIR           # the full paper profile into DIR
    python benchmarks/syntheory_generation.py --floor               # FluidSynth's cost per 4 s clip,
                                                                    # and the paper build's CPU floor

The scaling part builds the small profile (--limit rows per config) into temporary folders with 1
and with 2 workers, alternately (1, 2, then 2, 1, ...), and reports the median clips/s of each, the
ratio, the load average before every run, and whether every run wrote the same shard bytes. The cost
split comes from the engine's per-stage stopwatch: rendering (MIDI, synthesis, FLAC) and building the
Arrow columns run in the workers; encoding the parquet, hashing and the atomic write are the driver's
`write`, whose share of the wall time says how close the driver is to being the bottleneck. `--write`
ships the runs in reference/runs/syntheory/benchmarks/generation-scaling.json, which the table of
docs/benchmarks.md is generated from (benchmarks/bench_tables.py).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from synthsuite.datasets_src import engine
from synthsuite.datasets_src.executors import make_executor
from synthsuite.datasets_src.generator import Stopwatch, get_generator

ORIGINAL_WAV_BYTES_PER_CLIP = 4 * 44100 * 2 * 4 + 44  # 4 s, stereo, 32-bit float, RIFF header
RENDER_STAGES = ("midi", "synthesis", "encode")  # in the workers
STAGES = (*RENDER_STAGES, "columns", "write")  # columns: in the workers; write: in the driver
SPEEDUP_TARGET, DRIVER_SHARE_TARGET = 1.8, 0.1
RUNS = Path(__file__).resolve().parents[1] / "reference" / "runs" / "syntheory" / "benchmarks"


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
        progress=sys.stderr.isatty(),
    )


def clips_per_second(report: engine.RunReport) -> float:
    return report.rows_rendered / report.wall_seconds


def shard_hashes(report: engine.RunReport) -> list[str]:
    return [s["sha256"] for e in report.manifest["configs"].values() for s in e["shards"]]


def summarise(label: str, report: engine.RunReport, workers: int) -> None:
    shards = [s for e in report.manifest["configs"].values() for s in e["shards"]]
    rows = sum(s["rows"] for s in shards)
    stored = sum(s["bytes"] for s in shards)
    rate = clips_per_second(report)
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


PAPER_CLIPS = 104_585


def synthesis_floor(repeats: int = 40) -> None:
    """What one 4 s render costs FluidSynth (a fresh synth on the resident SoundFont, as the engine
    renders) with no note, one note and a three-note chord, and with no note and the reverb off,
    alternated; and the paper build's synthesis on 2 workers if every
    clip cost the silent render: a floor no engine change removes."""
    from synthsuite.datasets_src.syntheory.concepts import Score
    from synthsuite.datasets_src.syntheory.synth import DEFAULT_SOUNDFONT, Renderer
    from synthsuite.datasets_src.syntheory.theory import CLIP_SECONDS

    class WithoutReverb(Renderer):
        """The engine's renderer with FluidSynth's reverb off: what the reverb costs (the pinned
        bytes include it)."""

        def _new_synth(self):
            synth = super()._new_synth()
            synth.setting("synth.reverb.active", 0)
            return synth

    renderer, without_reverb = Renderer(DEFAULT_SOUNDFONT, 44_100), WithoutReverb(DEFAULT_SOUNDFONT, 44_100)
    scores = {
        "silence (no note)": Score(0, False, ()),
        "one note": Score(0, False, ((0.0, 3.0, 60, 100),)),
        "three-note chord": Score(0, False, tuple((0.0, 3.0, p, 100) for p in (60, 64, 67))),
    }
    seconds: dict[str, list[float]] = {name: [] for name in [*scores, "silence, reverb off"]}
    for _ in range(repeats):
        for name, score in scores.items():
            started = time.process_time()
            renderer.render(score, CLIP_SECONDS)
            seconds[name].append(time.process_time() - started)
        started = time.process_time()
        without_reverb.render(scores["silence (no note)"], CLIP_SECONDS)
        seconds["silence, reverb off"].append(time.process_time() - started)
    print(f"FluidSynth, one {CLIP_SECONDS} s clip at 44.1 kHz, CPU ms (median of {repeats}, load "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    for name, values in seconds.items():
        print(f"  {name:<20}{1e3 * statistics.median(values):7.2f}")
    floor = statistics.median(seconds["silence (no note)"]) * PAPER_CLIPS / 2
    print(f"paper build ({PAPER_CLIPS:,} clips), silent renders alone on 2 workers: {floor / 60:.1f} min")


def paper_floor(every: int) -> None:
    """The paper build's CPU seconds in the stages that are C library calls on the pinned bytes,
    projected from one task in `every` of each config's shards, rendered here as a worker renders
    them: FluidSynth (`synthesis`), numpy and libFLAC (`encode`), and the driver's parquet encode
    (pyarrow, zstd) and sha256 of those rows. Spread over every CPU with nothing else to do, that
    is the least wall time any build with these bytes can take on this machine."""
    import hashlib

    import pyarrow as pa

    from synthsuite.kernel.seeding import sample_rng

    generator = get_generator("syntheory")
    identity = engine.build_identity(generator, "paper", 0)
    projected = {"synthesis": 0.0, "encode": 0.0, "midi": 0.0, "columns": 0.0, "driver": 0.0}
    clips = 0
    for config in generator.configs:
        clock, batches, sampled = Stopwatch(time.process_time), [], 0
        schema = engine._arrow_schema(generator, config)
        shards = engine.plan_shards(generator, identity, config, limit=None)
        for shard in shards:
            for task in engine.task_rows(generator, shard)[::every]:
                specs = [shard.specs[row] for row in task]
                rngs = [sample_rng("syntheory", config, spec.key, 0) for spec in specs]
                rendered = generator.render_many(config, specs, rngs, clock)
                with clock.stage("columns"):
                    batches.append(pa.RecordBatch.from_pylist(rendered, schema=schema))
                sampled += len(specs)
        config_clips = sum(len(shard.specs) for shard in shards)
        started = time.process_time()
        data, _ = engine._encode_shard(generator, shards[0], batches, range(sampled))  # one shard of them
        hashlib.sha256(data).hexdigest()
        clock.seconds["driver"] = time.process_time() - started
        for stage in projected:
            projected[stage] += clock.seconds.get(stage, 0.0) * config_clips / sampled
        clips += config_clips
    cpus = os.cpu_count() or 1
    floor = projected["synthesis"] + projected["encode"] + projected["driver"]
    print(
        f"paper build ({clips:,} clips), CPU s projected from 1 task in {every} per config: "
        + ", ".join(f"{stage} {seconds:.0f}" for stage, seconds in projected.items())
    )
    everything = sum(projected.values())
    print(
        f"  synthesis + encode + driver (C libraries on the pinned bytes): {floor:.0f} CPU s "
        f"= {floor / cpus / 60:.1f} min on {cpus} CPUs; with midi, columns {everything / cpus / 60:.1f} min"
    )


def print_pins(folder: Path) -> None:
    """Whether every config's content revision is the one its `syntheory/*` task pins (bytes unchanged)."""
    from synthsuite.datasets_src.access import open_dataset
    from synthsuite.evaluation.tasks import list_tasks

    tasks = [t for t in list_tasks("syntheory") if t.name.startswith("syntheory/")]
    pins = {t.dataset.config: t.dataset.revision for t in tasks}
    source = open_dataset(folder, configs=list(pins))
    same = [config for config, pin in pins.items() if source.data_revision(config) == pin]
    print(f"  configs at the revisions the syntheory/* tasks pin: {len(same)} of {len(pins)}")


def scaling(limit: int, rounds: int) -> dict[int, list[tuple[engine.RunReport, float]]]:
    """(report, load average before it) of every run, by worker count, the counts alternating."""
    runs: dict[int, list[tuple[engine.RunReport, float]]] = {1: [], 2: []}
    for round_index in range(rounds):
        for workers in (1, 2) if round_index % 2 == 0 else (2, 1):
            load = os.getloadavg()[0]
            with tempfile.TemporaryDirectory() as tmp:
                report = run(Path(tmp), workers, "small", limit)
            runs[workers].append((report, load))
            print(
                f"round {round_index + 1}, {workers} worker(s): {report.rows_rendered:,} clips in "
                f"{report.wall_seconds:.1f} s = {clips_per_second(report):.1f} clips/s "
                f"(load before {load:.1f})",
                flush=True,
            )
    return runs


def speedup_and_driver_share(runs: dict[int, list[tuple[engine.RunReport, float]]]) -> tuple[float, float]:
    """Median clips/s with 2 workers over 1, and the driver's write seconds over the wall time, 2 workers."""
    rate = {w: statistics.median(clips_per_second(r) for r, _ in reports) for w, reports in runs.items()}
    share = statistics.median(r.stage_seconds.get("write", 0.0) / r.wall_seconds for r, _ in runs[2])
    return rate[2] / rate[1], share


def print_scaling(runs: dict[int, list[tuple[engine.RunReport, float]]]) -> None:
    print("\n| workers | runs | clips per run | median wall s | median clips/s | load before runs |")
    print("|---|---|---|---|---|---|")
    for workers, reports in runs.items():
        walls = [r.wall_seconds for r, _ in reports]
        loads = ", ".join(f"{load:.1f}" for _, load in reports)
        rate = statistics.median(clips_per_second(r) for r, _ in reports)
        print(
            f"| {workers} | {len(reports)} | {reports[0][0].rows_rendered:,} "
            f"| {statistics.median(walls):.1f} "
            f"| {rate:.1f} | {loads} |"
        )
    speedup, share = speedup_and_driver_share(runs)
    same = len({tuple(shard_hashes(r)) for reports in runs.values() for r, _ in reports}) == 1
    print(f"\nscaling 1 -> 2 workers: x{speedup:.2f}; every run wrote the same shard bytes: {same}")
    print("\n| stage | runs in | 1 worker: s | share | 2 workers: s | share |")
    print("|---|---|---|---|---|---|")
    totals = {
        w: {s: statistics.median(r.stage_seconds.get(s, 0.0) for r, _ in reports) for s in STAGES}
        for w, reports in runs.items()
    }
    split = {
        "render (MIDI, synthesis, FLAC)": ("workers", lambda t: sum(t[s] for s in RENDER_STAGES)),
        "Arrow columns": ("workers", lambda t: t["columns"]),
        "parquet encode, sha256, write": ("driver", lambda t: t["write"]),
    }
    for name, (where, pick) in split.items():
        cells = []
        for workers in (1, 2):
            whole = sum(totals[workers].values())
            cells.append(f"{pick(totals[workers]):.1f} | {100 * pick(totals[workers]) / whole:.1f}%")
        print(f"| {name} | {where} | {' | '.join(cells)} |")
    print(f"driver's write time over the wall time, 2 workers: {100 * share:.1f}% (median of runs)")


def quick() -> list[tuple[str, str, str, float, str]]:
    """Rows for benchmarks/bench.py from one 1-worker and one 2-worker build of 40 rows per config: the
    driver's share of the wall time, whether both wrote the same bytes, and the speed-up, which is
    only judged by the full small profile on an idle machine (a run this short is mostly start-up)."""
    runs = scaling(limit=40, rounds=1)
    speedup, share = speedup_and_driver_share(runs)
    one, two = (clips_per_second(runs[w][0][0]) for w in (1, 2))
    same = float(shard_hashes(runs[1][0][0]) == shard_hashes(runs[2][0][0]))
    return [
        (
            "SynTheory generation: driver write time / wall, 2 workers",
            f"{share:.3f}",
            "0 (never waits)",
            share,
            f"<= {DRIVER_SHARE_TARGET}",
        ),
        (
            "SynTheory generation: same shard bytes, 1 and 2 workers",
            "yes" if same else "NO",
            "yes",
            same,
            ">= 1",
        ),
        (
            "SynTheory small x40/config: 2 workers over 1 (start-up included)",
            f"{two:.1f} clips/s",
            f"2 x {one:.1f} clips/s",
            speedup / 2,
            f"idle, full small profile: >= {SPEEDUP_TARGET / 2}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--paper", type=Path, metavar="DIR", help="generate the full paper profile into DIR")
    parser.add_argument("--limit", type=int, default=200, help="rows per config for the scaling runs")
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs per worker count, alternating (default 2)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="ship the scaling runs in reference/runs/")
    parser.add_argument(
        "--floor", action="store_true", help="FluidSynth's cost per clip, and the paper build's floor"
    )
    parser.add_argument(
        "--every", type=int, default=20, help="--floor: project the paper build from 1 task in EVERY"
    )
    args = parser.parse_args()
    if args.floor:
        synthesis_floor()
        paper_floor(args.every)
        return
    if args.paper:
        if args.paper.exists() and any(args.paper.iterdir()):
            raise SystemExit(
                f"error: {args.paper} is not empty (a build there would resume); fix: pass a new folder"
            )
        load = os.getloadavg()[0]
        started = time.perf_counter()
        report = run(args.paper, args.workers, "paper", None)
        summarise(f"paper profile, {args.workers} workers", report, args.workers)
        print(
            f"  wall time {(time.perf_counter() - started) / 60:.1f} min; load average {load:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs"
        )
        print_pins(args.paper)
        return
    print(f"small profile, --limit {args.limit}, {args.rounds} round(s); {os.cpu_count()} CPUs")
    runs = scaling(args.limit, args.rounds)
    print_scaling(runs)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.write:
        print(f"wrote {write_scaling(runs, args.limit)}")


def write_scaling(runs: dict[int, list[tuple[engine.RunReport, float]]], limit: int) -> Path:
    """Every run's clips, wall time, load before it and stage seconds, with the verdicts."""
    speedup, share = speedup_and_driver_share(runs)
    facts = {
        "command": "python benchmarks/syntheory_generation.py " + " ".join(sys.argv[1:]),
        "profile": "small",
        "limit": limit,
        "cpus": os.cpu_count(),
        "load_after": round(os.getloadavg()[0], 1),
        "same_bytes": len({tuple(shard_hashes(r)) for reports in runs.values() for r, _ in reports}) == 1,
        "speedup": round(speedup, 3),
        "driver_share": round(share, 4),
        "runs": [
            {
                "workers": workers,
                "clips": report.rows_rendered,
                "wall_seconds": round(report.wall_seconds, 2),
                "load_before": round(load, 1),
                "stage_seconds": {s: round(report.stage_seconds.get(s, 0.0), 2) for s in STAGES},
            }
            for workers, reports in runs.items()
            for report, load in reports
        ],
    }
    RUNS.mkdir(parents=True, exist_ok=True)
    path = RUNS / "generation-scaling.json"
    path.write_text(json.dumps(facts, indent=1) + "\n")
    return path


if __name__ == "__main__":
    main()
