"""Run a benchmark listed in benchmarks/recorded_tables.py and keep its printout in reference/runs/.

    python benchmarks/record.py force-evaluation-one            # one benchmark
    python benchmarks/record.py --list                           # the names and their commands
    python benchmarks/record.py NAME && python benchmarks/docs_tables.py --write

Runs the command from the repository root with this interpreter, lets its standard error (progress)
through, and writes reference/runs/benchmarks/recorded/NAME.json atomically once the command has
exited 0: its standard output, the date, the commit (and whether the code had uncommitted changes),
the wall seconds and the 1-minute load average before and after. A failing command writes nothing.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.recorded_tables import RECORDED, record_path  # noqa: E402


class RecordError(Exception):
    """One line for the user: what went wrong and the fix."""


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def record(name: str, runs: Path) -> Path:
    argv = shlex.split(RECORDED[name])
    if argv[0] == "python":
        argv[0] = sys.executable
    commit = _git("rev-parse", "HEAD").strip()  # the code that ran: read before it runs
    # uncommitted changes to the code (docs and results files do not change what a benchmark measures)
    code = ("--", ".", ":!docs", ":!reference")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", *code).strip())
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        command = RECORDED[name]
        raise RecordError(f"`{command}` exited with {done.returncode}; fix: see its output above")
    sys.stdout.write(done.stdout)
    result = {
        "command": RECORDED[name],
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "commit": commit,
        "dirty": dirty,
        "wall_seconds": round(wall, 1),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "cores": os.cpu_count(),
        "stdout": done.stdout,
    }
    path = record_path(runs, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as handle:
        json.dump(result, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    os.replace(handle.name, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (see --list)")
    parser.add_argument("--list", action="store_true", help="print the names and their commands")
    parser.add_argument("--runs", type=Path, default=ROOT / "reference" / "runs")
    args = parser.parse_args()
    if args.list or not args.names:
        for name, command in RECORDED.items():
            print(f"{name:<28} {command}")
        return
    unknown = [name for name in args.names if name not in RECORDED]
    if unknown:
        print(
            f"error: unknown benchmark {', '.join(unknown)}; fix: choose one of {', '.join(RECORDED)}",
            file=sys.stderr,
        )
        raise SystemExit(2)
    for name in args.names:
        try:
            print(f"wrote {record(name, args.runs)}", file=sys.stderr)
        except RecordError as error:
            print(f"error: {error}", file=sys.stderr)
            raise SystemExit(2) from None


if __name__ == "__main__":
    main()
