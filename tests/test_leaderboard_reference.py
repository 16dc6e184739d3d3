"""The reference results store (reference/store/) is what its sources rebuild, and every entry in it
is valid: the tiny SynTheory probes are rebuilt here through `synthsuite submit` (scores recomputed
from their predictions on the tiny build, which reproduces the pinned revisions) and must come out
byte for byte as stored."""

from benchmarks.leaderboard_reference import ROOT, Sources, build, listing
from synthsuite.datasets_src import hub
from synthsuite.kernel.strict_json import read_model
from synthsuite.leaderboard.store import ResultsStore
from synthsuite.leaderboard.table import INVALID, collect

STORE = ROOT / "reference" / "store"
SOURCES = ROOT / "reference" / "sources.json"


def test_every_reference_entry_is_valid_and_the_offline_ones_are_verified():
    table = collect(ResultsStore(STORE, reference=True))
    assert not table.empty and (table["status"] != INVALID).all(), table[table["status"] == INVALID]
    assert table["reference"].all()
    offline = table[~table["verification"].str.contains("scored online")]
    tiny = offline[offline["benchmark"] == "syntheory-tiny"]
    assert len(tiny) >= 49 and tiny["verified"].all()


def test_the_tiny_reference_entries_rebuild_byte_for_byte(tiny_dataset, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHSUITE_HUB", str(tmp_path / "hub"))
    hub.publish_local(tiny_dataset, "synthsuite/syntheory-tiny")
    _, sources = read_model(Sources, SOURCES, 1 << 20, fix="-")
    tiny = [s for s in sources.root if all(r.startswith("reference/runs/syntheory/tiny/") for r in s.runs)]
    assert len(tiny) == 7
    build(tiny, tmp_path / "store")
    rebuilt = listing(tmp_path / "store")
    stored = {
        path: data for path, data in listing(STORE).items() if _submission(path) in _submissions(rebuilt)
    }
    assert rebuilt == stored


def _submission(path: str) -> str:
    return "/".join(path.split("/")[:2])


def _submissions(files: dict[str, bytes]) -> set[str]:
    return {_submission(path) for path in files}
