"""Motion measured from pixels: a poked region followed by a point tracker (OpenCV's pyramidal
Lucas-Kanade), dense optical flow (OpenCV's DIS) for everything else, and the statistics the force
evaluators score.

Every function takes grey frames (frames, height, width) uint8 and works at `WORK_WIDTH` pixels wide
at most (larger videos are shrunk first, the measurements converted back to the video's pixels).
Pixels follow the benchmark's convention: origin at the bottom-left, x right, y up; angles in
degrees, 0 = right, 90 = up. Distances are returned as fractions of the video's width, so that the
same motion scores the same at every resolution.
"""

import math
from dataclasses import dataclass

import numpy as np

from synthsuite.evaluation.force.videos import opencv

WORK_WIDTH = 360
MIN_MOTION = 0.01  # of the width: less than this and the poked region "did not move"
TRACK_POINTS = 7  # a 7 x 7 grid of seeds over the poked region
FAR = 0.25  # of the width: pixels farther than this from the poked region's path are "the rest"
LEAK_SPEED = 0.002  # of the width per frame, averaged over the video: a pixel of the rest that moved
LEAK_SHARE = 0.02  # more than this share of the rest moving: the video leaks motion
WIND_SPEED = 0.002  # of the width per frame: pixels moving faster count as moving regions
# a video whose pixels move less than this on average (of the width per frame) shows no wind: a still
# frame through a video codec measures at most 6e-5 (MPEG-4 Part 2 at 144 x 96, the 41 first frames of
# the wind benchmark); the ground truths of the pinned tiny build measure 8.0e-5 to 5.2e-3, and the one
# under this threshold (a flag at wind speed 0.45) is read as no wind
# (reference/runs/force/wind-benchmark-motion.json)
MIN_ENERGY = 1.2e-4
CHANGE = 1.0  # grey levels: where consecutive frames differ less, the flow is taken as zero
COHERENCE = 0.3  # wind: |summed flow| / summed |flow per frame| below this is no consistent motion


def working_frames(frames: np.ndarray) -> tuple[np.ndarray, float]:
    """The frames at most WORK_WIDTH wide, and the factor from working pixels to video pixels."""
    height, width = frames.shape[1:]
    if width <= WORK_WIDTH:
        return frames, 1.0
    cv2 = opencv()
    scale = WORK_WIDTH / width
    size = (WORK_WIDTH, max(2, round(height * scale)))
    return np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]), width / WORK_WIDTH


def dense_flow(frames: np.ndarray) -> np.ndarray:
    """Flow from each frame to the next, (frames - 1, height, width, 2) float32, in (column, row) pixels;
    zero where the two frames do not differ (by CHANGE grey levels, smoothed over 5 x 5 pixels).

    DIS returns small flows even between identical-looking frames (a still frame through a video
    codec, which flickers by ~0.01 grey levels, measured 0.06 px a frame at 144 x 96): where nothing
    changed, nothing is taken to have moved."""
    cv2 = opencv()
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    flows = np.empty((len(frames) - 1, *frames.shape[1:], 2), np.float32)
    for t in range(len(frames) - 1):
        flows[t] = dis.calc(frames[t], frames[t + 1], None)
        change = cv2.blur(cv2.absdiff(frames[t], frames[t + 1]).astype(np.float32), (5, 5))
        flows[t][change < CHANGE] = 0.0
    return flows


def track(frames: np.ndarray, start: tuple[float, float], radius: float) -> np.ndarray:
    """The poked region's path, (frames, 2) in (column, row) working pixels: a grid of points within
    `radius` of `start`, each followed from frame to frame by pyramidal Lucas-Kanade (OpenCV); the
    median of the points still followed. (Dense flow smooths across the object's edge and falls ~20%
    short of a textured disc's travel; Lucas-Kanade on the points lands within 2%, tested.)"""
    cv2 = opencv()
    offsets = np.linspace(-radius, radius, TRACK_POINTS)
    grid = np.array([(dx, dy) for dx in offsets for dy in offsets if dx * dx + dy * dy <= radius * radius])
    points = (np.asarray(start, np.float32) + grid.astype(np.float32)).reshape(-1, 1, 2)
    window = int(np.clip(2 * round(radius) + 1, 7, 21))
    path = [np.median(points[:, 0], axis=0)]
    for t in range(len(frames) - 1):
        if len(points) == 0:
            path.append(path[-1])
            continue
        moved, found, _ = cv2.calcOpticalFlowPyrLK(
            frames[t], frames[t + 1], points, None, winSize=(window, window), maxLevel=3
        )
        points = moved[found[:, 0] == 1]
        path.append(np.median(points[:, 0], axis=0) if len(points) else path[-1])
    return np.array(path, np.float64)


