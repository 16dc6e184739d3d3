"""Geometry of the motion families: footsteps, swing feet, pelvis paths, jumps and arms.

Everything here is plain numpy on per-frame arrays: a family composes these pieces into
`reference.Keyframes`. Planted feet are placed once per stance and never move during it, so the
reference itself has no foot skating; a foot's centre sits under the pelvis path at mid-stance.
"""

from dataclasses import dataclass

import numpy as np

from synthsuite.datasets_src.motion.reference import (
    ANKLE_HEIGHT,
    FOOT_LENGTH,
    HALF_STANCE,
    LEG_REACH,
    TOE_HEIGHT,
)

GRAVITY = 9.81
FOOT_CENTRE = 0.04  # the sole's centre lies this far ahead of the ankle
HIP_OFFSET = np.array([0.05, 0.102, -0.09])  # hip joint from the pelvis joint in the rest pose (facing +x)
SIDES = np.array([1.0, -1.0])  # left, right: the sign of "to the left"


@dataclass(frozen=True)
class Stance:
    """One foot (0 left, 1 right) planted from `start` to `end` seconds (±inf: before/after the clip)."""

    foot: int
    start: float
    end: float


def times(frames: int, fps: float) -> np.ndarray:
    return np.arange(frames) / fps


def smoothstep(u: np.ndarray | float) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


def rotate(vectors: np.ndarray, yaw: np.ndarray | float) -> np.ndarray:
    """Rotate (..., 2) or (..., 3) vectors about z by `yaw` (broadcast over leading axes)."""
    vectors = np.asarray(vectors, dtype=float)
    c, s = np.cos(yaw), np.sin(yaw)
    shape = np.broadcast_shapes(vectors.shape[:-1], np.shape(yaw))
    out = np.broadcast_to(vectors, (*shape, vectors.shape[-1])).copy()
    x, y = out[..., 0].copy(), out[..., 1].copy()
    out[..., 0] = c * x - s * y
    out[..., 1] = s * x + c * y
    return out


def blur(values: np.ndarray, fps: float, sigma: float) -> np.ndarray:
    """Gaussian smoothing along the first axis (edges padded with their values)."""
    if sigma <= 0:
        return values
    radius = max(1, int(3 * sigma * fps))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / (sigma * fps)) ** 2)
    kernel /= kernel.sum()
    padded = np.concatenate([np.repeat(values[:1], radius, 0), values, np.repeat(values[-1:], radius, 0)])
    flat = padded.reshape(padded.shape[0], -1)
    out = np.stack([np.convolve(flat[:, i], kernel, mode="valid") for i in range(flat.shape[1])], axis=1)
    return out.reshape(values.shape)


