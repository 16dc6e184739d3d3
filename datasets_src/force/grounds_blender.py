"""Shader-node graphs for the procedural grounds of `grounds.py` (imports bpy).

Every graph maps world-unit object coordinates of the ground plane through a pattern (noise,
Voronoi, brick, checker, wave, magic) to a base colour, a bump height and a roughness.
"""

import bpy

from synthsuite.datasets_src.force.grounds import Ground
from synthsuite.datasets_src.force.palette import linear_rgba


class _Graph:
    """A tiny helper over a node tree: add nodes with inputs set, link sockets."""

    def __init__(self, material: bpy.types.Material) -> None:
        material.use_nodes = True
        self.tree = material.node_tree
        self.tree.nodes.clear()

    def node(self, kind: str, inputs: dict | None = None, **props: object) -> bpy.types.Node:
        node = self.tree.nodes.new(kind)
        for name, value in props.items():
            setattr(node, name, value)
        for name, value in (inputs or {}).items():
            node.inputs[name].default_value = value
        return node

    def link(self, out: bpy.types.NodeSocket, into: bpy.types.NodeSocket) -> None:
        self.tree.links.new(out, into)

    def ramp(self, fac: bpy.types.NodeSocket, stops: list[tuple[float, tuple]]) -> bpy.types.NodeSocket:
        node = self.node("ShaderNodeValToRGB")
        elements = node.color_ramp.elements
        while len(elements) < len(stops):
            elements.new(0.5)
        for element, (position, rgba) in zip(elements, stops, strict=True):
            element.position, element.color = position, rgba
        self.link(fac, node.inputs["Fac"])
        return node.outputs["Color"]

    def mix(self, fac: bpy.types.NodeSocket | float, a, b, blend: str = "MIX") -> bpy.types.NodeSocket:
        """Mix colours a and b (sockets or RGBA tuples) by fac."""
        node = self.node("ShaderNodeMix", data_type="RGBA", blend_type=blend)
        sockets = [s for s in node.inputs if s.type == "RGBA"]
        for socket, value in zip(sockets[:2], (a, b), strict=True):
            if isinstance(value, tuple):
                socket.default_value = value
            else:
                self.link(value, socket)
        fac_socket = node.inputs["Factor"]
        if isinstance(fac, float):
            fac_socket.default_value = fac
        else:
            self.link(fac, fac_socket)
        return next(s for s in node.outputs if s.type == "RGBA")

    def noise(self, vector, scale: float, detail: float = 4.0, distortion: float = 0.0, roughness=0.5):
        node = self.node(
            "ShaderNodeTexNoise",
            {"Scale": scale, "Detail": detail, "Distortion": distortion, "Roughness": roughness},
        )
        self.link(vector, node.inputs["Vector"])
        return node

    def voronoi(self, vector, scale: float, feature: str = "F1", randomness: float = 1.0):
        node = self.node("ShaderNodeTexVoronoi", {"Scale": scale, "Randomness": randomness}, feature=feature)
        self.link(vector, node.inputs["Vector"])
        return node


def _stops(colours: tuple, positions: tuple[float, ...] = (0.25, 0.75)) -> list[tuple[float, tuple]]:
    if len(colours) == 2:
        return [(positions[0], linear_rgba(colours[0])), (positions[1], linear_rgba(colours[1]))]
    return [(0.2, linear_rgba(colours[0])), (0.5, linear_rgba(colours[1])), (0.8, linear_rgba(colours[2]))]


