"""The waving-flags scene: pure sampling/validation/captions, and real Blender renders (tiny).

Blender runs under the Blender venv's Python in a subprocess (the main venv has no bpy). The
renders are shared across tests through module-scoped fixtures: one process renders four
one-flag scenes (wind right, wind left, weak wind right, no wind) and a two-flag scene; a second
process renders that two-flag scene again, builds every sky and renders the low-sun skies.
"""

import itertools
import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from synthsuite.datasets_src.force import flags as F
from synthsuite.datasets_src.force.palette import COLOURS
from synthsuite.datasets_src.force.skies import SKIES

ROOT = Path(__file__).resolve().parents[1]
BLENDER_PYTHON = ROOT / ".venv-blender" / "bin" / "python"
TINY = {"width": 96, "height": 64, "engine": "cycles", "samples": 4, "threads": 1, "frame_step": 8}
LATE_FRAME = 180  # "late" = the second half of the output window, after the flag has turned downwind

# Runs jobs from stdin (JSON list) and prints one JSON result line. The package is registered as the
# render worker does it (from datasets_src/ alone), never from the main venv's site-packages.
DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1] + "/datasets_src/force")
import worker
worker._register_package()
import bpy
from synthsuite.datasets_src.force import video
from synthsuite.datasets_src.force.flags_blender import render_flag_scene, render_sky
from synthsuite.datasets_src.force.skies import SKIES, sky
from synthsuite.datasets_src.force.skies_blender import build_sky
out = []
for job in json.load(sys.stdin):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    if job["kind"] == "render":
        out.append(render_flag_scene(job["scene"], job["settings"], job["frames_dir"]))
    elif job["kind"] == "sky":
        render_sky(sky(job["sky"]), job["settings"], job["path"])
        out.append(video.read_png(job["path"]).mean(axis=(1, 2)).tolist())
    else:
        built = []
        for each in SKIES:
            bpy.ops.wm.read_factory_settings(use_empty=True)
            build_sky(each)
            world = bpy.context.scene.world
            kinds = {n.bl_idname for n in world.node_tree.nodes}
            assert {"ShaderNodeTexSky", "ShaderNodeBackground", "ShaderNodeOutputWorld"} <= kinds, kinds
            assert bpy.data.objects["ground"].active_material is not None
            built.append(each.name)
        out.append(built)
print("RESULT " + json.dumps(out))
"""


def _run_blender(jobs: list[dict]) -> list:
    if not BLENDER_PYTHON.exists():
        pytest.fail(f"no Blender venv at {BLENDER_PYTHON}: run `make .venv-blender`")
    proc = subprocess.run(
        [str(BLENDER_PYTHON), "-c", DRIVER, str(ROOT)],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT ") :])


def _scene(seed: int, wind_angle: float, strength: float, max_flags: int = 1) -> dict:
    scene = F.sample_flag_scene(np.random.default_rng(seed), max_flags)
    scene.update(
        wind_angle=wind_angle,
        wind_angle_blender=(90.0 - wind_angle) % 360.0,
        strength_raw=F.field_strength(strength),
        strength=strength,
    )
    F.validate_flag_scene(scene)
    return scene


def _two_flag_scene() -> dict:
    seed = next(s for s in range(100) if F.sample_flag_scene(np.random.default_rng(s), 2)["n_flags"] == 2)
    return _scene(seed, 20.0, 0.85, max_flags=2)


SCENES = {  # labels; field strengths about 2,700 (0.9), 150 (0.25) and 0
    "right": _scene(3, 0.0, 0.9),
    "left": _scene(3, 180.0, 0.9),
    "weak": _scene(3, 0.0, 0.25),
    "calm": _scene(3, 0.0, 0.0),
    "two": _two_flag_scene(),
}
SKY_SETTINGS = {"width": 60, "height": 40, "engine": "cycles", "samples": 4, "threads": 1, "frame_step": 1}
LOW_SUN_SKIES = [s.name for s in SKIES if s.atmosphere.sun_elevation < 4.0]


@pytest.fixture(scope="module")
def renders(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("flags")
    jobs = [
        {"kind": "render", "scene": s, "settings": TINY, "frames_dir": str(base / name)}
        for name, s in SCENES.items()
    ]
    labels = _run_blender(jobs)
    return {name: {"labels": lab, "dir": base / name} for name, lab in zip(SCENES, labels, strict=True)}


@pytest.fixture(scope="module")
def second_process(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("flags_again")
    again, skies, *rows = _run_blender(
        [
            {"kind": "render", "scene": SCENES["two"], "settings": TINY, "frames_dir": str(base / "two")},
            {"kind": "skies"},
            *(
                {"kind": "sky", "sky": name, "settings": SKY_SETTINGS, "path": str(base / f"{name}.png")}
                for name in LOW_SUN_SKIES
            ),
        ]
    )
    sky_rows = dict(zip(LOW_SUN_SKIES, rows, strict=True))
    return {"labels": again, "dir": base / "two", "skies": skies, "sky_rows": sky_rows}


def _late_screen_motion(labels: dict, flag: int = 0) -> np.ndarray:
    """Mean on-screen displacement (px) of the flag's free edge over the late output frames."""
    late = [k for k, f in enumerate(labels["frames"]) if f >= LATE_FRAME]
    rest = np.array(labels["flag_fly_rest_px"][flag])
    return np.mean([np.array(labels["flag_fly_px"][flag][k]) - rest for k in late], axis=0)


