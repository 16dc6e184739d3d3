"""The rolling-balls scene: the pure sampler, and real Blender renders (tiny, Cycles CPU).

Blender runs under `.venv-blender` in a subprocess (the main venv has no bpy); it sees only a temp
folder holding a symlink to `datasets_src`, never the main venv. Renders are shared through
module-scoped fixtures: one Blender process for the physics scenes, one for the repeat render and
the ground swatches.
"""

import json
import math
import os
import re
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthsuite.datasets_src.force import balls
from synthsuite.datasets_src.force.grounds import GROUNDS, KINDS
from synthsuite.datasets_src.force.palette import COLOURS

REPO = Path(__file__).resolve().parents[1]
BLENDER_PYTHON = REPO / ".venv-blender" / "bin" / "python"
TINY = {"width": 96, "height": 64, "engine": "cycles", "samples": 4, "threads": 1, "frame_step": 8}
PHYSICS = {"width": 24, "height": 16, "engine": "cycles", "samples": 1, "threads": 1, "frame_step": 8}


def _ball(kind: str, colour: str, x: float, y: float) -> dict:
    return {"kind": kind, "colour": colour, "mass": balls.MASS[kind], "position": [x, y], "yaw": 0.0}


# A hand-made scene: the red soccer ball is pushed up-right; both distractors are off its path.
SCENE = {
    "ground": "grey_cobblestones",
    "balls": [
        _ball("soccer", "red", -1.5, -1.0),
        _ball("soccer", "blue", -2.5, 1.5),
        _ball("bowling", "black", 1.5, -2.5),
    ],
    "pushed": 0,
    "angle": 30.0,
    "strength_raw": 64.0,
    "camera": {"zoom": 0.3, "offset": [0.0, 0.0]},
}


def _variant(**changes) -> dict:
    scene = json.loads(json.dumps(SCENE))
    if "pushed_kind" in changes:
        kind = changes.pop("pushed_kind")
        scene["balls"][0].update(kind=kind, mass=balls.MASS[kind])
    scene.update(changes)
    return scene


# A distractor 3 units straight ahead: it must wait for the pushed ball, then move.
HIT_SCENE = {
    **_variant(angle=0.0),
    "balls": [_ball("soccer", "red", -2.0, -1.0), _ball("soccer", "blue", 1.0, -1.0)],
}

_RENDER_JOBS = """
import json, sys
import bpy
from synthsuite.datasets_src.force.balls_blender import render_ball_scene
jobs = json.load(open(sys.argv[1]))
labels = []
for job in jobs:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    labels.append(render_ball_scene(job["scene"], job["settings"], job["frames_dir"]))
json.dump(labels, open(sys.argv[2], "w"))
"""

_GROUND_SWATCHES = """
import json, math, sys
import bpy
from synthsuite.datasets_src.force.grounds import GROUNDS
from synthsuite.datasets_src.force.grounds_blender import build_ground_material
out = sys.argv[1]
bpy.ops.wm.read_factory_settings(use_empty=True)
sc = bpy.context.scene
sc.render.engine, sc.cycles.samples, sc.cycles.seed = "CYCLES", 2, 0
sc.render.resolution_x, sc.render.resolution_y = 24, 16
sc.render.image_settings.file_format, sc.render.image_settings.color_mode = "PNG", "RGB"
bpy.ops.mesh.primitive_plane_add(size=40)
plane = bpy.context.active_object
cam = bpy.data.objects.new("cam", bpy.data.cameras.new("cam"))
sc.collection.objects.link(cam)
sc.camera, cam.location, cam.rotation_euler = cam, (0, -4, 4), (math.radians(45), 0, 0)
sun = bpy.data.objects.new("sun", bpy.data.lights.new("sun", "SUN"))
sc.collection.objects.link(sun)
for ground in GROUNDS:
    plane.data.materials.clear()
    plane.data.materials.append(build_ground_material(ground))
    sc.render.filepath = f"{out}/{ground.name}.png"
    bpy.ops.render.render(write_still=True)
"""


def _blender(code: str, *args: str, tmp: Path) -> None:
    """Run `code` under the Blender Python, the package registered as the render worker does it (from
    datasets_src/ alone), never from the main venv's site-packages."""
    if not BLENDER_PYTHON.exists():
        pytest.fail(f"no Blender venv at {BLENDER_PYTHON}: run `make .venv-blender`")
    prelude = (
        f"import sys\nsys.path.insert(0, {str(REPO / 'datasets_src' / 'force')!r})\n"
        "import worker\nworker._register_package()\n"
    )
    code = prelude + textwrap.dedent(code)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [str(BLENDER_PYTHON), "-s", "-c", code, *args],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]


