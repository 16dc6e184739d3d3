"""Build a `skies.Sky` in Blender: the world (Sky texture) and a ground plane (imports bpy)."""

import math

import bpy

from synthsuite.datasets_src.force.palette import linear_rgba
from synthsuite.datasets_src.force.skies import Sky

GROUND_SIZE = 4000.0  # metres: its edge sits 0.05 degrees below the horizon, so no sky shows under it


def sun_direction(elevation_deg: float, azimuth_deg: float) -> tuple[float, float, float]:
    """Unit vector towards the sun (world Z up), for the Preetham/Hosek-Wilkie models."""
    el, az = math.radians(elevation_deg), math.radians(azimuth_deg)
    return (math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el))


def build_world(sky: Sky) -> bpy.types.World:
    """A world whose background (and so the lighting) is Blender's Sky texture."""
    atm = sky.atmosphere
    world = bpy.data.worlds.new(sky.name)
    bpy.context.scene.world = world
    nodes, links = world.node_tree.nodes, world.node_tree.links
    nodes.clear()
    tex = nodes.new("ShaderNodeTexSky")
    tex.sky_type = atm.sky_type
    if atm.sky_type in ("MULTIPLE_SCATTERING", "SINGLE_SCATTERING"):
        tex.sun_elevation = math.radians(atm.sun_elevation)
        tex.sun_rotation = math.radians(sky.sun_azimuth)
        tex.air_density = atm.air
        tex.aerosol_density = atm.aerosol
        tex.ozone_density = atm.ozone
        tex.altitude = atm.altitude
        tex.sun_disc = True
    else:
        tex.sun_direction = sun_direction(atm.sun_elevation, sky.sun_azimuth)
        tex.turbidity = atm.turbidity
        tex.ground_albedo = sum(sky.ground.colour_a) / 3.0
    background = nodes.new("ShaderNodeBackground")
    background.inputs["Strength"].default_value = atm.strength
    out = nodes.new("ShaderNodeOutputWorld")
    links.new(tex.outputs["Color"], background.inputs["Color"])
    links.new(background.outputs["Background"], out.inputs["Surface"])
    return world


def build_ground(sky: Sky) -> bpy.types.Object:
    """A large plane at z = 0 with a two-colour noise material."""
    g = sky.ground
    mesh = bpy.data.meshes.new("ground")
    h = GROUND_SIZE / 2.0
    mesh.from_pydata([(-h, -h, 0.0), (h, -h, 0.0), (h, h, 0.0), (-h, h, 0.0)], [], [(0, 1, 2, 3)])
    obj = bpy.data.objects.new("ground", mesh)
    bpy.context.scene.collection.objects.link(obj)
    mat = bpy.data.materials.new(f"ground_{g.name}")
    nodes, links = mat.node_tree.nodes, mat.node_tree.links
    bsdf = nodes["Principled BSDF"]
    noise = nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = g.noise_scale
    noise.inputs["Detail"].default_value = 6.0
    mix = nodes.new("ShaderNodeMix")
    mix.data_type = "RGBA"
    mix.inputs["A"].default_value = linear_rgba(g.colour_a)
    mix.inputs["B"].default_value = linear_rgba(g.colour_b)
    links.new(noise.outputs["Fac"], mix.inputs["Factor"])
    links.new(mix.outputs["Result"], bsdf.inputs["Base Color"])
    bsdf.inputs["Roughness"].default_value = g.roughness
    mesh.materials.append(mat)
    return obj


def build_sky(sky: Sky) -> None:
    """World + ground for one sky, in the current (freshly reset) scene."""
    build_world(sky)
    build_ground(sky)
