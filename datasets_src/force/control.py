"""Force Prompting's control videos: labels in, the ControlNet's conditioning tensor out.

The original (Gillman et al., "Force Prompting", 2025; `data/controlnet_datasets.py`) feeds its
ControlNet a float tensor of shape (frames, 3, height, width) = 49 x 3 x 480 x 720:

* point force: a Gaussian blob (sigma 20 px, amplitude 1, the same in all 3 channels) that
  starts at the poke point and moves in a straight line at constant speed along the force angle,
  covering (1/8 + 3/8 F) * width over the clip (F in [0, 1]; F = 0 is a gentle poke and still
  moves). Several forces at once: the blobs are added, without clipping.
* wind: a constant map, channel 0 = -1 + 2F, channel 1 = cos(theta), channel 2 = sin(theta).

Conventions (the project's): pixel (x, y) has its origin at the bottom-left, x to the right,
y up, pixel centres at integers (0, 0) .. (width-1, height-1), so image row = height-1-y.
Angles are degrees, 0 = right, 90 = up (on screen). The original put y = 0 at row `height`
(its row is `height - y`), one pixel lower than ours; at paper size that is 1/20 of sigma.

Other resolutions scale every length (sigma, the arrows) by width / 720, the same factor as
the travel, which is a fraction of the width: the control is then a pure rescale of the
paper's at the paper's 3:2 aspect, and the blob keeps its size relative to its path at any
other aspect (the geometric mean of the two factors would not).

Only numpy (1.26 and 2.x) and the standard library: this module also imports in Blender's venv.
"""

import itertools
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PAPER_FRAMES = 49
PAPER_WIDTH = 720
PAPER_HEIGHT = 480
PAPER_SIGMA = 20.0  # px at PAPER_WIDTH
MIN_TRAVEL = 1 / 8  # of the width, at F = 0
MAX_TRAVEL = 1 / 2  # of the width, at F = 1

YELLOW = (255, 255, 0)
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class PointForce:
    """One poke: start pixel (bottom-left origin), angle in degrees, normalised strength in [0, 1]."""

    x: float
    y: float
    angle_deg: float
    force: float


# ---------------------------------------------------------------- validation


