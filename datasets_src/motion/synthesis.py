"""One clean clip: a family's parameters drawn, its reference solved, simulated, checked, kept.

A draw is rejected, and the family's parameters drawn again from the same generator, when the
simulation falls or diverges, when it strays from its reference (then it no longer is what its
caption says), or when its physics metrics exceed the clean thresholds. `MAX_ATTEMPTS` bounds the
draws; the number used is stored with the clip.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from synthsuite.datasets_src.motion import families, reference, tracking
from synthsuite.datasets_src.motion.humanoid import Humanoid
from synthsuite.datasets_src.motion.metrics import PhysicsMetrics, physics_metrics
from synthsuite.datasets_src.motion.skeleton import FPS

MAX_ATTEMPTS = 200  # runs are accepted ~1 draw in 8 (docs/motion.md): 200 makes a failure negligible
MAX_TRACKING_ERROR = 0.10  # m, mean distance of the simulated joints from the reference's
MAX_RESIDUAL = 0.45  # mean root assistance force / body weight
# A clean clip's metrics stay below these (mm); every artifact pushes its metric above them.
CLEAN_THRESHOLDS = {"penetrate": 5.0, "float": 20.0, "skate": 8.0, "jitter": 30.0, "overspeed": 0.0}


@dataclass(frozen=True)
class Clip:
    family: str
    params: dict[str, Any]
    captions: list[str]
    joints: np.ndarray  # (T, 22, 3)
    qpos: np.ndarray  # (T, nq)
    contacts: np.ndarray  # (T, 4) bool
    metrics: PhysicsMetrics
    residual_force: float  # mean |F| / body weight
    residual_force_max: float
    residual_torque: float  # mean |torque|, N·m
    tracking_error: float  # m
    attempts: int


def within_clean_thresholds(metrics: PhysicsMetrics) -> bool:
    values = metrics.as_dict()
    return all(values[name] <= limit for name, limit in CLEAN_THRESHOLDS.items())


def synthesize(
    humanoid: Humanoid, family_name: str, rng: np.random.Generator, max_frames: int | None = None
) -> Clip:
    """A clean clip of `family_name`; `max_frames` cuts the reference (the tiny profile's short clips)."""
    import mujoco

    family = families.FAMILIES[family_name]
    body = families.body_from_rest(reference.rest_skeleton(humanoid))
    data = mujoco.MjData(humanoid.model)
    weight = humanoid.mass * tracking.GRAVITY
    reasons = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        params = family.sample(rng)
        captions = family.captions(params, rng)
        keys = family.keyframes(params, body)
        poses = reference.solve_reference(humanoid, keys)
        supports = reference.support_points(keys.feet, keys.planted)
        if max_frames is not None:
            poses, supports = poses[:max_frames], supports[:max_frames]
        torques = tracking.feedforward(humanoid, poses, FPS, supports)
        result = tracking.simulate(humanoid, poses, FPS, torques=torques, data=data)
        if not result.ok:
            reasons.append(result.failure)
            continue
        expected = np.zeros_like(result.joints)
        for t, q in enumerate(poses):
            data.qpos[:] = q
            mujoco.mj_kinematics(humanoid.model, data)
            expected[t] = humanoid.joints(data)
        error = float(np.linalg.norm(result.joints - expected, axis=2).mean())
        force = np.linalg.norm(result.root_force, axis=1) / weight
        metrics = physics_metrics(result.joints, FPS)
        if error > MAX_TRACKING_ERROR:
            reasons.append(f"strayed {error:.3f} m from its reference")
            continue
        if force.mean() > MAX_RESIDUAL:
            reasons.append(f"needed {force.mean():.2f} x body weight of assistance")
            continue
        if not within_clean_thresholds(metrics):
            reasons.append(f"metrics above the clean thresholds {metrics}")
            continue
        return Clip(
            family=family_name,
            params=params,
            captions=captions,
            joints=result.joints,
            qpos=result.qpos,
            contacts=result.contacts,
            metrics=metrics,
            residual_force=float(force.mean()),
            residual_force_max=float(force.max()),
            residual_torque=float(np.linalg.norm(result.root_torque, axis=1).mean()),
            tracking_error=error,
            attempts=attempt,
        )
    raise RuntimeError(f"no valid {family_name} motion in {MAX_ATTEMPTS} draws: {'; '.join(reasons[-3:])}")
