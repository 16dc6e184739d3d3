"""The time-series suite's command: `synthsuite baseline fourier-forecast` (Chronos-style T5
forecasters with a linear or a Fourier head, trained on kernel-synth + tsmixup, scored zero-shot)."""

import argparse
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

from synthsuite.commands.conventions import add_json, add_progress, emit, note, show_progress
from synthsuite.commands.key_values import parse_key_values
from synthsuite.kernel.errors import UserError

if TYPE_CHECKING:
    from synthsuite.evaluation.results import Result

EPILOG = """examples:
  synthsuite baseline fourier-forecast --head linear --head fourier-550 --seeds 0 1 2
  synthsuite baseline fourier-forecast --head fourier-64 --seeds 0 --set steps=100 --task timeseries/real
  synthsuite baseline fourier-forecast --kernel-synth DIR --tsmixup DIR --zero-shot DIR --set size=mini
"""
DEFAULT_HEADS = ("linear", "fourier-550")
DEFAULT_SEEDS = (0, 1, 2)
DEFAULT_TASKS = ("timeseries/real", "timeseries/synthetic")
# TrainSettings' fields and defaults, written out: building the parser must not import torch
SETTINGS = (
    "size (cpu; or mini), binning (mixed; or uniform), context_length (128), prediction_length (24), "
    "min_past (60), batch_size (16), steps (600), learning_rate (0.001), max_grad_norm (1.0), "
    "tsmixup_probability (0.9), num_samples (20), top_k (50), eval_series_per_batch (8), threads (1)"
)


def register(commands: argparse._SubParsersAction, baselines: argparse._SubParsersAction) -> None:
    """The suite's baseline: `fourier-forecast`."""
    parser = baselines.add_parser(
        "fourier-forecast",
        help="Chronos-style T5 forecasters with a linear or Fourier head (zero-shot MASE / WQL)",
        description="Train a T5 forecaster over Chronos's 4,096 tokens with each head and seed on "
        "tsmixup (0.9) + kernel-synth (0.1), forecast every series of each task (20 sample paths) and "
        "score them: MASE and WQL relative to Seasonal Naive, smoothness. Writes "
        "OUT/<task>/<head>/seed-<s>.parquet and .results.json, results.json over the seeds, and "
        "OUT/fourier-forecast/<head>/seed-<s>.training.json (loss curve, tokens/s).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--head",
        action="append",
        metavar="HEAD",
        help="linear or fourier-N (repeatable; default: "
        "linear and fourier-550; the paper's N: 64, 128, 256, 550)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", metavar="S", help="training seeds (default: 0 1 2)")
    parser.add_argument(
        "--task",
        action="append",
        metavar="TASK",
        help="timeseries/real or timeseries/synthetic (default: both)",
    )
    parser.add_argument(
        "--kernel-synth", default="synthsuite/kernel-synth", help="kernel-synth folder or ORG/NAME"
    )
    parser.add_argument("--tsmixup", default="synthsuite/tsmixup", help="tsmixup folder or ORG/NAME")
    parser.add_argument(
        "--zero-shot",
        help="timeseries-zero-shot folder or ORG/NAME (default: the tasks' repo in the local hub)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"training setting (repeatable): {SETTINGS}",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("results"), metavar="DIR", help="output folder (default: results/)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="models trained at once, one process each (default 1)"
    )
    add_progress(parser)
    add_json(parser)
    parser.set_defaults(handler=_fourier_forecast)


def _fourier_forecast(args: argparse.Namespace) -> None:
    """Check every input (heads, seeds, settings, tasks, the three datasets) before training anything."""
    from synthsuite.baselines.timeseries import train
    from synthsuite.baselines.timeseries.model import parse_head
    from synthsuite.datasets_src.access import open_dataset
    from synthsuite.evaluation.tasks import get_task

    settings = train.make_settings(**parse_key_values(args.set, "--set", "steps=600"))
    heads = [parse_head(h) for h in dict.fromkeys(args.head or DEFAULT_HEADS)]
    seeds = list(DEFAULT_SEEDS) if args.seeds is None else args.seeds
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise UserError(f"--seeds must be distinct numbers >= 0, got {seeds}", "e.g. --seeds 0 1 2")
    tasks = [get_task(name) for name in dict.fromkeys(args.task or DEFAULT_TASKS)]
    for task in tasks:
        if task.predictions.kind != "forecast":
            raise UserError(
                f"task {task.name} is not a forecasting task", "see `synthsuite tasks --suite timeseries`"
            )
    zero_shot = args.zero_shot or tasks[0].dataset.repo_id
    for name in (args.kernel_synth, args.tsmixup):
        open_dataset(name, configs=["default"])
    open_dataset(zero_shot, configs=[t.dataset.config for t in tasks])

    if args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}", "pass --workers 1 or more")
    jobs = [(head, seed) for head in heads for seed in seeds]
    common = {
        "kernel_synth": args.kernel_synth,
        "tsmixup": args.tsmixup,
        "zero_shot": zero_shot,
        "out": args.out,
        "progress": show_progress(args) and args.workers == 1,
    }
    per_task: dict[tuple[str, str], list[Result]] = {}
    with (
        ProcessPoolExecutor(args.workers, mp_context=get_context("spawn"))
        if args.workers > 1
        else nullcontext() as pool
    ):
        calls = [(train.run, head, seed, settings, tasks) for head, seed in jobs]
        finished = (
            pool.map(_call, calls, [common] * len(calls))
            if pool
            else map(_call, calls, [common] * len(calls))
        )
        for (head, seed), results in zip(jobs, finished, strict=True):
            for result in results:
                scores = next(iter(result.scores.values()))
                note(
                    args,
                    f"{result.task.name} {head.name} seed {seed}: MASE {scores['mase_relative']:.3f}, "
                    f"WQL {scores['wql_relative']:.3f} (relative to Seasonal Naive), "
                    f"smoothness {scores['smoothness']:.4f}",
                )
                per_task.setdefault((result.task.name, head.name), []).append(result)
    combined = [
        train.aggregate(next(t for t in tasks if t.name == name), results, args.out)
        for (name, _), results in per_task.items()
    ]
    note(args, f"wrote results to {args.out}")
    emit(args, [r.model_dump(mode="json") for r in combined], lambda: _print_table(combined))


def _call(call: tuple, keywords: dict) -> list["Result"]:
    function, *arguments = call
    return function(*arguments, **keywords)


def _print_table(results: list["Result"]) -> None:
    print(f"\n{'task':<24}{'head':<14}{'seeds':<8}{'MASE rel.':>11}{'WQL rel.':>10}{'smoothness':>12}")
    for result in results:
        scores = result.scores["test"]
        print(
            f"{result.task.name:<24}{result.model.details['head']:<14}{','.join(map(str, result.seeds)):<8}"
            f"{scores['mase_relative']:>11.3f}{scores['wql_relative']:>10.3f}{scores['smoothness']:>12.4f}"
        )
