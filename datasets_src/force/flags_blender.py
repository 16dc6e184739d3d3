"""Build, simulate and render a waving-flags scene in Blender, and read back its labels.

Called by the render worker after `read_factory_settings(use_empty=True)`. One scene:
- each flag is a cloth grid (FLAG_NX x FLAG_NZ vertices, 1.5 x 1.0) hinged on the axis of its
  pole, with the original's Cotton cloth settings (Blender's cloth defaults) and a pin group on
  the pole-side column; Solidify (0.01) and Subdivision (1 viewport level, 2 render levels) come
  after the cloth, so the simulation runs on the small grid. Solidify and Subdivision are hidden
  from the viewport depsgraph and shown to the render: reading the viewport-evaluated mesh gives
  the cloth result itself, vertex for vertex in grid order.
- each pole is a thin cylinder with a Collision modifier and a sphere finial; each cloth collides
  only with its own pole (a per-flag collision collection), which keeps 64 flags affordable.
- one WIND field (plane shape, flow 1.0: Blender's defaults, as the original) rotated by Euler
  (0, theta_blender, 0); strength keyframed 0 at frames 1 and 120 and the sampled strength at 121
  and 240, with Bézier interpolation like the original (Blender's default for new keys; with
  equal neighbouring values it is a step between 120 and 121 and flat elsewhere).
- the flags are draped (a first, windless pass over frames 1..240), then frames 1..240 are
  stepped in order (the cloth solver needs every frame); frames 121..240,
  every `frame_step`, are read back and rendered.

Each flag starts draped (`_drape`: the pose a windless simulation from the flat mesh reaches at
frame 240, released at rest), so it hangs nearly still before the wind. Labels (per output frame
unless said) use the rest pose at frame 120, the last frame before the wind.
- flag_displacement_mean / _max [flag][frame]: over the cloth grid's vertices, world units;
- pinned_displacement_max [flag]: over all output frames (exactly 0 for a pinned cloth);
- flag_fly_px [flag][frame] and flag_fly_rest_px [flag]: the pixel position of the centroid of the
  free ("fly") edge, the grid column farthest from the pole, now and at rest;
- flag_screen_direction [flag]: the on-screen direction of the fly edge's displacement at the last
  output frame (fly_px[-1] - fly_rest_px). It is not the wind's direction: a hanging flag that the
  wind swings out moves up as well as downwind, and a wind from below the horizon meets a flag that
  already hangs downwind, so it moves mostly sideways or not at all; the departures measured on a
  test render are in docs/force-datasets.md ("Wind strength and direction");
- wind_screen_direction: the wind vector projected on screen at the first flag's rest centroid.
Pixels: origin bottom-left, x right, y up, pixel centres at integers; angles 0 = right, 90 = up.
"""

import math
import os
from pathlib import Path
from typing import Any

import bpy
import numpy as np

from synthsuite.datasets_src.force import flags as F
from synthsuite.datasets_src.force.blender_tools import (
    configure_render,
    screen_angle,
    to_pixels,
    uv_sphere,
    write_frame,
)
from synthsuite.datasets_src.force.palette import colour, linear_rgba
from synthsuite.datasets_src.force.skies import sky as get_sky
from synthsuite.datasets_src.force.skies_blender import build_sky

FLAG_NX, FLAG_NZ = 15, 10  # 150 cloth vertices per flag
POLE_RADIUS = 0.025  # thin: a thick pole catches a flag that the wind presses against it
FINIAL_RADIUS = 0.06
FLAG_TOP_GAP = 0.08  # between the pole top and the flag's top edge
RIPPLE = 0.03  # small out-of-plane wave of the rest mesh, so the cloth is never exactly flat
REST_FRAME = F.WIND_ON_FRAME - 1
DRAPE_FRAMES = F.SIM_END_FRAME  # the windless simulation that gives each flag its draped start
AIR_DAMPING = 1.0  # the original's Cotton air viscosity
# While draping only: with the original's air a flag released flat can still swing at frame 240 (one
# scene of the issue-19 test render moved 0.5 units with no wind); the heavier air stops the swing
# without changing where the flag hangs (gravity and the cloth decide that).
DRAPE_AIR_DAMPING = 20.0


