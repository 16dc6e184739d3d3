"""Build, simulate and render one force-benchmark scene in Blender, and read back its labels (imports bpy).

The scenes of `benchmark.py`: point scenes (rigid bodies on a procedural ground, pushed by the balls'
tube-shaped FORCE field for 24 frames from frame 22), wind scenes (under a procedural sky, the flags'
WIND field from frame 121) and the mass study (one ball, the balls' own builders). The training sets'
builders are reused by import (balls_blender, flags_blender, skies_blender); the new object kinds are
built here. Meshes are written vertex by vertex (`_mesh`), never with `bpy.ops.mesh.primitive_*`,
whose face order can change between calls (see blender_tools.uv_sphere).

Wind: every kind is blown by the flags' WIND field at the training sets' field strength for its wind
speed, `flags.field_strength(speed)` (0 to 4000, geometric in the speed), so a wind speed means one
field in the training flags and here. Blender applies that strength to a rigid body or a particle as
a force, where a cloth vertex gets it spread over its faces, so the rigid-body world's, the particles',
the stems' and the banner's wind weights scale it (`WIND_WEIGHT`), chosen so that the strongest
benchmark wind (speed 0.9, field 2,734) carries balloons, leaves and particles 50-65 pixels of the
144-pixel tiny frame, as the benchmark's first build did (reference/runs/force/wind-benchmark-trial.json;
displacement grows in proportion to the field). Flags start draped, as the training flags do
(`flags_blender._drape`).

Labels (pixels: origin bottom-left, x right, y up; angles 0 = right, 90 = up):
- `track_px` [frame][x, y]: the pushed body's centre (point, mass) or the mean of every moving point
  (wind: cloth vertices, stem tips, bodies, particles) at each output frame;
- `angle`: the on-screen direction from the first frame's `track_px` to the farthest one (the
  original's label is the same direction between two frames); `displacement_px` that distance;
- `poke_px`, `target_radius_px`: the pushed body's pixel at the first frame and its radius on screen.
"""

import math
from pathlib import Path
from typing import Any

import bpy
import numpy as np

from synthsuite.datasets_src.force import balls_blender as BB
from synthsuite.datasets_src.force import benchmark as B
from synthsuite.datasets_src.force import flags_blender as FB
from synthsuite.datasets_src.force.balls import BALL_RADIUS, MASS
from synthsuite.datasets_src.force.blender_tools import screen_angle, to_pixels, uv_sphere, write_frame
from synthsuite.datasets_src.force.flags import wind_direction
from synthsuite.datasets_src.force.palette import colour, linear_rgba
from synthsuite.datasets_src.force.skies import sky as get_sky
from synthsuite.datasets_src.force.skies_blender import build_sky

POINT_SIM_END = B.POINT_FIRST_FRAME + B.CLIP_FRAMES - 1  # 69
WIND_SIM_END = B.WIND_FIRST_FRAME + B.CLIP_FRAMES - 1  # 168
# Wind weights per kind (see the module docstring); flags take the field as the training flags do (1).
WIND_WEIGHT = {"rigid": 1e-3, "particles": 1e-3}
PLANT_WIND_WEIGHT = 2e-2
BANNER_WIND_WEIGHT = 0.3  # a banner meets the wind face on, a hanging flag edge on
STEM_RADIUS, FLOWER_RADIUS = 0.045, 0.13
STEM_SUBSTEPS = 40  # light segments on stiff springs: at the balls' 10 substeps the chain blows up


# --- meshes and materials ---------------------------------------------------------------------------


def _mesh(name: str, verts: list, faces: list, location=(0.0, 0.0, 0.0)):
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([tuple(map(float, v)) for v in verts], [], faces)
    mesh.update()
    obj = bpy.data.objects.new(name, mesh)
    obj.location = location
    bpy.context.scene.collection.objects.link(obj)
    return obj


