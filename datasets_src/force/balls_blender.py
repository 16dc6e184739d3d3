"""Build, simulate and render a rolling-balls scene in Blender (imports bpy).

Timeline at 24 fps, as the original: simulate frames 1..130; the pushed ball is kinematic (held
still) until frame 22, when it becomes active and a FORCE field 0.5 units behind it switches on
for 24 frames (22..45); the output window is frames 11..130, every `frame_step`-th.

A FORCE field pushes every active rigid body of the world. Holding the distractors kinematic
during the push does not shield them: tried, they shot away from the field when released, as if
the force had piled up on them while they were held.
Instead the field has a TUBE falloff: it acts only inside a tube of radius `FIELD_TUBE_RADIUS`
and length `FIELD_REACH` ahead of the field along the push. That holds the pushed ball for the
whole window (it travels at most ~1.1 units by frame 46 at strength 64) and no distractor: the
sampler keeps them 2 units from the pushed ball and out of a wider tube (`balls.TUBE_RADIUS`).
Inside, the force is constant (falloff power 0), so the ball's speed after the window is
proportional to strength / mass. Distractors are active throughout and stay still until hit.
"""

import math
from pathlib import Path
from typing import Any

import bpy
from bpy_extras import anim_utils

from synthsuite.datasets_src.force.balls import (
    BALL_RADIUS,
    LENS_MM,
    SENSOR_MM,
    camera_pose,
    validate_ball_scene,
)
from synthsuite.datasets_src.force.blender_tools import (
    configure_render,
    screen_angle,
    to_pixels,
    uv_sphere,
    write_frame,
)
from synthsuite.datasets_src.force.grounds import ground
from synthsuite.datasets_src.force.grounds_blender import build_ground_material
from synthsuite.datasets_src.force.palette import colour, linear_rgba, srgb_to_linear

SIM_END = 130
PUSH_START, PUSH_FRAMES = 22, 24
OUTPUT_START = 11
ANGLE_FRAMES = (1, 100)  # pixel_angle: on-screen direction between these frames (the original's)
FIELD_DISTANCE = 0.5
FIELD_TUBE_RADIUS = 1.0
FIELD_REACH = 2.0
SUBSTEPS = SOLVER_ITERATIONS = 10
BALL_FRICTION, BALL_RESTITUTION = 0.5, 0.5
LINEAR_DAMPING, ANGULAR_DAMPING = 0.04, 0.1
GROUND_FRICTION = 0.8
GROUND_SIZE = 80.0
SUN_ENERGY = 3.0
WORLD_COLOUR = (0.55, 0.62, 0.72)  # sRGB, a pale sky for ambient light


def _constant_keys(owner: bpy.types.bpy_struct, path: str, keys: list[tuple[int, object]], obj) -> None:
    """Keyframe `owner.path` to each (frame, value) with constant interpolation."""
    for frame, value in keys:
        setattr(owner, path, value)
        owner.keyframe_insert(path, frame=frame)
    anim = obj.animation_data
    for fcurve in anim_utils.action_get_channelbag_for_slot(anim.action, anim.action_slot).fcurves:
        for point in fcurve.keyframe_points:
            point.interpolation = "CONSTANT"


def _setup_render(sc: bpy.types.Scene, settings: dict[str, Any]) -> None:
    configure_render(sc, settings)
    sc.view_settings.view_transform = "Standard"  # palette colours render as named
    if settings["engine"] == "cycles":
        c = sc.cycles
        c.max_bounces, c.diffuse_bounces, c.glossy_bounces = 4, 2, 2


def _world(sc: bpy.types.Scene) -> None:
    world = bpy.data.worlds.new("world")
    world.use_nodes = True
    background = world.node_tree.nodes["Background"]
    background.inputs["Color"].default_value = linear_rgba(WORLD_COLOUR)
    background.inputs["Strength"].default_value = 0.8
    world.color = srgb_to_linear(WORLD_COLOUR)
    sc.world = world
    sun = bpy.data.lights.new("sun", "SUN")
    sun.energy, sun.angle = SUN_ENERGY, math.radians(3.0)
    sun_obj = bpy.data.objects.new("sun", sun)
    sun_obj.rotation_euler = (math.radians(30.0), 0.0, math.radians(30.0))
    sc.collection.objects.link(sun_obj)


def _camera(sc: bpy.types.Scene, camera: dict[str, Any]) -> bpy.types.Object:
    data = bpy.data.cameras.new("camera")
    data.lens, data.sensor_width, data.sensor_fit = LENS_MM, SENSOR_MM, "HORIZONTAL"
    data.clip_end = 500.0
    obj = bpy.data.objects.new("camera", data)
    obj.location, obj.rotation_euler = camera_pose(camera)
    sc.collection.objects.link(obj)
    sc.camera = obj
    return obj


