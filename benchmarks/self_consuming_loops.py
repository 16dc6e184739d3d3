"""Figures of the self-consuming loops, from the results files that ship.

    python benchmarks/self_consuming_loops.py report          # figures -> docs/img/self-consuming-*.png

The results files are what `synthsuite baseline self-consuming` wrote (OUT/self-consuming/<experiment>/
<n>/results.json), copied to reference/runs/self-consuming/<experiment>.json, each with a
<experiment>.run.json beside it: the command, the machine load it ran under, its wall and CPU time.
Figures: each metric against the generation, one curve per arm (the mean over seeds), the seeds as a
band (the 95% t-interval of the mean; none with one seed); and where the time of a generation goes.
The docs' tables from the same files are generated regions (benchmarks/self_consuming_tables.py):
`python benchmarks/docs_tables.py [--write]` checks (rewrites) them.
"""

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "reference" / "runs" / "self-consuming"
IMAGES = ROOT / "docs" / "img"
EXPERIMENTS = ("gaussian", "digits", "motion")
METRICS = {  # what the figures and tables show of the digits and motion loops
    "digits": ["fid", "diversity", "class_accuracy"],
    "motion": ["fid", "diversity", "matching_score", "r_precision_top3", "phys_err"],
}
LABELS = {
    "w2": "Wasserstein-2 to N(0, I)",
    "fid": "FID",
    "diversity": "Diversity",
    "class_accuracy": "class accuracy",
    "matching_score": "Matching score",
    "r_precision_top3": "R-precision (top 3)",
    "phys_err": "Phys-Err (mm)",
    "skate": "Skate (mm)",
}
ARM_COLOURS = {"real-only": "black", "self-consuming": "tab:red", "self-correcting": "tab:blue"}


