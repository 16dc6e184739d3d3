"""The force-adherence benchmark sets, pure part (numpy + stdlib, no bpy): designs, scenes, captions.

Three configs of the `force-benchmark` dataset, each a `test` split of conditioning inputs with the
ground-truth video rendered from the same scene (`benchmark_blender`):

- `point-benchmark`: 63 configurations as the paper's (10 linear, 11 oscillatory, 42 complex), each a
  scene poked once; the scene types hold the training set's balls and new object kinds (crates, pucks;
  pendulums, punching bags; plant-like stems, block towers). Each scene is poked at 2 or 3 strengths
  with everything else equal (a *group*), so a model's displacement can be ranked against strength.
- `wind-benchmark`: 41 configurations as the paper's (13 tethered, 13 aerodynamic, 15 fluid): flags
  (the training kind), hanging banners, plant stems; floating balloons, drifting leaves; smoke and dust
  clouds; 2 or 3 wind speeds per group.
- `mass-study`: the paper's Fig. 6c grid: 4 grounds x 3 colours x {soccer, bowling} x F = 0.125 n,
  n = 1..8, one ball pushed to the right, with seeds (each seed jitters the ball's start and the push).

Every scene dict is JSON and is everything `benchmark_blender.render_benchmark_scene` needs. A group's
scene is drawn from its own seed (`group_seed`), so the rows of a group differ only in strength.
Timeline (24 fps, as the training sets): point scenes are pushed from frame 22 for 24 frames (the
balls' push) and the video is scene frames 21..69; wind scenes settle for 120 frames, the wind starts
at frame 121 and the video is frames 120..168. 49 frames: CogVideoX's clip length. A wind speed s
blows with the training flags' field strength `flags.field_strength(s)` (force-wind >= 1.1.0).
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthsuite.datasets_src.force.balls import MASS, SOCCER_COLOURS
from synthsuite.datasets_src.force.flags import field_strength
from synthsuite.datasets_src.force.grounds import GROUND_NAMES, ground
from synthsuite.datasets_src.force.palette import COLOUR_NAMES
from synthsuite.datasets_src.force.skies import SKIES, sky

CONFIGS = ("point-benchmark", "wind-benchmark", "mass-study")
CLIP_FRAMES = 49
POINT_FIRST_FRAME = 21  # one frame before the push, as the training clips (frames 10..58 of 11..130)
WIND_FIRST_FRAME = 120  # the rest pose, the last frame before the wind
STRENGTH_RAW = (8.0, 64.0)  # the balls' push range; F in [0, 1] maps to 8 + 56 F

POINT_TYPES = {
    "linear": ("ball", "crate", "puck"),
    "oscillatory": ("pendulum", "punching_bag"),
    "complex": ("stem", "tower"),
}
WIND_TYPES = {
    "tethered": ("flag", "banner", "plant"),
    "aerodynamic": ("balloons", "leaves"),
    "fluid": ("smoke", "dust"),
}
TRAINING_KINDS = ("ball", "flag")  # what force-point / force-wind contain; every other kind is new

# (kind, strengths in the group): 10 / 11 / 42 point and 13 / 13 / 15 wind configurations, the
# paper's counts per scene type (reference A6).
THREE, TWO = (0.2, 0.55, 0.9), (0.3, 0.8)
# Wind speeds blow with the training flags' field strength (flags.field_strength: 112 at 0.2, 437 at
# 0.45, 2,734 at 0.9), under which speeds up to about 0.4 are near calm: at 0.2 a flag barely stirs,
# and balloons, dust, flags and banners moved too little for the wind evaluator to call them moving
# (reference/runs/force/wind-benchmark-trial.json). The wind groups span 0.45..0.9 instead.
WIND_THREE, WIND_TWO = (0.45, 0.7, 0.9), (0.5, 0.85)
POINT_DESIGN: dict[str, tuple[tuple[str, tuple[float, ...]], ...]] = {
    "linear": (("ball", THREE), ("crate", THREE), ("puck", TWO), ("crate", TWO)),
    "oscillatory": (("pendulum", THREE), ("punching_bag", THREE), ("pendulum", THREE), ("punching_bag", TWO)),
    "complex": tuple((kind, THREE) for kind in ("stem", "tower") * 7),
}
WIND_DESIGN: dict[str, tuple[tuple[str, tuple[float, ...]], ...]] = {
    "tethered": (
        ("flag", WIND_THREE),
        ("flag", WIND_TWO),
        ("banner", WIND_THREE),
        ("banner", WIND_TWO),
        ("plant", WIND_THREE),
    ),
    "aerodynamic": (
        ("balloons", WIND_THREE),
        ("balloons", WIND_TWO),
        ("leaves", WIND_THREE),
        ("leaves", WIND_TWO),
        ("balloons", WIND_THREE),
    ),
    "fluid": (
        ("smoke", WIND_THREE),
        ("smoke", WIND_THREE),
        ("dust", WIND_THREE),
        ("dust", WIND_THREE),
        ("smoke", WIND_THREE),
    ),
}

MASS_GROUNDS = {"dirt": "brown_dirt", "grass": "lawn", "stone": "grey_cobblestones", "wood": "oak_planks"}
MASS_COLOURS = ("red", "royal blue", "yellow")
MASS_KINDS = ("soccer", "bowling")
MASS_FORCES = tuple(0.125 * n for n in range(1, 9))

# Cameras. Point scenes of tall objects are seen from lower down than the balls' 50 degrees.
CAMERA_PITCH = {"linear": 50.0, "oscillatory": 18.0, "complex": 22.0}
CAMERA_DISTANCE = {"linear": 7.5, "oscillatory": 6.5, "complex": 5.0}
LOOK_AT_Z = {"linear": 0.0, "oscillatory": 1.9, "complex": 1.2}
# The push's raw strength is the balls' 8 + 56 F times a gain per kind: a sliding crate or a block in
# a tower needs more than a rolling ball to move at all (Blender's force fields are weak on rigid
# bodies: strength 64 gives a ball ~3 N), a hanging body less to swing visibly.
PUSH_GAIN = {
    "ball": 1.0,
    "puck": 1.0,
    "crate": 2.5,
    "pendulum": 3.0,
    "punching_bag": 3.0,
    "stem": 1.0,
    "tower": 1.0,
}
LENS_MM, SENSOR_MM = 35.0, 36.0
WIND_CAMERA = {"location": [0.0, -7.0, 2.2], "lens_mm": 35.0}  # level, looking along +Y (as the flags)
# Winds blow mostly sideways: a hanging flag or a stem cannot go further down, and swings up as much
# as sideways under a steep wind. Tethered scenes stay within 15 degrees of horizontal, others 40.
WIND_ARC = {"tethered": 15.0, "aerodynamic": 40.0, "fluid": 40.0}


@dataclass(frozen=True)
class Row:
    """One benchmark configuration before rendering: its id, group, type, kind and strength."""

    sample_id: str
    group: str
    scene_type: str
    kind: str
    strength: float
    seed: int = 0  # the mass study's seed; 0 elsewhere


def design(config: str, mass_seeds: int = 1) -> list[Row]:
    """Every configuration of `config`, in a fixed order."""
    if config == "mass-study":
        rows = []
        for g in MASS_GROUNDS:
            for colour_name in MASS_COLOURS:
                for kind in MASS_KINDS:
                    for n, force in enumerate(MASS_FORCES, start=1):
                        for seed in range(mass_seeds):
                            group = f"mass-{g}-{colour_name.replace(' ', '_')}-{kind}"
                            rows.append(Row(f"{group}-F{n}-s{seed}", group, "mass", kind, force, seed))
        return rows
    plan = POINT_DESIGN if config == "point-benchmark" else WIND_DESIGN
    prefix = config.removesuffix("-benchmark")
    rows, index = [], 0
    for scene_type, groups in plan.items():
        for g, (kind, strengths) in enumerate(groups):
            group = f"{prefix}-{scene_type}-{g:02d}-{kind}"
            for strength in strengths:
                rows.append(Row(f"{prefix}-{index:03d}", group, scene_type, kind, strength))
                index += 1
    return rows


def strength_raw(strength: float) -> float:
    low, high = STRENGTH_RAW
    return low + (high - low) * strength


# --- point scenes -----------------------------------------------------------------------------------


def point_camera(scene_type: str, rng: np.random.Generator) -> dict[str, Any]:
    """A camera on the -Y side looking along +Y, pitched down; a small random yaw and offset."""
    pitch = CAMERA_PITCH[scene_type] + float(rng.uniform(-3.0, 3.0))
    distance = CAMERA_DISTANCE[scene_type] * float(rng.uniform(0.9, 1.1))
    look_at = [float(rng.uniform(-0.3, 0.3)), float(rng.uniform(-0.3, 0.3)), LOOK_AT_Z[scene_type]]
    return camera_looking_at(look_at, distance, pitch, float(rng.uniform(-8.0, 8.0)))


def camera_looking_at(look_at: list[float], distance: float, pitch_deg: float, yaw_deg: float) -> dict:
    """Location and XYZ Euler rotation (radians) of a camera `distance` from `look_at`, pitched down by
    `pitch_deg` and turned by `yaw_deg` about Z (0: looking along +Y)."""
    pitch, yaw = math.radians(pitch_deg), math.radians(yaw_deg)
    back = (math.sin(yaw) * math.cos(pitch), -math.cos(yaw) * math.cos(pitch), math.sin(pitch))
    location = [look_at[i] + distance * back[i] for i in range(3)]
    return {
        "location": [round(v, 6) for v in location],
        "rotation_euler": [round(math.pi / 2 - pitch, 6), 0.0, round(yaw, 6)],
        "lens_mm": LENS_MM,
        "sensor_width_mm": SENSOR_MM,
    }


def _colour(rng: np.random.Generator, names: tuple[str, ...] = SOCCER_COLOURS) -> str:
    return names[int(rng.integers(len(names)))]


def _side_angle(rng: np.random.Generator) -> float:
    """A push mostly across the view (where the screen shows it): within 50 degrees of +-X."""
    base = 0.0 if rng.random() < 0.5 else 180.0
    return float((base + rng.uniform(-50.0, 50.0)) % 360.0)


def point_scene(row: Row, rng: np.random.Generator) -> dict[str, Any]:
    """The scene of `row`'s group (drawn from the group's rng) with `row`'s strength."""
    kind, scene_type = row.kind, row.scene_type
    scene: dict[str, Any] = {
        "config": "point-benchmark",
        "scene_type": scene_type,
        "kind": kind,
        "ground": GROUND_NAMES[int(rng.integers(len(GROUND_NAMES)))],
        "camera": point_camera(scene_type, rng),
        "strength": row.strength,
        "strength_raw": strength_raw(row.strength) * PUSH_GAIN[kind],
    }
    if scene_type == "linear":
        angle = float(rng.uniform(0.0, 360.0))
        start = [float(rng.uniform(-1.0, 1.0)), float(rng.uniform(-1.0, 1.0))]
        start = [
            start[0] - 1.5 * math.cos(math.radians(angle)),
            start[1] - 1.5 * math.sin(math.radians(angle)),
        ]
        target = {"kind": kind, "position": start, "colour": _colour(rng), "yaw": float(rng.uniform(0, 90))}
        # one or two resting objects of the same kind, off the path (the training set's distractors)
        others = []
        for _ in range(int(rng.integers(1, 3))):
            for _try in range(200):
                xy = [float(rng.uniform(-2.6, 2.6)), float(rng.uniform(-1.8, 2.2))]
                if _clear_of_path(xy, start, angle) and all(
                    math.dist(xy, o["position"]) > 1.2 for o in others
                ):
                    others.append({"kind": kind, "position": xy, "colour": _colour(rng), "yaw": 0.0})
                    break
        scene.update(objects=[target, *others], angle_3d=angle)
    elif scene_type == "oscillatory":
        length = float(rng.uniform(1.6, 2.2))
        scene.update(
            objects=[{"kind": kind, "pivot": [0.0, 0.0, 3.4], "length": length, "colour": _colour(rng)}],
            angle_3d=_side_angle(rng),
        )
    elif kind == "stem":
        segments = int(rng.integers(5, 8))
        scene.update(
            objects=[
                {
                    "kind": "stem",
                    "base": [0.0, 0.0, 0.0],
                    "segments": segments,
                    "segment_length": 0.34,
                    "colour": _colour(rng, ("red", "yellow", "orange", "pink", "violet", "white", "gold")),
                    "stiffness": float(rng.uniform(80.0, 120.0)),
                }
            ],
            angle_3d=_side_angle(rng),
        )
    else:  # tower
        blocks = int(rng.integers(4, 6))
        scene.update(
            objects=[
                {
                    "kind": "tower",
                    "base": [0.0, 0.0, 0.0],
                    "blocks": blocks,
                    "size": 0.5,
                    "colours": [_colour(rng) for _ in range(blocks)],
                    "poked_block": blocks - 1,
                }
            ],
            angle_3d=_side_angle(rng),
        )
    return scene


