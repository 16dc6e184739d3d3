"""The Fourier-head toy benchmark: how long the grid takes, and the table and curves of a finished grid.

python benchmarks/fourier_synthetic.py timing [--epochs 2] [--workers 2]
    trains every job of the paper grid (3 datasets x 22 heads x the seeds; one job per head, over
    the datasets and seeds) for a few epochs on the paper-profile data, one job at a time on one
    thread, and extrapolates to 500 epochs on W workers
python benchmarks/fourier_synthetic.py floor [--rows 200] [--frequencies 2 4 ...] [--write]
    the lowest KL a Fourier-N head can reach on each config when every test row gets its own
    amplitudes (no MLP, no generalisation): what N alone allows
python benchmarks/fourier_synthetic.py labels [--write]
    checks every row of the paper build against scipy's densities (KS tests, the true PMF, z_bin)
python benchmarks/fourier_synthetic.py report --results results/ [--load-log FILE]
    ships a finished grid: copies the over-seeds results.json of every (config, head) of
    `synthsuite baseline fourier-synthetic --all` to reference/runs/fourier/synthetic/, with run.json
    (command, wall time, load), and draws KL and smoothness against N (95% intervals) into docs/img/;
    then `python benchmarks/docs_tables.py --write` regenerates the doc's tables from those files
"""

import argparse
import heapq
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from synthsuite.baselines.fourier import synthetic
from synthsuite.datasets_src.access import open_dataset
from synthsuite.evaluation.fourier.synthetic import scoring
from synthsuite.evaluation.fourier.synthetic.tasks import TASKS

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "img"
RUNS = ROOT / "reference" / "runs" / "fourier" / "synthetic"
METRICS = ("kl_divergence", "smoothness", "mse")


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
    jobs = synthetic.plan_jobs(data, synthetic.paper_heads(), args.seeds, settings)
    print(f"{'job':<34}{'models':>7}{'seconds':>9}{'µs/model-step':>15}{'500 epochs':>12}")
    full = []
    for job in jobs:
        started = time.perf_counter()
        synthetic.train_job(job)
        seconds = time.perf_counter() - started
        configs = "+".join(dict.fromkeys(run.config for run in job.runs))
        label = f"{job.runs[0].head.name} ({configs})"
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
    table: dict[str, dict[str, float]] = {}
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
        table[task.dataset.config] = dict(zip(map(str, args.frequencies), cells, strict=True))
    if args.write:
        RUNS.mkdir(parents=True, exist_ok=True)
        facts = {"rows": args.rows, "steps": args.steps, "kl": table}
        (RUNS / "floor.json").write_text(json.dumps(facts, indent=1) + "\n")
        print(f"wrote {(RUNS / 'floor.json').relative_to(ROOT)}")


def labels(args: argparse.Namespace) -> None:
    """Check every row of the paper build against scipy's densities; write RUNS/label-checks.json."""
    from scipy import stats

    folder, _ = _paper_data(args.dataset)
    source = open_dataset(folder)
    centers = (np.arange(50) + 0.5) / 25 - 1
    checks = {}
    for task in TASKS:
        config = task.dataset.config
        table = {
            split: source.read(config, split, ["x", "y", "z", "z_bin", "true_pmf"]).to_pydict()
            for split in ("train", "test")
        }
        x, y, z = (np.concatenate([np.array(table[s][c]) for s in table]) for c in ("x", "y", "z"))
        z_bin = np.concatenate([np.array(table[s]["z_bin"]) for s in table])
        pmf = np.concatenate([np.array(table[s]["true_pmf"]) for s in table])
        if config == "gaussian":
            cdf, density = stats.norm.cdf(z, y, 0.1), stats.norm.pdf(centers, y[:, None], 0.1)
        elif config == "gmm2":
            cdf = 0.5 * stats.norm.cdf(z, x, 0.1) + 0.5 * stats.norm.cdf(z, y, 0.1)
            density = stats.norm.pdf(centers, x[:, None], 0.1) + stats.norm.pdf(centers, y[:, None], 0.1)
        else:
            cdf = 0.5 + 0.5 * np.sign(z) * stats.beta.cdf(np.abs(z), 100 * np.abs(x), 100 * np.abs(y))
            density = stats.beta.pdf(np.abs(centers), 100 * np.abs(x[:, None]), 100 * np.abs(y[:, None]))
        expected = density / density.sum(-1, keepdims=True)
        checks[config] = {
            "rows": len(z),
            "ks_pvalue_z_given_xy": float(stats.kstest(cdf, "uniform").pvalue),
            "ks_pvalue_x_uniform": float(stats.kstest(x, stats.uniform(-0.8, 1.6).cdf).pvalue),
            "max_abs_true_pmf_minus_scipy": float(np.abs(pmf - expected).max()),
            "z_bin_matches_digitize": int((np.clip(np.floor((z + 1) * 25), 0, 49) == z_bin).sum()),
        }
        print(config, checks[config])
    if args.write:
        RUNS.mkdir(parents=True, exist_ok=True)
        (RUNS / "label-checks.json").write_text(json.dumps(checks, indent=1) + "\n")
        print(f"wrote {(RUNS / 'label-checks.json').relative_to(ROOT)}")


def _results(folder: Path) -> dict[tuple[str, str], dict]:
    table = {}
    for path in sorted(folder.glob("*/*/results.json")):
        result = json.loads(path.read_text())
        table[result["dataset"]["config"], result["model"]["name"].removeprefix("mlp-")] = result
    return table


