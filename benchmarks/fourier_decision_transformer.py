"""Decision Transformer speed (training samples/s, evaluation episodes/s), and the report of a results folder.

    nice -n 19 python benchmarks/fourier_decision_transformer.py --dataset DIR --game seaquest
    python benchmarks/fourier_decision_transformer.py --report results/ \
        --figure docs/img/decision-transformer.png

Speed: the default model of `DTConfig` (2 layers, 4 heads, 64 dimensions, context 20, batch 64) with
each head, on one thread. A sample is one context window (20 steps, 60 tokens); the figure is the best
of `--rounds` runs of `--steps` gradient steps. Evaluation: an untrained model of the same size plays
`--episodes` episodes, 32 at a time, with the evaluator of the tasks (untrained, it plays about as long as
a random policy; a better agent plays longer episodes).

Report: reads OUT/<task>/<head>/seed-*.curve.json written by `synthsuite baseline decision-transformer`,
prints the markdown table of docs/fourier-decision-transformer.md and draws the learning curves.
"""

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from synthsuite.baselines.fourier import decision_transformer as dt
from synthsuite.datasets_src.executors import one_torch_thread
from synthsuite.evaluation.fourier.minatar.evaluator import play


def training_samples_per_second(replay: dt.Replay, head: str, steps: int) -> float:
    config = dt.make_config(steps=steps, eval_every=0)
    return dt.train(
        replay, config, dt.HeadSpec.parse(head, replay.game.num_actions), seed=0
    ).samples_per_second


def evaluation_episodes_per_second(replay: dt.Replay, head: str, episodes: int) -> tuple[float, float]:
    """(episodes/s, mean episode length) of an untrained model."""
    config = dt.make_config()
    model = dt.DecisionTransformer(
        config, replay.game, dt.HeadSpec.parse(head, replay.game.num_actions), 1000, 1.0
    )
    outcome = play(replay.game, dt.DTPolicy(model, replay.best_return), episodes, seed=0)
    return episodes / outcome.seconds, float(outcome.lengths.mean())


def speed(args: argparse.Namespace) -> None:
    replay, _ = dt.load_replay(args.dataset, args.game)
    print(f"| {args.game} | training samples/s | timesteps/s | evaluation episodes/s | mean episode steps |")
    print("|---|---|---|---|---|")
    with one_torch_thread():
        for head in ("linear", "fourier"):
            samples = max(training_samples_per_second(replay, head, args.steps) for _ in range(args.rounds))
            episodes, length = max(
                evaluation_episodes_per_second(replay, head, args.episodes) for _ in range(args.rounds)
            )
            context = dt.DTConfig().context
            print(
                f"| {head} | {samples:,.0f} | {samples * context:,.0f} | {episodes:,.1f} | {length:,.0f} |",
                flush=True,
            )


def read_curves(folder: Path) -> dict[tuple[str, str], list[dict]]:
    """(task, head) -> the curve files of its seeds."""
    runs = defaultdict(list)
    for path in sorted(folder.glob("**/seed-*.curve.json")):
        curve = json.loads(path.read_text())
        runs[(curve["task"], curve["head"])].append(curve)
    if not runs:
        raise SystemExit(f"no seed-*.curve.json under {folder}")
    return runs


def report(args: argparse.Namespace) -> None:
    runs = read_curves(args.report)
    print("| task | head | seeds | normalised return (final) | best curve point | mean return | smoothness |")
    print("|---|---|---|---|---|---|---|")
    for (task, head), curves in sorted(runs.items()):
        final = {
            k: np.array([c["final"][k] for c in curves])
            for k in ("normalized_return", "mean_return", "smoothness")
        }
        best = np.array([max(p["normalized_return"] for p in c["points"]) for c in curves])
        seeds = ", ".join(str(c["seed"]) for c in curves)
        print(
            f"| {task} | {head} | {seeds} | {_spread(final['normalized_return'], 1)} | {_spread(best, 1)} | "
            f"{_spread(final['mean_return'], 2)} | {_spread(final['smoothness'], 3)} |"
        )
    if args.figure:
        figure(runs, args.figure)
        print(f"wrote {args.figure}")


def _spread(values: np.ndarray, digits: int) -> str:
    """Mean ± standard deviation over seeds (with Bessel's correction)."""
    spread = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.{digits}f} ± {spread:.{digits}f}"


def figure(runs: dict[tuple[str, str], list[dict]], path: Path) -> None:
    """Normalised return and smoothness against training steps: mean over seeds, band = ± one std."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = sorted({task for task, _ in runs})
    fig, axes = plt.subplots(2, len(tasks), figsize=(5 * len(tasks), 6.5), squeeze=False, sharex="col")
    for column, task in enumerate(tasks):
        for (name, head), curves in sorted(runs.items()):
            if name != task:
                continue
            steps = [p["step"] for p in curves[0]["points"]]
            for row, metric in enumerate(("normalized_return", "smoothness")):
                values = np.array([[p[metric] for p in c["points"]] for c in curves])
                mean, std = values.mean(0), values.std(0, ddof=1 if len(values) > 1 else 0)
                axis = axes[row, column]
                axis.plot(steps, mean, marker="o", label=f"{head} ({len(curves)} seeds)")
                axis.fill_between(steps, mean - std, mean + std, alpha=0.2)
        axes[0, column].set_title(task)
        axes[0, column].set_ylabel("normalised return")
        axes[1, column].set_ylabel("smoothness (lower is smoother)")
        axes[1, column].set_xlabel("training step")
        axes[0, column].legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", help="minatar-replay folder (speed)")
    parser.add_argument("--game", default="seaquest")
    parser.add_argument("--steps", type=int, default=30, help="gradient steps per speed round")
    parser.add_argument("--episodes", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--report", type=Path, metavar="DIR", help="results folder to summarise instead")
    parser.add_argument("--figure", type=Path, help="with --report: where to draw the learning curves")
    args = parser.parse_args()
    if args.report:
        report(args)
    elif args.dataset:
        speed(args)
    else:
        parser.error("pass --dataset (speed) or --report")


if __name__ == "__main__":
    main()
