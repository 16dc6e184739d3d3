"""Benchmark printouts kept as they were printed, and the doc regions generated from them.

A benchmark whose figures the docs quote but which writes no results file of its own is run by
`python benchmarks/record.py NAME`: it runs the command listed here under NAME and keeps its whole
standard output, with when, at which commit, how long and at what load, in
`reference/runs/benchmarks/recorded/NAME.json`. The doc region `recorded-NAME` shows that printout
verbatim and the circumstances under it, so a figure in the docs is always one a reader can find in
a shipped file, and the check of benchmarks/docs_tables.py catches a printout edited by hand.
"""

import json
from functools import partial
from pathlib import Path

# name -> the command, run from the repository root ("python" is the running interpreter)
RECORDED = {
    "bench": "python benchmarks/bench.py",
    "force-control-timing": "python benchmarks/force_control.py timing --repeats 9",
    "force-evaluation-one": "python benchmarks/force_evaluation.py one --repeats 3",
    "force-evaluation-point": "python benchmarks/force_evaluation.py point-benchmark",
    "force-render-end-to-end": "python benchmarks/force_render.py end-to-end --workers 2",
    "timeseries-kernel-synth": "python benchmarks/timeseries_kernel_synth.py --series 12",
    "timeseries-training": "python benchmarks/timeseries_training.py --steps 10",
    "minatar-emulator": "python benchmarks/fourier_minatar_dqn.py --steps 10000",
    "atari-emulator": "python benchmarks/fourier_minatar_dqn.py --emulator ale --steps 2000",
    "leaderboard": "python -m benchmarks.leaderboard",
    "leaderboard-350": "python -m benchmarks.leaderboard --results 350",
    "syntheory-features": "python benchmarks/syntheory_features.py",
    "syntheory-probe-cost": (
        "python benchmarks/syntheory_probe.py --features handcrafted chroma --dataset /tmp/syntheory-paper"
    ),
    "syntheory-synthesis-floor": "python benchmarks/syntheory_generation.py --floor",
    "syntheory-shortcuts": "python benchmarks/syntheory_shortcuts.py",
    # into a new folder: a build into an existing one would resume (the script refuses a non-empty one)
    "syntheory-generation-paper": (
        "python benchmarks/syntheory_generation.py --paper /tmp/syntheory-paper-bench"
    ),
    # the same build again, for the spread between two runs
    "syntheory-generation-paper-again": (
        "python benchmarks/syntheory_generation.py --paper /tmp/syntheory-paper-bench-again"
    ),
}


def record_path(runs: Path, name: str) -> Path:
    return runs / "benchmarks" / "recorded" / f"{name}.json"


def recorded(runs: Path, name: str) -> str:
    record = json.loads(record_path(runs, name).read_text())
    if record["command"] != RECORDED[name]:
        raise ValueError(
            f"{name}: recorded `{record['command']}`, the list says `{RECORDED[name]}`: record it again"
        )
    return "\n".join(
        [
            "```",
            record["stdout"].strip("\n"),
            "```",
            "",
            f"Printed by `{record['command']}` on {record['date']} (commit {record['commit'][:10]}"
            f"{', with uncommitted changes' if record['dirty'] else ''}) in {record['wall_seconds']:.0f} s "
            f"of wall time; load average {record['load_before']:.2f} before and {record['load_after']:.2f} "
            f"after, on {record['cores']} CPUs (`reference/runs/benchmarks/recorded/{name}.json`).",
        ]
    )


TABLES = {f"recorded-{name}": partial(recorded, name=name) for name in RECORDED}