def _add_rigid_body(obj: bpy.types.Object, kind: str) -> bpy.types.RigidBodyObject:
    view_layer = bpy.context.view_layer
    view_layer.objects.active = obj
    obj.select_set(True)
    bpy.ops.rigidbody.object_add(type=kind)
    obj.select_set(False)
    return obj.rigid_body


def _ground(name: str) -> None:
    bpy.ops.mesh.primitive_plane_add(size=GROUND_SIZE, location=(0.0, 0.0, 0.0))
    plane = bpy.context.active_object
    plane.name = "ground"
    plane.data.materials.append(build_ground_material(ground(name)))
    # The collider is a thick hidden box (top face z = 0): sturdier than a two-triangle mesh.
    bpy.ops.mesh.primitive_cube_add(size=1.0, location=(0.0, 0.0, -0.5))
    box = bpy.context.active_object
    box.name, box.scale, box.hide_render = "ground_collider", (GROUND_SIZE, GROUND_SIZE, 1.0), True
    body = _add_rigid_body(box, "PASSIVE")
    body.collision_shape, body.friction = "BOX", GROUND_FRICTION


def _soccer_material(patch: tuple[float, float, float]) -> bpy.types.Material:
    """White ball with coloured Voronoi panels and dark seams (object coordinates: it rolls)."""
    mat = bpy.data.materials.new("soccer")
    mat.use_nodes = True
    nodes, links = mat.node_tree.nodes, mat.node_tree.links
    nodes.clear()
    coords = nodes.new("ShaderNodeTexCoord")
    cells = nodes.new("ShaderNodeTexVoronoi")
    edges = nodes.new("ShaderNodeTexVoronoi")
    edges.feature = "DISTANCE_TO_EDGE"
    for v in (cells, edges):
        v.inputs["Scale"].default_value, v.inputs["Randomness"].default_value = 2.2 / BALL_RADIUS, 0.5
        links.new(coords.outputs["Object"], v.inputs["Vector"])
    pick = nodes.new("ShaderNodeSeparateColor")
    links.new(cells.outputs["Color"], pick.inputs["Color"])
    panel = nodes.new("ShaderNodeMath")
    panel.operation = "GREATER_THAN"
    panel.inputs[1].default_value = 0.65  # about a third of the panels coloured
    links.new(pick.outputs["Red"], panel.inputs[0])
    body = nodes.new("ShaderNodeMix")
    body.data_type = "RGBA"
    links.new(panel.outputs["Value"], body.inputs["Factor"])
    body.inputs["A"].default_value, body.inputs["B"].default_value = (
        linear_rgba((0.93, 0.93, 0.9)),
        linear_rgba(patch),
    )
    seam = nodes.new("ShaderNodeValToRGB")
    seam.color_ramp.elements[0].position, seam.color_ramp.elements[0].color = 0.0, (0.02, 0.02, 0.02, 1)
    seam.color_ramp.elements[1].position, seam.color_ramp.elements[1].color = 0.05, (1, 1, 1, 1)
    links.new(edges.outputs["Distance"], seam.inputs["Fac"])
    shade = nodes.new("ShaderNodeMix")
    shade.data_type, shade.blend_type = "RGBA", "MULTIPLY"
    shade.inputs["Factor"].default_value = 1.0
    links.new(body.outputs["Result"], shade.inputs["A"])
    links.new(seam.outputs["Color"], shade.inputs["B"])
    bsdf = nodes.new("ShaderNodeBsdfPrincipled")
    bsdf.inputs["Roughness"].default_value = 0.45
    links.new(shade.outputs["Result"], bsdf.inputs["Base Color"])
    links.new(bsdf.outputs["BSDF"], nodes.new("ShaderNodeOutputMaterial").inputs["Surface"])
    mat.diffuse_color = linear_rgba(tuple(0.5 * (p + 0.93) for p in patch))
    return mat


def _bowling_material(rgb: tuple[float, float, float]) -> bpy.types.Material:
    mat = bpy.data.materials.new("bowling")
    mat.use_nodes = True
    bsdf = mat.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = linear_rgba(rgb)
    bsdf.inputs["Roughness"].default_value = 0.05
    mat.diffuse_color, mat.roughness = linear_rgba(rgb), 0.05
    return mat


