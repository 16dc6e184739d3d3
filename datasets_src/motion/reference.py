"""Kinematic references: per-frame targets (pelvis, feet, arms) turned into humanoid poses by IK.

A motion family (families.py) describes *what* a person does as world-space targets: where the
pelvis is and which way it faces, where each foot is (planted feet stay exactly still, swinging
feet travel between plants), where elbows and wrists go. `solve_reference` turns them into a
sequence of poses (T, nq) that the tracking controller then plays in the simulator. The reference
need not be physically exact; the simulation is what gets stored.
"""

from dataclasses import dataclass
from functools import cache

import numpy as np

from synthsuite.datasets_src.motion import ik
from synthsuite.datasets_src.motion.humanoid import FACING_X, Humanoid

PELVIS, LEFT_ANKLE, RIGHT_ANKLE, LEFT_FOOT, RIGHT_FOOT = 0, 7, 8, 10, 11
HEAD, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_ELBOW, RIGHT_ELBOW, LEFT_WRIST, RIGHT_WRIST = (
    15,
    16,
    17,
    18,
    19,
    20,
    21,
)
# Rest pose: feet flat and hip-width apart, knees almost straight, arms hanging, centre of mass over
# the middle of the feet. Heights measured on the simulated floor (soft contact included).
ANKLE_HEIGHT = 0.0275  # ankle joint above the floor, foot flat
TOE_HEIGHT = 0.029  # toe-base joint above the floor, foot flat
FOOT_LENGTH = 0.108  # ankle to toe base, horizontally
HALF_STANCE = 0.10  # ankle distance from the midline
REST_PELVIS_HEIGHT = 0.92
LEG_REACH = 0.79  # hip to ankle with the knee nearly straight (the leg is 0.81 m)

WEIGHTS = {"foot": 10.0, "pelvis": 3.0, "head": 1.0, "arm": 0.5, "root": 1.0, "com": 3.0, "posture": 0.001}


@dataclass(frozen=True)
class Keyframes:
    """World targets per frame (z up, metres). NaN rows in `arms` or `com` mean: no target."""

    fps: float
    pelvis: np.ndarray  # (T, 3)
    heading: np.ndarray  # (T,) yaw, rad (0 = facing +x)
    lean: np.ndarray  # (T,) forward pitch of the pelvis, rad
    feet: np.ndarray  # (T, 2, 2, 3): frame, left/right, ankle/toe, xyz
    arms: np.ndarray  # (T, 2, 2, 3): frame, left/right, elbow/wrist, xyz
    com: np.ndarray  # (T, 2): centre of mass over the floor, or NaN
    planted: np.ndarray  # (T, 2) bool: left/right foot planted (the feed-forward's supports)

    @property
    def frames(self) -> int:
        return self.pelvis.shape[0]


def root_quat(heading: float, lean: float) -> np.ndarray:
    """Pelvis orientation: facing `heading` (yaw about z), pitched forward by `lean`."""
    import mujoco

    yaw = np.array([np.cos(heading / 2), 0.0, 0.0, np.sin(heading / 2)])
    pitch = np.array([np.cos(lean / 2), 0.0, np.sin(lean / 2), 0.0])
    out = np.empty(4)
    mujoco.mju_mulQuat(out, yaw, pitch)
    result = np.empty(4)
    mujoco.mju_mulQuat(result, out, FACING_X)
    return result


@cache
def _rest(humanoid: Humanoid) -> tuple[np.ndarray, np.ndarray]:
    """The rest pose (nq,) and its skeleton (22, 3), solved once per worker."""
    import mujoco

    model = humanoid.model
    data = mujoco.MjData(model)
    q = model.qpos0.copy()
    q[2] = REST_PELVIS_HEIGHT
    q[3:7] = FACING_X
    points = np.array([PELVIS, LEFT_ANKLE, RIGHT_ANKLE, LEFT_FOOT, RIGHT_FOOT, 18, 19, 20, 21, HEAD])
    side = np.array([1.0, -1.0])
    positions = np.array(
        [
            [0.0, 0.0, REST_PELVIS_HEIGHT],
            *([0.0, s * HALF_STANCE, ANKLE_HEIGHT] for s in side),
            *([FOOT_LENGTH, s * HALF_STANCE, TOE_HEIGHT] for s in side),
            *([0.0, s * 0.20, 1.13] for s in side),
            *([0.0, s * 0.21, 0.88] for s in side),
            [0.03, 0.0, 1.46],
        ]
    )
    weights = np.array([0.1, 10, 10, 10, 10, 1, 1, 1, 1, 1], dtype=float)
    targets = ik.Targets(
        points, positions, weights, np.zeros(model.nq - 7), 1e-3, FACING_X, 1.0, com_xy=np.array([0.04, 0.0])
    )
    q = ik.solve(humanoid, data, q, targets, iterations=40)
    data.qpos[:] = q
    mujoco.mj_kinematics(model, data)
    return q, humanoid.joints(data)


