"""The physics corrector: imitate a kinematic motion in MuJoCo and return what physics made of it.

This plays the role of UHC in the original work (a controller imitating each generated motion in
MuJoCo). Ours needs no training:

1. **retarget**: a 3-frame running median removes single-frame glitches, inverse kinematics fits
   the humanoid to the 22 joints of every frame (each frame starts from the previous one's pose);
   a noisy input (Jitter above 60 mm once despiked, twice
   what any clean clip has) is low-passed (Gaussian, σ = 1 frame) after retargeting;
2. **contacts**: a foot joint touches where it stays near the clip's own lowest foot level; while
   it touches, it is held still (foot locking: planted feet do not slide), and its sole point
   supports the body in the inverse-dynamics feed-forward (tracking.feedforward);
3. **track**: PD control with gains scaled by apparent inertia plus the bounded root assistance
   (tracking.simulate), whose force is the *residual force* reported (as UHC's explicit residual
   force). The vertical bound is below body weight, so a floating motion cannot be held up;
4. **refine** (optional, `refine_iterations > 0`): the cross-entropy method searches offsets of the
   leg joints' PD targets (piecewise linear in time) that lower the residual force, keeping the
   tracking error in check;
5. **never hang**: the number of physics steps is fixed by the clip's length, a diverging or
   falling simulation stops at once, is retried with stronger assistance, and if every attempt
   fails the result says so (`ok=False`) and returns the input unchanged.

API (stable; the self-consuming loops import it)::

    correct(motion: MotionClip, settings: CorrectorSettings = CorrectorSettings()) -> CorrectionResult

Deterministic: the same motion and settings give the same bytes (CEM draws from
`settings.refine_seed`).
"""

from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np

from synthsuite.datasets_src.motion import ik, reference, tracking
from synthsuite.datasets_src.motion.clip import MotionClip
from synthsuite.datasets_src.motion.humanoid import FACING_X, Humanoid, load_humanoid
from synthsuite.datasets_src.motion.metrics import SURFACE_RADII, PhysicsMetrics, physics_metrics
from synthsuite.datasets_src.motion.skeleton import LEFT_FOOT_JOINTS, NUM_JOINTS, RIGHT_FOOT_JOINTS
from synthsuite.datasets_src.motion.tracking import TrackingSettings

# retargeting weights: the feet matter most (contacts), then the pelvis
RETARGET_WEIGHTS = np.ones(NUM_JOINTS)
RETARGET_WEIGHTS[[7, 8, 10, 11]] = 5.0
RETARGET_WEIGHTS[0] = 3.0
CONTACT_BAND = 0.03  # m above the clip's lowest foot level
MIN_CONTACT_FRAMES = 2
FOOT_ORDER = [*LEFT_FOOT_JOINTS, *RIGHT_FOOT_JOINTS]  # left ankle, left foot, right ankle, right foot
LEG_JOINT_PREFIXES = ("lfemur", "rfemur", "ltibia", "rtibia", "lfoot", "rfoot")


@dataclass(frozen=True)
class CorrectorSettings:
    # an artifacted reference may run away horizontally (a sway, a glitch): only falling over or
    # diverging ends a correction, not straying from the reference's path
    tracking: TrackingSettings = field(default_factory=lambda: TrackingSettings(fall_distance=np.inf))
    retries: int = 2  # further attempts with doubled assistance after a fall or divergence
    smoothing_frames: float = 1.0  # Gaussian σ (frames) of the low-pass on a noisy reference
    noisy_jitter: float = (
        60.0  # mm: above this Jitter (twice the clean limit, after despiking) the input is low-passed
    )
    refine_iterations: int = 0  # CEM iterations (0: no refinement)
    refine_samples: int = 12  # candidates per CEM iteration
    refine_knot_seconds: float = 0.5  # spacing of the offsets' knots in time
    refine_scale: float = 0.02  # rad, initial standard deviation of the offsets
    refine_seed: int = 0


@dataclass(frozen=True)
class CorrectionResult:
    motion: MotionClip  # the simulated motion (same fps and frames), or the input when not ok
    before: PhysicsMetrics
    after: PhysicsMetrics
    residual_force: float  # mean |root assistance force| over the frames, N
    residual_force_ratio: float  # the same as a fraction of body weight
    residual_torque: float  # mean |root assistance torque|, N·m
    tracking_error: float  # mean distance between simulated and input joints, m
    ok: bool
    message: str = ""  # why not ok
    attempts: int = 1
    qpos: np.ndarray | None = None  # (frames, nq) simulated generalized coordinates


@cache
def _humanoid() -> Humanoid:
    return load_humanoid()