def path(t: np.ndarray, speed: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Ground positions (T, 2) integrating `speed` (m/s) along world `direction` (rad) per frame."""
    dt = np.diff(t, prepend=t[0])
    velocity = np.stack([speed * np.cos(direction), speed * np.sin(direction)], axis=1)
    return np.cumsum(velocity * dt[:, None], axis=0)


def gait_stances(
    start: float, stop: float, step_time: float, swing_time: float, first: int = 0
) -> tuple[list[Stance], float]:
    """Alternating steps: the `first` foot lifts at `start`, landings follow every `step_time`
    while they fall before `stop`, then the other foot closes alongside.

    Each foot lifts `swing_time` before it lands (swing longer than a step: flight phases, as in
    running). Returns the stances and the time of the last step before the closing one: the
    ground path must have arrived by then, since both final stances stand at its end."""
    landings = []
    k = 0
    while True:
        time = start + swing_time + k * step_time
        landings.append((time, first if k % 2 == 0 else 1 - first))
        k += 1
        if time > stop or k > 1000:
            break
    if len(landings) == 1:  # a single step: close with the other foot
        landings.append((landings[0][0] + step_time, 1 - first))
    stances = []
    for foot in (0, 1):
        began = -np.inf
        for time, who in landings:
            if who == foot:
                stances.append(Stance(foot, began, time - swing_time))
                began = time
        stances.append(Stance(foot, began, np.inf))
    return stances, landings[-2][0]


def plant_feet(
    t: np.ndarray,
    stances: list[Stance],
    ground: np.ndarray,
    heading: np.ndarray,
    swing_height: float,
    half_width: float = HALF_STANCE,
    toe_off: float = 0.0,
    toe_off_pitch: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Feet targets (T, 2, 2, 3) and a planted mask (T, 2) from stance intervals.

    A stance's foot is placed at the ground path's point at mid-stance (the first and last stance
    take the clip's first and last point), turned to the heading there; between stances the foot
    swings along a smooth arc `swing_height` high. In the last `toe_off` seconds of a stance the
    heel rises about the planted toes (to `toe_off_pitch` rad), and comes down again in the
    swing's first half."""
    frames = t.shape[0]
    feet = np.zeros((frames, 2, 2, 3))
    planted = np.zeros((frames, 2), dtype=bool)

    def at(time: float) -> tuple[np.ndarray, float]:
        i = int(np.clip(np.searchsorted(t, time), 0, frames - 1))
        return ground[i], float(heading[i])

    for foot in (0, 1):
        own = sorted((s for s in stances if s.foot == foot), key=lambda s: s.start)
        plants = []
        for stance in own:
            if not np.isfinite(stance.start):
                mid = t[0]
            elif not np.isfinite(stance.end):
                mid = t[-1]
            else:
                mid = 0.5 * (stance.start + stance.end)
            point, yaw = at(mid)
            ankle = point + rotate(np.array([-FOOT_CENTRE, SIDES[foot] * half_width]), yaw)
            plants.append((ankle, yaw))
        for i, stance in enumerate(own):
            ankle, yaw = plants[i]
            inside = (t >= stance.start) & (t <= stance.end)
            heel = 0.0
            if toe_off > 0 and np.isfinite(stance.end) and i + 1 < len(own):
                heel = toe_off_pitch * smoothstep((t[inside] - (stance.end - toe_off)) / toe_off)
            feet[inside, foot] = foot_points(np.broadcast_to(ankle, (int(inside.sum()), 2)), yaw, 0.0, heel)
            planted[inside, foot] = True
            if i + 1 < len(own):
                lift, land = stance.end, own[i + 1].start
                swinging = (t > lift) & (t < land)
                u = (t[swinging] - lift) / (land - lift)
                s = smoothstep(u)[:, None]
                next_ankle, next_yaw = plants[i + 1]
                # the toes, not the ankle, leave from where they were: start from the raised-heel pose
                start = ankle
                if toe_off > 0:
                    forward = np.array([np.cos(yaw), np.sin(yaw)])
                    start = ankle + forward * FOOT_LENGTH * (1 - np.cos(toe_off_pitch))
                positions = start + s * (next_ankle - start)
                yaws = yaw + s[:, 0] * _angle(next_yaw - yaw)
                lifts = swing_height * np.sin(np.pi * u)
                pitch = toe_off_pitch * (1 - smoothstep(2 * u)) if toe_off > 0 else 0.0
                feet[swinging, foot] = foot_points(positions, yaws, lifts, pitch)
    return feet, planted


def _angle(a: np.ndarray | float) -> np.ndarray | float:
    return (a + np.pi) % (2 * np.pi) - np.pi


def foot_points(
    ankle_xy: np.ndarray, yaw: np.ndarray | float, lift: np.ndarray | float, pitch: np.ndarray | float = 0.0
) -> np.ndarray:
    """Ankle and toe-base targets (..., 2, 3) of a foot `lift` above the floor, flat or with the heel
    raised by `pitch`.

    With a raised heel the toe base stays where it is and the ankle rotates up about it."""
    ankle_xy = np.asarray(ankle_xy, dtype=float)
    yaw = np.broadcast_to(yaw, ankle_xy.shape[:-1])
    lift = np.broadcast_to(lift, ankle_xy.shape[:-1])
    pitch = np.broadcast_to(pitch, ankle_xy.shape[:-1])
    forward = np.stack([np.cos(yaw), np.sin(yaw)], axis=-1)
    toe_xy = ankle_xy + forward * FOOT_LENGTH
    ankle = np.concatenate(
        [
            toe_xy - forward * (FOOT_LENGTH * np.cos(pitch))[..., None],
            (ANKLE_HEIGHT + lift + FOOT_LENGTH * np.sin(pitch))[..., None],
        ],
        axis=-1,
    )
    toe = np.concatenate([toe_xy, (TOE_HEIGHT + lift)[..., None]], axis=-1)
    return np.stack([ankle, toe], axis=-2)


def sway(
    ground: np.ndarray, heading: np.ndarray, feet: np.ndarray, planted: np.ndarray, fps: float, gain: float
) -> np.ndarray:
    """The pelvis over the ground path, shifted sideways toward the supporting foot by `gain`."""
    centres = feet[:, :, 0, :2] + rotate(np.array([FOOT_CENTRE, 0.0]), heading)[:, None, :]
    weights = planted.astype(float)
    none = weights.sum(1) == 0
    weights[none] = 1.0
    support = (centres * weights[..., None]).sum(1) / weights.sum(1)[:, None]
    offset = blur(support - ground, fps, 0.08)
    lateral = np.stack([-np.sin(heading), np.cos(heading)], axis=1)
    return ground + gain * (offset * lateral).sum(1, keepdims=True) * lateral


def reachable_height(
    pelvis: np.ndarray, heading: np.ndarray, feet: np.ndarray, lean: np.ndarray
) -> np.ndarray:
    """Pelvis heights (T,) lowered where a leg could not reach its foot target."""
    out = pelvis[:, 2].copy()
    for foot in (0, 1):
        offset = HIP_OFFSET * np.array([1.0, SIDES[foot], 1.0])
        hip = pelvis + rotate(np.broadcast_to(offset, pelvis.shape), heading)
        hip[:, 2] = pelvis[:, 2] + offset[2] * np.cos(lean)
        ankle = feet[:, foot, 0]
        horizontal = np.linalg.norm(hip[:, :2] - ankle[:, :2], axis=1)
        reach = np.sqrt(np.maximum(LEG_REACH**2 - horizontal**2, 0.05))
        out = np.minimum(out, ankle[:, 2] + reach - offset[2] * np.cos(lean))
    return out


def ballistic_jump(
    t: np.ndarray, start: float, stand: float, crouch: float, height: float, land_crouch: float
) -> tuple[np.ndarray, float, float]:
    """Pelvis height offsets (T,) of a jump from standing: crouch, push, flight of `height` metres,
    landing, recovery; and the take-off and landing times."""
    speed = np.sqrt(2 * GRAVITY * height)
    crouch_time = 0.35
    push_time = 2 * crouch / speed
    flight = 2 * speed / GRAVITY
    absorb_time = 2 * land_crouch / speed
    recover_time = 0.45
    takeoff = start + crouch_time + push_time
    landing = takeoff + flight
    z = np.zeros_like(t)
    phase = (t >= start) & (t < start + crouch_time)
    z[phase] = -crouch * smoothstep((t[phase] - start) / crouch_time)
    phase = (t >= start + crouch_time) & (t < takeoff)
    tau = t[phase] - start - crouch_time
    z[phase] = -crouch + 0.5 * (speed / push_time) * tau**2
    phase = (t >= takeoff) & (t < landing)
    tau = t[phase] - takeoff
    z[phase] = speed * tau - 0.5 * GRAVITY * tau**2
    phase = (t >= landing) & (t < landing + absorb_time)
    tau = t[phase] - landing
    z[phase] = -speed * tau + 0.5 * (speed / absorb_time) * tau**2
    phase = t >= landing + absorb_time
    z[phase] = -land_crouch * (1 - smoothstep((t[phase] - landing - absorb_time) / recover_time))
    return z, takeoff, landing


def direction(flexion: np.ndarray | float, abduction: np.ndarray | float, side: float) -> np.ndarray:
    """A limb direction in the body's heading frame (x forward, y left, z up).

    `flexion` 0 hangs down, π/2 points forward, π points up; `abduction` raises it sideways
    (toward `side`: +1 left, -1 right)."""
    flexion = np.asarray(flexion, dtype=float)
    abduction = np.broadcast_to(abduction, flexion.shape)
    return np.stack(
        [
            np.sin(flexion) * np.cos(abduction),
            side * np.sin(abduction) * np.ones_like(flexion),
            -np.cos(flexion) * np.cos(abduction),
        ],
        axis=-1,
    )


def arm_targets(
    shoulder: np.ndarray,
    heading: np.ndarray,
    upper: np.ndarray,
    fore: np.ndarray,
    lengths: tuple[float, float],
) -> np.ndarray:
    """Elbow and wrist targets (T, 2, 3) from a shoulder (T, 3) and limb directions (T, 3) in the
    heading frame."""
    elbow = shoulder + rotate(upper, heading) * lengths[0]
    wrist = elbow + rotate(fore, heading) * lengths[1]
    return np.stack([elbow, wrist], axis=1)
