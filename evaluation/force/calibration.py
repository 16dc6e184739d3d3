"""Calibration: the force evaluators on the ground-truth videos and on corrupted copies of them.

A force evaluator is only worth its numbers if it scores the truth near-perfectly and clearly fails
videos whose motion is wrong. `calibrate` scores, for one task, the benchmark's own videos and five
corruptions of each: time-reversed, mirrored (left-right), frozen (the first frame repeated),
shuffled (the first frame kept, the rest in a random order) and another video's motion (the video
of a row half the benchmark away, from another group). Writes JSON for docs/force-evaluation.md:

    python -m synthsuite.evaluation.force.calibration --dataset DIR \
        --out reference/runs/force/evaluation/calibration.json
"""

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from synthsuite.evaluation.evaluator import open_task_dataset
from synthsuite.evaluation.force import scoring, videos
from synthsuite.evaluation.tasks import TaskMetadata, list_tasks
from synthsuite.kernel.atomic import atomic_write_text
from synthsuite.kernel.seeding import derive_seed

Corruption = Callable[[np.ndarray, int, list[np.ndarray]], np.ndarray]


def _shuffled(frames: np.ndarray, index: int, _all: list[np.ndarray]) -> np.ndarray:
    order = np.random.default_rng(derive_seed("force-calibration-shuffle", index)).permutation(
        len(frames) - 1
    )
    return np.concatenate([frames[:1], frames[1:][order]])


def _other(frames: np.ndarray, index: int, every: list[np.ndarray]) -> np.ndarray:
    return every[(index + len(every) // 2) % len(every)]


CORRUPTIONS: dict[str, Corruption] = {
    "ground-truth": lambda frames, _i, _all: frames,
    "time-reversed": lambda frames, _i, _all: frames[::-1].copy(),
    "mirrored": lambda frames, _i, _all: frames[:, :, ::-1].copy(),
    "frozen": lambda frames, _i, _all: np.repeat(frames[:1], len(frames), axis=0),
    "shuffled": _shuffled,
    "other-video": _other,
}


def calibrate(task: TaskMetadata, dataset: str | Path | None = None) -> dict[str, Any]:
    """Scores of the ground truth and of each corruption on the task's split; seconds spent."""
    source, revision = open_task_dataset(task, dataset)
    config = task.dataset.config
    columns = ["sample_id", *scoring.LABELS[config], *scoring.FORMAT, "video"]
    rows = source.read(config, task.eval_split, columns).to_pylist()
    fmt = scoring.expected_format(rows)
    started = time.perf_counter()
    frames = [
        videos.decode_gray(videos.VideoRef(r["sample_id"], data=r["video"]["bytes"]), fmt) for r in rows
    ]
    results = {}
    for name, corrupt in CORRUPTIONS.items():
        pairs = enumerate(zip(frames, rows, strict=True))
        measured = [scoring.measure(config, corrupt(f, i, frames), r) for i, (f, r) in pairs]
        results[name] = scoring.scores_of(config, measured, rows)
    return {
        "task": task.name,
        "revision": revision,
        "rows": len(rows),
        "format": str(fmt),
        "seconds": round(time.perf_counter() - started, 1),
        "scores": results,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", help="force-benchmark folder or ORG/NAME (default: each task's repo)")
    parser.add_argument("--task", action="append", help="force task (repeatable; default: all)")
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    args = parser.parse_args(argv)
    tasks = [t for t in list_tasks("force") if not args.task or t.name in args.task]
    report = {t.name: calibrate(t, args.dataset) for t in tasks}
    atomic_write_text(args.out, json.dumps(report, indent=1) + "\n")
    for name, entry in report.items():
        main_score = next(t for t in tasks if t.name == name).main_score
        shown = ", ".join(f"{k} {v[main_score]:.2f}" for k, v in entry["scores"].items())
        print(f"{name} ({main_score}): {shown}")


if __name__ == "__main__":
    main()
