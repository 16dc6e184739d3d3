"""Correcting many motions: in order, on worker processes, with a summary report."""

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import numpy as np

from synthsuite.datasets_src.motion.clip import MotionClip
from synthsuite.datasets_src.motion.corrector import CorrectionResult, CorrectorSettings, correct
from synthsuite.datasets_src.motion.metrics import METRIC_NAMES, UNITS


def correct_all(
    clips: Sequence[MotionClip], settings: CorrectorSettings, *, workers: int = 1, progress: bool = False
) -> list[CorrectionResult]:
    """`correct` on every clip, results in input order (the same with any number of workers)."""
    from tqdm import tqdm

    bar = tqdm(total=len(clips), unit="motion", disable=not progress)
    try:
        if workers <= 1 or len(clips) <= 1:
            results = []
            for clip in clips:
                results.append(correct(clip, settings))
                bar.update()
            return results
        with ProcessPoolExecutor(min(workers, len(clips)), mp_context=get_context("spawn")) as pool:
            results = []
            for result in pool.map(correct, clips, [settings] * len(clips)):
                results.append(result)
                bar.update()
            return results
    finally:
        bar.close()


def report(
    ids: Sequence[str], results: Sequence[CorrectionResult], settings: CorrectorSettings
) -> dict[str, Any]:
    """Means of every metric before and after over the motions that could be simulated."""
    done = [r for r in results if r.ok]

    def mean(values: list[float]) -> float | None:  # None (JSON null) when nothing was corrected
        return float(np.mean(values)) if values else None

    return {
        "motions": len(results),
        "corrected": len(done),
        "failed": len(results) - len(done),
        "failures": [
            {"sample_id": i, "message": r.message} for i, r in zip(ids, results, strict=True) if not r.ok
        ],
        "metrics": {
            name: {
                "before": mean([getattr(r.before, name) for r in done]),
                "after": mean([getattr(r.after, name) for r in done]),
                "unit": UNITS[name],
            }
            for name in METRIC_NAMES
        },
        "residual_force_ratio": mean([r.residual_force_ratio for r in done]),
        "tracking_error": mean([r.tracking_error for r in done]),
        "settings": {
            "refine_iterations": settings.refine_iterations,
            "max_force": settings.tracking.max_force,
            "max_lift": settings.tracking.max_lift,
            "max_torque": settings.tracking.max_torque,
        },
    }