def _grid() -> tuple[
    list[tuple[float, float, float]], list[tuple[int, int, int, int]], list[tuple[float, float]]
]:
    """Flag vertices (local: hoist on the Z axis, x along the flag, top edge at z = 0), quads, UVs."""
    verts, uvs = [], []
    for j in range(FLAG_NZ):
        for i in range(FLAG_NX):
            u, v = i / (FLAG_NX - 1), j / (FLAG_NZ - 1)
            x, z = F.FLAG_WIDTH * u, -F.FLAG_HEIGHT * v
            y = RIPPLE * u * (math.sin(3.0 * math.pi * u) + 0.5 * math.sin(2.0 * math.pi * v))
            verts.append((x, y, z))
            uvs.append((u, 1.0 - v))
    faces = []
    for j in range(FLAG_NZ - 1):
        for i in range(FLAG_NX - 1):
            a = j * FLAG_NX + i
            faces.append((a, a + FLAG_NX, a + FLAG_NX + 1, a + 1))
    return verts, faces, uvs


PINNED = np.array([k % FLAG_NX == 0 for k in range(FLAG_NX * FLAG_NZ)])
FLY_EDGE = np.array([k % FLAG_NX == FLAG_NX - 1 for k in range(FLAG_NX * FLAG_NZ)])


def _principled(name: str, rgb: tuple[float, float, float], roughness: float, metallic: float = 0.0):
    mat = bpy.data.materials.new(name)
    bsdf = mat.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = linear_rgba(rgb)
    bsdf.inputs["Roughness"].default_value = roughness
    bsdf.inputs["Metallic"].default_value = metallic
    mat.diffuse_color = linear_rgba(rgb)  # what Workbench shows
    return mat


def _flag_material(name: str, top: str, bottom: str):
    """Two horizontal bands: `top` above the flag's middle, `bottom` below (by the UV's v)."""
    mat = bpy.data.materials.new(name)
    nodes, links = mat.node_tree.nodes, mat.node_tree.links
    bsdf = nodes["Principled BSDF"]
    bsdf.inputs["Roughness"].default_value = 0.8
    uv = nodes.new("ShaderNodeUVMap")
    sep = nodes.new("ShaderNodeSeparateXYZ")
    step = nodes.new("ShaderNodeMath")
    step.operation = "GREATER_THAN"
    step.inputs[1].default_value = 0.5
    mix = nodes.new("ShaderNodeMix")
    mix.data_type = "RGBA"
    mix.inputs["A"].default_value = linear_rgba(colour(bottom))
    mix.inputs["B"].default_value = linear_rgba(colour(top))
    links.new(uv.outputs["UV"], sep.inputs["Vector"])
    links.new(sep.outputs["Y"], step.inputs[0])
    links.new(step.outputs["Value"], mix.inputs["Factor"])
    links.new(mix.outputs["Result"], bsdf.inputs["Base Color"])
    mat.diffuse_color = linear_rgba(colour(top))
    return mat


def _add_pole(i: int, flag: dict[str, Any], materials: tuple[Any, Any]) -> bpy.types.Object:
    scene = bpy.context.scene
    h = flag["pole_height"]
    bpy.ops.mesh.primitive_cylinder_add(
        vertices=12, radius=POLE_RADIUS, depth=h, location=(flag["x"], flag["y"], h / 2.0)
    )
    pole = bpy.context.object
    pole.name = f"pole_{i}"
    pole.data.materials.append(materials[0])
    pole.modifiers.new("Collision", "COLLISION")  # defaults: cloth friction 5, outer thickness 0.02
    # not primitive_uv_sphere_add: its face order changes from call to call (see uv_sphere)
    location = (flag["x"], flag["y"], h + FINIAL_RADIUS * 0.7)
    finial = uv_sphere(f"finial_{i}", FINIAL_RADIUS, 12, 6, location)
    finial.data.materials.append(materials[1])
    colliders = bpy.data.collections.new(f"pole_{i}_collider")
    colliders.objects.link(pole)
    scene.collection.children.link(colliders)
    scene.collection.objects.unlink(pole)  # now linked once, via its collider collection
    return pole


