"""Fourier head speed and peak memory against a plain linear head and the literal implementation; the figure.

    python benchmarks/fourier_head.py                  # forward+backward table, batch 4096, in 256
    python benchmarks/fourier_head.py --quick          # two sizes, including the target N = 64, 4096 bins
    python benchmarks/fourier_head.py --sizes 4096:64 4096:550 --no-literal --rounds 7
    python benchmarks/fourier_head.py --profile 4096:550          # where a training step's time goes
    git show 27ad488:baselines/fourier/head.py > /tmp/head_27ad488.py
    python benchmarks/fourier_head.py --before /tmp/head_27ad488.py --no-literal   # old and new side by side
    python benchmarks/fourier_head.py --figure docs/img/fourier-head-densities.png

`--write` merges the table's rows (or the profile) into reference/runs/fourier/head/, which the tables
of docs/fourier-head.md are generated from (benchmarks/bench_tables.py).

Each step is the training loss (cross-entropy, plus the penalty at γ = 1e-6 for the Fourier head) and its
backward pass, for: a plain nn.Linear head; the Fourier head with `loss(head(x), target)`; the same loss
through `fused_loss(x, target)`; the literal implementation (`reference_forward`); with `--before FILE`,
the FourierHead of another version of head.py. They run side by side in one process, in rotating order,
and the table gives the fastest of the rounds: on a shared machine only ratios within a row mean much.
Peak memory is what the step allocates on top of what exists before it (the profiler's allocator
events), so the inputs and weights are not counted and the gradients are.
"""

import argparse
import importlib.util
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import torch
import torch.nn.functional as F
from torch import nn
from torch.profiler import ProfilerActivity, profile

from synthsuite.baselines.fourier import FourierHead, reference_forward

BATCH, IN_FEATURES, GAMMA = 4096, 256, 1e-6
SIZES = [(50, 8), (50, 16), (1024, 64), (1024, 256), (4096, 8), (4096, 64), (4096, 256), (4096, 550)]
QUICK_SIZES = [(50, 8), (4096, 64)]
RUNS = Path(__file__).resolve().parents[1] / "reference" / "runs" / "fourier" / "head"
TARGET = 1.5  # issue 18: time and peak memory within 1.5x a linear head at 4096 bins, every N up to 550


def load_head_class(path: Path) -> type[nn.Module]:
    """FourierHead from another copy of head.py (e.g. an older commit's), for a before/after comparison."""
    spec = importlib.util.spec_from_file_location("fourier_head_before", path)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FourierHead


def training_steps(
    num_bins: int, num_frequencies: int, literal: bool = True, before: type[nn.Module] | None = None
) -> dict[str, Callable[[], None]]:
    """One forward+backward closure per head, on the same inputs and targets."""
    x = torch.randn(BATCH, IN_FEATURES)
    target = torch.randint(num_bins, (BATCH,))
    linear = nn.Linear(IN_FEATURES, num_bins)
    fourier = FourierHead(IN_FEATURES, num_bins, num_frequencies, regularization_gamma=GAMMA)

    def linear_step() -> None:
        linear.zero_grad()
        F.cross_entropy(linear(x), target).backward()

    def fourier_step() -> None:
        fourier.zero_grad()
        fourier.loss(fourier(x), target).backward()

    def fused_step() -> None:
        fourier.zero_grad()
        fourier.fused_loss(x, target).backward()

    def reference_step() -> None:
        fourier.zero_grad()
        log_probs, penalty = reference_forward(fourier, x)
        (F.cross_entropy(log_probs, target) + penalty).backward()

    steps = {"linear": linear_step, "fourier": fourier_step, "fused": fused_step}
    if literal:
        steps["reference"] = reference_step
    if before is not None:
        old = before(IN_FEATURES, num_bins, num_frequencies, regularization_gamma=GAMMA)
        old.load_state_dict(fourier.state_dict())

        def before_step() -> None:
            old.zero_grad()
            old.loss(old(x), target).backward()

        steps["before"] = before_step
    return steps


