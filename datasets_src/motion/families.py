"""The motion vocabulary: 14 families, each with parameters sampled per clip, keyframes and captions.

A family is (sample, keyframes, captions): `sample(rng)` draws the clip's parameters (JSON-ready),
`keyframes(params, body)` places the pelvis, feet and arms per frame (reference.Keyframes), and
`captions(params, rng)` writes three different HumanML3D-style sentences from the family's
paraphrases. Every random draw comes from the `rng` given, so a clip is a function of its seed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthsuite.datasets_src.motion import gait
from synthsuite.datasets_src.motion.reference import (
    FOOT_LENGTH,
    HALF_STANCE,
    REST_PELVIS_HEIGHT,
    Keyframes,
)
from synthsuite.datasets_src.motion.skeleton import FPS, MAX_FRAMES, MIN_FRAMES

Params = dict[str, Any]
STAND = REST_PELVIS_HEIGHT - 0.01  # standing pelvis height (knees a little soft)
LEAD_IN = 0.4  # seconds of standing before a motion starts


@dataclass(frozen=True)
class Body:
    """What the families need of the humanoid's rest skeleton (heading frame, relative to the pelvis)."""

    shoulders: np.ndarray  # (2, 3) left, right
    upper_arm: float
    forearm: float


@dataclass(frozen=True)
class Family:
    name: str
    sample: Callable[[np.random.Generator], Params]
    keyframes: Callable[[Params, Body], Keyframes]
    templates: tuple[str, ...]  # paraphrases, filled with `words(params)`
    words: Callable[[Params], dict[str, str]]

    def captions(self, params: Params, rng: np.random.Generator, count: int = 3) -> list[str]:
        """`count` different paraphrases, in an order drawn from `rng`."""
        chosen = rng.choice(len(self.templates), size=min(count, len(self.templates)), replace=False)
        fill = self.words(params)
        return [" ".join(self.templates[i].format(**fill).split()).replace(" ,", ",") for i in chosen]


def body_from_rest(rest: np.ndarray) -> Body:
    pelvis = rest[0] * np.array([1.0, 1.0, 0.0])
    return Body(
        shoulders=rest[[16, 17]] - pelvis,
        upper_arm=float(np.linalg.norm(rest[18] - rest[16])),
        forearm=float(np.linalg.norm(rest[20] - rest[18])),
    )


# --- shared pieces -----------------------------------------------------------------------------------


def _frames(duration: float) -> int:
    """Frames of a clip lasting `duration` seconds, within HumanML3D's 40-196."""
    return int(np.clip(round(duration * FPS), MIN_FRAMES, MAX_FRAMES))


def _standing(frames: int) -> dict[str, np.ndarray]:
    t = gait.times(frames, FPS)
    heading = np.zeros(frames)
    ground = np.zeros((frames, 2))
    stances = [gait.Stance(0, -np.inf, np.inf), gait.Stance(1, -np.inf, np.inf)]
    feet, planted = gait.plant_feet(t, stances, ground, heading, 0.0)
    return {"t": t, "heading": heading, "ground": ground, "feet": feet, "planted": planted}


def _keys(
    t: np.ndarray,
    pelvis_xy: np.ndarray,
    height: np.ndarray,
    heading: np.ndarray,
    lean: np.ndarray,
    feet: np.ndarray,
    planted: np.ndarray,
    arms: np.ndarray | None = None,
    com: np.ndarray | None = None,
) -> Keyframes:
    frames = t.shape[0]
    pelvis = np.column_stack([pelvis_xy, height])
    pelvis[:, 2] = gait.blur(gait.reachable_height(pelvis, heading, feet, lean), FPS, 0.04)
    return Keyframes(
        fps=FPS,
        pelvis=pelvis,
        heading=heading,
        lean=lean,
        feet=feet,
        arms=np.full((frames, 2, 2, 3), np.nan) if arms is None else arms,
        com=np.full((frames, 2), np.nan) if com is None else com,
        planted=planted,
    )


def _shoulders(body: Body, pelvis_xy: np.ndarray, height: np.ndarray, heading: np.ndarray, lean: np.ndarray):
    """World shoulder positions (T, 2, 3) of a body leaning forward by `lean` about its pelvis."""
    out = np.zeros((pelvis_xy.shape[0], 2, 3))
    for side in (0, 1):
        local = body.shoulders[side] - np.array([0.0, 0.0, REST_PELVIS_HEIGHT])
        x = local[0] * np.cos(lean) + local[2] * np.sin(lean)
        z = -local[0] * np.sin(lean) + local[2] * np.cos(lean)
        rotated = gait.rotate(np.column_stack([x, np.full_like(x, local[1]), z]), heading)
        out[:, side] = rotated + np.column_stack([pelvis_xy, height])
    return out