def _box(name: str, size: tuple[float, float, float], location) -> bpy.types.Object:
    x, y, z = (s / 2.0 for s in size)
    verts = [(sx * x, sy * y, sz * z) for sz in (-1, 1) for sy in (-1, 1) for sx in (-1, 1)]
    faces = [(0, 2, 3, 1), (4, 5, 7, 6), (0, 1, 5, 4), (2, 6, 7, 3), (0, 4, 6, 2), (1, 3, 7, 5)]
    return _mesh(name, verts, faces, location)


def _cylinder(name: str, radius: float, depth: float, location, segments: int = 20):
    """A closed cylinder along Z, its origin at the centre."""
    bottom = -depth / 2.0
    top = bottom + depth
    ring = [
        (radius * math.cos(2 * math.pi * k / segments), radius * math.sin(2 * math.pi * k / segments))
        for k in range(segments)
    ]
    verts = [(x, y, bottom) for x, y in ring] + [(x, y, top) for x, y in ring]
    n = segments
    faces = [(k, (k + 1) % n, n + (k + 1) % n, n + k) for k in range(n)]
    faces += [tuple(range(n - 1, -1, -1)), tuple(range(n, 2 * n))]
    return _mesh(name, verts, faces, location)


def _material(name: str, rgb, roughness: float = 0.6, metallic: float = 0.0):
    mat = bpy.data.materials.new(name)
    bsdf = mat.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = linear_rgba(rgb)
    bsdf.inputs["Roughness"].default_value = roughness
    bsdf.inputs["Metallic"].default_value = metallic
    mat.diffuse_color = linear_rgba(rgb)
    return mat


def _patterned(name: str, rgb, pattern: str, scale: float, roughness: float = 0.7):
    """A base colour and a darker shade mixed by a procedural pattern in object coordinates (it moves
    with the body): "bands" (wave bands, a punching bag's stitching), "planks" (brick texture, a crate)
    or "checker" (a puck's top). A plain colour gives a point tracker nothing to hold on to."""
    mat = _material(name, rgb, roughness)
    nodes, links = mat.node_tree.nodes, mat.node_tree.links
    coords = nodes.new("ShaderNodeTexCoord")
    if pattern == "bands":
        texture = nodes.new("ShaderNodeTexWave")
        texture.inputs["Distortion"].default_value = 4.0
        texture.inputs["Detail"].default_value = 2.0
    elif pattern == "planks":
        texture = nodes.new("ShaderNodeTexBrick")
        texture.inputs["Mortar Size"].default_value = 0.03
    else:
        texture = nodes.new("ShaderNodeTexChecker")
    texture.inputs["Scale"].default_value = scale
    links.new(coords.outputs["Object"], texture.inputs["Vector"])
    mix = nodes.new("ShaderNodeMix")
    mix.data_type = "RGBA"
    mix.inputs["A"].default_value = linear_rgba(rgb)
    mix.inputs["B"].default_value = linear_rgba(tuple(0.35 * c for c in rgb))
    links.new(texture.outputs["Fac"], mix.inputs["Factor"])
    links.new(mix.outputs["Result"], mat.node_tree.nodes["Principled BSDF"].inputs["Base Color"])
    return mat


def _paint(obj, mat) -> None:
    obj.data.materials.append(mat)


def _rigid(obj, kind: str, shape: str, mass: float = 1.0, friction: float = 0.5, damping: float = 0.04):
    body = BB._add_rigid_body(obj, kind)
    body.collision_shape, body.friction, body.restitution = shape, friction, 0.3
    if kind == "ACTIVE":
        body.mass, body.linear_damping, body.angular_damping = mass, damping, 0.1
        body.use_deactivation = False
    return body