def correct(motion: MotionClip, settings: CorrectorSettings = CorrectorSettings()) -> CorrectionResult:
    """Imitate `motion` in MuJoCo; see the module docstring."""
    humanoid = _humanoid()
    before = physics_metrics(motion.joints, motion.fps)
    joints = despike(motion.joints)
    noisy = physics_metrics(joints, motion.fps).jitter > settings.noisy_jitter
    contacts = foot_contacts(joints)
    joints = lock_feet(joints, contacts)
    qpos = smooth(retarget(humanoid, joints), settings.smoothing_frames if noisy else 0.0)
    supports = support_points(joints, contacts)
    torques = tracking.feedforward(humanoid, qpos, motion.fps, supports)
    track = settings.tracking
    message = ""
    for attempt in range(1, settings.retries + 2):
        result = tracking.simulate(humanoid, qpos, motion.fps, track, torques=torques)
        if result.ok and settings.refine_iterations > 0:
            result = _refine(humanoid, qpos, motion, torques, track, settings, result)
        if result.ok:
            return _result(humanoid, motion, before, result, attempt)
        message = f"{result.failure} at frame {result.failed_frame}"
        track = replace(
            track,
            max_force=min(2 * track.max_force, 0.9),
            max_lift=min(2 * track.max_lift, 0.9),
            max_torque=2 * track.max_torque,
            root_frequency=1.5 * track.root_frequency,
        )
    return CorrectionResult(
        motion=motion,
        before=before,
        after=before,
        residual_force=float("nan"),
        residual_force_ratio=float("nan"),
        residual_torque=float("nan"),
        tracking_error=float("nan"),
        ok=False,
        message=f"the simulation failed at every attempt ({message})",
        attempts=settings.retries + 1,
    )


def _result(
    humanoid: Humanoid, motion: MotionClip, before: PhysicsMetrics, result: tracking.Tracked, attempt: int
) -> CorrectionResult:
    corrected = MotionClip(result.joints, motion.fps)
    force = float(np.linalg.norm(result.root_force, axis=1).mean())
    return CorrectionResult(
        motion=corrected,
        before=before,
        after=physics_metrics(result.joints, motion.fps),
        residual_force=force,
        residual_force_ratio=force / (humanoid.mass * tracking.GRAVITY),
        residual_torque=float(np.linalg.norm(result.root_torque, axis=1).mean()),
        tracking_error=float(np.linalg.norm(result.joints - motion.joints, axis=2).mean()),
        ok=True,
        attempts=attempt,
        qpos=result.qpos,
    )


def initial_pose(humanoid: Humanoid, joints: np.ndarray) -> np.ndarray:
    """The rest pose placed at the first frame's pelvis, facing where its hips face."""
    import mujoco

    q = reference.rest_pose(humanoid)
    left = joints[0, 1] - joints[0, 2]  # right hip -> left hip
    heading = np.arctan2(left[1], left[0]) - np.pi / 2
    quat = np.empty(4)
    mujoco.mju_mulQuat(quat, np.array([np.cos(heading / 2), 0.0, 0.0, np.sin(heading / 2)]), FACING_X)
    q[:3] = joints[0, 0]
    q[3:7] = quat
    return q


def retarget(humanoid: Humanoid, joints: np.ndarray, iterations: int = 3) -> np.ndarray:
    """Humanoid poses (T, nq) whose skeleton points fit `joints` (T, 22, 3) frame by frame."""
    import mujoco

    data = mujoco.MjData(humanoid.model)
    q = initial_pose(humanoid, joints)
    rest = reference.rest_pose(humanoid)[7:]
    points = np.arange(NUM_JOINTS)
    out = np.zeros((joints.shape[0], humanoid.model.nq))
    for t in range(joints.shape[0]):
        posture = rest if t == 0 else q[7:]
        targets = ik.Targets(points, joints[t], RETARGET_WEIGHTS, posture, 0.01 if t else 1e-3)
        q = ik.solve(humanoid, data, q, targets, iterations=iterations if t else 6 * iterations)
        out[t] = q
    return out


def despike(joints: np.ndarray) -> np.ndarray:
    """A 3-frame running median over time: removes single-frame glitches (a body that teleports
    for one frame), leaves motion that lasts two frames or more."""
    if joints.shape[0] < 3:
        return joints.copy()
    padded = np.concatenate([joints[:1], joints, joints[-1:]])
    return np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)


