"""CLI commands of leaderboard/ (filled in by its engineer)."""

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add this pillar's subcommands; each sets `handler` with set_defaults."""
