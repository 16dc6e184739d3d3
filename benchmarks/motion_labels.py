"""The motion-correction labels checked against the motions themselves (docs/fidelity.md).

    python benchmarks/motion_labels.py [DATASET] [--write]

DATASET is a motion-correction build (default: `synthsuite/motion-correction`, the pinned small build
in the local hub). For every clip of `clean` and `pairs` (all splits) it recomputes the physics metrics
from the stored joints and compares them with the stored metric columns; checks that every clean clip
(and every pair's clean source) is within the clean thresholds and that every injected artifact raises
its own metric above its threshold and above its source's; and compares the simulator's foot contacts
(`foot_contacts`, bodies touching the floor in MuJoCo) with the joints' heights above the floor. With
`--write` the figures go to reference/runs/motion/label-checks.json (benchmarks/motion_tables.py turns
them into docs/fidelity.md's table).
"""

import argparse
import json
from pathlib import Path

import numpy as np

from synthsuite.datasets_src.access import open_dataset
from synthsuite.datasets_src.motion.artifacts import METRIC_OF
from synthsuite.datasets_src.motion.metrics import METRIC_NAMES, physics_metrics, surface_heights
from synthsuite.datasets_src.motion.synthesis import CLEAN_THRESHOLDS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reference" / "runs" / "motion" / "label-checks.json"
ANKLES_AND_FEET = (7, 8, 10, 11)  # HumanML3D joints: left/right ankle, left/right foot (foot_contacts' order)


def _rows(source, config: str) -> list[dict]:
    rows = []
    for split in source.splits(config):
        if source.num_rows(config, split):
            rows += source.read(config, split, None).to_pylist()
    return rows


def _joints(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64).reshape(-1, 22, 3)


def _within(metrics: dict[str, float]) -> bool:
    return all(metrics[name] <= limit for name, limit in CLEAN_THRESHOLDS.items())


def check(dataset: str) -> dict:
    source = open_dataset(dataset, configs=["clean", "pairs"])
    clean, pairs = _rows(source, "clean"), _rows(source, "pairs")
    worst = dict.fromkeys(METRIC_NAMES, 0.0)
    within = 0
    touching, apart = [], []
    for row in clean:
        joints = _joints(row["joints"])
        metrics = physics_metrics(joints, row["fps"]).as_dict()
        for name in METRIC_NAMES:
            worst[name] = max(worst[name], abs(metrics[name] - row[name]))
        within += _within(metrics)
        heights = surface_heights(joints)[:, ANKLES_AND_FEET]  # (frames, 4) surface above the floor, m
        contacts = np.asarray(row["foot_contacts"], dtype=bool).reshape(-1, 4)
        touching.append(heights[contacts])
        apart.append(heights[~contacts])
    raised = sources_within = artifacts = 0
    by_artifact: dict[str, list[int]] = {}  # artifact -> [injected, raising their metric]
    missed = []
    worst_pairs = dict.fromkeys(METRIC_NAMES, 0.0)
    for row in pairs:
        metrics = physics_metrics(_joints(row["joints"]), row["fps"]).as_dict()
        source_metrics = physics_metrics(_joints(row["clean_joints"]), row["fps"]).as_dict()
        for name in METRIC_NAMES:
            worst_pairs[name] = max(
                worst_pairs[name],
                abs(metrics[name] - row[name]),
                abs(source_metrics[name] - row[f"clean_{name}"]),
            )
        sources_within += _within(source_metrics)
        for artifact in row["artifacts"]:
            name = METRIC_OF[artifact]
            artifacts += 1
            ok = metrics[name] > CLEAN_THRESHOLDS[name] and metrics[name] > source_metrics[name]
            raised += ok
            counts = by_artifact.setdefault(artifact, [0, 0])
            counts[0] += 1
            counts[1] += ok
            if not ok:
                missed.append(
                    {
                        "sample_id": row["sample_id"],
                        "artifacts": list(row["artifacts"]),
                        "metric": name,
                        "value": round(metrics[name], 3),
                        "threshold": CLEAN_THRESHOLDS[name],
                        "source_value": round(source_metrics[name], 3),
                    }
                )
    touching_mm, apart_mm = 1000 * np.concatenate(touching), 1000 * np.concatenate(apart)
    return {
        "dataset": {
            "repo_id": source.repo_id,
            "revision_clean": source.data_revision("clean"),
            "revision_pairs": source.data_revision("pairs"),
            "command": source.manifest.get("command"),
        },
        "clean": {
            "clips": len(clean),
            "max_abs_stored_minus_recomputed": {k: float(v) for k, v in worst.items()},
            "within_clean_thresholds": int(within),
            "foot_joint_height_mm_when_touching": {
                "frames": int(touching_mm.size),
                "median": round(float(np.median(touching_mm)), 2),
                "p95": round(float(np.percentile(touching_mm, 95)), 2),
            },
            "foot_joint_height_mm_when_not_touching": {
                "frames": int(apart_mm.size),
                "median": round(float(np.median(apart_mm)), 2),
                "p5": round(float(np.percentile(apart_mm, 5)), 2),
            },
        },
        "pairs": {
            "motions": len(pairs),
            "max_abs_stored_minus_recomputed": {k: float(v) for k, v in worst_pairs.items()},
            "sources_within_clean_thresholds": int(sources_within),
            "artifacts": artifacts,
            "artifacts_raising_their_metric": int(raised),
            "by_artifact": {k: {"injected": v[0], "raising": v[1]} for k, v in sorted(by_artifact.items())},
            "not_raising": missed,
        },
        "clean_thresholds": CLEAN_THRESHOLDS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", nargs="?", default="synthsuite/motion-correction")
    parser.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(ROOT)}")
    args = parser.parse_args()
    result = check(args.dataset)
    print(json.dumps(result, indent=1))
    if args.write:
        OUT.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
