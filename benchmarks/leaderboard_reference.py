"""Rebuild the reference results store (reference/store/) from the runs behind it (reference/runs/).

    python -m benchmarks.leaderboard_reference            # rebuild it from reference/sources.json
    python -m benchmarks.leaderboard_reference --check    # fail when the store differs from a rebuild

`reference/sources.json` lists one entry per reference model, in submission order:

    {"runs": ["reference/runs/syntheory/tiny/chroma-linear"],      # results folders (or files)
     "card": "reference/runs/syntheory/tiny/chroma-linear/model.json",
     "submitted": "2026-12-03T08:08:00Z",                          # the submission time it is stored under
     "commands": ["synthsuite baseline syntheory --profile tiny ..."]}   # how the runs were made

Every entry goes through `synthsuite submit --results ... --model-card ...` (the same checks as any
submission): results whose folder holds the predictions file they name are scored again on the
task's pinned split and stored as verified, so the datasets the tasks pin must be in the local hub
(`SYNTHSUITE_HUB`, see docs/leaderboard.md, "Adding reference results"). The store is built in a
temporary folder and swapped in whole; with a fixed submission time the same runs give the same
bytes, which `--check` compares.
"""

import argparse
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, RootModel

from synthsuite.kernel.errors import UserError
from synthsuite.kernel.strict_json import read_model
from synthsuite.leaderboard.store import ResultsStore
from synthsuite.leaderboard.submission import assemble_submission, submit_local

ROOT = Path(__file__).resolve().parents[1]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    runs: list[str] = Field(min_length=1)
    card: str
    submitted: str
    commands: list[str] = Field(min_length=1)


class Sources(RootModel[list[Source]]):
    pass


def build(sources: list[Source], store: Path) -> None:
    """Submit every source, in order, into a new store at `store`."""
    target = ResultsStore(store)
    for source in sources:
        submission = assemble_submission([ROOT / run for run in source.runs], ROOT / source.card)
        when = datetime.fromisoformat(source.submitted.replace("Z", "+00:00"))
        folder = submit_local(submission, target, now=when)
        print(
            f"{submission.card.name} ({submission.model_revision}): {len(submission.results)} results, "
            f"{submission.verified} verified -> {folder.relative_to(store)}"
        )
    (store / ".lock").unlink(missing_ok=True)


def listing(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".")
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", type=Path, default=ROOT / "reference" / "sources.json")
    parser.add_argument("--store", type=Path, default=ROOT / "reference" / "store")
    parser.add_argument(
        "--check", action="store_true", help="compare a rebuild with the store, write nothing"
    )
    args = parser.parse_args()
    try:
        _, sources = read_model(Sources, args.sources, 1 << 20, fix="see benchmarks/leaderboard_reference.py")
        with tempfile.TemporaryDirectory(prefix="reference-store-", dir=args.store.parent) as tmp:
            fresh = Path(tmp) / "store"
            build(sources.root, fresh)
            if args.check:
                if listing(fresh) != listing(args.store):
                    print(f"{args.store} differs from a rebuild from {args.sources}", file=sys.stderr)
                    return 1
                print(f"{args.store} is what {args.sources} rebuilds")
                return 0
            old = Path(tmp) / "old"
            if args.store.exists():
                args.store.rename(old)
            fresh.rename(args.store)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.store}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