def _render(tmp: Path, jobs: list[tuple[str, dict, dict]]) -> dict[str, tuple[dict, Path]]:
    """Render (name, scene, settings) jobs in one Blender process: name -> (labels, frames dir)."""
    spec = []
    for name, scene, settings in jobs:
        (tmp / name).mkdir()
        spec.append({"scene": scene, "settings": settings, "frames_dir": str(tmp / name)})
    (tmp / "jobs.json").write_text(json.dumps(spec))
    _blender(_RENDER_JOBS, str(tmp / "jobs.json"), str(tmp / "labels.json"), tmp=tmp)
    labels = json.loads((tmp / "labels.json").read_text())
    return {name: (lab, tmp / name) for (name, _, _), lab in zip(jobs, labels, strict=True)}


@pytest.fixture(scope="module")
def renders(tmp_path_factory) -> dict[str, tuple[dict, Path]]:
    return _render(
        tmp_path_factory.mktemp("balls"),
        [
            ("main", SCENE, TINY),
            ("weak", _variant(strength_raw=10.0), PHYSICS),
            ("strong", _variant(strength_raw=60.0), PHYSICS),
            ("strong_bowling", _variant(strength_raw=60.0, pushed_kind="bowling"), PHYSICS),
            ("hit", HIT_SCENE, PHYSICS),
        ],
    )


@pytest.fixture(scope="module")
def second_process(tmp_path_factory) -> tuple[dict[str, tuple[dict, Path]], Path]:
    """The main scene again in a fresh Blender process, plus a swatch of every ground."""
    tmp = tmp_path_factory.mktemp("balls_again")
    again = _render(tmp, [("main", SCENE, TINY)])
    (tmp / "grounds").mkdir()
    _blender(_GROUND_SWATCHES, str(tmp / "grounds"), tmp=tmp)
    return again, tmp / "grounds"


# -- pure: palette, grounds, sampler, validation, caption ---------------------------------------


def test_palette_and_grounds_are_many_and_distinct():
    assert len(COLOURS) >= 100
    assert len({n for n, _ in COLOURS}) == len(COLOURS) and len({c for _, c in COLOURS}) == len(COLOURS)
    assert all(0.0 <= v <= 1.0 for _, rgb in COLOURS for v in rgb)
    assert len(GROUNDS) >= 40
    assert len({g.name for g in GROUNDS}) == len({g.caption for g in GROUNDS}) == len(GROUNDS)
    assert len({(g.kind, g.colours, g.scale) for g in GROUNDS}) == len(GROUNDS)
    assert {g.kind for g in GROUNDS} == set(KINDS)


def _project(camera: dict, xyz) -> tuple[float, float]:
    """Pinhole projection from the camera label alone, in the label pixel convention."""
    rx, ry, rz = camera["rotation_euler"]
    (cx, cy, cz), (sx, sy, sz) = np.cos([rx, ry, rz]), np.sin([rx, ry, rz])
    rot = (
        np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
        @ np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
        @ np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    )
    p = rot.T @ (np.asarray(xyz, float) - np.asarray(camera["location"]))
    width, height = camera["resolution"]
    tan_h = camera["sensor_width_mm"] / 2 / camera["lens_mm"]
    x_ndc, y_ndc = p[0] / -p[2] / tan_h, p[1] / -p[2] / tan_h * width / height
    return (x_ndc + 1) / 2 * width - 0.5, (y_ndc + 1) / 2 * height - 0.5


def _camera_label(scene: dict, width: int = 96, height: int = 64) -> dict:
    location, rotation = balls.camera_pose(scene["camera"])
    return {
        "location": location,
        "rotation_euler": rotation,
        "lens_mm": balls.LENS_MM,
        "sensor_width_mm": balls.SENSOR_MM,
        "resolution": [width, height],
    }


