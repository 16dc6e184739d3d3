"""The self-consuming suite's generated doc tables (see benchmarks/docs_tables.py), for
docs/self-consuming.md, docs/fidelity.md and docs/benchmarks.md.

From `reference/runs/self-consuming/<experiment>.json` (gaussian, digits, motion), what
`synthsuite baseline self-consuming` wrote, and the `<experiment>.run.json` beside each: the command,
the machine load it ran under, its wall and CPU time. The figures drawn from the same files are
`python benchmarks/self_consuming_loops.py report`'s.
"""

import importlib.util
import json
from collections import defaultdict
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np


@cache
def _loops() -> ModuleType:
    """benchmarks/self_consuming_loops.py (its arms and labels), by its path (benchmarks/ is not a
    package on sys.path)."""
    path = Path(__file__).with_name("self_consuming_loops.py")
    spec = importlib.util.spec_from_file_location("_self_consuming_loops_for_tables", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _results(runs: Path, experiment: str) -> dict:
    return json.loads((runs / "self-consuming" / f"{experiment}.json").read_text())


def _run(runs: Path, experiment: str) -> dict:
    return json.loads((runs / "self-consuming" / f"{experiment}.run.json").read_text())


def _interval(values: list[float]) -> str:
    from synthsuite.kernel.stats import mean_interval

    found = mean_interval(values)
    if found.n == 1:
        return f"{found.mean:.4g}"
    return f"{found.mean:.4g} [{found.low:.4g}, {found.high:.4g}]"


def gaussian_table(results: dict[str, Any]) -> str:
    loops = _loops()
    last = results["generations"]
    lines = [
        f"| arm | W2 at generation {last}: mean [95% CI] | std across seeds at {last} | "
        f"mean std across seeds, generations 1–{last} |",
        "|---|---|---|---|",
    ]
    for runs in loops.by_arm(results).values():
        values = np.array([r["metrics"]["w2"] for r in runs])
        spread = values.std(axis=0, ddof=1) if len(runs) > 1 else np.zeros(values.shape[1])
        label = loops.arm_label(runs[0])
        if runs[0]["arm"] == "self-correcting":
            label = f"self-correcting, {label}"
        lines.append(
            f"| {label} | {_interval(list(values[:, -1]))} | {spread[-1]:.4f} | {spread[1:].mean():.4f} |"
        )
    return "\n".join(lines)


def loop_table(results: dict[str, Any], metrics: list[str]) -> str:
    labels = _loops().LABELS
    last = results["generations"]
    header = " | ".join(f"{labels.get(m, m)} at {last}" for m in metrics)
    lines = [
        f"| arm | λ | {labels.get(metrics[0], metrics[0])} at 0 | {header} |",
        "|---|---|---|" + "---|" * len(metrics),
    ]
    arms = _loops().by_arm(results)
    for _, runs in sorted(arms.items(), key=lambda item: (item[1][0]["ratio"], item[0])):
        first = _interval([r["metrics"][metrics[0]][0] for r in runs])
        cells = " | ".join(_interval([r["metrics"][m][-1] for r in runs]) for m in metrics)
        ratio = f"{runs[0]['ratio']:g}" if runs[0]["arm"] != "real-only" else "–"
        lines.append(f"| {runs[0]['arm']} | {ratio} | {first} | {cells} |")
    return "\n".join(lines)


def gaussian(runs: Path) -> str:
    return gaussian_table(_results(runs, "gaussian"))


def digits(runs: Path) -> str:
    return loop_table(_results(runs, "digits"), _loops().METRICS["digits"])


def motion(runs: Path) -> str:
    return loop_table(_results(runs, "motion"), _loops().METRICS["motion"])


def digits_difference(runs: Path) -> str:
    """FID at the last generation, self-consuming minus self-correcting, per λ and seed (the arms of a seed
    share generation 0 and the evaluation's draws, so the difference is paired), with its 95% t interval."""
    from synthsuite.kernel.stats import mean_interval

    results = _results(runs, "digits")
    last, seeds = results["generations"], results["seeds"]
    final = {(r["arm"], r["ratio"], r["seed"]): r["metrics"]["fid"][-1] for r in results["runs"]}
    lines = [
        f"| λ | FID at {last}, self-consuming − self-correcting, per seed | mean [95% interval] | "
        "what the interval supports |",
        "|---|---|---|---|",
    ]
    for ratio in sorted({ratio for arm, ratio, _ in final if arm == "self-correcting"}):
        diffs = [final["self-consuming", ratio, s] - final["self-correcting", ratio, s] for s in seeds]
        d = mean_interval(diffs)
        verdict = "correction lower" if d.low > 0 else "not resolved (holds 0)" if d.high > 0 else "raw lower"
        per_seed = ", ".join(f"{x:+.2f}" for x in diffs)
        lines.append(f"| {ratio:g} | {per_seed} | {d.mean:+.2f} [{d.low:+.2f}, {d.high:+.2f}] | {verdict} |")
    return "\n".join(lines)


def performance(runs: Path) -> str:
    """Per experiment: what ran, its wall and CPU time and load (from its .run.json), the mean CPU
    seconds of a generation after the first, and each stage's share of the generations' wall time."""
    lines = [
        "| experiment | what ran | wall | CPU (user + system) | load average (1 min) during the run | "
        "CPU s per generation (mean) | where a generation's wall time goes |",
        "|---|---|---|---|---|---|---|",
    ]
    for experiment in _loops().EXPERIMENTS:
        results, run = _results(runs, experiment), _run(runs, experiment)
        arms = results["runs"]
        generations = sum(len(r["seconds"]) - 1 for r in arms)
        cpu = sum(sum(r["cpu_seconds"][1:]) for r in arms) / max(generations, 1)
        stages: dict[str, float] = defaultdict(float)
        for r in arms:
            for stage, value in r["stage_seconds"].items():
                stages[stage] += value
        total = sum(stages.values()) or 1.0
        shares = ", ".join(
            f"{s} {100 * v / total:.0f}%" for s, v in sorted(stages.items(), key=lambda i: -i[1])
        )
        keys = len({r["key"] for r in arms})
        what = f"{keys} arms × {len(results['seeds'])} seeds × {results['generations']} generations"
        lines.append(
            f"| {experiment} | {what} | {run['wall']} | {run['cpu']} | {run['load']} | {cpu:.3g} | {shares} |"
        )
    return "\n".join(lines)


TABLES = {
    "self-consuming-digits-difference": digits_difference,
    "self-consuming-gaussian-w2": gaussian,
    "self-consuming-digits-fid": digits,
    "self-consuming-motion-fid": motion,
    "self-consuming-performance": performance,
}
