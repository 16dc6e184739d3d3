"""The Fourier suite's commands: `synthsuite baseline fourier-synthetic` (linear, GMM and Fourier
heads learning known densities) and `synthsuite baseline decision-transformer` (Decision Transformers
with a linear or a Fourier action head on MinAtar replay).
"""

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from synthsuite.commands.conventions import add_json, add_progress, emit, help_when_bare, note, show_progress
from synthsuite.commands.key_values import parse_key_values
from synthsuite.kernel.errors import UserError

if TYPE_CHECKING:
    from synthsuite.evaluation.results import Result

EPILOG = """examples:
  synthsuite baseline fourier-synthetic --all
  synthsuite baseline fourier-synthetic --head linear --head fourier-12 --config gaussian
  synthsuite baseline fourier-synthetic --head fourier-12-gamma1e-6 --seeds 1 2 --epochs 50 --out /tmp/toy
"""


def register(commands: argparse._SubParsersAction, baselines: argparse._SubParsersAction) -> None:
    """The Fourier suite's baselines: `fourier-synthetic` and `decision-transformer`."""
    _add_fourier_synthetic(baselines)
    _add_decision_transformer(baselines)


def _add_fourier_synthetic(baselines: argparse._SubParsersAction) -> None:
    parser = baselines.add_parser(
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
    add_progress(parser)
    add_json(parser)
    help_when_bare(parser)
    parser.set_defaults(handler=_fourier_synthetic)


def _fourier_synthetic(args: argparse.Namespace) -> None:
    """Check every input, then train; nothing is written when an input is wrong."""
    from synthsuite.baselines.fourier import synthetic
    from synthsuite.datasets_src.fourier.synthetic.densities import CONFIGS
    from synthsuite.evaluation.tasks import get_task
    from synthsuite.kernel.errors import check_choice

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
        progress=show_progress(args),
    )
    note(args, f"wrote {len(results)} results over seeds {seeds} to {args.out / 'fourier-synthetic'}")
    emit(args, [r.model_dump(mode="json") for r in results], lambda: _print_table(results))


def _print_table(results: list["Result"]) -> None:
    print(f"\n{'task':<30}{'head':<26}{'KL':>9}{'smoothness':>12}{'MSE':>9}")
    for result in results:
        test = result.scores["test"]
        print(
            f"{result.task.name:<30}{result.model.name.removeprefix('mlp-'):<26}"
            f"{test['kl_divergence']:>9.4f}{test['smoothness']:>12.4f}{test['mse']:>9.4f}"
        )


DT_EPILOG = """examples:
  synthsuite baseline decision-transformer --game breakout --game seaquest
  synthsuite baseline decision-transformer --game seaquest --head linear --head fourier-4 --seeds 0 1 2
  synthsuite baseline decision-transformer --game breakout --dataset DIR --set steps=500 --set episodes=20
"""
DEFAULT_HEADS = ("linear", "fourier")
DEFAULT_SEEDS = (0, 1, 2)
# DTConfig's fields and defaults, written out: building the parser must not import torch (tested)
SETTINGS = (
    "n_layer (2), n_head (4), n_embd (64), context (20), dropout (0.1), batch_size (64), steps (3000), "
    "learning_rate (0.0006), weight_decay (0.1), warmup_steps (200), grad_clip (1.0), eval_every (500), "
    "eval_episodes (20), episodes (100)"
)