def rest_pose(humanoid: Humanoid) -> np.ndarray:
    return _rest(humanoid)[0].copy()


def rest_skeleton(humanoid: Humanoid) -> np.ndarray:
    return _rest(humanoid)[1].copy()


def solve_reference(humanoid: Humanoid, keys: Keyframes, iterations: int = 6) -> np.ndarray:
    """Poses (T, nq) meeting the keyframes, each solved from the previous frame's pose."""
    import mujoco

    data = mujoco.MjData(humanoid.model)
    rest = rest_pose(humanoid)
    q = rest.copy()
    q[:3] = keys.pelvis[0]
    q[3:7] = root_quat(keys.heading[0], keys.lean[0])
    out = np.zeros((keys.frames, humanoid.model.nq))
    foot_points = np.array([LEFT_ANKLE, LEFT_FOOT, RIGHT_ANKLE, RIGHT_FOOT])
    arm_points = np.array([LEFT_ELBOW, LEFT_WRIST, RIGHT_ELBOW, RIGHT_WRIST])
    skeleton = rest_skeleton(humanoid)
    neck = skeleton[HEAD] - skeleton[PELVIS]  # the head over the pelvis, facing +x, upright
    for t in range(keys.frames):
        arm_positions = keys.arms[t].reshape(4, 3)
        has_arm = ~np.isnan(arm_positions[:, 0])
        # the head stays where the pelvis' heading and lean put it, so arms cannot bend the spine
        lean, heading = keys.lean[t], keys.heading[t]
        forward = neck[0] * np.cos(lean) + neck[2] * np.sin(lean)
        up = -neck[0] * np.sin(lean) + neck[2] * np.cos(lean)
        head = keys.pelvis[t] + np.array([forward * np.cos(heading), forward * np.sin(heading), up])
        points = np.concatenate([[PELVIS, HEAD], foot_points, arm_points[has_arm]])
        positions = np.vstack([keys.pelvis[t], head, keys.feet[t].reshape(4, 3), arm_positions[has_arm]])
        weights = np.concatenate(
            [
                [WEIGHTS["pelvis"], WEIGHTS["head"]],
                np.full(4, WEIGHTS["foot"]),
                np.full(int(has_arm.sum()), WEIGHTS["arm"]),
            ]
        )
        com = keys.com[t]
        targets = ik.Targets(
            points,
            positions,
            weights,
            rest[7:],
            WEIGHTS["posture"],
            root_quat(keys.heading[t], keys.lean[t]),
            WEIGHTS["root"],
            com_xy=None if np.isnan(com[0]) else com,
            com_weight=WEIGHTS["com"],
        )
        q = ik.solve(humanoid, data, q, targets, iterations=iterations if t else 3 * iterations)
        out[t] = q
    return out


def support_points(feet: np.ndarray, planted: np.ndarray) -> np.ndarray:
    """Sole points (T, 4, 3) under the heel and ball of each planted foot (NaN: not supporting).

    The heel point counts only while the heel is down (its ankle within 1.5 cm of flat height)."""
    frames = feet.shape[0]
    out = np.full((frames, 4, 3), np.nan)
    for foot in (0, 1):
        ankle, toe = feet[:, foot, 0], feet[:, foot, 1]
        forward = toe[:, :2] - ankle[:, :2]
        forward /= np.maximum(np.linalg.norm(forward, axis=1, keepdims=True), 1e-9)
        heel_down = planted[:, foot] & (ankle[:, 2] < ANKLE_HEIGHT + 0.015)
        ball_down = planted[:, foot]
        heel = np.column_stack([ankle[:, :2] - 0.03 * forward, np.zeros(frames)])
        ball = np.column_stack([toe[:, :2], np.zeros(frames)])
        out[heel_down, 2 * foot] = heel[heel_down]
        out[ball_down, 2 * foot + 1] = ball[ball_down]
    return out
