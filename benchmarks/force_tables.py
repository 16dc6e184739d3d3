"""The force suite's generated doc tables (see benchmarks/docs_tables.py), from reference/runs/force/.

`wind-calibration.json`: `python benchmarks/force_wind_strength.py calibrate --write` (one flag, no
render, a grid of wind angles and field strengths). `wind-test-render.json`: `python
benchmarks/force_wind_strength.py measure BUILD` over a rendered force-wind build.
`prompt-cpu.json`: `python benchmarks/force_prompt_cpu.py --write` (the force-prompt model's cost
on CPU, and its paper-scale cost split counted on PyTorch's meta device).
"""

import itertools
import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from synthsuite.datasets_src.force import flags
from synthsuite.kernel.stats import spearman

CLASSES = ("near-horizontal", "upward", "downward")
ELEVATIONS = {"near-horizontal": "−30..30", "upward": "> 30", "downward": "< −30"}


def _elevation(wind_angle: float) -> float:
    """Degrees above the horizontal of a wind blowing at on-screen angle `wind_angle`."""
    return math.degrees(math.asin(math.sin(math.radians(wind_angle))))


def _class(wind_angle: float) -> str:
    elevation = _elevation(wind_angle)
    if elevation > 30:
        return "upward"
    return "downward" if elevation < -30 else "near-horizontal"


def _label(field: float) -> float:
    """The inverse of flags.field_strength."""
    ratio = flags.STRENGTH_RATIO
    return math.log1p(field * (ratio - 1) / flags.STRENGTH_MAX) / math.log(ratio)


def wind_calibration(runs: Path) -> str:
    data = json.loads((runs / "force" / "wind-calibration.json").read_text())["runs"]
    cells: dict[tuple[str, float], list[dict]] = defaultdict(list)
    for run in data:
        cells[_class(run["wind_angle"]), round(run["field_strength"])].append(run)
    fields = sorted({field for _, field in cells})
    lines = [
        "Mean over the runs of each cell (seeds × angles) of the first flag's mean vertex displacement "
        "over scene frames 150–240 (world units; the flag is 1.5 × 1.0) / its mean motion energy "
        "(mean squared vertex step per frame, 1e-4 units²).",
        "",
        "| field strength | label s | " + " | ".join(f"{c} winds" for c in CLASSES) + " |",
        "|---|---|" + "---|" * len(CLASSES),
    ]
    for field in fields:
        row = []
        for name in CLASSES:
            group = cells.get((name, field), [])
            if group:
                displacement = np.mean([r["displacement_late"] for r in group])
                energy = np.mean([r["energy_mean"] for r in group]) * 1e4
                row.append(f"{displacement:.2f} / {energy:.1f} ({len(group)})")
            else:
                row.append("—")
        lines.append(f"| {field:,} | {_label(field):.2f} | " + " | ".join(row) + " |")
    angles = defaultdict(set)
    for run in data:
        angles[_class(run["wind_angle"])].add(f"{run['wind_angle']:g}°")
    seeds = sorted({run["seed"] for run in data})
    lines += [
        "",
        "Angles: "
        + "; ".join(f"{c} {', '.join(sorted(angles[c]))}" for c in CLASSES if angles[c])
        + f"; scene seeds {', '.join(map(str, seeds))} (in parentheses: runs per cell).",
    ]
    return "\n".join(lines)


def _rho(videos: list[dict], measure: str) -> str:
    if len(videos) < 3:
        return "—"
    return f"{spearman([v['wind_speed'] for v in videos], [v[measure] for v in videos]):+.2f}"


def wind_test_render(runs: Path) -> str:
    render = json.loads((runs / "force" / "wind-test-render.json").read_text())
    videos = render["videos"]
    build = render["build"]
    options = ", ".join(f"{k}={v}" for k, v in sorted((build["options"] or {}).items()))
    groups = {
        "all videos": videos,
        "without downward winds": [v for v in videos if _class(v["wind_angle"]) != "downward"],
        **{f"{c} winds only": [v for v in videos if _class(v["wind_angle"]) == c] for c in CLASSES},
    }
    lines = [
        f"{len(videos)} videos of force-wind {build['generator_version']}, profile `{build['profile']}` "
        f"({options}): `{build['command']}`.",
        "",
        "| videos | n | ρ(label, displacement) | ρ(label, video motion energy) |",
        "|---|---|---|---|",
    ]
    for name, group in groups.items():
        lines.append(
            f"| {name} | {len(group)} | {_rho(group, 'displacement_late')} | {_rho(group, 'motion_energy')} |"
        )
    framed = sum(v["first_flag_framed"] for v in videos)
    lines += [
        "",
        f"The captioned flag's free edge stays inside the frame at rest and in every frame in {framed} of "
        f"{len(videos)} videos.",
    ]
    return "\n".join(lines)


def wind_direction(runs: Path) -> str:
    videos = json.loads((runs / "force" / "wind-test-render.json").read_text())["videos"]
    lines = [
        "| wind | videos | departure of `flag_screen_direction` from the wind on screen: median | range |",
        "|---|---|---|---|",
    ]
    for name in CLASSES:
        departures = [v["direction_departure"] for v in videos if _class(v["wind_angle"]) == name]
        if departures:
            median, low, high = np.median(departures), min(departures), max(departures)
            lines.append(
                f"| {name} (elevation {ELEVATIONS[name]}°) | {len(departures)} | {median:.0f}° "
                f"| {low:.0f}–{high:.0f}° |"
            )
    return "\n".join(lines)


