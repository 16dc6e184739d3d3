"""The Fourier-head toy benchmark: how long the grid takes, and the table and curves of a finished grid.

python benchmarks/fourier_synthetic.py timing [--epochs 2] [--workers 2]
    trains every job of the paper grid (3 datasets x 22 heads x 4 seeds) for a few epochs on the
    paper-profile data, one job at a time on one thread, and extrapolates to 500 epochs on W workers
python benchmarks/fourier_synthetic.py floor [--rows 200] [--frequencies 2 4 ...]
    the lowest KL a Fourier-N head can reach on each config when every test row gets its own
    amplitudes (no MLP, no generalisation): what N alone allows
python benchmarks/fourier_synthetic.py report --results results/
    reads the results.json of `synthsuite baseline fourier-synthetic --all`, prints our table next to
    the paper's, draws KL and smoothness against N into docs/img/ and, with --write-docs, puts the
    table into docs/fourier-synthetic.md between its `results` markers
"""

import argparse
import heapq
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from synthsuite.baselines.fourier import synthetic
from synthsuite.datasets_src.access import open_dataset
from synthsuite.evaluation.fourier import scoring
from synthsuite.evaluation.fourier.synthetic.tasks import TASKS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "fourier-synthetic.md"
IMAGES = ROOT / "docs" / "img"
MARKERS = ("<!-- results:start -->", "<!-- results:end -->")
METRICS = ("kl_divergence", "smoothness", "mse")

# The paper's numbers (the repository's committed results: mean over seeds 1, 2, 3, 42)
PAPER = {
    ("gaussian", "linear"): (0.170, 0.116, 0.0106),
    ("gaussian", "gmm"): (0.026, 0.068, 0.0104),
    ("gaussian", "fourier-12"): (0.116, 0.057, 0.0124),
    ("gmm2", "linear"): (0.238, 0.068, 0.1265),
    ("gmm2", "gmm"): (0.030, 0.043, 0.1198),
    ("gmm2", "fourier-12"): (0.146, 0.038, 0.1229),
    ("beta", "linear"): (0.234, 0.127, 0.2758),
    ("beta", "gmm"): (0.407, 0.061, 0.2733),
    ("beta", "fourier-12"): (0.191, 0.076, 0.2749),
}


def _paper_data(folder: Path | None) -> tuple[str, dict[str, synthetic.SplitData]]:
    """The paper-profile build (generated into a temporary folder unless given) and its data."""
    from synthsuite.datasets_src import engine
    from synthsuite.datasets_src.executors import make_executor
    from synthsuite.datasets_src.generator import get_generator

    if folder is None:
        folder = Path(tempfile.mkdtemp()) / "fourier-synthetic"
        generator = get_generator("fourier-synthetic")
        engine.generate(
            generator,
            folder,
            configs=list(generator.configs),
            profile="paper",
            seed=0,
            limit=None,
            executor=make_executor("local", 1),
            command="benchmarks/fourier_synthetic.py",
            progress=False,
        )
    return str(folder), {t.dataset.config: synthetic.load_data(t, str(folder)) for t in TASKS}


def _makespan(seconds: list[float], workers: int) -> float:
    """Wall time of jobs handed out largest first to the first free worker (what the executor does)."""
    finish = [0.0] * workers
    for job in sorted(seconds, reverse=True):
        heapq.heapreplace(finish, finish[0] + job)
    return max(finish)