def _constraint(name: str, kind: str, location, first, second):
    empty = bpy.data.objects.new(name, None)
    empty.location = location
    bpy.context.scene.collection.objects.link(empty)
    bpy.context.view_layer.objects.active = empty
    bpy.ops.rigidbody.constraint_add(type=kind)
    rbc = empty.rigid_body_constraint
    rbc.object1, rbc.object2 = first, second
    return rbc


def _parent(child, parent) -> None:
    """Make `child` follow `parent` (its current world placement kept)."""
    bpy.context.view_layer.update()
    child.parent = parent
    child.matrix_parent_inverse = parent.matrix_world.inverted()


# --- point scenes -----------------------------------------------------------------------------------


def _push(position, angle_deg: float, strength: float, radius: float) -> None:
    """The balls' push, at any height: a FORCE field behind `position` acting inside a tube of
    `radius` along the push for 24 frames from frame 22 (balls_blender._force_field, generalised)."""
    a = math.radians(angle_deg)
    back = BB.FIELD_DISTANCE + radius
    location = (position[0] - back * math.cos(a), position[1] - back * math.sin(a), position[2])
    bpy.ops.object.effector_add(type="FORCE", location=location, rotation=(0.0, math.pi / 2, a))
    obj = bpy.context.active_object
    obj.name = "push"
    field = obj.field
    field.shape, field.falloff_type, field.z_direction, field.falloff_power = "POINT", "TUBE", "POSITIVE", 0.0
    field.use_radial_max, field.radial_max, field.radial_falloff = True, radius, 0.0
    field.use_max_distance, field.distance_max = True, back + 1.5
    end = BB.PUSH_START + BB.PUSH_FRAMES
    BB._constant_keys(field, "strength", [(1, 0.0), (BB.PUSH_START, float(strength)), (end, 0.0)], obj)


def _linear(scene: dict[str, Any]) -> tuple[list, Any, float, tuple]:
    """Balls, crates or pucks on the ground; the first is pushed. Returns (bodies, target, radius, centre)."""
    bodies = []
    for i, o in enumerate(scene["objects"]):
        x, y = o["position"]
        rgb = colour(o["colour"])
        if o["kind"] == "ball":
            ball = {
                "kind": "soccer",
                "colour": o["colour"],
                "mass": MASS["soccer"],
                "position": [x, y],
                "yaw": o["yaw"],
            }
            obj = BB._ball(i, ball, pushed=i == 0)
        elif o["kind"] == "crate":
            obj = _box(f"crate_{i}", (0.7, 0.7, 0.7), (x, y, 0.35))
            _paint(obj, _patterned(f"crate_{i}", rgb, "planks", 3.0, 0.8))
            _rigid(obj, "ACTIVE", "BOX", mass=0.6, friction=0.3)
        else:
            obj = _cylinder(f"puck_{i}", 0.4, 0.2, (x, y, 0.1), segments=32)
            _paint(obj, _patterned(f"puck_{i}", rgb, "checker", 4.0, 0.3))
            _rigid(obj, "ACTIVE", "CYLINDER", mass=0.5, friction=0.15)
        obj.rotation_euler[2] = math.radians(o["yaw"])
        bodies.append(obj)
    first = scene["objects"][0]["position"]
    centre = (first[0], first[1], bodies[0].location.z)
    return bodies, bodies[0], [BALL_RADIUS, 0.35, 0.4][("ball", "crate", "puck").index(scene["kind"])], centre


def _frame(pivot, half_width: float = 1.8) -> None:
    """Two posts and a crossbar along X holding the pivot (passive scenery, no physics)."""
    wood = _material("frame", (0.35, 0.25, 0.18), 0.7)
    top = pivot[2] + 0.05
    for i, x in enumerate((-half_width, half_width)):
        post = _cylinder(f"post_{i}", 0.06, top, (x, pivot[1], top / 2.0), segments=12)
        _paint(post, wood)
    bar = _box("crossbar", (2 * half_width + 0.12, 0.1, 0.1), (0.0, pivot[1], top))
    _paint(bar, wood)


