"""The motion suite's generated doc tables (see benchmarks/docs_tables.py), from reference/runs/motion/.

motion-speed: `speed.json`, written by `python benchmarks/motion_correction.py speed` (bytes per clip
from correction-small.json).
motion-correction: `correction-small.json`, written by
`python benchmarks/motion_correction.py score --dataset BUILD` on the small-profile build.
motion-label-checks: `label-checks.json`, written by `python benchmarks/motion_labels.py --write`.
"""

import json
from pathlib import Path

from synthsuite.datasets_src.motion.artifacts import ARTIFACTS, METRIC_OF
from synthsuite.kernel.stats import mean_interval


def _load(runs: Path, name: str) -> dict:
    return json.loads((runs / "motion" / name).read_text())


def speed_table(runs: Path) -> str:
    record = _load(runs, "speed.json")
    s = record["summary"]
    lines = [
        "| figure | value |",
        "|---|---|",
        f"| corrector (no refinement), x real time per core | {s['corrector_x_real_time_per_core']:.1f} |",
        f"| raw `mj_step` of the same model and steps, x real time per core | "
        f"{s['raw_mj_step_x_real_time_per_core']:.1f} |",
        f"| corrector CPU time / raw `mj_step` CPU time | {s['overhead_vs_raw_mj_step']:.2f} |",
        f"| corrections per CPU second | {s['corrections_per_cpu_s']:.2f} |",
        f"| generation, CPU s per clean clip (rejected draws included) | "
        f"{s['generation_cpu_s_per_clip']:.2f} |",
        f"| generation, CPU s per second of motion | {s['generation_cpu_s_per_clip_second']:.3f} |",
        f"| paper profile ({s['paper_clips']:,} clips, both configs), projected, 2 workers | "
        f"{s['paper_projected_minutes_2_workers']:.0f} min |",
        f"| paper profile, projected, a 64-CPU Ray cluster | "
        f"{s['paper_projected_minutes_ray_64_cpus']:.1f} min |",
    ]
    built = _load(runs, "correction-small.json")["bytes_per_clip"]  # measured on the small build
    for config in ("clean", "pairs"):
        lines.append(f"| bytes per clip, `{config}` (parquet, zstd; small build) | {built[config]:,.0f} |")
    if "refinement_residual_before" in s:
        lines.append(
            f"| CEM refinement (3 x 8 simulations): residual force, x body weight | "
            f"{s['refinement_residual_before']:.3f} -> {s['refinement_residual_after']:.3f} |"
        )
        lines.append(
            f"| CEM refinement, CPU s per second of motion | {s['refinement_cpu_s_per_clip_second']:.2f} |"
        )
    load = record["load_average"][0]
    lines += ["", f"`{record['command']}`; {record['machine']}, load average {load:.0f} during the run."]
    return "\n".join(lines) + "\n"