def load(experiment: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    path = RESULTS / f"{experiment}.json"
    if not path.exists():
        return None
    run = RESULTS / f"{experiment}.run.json"
    return json.loads(path.read_text()), json.loads(run.read_text()) if run.exists() else {}


def by_arm(results: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    arms: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for run in results["runs"]:
        arms[run["key"]].append(run)
    return dict(arms)


def band(runs: list[dict[str, Any]], metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per generation: the mean over seeds and its 95% t-interval (the mean itself with one seed)."""
    from synthsuite.kernel.stats import mean_interval

    values = np.array([r["metrics"][metric] for r in runs])
    intervals = [mean_interval(values[:, g]) for g in range(values.shape[1])]
    return (
        np.array([i.mean for i in intervals]),
        np.array([i.low for i in intervals]),
        np.array([i.high for i in intervals]),
    )


def arm_label(run: dict[str, Any]) -> str:
    if run["arm"] == "self-correcting" and run["gamma"] is not None:
        return f"γ = {run['gamma']:g}"
    return run["arm"]


# --- figures -------------------------------------------------------------------------------------------


def _plot_arm(ax, runs: list[dict[str, Any]], metric: str, colour: str, label: str) -> None:
    mean, low, high = band(runs, metric)
    generations = np.arange(len(mean))
    ax.plot(generations, mean, color=colour, label=label, linewidth=1.2)
    if len(runs) > 1:
        ax.fill_between(generations, low, high, color=colour, alpha=0.15, linewidth=0)


def gaussian_figure(results: dict[str, Any]) -> Path:
    import matplotlib.pyplot as plt

    arms = by_arm(results)
    corrected = sorted(
        (k for k in arms if arms[k][0]["arm"] == "self-correcting"), key=lambda k: arms[k][0]["gamma"]
    )
    colours = plt.cm.viridis(np.linspace(0.95, 0.05, len(corrected)))
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for key in ("real-only", *(k for k in arms if arms[k][0]["arm"] == "self-consuming")):
        if key in arms:
            _plot_arm(ax, arms[key], "w2", ARM_COLOURS[arms[key][0]["arm"]], arm_label(arms[key][0]))
    for key, colour in zip(corrected, colours, strict=True):
        _plot_arm(ax, arms[key], "w2", colour, f"self-correcting, {arm_label(arms[key][0])}")
    seeds = len(results["seeds"])
    ax.set(
        xlabel="generation",
        ylabel=LABELS["w2"],
        title=f"Gaussian toy: n = 50, λ = 0.5, {seeds} seeds (bands: 95% CI)",
    )
    ax.set_ylim(bottom=0)
    ax.grid(linewidth=0.3)
    ax.legend(fontsize=7, ncol=2)
    return _save(fig, "self-consuming-gaussian.png")


def curves_figure(results: dict[str, Any], metrics: list[str], name: str, title: str) -> Path:
    """One column per λ, one row per metric, one curve per arm (the real-only arm in every column)."""
    import matplotlib.pyplot as plt

    arms = by_arm(results)
    ratios = sorted({r["ratio"] for r in results["runs"] if r["arm"] != "real-only"})
    wide = len(ratios) == 1  # one λ: the metrics side by side instead of one above the other
    rows, columns = (1, len(metrics)) if wide else (len(metrics), len(ratios))
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns + 0.8, 2.6 * rows + 0.4), squeeze=False)
    for c, ratio in enumerate(ratios):
        for r, metric in enumerate(metrics):
            ax = axes[0][r] if wide else axes[r][c]
            for runs in arms.values():
                arm = runs[0]["arm"]
                if arm == "real-only" or runs[0]["ratio"] == ratio:
                    _plot_arm(ax, runs, metric, ARM_COLOURS[arm], arm)
            ax.grid(linewidth=0.3)
            if wide:
                ax.set(title=LABELS.get(metric, metric), xlabel="generation")
                continue
            if r == 0:
                ax.set_title(f"λ = {ratio:g}")
            if c == 0:
                ax.set_ylabel(LABELS.get(metric, metric))
            if r == len(metrics) - 1:
                ax.set_xlabel("generation")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title)
    return _save(fig, name)


def performance_figure(found: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> Path:
    """Wall seconds of one generation by stage, per experiment (one panel each) and arm kind."""
    import matplotlib.pyplot as plt

    stages = ["sample", "correct", "fit", "evaluate"]
    colours = ["tab:orange", "tab:blue", "tab:green", "tab:gray"]
    fig, axes = plt.subplots(1, len(found), figsize=(4.2 * len(found), 2.6), squeeze=False)
    for ax, (experiment, (results, _)) in zip(axes[0], found.items(), strict=True):
        names, rows = [], []
        for kind in ("real-only", "self-consuming", "self-correcting"):
            runs = [r for r in results["runs"] if r["arm"] == kind]
            if runs:
                generations = sum(len(r["seconds"]) - 1 for r in runs)
                totals: dict[str, float] = defaultdict(float)
                for r in runs:
                    for stage, value in r["stage_seconds"].items():
                        totals[stage] += value / generations
                names.append(kind)
                rows.append(totals)
        left = np.zeros(len(rows))
        for stage, colour in zip(stages, colours, strict=True):
            widths = np.array([r.get(stage, 0.0) for r in rows])
            ax.barh(names, widths, left=left, color=colour, label=stage)
            left += widths
        ax.invert_yaxis()
        ax.set(title=experiment, xlabel="wall seconds per generation")
        ax.tick_params(axis="y", labelsize=8)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(
        "Where a generation's time goes (wall, on the shared machine; loads in docs/benchmarks.md)",
        fontsize=9,
    )
    return _save(fig, "self-consuming-performance.png")


def _save(fig, name: str) -> Path:
    IMAGES.mkdir(parents=True, exist_ok=True)
    path = IMAGES / name
    fig.tight_layout()
    fig.savefig(path, dpi=130, metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def report(args: argparse.Namespace) -> int:
    found = {name: data for name in EXPERIMENTS if (data := load(name)) is not None}
    if not found:
        print(f"no results in {RESULTS.relative_to(ROOT)}", file=sys.stderr)
        return 1
    if "gaussian" in found:
        print(gaussian_figure(found["gaussian"][0]).relative_to(ROOT))
    if "digits" in found:
        title = "Digits: FID, diversity, class accuracy per generation (mean over seeds, band 95% CI)"
        print(
            curves_figure(
                found["digits"][0],
                METRICS["digits"],
                "self-consuming-digits.png",
                title,
            ).relative_to(ROOT)
        )
    if "motion" in found:
        print(
            curves_figure(
                found["motion"][0],
                METRICS["motion"],
                "self-consuming-motion.png",
                "Motion: n = 64, λ = 1, seed 10 (one seed: no band)",
            ).relative_to(ROOT)
        )
    print(performance_figure(found).relative_to(ROOT))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("report", help="the figures from reference/runs/self-consuming/")
    made.set_defaults(handler=report)
    args = parser.parse_args()
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