def _oscillatory(scene: dict[str, Any]) -> tuple[list, Any, float, tuple]:
    """A pendulum bob on a rod, or a punching bag on a chain, hanging from a POINT constraint."""
    o = scene["objects"][0]
    px, py, pz = o["pivot"]
    _frame(o["pivot"])
    anchor = _box("anchor", (0.12, 0.12, 0.12), (px, py, pz))
    _rigid(anchor, "PASSIVE", "BOX")
    anchor.hide_render = True
    metal = _material("rod", (0.6, 0.6, 0.62), 0.3, metallic=0.9)
    if scene["kind"] == "pendulum":
        radius = 0.3
        centre = (px, py, pz - o["length"])
        body = uv_sphere("bob", radius, 32, 16, centre)
        _paint(body, _material("bob", colour(o["colour"]), 0.25, metallic=0.4))
        _rigid(body, "ACTIVE", "SPHERE", mass=1.0, damping=0.05)
        rod = _cylinder("rod", 0.025, o["length"] - radius, (px, py, pz - (o["length"] - radius) / 2.0), 10)
    else:
        radius, height = 0.3, 1.1
        chain = 0.5
        centre = (px, py, pz - chain - height / 2.0)
        body = _cylinder("bag", radius, height, centre, segments=24)
        _paint(body, _patterned("bag", colour(o["colour"]), "bands", 2.5, 0.75))
        _rigid(body, "ACTIVE", "CYLINDER", mass=1.5, damping=0.05)
        rod = _cylinder("chain", 0.02, chain, (px, py, pz - chain / 2.0), 8)
    _paint(rod, metal)
    _parent(rod, body)
    _constraint("hinge", "POINT", (px, py, pz), anchor, body)
    return [body], body, radius, centre


def _stem(i: int, o: dict[str, Any]) -> list:
    """A plant-like stem: segments held upright by angular springs, a flower on top; [segments]."""
    bx, by, bz = o["base"]
    L, n = o["segment_length"], o["segments"]
    pot = _cylinder(f"pot_{i}", 0.18, 0.25, (bx, by, bz + 0.125), 16)
    _paint(pot, _material(f"pot_{i}", (0.55, 0.27, 0.15), 0.8))
    _rigid(pot, "PASSIVE", "CYLINDER")
    green = _material(f"stem_{i}", (0.18, 0.45, 0.12), 0.7)
    segments, below = [], pot
    for k in range(n):
        z0 = bz + 0.25 + k * L
        seg = _cylinder(f"stem_{i}_{k}", STEM_RADIUS, L, (bx, by, z0 + L / 2.0), 10)
        _paint(seg, green)
        _rigid(seg, "ACTIVE", "CYLINDER", mass=0.08, damping=0.3)
        rbc = _constraint(f"joint_{i}_{k}", "GENERIC_SPRING", (bx, by, z0), below, seg)
        rbc.spring_type = "SPRING2"
        for axis in "xyz":
            setattr(rbc, f"use_limit_lin_{axis}", True)
            setattr(rbc, f"limit_lin_{axis}_lower", 0.0)
            setattr(rbc, f"limit_lin_{axis}_upper", 0.0)
        rbc.use_limit_ang_z, rbc.limit_ang_z_lower, rbc.limit_ang_z_upper = True, 0.0, 0.0
        for axis in "xy":
            setattr(rbc, f"use_spring_ang_{axis}", True)
            setattr(rbc, f"spring_stiffness_ang_{axis}", o["stiffness"] * (1.0 - 0.6 * k / n))
            setattr(rbc, f"spring_damping_ang_{axis}", 0.4)
        segments.append(seg)
        below = seg
    flower = uv_sphere(f"flower_{i}", FLOWER_RADIUS, 16, 8, (bx, by, bz + 0.25 + n * L + 0.06))
    _paint(flower, _material(f"flower_{i}", colour(o["colour"]), 0.5))
    _parent(flower, segments[-1])
    return segments


