"""`synthsuite baseline fourier-synthetic`: the Fourier head's toy grid (linear, GMM and Fourier heads).

The `baseline` command belongs to synthsuite/commands/baselines.py; it attaches this suite with
`add_fourier_synthetic(suites)`, where `suites` is its `add_subparsers(...)` result.
"""

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from datasets_src.errors import UserError

if TYPE_CHECKING:
    from evaluation.results import Result

EPILOG = """examples:
  synthsuite baseline fourier-synthetic --all
  synthsuite baseline fourier-synthetic --head linear --head fourier-12 --config gaussian
  synthsuite baseline fourier-synthetic --head fourier-12-gamma1e-6 --seeds 1 2 --epochs 50 --out /tmp/toy
"""


def add_fourier_synthetic(suites: argparse._SubParsersAction) -> None:
    """Add `fourier-synthetic` to the subparsers of `synthsuite baseline`."""
    parser = suites.add_parser(
        "fourier-synthetic",
        help="linear, GMM and Fourier heads learning known densities (Fourier head toy experiment)",
        description="Train the paper's MLP with each head on each fourier-synthetic config (one model per "
        "seed), predict the test PMFs and score them (KL to the true PMF, smoothness, MSE). Writes "
        "OUT/fourier-synthetic/<config>/<head>/seed-<s>.parquet and .results.json, and results.json "
        "over the seeds.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="the paper's grid: every config, linear, gmm, fourier-2..20 x γ 0, 1e-6",
    )
    parser.add_argument(
        "--head",
        action="append",
        metavar="HEAD",
        help="linear, gmm, gmm-C, fourier-N or fourier-N-gammaG (repeatable)",
    )
    parser.add_argument(
        "--config", action="append", metavar="C", help="gaussian, gmm2 or beta (repeatable; default: all)"
    )
    parser.add_argument(
        "--seeds", type=int, nargs="+", metavar="S", help="training seeds (default: the paper's 1 2 3 42)"
    )
    parser.add_argument("--epochs", type=int, default=500, help="training epochs (default 500, the paper's)")
    parser.add_argument(
        "--dataset",
        help="dataset folder or ORG/NAME (default: synthsuite/fourier-synthetic in the local hub)",
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="training processes (default: all cores)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("results"), metavar="DIR", help="output folder (default: results/)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_fourier_synthetic)


def _fourier_synthetic(args: argparse.Namespace) -> None:
    """Check every input, then train; nothing is written when an input is wrong."""
    from baselines.fourier import synthetic
    from datasets_src.fourier.densities import CONFIGS
    from datasets_src.generator import check_choice
    from evaluation.tasks import get_task

    if args.all and (args.head or args.config):
        raise UserError("--all already means every config and head", "drop --head and --config, or --all")
    if not args.all and not args.head:
        raise UserError(
            "no heads to train", "pass --all for the paper's grid, or --head (e.g. --head fourier-12)"
        )
    if args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}", "pass --workers 1 or more")
    heads = synthetic.paper_heads() if args.all else [synthetic.parse_head(h) for h in args.head]
    heads = list(dict.fromkeys(heads))
    seeds = list(synthetic.PAPER_SEEDS) if args.seeds is None else args.seeds
    if any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise UserError(f"--seeds must be distinct numbers >= 0, got {seeds}", "e.g. --seeds 1 2 3 42")
    settings = synthetic.TrainSettings(epochs=args.epochs)
    configs = list(dict.fromkeys(args.config or CONFIGS))
    for config in configs:
        check_choice("config of fourier-synthetic", config, CONFIGS)
    tasks = [get_task(f"fourier-synthetic/{config}") for config in configs]

    results = synthetic.run_grid(
        tasks,
        heads,
        seeds,
        settings,
        out=args.out,
        dataset=args.dataset,
        workers=args.workers,
        progress=not args.no_progress,
    )
    _print_table(results)
    print(f"wrote {len(results)} results over seeds {seeds} to {args.out / 'fourier-synthetic'}")


def _print_table(results: list["Result"]) -> None:
    print(f"\n{'task':<30}{'head':<26}{'KL':>9}{'smoothness':>12}{'MSE':>9}")
    for result in results:
        test = result.scores["test"]
        print(
            f"{result.task.name:<30}{result.model.name.removeprefix('mlp-'):<26}"
            f"{test['kl_divergence']:>9.4f}{test['smoothness']:>12.4f}{test['mse']:>9.4f}"
        )