def timing(args: argparse.Namespace) -> None:
    _, data = _paper_data(args.dataset)
    settings = synthetic.TrainSettings(epochs=args.epochs)
    jobs = synthetic.plan_jobs(data, synthetic.paper_heads(), synthetic.PAPER_SEEDS, settings)
    print(f"{'job':<34}{'models':>7}{'seconds':>9}{'µs/model-step':>15}{'500 epochs':>12}")
    full = []
    for job in jobs:
        started = time.perf_counter()
        synthetic.train_job(job)
        seconds = time.perf_counter() - started
        runs = job.runs[0].head
        label = f"{job.config} {runs.kind}" + (f" gamma={runs.gamma:g}" if runs.kind == "fourier" else "")
        scaled = seconds * synthetic.TrainSettings().epochs / args.epochs
        full.append(scaled)
        per_step = 1e6 * seconds / job.model_steps
        print(f"{label:<34}{len(job.runs):>7}{seconds:>9.1f}{per_step:>15.0f}{scaled:>11.0f}s")
    models = sum(len(job.runs) for job in jobs)
    print(f"\n{models} models; one worker: {sum(full) / 60:.1f} min for 500 epochs")
    print(f"{args.workers} workers (largest job first): {_makespan(full, args.workers) / 60:.1f} min")


def floor(args: argparse.Namespace) -> None:
    import torch

    from synthsuite.baselines.fourier.head import FourierHead

    torch.set_num_threads(1)  # small matrices: a second thread only waits on the first
    folder, _ = _paper_data(args.dataset)
    print(f"{'config':<10}" + "".join(f"{'N=' + str(n):>9}" for n in args.frequencies))
    for task in TASKS:
        truth = scoring.DistributionScorer().references(task, open_dataset(folder), "test").values
        truth = torch.tensor(truth[: args.rows])
        one_hot = torch.eye(
            len(truth), dtype=torch.float64
        )  # the head's linear map holds each row's amplitudes
        cells = []
        for n in args.frequencies:
            torch.manual_seed(0)
            head = FourierHead(
                len(truth), 50, n, init_weight_divisor=1, init_bias_divisor=1, dtype=torch.float64
            )
            optimizer = torch.optim.Adam(head.parameters(), lr=0.02)
            for _ in range(args.steps):
                predicted = torch.log_softmax(head(one_hot), -1)
                kl = (truth * (torch.log(truth.clamp_min(1e-300)) - predicted)).sum(-1).mean()
                optimizer.zero_grad()
                kl.backward()
                optimizer.step()
            cells.append(kl.item())
        print(f"{task.dataset.config:<10}" + "".join(f"{c:>9.4f}" for c in cells), flush=True)


def _results(folder: Path) -> dict[tuple[str, str], dict]:
    table = {}
    for path in sorted(folder.glob("fourier-synthetic/*/*/results.json")):
        result = json.loads(path.read_text())
        config = result["dataset"]["config"]
        head = result["model"]["name"].removeprefix("mlp-")
        table[config, head] = result
    if not table:
        raise SystemExit(
            f"no fourier-synthetic results under {folder}; run `synthsuite baseline fourier-synthetic --all`"
        )
    return table