def test_sample_ball_scene_is_deterministic_and_follows_the_original():
    scenes = [balls.sample_ball_scene(np.random.default_rng(seed)) for seed in range(400)]
    assert balls.sample_ball_scene(np.random.default_rng(7)) == scenes[7]
    assert scenes[7] != scenes[8]
    json.dumps(scenes)  # plain JSON
    for scene in scenes:
        balls.validate_ball_scene(scene)
        start = np.array(scene["balls"][0]["position"])
        direction = np.array([math.cos(math.radians(scene["angle"])), math.sin(math.radians(scene["angle"]))])
        camera = _camera_label(scene)
        for ball in scene["balls"]:
            u, v = _project(camera, [*ball["position"], balls.BALL_RADIUS])
            assert 0 <= u <= 95 and 0 <= v <= 63, (scene, ball)  # every ball starts on screen
        for ball in scene["balls"][1:]:
            rel = np.array(ball["position"]) - start
            along = rel @ direction
            assert np.linalg.norm(rel) >= balls.MIN_DIST_PUSHED
            assert along <= 0 or np.linalg.norm(rel - along * direction) >= balls.TUBE_RADIUS
    counts = {n: sum(len(s["balls"]) == n for s in scenes) for n in (2, 3, 4)}
    assert all(c > 80 for c in counts.values()), counts
    pushed_bowling = np.mean([s["balls"][0]["kind"] == "bowling" for s in scenes])
    assert 0.27 < pushed_bowling < 0.40
    bowling = [b for s in scenes for b in s["balls"] if b["kind"] == "bowling"]
    assert 0.4 < np.mean([b["colour"] == "black" for b in bowling]) < 0.62
    assert {b["mass"] for s in scenes for b in s["balls"]} == {1.0, 4.0}
    strengths = [s["strength_raw"] for s in scenes]
    assert 8 <= min(strengths) < 12 and 60 < max(strengths) <= 64
    assert max(s["camera"]["zoom"] for s in scenes) > 0.55


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("angle",), 360.0, "angle"),
        (("angle",), -0.5, "angle"),
        (("strength_raw",), 7.9, "strength_raw"),
        (("strength_raw",), 64.5, "strength_raw"),
        (("strength_raw",), float("nan"), "strength_raw"),
        (("camera", "zoom"), 0.7, "camera.zoom"),
        (("ground",), "moon_dust", "ground"),
        (("pushed",), 3, "pushed"),
        (("balls", 1, "kind"), "tennis", "balls[1].kind"),
        (("balls", 2, "colour"), "octarine", "balls[2].colour"),
        (("balls", 0, "position"), [0.0, 99.0], "balls[0].position[1]"),
        (("balls",), [], "balls"),
    ],
)
def test_validate_names_the_bad_field_and_range(path, value, field):
    scene = _variant()
    target = scene
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValueError, match="^ball scene: " + re.escape(field) + " must be"):
        balls.validate_ball_scene(scene)


def test_validate_rejects_overlapping_balls():
    scene = _variant()
    scene["balls"][1]["position"] = [-1.2, -1.0]
    with pytest.raises(ValueError, match=re.escape("balls[1].position")):
        balls.validate_ball_scene(scene)


def test_caption_names_ground_kinds_and_colours():
    caption = balls.ball_caption(SCENE)
    assert caption.startswith("A white soccer ball with red patches rolls across the weathered grey cobbles")
    assert "blue patches" in caption and "shiny black bowling ball" in caption


# -- Blender: physics and labels agree with the pixels ------------------------------------------


def _png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=float)


def _changed_centroid(first: np.ndarray, later: np.ndarray) -> np.ndarray:
    """(u, v) centroid of the pixels that changed, in the label convention (v up)."""
    diff = np.abs(later - first).sum(axis=2)
    rows, cols = np.nonzero(diff > 60)
    weights = diff[rows, cols]
    height = first.shape[0]
    return np.array([np.average(cols, weights=weights), np.average(height - 1 - rows, weights=weights)])


def test_labels_match_the_camera_and_the_push(renders):
    labels, _ = renders["main"]
    assert labels["frames"] == list(range(11, 131, 8))
    camera = labels["camera"]
    for ball_xyz, ball_px in zip(labels["ball_positions_3d"], labels["ball_positions_px"], strict=True):
        for xyz, px in zip(ball_xyz, ball_px, strict=True):
            assert np.allclose(_project(camera, xyz), px, atol=0.02)
    start = np.array(labels["ball_positions_3d"][0][0])
    assert np.allclose(labels["poke_px"], labels["ball_positions_px"][0][0], atol=1e-6)  # still until 22
    step = np.array([math.cos(math.radians(30.0)), math.sin(math.radians(30.0)), 0.0])
    projected = np.subtract(_project(camera, start + step), _project(camera, start))
    assert labels["force_angle_3d"] == 30.0
    assert abs(math.degrees(math.atan2(projected[1], projected[0])) - labels["pixel_angle"]) < 1.0
    moved = np.subtract(labels["ball_positions_3d"][0][-1], start)  # the 3D path follows the push
    assert abs(math.degrees(math.atan2(moved[1], moved[0])) - 30.0) < 1.0 and abs(moved[2]) < 1e-3