def best_milliseconds(steps: dict[str, Callable[[], None]], rounds: int) -> dict[str, float]:
    """The fastest of `rounds` runs of each step: on a shared machine, the run least disturbed by others."""
    for step in steps.values():  # warm-up: allocator, FFT plans
        step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for round_index in range(rounds):
        for name in names[round_index % len(names) :] + names[: round_index % len(names)]:
            started = time.perf_counter()
            steps[name]()
            times[name].append(1000 * (time.perf_counter() - started))
    return {name: min(values) for name, values in times.items()}


def peak_megabytes(step: Callable[[], None]) -> float:
    """The most memory the step holds at once beyond what existed before it, from the allocator's events."""
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as recorded:
        step()
    handle, path = tempfile.mkstemp(suffix=".json")
    os.close(handle)
    try:
        recorded.export_chrome_trace(path)
        events = json.loads(Path(path).read_text())["traceEvents"]
    finally:
        os.unlink(path)
    memory = sorted((e for e in events if e.get("name") == "[memory]"), key=lambda e: e["ts"])
    if not memory:
        return 0.0
    start = memory[0]["args"]["Total Allocated"] - memory[0]["args"]["Bytes"]
    return (max(e["args"]["Total Allocated"] for e in memory) - start) / 1e6


def measure(
    num_bins: int, num_frequencies: int, rounds: int, literal: bool, before: type[nn.Module] | None
) -> tuple[dict[str, float], dict[str, float]]:
    """(milliseconds, peak MB) per step name, for one size."""
    torch.manual_seed(0)
    steps = training_steps(num_bins, num_frequencies, literal, before)
    milliseconds = best_milliseconds(steps, rounds)
    memory = {name: peak_megabytes(steps[name]) for name in ("linear", "fourier", "before") if name in steps}
    return milliseconds, memory


