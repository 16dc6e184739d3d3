"""The conventions every command follows (synthsuite/commands/conventions.py), checked on every command
the CLI registers, the suites' own included: --json, help on a bare command, "did you mean", a quiet
exit on a closed pipe, progress bars only on a terminal, and a --limit that says when it empties a split.
"""

import argparse
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

from synthsuite.cli import _parser
from synthsuite.datasets_src.engine import read_manifest
from tests.conftest import run_cli

# commands that print no data: serving a page
NO_DATA = {"leaderboard serve"}


def leaf_commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every runnable command, by its words (`baseline syntheory`), with its parser."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= leaf_commands(sub, f"{prefix} {name}".strip())
    if not found and prefix:
        found[prefix] = parser
    return found


COMMANDS = leaf_commands(_parser())


def test_the_walk_finds_the_commands():
    expected = {"list", "generate", "tasks", "evaluate", "baseline syntheory", "leaderboard build"}
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("words", sorted(set(COMMANDS) - NO_DATA))
def test_every_command_that_prints_data_takes_json(words):
    options = {o for action in COMMANDS[words]._actions for o in action.option_strings}
    assert "--json" in options, f"`synthsuite {words}` has no --json (conventions.add_json)"


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_progress_flags_follow_the_convention(words):
    options = {o for action in COMMANDS[words]._actions for o in action.option_strings}
    if "--no-progress" in options:  # forcing either way, by the shared helper
        assert "--progress" in options, f"`synthsuite {words}`: use conventions.add_progress"


@pytest.mark.parametrize(
    "words", [[], ["baseline"], ["leaderboard"], ["generate"], ["evaluate"], ["baseline", "syntheory"]]
)
def test_a_bare_command_prints_its_help(words):
    done = run_cli(*words)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(f"usage: synthsuite {' '.join(words)}".strip())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["generat"], "did you mean 'generate'?"),
        (["tasks", "--suite", "syntheroy"], "did you mean 'syntheory'?"),
        (["generate", "syntheroy"], "did you mean 'syntheory'?"),
        (["evaluate", "p.parquet", "--task", "syntheory/note"], "did you mean syntheory/notes?"),
        (["evaluate", "p.parquet", "--task", "notes"], "did you mean syntheory"),
        (["leaderboard", "biuld"], "did you mean 'build'?"),
    ],
)
def test_mistyped_names_get_a_did_you_mean(args, expected):
    done = run_cli(*args)
    assert done.returncode == 2 and expected in done.stderr, done.stderr


def test_tasks_of_a_task_prefix_are_listed_with_a_note():
    done = run_cli("tasks", "--suite", "syntheory-tiny", "--json")
    assert done.returncode == 0, done.stderr
    names = [task["name"] for task in json.loads(done.stdout)]
    assert len(names) == 7 and all(name.startswith("syntheory-tiny/") for name in names)
    assert "not a suite but a task prefix of suite 'syntheory'" in done.stderr
    suite = json.loads(run_cli("tasks", "--suite", "syntheory", "--json").stdout)
    assert {t["suite"] for t in suite} == {"syntheory"} and len(suite) == 14


def test_a_closed_pipe_ends_quietly():
    script = f"{sys.executable} -m synthsuite tasks --json | head -c 100 >/dev/null; echo ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=os.environ)
    assert done.stderr == "" and done.stdout.strip() in ("0", "141"), done.stderr
    help_pipe = f"{sys.executable} -m synthsuite --help | head -c 10 >/dev/null"
    assert subprocess.run(["bash", "-c", help_pipe], capture_output=True, text=True).stderr == ""


def test_json_output_parses(tiny_dataset):
    # CI set: pyfluidsynth then prints where it found its library when imported
    listed = {d["dataset"]: d for d in json.loads(run_cli("list", "--json", env={"CI": "true"}).stdout)}
    assert listed["syntheory"]["suite"] == "syntheory"
    assert listed["syntheory"]["rows"]["intervals"] == {"tiny": 36, "small": 4_320, "paper": 39_744}
    info = json.loads(run_cli("info", str(tiny_dataset), "--json").stdout)
    assert info["verified"] and info["configs"]["chords"]["splits"]["train"]["rows"] > 0
    assert len(info["configs"]["chords"]["data_revision"]) == 64


def _generate(tmp_path, *flags: str, terminal: bool = False) -> tuple[int, str, str]:
    """`generate fourier-synthetic` (tiny, gaussian); stderr through a pseudo-terminal when `terminal`."""
    command = [
        sys.executable, "-m", "synthsuite", "generate", "fourier-synthetic", "--config", "gaussian",
        "--workers", "1", "--out", str(tmp_path / f"out-{len(list(tmp_path.iterdir()))}"), *flags,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "TQDM_DISABLE"}
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a 120-column terminal
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, env=env) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        stdout = process.stdout.read().decode()
    os.close(leader)
    return process.returncode, stdout, b"".join(chunks).decode(errors="replace")


def test_progress_bars_show_only_on_a_terminal_unless_asked(tmp_path):
    code, _, piped = _generate(tmp_path)
    assert code == 0 and "rows/s" not in piped and "%|" not in piped
    code, _, forced = _generate(tmp_path, "--progress")
    assert code == 0 and "%|" in forced
    code, _, terminal = _generate(tmp_path, terminal=True)
    assert code == 0 and "%|" in terminal
    code, _, hidden = _generate(tmp_path, "--no-progress", terminal=True)
    assert code == 0 and "%|" not in hidden


def test_a_limit_that_empties_a_split_says_so(tmp_path):
    out = tmp_path / "limited"
    done = run_cli(
        "generate", "fourier-synthetic", "--config", "gaussian", "--limit", "1", "--workers", "1",
        "--out", str(out), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [warning] = json.loads(done.stdout)["warnings"]
    assert "leaves config 'gaussian' with no test rows" in warning and f"warning: {warning}" in done.stderr
    assert list(read_manifest(out)["configs"]["gaussian"]["splits"]) == ["train"]  # as the warning said
    smallest = int(warning.split("--limit ")[-1].split()[0])
    enough = run_cli(
        "generate", "fourier-synthetic", "--config", "gaussian", "--limit", str(smallest), "--workers", "1",
        "--out", str(tmp_path / "enough"), "--json",
    )  # fmt: skip
    assert json.loads(enough.stdout)["warnings"] == []
    assert set(read_manifest(tmp_path / "enough")["configs"]["gaussian"]["splits"]) == {"train", "test"}
    fewer = run_cli(
        "generate", "fourier-synthetic", "--config", "gaussian", "--limit", str(smallest - 1), "--workers",
        "1", "--out", str(tmp_path / "fewer"),
    )  # fmt: skip
    assert "no test rows" in fewer.stderr  # `smallest` is the smallest