def test_rendered_motion_follows_pixel_angle(renders):
    labels, frames = renders["main"]
    index = {f: i for i, f in enumerate(labels["frames"])}
    first = _png(frames / "frame_0000.png")
    # Changed pixels = where the ball was (fixed) + where it is: their centroid moves at half the
    # ball's on-screen speed, along its direction, once it has left its start.
    c67 = _changed_centroid(first, _png(frames / f"frame_{index[67]:04d}.png"))
    c99 = _changed_centroid(first, _png(frames / f"frame_{index[99]:04d}.png"))
    seen = math.degrees(math.atan2(*(c99 - c67)[::-1])) % 360
    px = labels["ball_positions_px"][0]
    labelled = math.degrees(math.atan2(px[index[99]][1] - px[0][1], px[index[99]][0] - px[0][0])) % 360
    assert abs(labelled - labels["pixel_angle"]) < 0.5
    assert abs(seen - labels["pixel_angle"]) < 4.0, (seen, labels["pixel_angle"])
    assert np.linalg.norm(c99 - c67) > 3.0  # really moved on screen, several pixels
    assert np.abs(_png(frames / "frame_0001.png") - first).max() == 0  # still before the push


def _travel(labels: dict, ball: int = 0) -> float:
    positions = labels["ball_positions_3d"][ball]
    return float(np.linalg.norm(np.subtract(positions[-1], positions[0])))


def test_displacement_grows_with_strength_and_falls_with_mass(renders):
    weak, strong, bowling = (_travel(renders[name][0]) for name in ("weak", "strong", "strong_bowling"))
    assert weak > 0.3
    assert 5.0 < strong / weak < 7.0  # constant force over a fixed window: about 60 / 10
    assert 3.0 < strong / bowling < 5.0  # 4x the mass
    for name in ("weak", "strong", "strong_bowling"):
        assert abs(renders[name][0]["pixel_angle"] - renders["main"][0]["pixel_angle"]) < 1.0


def test_distractors_stay_still_until_hit(renders):
    for name in ("main", "weak", "strong", "strong_bowling"):
        labels = renders[name][0]
        for ball in labels["ball_positions_3d"][1:]:
            assert np.abs(np.subtract(ball, ball[0])).max() < 1e-4, name
    labels = renders["hit"][0]
    frames = labels["frames"]
    pushed, target = (np.array(p) for p in labels["ball_positions_3d"])
    moved = np.linalg.norm(target - target[0], axis=1) > 1e-3
    first_move = int(np.argmax(moved))
    assert moved[-1] and frames[first_move] > 51  # waits for the ball (it only starts at 22)
    gap = np.linalg.norm(pushed[first_move - 1] - target[first_move - 1])
    assert gap < 2 * balls.BALL_RADIUS + 0.6  # ... which was about to touch it
    knocked = target[-1] - target[0]
    assert knocked[0] > 0.5 and abs(knocked[1]) < 0.2 * knocked[0]  # along the push (+X)


def test_same_scene_same_labels_and_first_frame(renders, second_process):
    again, _ = second_process
    labels, frames = renders["main"]
    labels_again, frames_again = again["main"]
    assert labels == labels_again
    assert (frames / "frame_0000.png").read_bytes() == (frames_again / "frame_0000.png").read_bytes()
    assert len(list(frames.glob("frame_*.png"))) == 15
    image = Image.open(frames / "frame_0000.png")
    assert image.size == (96, 64) and image.mode == "RGB"


def test_every_ground_builds_and_looks_different(second_process):
    _, swatches = second_process
    stats = []
    for ground in GROUNDS:
        image = _png(swatches / f"{ground.name}.png")
        stats.append(np.concatenate([image.mean(axis=(0, 1)), image.std(axis=(0, 1))]))
    stats = np.array(stats)
    distances = np.linalg.norm(stats[:, None] - stats[None], axis=2) + np.eye(len(stats)) * 1e9
    closest = np.unravel_index(distances.argmin(), distances.shape)
    assert distances.min() > 2.0, [GROUNDS[i].name for i in closest]


def test_pixel_labels_sit_on_the_rendered_ball(renders):
    """Bottom-left origin, pixel centres at integers: the changed pixels around the labelled start
    and end positions are centred on them."""
    labels, frames = renders["main"]
    first, last = _png(frames / "frame_0000.png"), _png(frames / "frame_0014.png")
    diff = np.abs(last - first).sum(axis=2)
    rows, cols = np.nonzero(diff > 60)
    u, v = cols.astype(float), first.shape[0] - 1.0 - rows
    # Tight at rest (a half-pixel slip of the convention fails), looser for the moving ball.
    for label, tolerance in ((labels["poke_px"], 0.4), (labels["ball_positions_px"][0][-1], 1.0)):
        near = np.hypot(u - label[0], v - label[1]) < 4.0
        assert near.sum() >= 12  # the ball is several pixels wide here
        centre = np.average(np.stack([u[near], v[near]]), axis=1, weights=diff[rows[near], cols[near]])
        assert np.hypot(*(centre - label)) < tolerance, (centre, label)
