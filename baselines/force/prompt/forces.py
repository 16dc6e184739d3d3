"""Forces as the force-prompt model takes them: checked, turned into control videos or into words.

A force is given without words: one or several point forces (`control.PointForce`: poke pixel,
angle, strength) or a `Wind` (angle, speed). The model sees it as the control video of
`datasets_src/force/control.py`; the paper's text-only baselines see it as words appended to the
prompt, in the original's wording (reference A6, `get_baseline_prompt_*` there):

    point: "<prompt>. The <object> is moved forcefully, upwards and to the left"
    wind:  "<prompt>. The wind is soft, blowing to the left"

Conventions are the datasets': pixels with the origin at the bottom-left, angles in degrees with
0 = right and 90 = up on screen, strengths normalised to [0, 1].
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synthsuite.datasets_src.force import control
from synthsuite.kernel.errors import UserError

PointForce = control.PointForce
KINDS = ("point", "wind")


@dataclass(frozen=True)
class Wind:
    """A global wind: direction in degrees (0 = blowing right, 90 = up on screen), speed in [0, 1]."""

    angle_deg: float
    speed: float


Force = PointForce | Sequence[PointForce] | Wind


def _number(name: str, value: object, low: float, high: float, *, closed: bool = True) -> float:
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    inside = low <= number <= high if closed else low <= number < high
    if not inside:
        bracket = "]" if closed else ")"
        raise UserError(
            f"{name} must be in [{low:g}, {high:g}{bracket}, got {value!r}", f"pass {name} in that range"
        )
    return number


def check_force(force: object, width: int, height: int) -> tuple[str, list[PointForce] | Wind]:
    """("point", [forces]) or ("wind", Wind), every value checked against the image size.

    Angles must lie in [0, 360) (the datasets' range; 360 is written 0), strengths in [0, 1], poke
    points inside the image: anything else is one `UserError` line."""
    if isinstance(force, Wind):
        return "wind", Wind(
            _number("wind angle_deg", force.angle_deg, 0, 360, closed=False),
            _number("wind speed", force.speed, 0, 1),
        )
    forces = [force] if isinstance(force, PointForce) else force
    if isinstance(forces, str | bytes) or not isinstance(forces, Sequence) or not forces:
        raise UserError(
            f"force must be a PointForce, a non-empty list of them or a Wind, got {force!r}",
            "e.g. force=PointForce(x=48, y=30, angle_deg=90, force=0.5) "
            "or force=Wind(angle_deg=180, speed=0.7)",
        )
    checked = []
    for i, poke in enumerate(forces):
        label = "point force" if len(forces) == 1 else f"point force {i}"
        if not isinstance(poke, PointForce):
            raise UserError(
                f"{label} is {poke!r}, not a PointForce", "build it as PointForce(x, y, angle_deg, force)"
            )
        checked.append(
            PointForce(
                x=_number(f"{label} x (image width {width})", poke.x, 0, width - 1),
                y=_number(f"{label} y (image height {height})", poke.y, 0, height - 1),
                angle_deg=_number(f"{label} angle_deg", poke.angle_deg, 0, 360, closed=False),
                force=_number(f"{label} strength", poke.force, 0, 1),
            )
        )
    return "point", checked


def control_video(force: object, *, frames: int, width: int, height: int) -> np.ndarray:
    """The control video, float32 (frames, 3, height, width): summed blobs for point forces, the
    constant map for wind (docs/force-control.md)."""
    kind, checked = check_force(force, width, height)
    size = {"frames": frames, "width": width, "height": height}
    if kind == "wind":
        assert isinstance(checked, Wind)
        return control.wind_control(checked.angle_deg, checked.speed, **size)
    assert isinstance(checked, list)
    return control.point_forces_control(checked, **size)


def zero_control(*, frames: int, width: int, height: int) -> np.ndarray:
    """The all-zero control the text-only fine-tuned baseline is trained and run with."""
    return control.point_forces_control([], frames=frames, width=width, height=height)


# ---------------------------------------------------------------- the original's wording

# First match wins, as the original's if/elif chains (the ranges share their end points).
_POINT_STRENGTH = (
    (0.25, "is moved not very forcefully"),
    (0.75, "is moved forcefully"),
    (1.0, "is moved very forcefully"),
)
_POINT_DIRECTION = (
    (22.5, "to the right"),
    (67.5, "upwards and to the right"),
    (112.5, "upwards"),
    (157.5, "upwards and to the left"),
    (202.5, "to the left"),
    (247.5, "downwards and to the left"),
    (292.5, "downwards"),
    (337.5, "downwards and to the right"),
)
_POINT_WRAP = 337.5  # from here on "to the right" again (the original tests this range first)
# wind speed thresholds are raw Blender strengths over the original's normalisation, 15000
_WIND_STRENGTH = (
    (2000 / 15000, "The wind is very soft"),
    (6000 / 15000, "The wind is soft"),
    (10000 / 15000, "The wind is medium strength"),
    (1.0, "The wind is very strong"),
)
_WIND_DIRECTION = (
    (30.0, "blowing to the right"),
    (70.0, "blowing upwards and to the right"),
    (110.0, "blowing upwards"),
    (150.0, "blowing upwards and to the left"),
    (210.0, "blowing to the left"),
    (250.0, "blowing downwards and to the left"),
    (290.0, "blowing downwards"),
    (330.0, "blowing downwards and to the right"),
)
_WIND_WRAP = 330.0


def _first(table: tuple[tuple[float, str], ...], value: float, wrap: float = math.inf) -> str:
    """The words of the first range holding `value`; angles from `wrap` on count as 0."""
    value = 0.0 if value >= wrap else value
    return next(words for upper, words in table if value <= upper)


def _without_end_punctuation(prompt: str) -> str:
    """The prompt up to its last letter (the original strips trailing punctuation and spaces)."""
    end = max((i for i, c in enumerate(prompt) if c.isascii() and c.isalpha()), default=-1)
    return prompt[: end + 1]


def force_words(force: object, *, width: int, height: int, object_description: str = "object") -> str:
    """The force in the original's words, e.g. "The ball is moved forcefully, to the left".

    Several point forces (which the original never described in words) are joined with "; "."""
    kind, checked = check_force(force, width, height)
    if kind == "wind":
        assert isinstance(checked, Wind)
        direction = _first(_WIND_DIRECTION, checked.angle_deg, _WIND_WRAP)
        return f"{_first(_WIND_STRENGTH, checked.speed)}, {direction}"
    assert isinstance(checked, list)
    phrases = [
        f"The {object_description} {_first(_POINT_STRENGTH, p.force)}, "
        + _first(_POINT_DIRECTION, p.angle_deg, _POINT_WRAP)
        for p in checked
    ]
    return "; ".join(phrases)


def prompt_with_force(
    prompt: str, force: object, *, width: int, height: int, object_description: str = "object"
) -> str:
    """The text-only baselines' prompt: the prompt without its end punctuation, ". ", the force words."""
    words = force_words(force, width=width, height=height, object_description=object_description)
    return f"{_without_end_punctuation(prompt)}. {words}"