def _clear_of_path(xy: list[float], start: list[float], angle: float) -> bool:
    d = (math.cos(math.radians(angle)), math.sin(math.radians(angle)))
    rel = (xy[0] - start[0], xy[1] - start[1])
    along = rel[0] * d[0] + rel[1] * d[1]
    across = abs(rel[0] * d[1] - rel[1] * d[0])
    return math.hypot(*rel) > 2.0 and (along < 0 or across > 1.6)


# --- wind scenes ------------------------------------------------------------------------------------


def wind_angle(rng: np.random.Generator, scene_type: str) -> float:
    """Left or right, within the scene type's arc of the horizontal."""
    base = 0.0 if rng.random() < 0.5 else 180.0
    return float((base + rng.uniform(-WIND_ARC[scene_type], WIND_ARC[scene_type])) % 360.0)


def wind_scene(row: Row, rng: np.random.Generator) -> dict[str, Any]:
    kind = row.kind
    angle = wind_angle(rng, row.scene_type)
    objects: list[dict[str, Any]] = []
    if kind == "flag":
        for x in (0.0, *sorted(rng.uniform(-3.0, 3.0, size=int(rng.integers(0, 3))).tolist())):
            first = not objects
            objects.append(
                {
                    "kind": "flag",
                    "x": float(x),
                    "y": 0.0 if first else float(rng.uniform(2.0, 6.0)),
                    "pole_height": 3.2,
                    "yaw": 90.0 + float(rng.uniform(-30.0, 30.0)),
                    "colours": [_colour(rng, COLOUR_NAMES), _colour(rng, COLOUR_NAMES)],
                }
            )
    elif kind == "banner":
        objects.append(
            {
                "kind": "banner",
                "x": 0.0,
                "y": 0.0,
                "top": 3.4,
                "width": 1.4,
                "height": 1.8,
                "yaw": float(rng.choice([-1, 1]) * rng.uniform(45.0, 65.0)),
                "colour": _colour(rng, COLOUR_NAMES),
            }
        )
    elif kind == "plant":
        for x in (-1.2, 0.0, 1.2)[: int(rng.integers(2, 4))]:
            objects.append(
                {
                    "kind": "stem",
                    "base": [float(x + rng.uniform(-0.2, 0.2)), 0.0, 0.0],
                    "segments": int(rng.integers(6, 9)),
                    "segment_length": 0.34,
                    "colour": _colour(rng, ("red", "yellow", "orange", "pink", "violet", "white")),
                    "stiffness": float(rng.uniform(100.0, 140.0)),
                }
            )
    elif kind in ("balloons", "leaves"):
        count = int(rng.integers(3, 7)) if kind == "balloons" else int(rng.integers(8, 15))
        for _ in range(count):
            objects.append(
                {
                    "kind": kind,
                    "position": [
                        float(rng.uniform(-2.2, 2.2)),
                        float(rng.uniform(-1.0, 1.5)),
                        float(rng.uniform(1.2, 3.6)),
                    ],
                    "colour": _colour(rng, COLOUR_NAMES),
                    "yaw": float(rng.uniform(0.0, 360.0)),
                    "tilt": float(rng.uniform(-40.0, 40.0)),
                }
            )
    else:  # smoke / dust: a cloud of particles
        objects.append(
            {
                "kind": kind,
                "centre": [float(rng.uniform(-0.5, 0.5)), 0.0, float(rng.uniform(1.8, 2.4))],
                "size": [2.2, 1.0, 1.4],
                "count": 400 if kind == "smoke" else 260,
                "particle_seed": int(rng.integers(0, 10_000)),
            }
        )
    return {
        "config": "wind-benchmark",
        "scene_type": row.scene_type,
        "kind": kind,
        "sky": SKIES[int(rng.integers(len(SKIES)))].name,
        "camera": dict(WIND_CAMERA),
        "objects": objects,
        "wind_angle": angle,
        "wind_angle_blender": (90.0 - angle) % 360.0,
        "strength": row.strength,
        "strength_raw": field_strength(row.strength),  # the training flags' field for this speed
    }