def benchmark(
    sizes: list[tuple[int, int]], rounds: int, literal: bool, before: type[nn.Module] | None
) -> list[dict]:
    """Measure every size, print a table as it goes; the rows as shipped in reference/runs/fourier/head/."""
    threads = torch.get_num_threads()
    print(
        f"batch {BATCH}, in_features {IN_FEATURES}, {threads} thread(s), torch {torch.__version__}, "
        f"fastest of {rounds} rounds; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    header = "| bins | N | linear ms | Fourier ms | Fourier / linear | linear MB | Fourier MB | MB ratio "
    rule = "|---|---|---|---|---|---|---|---|"
    if before is not None:
        header += "| before ms | before / linear | before MB ratio "
        rule += "---|---|---|"
    if literal:
        header += "| literal ms | literal / Fourier "
        rule += "---|---|"
    print(header + "| fused loss ms | fused / linear |")
    print(rule + "---|---|")
    rows = []
    for num_bins, num_frequencies in sizes:
        load = os.getloadavg()[0]
        ms, mb = measure(num_bins, num_frequencies, rounds, literal, before)
        rows.append(
            {
                "bins": num_bins,
                "N": num_frequencies,
                "rounds": rounds,
                "load_before": round(load, 1),
                "load_after": round(os.getloadavg()[0], 1),
                "ms": {name: round(value, 1) for name, value in ms.items()},
                "mb": {name: round(value, 1) for name, value in mb.items()},
            }
        )
        row = (
            f"| {num_bins} | {num_frequencies} | {ms['linear']:.1f} | {ms['fourier']:.1f} | "
            f"{ms['fourier'] / ms['linear']:.2f}x | {mb['linear']:.0f} | {mb['fourier']:.0f} | "
            f"{mb['fourier'] / mb['linear']:.2f}x | "
        )
        if before is not None:
            row += f"{ms['before']:.1f} | {ms['before'] / ms['linear']:.2f}x | "
            row += f"{mb['before'] / mb['linear']:.2f}x | "
        if literal:
            row += f"{ms['reference']:.1f} | {ms['reference'] / ms['fourier']:.2f}x | "
        print(row + f"{ms['fused']:.1f} | {ms['fused'] / ms['linear']:.2f}x |", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return rows


def write_speed(rows: list[dict], command: str) -> Path:
    """Merge the rows into reference/runs/fourier/head/speed.json (speed-<n>-threads.json for more than one
    torch thread), replacing rows of the same size."""
    threads = torch.get_num_threads()
    path = RUNS / ("speed.json" if threads == 1 else f"speed-{threads}-threads.json")
    shipped = json.loads(path.read_text()) if path.exists() else {"rows": []}
    measured = {(row["bins"], row["N"]) for row in rows}
    kept = [row for row in shipped["rows"] if (row["bins"], row["N"]) not in measured]
    merged = sorted(kept + [{**row, "command": command} for row in rows], key=lambda r: (r["bins"], r["N"]))
    facts = {
        "batch": BATCH,
        "in_features": IN_FEATURES,
        "gamma": GAMMA,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "rows": merged,
    }
    RUNS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(facts, indent=1) + "\n")
    return path


def profile_step(num_bins: int, num_frequencies: int, head_class: type[nn.Module], top: int) -> dict:
    """The operators that take a Fourier training step's time, by self CPU share (two steps profiled)."""
    torch.manual_seed(0)
    x = torch.randn(BATCH, IN_FEATURES)
    target = torch.randint(num_bins, (BATCH,))
    head = head_class(IN_FEATURES, num_bins, num_frequencies, regularization_gamma=GAMMA)

    def step() -> None:
        head.zero_grad()
        head.loss(head(x), target).backward()

    step()
    load = os.getloadavg()[0]
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as recorded:
        for _ in range(2):
            step()
    events = sorted(recorded.key_averages(group_by_input_shape=True), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in events)
    rows = [
        {
            "operator": event.key,
            "shape": list(next((s for s in event.input_shapes if s), [])),
            "calls": event.count // 2,
            "share": round(100 * event.self_cpu_time_total / total, 1),
        }
        for event in events[:top]
    ]
    print(f"{num_bins} bins, N = {num_frequencies}: top {top} of {len(events)} (operator, shapes), self time")
    print("| operator | first input shape | calls per step | share of self time |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| `{row['operator']}` | {tuple(row['shape'])} | {row['calls']} | {row['share']:.1f}% |")
    calls = sum(e.count for e in events) // 2
    print(f"{calls} operator calls per step; load average {load:.1f}")
    return {
        "bins": num_bins,
        "N": num_frequencies,
        "operator_calls": calls,
        "load_before": round(load, 1),
        "rows": rows,
    }


def quick() -> list[tuple[str, str, str, float, str]]:
    """Rows for benchmarks/bench.py: the Fourier head's time and peak memory over a linear head's, on one
    torch thread as the table of docs/fourier-head.md."""
    rows = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        measured = {
            size: measure(*size, rounds=3, literal=False, before=None) for size in [(4096, 64), (4096, 550)]
        }
    finally:
        torch.set_num_threads(threads)
    for (num_bins, num_frequencies), (ms, mb) in measured.items():
        what = f"FourierHead fwd+bwd, {num_bins} bins, N={num_frequencies}"
        rows.append(
            (
                f"{what}: time",
                f"{ms['fourier']:.0f} ms",
                f"{ms['linear']:.0f} ms linear head",
                ms["fourier"] / ms["linear"],
                f"<= {TARGET}",
            )
        )
        rows.append(
            (
                f"{what}: peak memory",
                f"{mb['fourier']:.0f} MB",
                f"{mb['linear']:.0f} MB linear head",
                mb["fourier"] / mb["linear"],
                f"<= {TARGET}",
            )
        )
    return rows


def mixture_density(z: torch.Tensor) -> torch.Tensor:
    """0.6·N(-0.45, 0.12²) + 0.4·N(0.3, 0.2²), not yet renormalised to [-1, 1]."""
    components = [(0.6, -0.45, 0.12), (0.4, 0.3, 0.2)]
    return sum(
        weight * torch.exp(-0.5 * ((z - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))
        for weight, mean, std in components
    )


def mixture_samples(count: int) -> torch.Tensor:
    samples = torch.cat([torch.randn(count) * 0.12 - 0.45, torch.randn(count) * 0.2 + 0.3])
    first = torch.rand(count) < 0.6
    samples = torch.where(first, samples[:count], samples[count:])
    return samples[samples.abs() < 1]


def fit(head: nn.Module, labels: torch.Tensor, steps: int) -> torch.Tensor:
    """Full-batch Adam on a constant input, so the head learns the marginal; returns its bin probabilities."""
    features = torch.ones(len(labels), 1)
    optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
    for _ in range(steps):
        log_probs = head(features)
        is_fourier = isinstance(head, FourierHead)
        loss = head.loss(log_probs, labels) if is_fourier else F.cross_entropy(log_probs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return torch.softmax(head(features[:1]), dim=-1)[0]


def plot_densities(path: Path, num_bins: int = 100, num_frequencies: int = 16, steps: int = 2000) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    torch.manual_seed(0)
    samples = mixture_samples(1000)
    edges = torch.linspace(-1, 1, num_bins + 1)
    labels = torch.bucketize(samples, edges[1:-1])
    fourier = FourierHead(1, num_bins, num_frequencies, regularization_gamma=GAMMA)
    started = time.perf_counter()
    learnt = {
        "linear head": fit(nn.Linear(1, num_bins), labels, steps),
        f"Fourier head, N = {num_frequencies}": fit(fourier, labels, steps),
    }
    seconds = time.perf_counter() - started
    centres = fourier.bin_centers
    truth = mixture_density(centres)
    truth_probs = truth / truth.sum()
    to_density = num_bins / 2  # probability per bin of width 2/num_bins -> density

    figure, axes = plt.subplots(figsize=(8, 4))
    grid = torch.linspace(-1, 1, 801)
    axes.plot(grid, mixture_density(grid) / (truth.sum() * 2 / num_bins), color="black", lw=2, label="true")
    for (label, probs), colour in zip(learnt.items(), ["tab:orange", "tab:blue"], strict=True):
        kl = (truth_probs * (truth_probs / probs).log()).sum().item()
        print(f"{label}: KL(true || learnt) = {kl:.4f}")
        axes.step(centres, probs * to_density, where="mid", color=colour, label=f"{label} (KL {kl:.3f})")
    axes.set(xlabel="z", ylabel="density", xlim=(-1, 1))
    axes.set_title(f"{len(samples):,} samples, {num_bins} bins, {steps} full-batch Adam steps each")
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    print(f"trained both heads in {seconds:.1f} s; wrote {path}")


def size(text: str) -> tuple[int, int]:
    bins, frequencies = text.split(":")
    return int(bins), int(frequencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"only {QUICK_SIZES} (bins, N), 3 rounds")
    parser.add_argument(
        "--sizes", type=size, nargs="+", metavar="BINS:N", help="instead of the default sizes"
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per head and size (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: steadier)")
    parser.add_argument("--no-literal", action="store_true", help="skip the literal implementation (slow)")
    parser.add_argument("--before", type=Path, metavar="HEAD_PY", help="also time FourierHead from this file")
    parser.add_argument("--profile", type=size, metavar="BINS:N", help="profile one Fourier training step")
    parser.add_argument("--top", type=int, default=14, help="operators listed by --profile (default 14)")
    parser.add_argument("--figure", type=Path, metavar="PNG", help="fit both heads, write the density plot")
    parser.add_argument("--write", action="store_true", help="ship them in reference/runs/fourier/head/")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    before = load_head_class(args.before) if args.before else None
    command = "python benchmarks/fourier_head.py " + " ".join(sys.argv[1:])
    if args.figure:
        plot_densities(args.figure)
    elif args.profile:
        found = profile_step(*args.profile, before or FourierHead, args.top)
        if args.write:
            label = "before" if before else "after"
            path = RUNS / f"profile-{args.profile[0]}-{args.profile[1]}-{label}.json"
            RUNS.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({**found, "command": command}, indent=1) + "\n")
            print(f"wrote {path}")
    else:
        sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
        rows = benchmark(sizes, 3 if args.quick else args.rounds, not args.no_literal, before)
        if args.write:
            print(f"wrote {write_speed(rows, command)}")


if __name__ == "__main__":
    main()
