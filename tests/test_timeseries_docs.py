"""The shipped summary behind docs/timeseries.md's tables (tests/test_docs_tables.py checks the tables
against it) holds the experiment the doc describes: both heads, three seeds, both tasks."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = ROOT / "reference" / "runs" / "timeseries" / "fourier-forecast.json"


def test_the_summary_has_both_heads_three_seeds_and_both_tasks():
    summary = json.loads(SUMMARY.read_text())
    for task in ("timeseries/real", "timeseries/synthetic"):
        for head in ("linear", "fourier-550"):
            entry = summary["results"][task][head]
            assert entry["seeds"] == [0, 1, 2]
            assert set(entry["mean"]) == {"mase_relative", "wql_relative", "mase", "wql", "smoothness"}
    assert {len(runs) for runs in summary["training"].values()} == {3}
    assert (ROOT / "docs" / "img" / "timeseries-distributions.png").is_file()