def _add_flag(i: int, flag: dict[str, Any], colliders) -> bpy.types.Object:
    verts, faces, uvs = _grid()
    mesh = bpy.data.meshes.new(f"flag_{i}")
    mesh.from_pydata(verts, [], faces)
    uv_layer = mesh.uv_layers.new(name="UVMap")
    for loop in mesh.loops:
        uv_layer.data[loop.index].uv = uvs[loop.vertex_index]
    mesh.materials.append(_flag_material(f"flag_{i}", *flag["colours"]))
    mesh.update()
    obj = bpy.data.objects.new(f"flag_{i}", mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = (flag["x"], flag["y"], flag["pole_height"] - FLAG_TOP_GAP)
    obj.rotation_euler = (0.0, 0.0, math.radians(flag["yaw"]))
    pin = obj.vertex_groups.new(name="pin")
    pin.add([int(k) for k in np.flatnonzero(PINNED)], 1.0, "REPLACE")

    cloth = obj.modifiers.new("Cloth", "CLOTH")
    s = cloth.settings  # the Cotton preset (reference A3), set explicitly
    s.mass = 0.3
    s.quality = 5
    s.tension_stiffness = s.compression_stiffness = 15.0
    s.shear_stiffness = 5.0
    s.bending_stiffness = 0.5
    s.tension_damping = s.compression_damping = s.shear_damping = 5.0
    s.bending_damping = 0.5
    s.air_damping = AIR_DAMPING
    s.vertex_group_mass = "pin"
    c = cloth.collision_settings
    c.use_collision = True
    c.distance_min = 0.015
    c.friction = 5.0
    c.use_self_collision = False
    c.collection = colliders
    cloth.point_cache.frame_start = 1
    cloth.point_cache.frame_end = F.SIM_END_FRAME

    solidify = obj.modifiers.new("Solidify", "SOLIDIFY")
    solidify.thickness = 0.01
    subsurf = obj.modifiers.new("Subdivision", "SUBSURF")
    subsurf.levels, subsurf.render_levels = 1, 2
    for mod in (solidify, subsurf):
        mod.show_viewport = False  # the viewport depsgraph (label read-back) sees the cloth grid only
        mod.show_render = True
    return obj


def _drape(flags: list[bpy.types.Object]) -> None:
    """Start each flag from where it hangs instead of flat: simulate DRAPE_FRAMES frames without wind,
    make that pose the mesh, and restart the simulation from it, at rest.

    A flag released flat falls and twists about its pole; at frame 120 some still swing (measured on
    two one-flag scenes without wind: 0.09 and 0.25 units of mean displacement over frames 150..240),
    which in the video looks like a breeze. Released from the draped pose with no velocity they move
    0.02 and 0.03; their response to wind is unchanged in kind (0.61 and 0.68 at field strength 1000).
    It doubles the cloth simulation's cost.
    """
    scene = bpy.context.scene
    for obj in flags:  # thick air while draping: the flag settles into the same hanging pose, sooner
        obj.modifiers["Cloth"].settings.air_damping = DRAPE_AIR_DAMPING
    for frame in range(1, DRAPE_FRAMES + 1):
        scene.frame_set(frame)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    draped = [_world_coords(obj, depsgraph) for obj in flags]
    for obj, world in zip(flags, draped, strict=True):
        obj.modifiers["Cloth"].settings.air_damping = AIR_DAMPING
        inverse = np.linalg.inv(np.array(obj.matrix_world))
        local = world @ inverse[:3, :3].T + inverse[:3, 3]
        obj.data.vertices.foreach_set("co", local.astype(np.float32).ravel())
        obj.data.update()
        obj.modifiers["Cloth"].point_cache.frame_start = 1  # the mesh changed: the cache starts over
    scene.frame_set(1)


def _add_wind(scene_dict: dict[str, Any]) -> bpy.types.Object:
    bpy.ops.object.effector_add(type="WIND", location=(0.0, 0.0, 0.0))
    wind = bpy.context.object
    wind.rotation_euler = (0.0, math.radians(scene_dict["wind_angle_blender"]), 0.0)
    field = wind.field
    field.shape = "PLANE"
    field.flow = 1.0
    for frame, strength in (
        (1, 0.0),
        (REST_FRAME, 0.0),
        (F.WIND_ON_FRAME, scene_dict["strength_raw"]),
        (F.SIM_END_FRAME, scene_dict["strength_raw"]),
    ):
        field.strength = strength
        field.keyframe_insert("strength", frame=frame)
    return wind


def _add_camera(cam: dict[str, Any]) -> bpy.types.Object:
    data = bpy.data.cameras.new("camera")
    data.lens = cam["lens_mm"]
    obj = bpy.data.objects.new("camera", data)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = cam["location"]
    obj.rotation_euler = (math.radians(90.0), 0.0, 0.0)  # level, looking along +Y
    bpy.context.scene.camera = obj
    return obj


def _configure_render(settings: dict[str, Any]) -> None:
    scene = bpy.context.scene
    configure_render(scene, settings)
    scene.render.use_file_extension = False  # the paths we set end in .png
    scene.frame_start, scene.frame_end = 1, F.SIM_END_FRAME


def render_sky(sky, settings: dict[str, Any], path: str) -> None:
    """One still of a sky and its ground, seen by the flags' default camera (level, 7 units back)."""
    _configure_render(settings)
    build_sky(sky)
    _add_camera({"location": [0.0, F.CAMERA_Y, F.CAMERA_Z], "lens_mm": F.CAMERA_LENS_MM})
    write_frame(bpy.context.scene, Path(path))


def simulate_first_flag(scene: dict[str, Any]) -> dict[str, Any]:
    """The first flag's motion without a sky, a camera or a render (the wind calibration's measure).

    Per frame 121..240: `displacement` (mean vertex distance from the rest pose at frame 120, world
    units) and `energy` (mean squared vertex step since the previous frame); `fly` the free edge's
    centre; `low`/`high` the corners of the box its vertices sweep from frame 120 on.
    """
    F.validate_flag_scene(scene)
    _configure_render({"width": 96, "height": 64, "engine": "cycles", "samples": 1, "threads": 1})
    materials = (_principled("pole", (0.7, 0.7, 0.7), 0.3), _principled("finial", (0.8, 0.7, 0.3), 0.3))
    flags = []
    for i, flag in enumerate(scene["flags"]):
        pole = _add_pole(i, flag, materials)
        flags.append(_add_flag(i, flag, pole.users_collection[0]))
    _drape(flags)
    _add_wind(scene)
    bscene = bpy.context.scene
    displacement, energy, fly = [], [], []
    rest = previous = low = high = None
    for frame in range(1, F.SIM_END_FRAME + 1):
        bscene.frame_set(frame)
        if frame < REST_FRAME:
            continue
        co = _world_coords(flags[0], bpy.context.evaluated_depsgraph_get())
        if frame == REST_FRAME:
            rest, low, high = co, co.min(axis=0), co.max(axis=0)
        else:
            displacement.append(float(np.linalg.norm(co - rest, axis=1).mean()))
            energy.append(float((np.linalg.norm(co - previous, axis=1) ** 2).mean()))
            fly.append(co[FLY_EDGE].mean(axis=0).tolist())
            low, high = np.minimum(low, co.min(axis=0)), np.maximum(high, co.max(axis=0))
        previous = co
    return {
        "displacement": displacement,
        "energy": energy,
        "fly": fly,
        "fly_rest": rest[FLY_EDGE].mean(axis=0).tolist(),
        "low": low.tolist(),
        "high": high.tolist(),
    }


def _world_coords(obj, depsgraph) -> np.ndarray:
    """The cloth-evaluated vertex positions of `obj` in world space, grid order, (N, 3)."""
    evaluated = obj.evaluated_get(depsgraph)
    mesh = evaluated.to_mesh()
    co = np.empty(len(mesh.vertices) * 3, dtype=np.float64)
    mesh.vertices.foreach_get("co", co)
    matrix = np.array(evaluated.matrix_world)
    evaluated.to_mesh_clear()
    co = co.reshape(-1, 3)
    return co @ matrix[:3, :3].T + matrix[:3, 3]


def render_flag_scene(scene: dict[str, Any], settings: dict[str, Any], frames_dir: str) -> dict[str, Any]:
    """Build, simulate and render `scene`; PNGs go to frames_dir/frame_0000.png, ...; returns labels."""
    F.validate_flag_scene(scene)
    step = int(settings["frame_step"])
    if step < 1:
        raise ValueError(f"frame_step must be >= 1, got {step}")
    _configure_render(settings)
    build_sky(get_sky(scene["sky"]))
    pole_materials = (
        _principled("pole", (0.75, 0.75, 0.78), 0.35, metallic=0.9),
        _principled("finial", (0.85, 0.7, 0.3), 0.25, metallic=1.0),
    )
    flag_objs = []
    for i, flag in enumerate(scene["flags"]):
        pole = _add_pole(i, flag, pole_materials)
        flag_objs.append(_add_flag(i, flag, pole.users_collection[0]))
    _drape(flag_objs)
    _add_wind(scene)
    camera = _add_camera(scene["camera"])
    bscene = bpy.context.scene
    os.makedirs(frames_dir, exist_ok=True)

    out_frames = list(F.OUTPUT_FRAMES[::step])
    n = len(flag_objs)
    rest: list[np.ndarray] = []
    disp_mean = [[0.0] * len(out_frames) for _ in range(n)]
    disp_max = [[0.0] * len(out_frames) for _ in range(n)]
    pinned_max = [0.0] * n
    fly_px = [[[0.0, 0.0] for _ in out_frames] for _ in range(n)]
    fly_rest_px: list[list[float]] = []
    k = 0
    for frame in range(1, F.SIM_END_FRAME + 1):
        bscene.frame_set(frame)
        if frame == REST_FRAME:
            depsgraph = bpy.context.evaluated_depsgraph_get()
            rest = [_world_coords(obj, depsgraph) for obj in flag_objs]
            fly_rest_px = [to_pixels(bscene, camera, r[FLY_EDGE].mean(axis=0)) for r in rest]
        if k < len(out_frames) and frame == out_frames[k]:
            depsgraph = bpy.context.evaluated_depsgraph_get()
            for i, obj in enumerate(flag_objs):
                co = _world_coords(obj, depsgraph)
                d = np.linalg.norm(co - rest[i], axis=1)
                disp_mean[i][k] = float(d.mean())
                disp_max[i][k] = float(d.max())
                pinned_max[i] = max(pinned_max[i], float(d[PINNED].max()))
                fly_px[i][k] = to_pixels(bscene, camera, co[FLY_EDGE].mean(axis=0))
            write_frame(bscene, Path(frames_dir) / f"frame_{k:04d}.png")
            k += 1

    screen_dir = [screen_angle(fly_rest_px[i], fly_px[i][-1]) for i in range(n)]
    centre = rest[0].mean(axis=0)
    wind_vec = np.array(F.wind_direction(scene["wind_angle_blender"]))
    wind_screen = screen_angle(
        to_pixels(bscene, camera, centre), to_pixels(bscene, camera, centre + 0.5 * wind_vec)
    )
    return {
        "frames": out_frames,
        "flag_displacement_mean": disp_mean,
        "flag_displacement_max": disp_max,
        "flag_screen_direction": screen_dir,
        "pinned_displacement_max": pinned_max,
        "wind_screen_direction": wind_screen,
        "flag_fly_px": fly_px,
        "flag_fly_rest_px": fly_rest_px,
        "camera": {
            "location": [float(v) for v in camera.location],
            "rotation_euler": [float(a) for a in camera.rotation_euler],  # XYZ, radians
            "lens_mm": float(camera.data.lens),
            "sensor_width_mm": float(camera.data.sensor_width),
            "width": int(bscene.render.resolution_x),
            "height": int(bscene.render.resolution_y),
        },
    }