# --- mass study -------------------------------------------------------------------------------------


def mass_scene(row: Row, rng: np.random.Generator) -> dict[str, Any]:
    """One ball on one of the four grounds, pushed to the right (0 degrees) with F = row.strength."""
    _, g, colour_name, kind = row.group.split("-")
    start = [-2.6 + float(rng.uniform(-0.3, 0.3)), -0.5 + float(rng.uniform(-0.3, 0.3))]
    return {
        "config": "mass-study",
        "scene_type": "mass",
        "kind": "ball",
        "ground": MASS_GROUNDS[g],
        "camera": camera_looking_at([0.0, 0.0, 0.0], 11.0, 50.0, 0.0),
        "objects": [
            {
                "kind": "ball",
                "ball_kind": kind,
                "position": start,
                "colour": colour_name.replace("_", " "),
                "yaw": float(rng.uniform(0.0, 90.0)),
            }
        ],
        "angle_3d": float(rng.uniform(-5.0, 5.0)) % 360.0,
        "strength": row.strength,
        "strength_raw": strength_raw(row.strength),
    }


def scene_for(config: str, row: Row, group_rng: np.random.Generator, row_rng: np.random.Generator) -> dict:
    if config == "point-benchmark":
        return point_scene(row, group_rng)
    if config == "wind-benchmark":
        return wind_scene(row, group_rng)
    return mass_scene(row, row_rng)