def _tower(o: dict[str, Any]) -> list:
    s = o["size"]
    bx, by, _ = o["base"]
    blocks = []
    for k in range(o["blocks"]):
        block = _box(f"block_{k}", (s, s, s), (bx, by, s / 2.0 + k * (s + 0.001)))
        _paint(block, _material(f"block_{k}", colour(o["colours"][k]), 0.6))
        _rigid(block, "ACTIVE", "BOX", mass=0.4, friction=0.35)
        blocks.append(block)
    return blocks


def _complex(scene: dict[str, Any]) -> tuple[list, Any, float, tuple]:
    o = scene["objects"][0]
    if scene["kind"] == "stem":
        segments = _stem(0, o)
        target = segments[-1]
        return segments, target, STEM_RADIUS * 3, tuple(target.location)
    blocks = _tower(o)
    target = blocks[o["poked_block"]]
    return blocks, target, o["size"] / 2.0, tuple(target.location)


def _camera(camera: dict[str, Any]) -> bpy.types.Object:
    data = bpy.data.cameras.new("camera")
    data.lens, data.sensor_width, data.sensor_fit = camera["lens_mm"], camera["sensor_width_mm"], "HORIZONTAL"
    data.clip_end = 500.0
    obj = bpy.data.objects.new("camera", data)
    obj.location, obj.rotation_euler = camera["location"], camera["rotation_euler"]
    bpy.context.scene.collection.objects.link(obj)
    bpy.context.scene.camera = obj
    return obj


def _build_point(scene: dict[str, Any]):
    sc = bpy.context.scene
    BB._world(sc)
    bpy.ops.rigidbody.world_add()
    world = sc.rigidbody_world
    world.substeps_per_frame = STEM_SUBSTEPS if scene["kind"] == "stem" else BB.SUBSTEPS
    world.solver_iterations = 30
    world.point_cache.frame_start, world.point_cache.frame_end = 1, POINT_SIM_END
    BB._ground(scene["ground"])
    if scene["config"] == "mass-study":
        o = scene["objects"][0]
        ball = {
            "kind": o["ball_kind"],
            "colour": o["colour"],
            "mass": MASS[o["ball_kind"]],
            "position": o["position"],
            "yaw": o["yaw"],
        }
        target = BB._ball(0, ball, pushed=True)
        BB._force_field(ball, scene["angle_3d"], scene["strength_raw"])
        return [target], target, BALL_RADIUS
    build = {"linear": _linear, "oscillatory": _oscillatory, "complex": _complex}[scene["scene_type"]]
    bodies, target, radius, centre = build(scene)
    if scene["kind"] == "ball":  # the balls' own push, exactly as in training
        ball = {"position": scene["objects"][0]["position"]}
        BB._force_field(ball, scene["angle_3d"], scene["strength_raw"])
    else:
        _push(centre, scene["angle_3d"], scene["strength_raw"], radius=radius + 0.05)
    return bodies, target, radius


# --- wind scenes ------------------------------------------------------------------------------------