def _angle_diff(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


# ---------------------------------------------------------------- pure: sampling, validation, captions


def test_skies_are_many_distinct_and_described() -> None:
    assert len(SKIES) >= 50
    assert len({s.name for s in SKIES}) == len(SKIES)
    assert len({s.caption for s in SKIES}) == len(SKIES)
    assert len({(s.atmosphere.sky_type, s.atmosphere.sun_elevation, s.ground.name) for s in SKIES}) == len(
        SKIES
    )
    assert {s.atmosphere.sky_type for s in SKIES} == {
        "MULTIPLE_SCATTERING",
        "SINGLE_SCATTERING",
        "PREETHAM",
        "HOSEK_WILKIE",
    }


def test_sampling_is_deterministic_and_in_range() -> None:
    a = F.sample_flag_scene(np.random.default_rng(7), 64)
    assert a == F.sample_flag_scene(np.random.default_rng(7), 64)
    assert json.loads(json.dumps(a)) == a
    palette = {name for name, _ in COLOURS}
    counts = set()
    for seed in range(60):
        s = F.sample_flag_scene(np.random.default_rng(seed), 64)
        F.validate_flag_scene(s)
        counts.add(s["n_flags"])
        assert 0.0 <= s["wind_angle"] < 360.0 and 0.0 <= s["strength"] <= 1.0
        assert s["strength_raw"] == F.field_strength(s["strength"])
        camera = s["camera"]["location"]
        assert F.frames_first_flag(tuple(camera), s["camera"]["lens_mm"])
        assert math.isclose(s["wind_angle_blender"], (90.0 - s["wind_angle"]) % 360.0)
        first, *extra = s["flags"]
        assert (first["x"], first["y"]) == (0.0, 0.0)
        assert all(F.BEHIND_MIN <= f["y"] <= F.BEHIND_MAX for f in extra)
        assert all(len(set(f["colours"])) == 2 and set(f["colours"]) <= palette for f in s["flags"])
        xs = sorted(f["x"] for f in extra)
        assert all(b - a >= F.MIN_X_SPACING for a, b in itertools.pairwise(xs))
    assert max(counts) > 30 and min(counts) < 10  # 1 + U{0..63}
    assert {F.sample_flag_scene(np.random.default_rng(s), 3)["n_flags"] for s in range(40)} == {1, 2, 3}


def test_field_strength_is_a_geometric_ramp_from_calm_to_the_maximum() -> None:
    assert F.field_strength(0.0) == 0.0 and F.field_strength(1.0) == pytest.approx(F.STRENGTH_MAX)
    steps = [F.field_strength(s) for s in np.linspace(0.0, 1.0, 11)]
    assert all(b > a for a, b in itertools.pairwise(steps))
    # equal label steps multiply (field + offset) by the same factor
    offset = F.STRENGTH_MAX / (F.STRENGTH_RATIO - 1.0)
    ratios = [(b + offset) / (a + offset) for a, b in itertools.pairwise(steps)]
    assert max(ratios) == pytest.approx(min(ratios)) and ratios[0] == pytest.approx(F.STRENGTH_RATIO**0.1)


def test_a_camera_that_cuts_the_first_flag_is_refused() -> None:
    assert F.frames_first_flag((0.0, -8.5, 3.3), F.CAMERA_LENS_MM)
    assert not F.frames_first_flag((0.0, -4.0, 3.2), F.CAMERA_LENS_MM)  # too close: the flag's reach is cut
    assert not F.frames_first_flag((1.2, -8.5, 3.3), F.CAMERA_LENS_MM)  # the flag too far to the left


def test_wind_angle_convention_points_on_screen() -> None:
    # Recorded angle 0 blows along +X (screen right), 90 along +Z (screen up).
    right = F.wind_direction((90.0 - 0.0) % 360.0)
    up = F.wind_direction((90.0 - 90.0) % 360.0)
    assert np.allclose(right, (1.0, 0.0, 0.0), atol=1e-12) and np.allclose(up, (0.0, 0.0, 1.0), atol=1e-12)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("wind_angle", 360.0),
        ("wind_angle", -1.0),
        ("strength_raw", 15000.5),
        ("strength_raw", float("nan")),
        ("sky", "no_such_sky"),
        ("n_flags", 3),
        ("wind_angle_blender", 12.0),
    ],
)
def test_validate_names_the_bad_field(field: str, value: object) -> None:
    scene = F.sample_flag_scene(np.random.default_rng(1), 2)
    scene[field] = value
    with pytest.raises(ValueError, match=field):
        F.validate_flag_scene(scene)