def _add_decision_transformer(baselines: argparse._SubParsersAction) -> None:
    parser = baselines.add_parser(
        "decision-transformer",
        help="Decision Transformer agents (linear vs Fourier action head) on minatar-replay",
        description="Train a Decision Transformer on each game's DQN replay (one model per head and seed), "
        "play the game and score it: normalised mean return and action smoothness. Writes "
        "OUT/<task>/<head>/seed-<s>.results.json and .curve.json (learning curve), and results.json over "
        "the seeds.",
        epilog=DT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--game", action="append", metavar="GAME", help="game, i.e. task minatar/GAME (repeatable)"
    )
    parser.add_argument(
        "--task", action="append", metavar="TASK", help="task name, e.g. minatar/seaquest (repeatable)"
    )
    parser.add_argument(
        "--head",
        action="append",
        metavar="HEAD",
        help="linear, fourier (N = actions - 1), fourier-N or fourier-N-gammaG "
        "(repeatable; default: linear and fourier)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", metavar="S", help="training seeds (default: 0 1 2)")
    parser.add_argument(
        "--dataset", help="minatar-replay folder or ORG/NAME (default: each task's repo in the local hub)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"model or training setting (repeatable): {SETTINGS}",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("results"), metavar="DIR", help="output folder (default: results/)"
    )
    add_json(parser)
    help_when_bare(parser)
    parser.set_defaults(handler=_decision_transformer)


def _decision_transformer(args: argparse.Namespace) -> None:
    """Check every input (tasks, heads, seeds, settings, the replay shards) before training anything."""
    from synthsuite.baselines.fourier import decision_transformer as dt
    from synthsuite.evaluation.fourier.minatar.tasks import MINIMAL_ACTIONS

    config = dt.make_config(**parse_key_values(args.set, "--set", "steps=500"))
    tasks = _dt_tasks(args.game or [], args.task or [])
    seeds = list(DEFAULT_SEEDS) if args.seeds is None else args.seeds
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise UserError(f"--seeds must be distinct numbers >= 0, got {seeds}", "e.g. --seeds 0 1 2")
    heads = list(dict.fromkeys(args.head or DEFAULT_HEADS))
    for task in tasks:
        for head in heads:
            dt.HeadSpec.parse(head, len(MINIMAL_ACTIONS[task.dataset.config]))
    replays = {
        task.name: dt.load_replay(args.dataset or task.dataset.repo_id, task.dataset.config) for task in tasks
    }

    combined = []
    for task in tasks:
        for head in heads:
            per_seed = []
            for seed in seeds:
                result, _ = dt.run(task, head, seed, config, out=args.out, replay=replays[task.name])
                scores = result.scores[task.eval_split]
                note(
                    args,
                    f"{task.name} {head} seed {seed}: normalized return {scores['normalized_return']:.1f} "
                    f"(mean return {scores['mean_return']:.2f}), smoothness {scores['smoothness']:.3f}",
                )
                per_seed.append(result)
            combined.append(dt.aggregate(task, per_seed, args.out))
    note(args, f"wrote results to {args.out}")
    emit(args, [r.model_dump(mode="json") for r in combined], lambda: _print_dt_table(combined))


def _dt_tasks(games: list[str], names: list[str]) -> list:
    from synthsuite.datasets_src.fourier.minatar.games import GAMES
    from synthsuite.evaluation.tasks import get_task
    from synthsuite.kernel.errors import check_choice

    if not games and not names:
        raise UserError("no games to play", "pass --game (e.g. --game breakout) or --task")
    for game in games:
        check_choice("game", game, GAMES)
    tasks = [get_task(name) for name in dict.fromkeys([*(f"minatar/{g}" for g in games), *names])]
    for task in tasks:
        if task.dataset.config not in GAMES or task.eval_split != "online":
            raise UserError(
                f"task {task.name} is not a MinAtar task", "see `synthsuite tasks --suite fourier`"
            )
    return tasks


def _print_dt_table(results: list["Result"]) -> None:
    header = (
        f"{'task':<24}{'head':<22}{'seeds':<10}{'normalized return':>20}{'mean return':>13}{'smoothness':>12}"
    )
    print(f"\n{header}")
    for result in results:
        scores, spread = result.scores["online"], result.settings["std_over_seeds"]
        seeds = ",".join(map(str, result.seeds))
        print(
            f"{result.task.name:<24}{result.model.details['head']:<22}{seeds:<10}"
            f"{scores['normalized_return']:>12.1f} ± {spread['normalized_return']:<5.1f}"
            f"{scores['mean_return']:>13.2f}{scores['smoothness']:>12.3f}"
        )