def _banner(i: int, o: dict[str, Any]):
    """A cloth sheet hanging from a bar (pinned along its top edge), turned by `yaw` so that a wind
    across the view meets its face."""
    nx, nz = 12, 15
    w, h = o["width"], o["height"]
    verts = [
        (w * (a / (nx - 1) - 0.5), 0.02 * math.sin(5.0 * a / (nx - 1)), -h * b / (nz - 1))
        for b in range(nz)
        for a in range(nx)
    ]
    faces = [
        (b * nx + a, (b + 1) * nx + a, (b + 1) * nx + a + 1, b * nx + a + 1)
        for b in range(nz - 1)
        for a in range(nx - 1)
    ]
    obj = _mesh(f"banner_{i}", verts, faces, (o["x"], o["y"], o["top"]))
    obj.rotation_euler[2] = math.radians(o["yaw"])
    _paint(obj, _material(f"banner_{i}", colour(o["colour"]), 0.85))
    pin = obj.vertex_groups.new(name="pin")
    pin.add(list(range(nx)), 1.0, "REPLACE")
    cloth = obj.modifiers.new("Cloth", "CLOTH")
    s = cloth.settings  # the flags' Cotton preset
    s.mass, s.quality = 0.3, 5
    s.tension_stiffness = s.compression_stiffness = 15.0
    s.shear_stiffness, s.bending_stiffness = 5.0, 0.5
    s.tension_damping = s.compression_damping = s.shear_damping = 5.0
    s.bending_damping, s.air_damping = 0.5, 1.0
    s.vertex_group_mass = "pin"
    s.effector_weights.wind = BANNER_WIND_WEIGHT
    cloth.collision_settings.use_collision = False
    cloth.point_cache.frame_start, cloth.point_cache.frame_end = 1, WIND_SIM_END
    solid = obj.modifiers.new("Solidify", "SOLIDIFY")
    solid.thickness, solid.show_viewport = 0.01, False
    wood = _material(f"bar_{i}", (0.35, 0.25, 0.18), 0.7)
    bar = _cylinder(f"bar_{i}", 0.04, w + 0.3, (o["x"], o["y"], o["top"] + 0.04), 12)
    bar.rotation_euler = (0.0, math.pi / 2, math.radians(o["yaw"]))
    _paint(bar, wood)
    a = math.radians(o["yaw"])
    for k, sign in enumerate((-1, 1)):
        x = o["x"] + sign * (w / 2 + 0.15) * math.cos(a)
        y = o["y"] + sign * (w / 2 + 0.15) * math.sin(a)
        post = _cylinder(f"banner_post_{i}_{k}", 0.04, o["top"] + 0.08, (x, y, (o["top"] + 0.08) / 2), 12)
        _paint(post, wood)
    return obj


def _floaters(scene: dict[str, Any]) -> list:
    """Balloons (spheres on a string) or leaves (thin plates) afloat: rigid bodies without gravity."""
    bodies = []
    for i, o in enumerate(scene["objects"]):
        rgb = colour(o["colour"])
        if o["kind"] == "balloons":
            body = uv_sphere(f"balloon_{i}", 0.28, 24, 12, o["position"])
            body.scale = (1.0, 1.0, 1.2)
            _paint(body, _material(f"balloon_{i}", rgb, 0.15))
            _rigid(body, "ACTIVE", "SPHERE", mass=0.05, damping=0.6)
            string = _cylinder(
                f"string_{i}", 0.006, 0.7, (o["position"][0], o["position"][1], o["position"][2] - 0.68), 6
            )
            _paint(string, _material(f"string_{i}", (0.9, 0.9, 0.9), 0.5))
            _parent(string, body)
        else:
            leaf = [
                (0.0, 0.36, 0.0),
                (0.18, 0.1, 0.0),
                (0.14, -0.2, 0.0),
                (0.0, -0.36, 0.0),
                (-0.14, -0.2, 0.0),
                (-0.18, 0.1, 0.0),
            ]
            body = _mesh(f"leaf_{i}", leaf, [(0, 1, 2, 3, 4, 5)], o["position"])
            body.rotation_euler = (
                math.radians(o["tilt"]),
                math.radians(o["tilt"] / 2),
                math.radians(o["yaw"]),
            )
            body.modifiers.new("Solidify", "SOLIDIFY").thickness = 0.01
            _paint(body, _material(f"leaf_{i}", rgb, 0.6))
            _rigid(body, "ACTIVE", "CONVEX_HULL", mass=0.04, damping=0.6)
        bodies.append(body)
    return bodies