def test_validate_rejects_bad_flag_entries() -> None:
    scene = F.sample_flag_scene(np.random.default_rng(1), 1)
    scene["flags"][0]["colours"] = ["red", "not a colour"]
    with pytest.raises(ValueError, match=r"flags\[0\]\.colours"):
        F.validate_flag_scene(scene)
    with pytest.raises(ValueError, match="max_flags"):
        F.sample_flag_scene(np.random.default_rng(1), 65)


def test_caption_has_sky_flags_and_wind_words() -> None:
    for seed in range(30):
        s = F.sample_flag_scene(np.random.default_rng(seed), 64)
        caption = F.flag_caption(s)
        assert caption == F.flag_caption(s)
        assert "wind" in caption
        assert next(k for k in SKIES if k.name == s["sky"]).caption in caption
        assert s["flags"][0]["colours"][0] in caption
    calm, gale = dict(SCENES["calm"]), dict(SCENES["right"], strength_raw=F.STRENGTH_MAX, strength=1.0)
    assert F.flag_caption(calm) != F.flag_caption(gale)
    assert any(w in F.flag_caption(SCENES["weak"]) for w in ("breeze", "blow"))


# ---------------------------------------------------------------- Blender: physics agrees with the labels


def test_labels_shape(renders) -> None:
    lab = renders["two"]["labels"]
    frames = list(range(F.WIND_ON_FRAME, F.SIM_END_FRAME + 1, TINY["frame_step"]))
    assert lab["frames"] == frames
    assert len(lab["flag_displacement_mean"]) == 2 and all(
        len(r) == len(frames) for r in lab["flag_displacement_max"]
    )
    pngs = sorted(renders["two"]["dir"].glob("frame_*.png"))
    assert [p.name for p in pngs] == [f"frame_{k:04d}.png" for k in range(len(frames))]
    assert pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pinned_vertices_do_not_move(renders) -> None:
    for run in renders.values():
        assert max(run["labels"]["pinned_displacement_max"]) < 1e-4


