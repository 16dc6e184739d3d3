"""The `synthsuite` command. Glue only: the work is in the pillars.

Every command registers itself from synthsuite/commands/: one module per pillar (datasets, evaluation,
baselines, leaderboard), and one per suite, named after it, for the suite's baselines and commands
(see the suite records in synthsuite/kernel/suites/).
"""

import argparse
import sys

from synthsuite.commands import baselines, datasets, evaluation, leaderboard
from synthsuite.kernel.errors import UserError

EPILOG = """examples:
  synthsuite list
  synthsuite generate syntheory --profile tiny
  synthsuite generate syntheory --config notes --profile paper --workers 2 --out data/syntheory
  synthsuite info data/syntheory --load
  synthsuite publish data/syntheory --repo-id my-lab/syntheory --create-pr
  synthsuite tasks --suite syntheory
  synthsuite baseline syntheory --features chroma --task syntheory/notes
  synthsuite evaluate predictions.parquet --task syntheory/notes
  synthsuite submit my-submission/
  synthsuite leaderboard build --out site/
"""


def _parser() -> argparse.ArgumentParser:
    from synthsuite import __version__

    parser = argparse.ArgumentParser(
        prog="synthsuite",
        description="Generate synthetic datasets as Hugging Face Hub repos; run baselines, evaluate, "
        "submit and build the leaderboard.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"synthsuite {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for module in (datasets, evaluation, baselines, leaderboard):
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    args.argv = argv  # recorded in the manifest and card as the exact command
    try:
        args.handler(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished shards are kept; run the same command again to resume", file=sys.stderr)
        return 130
    return 0
