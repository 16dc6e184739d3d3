"""The `synthsuite` command. Glue only: the work is in the pillars.

Every command registers itself from synthsuite/commands/: one module per pillar (datasets, evaluation,
baselines, leaderboard), and one per suite, named after it, for the suite's baselines and commands
(see the suite records in synthsuite/kernel/suites/).
"""

import argparse
import os
import sys

from synthsuite.commands import baselines, datasets, evaluation, leaderboard
from synthsuite.commands.conventions import Parser, bare_help
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
  synthsuite evaluate --model-class my_model:MyAudioModel --task syntheory-tiny/notes
  synthsuite submit my-submission/
  synthsuite leaderboard build --out site/
"""


def _parser() -> argparse.ArgumentParser:
    from synthsuite import __version__

    parser = Parser(
        prog="synthsuite",
        description="Generate synthetic datasets as Hugging Face Hub repos; run baselines, evaluate, "
        "submit and build the leaderboard.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"synthsuite {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    bare_help(parser)

    for module in (datasets, evaluation, baselines, leaderboard):
        module.register(commands)
    return parser


def _bare(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser | None:
    """The command `argv` names when it is nothing but command words and that command cannot run
    without arguments (`synthsuite generate`): its help is printed instead of a usage error."""
    for word in argv:
        groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not groups or word not in groups[0].choices:
            return None
        parser = groups[0].choices[word]
    needs = any(a.required for a in parser._actions if not isinstance(a, argparse._SubParsersAction))
    return parser if argv and (needs or parser.get_default("help_when_bare")) else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = _parser()
        bare = _bare(parser, argv)
        if bare is not None:
            bare.print_help()
            sys.stdout.flush()
            return 0
        try:
            args = parser.parse_args(argv)
        except SystemExit:  # --help, --version, or a usage error (exit status 2)
            sys.stdout.flush()  # raises BrokenPipeError here, not at exit, when the reader went away
            raise
        args.argv = argv  # recorded in the manifest and card as the exact command
        try:
            args.handler(args)
        except UserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(
                "interrupted: finished shards are kept; run the same command again to resume", file=sys.stderr
            )
            return 130
        sys.stdout.flush()  # inside the try: a reader that went away is noticed here
    except BrokenPipeError:
        return _closed_pipe()
    return 0


def _closed_pipe() -> int:
    """The reader of stdout went away (`synthsuite tasks --json | head`): stop quietly, as a process
    killed by SIGPIPE would, with no traceback and no error when Python flushes stdout at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141