def _arms(
    body: Body,
    pelvis_xy: np.ndarray,
    height: np.ndarray,
    heading: np.ndarray,
    lean: np.ndarray,
    upper: tuple[np.ndarray, np.ndarray],
    fore: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Elbow and wrist targets (T, 2, 2, 3) from upper-arm and forearm directions per side."""
    shoulders = _shoulders(body, pelvis_xy, height, heading, lean)
    arms = np.zeros((pelvis_xy.shape[0], 2, 2, 3))
    for side in (0, 1):
        arms[:, side] = gait.arm_targets(
            shoulders[:, side], heading, upper[side], fore[side], (body.upper_arm, body.forearm)
        )
    return arms


def _swing_arms(body, pelvis_xy, height, heading, lean, feet, amplitude: float, elbow: float) -> np.ndarray:
    """Arms swinging opposite to the legs: each arm follows the other foot's fore-aft position."""
    forward = np.stack([np.cos(heading), np.sin(heading)], axis=1)
    ahead = [((feet[:, f, 0, :2] - pelvis_xy) * forward).sum(1) for f in (0, 1)]
    spread = gait.blur(np.clip((ahead[1] - ahead[0]) / 0.5, -1, 1), FPS, 0.05)
    flex = (amplitude * spread, -amplitude * spread)
    side = (1.0, -1.0)
    upper = tuple(gait.direction(flex[s], 0.08, side[s]) for s in (0, 1))
    fore = tuple(gait.direction(flex[s] + elbow, 0.05, side[s]) for s in (0, 1))
    return _arms(body, pelvis_xy, height, heading, lean, upper, fore)


def _speed_profile(t: np.ndarray, segments: list[tuple[float, float, float]], ramp: float) -> np.ndarray:
    """Speeds (T,) that ramp up from each segment's start and down to zero at its arrival."""
    speed = np.zeros_like(t)
    for start, arrive, top in segments:
        up = gait.smoothstep((t - start) / ramp)
        down = 1 - gait.smoothstep((t - (arrive - ramp)) / ramp)
        speed += top * up * down * ((t >= start) & (t <= arrive))
    return speed


def _locomotion(
    p: Params,
    body: Body,
    *,
    step_time: float,
    swing_fraction: float,
    swing_height: float,
    direction: float = 0.0,
    turn: float = 0.0,
    turn_start: float = 0.5,
    pauses: tuple[tuple[float, float], ...] = (),
    bounce: float = 0.0,
    lean_per_speed: float = 0.04,
    arm_amplitude: float = 0.35,
    elbow: float = 0.25,
    toe_off: float = 0.15,
    sway_gain: float = 0.8,
) -> Keyframes:
    """Walking, jogging, running, sidestepping, walking backwards, turning, stop-and-go.

    The clip walks in `len(pauses) + 1` segments (stopping for each pause), `p["steps"]` steps in
    all, along `direction` (rad, relative to the heading: 0 forward, π backward, ±π/2 sideways);
    the heading turns by `turn` radians from `turn_start` of the clip on."""
    steps = int(p["steps"])
    swing = swing_fraction * 2 * step_time
    per_segment = np.array_split(np.arange(steps), len(pauses) + 1)
    stances: list[gait.Stance] = []
    segments = []
    start, first = LEAD_IN, int(p.get("first_foot", 0))
    for i, chunk in enumerate(per_segment):
        count = max(len(chunk), 1)
        stop = start + swing + (count - 1) * step_time + 1e-6
        segment, arrive = gait.gait_stances(start, stop, step_time, swing, first)
        stances = _join(stances, segment)
        segments.append((start, arrive, float(p["speed"])))
        last_landing = arrive + step_time
        closing = first if count % 2 == 0 else 1 - first
        first = 1 - closing  # the foot that did not close the segment starts the next one
        if i < len(pauses):
            start = last_landing + pauses[i][1]
    end = segments[-1][1] + step_time + 0.6
    frames = _frames(end)
    t = gait.times(frames, FPS)
    speed = _speed_profile(t, segments, ramp=min(2 * step_time, 0.8))
    turn_time = turn_start * t[-1]
    heading = turn * gait.smoothstep((t - turn_time) / max(t[-1] - turn_time - 0.6, 0.5))
    ground = gait.path(t, speed, heading + direction)
    feet, planted = gait.plant_feet(t, stances, ground, heading, swing_height, toe_off=toe_off)
    pelvis_xy = gait.sway(ground, heading, feet, planted, FPS, sway_gain)
    lean = lean_per_speed * speed * np.cos(direction)
    height = np.full(frames, STAND - 0.015 - 0.01 * float(p["speed"]))
    if bounce > 0:
        supported = planted.any(axis=1).astype(float)
        height -= bounce * gait.blur(supported, FPS, 0.05)
    arms = _swing_arms(body, pelvis_xy, height, heading, lean, feet, arm_amplitude, elbow)
    return _keys(t, pelvis_xy, height, heading, lean, feet, planted, arms)


def _join(stances: list[gait.Stance], segment: list[gait.Stance]) -> list[gait.Stance]:
    """Append a walking segment: each foot's open-ended last stance ends where its next one begins."""
    if not stances:
        return segment
    out = []
    for foot in (0, 1):
        mine = [s for s in stances if s.foot == foot]
        theirs = [s for s in segment if s.foot == foot]
        joined = gait.Stance(foot, mine[-1].start, theirs[0].end)
        out += [*mine[:-1], joined, *theirs[1:]]
    return out


def _pace(speed: float, slow: float, fast: float) -> str:
    return "slowly" if speed < slow else ("quickly" if speed > fast else "")


def _side(value: int) -> str:
    return "left" if value == 0 else "right"


# --- the families ------------------------------------------------------------------------------------


def _sample_walk(rng: np.random.Generator) -> Params:
    turn = str(rng.choice(["none", "left", "right"], p=[0.5, 0.25, 0.25]))
    return {
        "speed": round(float(rng.uniform(0.7, 1.5)), 3),
        "step_time": round(float(rng.uniform(0.5, 0.62)), 3),
        "steps": int(rng.integers(4, 12)),
        "first_foot": int(rng.integers(0, 2)),
        "arms": str(rng.choice(["swing", "still"])),
        "turn": turn,
        "turn_angle": 0 if turn == "none" else int(rng.integers(45, 121)),
    }


def _walk(p: Params, body: Body) -> Keyframes:
    turn = {"none": 0.0, "left": 1.0, "right": -1.0}[p["turn"]] * np.radians(p["turn_angle"])
    return _locomotion(
        p,
        body,
        step_time=p["step_time"],
        swing_fraction=0.4,
        swing_height=0.08,
        turn=turn,
        arm_amplitude=0.35 if p["arms"] == "swing" else 0.05,
        elbow=0.25 if p["arms"] == "swing" else 0.1,
    )


def _walk_words(p: Params) -> dict[str, str]:
    pace = _pace(p["speed"], 0.9, 1.3)
    then = "" if p["turn"] == "none" else f", then turns {p['turn']}"
    return {"pace": pace, "then": then, "steps": str(p["steps"])}


WALK = Family(
    "walk",
    _sample_walk,
    _walk,
    (
        "a person walks forward {pace}{then}",
        "someone walks straight ahead {pace}{then}",
        "a man is walking forward {pace}{then}",
        "the person takes {steps} steps forward {pace}{then}",
        "a person strolls forward {pace}{then}",
    ),
    _walk_words,
)


def _sample_run(low: float, high: float) -> Callable[[np.random.Generator], Params]:
    def sample(rng: np.random.Generator) -> Params:
        return {
            "speed": round(float(rng.uniform(low, high)), 3),
            "step_time": round(float(rng.uniform(0.3, 0.34)), 3),
            "steps": int(rng.integers(6, 16)),
            "first_foot": int(rng.integers(0, 2)),
        }

    return sample


def _run(p: Params, body: Body) -> Keyframes:
    return _locomotion(
        p,
        body,
        step_time=p["step_time"],
        swing_fraction=0.6 if p["speed"] < 2.1 else 0.64,
        swing_height=0.12,
        bounce=0.03,
        lean_per_speed=0.05,
        arm_amplitude=0.6,
        elbow=1.4,
        toe_off=0.08,
        sway_gain=0.5,
    )


def _run_words(p: Params) -> dict[str, str]:
    jogging = p["speed"] < 1.9
    return {"pace": _pace(p["speed"], 1.55 if jogging else 2.05, 1.75 if jogging else 2.35)}


JOG = Family(
    "jog",
    _sample_run(1.4, 1.9),
    _run,
    (
        "a person jogs forward {pace}",
        "someone is jogging straight ahead {pace}",
        "a person jogs in a straight line {pace}",
        "a man jogs forward at a steady pace",
    ),
    _run_words,
)
RUN = Family(
    "run",
    _sample_run(1.9, 2.5),
    _run,
    (
        "a person runs forward {pace}",
        "someone is running straight ahead {pace}",
        "a person sprints forward",
        "a man runs forward {pace}",
    ),
    _run_words,
)


def _sample_backwards(rng: np.random.Generator) -> Params:
    return {
        "speed": round(float(rng.uniform(0.4, 0.8)), 3),
        "step_time": round(float(rng.uniform(0.55, 0.7)), 3),
        "steps": int(rng.integers(3, 9)),
        "first_foot": int(rng.integers(0, 2)),
    }


def _backwards(p: Params, body: Body) -> Keyframes:
    return _locomotion(
        p,
        body,
        step_time=p["step_time"],
        swing_fraction=0.4,
        swing_height=0.07,
        direction=np.pi,
        lean_per_speed=0.03,
        arm_amplitude=0.2,
        toe_off=0.0,
    )


WALK_BACKWARDS = Family(
    "walk_backwards",
    _sample_backwards,
    _backwards,
    (
        "a person walks backwards {pace}",
        "someone takes {steps} steps backward",
        "a person is walking backward {pace}",
        "the man steps backwards carefully",
    ),
    lambda p: {"pace": _pace(p["speed"], 0.55, 0.7), "steps": str(p["steps"])},
)


def _sample_sidestep(rng: np.random.Generator) -> Params:
    side = int(rng.integers(0, 2))
    return {
        "side": side,
        "speed": round(float(rng.uniform(0.25, 0.45)), 3),
        "step_time": round(float(rng.uniform(0.6, 0.75)), 3),
        "steps": int(rng.integers(2, 7)) * 2,
        "first_foot": side,
    }


def _sidestep(p: Params, body: Body) -> Keyframes:
    direction = np.pi / 2 if p["side"] == 0 else -np.pi / 2
    return _locomotion(
        p,
        body,
        step_time=p["step_time"],
        swing_fraction=0.4,
        swing_height=0.06,
        direction=direction,
        lean_per_speed=0.0,
        arm_amplitude=0.05,
        elbow=0.1,
        toe_off=0.0,
    )


SIDESTEP = Family(
    "sidestep",
    _sample_sidestep,
    _sidestep,
    (
        "a person sidesteps to the {side}",
        "someone shuffles sideways to their {side}",
        "a person steps sideways to the {side} {count} times",
        "the man moves to his {side} with side steps",
    ),
    lambda p: {"side": _side(p["side"]), "count": str(p["steps"] // 2)},
)


def _sample_turn(rng: np.random.Generator) -> Params:
    side = int(rng.integers(0, 2))
    return {
        "side": side,
        "angle": int(rng.integers(90, 181)),
        "speed": 0.0,
        "step_time": round(float(rng.uniform(0.5, 0.65)), 3),
        "steps": int(rng.integers(3, 7)),
        "first_foot": side,
    }


def _turn(p: Params, body: Body) -> Keyframes:
    turn = (1.0 if p["side"] == 0 else -1.0) * np.radians(p["angle"])
    return _locomotion(
        p,
        body,
        step_time=p["step_time"],
        swing_fraction=0.4,
        swing_height=0.06,
        turn=turn,
        turn_start=0.08,
        arm_amplitude=0.05,
        elbow=0.1,
        toe_off=0.0,
    )


def _turn_words(p: Params) -> dict[str, str]:
    angle = p["angle"]
    amount = "around" if angle >= 160 else ("halfway around" if angle >= 120 else "")
    return {"side": _side(p["side"]), "amount": amount, "degrees": str(int(round(angle / 45) * 45))}


TURN = Family(
    "turn",
    _sample_turn,
    _turn,
    (
        "a person turns {amount} to the {side}",
        "someone turns {degrees} degrees to their {side} in place",
        "a person steps in place while turning {side}",
        "the man rotates to his {side}",
    ),
    _turn_words,
)


def _sample_stop_and_go(rng: np.random.Generator) -> Params:
    return {
        "speed": round(float(rng.uniform(0.8, 1.4)), 3),
        "step_time": round(float(rng.uniform(0.5, 0.6)), 3),
        "steps": int(rng.integers(6, 11)),
        "first_foot": int(rng.integers(0, 2)),
        "pause": round(float(rng.uniform(0.6, 1.5)), 3),
    }


def _stop_and_go(p: Params, body: Body) -> Keyframes:
    return _locomotion(
        p, body, step_time=p["step_time"], swing_fraction=0.4, swing_height=0.08, pauses=((0.5, p["pause"]),)
    )


STOP_AND_GO = Family(
    "stop_and_go",
    _sample_stop_and_go,
    _stop_and_go,
    (
        "a person walks forward, stops, then keeps walking",
        "someone walks, pauses for a moment and walks on",
        "a person walks forward, halts briefly, then continues",
        "the man stops in the middle of walking and then walks again",
    ),
    lambda p: {},
)


def _sample_jump(rng: np.random.Generator) -> Params:
    return {
        "height": round(float(rng.uniform(0.06, 0.2)), 3),
        "distance": round(float(rng.uniform(0.0, 0.5)), 3),
        "count": int(rng.integers(1, 4)),
        "crouch": round(float(rng.uniform(0.12, 0.2)), 3),
    }


def _jumps(p: Params, body: Body, *, feet_used: tuple[int, ...], free_foot: int | None = None) -> Keyframes:
    """One or more jumps (two feet) or hops (one foot, the other held up behind)."""
    count, height, distance = int(p["count"]), float(p["height"]), float(p["distance"])
    lead = LEAD_IN + (0.6 if free_foot is not None else 0.0)
    schedule = []
    start = lead
    for _ in range(count):
        _, takeoff, landing = gait.ballistic_jump(
            np.zeros(1), start, 0.0, p["crouch"], height, p["crouch"] * 0.7
        )
        schedule.append((start, takeoff, landing))
        start = landing + (0.5 if free_foot is None else 0.25)
    frames = _frames(start + 0.9)
    t = gait.times(frames, FPS)
    z = np.zeros(frames)
    x = np.zeros(frames)
    for i, (begin, takeoff, landing) in enumerate(schedule):
        offset, _, _ = gait.ballistic_jump(t, begin, 0.0, p["crouch"], height, p["crouch"] * 0.7)
        window = (t >= begin) & (t < (schedule[i + 1][0] if i + 1 < count else np.inf))
        z[window] = offset[window]
        x += distance * gait.smoothstep((t - takeoff) / (landing - takeoff))
    heading = np.zeros(frames)
    ground = np.column_stack([x, np.zeros(frames)])
    stances = []
    for foot in feet_used:
        began = -np.inf
        for _, takeoff, landing in schedule:
            stances.append(gait.Stance(foot, began, takeoff))
            began = landing
        stances.append(gait.Stance(foot, began, np.inf))
    if free_foot is not None:
        stances.append(gait.Stance(free_foot, -np.inf, LEAD_IN + 0.3))
        stances.append(gait.Stance(free_foot, t[-1] - 0.3, np.inf))
    half = HALF_STANCE if free_foot is None else 0.09
    feet, planted = gait.plant_feet(t, stances, ground, heading, 0.0, half_width=half)
    # in flight the feet ride with the pelvis, tucked a little
    for _, takeoff, landing in schedule:
        flying = (t > takeoff) & (t < landing)
        u = (t[flying] - takeoff) / (landing - takeoff)
        for foot in feet_used:
            feet[flying, foot, :, 2] += (
                np.maximum(z[flying], 0.0)[:, None] + 0.04 * np.sin(np.pi * u)[:, None]
            )
    lean = 0.35 * np.clip(-z / max(p["crouch"], 1e-3), 0, 1) + 0.05
    com = None
    pelvis_xy = ground.copy()
    if free_foot is not None:
        # the free foot is held up behind the body, the centre of mass over the standing foot
        up = gait.smoothstep((t - LEAD_IN - 0.3) / 0.3) * (1 - gait.smoothstep((t - (t[-1] - 0.6)) / 0.3))
        stand = feet_used[0]
        held = feet[:, stand, 0].copy()
        held[:, 0] -= 0.22
        held[:, 1] = gait.SIDES[free_foot] * 0.09
        lifted = gait.foot_points(held[:, :2], heading, 0.22 + np.maximum(z, 0.0), 0.6)
        feet[:, free_foot] = feet[:, free_foot] * (1 - up)[:, None, None] + lifted * up[:, None, None]
        planted[:, free_foot] &= up < 0.5
        shift = gait.smoothstep((t - LEAD_IN + 0.2) / 0.5) * (1 - gait.smoothstep((t - (t[-1] - 0.4)) / 0.4))
        centre = feet[:, stand, 0, :2] + np.array([gait.FOOT_CENTRE, 0.0])
        com = ground * (1 - shift)[:, None] + centre * shift[:, None]
        com[:, 0] = centre[:, 0]
        pelvis_xy = com.copy()
    height = STAND + z
    swing = np.clip(-z / max(p["crouch"], 1e-3), 0, 1)
    rise = np.clip(z / max(height.max() - STAND, 1e-3), 0, 1) if height.max() > STAND else np.zeros(frames)
    flex = -0.5 * swing + 1.6 * rise
    upper = tuple(gait.direction(flex, 0.15, s) for s in (1.0, -1.0))
    fore = tuple(gait.direction(flex + 0.3, 0.1, s) for s in (1.0, -1.0))
    arms = _arms(body, pelvis_xy, height, heading, lean, upper, fore)
    return _keys(t, pelvis_xy, height, heading, lean, feet, planted, arms, com)


def _jump_words(p: Params) -> dict[str, str]:
    times = {1: "once", 2: "twice", 3: "three times"}[int(p["count"])]
    where = "forward" if p["distance"] > 0.2 else "in place"
    high = "high " if p["height"] > 0.15 else ""
    return {"times": times, "where": where, "high": high}


JUMP = Family(
    "jump",
    _sample_jump,
    lambda p, body: _jumps(p, body, feet_used=(0, 1)),
    (
        "a person jumps {high}{where} {times}",
        "someone jumps {where} with both feet {times}",
        "a person crouches and jumps {where}",
        "the man bends his knees and leaps {where} {times}",
    ),
    _jump_words,
)


def _sample_hop(rng: np.random.Generator) -> Params:
    return {
        "foot": int(rng.integers(0, 2)),
        "height": round(float(rng.uniform(0.03, 0.08)), 3),
        "distance": round(float(rng.uniform(0.0, 0.2)), 3),
        "count": int(rng.integers(2, 6)),
        "crouch": round(float(rng.uniform(0.06, 0.1)), 3),
    }


def _hop(p: Params, body: Body) -> Keyframes:
    stand = int(p["foot"])
    return _jumps(p, body, feet_used=(stand,), free_foot=1 - stand)


HOP = Family(
    "hop",
    _sample_hop,
    _hop,
    (
        "a person hops on the {side} foot {count} times",
        "someone hops on one leg",
        "a person balances on the {side} leg and hops {where}",
        "the man lifts one foot and hops on his {side} foot",
    ),
    lambda p: {
        "side": _side(p["foot"]),
        "count": str(p["count"]),
        "where": "forward" if p["distance"] > 0.08 else "in place",
    },
)


def _sample_squat(rng: np.random.Generator) -> Params:
    return {
        "reps": int(rng.integers(1, 4)),
        "depth": round(float(rng.uniform(0.15, 0.35)), 3),
        "rep_time": round(float(rng.uniform(1.6, 2.8)), 3),
        "arms": str(rng.choice(["forward", "down"])),
    }


def _squat(p: Params, body: Body) -> Keyframes:
    reps, depth, rep_time = int(p["reps"]), float(p["depth"]), float(p["rep_time"])
    frames = _frames(LEAD_IN + reps * rep_time + 0.8)
    base = _standing(frames)
    t = base["t"]
    phase = np.clip((t - LEAD_IN) / rep_time, 0, reps)
    dip = 0.5 * (1 - np.cos(2 * np.pi * phase))
    height = STAND - depth * dip
    lean = 0.05 + 1.3 * depth * dip
    pelvis_xy = np.column_stack([-0.45 * depth * dip, np.zeros(frames)])
    com = np.column_stack([np.full(frames, gait.FOOT_CENTRE - 0.01), np.zeros(frames)])
    arms = None
    if p["arms"] == "forward":
        raise_ = 1.45 * gait.smoothstep(dip * 3)
        upper = tuple(gait.direction(raise_, 0.1, s) for s in (1.0, -1.0))
        fore = tuple(gait.direction(raise_ + 0.1, 0.1, s) for s in (1.0, -1.0))
        arms = _arms(body, pelvis_xy, height, base["heading"], lean, upper, fore)
    return _keys(t, pelvis_xy, height, base["heading"], lean, base["feet"], base["planted"], arms, com)


SQUAT = Family(
    "squat",
    _sample_squat,
    _squat,
    (
        "a person squats down and stands back up {times}",
        "someone does {reps} squats {arms}",
        "a person bends the knees into a {deep}squat and rises",
        "the man lowers himself into a squat and gets back up",
    ),
    lambda p: {
        "times": {1: "", 2: "twice", 3: "three times"}[int(p["reps"])],
        "reps": {1: "one", 2: "two", 3: "three"}[int(p["reps"])],
        "arms": "with arms stretched forward" if p["arms"] == "forward" else "",
        "deep": "deep " if p["depth"] > 0.28 else "",
    },
)


def _sample_lunge(rng: np.random.Generator) -> Params:
    return {
        "foot": int(rng.integers(0, 2)),
        "length": round(float(rng.uniform(0.4, 0.6)), 3),
        "depth": round(float(rng.uniform(0.12, 0.25)), 3),
        "reps": int(rng.integers(1, 3)),
    }


def _lunge(p: Params, body: Body) -> Keyframes:
    lead, length, depth, reps = int(p["foot"]), float(p["length"]), float(p["depth"]), int(p["reps"])
    step, down, hold = 0.6, 0.9, 0.3
    cycle = 2 * step + 2 * down + hold + 0.3
    frames = _frames(LEAD_IN + reps * cycle + 0.5)
    t = gait.times(frames, FPS)
    heading = np.zeros(frames)
    stances = [gait.Stance(1 - lead, -np.inf, np.inf)]
    began = -np.inf
    forward = np.zeros(frames)
    lowered = np.zeros(frames)
    for r in range(reps):
        start = LEAD_IN + r * cycle
        out_at, back_at = start + step, start + step + 2 * down + hold
        stances.append(gait.Stance(lead, began, start))
        stances.append(gait.Stance(lead, out_at, back_at))
        began = back_at + step
        forward += gait.smoothstep((t - start) / step) - gait.smoothstep((t - back_at) / step)
        lowered += gait.smoothstep((t - out_at) / down) - gait.smoothstep((t - out_at - down - hold) / down)
    stances.append(gait.Stance(lead, began, np.inf))
    # the lead foot's stance positions come from a ground path that is ahead while it is out
    ground = np.column_stack([length * forward, np.zeros(frames)])
    feet, planted = gait.plant_feet(t, stances, ground, heading, 0.07)
    back = 1 - lead
    home = feet[:, back, 1, :2].copy()
    feet[:, back] = gait.foot_points(home - np.array([FOOT_LENGTH, 0.0]), heading, 0.0, 0.7 * lowered)
    pelvis_xy = np.column_stack([0.45 * length * forward, np.zeros(frames)])
    height = STAND - (depth + 0.05 * forward) * lowered - 0.02 * forward
    lean = 0.05 + 0.1 * lowered
    return _keys(t, pelvis_xy, height, heading, lean, feet, planted)


LUNGE = Family(
    "lunge",
    _sample_lunge,
    _lunge,
    (
        "a person lunges forward with the {side} leg",
        "someone steps forward into a lunge and back {times}",
        "a person does a forward lunge on the {side} leg",
        "the man steps out with his {side} foot, bends both knees and steps back",
    ),
    lambda p: {"side": _side(p["foot"]), "times": "twice" if p["reps"] == 2 else ""},
)


def _sample_kick(rng: np.random.Generator) -> Params:
    return {
        "foot": int(rng.integers(0, 2)),
        "height": round(float(rng.uniform(0.25, 0.6)), 3),
        "count": int(rng.integers(1, 3)),
        "kick_time": round(float(rng.uniform(0.5, 0.8)), 3),
    }


def _kick(p: Params, body: Body) -> Keyframes:
    kicker, height, count, kick_time = (
        int(p["foot"]),
        float(p["height"]),
        int(p["count"]),
        float(p["kick_time"]),
    )
    stand = 1 - kicker
    shift_time = 0.7
    frames = _frames(LEAD_IN + shift_time + count * (kick_time + 0.5) + shift_time + 0.4)
    base = _standing(frames)
    t, feet, planted, heading = base["t"], base["feet"], base["planted"], base["heading"]
    first = LEAD_IN + shift_time
    last = first + count * (kick_time + 0.5)
    weight = gait.smoothstep((t - LEAD_IN) / shift_time) * (1 - gait.smoothstep((t - last) / shift_time))
    home = feet[:, kicker, 0, :2].copy()
    lift = np.zeros(frames)
    reach = np.zeros(frames)
    for k in range(count):
        start = first + k * (kick_time + 0.5)
        u = np.clip((t - start) / kick_time, 0, 1)
        active = (t >= start) & (t <= start + kick_time)
        # back-swing, snap forward and up, return
        reach[active] = 0.5 * np.sin(np.pi * u[active]) ** 2 - 0.12 * np.sin(2 * np.pi * u[active]) * (
            u[active] < 0.5
        )
        lift[active] = height * np.sin(np.pi * u[active]) ** 2 + 0.05 * np.sin(np.pi * u[active])
    off = (t > first - 0.1) & (t < last)
    xy = home.copy()
    xy[:, 0] += reach
    xy[:, 1] -= gait.SIDES[kicker] * 0.03 * (lift > 0)
    kick_feet = gait.foot_points(xy, heading, 0.02 * off + lift, -0.4 * (lift / max(height, 1e-3)))
    feet[off, kicker] = kick_feet[off]
    planted[off, kicker] = False
    centre = feet[:, stand, 0, :2] + np.array([gait.FOOT_CENTRE, 0.0])
    middle = np.array([gait.FOOT_CENTRE, 0.0])
    com = middle * (1 - weight)[:, None] + centre * weight[:, None]
    pelvis_xy = com.copy() - np.column_stack([0.1 * lift, np.zeros(frames)])
    lean = 0.05 - 0.25 * lift
    height = np.full(frames, STAND - 0.02)
    raise_ = 0.5 * weight
    upper = tuple(gait.direction(0.2 * weight, raise_, s) for s in (1.0, -1.0))
    fore = tuple(gait.direction(0.3 * weight, raise_, s) for s in (1.0, -1.0))
    arms = _arms(body, pelvis_xy, height, heading, lean, upper, fore)
    return _keys(t, pelvis_xy, height, heading, lean, feet, planted, arms, com)


KICK = Family(
    "kick",
    _sample_kick,
    _kick,
    (
        "a person kicks forward with the {side} leg",
        "someone does a {high}kick with their {side} foot {times}",
        "a person stands on one leg and kicks {times}",
        "the man kicks his {side} foot out in front of him",
    ),
    lambda p: {
        "side": _side(p["foot"]),
        "high": "high " if p["height"] > 0.45 else "",
        "times": "twice" if p["count"] == 2 else "",
    },
)


def _sample_wave(rng: np.random.Generator) -> Params:
    return {
        "hand": str(rng.choice(["left", "right", "both"], p=[0.4, 0.4, 0.2])),
        "waves": int(rng.integers(2, 6)),
        "tempo": round(float(rng.uniform(1.2, 2.2)), 3),
        "raise": round(float(rng.uniform(2.1, 2.7)), 3),
    }


def _wave(p: Params, body: Body) -> Keyframes:
    waves, tempo, raised = int(p["waves"]), float(p["tempo"]), float(p["raise"])
    up_time = 0.6
    frames = _frames(LEAD_IN + 2 * up_time + waves / tempo + 0.5)
    base = _standing(frames)
    t, heading = base["t"], base["heading"]
    start = LEAD_IN + up_time
    end = start + waves / tempo
    lift = gait.smoothstep((t - LEAD_IN) / up_time) * (1 - gait.smoothstep((t - end) / up_time))
    swing = 0.35 * np.sin(2 * np.pi * tempo * np.clip(t - start, 0, end - start)) * lift
    hands = {"left": (0,), "right": (1,), "both": (0, 1)}[p["hand"]]
    upper, fore = [], []
    for side, sign in ((0, 1.0), (1, -1.0)):
        if side in hands:
            upper.append(gait.direction(0.3 * lift, raised * 0.55 * lift, sign))
            fore.append(gait.direction(0.25 * lift, (raised * 0.5 + 0.9) * lift - swing * sign, sign))
        else:
            upper.append(gait.direction(np.zeros(frames), 0.08, sign))
            fore.append(gait.direction(np.full(frames, 0.15), 0.05, sign))
    pelvis_xy = np.column_stack([np.full(frames, 0.02), np.zeros(frames)])
    height = np.full(frames, STAND)
    lean = np.full(frames, 0.03)
    arms = _arms(body, pelvis_xy, height, heading, lean, tuple(upper), tuple(fore))
    com = np.column_stack([np.full(frames, gait.FOOT_CENTRE), np.zeros(frames)])
    return _keys(t, pelvis_xy, height, heading, lean, base["feet"], base["planted"], arms, com)


WAVE = Family(
    "wave",
    _sample_wave,
    _wave,
    (
        "a person waves with the {hand} hand",
        "someone raises {arm} and waves",
        "a person stands still and waves hello",
        "the man lifts {arm} above his shoulder and waves {waves} times",
    ),
    lambda p: {
        "hand": p["hand"] if p["hand"] != "both" else "both hands,",
        "arm": "both arms" if p["hand"] == "both" else f"the {p['hand']} arm",
        "waves": str(p["waves"]),
    },
)


def _sample_reach(rng: np.random.Generator) -> Params:
    return {
        "hand": int(rng.integers(0, 2)),
        "level": str(rng.choice(["low", "middle", "high"])),
        "side_angle": int(rng.integers(-30, 46)),
        "hold": round(float(rng.uniform(0.3, 0.9)), 3),
    }


def _reach(p: Params, body: Body) -> Keyframes:
    hand, level, hold = int(p["hand"]), str(p["level"]), float(p["hold"])
    move = 0.9
    frames = _frames(LEAD_IN + 2 * move + hold + 0.6)
    base = _standing(frames)
    t, heading = base["t"], base["heading"]
    out = gait.smoothstep((t - LEAD_IN) / move) * (1 - gait.smoothstep((t - LEAD_IN - move - hold) / move))
    angle = np.radians(p["side_angle"]) * gait.SIDES[hand]
    targets = {
        "low": (0.5, 0.45, 0.22, 0.55),
        "middle": (0.55, 1.15, 0.0, 0.05),
        "high": (0.3, 1.75, -0.02, -0.05),
    }
    distance, target_z, drop, bend = targets[level]
    shoulder = body.shoulders[hand]
    goal = np.array([distance * np.cos(angle), shoulder[1] + distance * np.sin(angle), target_z])
    height = STAND - drop * out
    lean = 0.04 + bend * out
    pelvis_xy = np.column_stack([-0.15 * drop * out, np.zeros(frames)])
    hang = _arms(
        body,
        pelvis_xy,
        height,
        heading,
        lean,
        tuple(gait.direction(np.zeros(frames), 0.08, s) for s in (1.0, -1.0)),
        tuple(gait.direction(np.full(frames, 0.15), 0.05, s) for s in (1.0, -1.0)),
    )
    arms = hang.copy()
    wrist = hang[:, hand, 1] * (1 - out)[:, None] + goal * out[:, None]
    arms[:, hand, 1] = wrist
    arms[:, hand, 0] = np.nan  # let IK choose the elbow
    com = np.column_stack([np.full(frames, gait.FOOT_CENTRE), np.zeros(frames)])
    return _keys(t, pelvis_xy, height, heading, lean, base["feet"], base["planted"], arms, com)


REACH = Family(
    "reach",
    _sample_reach,
    _reach,
    (
        "a person reaches {where} with the {side} hand",
        "someone stretches the {side} arm out to grab something {where}",
        "a person reaches {where} and pulls the hand back",
        "the man extends his {side} hand {where} then lowers it",
    ),
    lambda p: {
        "side": _side(p["hand"]),
        "where": {"low": "down low", "middle": "forward", "high": "up high"}[p["level"]],
    },
)

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        WALK,
        JOG,
        RUN,
        JUMP,
        HOP,
        TURN,
        SIDESTEP,
        WALK_BACKWARDS,
        SQUAT,
        LUNGE,
        KICK,
        WAVE,
        REACH,
        STOP_AND_GO,
    )
}