def _pattern(g: _Graph, ground: Ground, vector) -> tuple:
    """(colour socket, height socket) of the ground's pattern."""
    c = ground.colours
    s, det, dist = ground.scale, ground.detail, ground.distortion
    if ground.kind == "noise":
        n = g.noise(vector, s, det, dist, roughness=0.6)
        return g.ramp(n.outputs["Fac"], _stops(c, (0.35, 0.65))), n.outputs["Fac"]
    if ground.kind == "grass":
        blades = g.noise(vector, s, 12.0, 0.0, roughness=0.8)
        clumps = g.voronoi(vector, s / 6.0)
        base = g.ramp(blades.outputs["Fac"], _stops(c[:2], (0.3, 0.7)))
        colour = g.mix(
            clumps.outputs["Distance"], base, linear_rgba(c[-1]) if len(c) > 2 else base, "OVERLAY"
        )
        return colour, blades.outputs["Fac"]
    if ground.kind in ("cobble", "gravel", "cracked"):
        cells = g.voronoi(vector, s)
        edges = g.voronoi(vector, s, feature="DISTANCE_TO_EDGE")
        if ground.kind == "cracked":
            base = g.ramp(g.noise(vector, s * 3.0, 6.0, 0.5).outputs["Fac"], _stops(c[1:], (0.3, 0.7)))
            crack = g.ramp(edges.outputs["Distance"], [(0.0, (1, 1, 1, 1)), (0.04, (0, 0, 0, 1))])
            return g.mix(crack, base, linear_rgba(c[0])), edges.outputs["Distance"]
        per_cell = g.node("ShaderNodeRGBToBW")
        g.link(cells.outputs["Color"], per_cell.inputs["Color"])
        stone = g.ramp(per_cell.outputs["Val"], [(0.0, linear_rgba(c[1])), (1.0, linear_rgba(c[2]))])
        grime = g.noise(vector, s * 4.0, 8.0).outputs["Fac"]
        stone = g.mix(0.3, stone, g.ramp(grime, _stops(c[1:], (0.3, 0.7))), "MULTIPLY")
        width = 0.08 if ground.kind == "cobble" else 0.25
        grout = g.ramp(edges.outputs["Distance"], [(0.0, (1, 1, 1, 1)), (width, (0, 0, 0, 1))])
        height = g.ramp(edges.outputs["Distance"], [(0.0, (0, 0, 0, 1)), (width * 2, (1, 1, 1, 1))])
        return g.mix(grout, stone, linear_rgba(c[0])), height
    if ground.kind in ("brick", "tiles"):
        tiles = ground.kind == "tiles"
        node = g.node(
            "ShaderNodeTexBrick",
            {
                "Color1": linear_rgba(c[1]),
                "Color2": linear_rgba(c[2]),
                "Mortar": linear_rgba(c[0]),
                "Scale": s,
                "Mortar Size": 0.015 if tiles else 0.02,
                "Brick Width": 0.5,
                "Row Height": 0.5 if tiles else 0.25,
                "Bias": 0.0,
            },
            offset=0.0 if tiles else 0.5,
        )
        g.link(vector, node.inputs["Vector"])
        dirt = g.noise(vector, s * 8.0, 6.0).outputs["Fac"]
        colour = g.mix(
            0.25,
            node.outputs["Color"],
            g.ramp(dirt, [(0.3, (0.6, 0.6, 0.6, 1)), (0.7, (1, 1, 1, 1))]),
            "MULTIPLY",
        )
        return colour, g.ramp(node.outputs["Fac"], [(0.0, (1, 1, 1, 1)), (1.0, (0, 0, 0, 1))])
    if ground.kind == "checker":
        node = g.node(
            "ShaderNodeTexChecker", {"Color1": linear_rgba(c[0]), "Color2": linear_rgba(c[1]), "Scale": s}
        )
        g.link(vector, node.inputs["Vector"])
        grime = g.ramp(
            g.noise(vector, 3.0, 8.0).outputs["Fac"], [(0.3, (0.7, 0.7, 0.7, 1)), (0.7, (1, 1, 1, 1))]
        )
        return g.mix(0.6, node.outputs["Color"], grime, "MULTIPLY"), node.outputs["Fac"]
    if ground.kind in ("wood", "ripples", "marble"):
        node = g.node(
            "ShaderNodeTexWave",
            {"Scale": s, "Distortion": dist, "Detail": det, "Detail Scale": 1.5},
            wave_type="BANDS",
            bands_direction="X" if ground.kind != "ripples" else "Y",
            wave_profile="SAW" if ground.kind == "wood" else "SIN",
        )
        if ground.kind == "wood":  # stretch along the planks
            mapping = g.node("ShaderNodeMapping", {"Scale": (1.0, 0.15, 1.0)})
            g.link(vector, mapping.inputs["Vector"])
            vector = mapping.outputs["Vector"]
        g.link(vector, node.inputs["Vector"])
        if ground.kind == "marble":  # thin dark veins on a light stone
            stops = [(0.0, linear_rgba(c[0])), (0.1, linear_rgba(c[1])), (1.0, linear_rgba(c[2]))]
        else:
            stops = _stops(c, (0.1, 0.9) if ground.kind == "wood" else (0.3, 0.7))
        return g.ramp(node.outputs["Fac"], stops), node.outputs["Fac"]
    if ground.kind == "magic":
        node = g.node("ShaderNodeTexMagic", {"Scale": s, "Distortion": dist}, turbulence_depth=int(det))
        g.link(vector, node.inputs["Vector"])
        return g.ramp(node.outputs["Fac"], _stops(c, (0.3, 0.7))), node.outputs["Fac"]
    raise ValueError(f"unknown ground kind {ground.kind!r}")


def build_ground_material(ground: Ground) -> bpy.types.Material:
    """A new material for `ground` (object coordinates = world units on an unscaled plane)."""
    material = bpy.data.materials.new(f"ground_{ground.name}")
    g = _Graph(material)
    coords = g.node("ShaderNodeTexCoord")
    colour, height = _pattern(g, ground, coords.outputs["Object"])
    bsdf = g.node("ShaderNodeBsdfPrincipled", {"Roughness": ground.roughness})
    bump = g.node("ShaderNodeBump", {"Strength": ground.bump, "Distance": 0.05})
    output = g.node("ShaderNodeOutputMaterial")
    g.link(colour, bsdf.inputs["Base Color"])
    g.link(height, bump.inputs["Height"])
    g.link(bump.outputs["Normal"], bsdf.inputs["Normal"])
    g.link(bsdf.outputs["BSDF"], output.inputs["Surface"])
    # Workbench shows the viewport colour: the mean of the ground's colours.
    mean = [sum(col[i] for col in ground.colours) / len(ground.colours) for i in range(3)]
    material.diffuse_color = linear_rgba(tuple(mean))
    material.roughness = ground.roughness
    return material