def _cloud(scene: dict[str, Any]):
    """A cloud of particles (all born at frame 1, never dying, no gravity) that only the wind moves."""
    o = scene["objects"][0]
    sx, sy, sz = o["size"]
    emitter = _box("cloud", (sx, sy, sz), o["centre"])
    grain = uv_sphere("grain", 1.0, 8, 4, (0.0, 0.0, -50.0))
    smoke = scene["kind"] == "smoke"
    _paint(grain, _material("grain", (0.55, 0.55, 0.57) if smoke else (0.55, 0.38, 0.2), 0.9))
    modifier = emitter.modifiers.new("cloud", "PARTICLE_SYSTEM")
    system = modifier.particle_system
    system.seed = o["particle_seed"]
    p = system.settings
    p.count, p.frame_start, p.frame_end, p.lifetime = o["count"], 1, 1, 1000
    p.emit_from, p.distribution, p.use_emit_random = "VOLUME", "RAND", True
    p.normal_factor, p.factor_random, p.object_align_factor = 0.0, 0.0, (0.0, 0.0, 0.0)
    p.physics_type, p.mass, p.drag_factor, p.damping = "NEWTON", 1.0, 0.0, 0.04
    p.effector_weights.gravity = 0.0
    p.effector_weights.wind = WIND_WEIGHT["particles"]
    p.render_type, p.instance_object = "OBJECT", grain
    p.particle_size, p.size_random = (0.07 if smoke else 0.045), 0.5
    emitter.show_instancer_for_render = False
    system.point_cache.frame_start, system.point_cache.frame_end = 1, WIND_SIM_END
    return emitter


def _build_wind(scene: dict[str, Any]):
    """The wind scene's objects; returns a function giving every moving point's world position."""
    sc = bpy.context.scene
    build_sky(get_sky(scene["sky"]))
    kind = scene["kind"]
    if kind in ("plant", "balloons", "leaves"):
        bpy.ops.rigidbody.world_add()
        world = sc.rigidbody_world
        world.substeps_per_frame = STEM_SUBSTEPS if kind == "plant" else BB.SUBSTEPS
        world.solver_iterations = 30
        world.point_cache.frame_start, world.point_cache.frame_end = 1, WIND_SIM_END
        world.effector_weights.wind = PLANT_WIND_WEIGHT if kind == "plant" else WIND_WEIGHT["rigid"]
        if kind != "plant":
            world.effector_weights.gravity = 0.0
    wind = {"wind_angle_blender": scene["wind_angle_blender"], "strength_raw": scene["strength_raw"]}
    if kind == "flag":
        materials = (
            FB._principled("pole", (0.75, 0.75, 0.78), 0.35, 0.9),
            FB._principled("finial", (0.85, 0.7, 0.3), 0.25, 1.0),
        )
        cloths = []
        for i, flag in enumerate(scene["objects"]):
            pole = FB._add_pole(i, flag, materials)
            cloths.append(FB._add_flag(i, flag, pole.users_collection[0]))
        FB._drape(cloths)  # before the wind exists: the draping pass runs the whole timeline
        FB._add_wind(wind)
        return lambda depsgraph: np.concatenate([FB._world_coords(c, depsgraph) for c in cloths])
    FB._add_wind(wind)
    if kind == "banner":
        cloth = _banner(0, scene["objects"][0])
        return lambda depsgraph: FB._world_coords(cloth, depsgraph)
    if kind == "plant":
        tips = [_stem(i, o)[-1] for i, o in enumerate(scene["objects"])]
        return lambda depsgraph: np.array([_position(t, depsgraph) for t in tips])
    if kind in ("balloons", "leaves"):
        bodies = _floaters(scene)
        return lambda depsgraph: np.array([_position(b, depsgraph) for b in bodies])
    emitter = _cloud(scene)

    def particles(depsgraph) -> np.ndarray:
        system = emitter.evaluated_get(depsgraph).particle_systems[0]
        co = np.empty(len(system.particles) * 3, dtype=np.float64)
        system.particles.foreach_get("location", co)
        return co.reshape(-1, 3)

    return particles


