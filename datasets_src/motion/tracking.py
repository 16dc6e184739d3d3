"""Tracking control of a kinematic reference in MuJoCo: what turns a motion into physics.

Every hinge is driven by a PD actuator whose gains are scaled, each frame, by the apparent inertia
of its degree of freedom, 1/(M⁻¹)ᵢᵢ (the inertia a torque at that joint actually moves, given
everything attached to it): kp = m·ω², kv = 2ζω·m. Plain Mᵢᵢ ignores the coupling and makes
light distal joints unstable. The actuators' torques are bounded (humanoid.TORQUE_PER_KG).

Joint torques alone cannot keep a humanoid on its feet without a balance controller; as UHC does
with its residual force, a *root assistance* (a force and a torque on the pelvis pulling it toward
the reference root) is added, bounded by `max_force` (a fraction of body weight) and `max_torque`,
and reported per frame: the data records how much help each motion needed.

The simulation stops, and says why, when it diverges (non-finite state, MuJoCo's own warnings,
runaway velocities) or when the humanoid falls (the pelvis far below or away from its reference, or
tilted far from it). It never loops without bound: the step count is fixed by the clip's length.
"""

from dataclasses import dataclass

import numpy as np

from synthsuite.datasets_src.motion.humanoid import FACING_X, HINGE_ACTUATORS, Humanoid
from synthsuite.datasets_src.motion.ik import quat_error

GRAVITY = 9.81


ROTATIONAL_RADIUS = 0.3  # the root servos' rotational gains treat the body as its mass at this radius


@dataclass(frozen=True)
class TrackingSettings:
    frequency: float = 25.0  # ω/2π of the joint PD, Hz
    damping_ratio: float = 1.0
    control_substeps: int = 5  # joint targets and the reference root pose updated this many times per frame
    root_frequency: float = 3.0  # ω/2π of the root assistance, Hz
    root_damping_ratio: float = 1.0
    max_force: float = 0.3  # horizontal root assistance bound per axis, x body weight
    max_lift: float = 0.3  # vertical root assistance bound, x body weight (< 1: cannot hold the body up)
    max_torque: float = 100.0  # root assistance torque bound per axis, N·m
    fall_height: float = 0.35  # pelvis lower than this above its reference's height minus this: fallen
    fall_distance: float = 0.5  # pelvis this far (m) from its reference: fallen
    fall_tilt: float = 1.0  # pelvis orientation this far (rad) from its reference: fallen
    max_speed: float = 50.0  # any generalized velocity above this: diverged


@dataclass
class Tracked:
    """What the simulation produced, frame by frame, until the end or the frame it stopped."""

    qpos: np.ndarray  # (T, nq)
    joints: np.ndarray  # (T, 22, 3)
    root_force: np.ndarray  # (T, 3) mean root assistance force over each frame, N
    root_torque: np.ndarray  # (T, 3) N·m
    contacts: np.ndarray  # (T, 4) bool: left ankle, right ankle, left foot, right foot bodies touch
    failure: str | None = None  # why it stopped early (None: it ran to the end)
    failed_frame: int | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def reference_velocity(humanoid: Humanoid, qpos: np.ndarray, fps: float) -> np.ndarray:
    """Generalized velocities (T, nv) of a reference by central differences."""
    import mujoco

    frames = qpos.shape[0]
    out = np.zeros((frames, humanoid.model.nv))
    for t in range(frames):
        a, b = max(t - 1, 0), min(t + 1, frames - 1)
        if a == b:
            continue
        mujoco.mj_differentiatePos(humanoid.model, out[t], (b - a) / fps, qpos[a], qpos[b])
    return out


