"""The conventions every `synthsuite` command follows, and the helpers a command module uses for them.

- **Data on stdout, as text or `--json`.** A command that prints data takes `--json` (`add_json`)
  and hands its data to `emit`: one JSON document on stdout, or the human text. Lines that narrate
  the work (`note`) go to stdout as text and to stderr under `--json`, so stdout stays parseable.
- **Progress bars only on a terminal** (`add_progress`, `show_progress`): `--progress` forces them,
  `--no-progress` hides them; by default they show only when stderr is a terminal.
- **Help on a bare command**: `synthsuite`, `synthsuite baseline`, ... print their help (`bare_help`),
  and so does a command run without the arguments it needs (`synthsuite generate`; `help_when_bare`
  for one whose needs argparse cannot express).
- **"Did you mean"** for mistyped choices (`Parser`), and for tasks, datasets and suites
  (`kernel.errors.did_you_mean`).
- **Errors** are one line, `error: <problem>; fix: <fix>`, exit status 2 (cli.main); a closed pipe
  (`synthsuite tasks --json | head`) ends quietly.

tests/test_cli_conventions.py walks every registered command and checks them, so a suite's commands
(registered from its record) follow them too.
"""

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from synthsuite.kernel.errors import did_you_mean

JSON_HELP = "print the result as one JSON document on stdout (messages go to stderr)"


class Parser(argparse.ArgumentParser):
    """argparse with "did you mean" for mistyped choices (subcommands included)."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices:
            choices = [str(c) for c in action.choices]
            close = did_you_mean(str(value), choices)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise argparse.ArgumentError(
                action, f"invalid choice: {value!r}{hint} (choose from {', '.join(choices)})"
            )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=JSON_HELP)


def add_progress(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress bars (default: only when stderr is a terminal)",
    )


def show_progress(args: argparse.Namespace | None = None, asked: bool | None = None) -> bool:
    """Whether to draw progress bars: as asked (`--progress`/`--no-progress`), else on a terminal."""
    if args is not None:
        asked = getattr(args, "progress", None)
    return sys.stderr.isatty() if asked is None else bool(asked)


def bare_help(parser: argparse.ArgumentParser) -> None:
    """Make `parser` (a command with subcommands) print its help when run with none of them."""
    parser.set_defaults(handler=lambda _args: parser.print_help())


def help_when_bare(parser: argparse.ArgumentParser) -> None:
    """Make a command that needs some of its options (but no argparse-required one) print its help
    when run with no arguments at all; commands with a required argument do so anyway (cli.main)."""
    parser.set_defaults(help_when_bare=True)


def wants_json(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False))


def note(args: argparse.Namespace, line: str) -> None:
    """A line about the work (not its data): stdout, or stderr when stdout carries JSON."""
    print(line, file=sys.stderr if wants_json(args) else sys.stdout, flush=True)


def emit(args: argparse.Namespace, data: Any, text: Callable[[], None] | str) -> None:
    """The command's data: as JSON with `--json`, else as text (a string, or a function printing it)."""
    if wants_json(args):
        print(json.dumps(data, indent=1, default=str, allow_nan=False))
    elif callable(text):
        text()
    else:
        print(text)
