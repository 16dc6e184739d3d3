"""Physics metrics of a motion given as joint positions: one module for data, corrector and evaluators.

PhysDiff (Yuan et al., ICCV 2023) and UHC (Luo et al.) measure penetration, floating and foot
skating on the SMPL body mesh. A motion here is 22 joint positions, so the body's surface is
approximated by a sphere around each joint (`SURFACE_RADII`, from the humanoid's geometry: for the
ankle and foot joints, their height above the floor when the foot stands flat). Per frame t, with
s_j(t) = z_j(t) - r_j the height of joint j's surface and s(t) = min_j s_j(t) the body's lowest point:

- Penetrate(t) = -s(t) if s(t) < -5 mm else 0: how far the lowest point is below the floor;
- Float(t) = s(t) if s(t) > 5 mm else 0: how far the lowest point is above the floor (UHC's 5 mm
  tolerance on both; a jump's flight counts as floating, as in PhysDiff);
- Skate(t): over the foot joints (ankles and feet, HumanML3D 7, 8, 10, 11) whose surface is within
  `CONTACT_HEIGHT` of the floor in frames t and t+1, the mean horizontal displacement between the
  two frames (0 when no foot joint touches; PhysDiff's joint-based definition);

each averaged over the frames, in millimetres. Phys-Err = Penetrate + Float + Skate (PhysDiff). Two
more metrics measure the remaining artifacts of the `pairs` data:

- Jitter: the mean over frames and joints of |p(t+1) - 3p(t) + 3p(t-1) - p(t-2)| (the third
  difference: smooth motion has little, noise much), mm;
- Overspeed: the mean over frames of how far the fastest joint exceeds `MAX_SPEED` (m/s), in m/s:
  no person moves a joint at 12 m/s between two frames.

Nothing here imports MuJoCo.
"""

from dataclasses import asdict, dataclass

import numpy as np

from synthsuite.datasets_src.motion.skeleton import FOOT_JOINTS, NUM_JOINTS

FLOOR_TOLERANCE = 0.005  # m, UHC's tolerance for penetration and floating
CONTACT_HEIGHT = 0.01  # m: a foot joint's surface this close to the floor touches it
MAX_SPEED = 12.0  # m/s
# Surface radius per HumanML3D joint (m): flesh around the joint; ankle and foot: height over a flat sole
SURFACE_RADII = np.array(
    [
        0.09,  # pelvis
        0.06, 0.06,  # hips
        0.065,  # spine1
        0.045, 0.045,  # knees
        0.065,  # spine2
        0.0275, 0.0275,  # ankles
        0.07,  # spine3
        0.029, 0.029,  # feet (toe bases)
        0.05,  # neck
        0.04, 0.04,  # collars
        0.085,  # head
        0.035, 0.035,  # shoulders
        0.03, 0.03,  # elbows
        0.03, 0.03,  # wrists
    ]
)  # fmt: skip
METRIC_NAMES = ("penetrate", "float", "skate", "phys_err", "jitter", "overspeed")
UNITS = {
    "penetrate": "mm",
    "float": "mm",
    "skate": "mm",
    "phys_err": "mm",
    "jitter": "mm",
    "overspeed": "m/s",
}


@dataclass(frozen=True)
class PhysicsMetrics:
    penetrate: float
    float: float
    skate: float
    phys_err: float
    jitter: float
    overspeed: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def surface_heights(joints: np.ndarray) -> np.ndarray:
    """(T, 22) height of each joint's surface above the floor."""
    return joints[..., 2] - SURFACE_RADII


def physics_metrics(joints: np.ndarray, fps: float = 20.0) -> PhysicsMetrics:
    """Every metric of one motion: `joints` (frames, 22, 3), metres, z up, floor at z = 0."""
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3) or joints.shape[0] < 2:
        raise ValueError(f"joints must be (frames >= 2, {NUM_JOINTS}, 3), got {joints.shape}")
    surface = surface_heights(joints)
    lowest = surface.min(axis=1)
    penetrate = np.where(lowest < -FLOOR_TOLERANCE, -lowest, 0.0).mean() * 1000
    floating = np.where(lowest > FLOOR_TOLERANCE, lowest, 0.0).mean() * 1000

    feet = list(FOOT_JOINTS)
    touching = surface[:, feet] <= CONTACT_HEIGHT
    both = touching[:-1] & touching[1:]
    step = np.linalg.norm(np.diff(joints[:, feet, :2], axis=0), axis=2)
    counts = both.sum(axis=1)
    per_frame = np.where(counts > 0, (step * both).sum(axis=1) / np.maximum(counts, 1), 0.0)
    skate = per_frame.mean() * 1000

    if joints.shape[0] >= 4:
        jitter = np.linalg.norm(np.diff(joints, n=3, axis=0), axis=2).mean() * 1000
    else:
        jitter = 0.0
    speed = np.linalg.norm(np.diff(joints, axis=0), axis=2).max(axis=1) * fps
    overspeed = np.maximum(speed - MAX_SPEED, 0.0).mean()
    return PhysicsMetrics(
        penetrate=float(penetrate),
        float=float(floating),
        skate=float(skate),
        phys_err=float(penetrate + floating + skate),
        jitter=float(jitter),
        overspeed=float(overspeed),
    )