def screen_angle(dx: float, dy_up: float) -> float:
    return math.degrees(math.atan2(dy_up, dx)) % 360.0


def angular_error(measured: float, expected: float) -> float:
    """The smaller angle between two directions, in [0, 180]."""
    return abs((measured - expected + 180.0) % 360.0 - 180.0)


@dataclass(frozen=True)
class Poke:
    """What a video shows of a poke: where the poked region went, and whether the rest stayed still."""

    moved: bool
    angle: float  # direction of the farthest point of its path (undefined when not moved: 0)
    displacement: float  # that distance, as a fraction of the width
    final_displacement: float  # first to last frame, as a fraction of the width
    leak: float  # share of the rest of the scene that moved
    path: np.ndarray  # (frames, 2) in video pixels, origin bottom-left

    @property
    def path_ratio(self) -> float:
        return path_ratio(self.path)

    def travel_along(self, angle: float, width: int) -> float:
        """First to last frame, projected on the direction `angle`, as a fraction of `width`: negative
        when the region went the other way (the mass study's distance, with a sign)."""
        dx, dy = self.path[-1] - self.path[0]
        return float(dx * math.cos(math.radians(angle)) + dy * math.sin(math.radians(angle))) / width


def path_ratio(path) -> float:
    """Length of a path over its farthest distance from its start: 1 for a straight push, ~2-6 for a
    swing or a spring's oscillation, more for a path that jumps back and forth (frames out of order)."""
    path = np.asarray(path, np.float64)
    far = float(np.hypot(*(path - path[0]).T).max())
    return float(np.hypot(*np.diff(path, axis=0).T).sum()) / far if far > 0 else 1.0


def measure_poke(frames: np.ndarray, poke_x: float, poke_y: float, radius_px: float) -> Poke:
    """Track the region around the poke point (video pixels, origin bottom-left) through the video."""
    height, width = frames.shape[1:]
    work, scale = working_frames(frames)
    flows = dense_flow(work)
    start = (poke_x / scale, (height - 1 - poke_y) / scale)  # (column, row) in working pixels
    radius = max(1.5, 0.9 * radius_px / scale)
    path = track(work, start, radius)
    delta = (path - path[0]) * scale
    distances = np.hypot(delta[:, 0], delta[:, 1])
    far = int(np.argmax(distances))
    moved = distances[far] >= MIN_MOTION * width
    angle = screen_angle(delta[far, 0], -delta[far, 1]) if moved else 0.0
    leak = _leak(flows, path, scale, width)
    video_path = np.stack([path[:, 0] * scale, height - 1 - path[:, 1] * scale], axis=1)
    return Poke(
        bool(moved), angle, float(distances[far] / width), float(distances[-1] / width), leak, video_path
    )


def _leak(flows: np.ndarray, path: np.ndarray, scale: float, width: int) -> float:
    """Share of the pixels far from the poked region's path whose mean speed over the video is above
    LEAK_SPEED (the rest of the scene should stay still)."""
    rows, columns = np.mgrid[0 : flows.shape[1], 0 : flows.shape[2]]
    near = np.zeros(flows.shape[1:3], bool)
    reach = FAR * width / scale
    for x, y in path[:: max(1, len(path) // 12)]:
        near |= (columns - x) ** 2 + (rows - y) ** 2 < reach * reach
    rest = ~near
    if not rest.any():
        return 0.0
    speed = np.hypot(flows[..., 0], flows[..., 1]).mean(axis=0) * scale / width
    return float((speed[rest] > LEAK_SPEED).mean())


@dataclass(frozen=True)
class Wind:
    """What a video shows of a wind: the dominant direction of its moving regions and their energy."""

    moved: bool
    angle: float  # direction of the summed flow of the moving pixels
    energy: float  # mean speed of every pixel, as a fraction of the width per frame
    moving_share: float  # share of pixels x frames that move
    coherence: float  # |summed flow| / sum over frame pairs of |that pair's summed flow|: 1 = one direction


def measure_wind(frames: np.ndarray) -> Wind:
    width = frames.shape[2]
    work, scale = working_frames(frames)
    flows = dense_flow(work)
    speed = np.hypot(flows[..., 0], flows[..., 1]) * scale / width
    moving = speed > WIND_SPEED
    per_pair = np.array([flows[t][moving[t]].sum(axis=0) for t in range(len(flows))]).reshape(-1, 2)
    total = per_pair.sum(axis=0)
    moved = bool(speed.mean() >= MIN_ENERGY) and bool(np.hypot(*total) > 0)
    angle = screen_angle(float(total[0]), -float(total[1])) if moved else 0.0
    coherence = float(np.hypot(*total) / np.hypot(per_pair[:, 0], per_pair[:, 1]).sum()) if moved else 0.0
    return Wind(moved, angle, float(speed.mean()), float(moving.mean()), coherence)