def test_wind_moves_the_flag_after_onset_and_more_when_stronger(renders) -> None:
    def late_mean(name: str) -> float:
        lab = renders[name]["labels"]
        return float(
            np.mean(
                [
                    d
                    for f, d in zip(lab["frames"], lab["flag_displacement_mean"][0], strict=True)
                    if f >= LATE_FRAME
                ]
            )
        )

    strong = renders["right"]["labels"]["flag_displacement_mean"][0]
    assert strong[0] < 0.15 < late_mean("right")  # frame 121 (first wind frame) vs later
    assert late_mean("right") > 2.0 * late_mean("weak")
    assert late_mean("left") > 2.0 * late_mean("weak")


def test_no_wind_no_motion_beyond_settling(renders) -> None:
    """Strength 0: the flag starts draped and hangs nearly still over 121..240 (without draping, a
    flag released flat could still swing about its pole there: max 0.48 world units in this scene)."""
    calm = renders["calm"]["labels"]
    right = renders["right"]["labels"]
    assert max(calm["flag_displacement_mean"][0]) < 0.1
    assert max(calm["flag_displacement_max"][0]) < 0.25
    assert max(calm["flag_displacement_max"][0]) < 0.3 * max(right["flag_displacement_max"][0])
    # One frame after the rest pose: nearly still without wind; the wind (on from 121) already acts,
    # and eight frames later it has moved the flag several times as far as the calm one has moved.
    assert calm["flag_displacement_max"][0][0] < 0.03
    assert right["flag_displacement_max"][0][0] > 1.5 * calm["flag_displacement_max"][0][0]
    assert right["flag_displacement_max"][0][1] > 3.0 * calm["flag_displacement_max"][0][1]


@pytest.mark.parametrize("name", ["right", "left", "two"])
def test_free_edge_moves_along_the_wind_on_screen(renders, name: str) -> None:
    """The free edge's mean late on-screen displacement points along the wind's screen direction.

    Tolerance 60 degrees: at rest the flag hangs limp along the pole, and the wind swings it out
    until it streams downwind, so the free edge moves from below the hoist to beside it: for a
    horizontal wind that adds an upward component of up to 45 degrees (half the swing angle); the
    remaining 15 cover flapping around the mean. Winds are across the screen (0, 180, 20 deg).
    A wrong sign or a mirrored convention is off by >= 120 degrees.
    """
    lab = renders[name]["labels"]
    wind = lab["wind_screen_direction"]
    assert _angle_diff(wind, SCENES[name]["wind_angle"]) < 2.0  # level camera looking along +Y
    motion = _late_screen_motion(lab)
    assert np.linalg.norm(motion) > 3.0  # pixels at 96 x 64
    assert _angle_diff(math.degrees(math.atan2(motion[1], motion[0])), wind) < 60.0
    assert np.sign(motion[0]) == np.sign(math.cos(math.radians(wind)))


def test_same_scene_twice_gives_identical_labels_and_first_frame(renders, second_process) -> None:
    assert second_process["labels"] == renders["two"]["labels"]
    first = (renders["two"]["dir"] / "frame_0000.png").read_bytes()
    assert (second_process["dir"] / "frame_0000.png").read_bytes() == first


def test_the_first_flag_stays_in_frame(renders) -> None:
    """Its free edge at rest and at every frame lies inside the picture (pixels 0..W-1, 0..H-1)."""
    for run in renders.values():
        lab = run["labels"]
        width, height = lab["camera"]["width"], lab["camera"]["height"]
        for x, y in [lab["flag_fly_rest_px"][0], *lab["flag_fly_px"][0]]:
            assert 0 <= x <= width - 1 and 0 <= y <= height - 1


def test_low_sun_skies_keep_light_at_the_horizon(second_process) -> None:
    """The rows just above the horizon (the middle row, for the level camera) are at least half as bright
    as the sky's median row: no sunset sky fades to black there (hazy sunsets did, in single scattering)."""
    assert len(second_process["sky_rows"]) >= 8
    for name, rows in second_process["sky_rows"].items():
        sky = rows[: len(rows) // 2]
        assert np.mean(sky[-3:]) >= 0.5 * np.median(sky), name


def test_every_sky_builds_in_blender(second_process) -> None:
    assert second_process["skies"] == [s.name for s in SKIES]
