"""The rolling-balls scene (point force), pure part: sampling, validation, caption, camera geometry.

Imports only numpy and the stdlib so it runs in both venvs. The scene dict is JSON-serialisable
and is everything `balls_blender.render_ball_scene` needs.

World frame: the ground is the plane z = 0, balls (radius `BALL_RADIUS`) rest with their centres
at z = `BALL_RADIUS`. The camera looks along +Y, tilted down by `CAMERA_PITCH_DEG`, so world +X
is screen right and world +Y is (roughly) screen up. `angle` is the direction the pushed ball is
pushed in, world XY degrees (+X = 0, counter-clockwise). (The original stored the angle of the
force *field* relative to the ball, which points the other way: a FORCE field repels.)
"""

import math
from typing import Any

import numpy as np

from synthsuite.datasets_src.force.grounds import GROUND_NAMES, ground
from synthsuite.datasets_src.force.palette import COLOUR_NAMES

BALL_RADIUS = 0.4
BALL_KINDS = ("soccer", "bowling")
MASS = {"soccer": 1.0, "bowling": 4.0}
PUSHED_BOWLING_P = 1 / 3
DISTRACTOR_BOWLING_P = 0.2
BOWLING_BLACK_P = 0.5
STRENGTH_RANGE = (8.0, 64.0)
ZOOM_RANGE = (0.0, 0.6)
OFFSET_RANGE = (-0.5, 0.5)
N_DISTRACTORS = (1, 3)
TUBE_RADIUS = 1.5  # distractors stay out of this tube ahead of the pushed ball (as the original)
MIN_DIST_PUSHED = 2.0
MIN_DIST_OTHER = 1.0
POSITION_LIMIT = 30.0

CAMERA_DISTANCE = 13.0  # from the look-at point at zoom 0
CAMERA_PITCH_DEG = 50.0  # below the horizon
LENS_MM = 35.0
SENSOR_MM = 36.0  # horizontal sensor fit
ASPECT = 1.5  # every profile is 3:2; the trapezoid is computed for it
# The sampling trapezoid: ground points seen inside these normalised screen bounds (-1..1).
SCREEN_X = 0.85
SCREEN_Y = (-0.85, 0.75)

# Soccer-ball patches need contrast with the white base: leave out the palest colours.
_PALE = {"white", "ivory", "cream", "butter", "pearl", "platinum", "wheat", "light grey", "canary yellow"}
SOCCER_COLOURS = tuple(n for n in COLOUR_NAMES if n not in _PALE)


def camera_pose(camera: dict[str, Any]) -> tuple[list[float], list[float]]:
    """(location, rotation_euler XYZ in radians) of the camera for a scene's camera dict.

    Zoom moves the camera toward its look-at point by the fraction `zoom` (as the original), so
    the visible ground shrinks by (1 - zoom) about that point; `offset` shifts the look-at point.
    """
    pitch = math.radians(CAMERA_PITCH_DEG)
    ox, oy = camera["offset"]
    dist = CAMERA_DISTANCE * (1.0 - camera["zoom"])
    location = [ox, oy - dist * math.cos(pitch), dist * math.sin(pitch)]
    return location, [math.pi / 2 - pitch, 0.0, 0.0]


def ground_trapezoid(camera: dict[str, Any], z: float = BALL_RADIUS) -> np.ndarray:
    """The (4, 2) ground quad [near-left, near-right, far-right, far-left] at height z that the
    camera sees inside the SCREEN_X/SCREEN_Y bounds (ball centres there are on screen)."""
    location, _ = camera_pose(camera)
    pitch = math.radians(CAMERA_PITCH_DEG)
    tan_h = SENSOR_MM / 2 / LENS_MM
    tan_v = tan_h / ASPECT
    forward = np.array([0.0, math.cos(pitch), -math.sin(pitch)])
    up = np.array([0.0, math.sin(pitch), math.cos(pitch)])
    right = np.array([1.0, 0.0, 0.0])
    cam = np.array(location)
    corners = []
    for sx, sy in (
        (-SCREEN_X, SCREEN_Y[0]),
        (SCREEN_X, SCREEN_Y[0]),
        (SCREEN_X, SCREEN_Y[1]),
        (-SCREEN_X, SCREEN_Y[1]),
    ):
        ray = forward + sx * tan_h * right + sy * tan_v * up
        t = (z - cam[2]) / ray[2]
        corners.append((cam + t * ray)[:2])
    return np.array(corners)


