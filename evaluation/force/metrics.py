"""The numbers the force tasks report, from per-video measurements (motion.py) and the benchmark's labels."""

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from synthsuite.evaluation.force.motion import COHERENCE, LEAK_SHARE, Poke, Wind, angular_error, path_ratio

WITHIN = 30.0  # degrees: the direction "adheres" within this angle of the asked one
NOT_MOVED_ERROR = 90.0  # a video without motion is as far off as a random direction is on average
# A poked region's path may be at most this much less direct than the truth's (path_ratio), or its
# direction does not count: frames out of order jump back and forth along the right line.
PATH_SLACK = (1.3, 0.5)  # ratio <= 1.3 x the truth's + 0.5


def ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks 1..n, ties sharing their average rank."""
    values = np.asarray(values, np.float64)
    order = np.argsort(values, kind="stable")
    result = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    for end in range(1, len(values) + 1):
        if end == len(values) or sorted_values[end] != sorted_values[start]:
            result[order[start:end]] = (start + end + 1) / 2.0
            start = end
    return result


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation; 0 when either side is constant (no order to agree with)."""
    rx, ry = ranks(x), ranks(y)
    if len(rx) < 2 or rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def group_spearman(groups: Sequence[str], strengths: Sequence[float], amounts: Sequence[float]) -> float:
    """Mean over groups (same scene, several strengths) of Spearman(strength, amount of motion)."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, group in enumerate(groups):
        members[group].append(i)
    values = [
        spearman([strengths[i] for i in rows], [amounts[i] for i in rows])
        for rows in members.values()
        if len(rows) > 1
    ]
    return float(np.mean(values)) if values else 0.0


def _errors(moved: Sequence[bool], angles: Sequence[float], expected: Sequence[float]) -> np.ndarray:
    return np.array(
        [
            angular_error(a, e) if m else NOT_MOVED_ERROR
            for m, a, e in zip(moved, angles, expected, strict=True)
        ]
    )


def direction_scores(
    moved: Sequence[bool],
    angles: Sequence[float],
    expected: Sequence[float],
    types: Sequence[str],
    type_names: Sequence[str],
    consistent: Sequence[bool] | None = None,
) -> dict[str, float]:
    """Mean angular error, share within WITHIN degrees (a still video, or one whose motion is not
    `consistent`, is never within), per scene type."""
    errors = _errors(moved, angles, expected)
    within = (errors <= WITHIN) & np.asarray(moved, bool)
    if consistent is not None:
        within &= np.asarray(consistent, bool)
    scores = {"angular_error": float(errors.mean()), "within_30": float(within.mean())}
    for name in type_names:
        mask = np.asarray(types) == name
        scores[f"within_30_{name}"] = float(within[mask].mean()) if mask.any() else 0.0
    scores["moving"] = float(np.mean(moved))
    return scores


def point_scores(pokes: Sequence[Poke], rows: Sequence[dict], type_names: Sequence[str]) -> dict[str, float]:
    scores = direction_scores(
        [p.moved for p in pokes],
        [p.angle for p in pokes],
        [r["angle"] for r in rows],
        [r["scene_type"] for r in rows],
        type_names,
        [
            p.path_ratio <= PATH_SLACK[0] * path_ratio(r["track_px"]) + PATH_SLACK[1]
            for p, r in zip(pokes, rows, strict=True)
        ],
    )
    scores["spearman_strength"] = group_spearman(
        [r["group"] for r in rows], [r["force"] for r in rows], [p.displacement for p in pokes]
    )
    scores["still_rest"] = float(np.mean([p.leak <= LEAK_SHARE for p in pokes]))
    return scores


def wind_scores(winds: Sequence[Wind], rows: Sequence[dict], type_names: Sequence[str]) -> dict[str, float]:
    scores = direction_scores(
        [w.moved for w in winds],
        [w.angle for w in winds],
        [r["wind_angle"] for r in rows],
        [r["scene_type"] for r in rows],
        type_names,
        [w.coherence >= COHERENCE for w in winds],
    )
    scores["spearman_speed"] = group_spearman(
        [r["group"] for r in rows], [r["wind_speed"] for r in rows], [w.energy for w in winds]
    )
    return scores


def linear_fit(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """(slope, R²) of the least-squares line; R² is 0 when y is constant."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    slope, intercept = np.polyfit(x, y, 1)
    total = float(((y - y.mean()) ** 2).sum())
    r2 = 0.0 if total == 0 else 1.0 - float(((y - (slope * x + intercept)) ** 2).sum()) / total
    return float(slope), max(0.0, r2)


def mass_scores(pokes: Sequence[Poke], rows: Sequence[dict]) -> dict[str, float]:
    """The paper's Fig. 6c as numbers: distance (first to last frame, along the push: a ball rolling the
    wrong way counts negative) against F for each ball kind, and how often the soccer ball goes farther
    than the bowling ball (4x the mass) at equal F."""
    distance = [p.travel_along(r["angle"], r["width"]) for p, r in zip(pokes, rows, strict=True)]
    scores: dict[str, float] = {}
    for kind in ("soccer", "bowling"):
        mine = [i for i, r in enumerate(rows) if r["ball_kind"] == kind]
        force = [rows[i]["force"] for i in mine]
        moved = [distance[i] for i in mine]
        scores[f"spearman_force_{kind}"] = spearman(force, moved)
        scores[f"slope_{kind}"], scores[f"r2_{kind}"] = linear_fit(force, moved)
    scores["spearman_force"] = (scores["spearman_force_soccer"] + scores["spearman_force_bowling"]) / 2
    pairs: dict[tuple, dict[str, float]] = defaultdict(dict)
    for r, d in zip(rows, distance, strict=True):
        pairs[(r["ground"], r["colour"], r["force"], r["seed"])][r["ball_kind"]] = d
    wins = [
        0.5 if math.isclose(p["soccer"], p["bowling"], abs_tol=1e-9) else float(p["soccer"] > p["bowling"])
        for p in pairs.values()
        if len(p) == 2
    ]
    scores["ordering_accuracy"] = float(np.mean(wins)) if wins else 0.0
    return scores
