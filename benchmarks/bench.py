"""The quick version of every benchmark, as one table of ratios against their floors (`make bench`).

    python benchmarks/bench.py                               # everything (a few minutes on the idle machine)
    python benchmarks/bench.py fourier_head syntheory_probe  # some benchmarks, by module name
    python benchmarks/bench.py --list                        # what would run
    python benchmarks/bench.py --strict                      # exit 1 when a row misses its target

A benchmark takes part by defining, in benchmarks/<name>.py, a function

    def quick() -> list[tuple[str, str, str, float, str]]:  # (what, measured, floor, ratio, target)

that runs in well under a minute on the idle machine and returns rows such as
("FourierHead fwd+bwd, 4096 bins, N=64: time", "431 ms", "402 ms linear head", 1.07, "<= 1.5"):
`measured` and `floor` are display strings with their units, `ratio` is measured over floor, and
`target` is "<= X" or ">= X" on that ratio (any other text is shown, not judged). Every module that
defines `quick` is found and run in turn, in this process; one that fails gives an error row and the
others still run. Benchmarks of the existing suites that have no `quick` of their own are adapted
here (the leaderboard build).

Each row is a ratio measured side by side in one run, so it means something on a busy machine too,
with one exception: a speed-up from more workers needs the cores to be free (the load average is
printed before and after).
"""

import argparse
import importlib
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
if str(HERE) in sys.path:  # run as a file: our folder's module names (leaderboard.py) would shadow packages
    sys.path.remove(str(HERE))
sys.path.insert(0, str(ROOT))

Row = tuple[str, str, str, float, str]
TARGET = re.compile(r"^\s*(<=|>=)\s*([0-9.]+)\s*$")
LEADERBOARD_RESULTS, LEADERBOARD_HOSTILE = 300, 24


def leaderboard_quick() -> list[Row]:
    """benchmarks/leaderboard.py's build with and without hostile entries, at 300 results (issue 16:
    hostile entries cost at most 2x the clean build)."""
    from benchmarks.leaderboard import plant_hostile, synthesise, timed_build

    with tempfile.TemporaryDirectory() as tmp:
        root, site = Path(tmp) / "store", Path(tmp) / "site"
        synthesise(root, LEADERBOARD_RESULTS)
        timed_build(root, site)  # warm-up: imports, font cache
        _, clean, _ = timed_build(root, site)
        plant_hostile(root, LEADERBOARD_HOSTILE)
        _, hostile, _ = timed_build(root, site)
    return [
        (
            f"leaderboard build, {LEADERBOARD_RESULTS} results + {LEADERBOARD_HOSTILE} hostile entries",
            f"{hostile:.1f} s",
            f"{clean:.1f} s clean build",
            hostile / clean,
            "<= 2",
        )
    ]


ADAPTED: dict[str, Callable[[], list[Row]]] = {"leaderboard": leaderboard_quick}


def participants() -> dict[str, Callable[[], list[Row]] | None]:
    """Module name -> its quick() (None: import it first), for every benchmark that takes part."""
    found: dict[str, Callable[[], list[Row]] | None] = {}
    for path in sorted(HERE.glob("*.py")):
        if path.stem == "bench":
            continue
        if re.search(r"^def quick\(", path.read_text(encoding="utf-8"), re.MULTILINE):
            found[path.stem] = None
        elif path.stem in ADAPTED:
            found[path.stem] = ADAPTED[path.stem]
    return found


def run_quick(name: str, function: Callable[[], list[Row]] | None) -> tuple[list[Row], float, str | None]:
    """(rows, seconds, error) of one benchmark's quick version."""
    started = time.perf_counter()
    try:
        if function is None:
            function = importlib.import_module(f"benchmarks.{name}").quick
        rows = list(function())
    except Exception as error:  # one broken benchmark must not hide the others
        traceback.print_exc(file=sys.stderr)
        return (
            [],
            time.perf_counter() - started,
            f"{type(error).__name__}: {str(error).splitlines()[0][:120]}",
        )
    return rows, time.perf_counter() - started, None


def verdict(ratio: float, target: str) -> str:
    """ok or MISSED for a target "<= X" or ">= X"; n/a for one that this run cannot judge (e.g. a
    speed-up that needs an idle machine, stated as text)."""
    match = TARGET.match(target)
    if not match:
        return "n/a"
    limit = float(match.group(2))
    met = ratio <= limit if match.group(1) == "<=" else ratio >= limit
    return "ok" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all that take part)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks that take part, run nothing")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a row misses its target")
    args = parser.parse_args()
    available = participants()
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"no quick() in: {', '.join(unknown)}; choose from: {', '.join(available)}")
    chosen = {name: available[name] for name in args.names} if args.names else available
    if args.list:
        print("\n".join(chosen))
        return

    load_before, started = os.getloadavg()[0], time.perf_counter()
    table: list[tuple[str, Row, str]] = []
    for name, function in chosen.items():
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows, seconds, error = run_quick(name, function)
        print(f"  {name}: {seconds:.0f} s", file=sys.stderr, flush=True)
        if error:
            table.append((name, (error, "-", "-", float("nan"), "-"), "ERROR"))
        table.extend((name, row, verdict(row[3], row[4])) for row in rows)

    print(
        f"\nbenchmarks, quick versions: {time.perf_counter() - started:.0f} s; load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs\n"
    )
    print("| benchmark | what | measured | floor | ratio | target | |")
    print("|---|---|---|---|---|---|---|")
    for name, (what, measured, floor, ratio, target), mark in table:
        print(f"| {name} | {what} | {measured} | {floor} | {ratio:.2f} | {target} | {mark} |")
    missed = sum(mark in ("MISSED", "ERROR") for _, _, mark in table)
    judged = sum(mark != "n/a" for _, _, mark in table)
    print(
        f"\n{judged - missed} of {judged} judged rows within target" + (f", {missed} not" if missed else "")
    )
    if args.strict and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