def _in_quad(corners: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A point of the quad by bilinear interpolation of a uniform (u, v), as the original."""
    u, v = rng.random(2)
    p00, p10, p11, p01 = corners
    return (1 - u) * (1 - v) * p00 + u * (1 - v) * p10 + u * v * p11 + (1 - u) * v * p01


def _on_path(point: np.ndarray, start: np.ndarray, direction: np.ndarray) -> bool:
    """True when `point` lies in the tube of radius TUBE_RADIUS ahead of `start` along `direction`."""
    rel = point - start
    along = float(rel @ direction)
    return along > 0 and float(np.linalg.norm(rel - along * direction)) < TUBE_RADIUS


def _bowling_colour(rng: np.random.Generator) -> str:
    return "black" if rng.random() < BOWLING_BLACK_P else COLOUR_NAMES[rng.integers(len(COLOUR_NAMES))]


def _ball(kind: str, xy: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    name = _bowling_colour(rng) if kind == "bowling" else SOCCER_COLOURS[rng.integers(len(SOCCER_COLOURS))]
    return {
        "kind": kind,
        "colour": name,
        "mass": MASS[kind],
        "position": [float(xy[0]), float(xy[1])],
        "yaw": float(rng.uniform(0.0, 360.0)),
    }


def sample_ball_scene(rng: np.random.Generator) -> dict[str, Any]:
    """One random scene: ground, camera, pushed ball + 1–3 distractors off its path, the push."""
    camera = {
        "zoom": float(rng.uniform(*ZOOM_RANGE)),
        "offset": [float(rng.uniform(*OFFSET_RANGE)), float(rng.uniform(*OFFSET_RANGE))],
    }
    quad = ground_trapezoid(camera)
    angle = float(rng.uniform(0.0, 360.0))
    strength = float(rng.uniform(*STRENGTH_RANGE))
    pushed_kind = "bowling" if rng.random() < PUSHED_BOWLING_P else "soccer"
    start = _in_quad(quad, rng)
    direction = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
    n_distractors = int(rng.integers(N_DISTRACTORS[0], N_DISTRACTORS[1] + 1))
    bowling_slot = int(rng.integers(n_distractors)) if rng.random() < DISTRACTOR_BOWLING_P else -1
    balls = [_ball(pushed_kind, start, rng)]
    placed = [start]
    for slot in range(n_distractors):
        # Rejection sampling as the original; 1000 tries always suffice for this geometry
        # (a scene that still fails keeps fewer distractors, never fewer than one: see below).
        for _ in range(1000):
            xy = _in_quad(quad, rng)
            if (
                np.linalg.norm(xy - start) >= MIN_DIST_PUSHED
                and not _on_path(xy, start, direction)
                and all(np.linalg.norm(xy - p) >= MIN_DIST_OTHER for p in placed[1:])
            ):
                break
        else:
            continue
        placed.append(xy)
        balls.append(_ball("bowling" if slot == bowling_slot else "soccer", xy, rng))
    if len(balls) < 2:
        raise RuntimeError("could not place a distractor ball")  # not reachable for this geometry
    return {
        "ground": GROUND_NAMES[rng.integers(len(GROUND_NAMES))],
        "balls": balls,
        "pushed": 0,
        "angle": angle,
        "strength_raw": strength,
        "camera": camera,
    }


def _fail(field: str, allowed: str, got: object) -> None:
    raise ValueError(f"ball scene: {field} must be {allowed}, got {got!r}")


def _number(value: object, field: str, lo: float, hi: float, hi_open: bool = False) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (lo <= value and (value < hi if hi_open else value <= hi)):  # type: ignore[operator]
        _fail(field, f"a number in [{lo:g}, {hi:g}{')' if hi_open else ']'}", value)


def validate_ball_scene(scene: dict[str, Any]) -> None:
    """Raise ValueError naming the first bad field and its allowed range."""
    if not isinstance(scene, dict):
        _fail("the scene", "a dict", type(scene).__name__)
    for key in ("ground", "balls", "pushed", "angle", "strength_raw", "camera"):
        if key not in scene:
            _fail(key, "present", None)
    if scene["ground"] not in GROUND_NAMES:
        _fail(
            "ground",
            f"one of the {len(GROUND_NAMES)} ground names (e.g. {GROUND_NAMES[0]!r})",
            scene["ground"],
        )
    _number(scene["angle"], "angle", 0.0, 360.0, hi_open=True)
    _number(scene["strength_raw"], "strength_raw", *STRENGTH_RANGE)
    camera = scene["camera"]
    if not isinstance(camera, dict) or "zoom" not in camera or "offset" not in camera:
        _fail("camera", "a dict with 'zoom' and 'offset'", camera)
    _number(camera["zoom"], "camera.zoom", *ZOOM_RANGE)
    offset = camera["offset"]
    if not isinstance(offset, list | tuple) or len(offset) != 2:
        _fail("camera.offset", "a pair [dx, dy]", offset)
    for i, v in enumerate(offset):
        _number(v, f"camera.offset[{i}]", *OFFSET_RANGE)
    balls = scene["balls"]
    if not isinstance(balls, list) or not 2 <= len(balls) <= 4:
        _fail("balls", "a list of 2 to 4 balls", balls if not isinstance(balls, list) else len(balls))
    pushed = scene["pushed"]
    if not isinstance(pushed, int) or isinstance(pushed, bool) or not 0 <= pushed < len(balls):
        _fail("pushed", f"a ball index in [0, {len(balls) - 1}]", pushed)
    for i, ball in enumerate(balls):
        where = f"balls[{i}]"
        if not isinstance(ball, dict):
            _fail(where, "a dict", ball)
        if ball.get("kind") not in BALL_KINDS:
            _fail(f"{where}.kind", f"one of {BALL_KINDS}", ball.get("kind"))
        if ball.get("colour") not in COLOUR_NAMES:
            _fail(f"{where}.colour", "a palette colour name", ball.get("colour"))
        _number(ball.get("mass"), f"{where}.mass", 0.01, 100.0)
        _number(ball.get("yaw"), f"{where}.yaw", 0.0, 360.0, hi_open=True)
        pos = ball.get("position")
        if not isinstance(pos, list | tuple) or len(pos) != 2:
            _fail(f"{where}.position", "a pair [x, y]", pos)
        for j, v in enumerate(pos):
            _number(v, f"{where}.position[{j}]", -POSITION_LIMIT, POSITION_LIMIT)
    for i in range(len(balls)):
        for j in range(i):
            d = math.dist(balls[i]["position"], balls[j]["position"])
            if d < 2 * BALL_RADIUS:
                _fail(f"balls[{i}].position", f"at least {2 * BALL_RADIUS:g} from balls[{j}]", round(d, 3))


def _describe(ball: dict[str, Any]) -> str:
    if ball["kind"] == "bowling":
        return f"a shiny {ball['colour']} bowling ball"
    return f"a white soccer ball with {ball['colour']} patches"


def ball_caption(scene: dict[str, Any]) -> str:
    """A caption from the ground, ball kinds and colours (the original captioned each ground)."""
    pushed = scene["balls"][scene["pushed"]]
    others = [b for i, b in enumerate(scene["balls"]) if i != scene["pushed"]]
    listed = [_describe(b) for b in others]
    rest = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
    ground_caption = ground(scene["ground"]).caption
    return (
        f"{_describe(pushed).capitalize()} rolls across the {ground_caption}, seen from above at an angle "
        f"in bright sunlight. Nearby {'rests' if len(others) == 1 else 'rest'} {rest}."
    )