def smooth(qpos: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian low-pass over time of a pose sequence (root quaternions renormalised)."""
    if sigma <= 0 or qpos.shape[0] < 3:
        return qpos
    radius = max(1, int(np.ceil(3 * sigma)))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.concatenate([np.repeat(qpos[:1], radius, 0), qpos, np.repeat(qpos[-1:], radius, 0)])
    quats = padded[:, 3:7].copy()
    flip = np.cumprod(np.where((quats[1:] * quats[:-1]).sum(1) < 0, -1.0, 1.0))  # one hemisphere
    quats[1:] *= flip[:, None]
    padded[:, 3:7] = quats
    out = np.stack([np.convolve(padded[:, i], kernel, mode="valid") for i in range(qpos.shape[1])], axis=1)
    out[:, 3:7] /= np.linalg.norm(out[:, 3:7], axis=1, keepdims=True)
    return out


def foot_contacts(joints: np.ndarray) -> np.ndarray:
    """(T, 4) bool for the left ankle, left foot, right ankle, right foot joints: touching.

    A foot joint touches while its surface is within CONTACT_BAND of the clip's own lowest foot
    level (the 5th percentile of the foot joints' surfaces: the floor a sunken or floating motion
    stands on) for at least MIN_CONTACT_FRAMES frames in a row."""
    surface = joints[:, FOOT_ORDER, 2] - SURFACE_RADII[FOOT_ORDER]
    level = np.percentile(surface, 5)
    near = surface - level < CONTACT_BAND
    out = np.zeros_like(near)
    for k in range(near.shape[1]):
        for start, stop in _runs(near[:, k]):
            if stop - start >= MIN_CONTACT_FRAMES:
                out[start:stop, k] = True
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2], edges[1::2], strict=True))


def lock_feet(joints: np.ndarray, contacts: np.ndarray) -> np.ndarray:
    """Foot joints held still over the floor through each contact: their horizontal position over
    a contact is its mean. A planted foot does not slide; skating removed before physics has to."""
    out = joints.copy()
    for k, joint in enumerate(FOOT_ORDER):
        for start, stop in _runs(contacts[:, k]):
            out[start:stop, joint, :2] = joints[start:stop, joint, :2].mean(axis=0)
    return out


def support_points(joints: np.ndarray, contacts: np.ndarray) -> np.ndarray:
    """Sole points (T, 4, 3) on the floor under the touching foot joints (NaN where none), in the
    slots tracking.feedforward expects: left heel, left ball, right heel, right ball."""
    out = np.full((joints.shape[0], 4, 3), np.nan)
    for k, joint in enumerate(FOOT_ORDER):
        touching = contacts[:, k]
        out[touching, k, :2] = joints[touching, joint, :2]
        out[touching, k, 2] = 0.0
    return out


def _refine(
    humanoid: Humanoid,
    qpos: np.ndarray,
    motion: MotionClip,
    torques: np.ndarray,
    track: TrackingSettings,
    settings: CorrectorSettings,
    first: tracking.Tracked,
) -> tracking.Tracked:
    """Cross-entropy search over leg PD-target offsets (knots every `refine_knot_seconds`) for a
    lower residual force; keeps the best simulation found (the unrefined one included)."""
    import mujoco

    model = humanoid.model
    names = [model.joint(j).name for j in range(1, model.njnt)]
    legs = np.array([i for i, name in enumerate(names) if name.startswith(LEG_JOINT_PREFIXES)])
    frames = qpos.shape[0]
    knots = max(2, int(np.ceil(frames / motion.fps / settings.refine_knot_seconds)) + 1)
    grid = np.linspace(0, frames - 1, knots)
    rng = np.random.default_rng(settings.refine_seed)
    mean = np.zeros((knots, legs.size))
    std = np.full((knots, legs.size), settings.refine_scale)
    data = mujoco.MjData(model)

    def cost(result: tracking.Tracked) -> float:
        if not result.ok:
            return np.inf
        force = np.linalg.norm(result.root_force, axis=1).mean() / (humanoid.mass * tracking.GRAVITY)
        error = np.linalg.norm(result.joints - motion.joints, axis=2).mean()
        return float(force + 2.0 * error)

    best, best_cost = first, cost(first)
    elite = max(2, settings.refine_samples // 4)
    for _ in range(settings.refine_iterations):
        candidates = mean + std * rng.standard_normal((settings.refine_samples, knots, legs.size))
        scored = []
        for candidate in candidates:
            offsets = np.zeros((frames, model.nq - 7))
            for j, leg in enumerate(legs):
                offsets[:, leg] = np.interp(np.arange(frames), grid, candidate[:, j])
            result = tracking.simulate(
                humanoid, qpos, motion.fps, track, torques=torques, target_offsets=offsets, data=data
            )
            value = cost(result)
            scored.append(value)
            if value < best_cost:
                best, best_cost = result, value
        order = np.argsort(scored)[:elite]
        mean = candidates[order].mean(axis=0)
        std = candidates[order].std(axis=0) + 1e-3
    return best
