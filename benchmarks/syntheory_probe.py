"""Probe training time per SynTheory concept, linear and MLP, on cached features; probing start-up.

    python benchmarks/syntheory_probe.py                          # paper tasks, handcrafted features
    python benchmarks/syntheory_probe.py --profile tiny --features chroma mel
    python benchmarks/syntheory_probe.py --concept notes --concept tempos --workers 2
    python benchmarks/syntheory_probe.py --startup                # start-up and cost per row (~1 min)

Features come from the embedding cache ($SYNTHSUITE_CACHE); missing ones are extracted first
(that time is reported apart). Timed: standardising, fitting with early stopping and predicting
validation and test, for every layer, in this process on the probe's own thread setting.

`--startup` needs no dataset. (1) In fresh processes, alternately: what the deterministic setting
costs the first probe of a process through torch's public call (which imports the compiler's config
to set its flag too) and through the probe's own setting (the eager flag only). (2) The linear
probe's fixed cost and cost per training row: fits on synthetic class clusters of 100 to 16,000 rows
(768-d, like the mel features; 12 classes); the cost per row is the slope of seconds on rows from
1,000 rows up, the fixed cost what the 100-row fit takes beyond its rows' share. With `--write`
the figures go to reference/runs/syntheory/benchmarks/probe-startup.json (the table of
docs/benchmarks.md is generated from it by benchmarks/bench_tables.py).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from synthsuite.baselines.syntheory import run
from synthsuite.baselines.syntheory.embeddings import embed
from synthsuite.baselines.syntheory.features import get_extractor
from synthsuite.baselines.syntheory.probe import PROBES, probe_settings, train_probe
from synthsuite.evaluation.metrics import accuracy
from synthsuite.evaluation.syntheory.tasks import CONCEPT_LABELS
from synthsuite.evaluation.tasks import get_task

PREFIX = {"paper": "syntheory", "tiny": "syntheory-tiny"}


def warm_up() -> None:
    """One small fit first, so the first row is not charged for torch's lazy initialisation."""
    x, y = np.random.default_rng(0).normal(size=(64, 8)).astype(np.float32), np.arange(64) % 2
    for kind in PROBES:
        train_probe((x, y), (x, y), 2, probe_settings(kind), accuracy)


STARTUP_CALLS = {
    "torch.use_deterministic_algorithms": "torch.use_deterministic_algorithms(True)",
    "the probe's setting": "probe._use_deterministic_algorithms(True)",
}
COST_ROWS = (100, 1000, 4000, 16000)
RUNS = Path(__file__).resolve().parents[1] / "reference" / "runs" / "syntheory" / "benchmarks"