def _position(obj, depsgraph) -> list[float]:
    return list(obj.evaluated_get(depsgraph).matrix_world.translation)


# --- rendering --------------------------------------------------------------------------------------


def _radius_px(sc, camera, centre, radius: float) -> float:
    """The on-screen radius of a sphere of `radius` at `centre` (horizontal extent, in pixels)."""
    right = np.array(camera.matrix_world)[:3, 0]
    a = to_pixels(sc, camera, centre)
    b = to_pixels(sc, camera, np.array(centre) + radius * right)
    return float(math.dist(a, b))


def render_benchmark_scene(
    scene: dict[str, Any], settings: dict[str, Any], frames_dir: str
) -> dict[str, Any]:
    """Build the scene, simulate it, render every `frame_step`-th frame of its 49-frame window to
    frames_dir/frame_0000.png.. and return the labels (module docstring)."""
    sc = bpy.context.scene
    BB._setup_render(sc, settings)
    wind = scene["config"] == "wind-benchmark"
    first = B.WIND_FIRST_FRAME if wind else B.POINT_FIRST_FRAME
    sim_end = WIND_SIM_END if wind else POINT_SIM_END
    sc.frame_start, sc.frame_end = 1, sim_end
    if wind:
        points_of = _build_wind(scene)
        camera = FB._add_camera(scene["camera"])
        target, radius = None, 0.0
    else:
        _bodies, target, radius = _build_point(scene)
        camera = _camera(scene["camera"])
    out_frames = list(range(first, sim_end + 1, int(settings["frame_step"])))
    track: list[list[float]] = []
    rest: np.ndarray | None = None
    start: list[float] = []
    out = Path(frames_dir)
    for frame in range(1, sim_end + 1):  # in order: the caches fill step by step
        sc.frame_set(frame)
        if frame not in out_frames:
            continue
        depsgraph = bpy.context.evaluated_depsgraph_get()
        if wind:
            points = points_of(depsgraph)
            if rest is None:
                rest = points
            moved = np.linalg.norm(points - rest, axis=1) > 1e-4
            centre = points[moved].mean(axis=0) if moved.any() and frame > first else rest.mean(axis=0)
            track.append([round(v, 4) for v in to_pixels(sc, camera, centre)])
        else:
            where = _position(target, depsgraph)
            start = start or where
            track.append([round(v, 4) for v in to_pixels(sc, camera, where)])
        write_frame(sc, out / f"frame_{out_frames.index(frame):04d}.png")
    width, height = sc.render.resolution_x, sc.render.resolution_y
    # the farthest frame where the track is still on screen (a body may fly out of view)
    distances = [math.dist(track[0], p) if 0 <= p[0] < width and 0 <= p[1] < height else -1.0 for p in track]
    far = int(np.argmax(distances))
    labels: dict[str, Any] = {
        "frames": out_frames,
        "track_px": track,
        "angle": round(screen_angle(track[0], track[far]), 4) if distances[far] > 0 else 0.0,
        "displacement_px": round(max(distances[far], 0.0), 4),
        "camera": {
            "location": [round(float(v), 6) for v in camera.location],
            "rotation_euler": [round(float(v), 6) for v in camera.rotation_euler],
            "lens_mm": float(camera.data.lens),
            "sensor_width_mm": float(camera.data.sensor_width),
        },
    }
    if wind:
        centre = rest.mean(axis=0)
        tip = centre + 0.5 * np.array(wind_direction(scene["wind_angle_blender"]))
        labels["wind_screen_direction"] = round(
            screen_angle(to_pixels(sc, camera, centre), to_pixels(sc, camera, tip)), 4
        )
    else:
        labels["poke_px"] = track[0]
        labels["target_radius_px"] = round(_radius_px(sc, camera, start, radius), 4)
    return labels
