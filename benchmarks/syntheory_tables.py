"""The SynTheory suite's generated doc tables (see benchmarks/docs_tables.py), from reference/runs/syntheory/.

`paper/<features>-mlp/syntheory__time_signatures/results.json`: the time-signature probes re-run on the
full paper build (`synthsuite baseline syntheory --features all-handmade --task syntheory/time_signatures`,
MLP probe, seed 0), the one concept of docs/syntheory-baselines.md's reproduction table whose results
files ship.
"""

import json
from pathlib import Path

FEATURES = ("mel", "chroma", "mfcc", "handcrafted")
# The paper's Table 2 (time signatures) and the cell of docs/syntheory-baselines.md's transcribed table.
PAPER = {"mel": 0.827, "chroma": 0.672, "mfcc": 0.688, "handcrafted": 0.833}
TRANSCRIBED = {"mel": 0.778, "chroma": 0.661, "mfcc": 0.717, "handcrafted": 0.800}


def _f3(value: float) -> str:
    return f"{value:.3f}".replace("0.", ".", 1) if 0 <= value < 1 else f"{value:.3f}"


def time_signatures_rerun(runs: Path) -> str:
    lines = [
        "| features | test accuracy (shipped) | validation | selected layer | test rows | earlier table | "
        "paper | ours − paper |",
        "|---|---|---|---|---|---|---|---|",
    ]
    revisions, seeds = set(), set()
    for features in FEATURES:
        folder = runs / "syntheory" / "paper" / f"{features}-mlp" / "syntheory__time_signatures"
        result = json.loads((folder / "results.json").read_text())
        test, validation = result["main_score"], result["scores"]["validation"]["accuracy"]
        rows = result["settings"]["rows"]["test"]
        revisions.add(result["dataset"]["revision"][:12])
        seeds.update(result["seeds"])
        lines.append(
            f"| {features} | {_f3(test)} | {_f3(validation)} | `{result['selected_layer']}` | {rows} "
            f"| {_f3(TRANSCRIBED[features])} | {_f3(PAPER[features])} | {test - PAPER[features]:+.3f} |"
        )
    lines += [
        "",
        f"MLP probe, seed {', '.join(map(str, sorted(seeds)))} (one seed: no interval), test split of the "
        f"pinned `time_signatures` revision {', '.join(sorted(revisions))}. The paper's number is the best "
        "validation score of its sweep.",
    ]
    return "\n".join(lines)


TABLES = {"syntheory-time-signatures-rerun": time_signatures_rerun}