def _count(name: str, value: object) -> int:
    """An integer >= 1 (frames, width, height)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}") from None
    if number < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {number}")
    return number


def _number(
    name: str, value: object, low: float = -math.inf, high: float = math.inf, allowed: str | None = None
) -> float:
    """A finite real in [low, high]; the message names the argument and the allowed range."""
    if allowed is None:
        allowed = "a finite number" if math.isinf(low) and math.isinf(high) else f"in [{low:g}, {high:g}]"
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {allowed}, got {value!r}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return number


def _size(frames: object, width: object, height: object) -> tuple[int, int, int]:
    return _count("frames", frames), _count("width", width), _count("height", height)


def _check_force(force: PointForce, width: int, height: int, label: str = "") -> PointForce:
    return PointForce(
        x=_number(f"{label}x", force.x, 0, width - 1),
        y=_number(f"{label}y", force.y, 0, height - 1),
        angle_deg=_number(f"{label}angle_deg", force.angle_deg),
        force=_number(f"{label}force", force.force, 0, 1),
    )


# ---------------------------------------------------------------- geometry


def length_scale(width: int) -> float:
    """The factor every paper length (sigma, arrow sizes) is multiplied by at this width."""
    return _count("width", width) / PAPER_WIDTH


def blob_sigma(width: int) -> float:
    """Sigma of the blob in pixels: 20 px at width 720, proportional to the width."""
    return PAPER_SIGMA * length_scale(width)


def travel_px(force: float, width: int) -> float:
    """Total distance the blob covers over the clip: (1/8 + 3/8 F) * width."""
    force = _number("force", force, 0, 1)
    return (MIN_TRAVEL + (MAX_TRAVEL - MIN_TRAVEL) * force) * _count("width", width)


def _centres(force: PointForce, frames: int, width: int) -> np.ndarray:
    # t = frame / (frames - 1) as the original; a 1-frame clip (a division by zero there) is t = 0.
    t = np.arange(frames) / (frames - 1) if frames > 1 else np.zeros(1)
    theta = math.radians(force.angle_deg)
    travel = travel_px(force.force, width)
    return np.stack([force.x + t * travel * math.cos(theta), force.y + t * travel * math.sin(theta)], axis=1)


def blob_centres(
    x: float,
    y: float,
    angle_deg: float,
    force: float,
    *,
    frames: int = PAPER_FRAMES,
    width: int = PAPER_WIDTH,
    height: int = PAPER_HEIGHT,
) -> np.ndarray:
    """The blob's centre in every frame, float64 (frames, 2) of (x, y), bottom-left origin.

    The centre may leave the image late in the clip (the original lets it); the start may not.
    """
    frames, width, height = _size(frames, width, height)
    return _centres(_check_force(PointForce(x, y, angle_deg, force), width, height), frames, width)


# ---------------------------------------------------------------- encoders


def point_forces_control(
    forces: Sequence[PointForce],
    *,
    frames: int = PAPER_FRAMES,
    width: int = PAPER_WIDTH,
    height: int = PAPER_HEIGHT,
    sigma: float | None = None,
) -> np.ndarray:
    """The sum of one moving blob per force, float32 (frames, 3, height, width), not clipped.

    No forces gives an all-zero control (the original's "text-only fine-tuned" baseline input).
    The Gaussian is separable, exp(-(dx² + dy²) / 2σ²) = gx(column) · gy(row): each frame's 2D
    sum is built once from outer products (one exp per row and column, not per pixel) and
    broadcast into the 3 channels, so the only memory beyond the result is one frame.
    """
    frames, width, height = _size(frames, width, height)
    sigma = (
        blob_sigma(width) if sigma is None else _number("sigma", sigma, 1e-6, math.inf, "a finite number > 0")
    )
    checked = [_check_force(f, width, height, f"forces[{i}].") for i, f in enumerate(forces)]
    cols = np.arange(width, dtype=np.float64)
    rows = np.arange(height, dtype=np.float64)
    profiles = []  # per force: gx (frames, width), gy (frames, height)
    for force in checked:
        centres = _centres(force, frames, width)  # (frames, 2) of (x, y); image row = height - 1 - y
        gx = np.exp(-((cols - centres[:, 0:1]) ** 2) / (2 * sigma**2)).astype(np.float32)
        gy = np.exp(-((rows - (height - 1 - centres[:, 1:2])) ** 2) / (2 * sigma**2)).astype(np.float32)
        profiles.append((gx, gy))
    control = np.empty((frames, 3, height, width), dtype=np.float32)
    plane = np.empty((height, width), dtype=np.float32)
    for t in range(frames):
        plane[:] = 0
        for gx, gy in profiles:
            plane += np.multiply.outer(gy[t], gx[t])
        control[t] = plane
    return control


def point_force_control(
    x: float,
    y: float,
    angle_deg: float,
    force: float,
    *,
    frames: int = PAPER_FRAMES,
    width: int = PAPER_WIDTH,
    height: int = PAPER_HEIGHT,
    sigma: float | None = None,
) -> np.ndarray:
    """One poke's control video, float32 (frames, 3, height, width): a blob on `blob_centres`."""
    return point_forces_control(
        [PointForce(x, y, angle_deg, force)], frames=frames, width=width, height=height, sigma=sigma
    )


def wind_control(
    angle_deg: float,
    speed: float,
    *,
    frames: int = PAPER_FRAMES,
    width: int = PAPER_WIDTH,
    height: int = PAPER_HEIGHT,
) -> np.ndarray:
    """Wind's control video, float32 (frames, 3, height, width): (-1 + 2F, cos θ, sin θ) everywhere."""
    frames, width, height = _size(frames, width, height)
    theta = math.radians(_number("angle_deg", angle_deg))
    speed = _number("speed", speed, 0, 1)
    control = np.empty((frames, 3, height, width), dtype=np.float32)
    for channel, value in enumerate((-1 + 2 * speed, math.cos(theta), math.sin(theta))):
        control[:, channel] = value
    return control


# ---------------------------------------------------------------- documentation overlays
# Pure-numpy rasterisation of the original's visualisations (cv2 there): a boolean mask of the
# shape is built once in image coordinates (column, row) and painted into the chosen frames.


def _segments_mask(height: int, width: int, points: np.ndarray, half_width: float) -> np.ndarray:
    """Pixels whose centre lies within `half_width` of the polyline through `points` (n, 2)."""
    mask = np.zeros((height, width), dtype=bool)
    for a, b in itertools.pairwise(points):
        low = np.floor(np.minimum(a, b) - half_width).astype(int)
        high = np.ceil(np.maximum(a, b) + half_width).astype(int)
        c0, r0 = max(low[0], 0), max(low[1], 0)
        c1, r1 = min(high[0], width - 1), min(high[1], height - 1)
        if c0 > c1 or r0 > r1:
            continue
        cc, rr = np.meshgrid(np.arange(c0, c1 + 1), np.arange(r0, r1 + 1))
        d = b - a
        length2 = float(d @ d)
        t = np.clip(((cc - a[0]) * d[0] + (rr - a[1]) * d[1]) / length2, 0, 1) if length2 else 0.0
        dist2 = (cc - a[0] - t * d[0]) ** 2 + (rr - a[1] - t * d[1]) ** 2
        mask[r0 : r1 + 1, c0 : c1 + 1] |= dist2 <= half_width**2
    return mask


def _triangle_mask(height: int, width: int, corners: np.ndarray) -> np.ndarray:
    """Pixels whose centre lies inside the triangle `corners` (3, 2), edges included."""
    cc, rr = np.meshgrid(np.arange(width), np.arange(height))
    sides = []
    for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        sides.append((b[0] - a[0]) * (rr - a[1]) - (b[1] - a[1]) * (cc - a[0]))
    eps = 1e-9
    return (np.all([s >= -eps for s in sides], axis=0)) | (np.all([s <= eps for s in sides], axis=0))


def _ring_mask(height: int, width: int, centre: np.ndarray, radius: float, half_width: float) -> np.ndarray:
    cc, rr = np.meshgrid(np.arange(width), np.arange(height))
    return np.abs(np.hypot(cc - centre[0], rr - centre[1]) - radius) <= half_width


def _arrowhead(tip: np.ndarray, direction: np.ndarray, length: float, half_base: float) -> np.ndarray:
    base = tip - length * direction
    normal = np.array([-direction[1], direction[0]])
    return np.stack([tip, base + half_base * normal, base - half_base * normal])


def _frames(video: object) -> np.ndarray:
    """A copy of the video to draw into, checked: uint8 (frames, height, width, 3)."""
    frames = np.array(video, copy=True)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3 or 0 in frames.shape:
        raise ValueError(
            "video must be a uint8 array of shape (frames, height, width, 3), "
            f"got {frames.dtype} {frames.shape}"
        )
    return frames


def _paint(
    frames: np.ndarray, masks: Sequence[tuple[np.ndarray, tuple[int, int, int]]], first: int | None
) -> np.ndarray:
    count = frames.shape[0] if first is None else min(_count("frames_with_arrow", first), frames.shape[0])
    for mask, colour in masks:
        frames[:count, mask] = np.asarray(colour, dtype=np.uint8)
    return frames


def _colour(name: str, colour: object) -> tuple[int, int, int]:
    try:
        values = tuple(colour)  # type: ignore[call-overload]
    except TypeError:
        values = ()
    if len(values) != 3 or not all(isinstance(v, int | np.integer) and 0 <= v <= 255 for v in values):
        raise ValueError(f"{name} must be three integers in [0, 255], got {colour!r}")
    return values  # type: ignore[return-value]


def draw_force_arrow(
    video: np.ndarray,
    x: float,
    y: float,
    angle_deg: float,
    force: float,
    colour: tuple[int, int, int] = YELLOW,
    *,
    ring_colour: tuple[int, int, int] | None = WHITE,
    frames_with_arrow: int | None = None,
) -> np.ndarray:
    """A copy of `video` (uint8 (T, H, W, 3)) with the original's point-force overlay.

    As the original's `add_aesthetic_point_force_prompt_to_video` at 720 px wide: a ring of
    radius 20 px (the blob's sigma) around the poke point and an arrow of 10 + 90 F px along the
    angle, 2 px thick, head 0.3 of its length; lengths scale with width / 720. The original drew
    on the first 8 frames (`frames_with_arrow=8`); the default here is every frame. (Its colour
    (0, 255, 255) was meant as OpenCV's BGR yellow; drawn into RGB frames it came out cyan.)
    """
    frames = _frames(video)
    height, width = frames.shape[1:3]
    poke = _check_force(PointForce(x, y, angle_deg, force), width, height)
    scale = length_scale(width)
    half_width = max(0.5, scale)
    theta = math.radians(poke.angle_deg)
    direction = np.array([math.cos(theta), -math.sin(theta)])  # image (column, row): rows run down
    start = np.array([poke.x, height - 1 - poke.y])
    length = (10 + 90 * poke.force) * scale
    head = max(0.3 * length, 2 * half_width + 1)
    tip = start + length * direction
    shaft = _segments_mask(height, width, np.stack([start, tip - 0.5 * head * direction]), half_width)
    arrow = shaft | _triangle_mask(height, width, _arrowhead(tip, direction, head, 0.6 * head))
    masks = [(arrow, _colour("colour", colour))]
    if ring_colour is not None:
        ring = _ring_mask(height, width, start, PAPER_SIGMA * scale, half_width)
        masks.insert(0, (ring, _colour("ring_colour", ring_colour)))
    return _paint(frames, masks, frames_with_arrow)


def draw_wind_arrow(
    video: np.ndarray,
    angle_deg: float,
    speed: float,
    colour: tuple[int, int, int] = YELLOW,
    *,
    x: float | None = None,
    y: float | None = None,
    frames_with_arrow: int | None = None,
) -> np.ndarray:
    """A copy of `video` (uint8 (T, H, W, 3)) with the original's wind overlay: three wavy arrows.

    As `add_aesthetic_wind_force_prompt_to_video` at 720 px wide: three parallel arrows 20 px
    apart, centred on (x, y) (default: 100 px in from the top-right corner), 30 + 60 F px long,
    a sine wave of amplitude 2 px with 1 + floor(10 F) periods and a straight last 20 px, a
    head from 7 px behind the line's end to 6 px past it, 8 px wide; lengths scale with
    width / 720. Drawn on every frame, as the original.
    """
    frames = _frames(video)
    height, width = frames.shape[1:3]
    scale = length_scale(width)
    x = width - 1 - 100 * scale if x is None else x
    y = height - 1 - 100 * scale if y is None else y
    x, y = _number("x", x, 0, width - 1), _number("y", y, 0, height - 1)
    theta = math.radians(_number("angle_deg", angle_deg))
    speed = _number("speed", speed, 0, 1)
    half_width = max(0.5, scale)
    direction = np.array([math.cos(theta), -math.sin(theta)])
    normal = np.array([-direction[1], direction[0]])
    length = (30 + 60 * speed) * scale
    straight = 20 * scale
    periods = 1 + int(10 * speed)
    t = np.linspace(0, 1, 100)[:, None]
    wavy = t < (length - straight) / length
    wave = np.where(wavy, np.sin(t * periods * 2 * math.pi) * 2 * scale, 0.0)
    colour = _colour("colour", colour)
    masks = []
    for offset in (-20 * scale, 0.0, 20 * scale):
        start = np.array([x, height - 1 - y]) + offset * normal
        points = start + t * length * direction + wave * normal
        tip = points[-1] + 6 * scale * direction
        head = _triangle_mask(height, width, _arrowhead(tip, direction, 13 * scale, 4 * scale))
        masks.append((_segments_mask(height, width, points, half_width) | head, colour))
    return _paint(frames, masks, frames_with_arrow)