def feedforward(humanoid: Humanoid, reference: np.ndarray, fps: float, supports: np.ndarray) -> np.ndarray:
    """Joint torques (T, nv) that would play the reference if the floor supplied the rest.

    Inverse dynamics of the reference (no constraints) gives the generalized forces it needs; the
    part on the root (6 dofs, which no joint can supply) is assigned, by regularised least squares,
    to contact forces at the supporting sole points (`supports` (T, k, 3): world points under the
    heels and balls of planted feet, NaN where a point does not support). What remains on the hinges
    is the feed-forward torque: with it the PD only corrects errors, instead of sagging under the
    body's weight and lagging behind swinging limbs. In flight nothing supports and the torques are
    the limbs' own dynamics."""
    import mujoco

    model = humanoid.model
    data = mujoco.MjData(model)
    velocity = reference_velocity(humanoid, reference, fps)
    acceleration = np.gradient(velocity, 1.0 / fps, axis=0)
    saved = model.opt.disableflags
    model.opt.disableflags = saved | mujoco.mjtDisableBit.mjDSBL_CONSTRAINT
    out = np.zeros((reference.shape[0], model.nv))
    jacp = np.zeros((3, model.nv))
    support_bodies = humanoid.body_ids[[7, 7, 8, 8]]  # heel and ball points ride on the foot bodies
    try:
        for t in range(reference.shape[0]):
            data.qpos[:] = reference[t]
            data.qvel[:] = velocity[t]
            data.qacc[:] = acceleration[t]
            mujoco.mj_inverse(model, data)
            generalized = data.qfrc_inverse.copy()
            points = supports[t]
            active = ~np.isnan(points[:, 0])
            if active.any():
                columns = []
                for k in np.flatnonzero(active):
                    mujoco.mj_jac(model, data, jacp, None, points[k], support_bodies[k])
                    columns.append(jacp.copy())
                jac = np.vstack(columns)  # (3k, nv)
                root = jac[:, :6]
                forces = np.linalg.solve(root @ root.T + 1e-4 * np.eye(root.shape[0]), root @ generalized[:6])
                generalized = generalized - jac.T @ forces
            out[t] = generalized
    finally:
        model.opt.disableflags = saved
    return out


def _interpolate(qpos: np.ndarray, t: int, alpha: float) -> np.ndarray:
    """The reference between frames t and t+1 (linear in angles and position, slerp for the root)."""
    import mujoco

    if alpha <= 0.0 or t + 1 >= qpos.shape[0]:
        return qpos[min(t, qpos.shape[0] - 1)]
    out = qpos[t] + alpha * (qpos[t + 1] - qpos[t])
    velocity = np.zeros(3)
    mujoco.mju_subQuat(velocity, qpos[t + 1, 3:7], qpos[t, 3:7])
    quat = qpos[t, 3:7].copy()
    mujoco.mju_quatIntegrate(quat, velocity, alpha)
    out[3:7] = quat
    return out


