"""The command line as a user runs it: help, list, generate/info/publish, and every bad input."""

import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from synthsuite.datasets_src.engine import read_manifest
from tests.conftest import run_cli

LIBRARY_DIRS = [
    Path("/lib/x86_64-linux-gnu"),
    Path("/usr/lib/x86_64-linux-gnu"),
    Path("/lib"),
    Path("/usr/lib"),
]


def one_error_line(result) -> str:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "; fix: " in lines[0], result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [[], ["list"], ["generate"], ["info"], ["publish"]])
def test_help_is_complete(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "usage: synthsuite" in result.stdout
    if command == ["generate"]:
        for flag in ("--config", "--profile", "--limit", "--seed", "--workers", "--executor", "--out"):
            assert flag in result.stdout


def test_list_shows_planned_rows_per_profile():
    result = run_cli("list")
    assert result.returncode == 0
    assert "syntheory" in result.stdout
    intervals = next(line for line in result.stdout.splitlines() if line.strip().startswith("intervals"))
    assert intervals.split()[1:] == ["36", "4,320", "39,744"]
    assert "104,585" in result.stdout


def test_generate_info_publish_load_round_trip(tmp_path):
    out = tmp_path / "ds"
    args = ["generate", "syntheory", "--config", "chords", "--workers", "1", "--out", str(out)]
    made = run_cli(*args)
    assert made.returncode == 0, made.stderr
    assert "24 rows in 1 configs" in made.stdout
    assert read_manifest(out)["command"] == "synthsuite " + " ".join(args)
    info = run_cli("info", str(out), "--load", "--streaming")
    assert info.returncode == 0, info.stderr
    assert "all shards match the manifest" in info.stdout and "load_dataset" in info.stdout
    published = run_cli("publish", str(out), "--repo-id", "lab/chords", "--local")
    assert published.returncode == 0 and "published lab/chords" in published.stdout
    assert run_cli("info", "lab/chords").returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "nosuch"], "unknown dataset 'nosuch'"),
        (["generate", "syntheory", "--config", "modes"], "unknown config of syntheory 'modes'"),
        (["generate", "syntheory", "--profile", "huge"], "unknown profile 'huge'"),
        (["generate", "syntheory", "--limit", "0"], "--limit must be a positive"),
        (["generate", "syntheory", "--limit", "-5"], "--limit must be a positive"),
        (["generate", "syntheory", "--workers", "0"], "--workers must be at least 1"),
        (["generate", "syntheory", "--executor", "slurm"], "unknown executor 'slurm'"),
        (["generate", "syntheory", "--set", "sample_rate=fast"], "invalid option 'sample_rate'"),
        (["generate", "syntheory", "--set", "bitdepth=24"], "invalid option 'bitdepth'"),
        (["generate", "syntheory", "--set", "novalue"], "is not KEY=VALUE"),
    ],
)
def test_bad_generate_input_gets_one_line_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "never"
    line = one_error_line(run_cli(*args, "--out", str(out)))
    assert message in line
    assert not out.exists()


def test_missing_soundfont_is_named(tmp_path):
    result = run_cli(
        "generate",
        "syntheory",
        "--out",
        str(tmp_path / "x"),
        env={"SYNTHSUITE_SOUNDFONT": str(tmp_path / "none.sf2")},
    )
    assert "SoundFont" in one_error_line(result) and "timgm6mb-soundfont" in result.stderr
    assert not (tmp_path / "x").exists()


def test_missing_fluidsynth_library_is_named(tmp_path):
    """Hide the real libfluidsynth in a private mount namespace (root and util-linux's unshare)."""
    library = Path(ctypes.util.find_library("fluidsynth") or "")
    real = next((d / library.name for d in LIBRARY_DIRS if (d / library.name).exists()), None)
    if real is None or shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root, unshare and the installed libfluidsynth to hide")
    out = tmp_path / "x"
    script = (
        f"mount --bind /dev/null {real} && exec {sys.executable} -m synthsuite generate syntheory --out {out}"
    )
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True)
    line = one_error_line(result)
    assert "libfluidsynth.so.3 cannot be loaded" in line and "apt-get install libfluidsynth3" in line
    assert not out.exists()


def test_unwritable_or_foreign_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "cannot write to output folder" in one_error_line(
        run_cli("generate", "syntheory", "--out", str(blocker / "sub"))
    )
    assert "is a file" in one_error_line(run_cli("generate", "syntheory", "--out", str(blocker)))
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert "not empty" in one_error_line(run_cli("generate", "syntheory", "--out", str(foreign)))
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]


def test_bad_publish_and_info_input(tmp_path, tiny_dataset):
    assert "malformed repo id" in one_error_line(
        run_cli("publish", str(tiny_dataset), "--repo-id", "not a repo", "--local")
    )
    assert "no dataset folder" in one_error_line(
        run_cli("publish", str(tmp_path / "nope"), "--repo-id", "a/b")
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "not a finished synthsuite dataset" in one_error_line(run_cli("info", str(empty)))
    assert "not a finished synthsuite dataset" in one_error_line(
        run_cli("publish", str(empty), "--repo-id", "a/b", "--local")
    )


def test_push_without_a_token_is_refused_before_any_upload(tiny_dataset, tmp_path):
    env = {"HF_HUB_OFFLINE": "0", "HF_TOKEN": "", "HF_HOME": str(tmp_path / "hf")}
    line = one_error_line(run_cli("publish", str(tiny_dataset), "--repo-id", "lab/x", env=env))
    assert "no Hugging Face token" in line and "hf auth login" in line
    offline = one_error_line(run_cli("publish", str(tiny_dataset), "--repo-id", "lab/x"))
    assert "HF_HUB_OFFLINE" in offline


def test_a_missing_python_extra_names_the_extra_to_install(tmp_path):
    """Block pretty_midi's import in a fresh interpreter, as on a core-only install."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pretty_midi':\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    result = run_cli("list", env={"PYTHONPATH": f"{tmp_path}:{os.environ.get('PYTHONPATH', '')}"})
    line = one_error_line(result)
    assert "'pretty_midi' is not installed" in line and "synthsuite[music]" in line