def _kind_rows(path: Path) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = defaultdict(list)
    for row in json.loads(path.read_text())["rows"]:
        rows[row["kind"]].append(row)
    return rows


def _graded(rows: list[dict], measure: str) -> tuple[int, int]:
    """(groups whose `measure` strictly rises with the wind speed, groups)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["group"]].append(row)
    rising = 0
    for members in groups.values():
        values = [r[measure] for r in sorted(members, key=lambda r: r["wind_speed"])]
        rising += all(b > a for a, b in itertools.pairwise(values))
    return rising, len(groups)


def wind_benchmark_motion(runs: Path) -> str:
    before = _kind_rows(runs / "force" / "wind-benchmark-motion-before.json")
    after_file = json.loads((runs / "force" / "wind-benchmark-motion.json").read_text())
    after = _kind_rows(runs / "force" / "wind-benchmark-motion.json")
    lines = [
        "Per object kind of `wind-benchmark` (tiny build, 144 × 96): the simulation's displacement of the "
        "moving points at the weakest and strongest wind of the kind's groups (pixels; labels), the groups "
        "in which the displacement and the video's motion energy (what the wind evaluator measures) rise "
        "with every step of wind speed, and the rows the evaluator calls moving. Before: the first build "
        "(field strength 15000 × speed, flags released flat, speeds 0.2–0.9); after: the pinned build "
        f"(revision `{after_file['build']['revision'][:12]}`; field strength `flags.field_strength(speed)`, "
        "draped flags, speeds 0.45–0.9).",
        "",
        "| kind | displacement px, weakest → strongest: before | after | groups graded by displacement: "
        "before | after | by motion energy: before | after | rows moving: before | after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in sorted(after):
        cells = []
        for table in (before, after):
            rows = table[kind]
            low = min(r["wind_speed"] for r in rows)
            high = max(r["wind_speed"] for r in rows)
            weakest = np.mean([r["displacement_px"] for r in rows if r["wind_speed"] == low])
            strongest = np.mean([r["displacement_px"] for r in rows if r["wind_speed"] == high])
            cells.append(f"{weakest:.1f} → {strongest:.1f}")
        graded = [f"{a} of {b}" for a, b in (_graded(t[kind], "displacement_px") for t in (before, after))]
        energy = [f"{a} of {b}" for a, b in (_graded(t[kind], "motion_energy") for t in (before, after))]
        moving = [f"{sum(r['moved'] for r in t[kind])} of {len(t[kind])}" for t in (before, after)]
        lines.append(f"| {kind} | " + " | ".join([*cells, *graded, *energy, *moving]) + " |")
    return "\n".join(lines)


PROMPT_CPU_ROWS = {
    "base": ("base transformer", "2 blocks", "42 blocks"),
    "branch": ("branch, control encoder included", "2 blocks", "6 blocks"),
    "encoder": ("control encoder alone", "9 × 64 × 96", "49 × 480 × 720"),
}


def prompt_cpu_table(figures: dict) -> str:
    """The force-prompt model's CPU cost and paper-scale cost split, from what
    benchmarks/force_prompt_cpu.py measured (the contents of prompt-cpu.json)."""
    pipe, tiny_ms = figures["tiny_pipeline"], figures["tiny_forward_ms"]
    encoder, flops = figures["paper_encoder"], figures["paper_flops"]
    paper = flops["tflop_per_cfg_forward"]
    steps = figures["settings"]["steps"]
    lines = [
        "| tiny pipeline (96×64, 9 frames, CFG 6, 1 thread) | s per denoising step | s per call |",
        "|---|---|---|",
    ]
    for name in ("no branch", "branch, 1 block", "branch, 2 blocks"):
        lines.append(
            f"| {name} | {pipe[name]['s_per_step']:.4f} | {pipe[name]['s_per_call']:.3f} ({steps} steps) |"
        )
    lines += [
        "",
        "| one CFG forward (batch 2) | tiny: ms, measured | tiny: share of base | "
        "paper: TFLOP, counted | paper: share of base |",
        "|---|---|---|---|---|",
    ]
    for key, (name, tiny_size, paper_size) in PROMPT_CPU_ROWS.items():
        lines.append(
            f"| {name} | {tiny_ms[key]:.3f} ({tiny_size}) | {tiny_ms[key] / tiny_ms['base']:.1%} | "
            f"{paper[key]:,.3f} ({paper_size}) | {paper[key] / paper['base']:.4%} |"
        )
    lines += [
        "",
        f"Peak resident memory of the tiny runs: {pipe['peak_rss_mb']:.0f} MB. The control encoder at "
        f"paper size ({encoder['input_mb']:.0f} MB of control video, a CFG batch of 2) takes "
        f"{encoder['s']:.2f} s on one CPU thread. Parameters at paper scale: "
        f"base {flops['base_params_b']:.2f} B, branch {flops['branch_params_b']:.2f} B. Load average (1 min) "
        f"{figures['machine']['load_average_1min_before']} before and "
        f"{figures['machine']['load_average_1min_after']} after, on {figures['machine']['cpus']} CPUs.",
    ]
    return "\n".join(lines)


def prompt_cpu(runs: Path) -> str:
    return prompt_cpu_table(json.loads((runs / "force" / "prompt-cpu.json").read_text()))


TABLES = {
    "force-wind-benchmark-motion": wind_benchmark_motion,
    "force-wind-calibration": wind_calibration,
    "force-wind-test-render": wind_test_render,
    "force-wind-direction": wind_direction,
    "force-prompt-cpu": prompt_cpu,
}
