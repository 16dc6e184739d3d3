"""benchmarks/record.py keeps a benchmark's printout, and the doc region shows exactly what it kept."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import record, recorded_tables

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def listed(monkeypatch):
    """Two commands of our own in the list: one that prints, one that fails."""
    commands = {
        "prints": "python -c \"print('| a | b |'); import sys; print('progress', file=sys.stderr)\"",
        "fails": "python -c \"print('half'); raise SystemExit(3)\"",
    }
    monkeypatch.setattr(recorded_tables, "RECORDED", {**recorded_tables.RECORDED, **commands})
    monkeypatch.setattr(record, "RECORDED", recorded_tables.RECORDED)
    return commands


def test_a_printout_is_kept_with_its_circumstances_and_shown_verbatim(tmp_path, listed):
    path = record.record("prints", tmp_path)
    kept = json.loads(path.read_text())
    assert kept["stdout"] == "| a | b |\n"  # standard error is not kept
    assert kept["command"] == listed["prints"] and len(kept["commit"]) == 40 and kept["cores"] >= 1
    region = recorded_tables.recorded(tmp_path, "prints")
    assert region.startswith("```\n| a | b |\n```\n") and "load average" in region


def test_a_failing_benchmark_writes_nothing(tmp_path, listed):
    with pytest.raises(record.RecordError, match="exited with 3"):
        record.record("fails", tmp_path)
    assert not recorded_tables.record_path(tmp_path, "fails").exists()


def test_a_printout_of_another_command_is_refused(tmp_path, listed):
    record.record("prints", tmp_path)
    path = recorded_tables.record_path(tmp_path, "prints")
    kept = json.loads(path.read_text())
    path.write_text(json.dumps({**kept, "command": "python other.py"}))
    with pytest.raises(ValueError, match="record it again"):
        recorded_tables.recorded(tmp_path, "prints")


def test_every_listed_benchmark_has_its_printout_shipped():
    missing = [
        name
        for name in recorded_tables.RECORDED
        if not recorded_tables.record_path(ROOT / "reference" / "runs", name).is_file()
    ]
    assert not missing, f"run: python benchmarks/record.py {' '.join(missing)}"


def test_an_unknown_name_is_one_line_and_exit_2():
    done = subprocess.run(
        [sys.executable, "benchmarks/record.py", "no-such-benchmark"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: unknown benchmark no-such-benchmark; fix: ")