def simulate(
    humanoid: Humanoid,
    reference: np.ndarray,
    fps: float,
    settings: TrackingSettings = TrackingSettings(),
    *,
    torques: np.ndarray | None = None,
    target_offsets: np.ndarray | None = None,
    data=None,
) -> Tracked:
    """Track `reference` (T, nq) at `fps`, starting from its first frame.

    `torques` (T, nv) are feed-forward joint torques (see `feedforward`); `target_offsets`
    (T, nq - 7) are added to the hinge targets (the corrector's refinement searches over them).
    Returns the simulated frames at `fps`."""
    import mujoco

    model = humanoid.model
    data = data if data is not None else mujoco.MjData(model)
    mujoco.mj_resetData(model, data)
    frames = reference.shape[0]
    velocity = reference_velocity(humanoid, reference, fps)
    steps = round(1.0 / (fps * model.opt.timestep))
    if steps < 1 or abs(steps * model.opt.timestep * fps - 1.0) > 1e-6:
        raise ValueError(f"fps {fps} does not divide the physics rate {1 / model.opt.timestep:g} Hz")
    substeps = settings.control_substeps if steps % settings.control_substeps == 0 else 1
    act_dofs = humanoid.actuator_dofs
    act_qpos = act_dofs + 1  # hinge qpos address = dof address + 1
    hinges = slice(0, HINGE_ACTUATORS)
    assist = slice(HINGE_ACTUATORS, HINGE_ACTUATORS + 6)
    omega = 2 * np.pi * settings.frequency
    _set_assistance(humanoid, settings)
    assist_ratio = model.actuator_biasprm[assist, 2] / model.actuator_gainprm[assist, 0]  # -kv/kp
    identity = np.eye(model.nv)
    inverse_mass = np.zeros((model.nv, model.nv))
    to_site = np.array([1.0, -1.0, -1.0, -1.0]) * FACING_X  # root orientation -> heading-frame site
    mocap_quat = np.empty(4)
    frame_rotation = np.empty(9)

    data.qpos[:] = reference[0]
    data.qvel[:] = velocity[0]
    mujoco.mj_forward(model, data)
    out_qpos = np.zeros((frames, model.nq))
    out_joints = np.zeros((frames, 22, 3))
    forces = np.zeros((frames, 3))
    root_torques = np.zeros((frames, 3))
    contacts = np.zeros((frames, 4), dtype=bool)
    foot_bodies = humanoid.body_ids[[7, 8, 10, 11]]
    warnings_before = int(data.warning[mujoco.mjtWarning.mjWARN_BADQACC].number)
    failure: str | None = None

    def record(t: int) -> None:
        out_qpos[t] = data.qpos
        out_joints[t] = humanoid.joints(data)
        touching = model.geom_bodyid[data.contact.geom[: data.ncon]]
        contacts[t] = np.isin(foot_bodies, touching)

    record(0)
    n = frames
    for t in range(frames - 1):
        # joint gains from the apparent inertia of the current state
        mujoco.mj_solveM(model, data, inverse_mass, identity)
        apparent = 1.0 / np.diag(inverse_mass)[act_dofs]
        kp = apparent * omega**2
        kv = apparent * 2 * settings.damping_ratio * omega
        model.actuator_gainprm[hinges, 0] = kp
        model.actuator_biasprm[hinges, 1] = -kp
        model.actuator_biasprm[hinges, 2] = -kv
        assisted = np.zeros(6)
        for s in range(substeps):
            alpha = s / substeps
            target = _interpolate(reference, t, alpha)
            target_velocity = velocity[t] + alpha * (velocity[t + 1] - velocity[t])
            control = target[act_qpos] + target_velocity[act_dofs] * (kv / kp)
            if target_offsets is not None:
                control += target_offsets[t, act_qpos - 7]
            if torques is not None:
                control += (torques[t] + alpha * (torques[t + 1] - torques[t]))[act_dofs] / kp
            data.ctrl[hinges] = control
            # root assistance: the mocap frame carries the reference root pose; the servos' targets
            # are zero offsets plus the reference velocity (expressed in that frame) for damping
            mujoco.mju_mulQuat(mocap_quat, target[3:7], to_site)
            data.mocap_pos[0] = target[:3]
            data.mocap_quat[0] = mocap_quat
            mujoco.mju_quat2Mat(frame_rotation, mocap_quat)
            rotation = frame_rotation.reshape(3, 3)
            root_rotation = np.empty(9)
            mujoco.mju_quat2Mat(root_rotation, target[3:7])
            linear = rotation.T @ target_velocity[:3]
            angular = rotation.T @ (root_rotation.reshape(3, 3) @ target_velocity[3:6])
            data.ctrl[assist] = -assist_ratio * np.concatenate([linear, angular])
            mujoco.mj_step(model, data, nstep=steps // substeps)
            assisted += data.actuator_force[assist] / substeps
        forces[t + 1] = assisted[:3]
        root_torques[t + 1] = assisted[3:]
        failure = _failure(humanoid, data, reference[t + 1], settings, warnings_before)
        if failure is not None:
            n = t + 1
            break
        record(t + 1)
    return Tracked(
        out_qpos[:n],
        out_joints[:n],
        forces[:n],
        root_torques[:n],
        contacts[:n],
        failure,
        n if failure is not None else None,
    )


def _set_assistance(humanoid: Humanoid, settings: TrackingSettings) -> None:
    """Gains and bounds of the six root servos (forward, left, up, roll, pitch, yaw)."""
    model = humanoid.model
    assist = slice(HINGE_ACTUATORS, HINGE_ACTUATORS + 6)
    omega = 2 * np.pi * settings.root_frequency
    inertia = np.array([1.0, 1.0, 1.0, *(3 * [ROTATIONAL_RADIUS**2])]) * humanoid.mass
    model.actuator_gainprm[assist, 0] = inertia * omega**2
    model.actuator_biasprm[assist, 1] = -inertia * omega**2
    model.actuator_biasprm[assist, 2] = -inertia * 2 * settings.root_damping_ratio * omega
    weight = humanoid.mass * GRAVITY
    bounds = np.array(
        [*(2 * [settings.max_force * weight]), settings.max_lift * weight, *(3 * [settings.max_torque])]
    )
    model.actuator_forcerange[assist, 0] = -bounds
    model.actuator_forcerange[assist, 1] = bounds


def _failure(
    humanoid: Humanoid, data, reference: np.ndarray, settings: TrackingSettings, warnings: int
) -> str | None:
    import mujoco

    if not (np.all(np.isfinite(data.qpos)) and np.all(np.isfinite(data.qvel))):
        return "diverged: the state is not finite"
    if int(data.warning[mujoco.mjtWarning.mjWARN_BADQACC].number) > warnings:
        return "diverged: MuJoCo reported bad accelerations"
    if np.abs(data.qvel).max() > settings.max_speed:
        return f"diverged: a velocity exceeds {settings.max_speed:g}"
    if data.qpos[2] < reference[2] - settings.fall_height:
        return "fell: the pelvis dropped far below its reference"
    if np.linalg.norm(data.qpos[:2] - reference[:2]) > settings.fall_distance:
        return "fell: the pelvis left its reference path"
    if np.linalg.norm(quat_error(reference[3:7], data.qpos[3:7])) > settings.fall_tilt:
        return "fell: the pelvis turned far from its reference"
    return None
