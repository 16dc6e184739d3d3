"""Physical artifacts injected into clean motions, each with a magnitude drawn from a stated range.

The `pairs` config stores each artifacted motion beside its clean source, so a corrector can be
scored against the truth. Every artifact is the kind generated motions show (PhysDiff's list plus
noise and glitches), and each raises its own metric (metrics.py):

| artifact | what is done | magnitude | range | raises |
|---|---|---|---|---|
| penetration | the whole body sinks into the floor | depth (m) | 0.04-0.12 | Penetrate |
| floating | the whole body is lifted off the floor | height (m) | 0.05-0.15 | Float |
| skating | planted feet glide back and forth (±5 cm) in contact | speed (m/s) | 0.3-0.8 | Skate |
| jitter | Gaussian noise on every joint and frame | std (m) | 0.02-0.04 | Jitter |
| velocity | the body teleports away for one frame and back | jump (m) | 0.8-1.5 | Overspeed |
| mix | two or three of the above, each with its own magnitude | | | theirs |
"""

from collections.abc import Callable

import numpy as np

ARTIFACTS = ("penetration", "floating", "skating", "jitter", "velocity")
KINDS = (*ARTIFACTS, "mix")
RANGES = {
    "penetration": (0.04, 0.12),
    "floating": (0.05, 0.15),
    "skating": (0.3, 0.8),
    "jitter": (0.02, 0.04),
    "velocity": (0.8, 1.5),
}
SKATE_REACH = 0.05  # m: how far a gliding foot strays from its plant
METRIC_OF = {
    "penetration": "penetrate",
    "floating": "float",
    "skating": "skate",
    "jitter": "jitter",
    "velocity": "overspeed",
}


def _penetration(joints: np.ndarray, size: float, rng: np.random.Generator, fps: float) -> np.ndarray:
    out = joints.copy()
    out[..., 2] -= size
    return out


def _floating(joints: np.ndarray, size: float, rng: np.random.Generator, fps: float) -> np.ndarray:
    out = joints.copy()
    out[..., 2] += size
    return out


def _skating(joints: np.ndarray, size: float, rng: np.random.Generator, fps: float) -> np.ndarray:
    """Planted feet glide: through each contact of each foot (its ankle or foot joint within 1 cm
    of the floor), the foot joints slide back and forth at `size` m/s along a random horizontal
    direction, at most SKATE_REACH from where they were planted; the knee follows halfway."""
    from synthsuite.datasets_src.motion.metrics import CONTACT_HEIGHT, surface_heights

    out = joints.copy()
    surface = surface_heights(joints)
    period = 4 * SKATE_REACH / size  # a triangle wave of amplitude SKATE_REACH at speed `size`
    for ankle, foot, knee in ((7, 10, 4), (8, 11, 5)):
        touching = (np.minimum(surface[:, ankle], surface[:, foot]) <= CONTACT_HEIGHT).astype(np.int8)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], touching, [0]])))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            angle = rng.uniform(0, 2 * np.pi)
            phase = (np.arange(stop - start) / fps / period + 0.25) % 1.0
            offset = SKATE_REACH * (4 * np.abs(phase - 0.5) - 1)  # starts at 0, moving
            drift = offset[:, None] * np.array([np.cos(angle), np.sin(angle)])
            out[start:stop, [ankle, foot], :2] += drift[:, None, :]
            out[start:stop, knee, :2] += 0.5 * drift
    return out


def _jitter(joints: np.ndarray, size: float, rng: np.random.Generator, fps: float) -> np.ndarray:
    return joints + rng.normal(0.0, size, joints.shape)


def _velocity(joints: np.ndarray, size: float, rng: np.random.Generator, fps: float) -> np.ndarray:
    """One frame, away from the ends, displaced horizontally by `size` metres."""
    out = joints.copy()
    frame = int(rng.integers(1, joints.shape[0] - 1))
    angle = rng.uniform(0, 2 * np.pi)
    out[frame, :, 0] += size * np.cos(angle)
    out[frame, :, 1] += size * np.sin(angle)
    return out


APPLY: dict[str, Callable[[np.ndarray, float, np.random.Generator, float], np.ndarray]] = {
    "penetration": _penetration,
    "floating": _floating,
    "skating": _skating,
    "jitter": _jitter,
    "velocity": _velocity,
}


def inject(
    joints: np.ndarray, kind: str, rng: np.random.Generator, fps: float = 20.0
) -> tuple[np.ndarray, list[str], list[float]]:
    """The artifacted joints, the artifacts applied and their magnitudes (in RANGES' units).

    A mix draws two or three distinct artifacts; penetration and floating exclude each other."""
    if kind == "mix":
        count = int(rng.integers(2, 4))
        pool = list(ARTIFACTS)
        chosen: list[str] = []
        while len(chosen) < count:
            pick = pool[int(rng.integers(0, len(pool)))]
            chosen.append(pick)
            pool.remove(pick)
            if pick in ("penetration", "floating"):
                pool = [a for a in pool if a not in ("penetration", "floating")]
        kinds = [a for a in ARTIFACTS if a in chosen]
    else:
        kinds = [kind]
    out = np.asarray(joints, dtype=np.float64)
    magnitudes = []
    for name in kinds:
        low, high = RANGES[name]
        size = round(float(rng.uniform(low, high)), 4)
        out = APPLY[name](out, size, rng, fps)
        magnitudes.append(size)
    return out, kinds, magnitudes
