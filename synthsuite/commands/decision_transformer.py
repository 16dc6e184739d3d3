"""`synthsuite baseline decision-transformer`: Decision Transformers with a linear or a Fourier action head.

The `baseline` command belongs to synthsuite/commands/baselines.py; it attaches this baseline with
`add_decision_transformer(suites)`, where `suites` is its `add_subparsers(...)` result.
"""

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from datasets_src.errors import UserError
from synthsuite.commands.key_values import parse_key_values

if TYPE_CHECKING:
    from evaluation.results import Result

EPILOG = """examples:
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


def add_decision_transformer(suites: argparse._SubParsersAction) -> None:
    """Add `decision-transformer` to the subparsers of `synthsuite baseline`."""
    parser = suites.add_parser(
        "decision-transformer",
        help="Decision Transformer agents (linear vs Fourier action head) on minatar-replay",
        description="Train a Decision Transformer on each game's DQN replay (one model per head and seed), "
        "play the game and score it: normalised mean return and action smoothness. Writes "
        "OUT/<task>/<head>/seed-<s>.results.json and .curve.json (learning curve), and results.json over "
        "the seeds.",
        epilog=EPILOG,
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
    parser.set_defaults(handler=_decision_transformer)


def _decision_transformer(args: argparse.Namespace) -> None:
    """Check every input (tasks, heads, seeds, settings, the replay shards) before training anything."""
    from baselines.fourier import decision_transformer as dt
    from evaluation.minatar.tasks import MINIMAL_ACTIONS

    config = dt.make_config(**parse_key_values(args.set, "--set", "steps=500"))
    tasks = _tasks(args.game or [], args.task or [])
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
                print(
                    f"{task.name} {head} seed {seed}: normalized return {scores['normalized_return']:.1f} "
                    f"(mean return {scores['mean_return']:.2f}), smoothness {scores['smoothness']:.3f}",
                    flush=True,
                )
                per_seed.append(result)
            combined.append(dt.aggregate(task, per_seed, args.out))
    _print_table(combined)
    print(f"wrote results to {args.out}")


def _tasks(games: list[str], names: list[str]) -> list:
    from datasets_src.generator import check_choice
    from datasets_src.minatar.games import GAMES
    from evaluation.tasks import get_task

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


def _print_table(results: list["Result"]) -> None:
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