def correction_table(runs: Path) -> str:
    record = _load(runs, "correction-small.json")
    rows = record["rows"]
    lines = [
        "| artifact | rows | metric | artifacted | corrected | clean source | reduction |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in ARTIFACTS:
        metric = METRIC_OF[kind]
        having = [r for r in rows if kind in r["artifacts"]]
        before = sum(r["before"][metric] for r in having)
        after = sum(r["after"][metric] for r in having)
        clean = sum(r["clean"][metric] for r in having)
        n = len(having)
        lines.append(
            f"| {kind} | {n} | {metric} | {before / n:.2f} | {after / n:.2f} | {clean / n:.2f} | "
            f"{100 * (1 - after / before):.0f}% |"
        )
    scores = record["scores"]
    distance = mean_interval([1000 * r["distance_m"] for r in rows])
    failed = sum(not r["ok"] for r in rows)
    lines += [
        "",
        f"Over the {len(rows)} test motions: share of each artifact's excess over its clean source removed "
        f"(`artifact_reduction`) {scores['artifact_reduction']:.1f}%; distance to the clean source "
        f"{distance.mean:.0f} mm (95% interval {distance.low:.0f}-{distance.high:.0f}); "
        f"{failed} could not be simulated. Units: mm, overspeed m/s.",
        "",
        "| family | motions | distance to clean source, mm (95% interval) | residual force, x weight |",
        "|---|---|---|---|",
    ]
    for family in sorted({r["family"] for r in rows}):
        mine = [r for r in rows if r["family"] == family]
        interval = mean_interval([1000 * r["distance_m"] for r in mine])
        residual = sum(r["residual_force_ratio"] for r in mine if r["ok"]) / max(
            1, sum(r["ok"] for r in mine)
        )
        lines.append(
            f"| {family} | {len(mine)} | {interval.mean:.0f} ({interval.low:.0f}-{interval.high:.0f}) | "
            f"{residual:.2f} |"
        )
    lines += ["", f"`{record['command']}`, data revision `{record['dataset_revision'][:12]}`."]
    return "\n".join(lines) + "\n"


def clean_table(runs: Path) -> str:
    record = _load(runs, "correction-small.json")
    lines = [
        "| family | clips | draws per clip | residual force, x weight | tracking error, cm | penetrate "
        "| float | skate | jitter |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for family, values in sorted(record["clean_families"].items()):
        residual = mean_interval(values["residual_force"])
        mean = {k: sum(v) / len(v) for k, v in values.items() if isinstance(v, list)}
        lines.append(
            f"| {family} | {values['clips']} | {mean['attempts']:.2f} | {residual.mean:.2f} "
            f"({residual.low:.2f}-{residual.high:.2f}) | {100 * mean['tracking_error']:.1f} | "
            f"{mean['penetrate']:.1f} | {mean['float']:.1f} | {mean['skate']:.1f} | {mean['jitter']:.1f} |"
        )
    lines += [
        "",
        "Metrics in mm, means over the family's clips (all splits); residual with its 95% interval.",
    ]
    return "\n".join(lines) + "\n"


def label_checks_table(runs: Path) -> str:
    record = _load(runs, "label-checks.json")
    clean, pairs, dataset = record["clean"], record["pairs"], record["dataset"]
    worst = max(max(clean["max_abs_stored_minus_recomputed"].values()),
                max(pairs["max_abs_stored_minus_recomputed"].values()))  # fmt: skip
    touching, apart = (
        clean["foot_joint_height_mm_when_touching"],
        clean["foot_joint_height_mm_when_not_touching"],
    )
    by_artifact = ", ".join(
        f"{name} {v['raising']} of {v['injected']}" for name, v in pairs["by_artifact"].items()
    )
    missed = pairs["not_raising"]
    missed_text = (
        f"; the {len(missed)} others are skating injected together with floating "
        f"({sum('floating' in m['artifacts'] for m in missed)} of {len(missed)}): lifted off the floor, "
        "no foot touches it, so Skate reads 0"
        if missed
        else ""
    )
    return "\n".join(
        [
            "| check | method | result |",
            "|---|---|---|",
            f"| stored metrics | recompute the six physics metrics from the stored joints of every clip "
            f"({clean['clips']} clean, {pairs['motions']} pairs with their sources) | largest difference "
            f"{worst:.1e} (mm, m/s): float32 storage |",
            "| clean clips are clean | every clean clip and every pair's source against the clean "
            f"thresholds | {clean['within_clean_thresholds']} of {clean['clips']} clean clips, "
            f"{pairs['sources_within_clean_thresholds']} of {pairs['motions']} sources |",
            f"| artifacts raise their metric | the artifacted motion's metric above its clean threshold and "
            f"above its source's | {pairs['artifacts_raising_their_metric']} of {pairs['artifacts']} "
            f"injections ({by_artifact}){missed_text} |",
            "| simulated foot contacts | height of the ankle and foot joints' surfaces above the floor in "
            "the frames MuJoCo reports them touching it / not | "
            f"touching: median {touching['median']:.1f} mm, 95th percentile {touching['p95']:.1f} mm "
            f"({touching['frames']:,} joint-frames); not touching: "
            f"median {apart['median']:.1f} mm, 5th percentile {apart['p5']:.1f} mm ({apart['frames']:,}) |",
            "",
            f"Build: `{dataset['command'].split(' --out')[0]}` (clean revision "
            f"`{dataset['revision_clean'][:12]}`, pairs `{dataset['revision_pairs'][:12]}`).",
        ]
    )


TABLES = {
    "motion-speed": speed_table,
    "motion-correction": correction_table,
    "motion-clean": clean_table,
    "motion-label-checks": label_checks_table,
}
