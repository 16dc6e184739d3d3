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
- frames 1..240 are stepped in order (the cloth solver needs every frame); frames 121..240,
  every `frame_step`, are read back and rendered.

Labels (per output frame unless said) use the rest pose at frame 120, the last frame before the
wind: by then each flag has collapsed from its flat start and hangs along its pole (a slow residual
swing remains: about 0.05 mean, 0.17 max world units over the next 120 frames without wind).
- flag_displacement_mean / _max [flag][frame]: over the cloth grid's vertices, world units;
- pinned_displacement_max [flag]: over all output frames (exactly 0 for a pinned cloth);
- flag_fly_px [flag][frame] and flag_fly_rest_px [flag]: the pixel position of the centroid of the
  free ("fly") edge, the grid column farthest from the pole, now and at rest;
- flag_screen_direction [flag]: the on-screen direction of the fly edge's displacement at the last
  output frame (fly_px[-1] - fly_rest_px). A hanging flag that the wind swings out moves up as well
  as downwind, so for a horizontal wind this reads up to ~45 degrees above the wind's direction;
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
    s.air_damping = 1.0
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