# --- captions ---------------------------------------------------------------------------------------

_POINT_NOUN = {
    "ball": "a white soccer ball with {c} patches",
    "crate": "a small {c} wooden crate",
    "puck": "a flat {c} puck",
    "pendulum": "a {c} pendulum bob hanging from a frame",
    "punching_bag": "a {c} punching bag hanging from a chain",
    "stem": "a thin green plant stem with a {c} flower",
    "tower": "a tower of stacked coloured blocks",
}
_WIND_NOUN = {
    "flag": "A flag on a pole",
    "banner": "A {c} cloth banner hanging from a bar",
    "plant": "A few thin plant stems with flowers",
    "balloons": "A few balloons floating in the air",
    "leaves": "Leaves drifting in the air",
    "smoke": "A cloud of grey smoke",
    "dust": "A cloud of brown dust",
}


def caption(scene: dict[str, Any]) -> str:
    """What the model is told about the first frame. No direction or strength: that is the control."""
    first = scene["objects"][0]
    if scene["config"] == "wind-benchmark":
        noun = _WIND_NOUN[scene["kind"]].format(c=first.get("colour", ""))
        return f"{noun} moves as the wind blows, under {sky(scene['sky']).caption}."
    where = ground(scene["ground"]).caption
    if scene["config"] == "mass-study":
        what = (
            f"a shiny {first['colour']} bowling ball"
            if first["ball_kind"] == "bowling"
            else f"a white soccer ball with {first['colour']} patches"
        )
        return (
            f"{what.capitalize()} rolls across the {where}, seen from above at an angle in bright sunlight."
        )
    noun = _POINT_NOUN[scene["kind"]].format(c=first.get("colour", ""))
    return f"{noun[0].upper()}{noun[1:]} on {where} is pushed and moves, in bright sunlight."


def mass_of(scene: dict[str, Any]) -> float:
    return MASS[scene["objects"][0]["ball_kind"]] if scene["config"] == "mass-study" else 1.0
