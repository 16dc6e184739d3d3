"""`synthsuite baseline SUITE-BASELINE`: the reference baselines, each registered by its suite.

Every suite record (synthsuite/kernel/suites/) names a command module (`cli`) whose
`register(commands, baselines)` adds its baselines under `baseline` and any command of its own at
the top level.
"""

import argparse

from synthsuite.commands.conventions import bare_help
from synthsuite.kernel.suites import load, suites


def register(commands: argparse._SubParsersAction) -> None:
    baseline = commands.add_parser(
        "baseline",
        help="run a reference baseline: predictions and results per task",
        description="Run a reference baseline on a suite's tasks.",
    )
    baselines = baseline.add_subparsers(dest="baseline", metavar="BASELINE")
    bare_help(baseline)
    for suite in suites().values():
        if suite.cli is not None:
            load(suite.cli).register(commands, baselines)
