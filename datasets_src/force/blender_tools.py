"""What both Blender scenes (balls, flags) build and render with (imports bpy).

Render settings that make frames repeat byte for byte, writing a frame, projecting a world point
to pixels, the on-screen angle between two pixels, and a UV sphere built in a fixed order.
Pixels: origin bottom-left, x right, y up, pixel centres at integers, (0, 0)..(W - 1, H - 1);
angles in degrees in [0, 360), 0 = right, 90 = up.
"""

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bpy
from bpy_extras.object_utils import world_to_camera_view
from mathutils import Vector

from synthsuite.datasets_src.force.video import SCENE_FPS

ENGINES = {"cycles": "CYCLES", "eevee": "BLENDER_EEVEE", "workbench": "BLENDER_WORKBENCH"}


def configure_render(scene: bpy.types.Scene, settings: dict[str, Any]) -> None:
    """Engine, resolution, a fixed thread count, 8-bit RGB PNG frames and no metadata stamps;
    Cycles on the CPU with a fixed seed, no denoiser and no adaptive sampling."""
    engine = settings["engine"]
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    r = scene.render
    r.engine = ENGINES[engine]
    r.resolution_x, r.resolution_y, r.resolution_percentage = settings["width"], settings["height"], 100
    r.fps = SCENE_FPS
    r.threads_mode, r.threads = "FIXED", int(settings["threads"])
    r.use_persistent_data = True  # keep the synced scene (BVH, world) between frames
    r.image_settings.file_format = "PNG"
    r.image_settings.color_mode, r.image_settings.color_depth = "RGB", "8"
    for prop in r.bl_rna.properties:  # no date / render-time metadata
        if prop.identifier.startswith("use_stamp"):
            setattr(r, prop.identifier, False)
    if engine == "cycles":
        c = scene.cycles
        c.device, c.samples, c.seed, c.use_animated_seed = "CPU", int(settings["samples"]), 0, False
        c.use_denoising, c.use_adaptive_sampling = False, False
    elif engine == "eevee":
        scene.eevee.taa_render_samples = int(settings["samples"])
    else:
        scene.display.shading.light, scene.display.shading.color_type = "STUDIO", "MATERIAL"


def write_frame(scene: bpy.types.Scene, path: Path) -> None:
    """Render the current frame to `path` as a PNG holding only its critical chunks: Cycles writes
    its render times as text chunks whatever the stamp settings, which would make identical
    renders differ byte for byte."""
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    data = path.read_bytes()
    kept, pos = [data[:8]], 8
    while pos < len(data):
        end = pos + 12 + int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 5].isupper():  # a critical chunk: IHDR, PLTE, IDAT, IEND
            kept.append(data[pos:end])
        pos = end
    path.write_bytes(b"".join(kept))


def to_pixels(scene: bpy.types.Scene, camera: bpy.types.Object, point: Sequence[float]) -> list[float]:
    """A world point's pixel coordinates through `camera`."""
    co = world_to_camera_view(scene, camera, Vector(point))
    return [co.x * scene.render.resolution_x - 0.5, co.y * scene.render.resolution_y - 0.5]


def screen_angle(start: Sequence[float], end: Sequence[float]) -> float:
    """The on-screen direction from pixel `start` to pixel `end`."""
    return math.degrees(math.atan2(end[1] - start[1], end[0] - start[0])) % 360.0


def uv_sphere(
    name: str, radius: float, segments: int, rings: int, location: tuple[float, float, float]
) -> bpy.types.Object:
    """A smooth-shaded UV sphere (poles on Z), linked to the scene, its mesh built here in a fixed
    vertex, face and corner order.

    Not `bpy.ops.mesh.primitive_uv_sphere_add`: in Blender 5.0.1 it gives the same vertices but
    its faces and their corners in a different order on every call (measured), so Cycles split
    the quads along other diagonals and interpolated other normals, and renders of the same scene
    differed by 1/255 in a few pixels on and around the balls (and the flags' finials)."""
    verts = [(0.0, 0.0, radius)]
    for i in range(1, rings):
        phi = math.pi * i / rings
        for j in range(segments):
            theta = 2.0 * math.pi * j / segments  # from +Y, counter-clockwise seen from above
            ring = radius * math.sin(phi)
            verts.append((-ring * math.sin(theta), ring * math.cos(theta), radius * math.cos(phi)))
    verts.append((0.0, 0.0, -radius))
    bottom = len(verts) - 1

    def v(i: int, j: int) -> int:  # ring i in 1..rings-1, segment j (wraps)
        return 1 + (i - 1) * segments + j % segments

    faces = [(0, v(1, j), v(1, j + 1)) for j in range(segments)]  # outward (counter-clockwise)
    for i in range(1, rings - 1):
        faces += [(v(i, j), v(i + 1, j), v(i + 1, j + 1), v(i, j + 1)) for j in range(segments)]
    faces += [(bottom, v(rings - 1, j + 1), v(rings - 1, j)) for j in range(segments)]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts, [], faces)
    mesh.shade_smooth()
    mesh.update()
    obj = bpy.data.objects.new(name, mesh)
    obj.location = location
    bpy.context.scene.collection.objects.link(obj)
    return obj
