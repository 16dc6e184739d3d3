"""A motion as the suite exchanges it: joint positions of the 22-joint skeleton and a frame rate."""

from dataclasses import dataclass

import numpy as np

from synthsuite.datasets_src.motion.skeleton import NUM_JOINTS, from_y_up

PHYSICS_RATE = 200  # Hz: a clip's fps must divide it (humanoid.TIMESTEP)
MIN_FRAMES, MAX_FRAMES = 2, 400


@dataclass(frozen=True)
class MotionClip:
    """`joints` (frames, 22, 3): metres, HumanML3D joint order, z up, floor at z = 0, the person
    starting near the origin facing +x; `fps`: any rate dividing 200 Hz (HumanML3D's is 20)."""

    joints: np.ndarray
    fps: float = 20.0

    def __post_init__(self) -> None:
        problem = clip_problem(self.joints, self.fps)
        if problem is not None:
            raise ValueError(problem)
        object.__setattr__(self, "joints", np.asarray(self.joints, dtype=np.float64))

    @classmethod
    def from_y_up(cls, joints: np.ndarray, fps: float = 20.0) -> "MotionClip":
        """From HumanML3D's axes (x left, y up, z forward)."""
        return cls(from_y_up(np.asarray(joints, dtype=np.float64)), fps)

    @property
    def frames(self) -> int:
        return int(self.joints.shape[0])


def clip_problem(joints: np.ndarray, fps: float) -> str | None:
    """Why (joints, fps) is not a valid clip, or None."""
    joints = np.asarray(joints)
    if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3):
        return f"joints must have shape (frames, {NUM_JOINTS}, 3), got {joints.shape}"
    if not MIN_FRAMES <= joints.shape[0] <= MAX_FRAMES:
        return f"a clip has {MIN_FRAMES}..{MAX_FRAMES} frames, this one {joints.shape[0]}"
    if not np.issubdtype(joints.dtype, np.number) or not np.all(np.isfinite(joints)):
        return "joints hold NaN or infinite values"
    if not fps_ok(fps):
        return f"fps {fps} does not divide the simulator's {PHYSICS_RATE} Hz (use e.g. 20, 25, 40, 50)"
    return None


def fps_ok(fps: float) -> bool:
    try:
        fps = float(fps)
    except (TypeError, ValueError):
        return False
    return (
        fps > 0
        and np.isfinite(fps)
        and abs(PHYSICS_RATE / fps - round(PHYSICS_RATE / fps)) < 1e-9
        and fps <= 100
    )
