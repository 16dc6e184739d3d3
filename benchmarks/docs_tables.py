"""Tables in docs/ generated from the results files that ship (reference/runs/), checked against them.

    python benchmarks/docs_tables.py            # check: exit 1 and list every region that differs
    python benchmarks/docs_tables.py --write    # rewrite every generated region from reference/runs/
    python benchmarks/docs_tables.py --list     # the generators and the docs that use them

A generated region of a doc is

    <!-- generated: NAME -->
    ...markdown written by the generator NAME...
    <!-- end -->

Generators are functions `(runs: Path) -> str` (runs = reference/runs/) returning markdown; each
suite keeps its own in `benchmarks/<package>_tables.py` as a dict `TABLES = {NAME: function}`, and
this script collects every such module. Names are global (prefix them with the suite's name). The
check fails on a region whose text differs from its generator's, on a region naming no generator,
and on a generator that raises (e.g. because its files are missing); tests/test_docs_tables.py runs
it in the default test run.
"""

import argparse
import difflib
import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RUNS = ROOT / "reference" / "runs"
REGION = re.compile(r"<!-- generated: (?P<name>[A-Za-z0-9_.-]+) -->\n(?P<body>.*?)<!-- end -->", re.DOTALL)

Generator = Callable[[Path], str]


def load_module(path: Path) -> ModuleType:
    """Import a file of benchmarks/ by its path, as `benchmarks.<stem>`: benchmarks/ is a folder of
    scripts, not a package on sys.path, so this works from any working directory and under pytest."""
    name = f"benchmarks.{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up there
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def generators() -> dict[str, Generator]:
    """Every `TABLES` of benchmarks/*_tables.py, by name (a name defined twice is an error)."""
    found: dict[str, Generator] = {}
    for path in sorted((ROOT / "benchmarks").glob("*_tables.py")):
        if path.stem == "docs_tables":
            continue
        module = load_module(path)
        for name, function in module.TABLES.items():
            if name in found:
                raise ValueError(f"table {name!r} is defined twice (second time in {path.name})")
            found[name] = function
    return found


@dataclass(frozen=True)
class Problem:
    doc: str
    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.doc}: generated region {self.name!r}: {self.message}"


def _render(name: str, tables: dict[str, Generator], runs: Path) -> str:
    return tables[name](runs).strip("\n") + "\n"


def check(docs: Path = DOCS, runs: Path = RUNS, write: bool = False) -> list[Problem]:
    """Regenerate every region of every docs/*.md; return what disagrees (and with `write`, fix it)."""
    tables = generators()
    problems = []
    for doc in sorted(docs.glob("*.md")):
        text = doc.read_text()
        pieces, position = [], 0
        for match in REGION.finditer(text):
            name, body = match["name"], match["body"]
            pieces.append(text[position : match.start("body")])
            position = match.end("body")
            if name not in tables:
                problems.append(Problem(doc.name, name, f"no generator (known: {', '.join(sorted(tables))})"))
                pieces.append(body)
                continue
            try:
                expected = _render(name, tables, runs)
            except Exception as error:  # a generator's failure is reported, not raised
                problems.append(Problem(doc.name, name, f"generator failed: {type(error).__name__}: {error}"))
                pieces.append(body)
                continue
            if body != expected:
                diff = difflib.unified_diff(
                    body.splitlines(), expected.splitlines(), "doc", "files", n=0, lineterm=""
                )
                problems.append(Problem(doc.name, name, "differs from its files:\n" + "\n".join(diff)))
            pieces.append(expected)
        pieces.append(text[position:])
        new = "".join(pieces)
        if write and new != text:
            doc.write_text(new)
    return problems


def usage(docs: Path = DOCS) -> dict[str, list[str]]:
    """Generator name -> the docs with a region of that name."""
    used: dict[str, list[str]] = {name: [] for name in generators()}
    for doc in sorted(docs.glob("*.md")):
        for match in REGION.finditer(doc.read_text()):
            used.setdefault(match["name"], []).append(doc.name)
    return used


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="rewrite the generated regions")
    parser.add_argument("--list", action="store_true", help="list generators and where they are used")
    parser.add_argument("--docs", type=Path, default=DOCS)
    parser.add_argument("--runs", type=Path, default=RUNS)
    args = parser.parse_args()
    if args.list:
        for name, docs in usage(args.docs).items():
            print(f"{name:<45} {', '.join(docs) or '(unused)'}")
        return 0
    problems = check(args.docs, args.runs, write=args.write)
    for problem in problems:
        print(problem)
    if args.write:
        left = [p for p in problems if "differs" not in p.message]
        print(f"rewrote the generated regions; {len(left)} problem(s) left")
        return 1 if left else 0
    print(f"{len(problems)} generated region(s) disagree with reference/runs/" if problems else "docs agree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
