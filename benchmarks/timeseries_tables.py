"""The time-series suite's tables for docs/fidelity.md (see benchmarks/docs_tables.py).

From `reference/runs/timeseries/fourier-forecast.json` (`python benchmarks/timeseries_report.py
summarize`), the summary behind docs/timeseries.md's own results table: each head's per-seed scores.
"""

import json
from pathlib import Path

import numpy as np

from synthsuite.kernel.stats import difference_interval, mean_interval

METRICS = {
    "mase_relative": ("MASE rel.", 3),
    "wql_relative": ("WQL rel.", 3),
    "smoothness": ("smoothness", 4),
}
# Table 3 of the Fourier Head paper (zero-shot Benchmark II): linear, then Fourier-550.
PAPER = {"mase_relative": (0.883, 0.852), "wql_relative": (0.750, 0.749), "smoothness": (0.1689, 0.0283)}

TASKS = ("timeseries/real", "timeseries/synthetic")
SUMMARY_METRICS = ("mase_relative", "wql_relative", "smoothness")


def _cell(values: list[float], digits: int) -> str:
    found = mean_interval(values)
    return f"{found.mean:.{digits}f} [{found.low:.{digits}f}, {found.high:.{digits}f}]"


def reproduction(runs: Path) -> str:
    summary = json.loads((runs / "timeseries" / "fourier-forecast.json").read_text())
    heads = summary["results"]["timeseries/real"]
    linear, fourier = heads["linear"], heads["fourier-550"]
    seeds = ", ".join(map(str, linear["seeds"]))
    lines = [
        f"`timeseries/real`, seeds {seeds}: mean [95% t interval]; Fourier-550 − linear with its 95% Welch "
        "interval. Paper: Table 3 (its 20 zero-shot datasets, not these series).",
        "",
        "| metric | linear | Fourier-550 | Fourier − linear | paper: linear | paper: Fourier-550 | "
        "what the interval supports |",
        "|---|---|---|---|---|---|---|",
    ]
    for metric, (label, digits) in METRICS.items():
        a, b = linear["per_seed"][metric], fourier["per_seed"][metric]
        difference = difference_interval(b, a)
        if difference.high < 0:
            verdict = "Fourier lower"
        elif difference.low > 0:
            verdict = "linear lower"
        else:
            verdict = "not resolved (holds 0)"
        cell = f"{difference.mean:+.{digits}f} [{difference.low:+.{digits}f}, {difference.high:+.{digits}f}]"
        lines.append(
            f"| {label} | {_cell(a, digits)} | {_cell(b, digits)} | {cell} | {PAPER[metric][0]:.{digits}f} "
            f"| {PAPER[metric][1]:.{digits}f} | {verdict} |"
        )
    return "\n".join(lines)


def _summary_cell(entry: dict, metric: str) -> str:
    digits = 4 if metric == "smoothness" else 3
    return f"{entry['mean'][metric]:.{digits}f} ± {entry['ci95_half_width'][metric]:.{digits}f}"


def results(runs: Path) -> str:
    """docs/timeseries.md's results: every task and head beside Table 3, per-seed changes, training."""
    summary = json.loads((runs / "timeseries" / "fourier-forecast.json").read_text())
    lines = [
        "| task | head | seeds | MASE rel. ↓ | (paper) | WQL rel. ↓ | (paper) | smoothness ↓ | (paper) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for task in TASKS:
        for head, entry in sorted(summary["results"].get(task, {}).items()):
            paper = summary["paper_table_3"].get(head, {}) if task == "timeseries/real" else {}
            cells = [f"{_summary_cell(entry, m)} | {paper.get(m, '—')}" for m in SUMMARY_METRICS]
            seeds = ", ".join(map(str, entry["seeds"]))
            lines.append(f"| {task} | {head} | {seeds} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Fourier-550 against linear, per seed (negative: Fourier lower, i.e. better):")
    lines.append("")
    lines.append("| task | MASE rel. | WQL rel. | smoothness |")
    lines.append("|---|---|---|---|")
    for task in TASKS:
        heads = summary["results"].get(task, {})
        if "linear" not in heads or "fourier-550" not in heads:
            continue
        cells = []
        for metric in SUMMARY_METRICS:
            linear, fourier = (np.array(heads[h]["per_seed"][metric]) for h in ("linear", "fourier-550"))
            change = 100 * (fourier - linear) / linear
            cells.append(
                ", ".join(f"{c:+.0f}%" for c in change)
                + f" (mean {100 * (fourier.mean() / linear.mean() - 1):+.0f}%)"
            )
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Training (each run, the same budget):")
    lines.append("")
    lines.append("| head | parameters | seed | tokens/s | train s | load before, after | final loss |")
    lines.append("|---|---|---|---|---|---|---|")
    for head, runs in sorted(summary["training"].items()):
        for run in runs:
            before, after = run["load_average_before_after"]
            lines.append(
                f"| {head} | {run['parameters']:,} | {run['seed']} | {run['tokens_per_second']:,.0f} | "
                f"{run['train_seconds']:,.0f} | {before:.1f}, {after:.1f} | {run['final_loss']:.3f} |"
            )
    return "\n".join(lines)



TABLES = {"timeseries-reproduction": reproduction, "timeseries-results": results}
