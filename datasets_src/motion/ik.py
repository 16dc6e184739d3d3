"""Inverse kinematics: the humanoid pose whose skeleton points best match given positions.

Damped Gauss-Newton over the root and the observed hinges (humanoid.observed_dofs), with a posture
term that pulls each hinge toward a given pose (the previous frame when retargeting a clip, a
neutral pose elsewhere) and hinge limits enforced after each step. One solver serves the family
references (targets for the pelvis, feet and hands) and the corrector (all 22 joints).
"""

from dataclasses import dataclass

import numpy as np

from synthsuite.datasets_src.motion.humanoid import Humanoid


@dataclass(frozen=True)
class Targets:
    """Weighted position targets for skeleton points, an optional root orientation, a posture."""

    points: np.ndarray  # (k,) skeleton joint indices
    positions: np.ndarray  # (k, 3) metres
    weights: np.ndarray  # (k,)
    posture: np.ndarray  # (nq - 7,) hinge angles the solution is pulled toward
    posture_weight: float | np.ndarray = 1e-3
    root_quat: np.ndarray | None = None  # (4,) wxyz
    root_weight: float = 1.0
    com_xy: np.ndarray | None = None  # (2,) where the centre of mass should be over the floor
    com_weight: float = 1.0


def quat_error(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Rotation vector r (world frame) with exp(r) * current = target."""
    import mujoco

    inverse = np.empty(4)
    mujoco.mju_negQuat(inverse, current)
    difference = np.empty(4)
    mujoco.mju_mulQuat(difference, target, inverse)
    if difference[0] < 0:
        difference = -difference
    out = np.empty(3)
    mujoco.mju_quat2Vel(out, difference, 1.0)
    return out


def solve(
    humanoid: Humanoid, data, qpos: np.ndarray, targets: Targets, iterations: int = 8, damping: float = 1e-4
) -> np.ndarray:
    """A pose near `qpos` (nq,) meeting `targets`; `data` is scratch space."""
    import mujoco

    model = humanoid.model
    dofs = humanoid.observed_dofs
    hinge = humanoid.hinge_qpos
    low, high = humanoid.hinge_range
    observed = humanoid.observed_hinges  # hinge indices whose dofs IK solves for
    q = qpos.copy()
    jacp = np.zeros((3, model.nv))
    jacr = np.zeros((3, model.nv))
    jacc = np.zeros((3, model.nv))
    points = targets.points
    sqrt_w = np.sqrt(targets.weights)[:, None]
    posture_w = np.sqrt(np.broadcast_to(targets.posture_weight, hinge.shape))[observed]
    rows = (
        3 * len(points)
        + (3 if targets.root_quat is not None else 0)
        + (2 if targets.com_xy is not None else 0)
    )
    jac = np.zeros((rows + observed.size, dofs.size))
    residual = np.zeros(rows + observed.size)
    # posture rows: identity on the observed hinge dofs (their columns follow the 6 root columns)
    jac[rows + np.arange(observed.size), 6 + np.arange(observed.size)] = posture_w
    bodies = humanoid.body_ids[points]
    regularizer = damping * np.eye(dofs.size)
    step = np.zeros(model.nv)
    for _ in range(iterations):
        data.qpos[:] = q
        mujoco.mj_kinematics(model, data)
        mujoco.mj_comPos(model, data)
        current = humanoid.joints(data)[points]
        residual[: 3 * len(points)] = ((targets.positions - current) * sqrt_w).ravel()
        for i in range(len(points)):
            mujoco.mj_jac(model, data, jacp, None, current[i], bodies[i])
            jac[3 * i : 3 * i + 3] = jacp[:, dofs] * sqrt_w[i]
        row = 3 * len(points)
        if targets.root_quat is not None:
            mujoco.mj_jacBody(model, data, None, jacr, humanoid.root_body)
            weight = np.sqrt(targets.root_weight)
            residual[row : row + 3] = quat_error(targets.root_quat, q[3:7]) * weight
            jac[row : row + 3] = jacr[:, dofs] * weight
            row += 3
        if targets.com_xy is not None:
            mujoco.mj_jacSubtreeCom(model, data, jacc, humanoid.root_body)
            weight = np.sqrt(targets.com_weight)
            residual[row : row + 2] = (targets.com_xy - data.subtree_com[humanoid.root_body, :2]) * weight
            jac[row : row + 2] = jacc[:2, dofs] * weight
        residual[rows:] = (targets.posture[observed] - q[hinge[observed]]) * posture_w
        step[dofs] = np.linalg.solve(jac.T @ jac + regularizer, jac.T @ residual)
        mujoco.mj_integratePos(model, q, step, 1.0)
        q[hinge] = np.clip(q[hinge], low, high)
    return q