def _ball(index: int, ball: dict[str, Any], pushed: bool) -> bpy.types.Object:
    x, y = ball["position"]
    obj = uv_sphere(f"ball_{index}", BALL_RADIUS, 48, 24, (x, y, BALL_RADIUS))
    obj.rotation_euler = (0.0, 0.0, math.radians(ball["yaw"]))
    rgb = colour(ball["colour"])
    obj.data.materials.append(_soccer_material(rgb) if ball["kind"] == "soccer" else _bowling_material(rgb))
    body = _add_rigid_body(obj, "ACTIVE")
    body.collision_shape, body.mass = "SPHERE", float(ball["mass"])
    body.friction, body.restitution = BALL_FRICTION, BALL_RESTITUTION
    body.linear_damping, body.angular_damping = LINEAR_DAMPING, ANGULAR_DAMPING
    body.use_deactivation = False
    if pushed:  # held still until the push starts (the original's kinematic lead-in)
        _constant_keys(body, "kinematic", [(1, True), (PUSH_START, False)], obj)
    return obj


def _force_field(ball: dict[str, Any], angle_deg: float, strength: float) -> None:
    """A FORCE field FIELD_DISTANCE behind the ball, its Z axis along the push, acting only in a
    tube ahead of it (it repels: the ball goes along `angle_deg`)."""
    a = math.radians(angle_deg)
    x, y = ball["position"]
    location = (x - FIELD_DISTANCE * math.cos(a), y - FIELD_DISTANCE * math.sin(a), BALL_RADIUS)
    bpy.ops.object.effector_add(type="FORCE", location=location, rotation=(0.0, math.pi / 2, a))
    field_obj = bpy.context.active_object
    field_obj.name = "push"
    field = field_obj.field
    field.shape, field.falloff_type, field.z_direction, field.falloff_power = "POINT", "TUBE", "POSITIVE", 0.0
    field.use_radial_max, field.radial_max, field.radial_falloff = True, FIELD_TUBE_RADIUS, 0.0
    field.use_max_distance, field.distance_max = True, FIELD_REACH
    end = PUSH_START + PUSH_FRAMES
    _constant_keys(field, "strength", [(1, 0.0), (PUSH_START, float(strength)), (end, 0.0)], field_obj)


def render_ball_scene(scene: dict[str, Any], settings: dict[str, Any], frames_dir: str) -> dict[str, Any]:
    """Build the scene (after the caller's factory reset), simulate 1..130, render the output
    frames to frames_dir/frame_0000.png.., and return the labels read back from the simulation."""
    validate_ball_scene(scene)
    sc = bpy.context.scene
    _setup_render(sc, settings)
    _world(sc)
    bpy.ops.rigidbody.world_add()
    world = sc.rigidbody_world
    world.substeps_per_frame, world.solver_iterations = SUBSTEPS, SOLVER_ITERATIONS
    world.point_cache.frame_start, world.point_cache.frame_end = 1, SIM_END
    sc.frame_start, sc.frame_end = 1, SIM_END
    _ground(scene["ground"])
    pushed = scene["pushed"]
    balls = [_ball(i, b, i == pushed) for i, b in enumerate(scene["balls"])]
    _force_field(scene["balls"][pushed], scene["angle"], scene["strength_raw"])
    cam = _camera(sc, scene["camera"])

    out_frames = list(range(OUTPUT_START, SIM_END + 1, int(settings["frame_step"])))
    wanted = set(out_frames) | set(ANGLE_FRAMES)
    xyz: dict[int, list[list[float]]] = {}
    px: dict[int, list[list[float]]] = {}
    out = Path(frames_dir)
    for frame in range(1, SIM_END + 1):  # in order: each step fills the rigid-body cache
        sc.frame_set(frame)
        if frame not in wanted:
            continue
        depsgraph = bpy.context.evaluated_depsgraph_get()
        points = [b.evaluated_get(depsgraph).matrix_world.translation.copy() for b in balls]
        xyz[frame] = [[round(v, 6) for v in p] for p in points]
        px[frame] = [[round(v, 4) for v in to_pixels(sc, cam, p)] for p in points]
        if frame in out_frames:
            write_frame(sc, out / f"frame_{out_frames.index(frame):04d}.png")

    location, rotation = camera_pose(scene["camera"])
    return {
        "frames": out_frames,
        "ball_positions_3d": [[xyz[f][i] for f in out_frames] for i in range(len(balls))],
        "ball_positions_px": [[px[f][i] for f in out_frames] for i in range(len(balls))],
        "pixel_angle": round(screen_angle(px[ANGLE_FRAMES[0]][pushed], px[ANGLE_FRAMES[1]][pushed]), 4),
        "poke_px": px[1][pushed],
        "force_angle_3d": float(scene["angle"]),
        "camera": {
            "location": [round(v, 6) for v in location],
            "rotation_euler": [round(v, 6) for v in rotation],
            "lens_mm": LENS_MM,
            "sensor_width_mm": SENSOR_MM,
            "sensor_fit": "HORIZONTAL",
            "zoom": scene["camera"]["zoom"],
            "offset": list(scene["camera"]["offset"]),
            "resolution": [sc.render.resolution_x, sc.render.resolution_y],
        },
    }