def ship(results: Path, target: Path, wall_seconds: float, loads: list[float], command: str) -> None:
    """Copy each (config, head)'s results.json (every seed's scores inside) and the run's facts to target."""
    grid = _results(results / "fourier-synthetic")
    if not grid:
        raise SystemExit(
            f"no fourier-synthetic results under {results}; run `synthsuite baseline fourier-synthetic`"
        )
    for (config, head), result in grid.items():
        path = target / config / head / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=1) + "\n")
    run = {
        "command": command,
        "wall_seconds": round(wall_seconds),
        "cores": os.cpu_count(),
        "load_min": min(loads),
        "load_max": max(loads),
        "load_mean": round(float(np.mean(loads)), 2),
        "load_samples": len(loads),
    }
    (target / "run.json").write_text(json.dumps(run, indent=1) + "\n")
    print(f"shipped {len(grid)} results to {target}")


def curves(out: Path) -> list[Path]:
    """KL and smoothness against N (γ = 0 and 1e-6, 95% intervals), linear and GMM as lines, from RUNS."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from synthsuite.kernel.stats import mean_interval

    grid = _results(RUNS)
    seeds = len(next(iter(grid.values()))["seeds"])
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for metric, label in (("kl_divergence", "KL divergence"), ("smoothness", "smoothness")):
        figure, axes = plt.subplots(1, 3, figsize=(13, 3.6), constrained_layout=True)
        for axis, config in zip(axes, ("gaussian", "gmm2", "beta"), strict=True):
            for gamma, style in ((0.0, "o-"), (1e-6, "s--")):
                suffix = f"-gamma{gamma:g}" if gamma else ""
                n = np.array(synthetic.PAPER_FREQUENCIES)
                intervals = [
                    mean_interval(
                        [
                            s[metric]
                            for s in grid[config, f"fourier-{k}{suffix}"]["settings"]["per_seed"].values()
                        ]
                    )
                    for k in n
                ]
                mean = np.array([i.mean for i in intervals])
                axis.plot(n, mean, style, label=f"Fourier, γ={gamma:g}")
                axis.fill_between(n, [i.low for i in intervals], [i.high for i in intervals], alpha=0.15)
            for head, color in (("linear", "black"), ("gmm", "tab:green")):
                axis.axhline(grid[config, head]["scores"]["test"][metric], color=color, ls=":", label=head)
            axis.set_title(config)
            axis.set_xlabel("Fourier frequencies N")
            axis.set_xticks(synthetic.PAPER_FREQUENCIES)
        axes[0].set_ylabel(f"{label} (lower is better)")
        axes[0].legend(fontsize=8)
        figure.suptitle(f"mean over {seeds} seeds, shaded: 95% interval of the mean", fontsize=9)
        path = out / f"fourier-synthetic-{metric.replace('_', '-')}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    return written


def report(args: argparse.Namespace) -> None:
    if args.results is not None:
        loads = (
            [float(line.split()[1]) for line in args.load_log.read_text().splitlines()]
            if args.load_log
            else []
        )
        ship(
            args.results, RUNS.parent / args.target, args.wall_seconds, loads or [float("nan")], args.command
        )
    if args.target == RUNS.name:
        for path in curves(IMAGES):
            print(f"wrote {path.relative_to(ROOT)}")
    print("now: python benchmarks/docs_tables.py --write")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    time_it = commands.add_parser("timing", help="time every job of the grid for a few epochs")
    time_it.add_argument("--epochs", type=int, default=2)
    time_it.add_argument("--workers", type=int, default=2)
    time_it.add_argument("--seeds", type=int, nargs="+", default=list(synthetic.PAPER_SEEDS))
    time_it.add_argument("--dataset", type=Path, help="a paper-profile build (default: generate one)")
    time_it.set_defaults(handler=timing)
    fit = commands.add_parser("floor", help="the lowest KL each N allows, fitting every test row alone")
    fit.add_argument("--rows", type=int, default=200, help="test rows per config (default 200)")
    fit.add_argument("--steps", type=int, default=1500, help="Adam steps (default 1500)")
    fit.add_argument("--frequencies", type=int, nargs="+", default=list(synthetic.PAPER_FREQUENCIES))
    fit.add_argument("--dataset", type=Path, help="a paper-profile build (default: generate one)")
    fit.add_argument("--write", action="store_true", help="ship the table to reference/runs/.../floor.json")
    fit.set_defaults(handler=floor)
    check = commands.add_parser("labels", help="every row of the paper build against scipy's densities")
    check.add_argument("--dataset", type=Path, help="a paper-profile build (default: generate one)")
    check.add_argument(
        "--write", action="store_true", help="ship the checks to reference/runs/.../label-checks.json"
    )
    check.set_defaults(handler=labels)
    show = commands.add_parser("report", help="ship a finished grid's results and draw its curves")
    show.add_argument(
        "--results", type=Path, help="the grid's --out folder (default: redraw from reference/runs)"
    )
    show.add_argument(
        "--target",
        default=RUNS.name,
        help="folder under reference/runs/fourier/ (default: synthetic, the grid)",
    )
    show.add_argument("--wall-seconds", type=float, default=float("nan"), help="the grid's wall time")
    show.add_argument("--load-log", type=Path, help="lines 'UNIX_TIME LOAD1 ...' sampled during the run")
    show.add_argument(
        "--command", default="synthsuite baseline fourier-synthetic --all --seeds 1 2 3 4 5 6 7 8 9 10"
    )
    show.set_defaults(handler=report)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