def _cell(result: dict, metric: str) -> str:
    mean = result["scores"]["test"][metric]
    std = result["settings"]["std_over_seeds"][metric]
    digits = 4 if metric == "mse" else 3
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def markdown(results: dict[tuple[str, str], dict]) -> str:
    lines = [
        "| dataset | head | KL ↓ (ours) | KL (paper) | smoothness ↓ (ours) | smoothness (paper) "
        "| MSE ↓ (ours) | MSE (paper) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for config in ("gaussian", "gmm2", "beta"):
        for head in ("linear", "gmm", "fourier-12"):
            result, paper = results.get((config, head)), PAPER[config, head]
            ours = [_cell(result, m) if result else "—" for m in METRICS]
            lines.append(
                f"| {config} | {head} | {ours[0]} | {paper[0]:.3f} | {ours[1]} | {paper[1]:.3f} "
                f"| {ours[2]} | {paper[2]:.4f} |"
            )
    lines += ["", "Fourier-12 against linear (negative: Fourier is lower, i.e. better):", ""]
    lines += ["| dataset | KL | smoothness |", "|---|---|---|"]
    for config in ("gaussian", "gmm2", "beta"):
        linear, fourier = results.get((config, "linear")), results.get((config, "fourier-12"))
        if linear and fourier:
            change = [
                fourier["scores"]["test"][m] / linear["scores"]["test"][m] - 1
                for m in ("kl_divergence", "smoothness")
            ]
            lines.append(f"| {config} | {change[0]:+.0%} | {change[1]:+.0%} |")
    return "\n".join(lines)


def curves(results: dict[tuple[str, str], dict], out: Path) -> list[Path]:
    """KL and smoothness against N, γ = 0 and 1e-6, with linear and GMM as horizontal lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for metric, label in (("kl_divergence", "KL divergence"), ("smoothness", "smoothness")):
        figure, axes = plt.subplots(1, 3, figsize=(13, 3.6), constrained_layout=True)
        for axis, config in zip(axes, ("gaussian", "gmm2", "beta"), strict=True):
            for gamma, style in ((0.0, "o-"), (1e-6, "s--")):
                suffix = f"-gamma{gamma:g}" if gamma else ""
                points = [
                    (n, results[config, f"fourier-{n}{suffix}"])
                    for n in synthetic.PAPER_FREQUENCIES
                    if (config, f"fourier-{n}{suffix}") in results
                ]
                if points:
                    n = np.array([p[0] for p in points])
                    mean = np.array([p[1]["scores"]["test"][metric] for p in points])
                    std = np.array([p[1]["settings"]["std_over_seeds"][metric] for p in points])
                    axis.plot(n, mean, style, label=f"Fourier, γ={gamma:g}")
                    axis.fill_between(n, mean - std, mean + std, alpha=0.15)
            for head, color in (("linear", "black"), ("gmm", "tab:green")):
                if (config, head) in results:
                    axis.axhline(
                        results[config, head]["scores"]["test"][metric], color=color, ls=":", label=head
                    )
            axis.set_title(config)
            axis.set_xlabel("Fourier frequencies N")
            axis.set_xticks(synthetic.PAPER_FREQUENCIES)
        axes[0].set_ylabel(f"{label} (lower is better)")
        axes[0].legend(fontsize=8)
        path = out / f"fourier-synthetic-{metric.replace('_', '-')}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    return written


def report(args: argparse.Namespace) -> None:
    results = _results(args.results)
    table = markdown(results)
    print(table)
    paths = curves(results, IMAGES)
    for path in paths:
        print(f"wrote {path.relative_to(ROOT)}")
    if args.write_docs:
        text = DOCS.read_text()
        start, end = text.index(MARKERS[0]) + len(MARKERS[0]), text.index(MARKERS[1])
        figures = "\n".join(f"![{p.stem}](img/{p.name})" for p in paths)
        DOCS.write_text(f"{text[:start]}\n{table}\n\n{figures}\n{text[end:]}")
        print(f"updated {DOCS.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    time_it = commands.add_parser("timing", help="time every job of the grid for a few epochs")
    time_it.add_argument("--epochs", type=int, default=2)
    time_it.add_argument("--workers", type=int, default=2)
    time_it.add_argument("--dataset", type=Path, help="a paper-profile build (default: generate one)")
    time_it.set_defaults(handler=timing)
    fit = commands.add_parser("floor", help="the lowest KL each N allows, fitting every test row alone")
    fit.add_argument("--rows", type=int, default=200, help="test rows per config (default 200)")
    fit.add_argument("--steps", type=int, default=1500, help="Adam steps (default 1500)")
    fit.add_argument("--frequencies", type=int, nargs="+", default=list(synthetic.PAPER_FREQUENCIES))
    fit.add_argument("--dataset", type=Path, help="a paper-profile build (default: generate one)")
    fit.set_defaults(handler=floor)
    show = commands.add_parser("report", help="table and curves of a finished grid")
    show.add_argument("--results", type=Path, default=Path("results"))
    show.add_argument(
        "--write-docs", action="store_true", help="put the table into docs/fourier-synthetic.md"
    )
    show.set_defaults(handler=report)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
