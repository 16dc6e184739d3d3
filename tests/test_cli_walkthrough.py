"""docs/evaluate-your-model.md, run as written: every code block in order, in a fresh folder.

A block preceded by `<!-- test: file NAME -->` is saved as NAME (the page says "saved as NAME"); one
preceded by `<!-- test: skip (reason) -->` is not run (installing packages, serving until Ctrl-C, a
build of many minutes). Every other `bash` block runs with `bash -euo pipefail`, every `python` block
as a script, with the venv's `synthsuite` first on PATH and a hub, results store and caches of the
test's own. At the end the site the page builds must rank the page's models, verified.
"""

import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "evaluate-your-model.md"
BLOCK = re.compile(
    r"(?:<!-- test: (?P<directive>[^\n]*?) -->\n)?```(?P<language>[a-z]*)\n(?P<code>.*?)^```", re.S | re.M
)


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    directive: str  # "", "skip (reason)" or "file NAME"


def blocks(text: str) -> list[Block]:
    return [Block(m["language"], m["code"], m["directive"] or "") for m in BLOCK.finditer(text)]


def test_every_block_is_runnable_or_says_why_not():
    found = blocks(DOC.read_text())
    assert len(found) >= 12
    for block in found:
        assert block.language in ("bash", "python"), block.code[:60]
        if block.directive.startswith("skip"):
            assert re.fullmatch(r"skip \(.+\)", block.directive), block.directive
        elif block.directive:
            assert re.fullmatch(r"file [\w.]+\.py", block.directive) and block.language == "python"
    files = [b.directive.split()[1] for b in found if b.directive.startswith("file")]
    assert files == ["my_model.py", "fourier_model.py", "random_agent.py"]


@pytest.mark.slow
def test_the_walkthrough_runs_as_written(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "SYNTHSUITE_HUB": str(tmp_path / "hub"),
        "SYNTHSUITE_RESULTS": str(tmp_path / "results-store"),
        "SYNTHSUITE_CACHE": str(tmp_path / "embeddings"),
        "MPLCONFIGDIR": str(tmp_path / "matplotlib"),
    }
    started, total_cpu = time.perf_counter(), 0.0
    for number, block in enumerate(blocks(DOC.read_text())):
        if block.directive.startswith("skip"):
            continue
        if block.directive.startswith("file"):
            (work / block.directive.split()[1]).write_text(block.code)
            continue
        if block.language == "python":
            script = work / f"block_{number}.py"
            script.write_text(block.code)
            command = [sys.executable, str(script)]
        else:
            command = ["bash", "-euo", "pipefail", "-c", block.code]
        before, clock = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=1800)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        first_line = block.code.splitlines()[0]
        print(f"block {number}: {time.perf_counter() - clock:.0f} s, {cpu:.0f} CPU s: {first_line}")
        total_cpu += cpu
        output = f"{done.stdout[-3000:]}\n{done.stderr}"
        assert done.returncode == 0, f"block {number} failed:\n{block.code}\n{output}"
        assert "Traceback" not in done.stderr, done.stderr
    print(f"the walkthrough ran in {time.perf_counter() - started:.0f} s, {total_cpu:.0f} CPU s")

    audio = json.loads((work / "site" / "boards" / "syntheory-tiny.json").read_text())
    [mine] = [row for row in audio["rows"] if row["model"] == "my-lab/tiny-encoder"]
    assert isinstance(mine["rank"], int) and mine["verified"] and mine["tasks"] == 7
    assert mine["revision"] == "v1-w256-s0" and mine["parameters"] == 131328
    assert any(row["reference"] for row in audio["rows"])  # ranked beside the reference results
    density = json.loads((work / "site" / "boards" / "fourier-synthetic.json").read_text())
    [head] = [row for row in density["rows"] if row["model"] == "my-lab/fourier-mlp"]
    assert isinstance(head["rank"], int) and head["verified"] and head["tasks"] == 3
    kl = next(value for key, value in head.items() if key.startswith("gaussian ("))
    assert 0 <= kl < 0.5  # a trained head: far below a uniform PMF's KL on the gaussian density
    scored = json.loads((work / "chords.results.json").read_text())
    assert scored["model"]["name"] == "my-lab/always-major"
    assert scored["task"]["name"] == "syntheory-tiny/chords"