def _fresh_process_seconds(statement: str) -> float:
    """Seconds of `statement` in a new interpreter that has already imported torch and the probe module."""
    code = (
        "import time\nimport torch\nfrom synthsuite.baselines.syntheory import probe\n"
        f"started = time.perf_counter()\n{statement}\nprint(time.perf_counter() - started)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def startup_seconds(rounds: int) -> dict[str, float]:
    """Median over `rounds` fresh processes of each way to set the deterministic flag, run alternately."""
    times: dict[str, list[float]] = {name: [] for name in STARTUP_CALLS}
    for _ in range(rounds):
        for name, statement in STARTUP_CALLS.items():
            times[name].append(_fresh_process_seconds(statement))
    return {name: statistics.median(values) for name, values in times.items()}


def _clusters(rows: int, dim: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(classes, size=rows)
    centres = np.random.default_rng(0).normal(size=(classes, dim))
    return (centres[labels] + rng.normal(scale=4.0, size=(rows, dim))).astype(np.float32), labels


def linear_probe_costs(sizes: tuple[int, ...], rounds: int, dim: int = 768, classes: int = 12) -> dict:
    """The linear probe's seconds per fit at each size (fastest of `rounds`, sizes alternating); the cost
    per training row (least squares over all but the smallest size) and the fixed cost (the smallest
    fit less its rows' share). Validation has a quarter as many rows."""
    data = {
        n: (_clusters(n, dim, classes, 1), _clusters(max(n // 4, classes), dim, classes, 2)) for n in sizes
    }
    settings = probe_settings("linear")
    seconds: dict[int, list[float]] = {n: [] for n in sizes}
    steps: dict[int, int] = {}
    for _ in range(rounds):
        for n in sizes:
            started = time.perf_counter()
            fitted = train_probe(*data[n], classes, settings, accuracy)
            seconds[n].append(time.perf_counter() - started)
            steps[n] = fitted.steps
    best = {n: min(values) for n, values in seconds.items()}
    large = sizes[1:]
    per_row = float(np.polyfit(np.array(large, dtype=float), np.array([best[n] for n in large]), 1)[0])
    fixed = max(best[sizes[0]] - per_row * sizes[0], 0.0)
    return {"seconds": best, "steps": steps, "fixed": fixed, "per_row": per_row}


def startup_report(rounds: int, write: bool) -> None:
    load = os.getloadavg()[0]
    warm_up()
    startup = startup_seconds(rounds)
    public, own = startup.values()
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs; medians of {rounds} fresh processes each")
    print("| deterministic setting, first call in a process | seconds |")
    print("|---|---|")
    for name, value in startup.items():
        print(f"| {name} | {value:.3f} |")
    print(f"saving per process (each probing worker, once): {public - own:.2f} s\n")
    costs = linear_probe_costs(COST_ROWS, rounds)
    print("| linear probe, 768-d, 12 classes: training rows | L-BFGS iterations | seconds (fastest) |")
    print("|---|---|---|")
    for n, value in costs["seconds"].items():
        print(f"| {n:,} | {costs['steps'][n]} | {value:.3f} |")
    print(
        f"fixed cost {costs['fixed']:.3f} s per fit, {1e6 * costs['per_row']:.1f} µs per training row; "
        f"load average after {os.getloadavg()[0]:.1f}"
    )
    if write:
        facts = {
            "command": "python benchmarks/syntheory_probe.py " + " ".join(sys.argv[1:]),
            "rounds": rounds,
            "cpus": os.cpu_count(),
            "load_before": round(load, 1),
            "load_after": round(os.getloadavg()[0], 1),
            "startup_seconds": {name: round(value, 6) for name, value in startup.items()},
            "linear_probe": {
                "dim": 768,
                "classes": 12,
                "seconds": {str(n): round(value, 3) for n, value in costs["seconds"].items()},
                "iterations": {str(n): steps for n, steps in costs["steps"].items()},
                "fixed_seconds": round(costs["fixed"], 4),
                "seconds_per_row": round(costs["per_row"], 7),
            },
        }
        RUNS.mkdir(parents=True, exist_ok=True)
        path = RUNS / "probe-startup.json"
        path.write_text(json.dumps(facts, indent=1) + "\n")
        print(f"wrote {path}")


def quick() -> list[tuple[str, str, str, float, str]]:
    """Rows for benchmarks/bench.py: the probe's deterministic setting against torch's public call."""
    public, own = startup_seconds(rounds=2).values()
    return [
        (
            "probing start-up: deterministic setting, fresh process",
            f"{own:.3f} s",
            f"{public:.2f} s torch.use_deterministic_algorithms",
            own / public,
            "<= 0.1",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", default="paper", choices=list(PREFIX))
    parser.add_argument("--dataset", help="dataset folder or ORG/NAME (default: the tasks' repo)")
    parser.add_argument("--features", nargs="+", default=["handcrafted"])
    parser.add_argument("--concept", action="append", choices=list(CONCEPT_LABELS), help="default: all")
    parser.add_argument("--workers", type=int, help="extraction processes for features not yet cached")
    parser.add_argument("--startup", action="store_true", help="start-up and cost per row only (no dataset)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --startup (default 3)")
    parser.add_argument(
        "--write", action="store_true", help="with --startup: ship the figures in reference/runs/"
    )
    args = parser.parse_args()
    if args.startup:
        startup_report(args.rounds, args.write)
        return

    print(
        "| concept | features | train / validation rows | dim | layers | probe | steps (mean) "
        "| seconds per layer | best validation score |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    totals = dict.fromkeys(PROBES, 0.0)
    warm_up()
    for concept in args.concept or list(CONCEPT_LABELS):
        task = get_task(f"{PREFIX[args.profile]}/{concept}")
        source = run.open_task_source(task, args.dataset)
        for name in args.features:
            extractor = get_extractor(name)
            started = time.perf_counter()
            embeddings = embed(
                str(source.folder), concept, task.splits, extractor, workers=args.workers, progress=True
            )
            extract_seconds = time.perf_counter() - started
            rows = {split: run.scored_rows(task, source, split, embeddings[split]) for split in task.splits}
            layers = extractor.layers()
            dim = rows["train"].features(layers[0]).shape[1]
            for kind in PROBES:
                started = time.perf_counter()
                fits = [run.probe_layer(task, rows, layer, probe_settings(kind)) for layer in layers]
                seconds = time.perf_counter() - started
                totals[kind] += seconds
                best = max(fit.scores["validation"][task.main_score] for fit in fits)
                steps = sum(fit.steps for fit in fits) / len(fits)
                print(
                    f"| {concept} | {name} | {len(rows['train'].ids):,} / {len(rows['validation'].ids):,} "
                    f"| {dim} | {len(layers)} | {kind} | {steps:,.0f} | {seconds / len(layers):.2f} "
                    f"| {best:.3f} |",
                    flush=True,
                )
            if extract_seconds > 5:
                print(f"<!-- {concept} {name}: features extracted in {extract_seconds:.0f} s -->", flush=True)
    print("\ntotal probe seconds: " + ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in totals.items()))


if __name__ == "__main__":
    main()
