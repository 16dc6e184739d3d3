"""Procedural ground materials for the rolling-balls scene (pure: no bpy).

The original used 42 downloaded photo textures; we describe >= 40 procedural ones by a recipe
`kind` (which shader-node graph `grounds_blender.build_ground_material` wires) plus colours and
pattern parameters. Coordinates are world units on the ground plane (a ball has radius 0.35), so
`scale` is the pattern frequency per world unit.
"""

from dataclasses import dataclass

RGB = tuple[float, float, float]

KINDS = (
    "noise",  # noise -> colour ramp (dirt, sand, asphalt, concrete, snow)
    "grass",  # fine noise + Voronoi clumps in greens
    "cobble",  # Voronoi cells with grout at the cell edges, per-stone colour
    "gravel",  # small Voronoi cells, random colour per pebble, bumpy
    "cracked",  # noise base with dark Voronoi-edge cracks (dry mud, old asphalt)
    "brick",  # running-bond brick texture with mortar
    "tiles",  # brick texture with zero offset: square tiles with grout
    "checker",  # checker board with grime
    "wood",  # wave bands with distortion (planks, decking)
    "ripples",  # wave bands as sand ripples, strong bump
    "marble",  # wave texture with high distortion, veined stone
    "magic",  # magic texture pattern (rubber mats, mosaics, carpets)
)


@dataclass(frozen=True)
class Ground:
    """One ground material: name, caption and the parameters of its node graph.

    colours: sRGB in [0, 1]; their meaning depends on `kind` (e.g. for "cobble": grout, stone a,
    stone b; for "brick"/"tiles": mortar, colour a, colour b; otherwise ramp stops, dark first).
    """

    name: str
    caption: str
    kind: str
    colours: tuple[RGB, ...]
    scale: float
    detail: float = 4.0
    distortion: float = 0.0
    bump: float = 0.2
    roughness: float = 0.8


def _hex(code: str) -> RGB:
    return (int(code[0:2], 16) / 255.0, int(code[2:4], 16) / 255.0, int(code[4:6], 16) / 255.0)


def _g(name: str, caption: str, kind: str, hexes: str, scale: float, **kw: float) -> Ground:
    return Ground(name, caption, kind, tuple(_hex(h) for h in hexes.split()), scale, **kw)


GROUNDS: tuple[Ground, ...] = (
    # noise: soils, sand, asphalt, concrete, snow
    _g("brown_dirt", "dry brown dirt with small clumps", "noise", "4a3222 8a6446", 3.0, detail=8, bump=0.3),
    _g(
        "dark_soil",
        "dark damp garden soil",
        "noise",
        "1e140e 4b3526",
        5.0,
        detail=10,
        bump=0.4,
        roughness=0.9,
    ),
    _g("red_clay", "reddish clay earth", "noise", "7a3018 b8643a", 2.0, detail=6, distortion=0.5, bump=0.2),
    _g("beach_sand", "fine pale beach sand", "noise", "c9b48a efe0b8", 12.0, detail=12, bump=0.1),
    _g(
        "desert_sand", "orange desert sand", "noise", "b86d32 e0a060", 1.5, detail=5, distortion=1.0, bump=0.1
    ),
    _g("asphalt", "dark grey asphalt road surface", "noise", "1c1c1e 4a4a4e", 40.0, detail=14, bump=0.3),
    _g(
        "concrete",
        "smooth light grey concrete floor",
        "noise",
        "8c8c88 b4b4ae",
        1.2,
        detail=6,
        bump=0.05,
        roughness=0.6,
    ),
    _g("fresh_snow", "fresh white snow", "noise", "c8d2e0 fafcff", 2.5, detail=4, bump=0.15, roughness=0.5),
    _g(
        "peat_moss",
        "spongy brown peat moss",
        "noise",
        "3b2a12 6a5a20 4f6a2a",
        6.0,
        detail=9,
        distortion=2.0,
        bump=0.4,
    ),
    _g("volcanic_ash", "black volcanic ash ground", "noise", "0e0e0e 2e2a28", 8.0, detail=12, bump=0.35),
    # grass
    _g("lawn", "short green lawn grass", "grass", "1d4a12 4f9a2a", 30.0, detail=10, bump=0.3),
    _g("dry_grass", "dry yellowed grass", "grass", "6b5a22 c0a858", 25.0, detail=10, bump=0.3),
    _g("meadow", "lush meadow grass with darker patches", "grass", "0f3a10 3f8f30 7fbf40", 18.0, bump=0.35),
    _g(
        "forest_floor",
        "forest floor with moss and fallen needles",
        "grass",
        "2a2412 5a4a22 3a5a1a",
        12.0,
        bump=0.4,
    ),
    # cobble
    _g("grey_cobblestones", "weathered grey cobblestones", "cobble", "2a2a2a 7a7a76 9c9a94", 2.5, bump=0.6),
    _g(
        "sandstone_pavers", "rounded sandstone paving stones", "cobble", "5a4a3a c8a878 e0c89a", 1.5, bump=0.5
    ),
    _g(
        "river_rocks",
        "smooth river rocks set in dark mortar",
        "cobble",
        "1a1a1a 6a6e72 a8a090",
        4.0,
        bump=0.7,
    ),
    _g("red_cobbles", "old red stone cobbles", "cobble", "3a2a24 8a3a2a b0604a", 3.0, bump=0.6),
    _g("flagstones", "large irregular slate flagstones", "cobble", "1c1c20 3a4048 5a6470", 0.8, bump=0.4),
    # gravel
    _g("grey_gravel", "loose grey gravel", "gravel", "3a3a3a 8a8a86 b8b8b0", 14.0, bump=0.8),
    _g("pea_gravel", "colourful pea gravel", "gravel", "6a5038 b09070 d8c8a8", 20.0, bump=0.7),
    _g("crushed_brick", "crushed red brick chippings", "gravel", "5a2010 a04028 c87850", 12.0, bump=0.8),
    _g("white_pebbles", "white decorative pebbles", "gravel", "a8a8a0 e0e0d8 ffffff", 9.0, bump=0.6),
    # cracked
    _g("cracked_mud", "dry cracked mud", "cracked", "2a1a10 9a7a58 b89870", 1.8, bump=0.5),
    _g("cracked_asphalt", "old cracked asphalt", "cracked", "0a0a0a 3a3a3c 505054", 1.2, bump=0.4),
    _g("salt_flat", "white cracked salt flat", "cracked", "8a8478 e8e4dc f4f2ee", 0.9, bump=0.3),
    _g(
        "lava_crust",
        "black lava crust with glowing orange cracks",
        "cracked",
        "ff5a10 1a1414 2a2220",
        1.5,
        bump=0.5,
    ),
    # brick
    _g("red_brick", "red brick pavement", "brick", "b0a898 8a2e1e a64630", 2.0, bump=0.4),
    _g("yellow_brick", "yellow brick road", "brick", "8a7a5a d8b040 e8c860", 1.6, bump=0.4),
    _g("grey_pavers", "grey concrete paver blocks", "brick", "4a4a48 8a8a86 9e9e98", 1.2, bump=0.3),
    _g("dark_brick", "dark brown clinker bricks", "brick", "6a6258 3a2218 4e2e20", 2.4, bump=0.4),
    # tiles
    _g(
        "white_tiles",
        "white ceramic floor tiles",
        "tiles",
        "6a6a6a e8e8e4 f4f4f0",
        1.0,
        bump=0.2,
        roughness=0.2,
    ),
    _g(
        "terracotta_tiles",
        "terracotta floor tiles",
        "tiles",
        "c8b8a0 b0502a c4643a",
        0.9,
        bump=0.25,
        roughness=0.5,
    ),
    _g(
        "blue_mosaic",
        "small blue mosaic tiles",
        "tiles",
        "d8d8d8 1a4a9a 3a7ac8",
        6.0,
        bump=0.2,
        roughness=0.3,
    ),
    _g(
        "green_tiles",
        "glossy green bathroom tiles",
        "tiles",
        "f0f0f0 1a6a4a 2a8a5a",
        2.0,
        bump=0.2,
        roughness=0.15,
    ),
    # checker
    _g(
        "chess_floor",
        "black and white checkered floor",
        "checker",
        "101010 e8e8e8",
        0.5,
        bump=0.05,
        roughness=0.3,
    ),
    _g(
        "red_checker",
        "red and cream checkered picnic cloth",
        "checker",
        "b01818 f0e8d0",
        1.2,
        bump=0.05,
        roughness=0.9,
    ),
    _g(
        "blue_checker",
        "blue and white checkered tiles",
        "checker",
        "1a3a8a e0e8f0",
        0.8,
        bump=0.05,
        roughness=0.4,
    ),
    # wood
    _g(
        "oak_planks",
        "light oak wooden planks",
        "wood",
        "8a5a2a c8945a",
        0.6,
        detail=3,
        distortion=4.0,
        bump=0.1,
        roughness=0.5,
    ),
    _g(
        "walnut_deck",
        "dark walnut wooden deck",
        "wood",
        "2a160a 6a4020",
        0.8,
        detail=3,
        distortion=6.0,
        bump=0.15,
        roughness=0.6,
    ),
    _g(
        "weathered_wood",
        "grey weathered wooden boards",
        "wood",
        "4a4640 9a948a",
        0.5,
        detail=6,
        distortion=8.0,
        bump=0.3,
    ),
    # ripples
    _g("sand_ripples", "rippled sand dunes", "ripples", "a87a48 e0b880", 1.2, distortion=1.5, bump=0.8),
    _g(
        "tidal_flat",
        "wet rippled tidal sand",
        "ripples",
        "5a5040 8a7c60",
        2.0,
        distortion=2.5,
        bump=0.6,
        roughness=0.3,
    ),
    # marble
    _g(
        "white_marble",
        "polished white marble with grey veins",
        "marble",
        "5a5a60 e8e8e8 fafafa",
        0.4,
        detail=8,
        distortion=12.0,
        bump=0.02,
        roughness=0.1,
    ),
    _g(
        "green_marble",
        "dark green marble",
        "marble",
        "0a2a1a 2a6a4a d0e0d0",
        0.5,
        detail=8,
        distortion=10.0,
        bump=0.02,
        roughness=0.1,
    ),
    _g(
        "pink_granite",
        "pink granite slab",
        "marble",
        "4a3a3a c08a80 e8c0b8",
        1.5,
        detail=12,
        distortion=20.0,
        bump=0.05,
        roughness=0.3,
    ),
    # magic
    _g(
        "rubber_mat",
        "red rubber playground mat",
        "magic",
        "6a0e0e c83030",
        1.0,
        detail=3,
        distortion=1.5,
        bump=0.2,
        roughness=0.9,
    ),
    _g(
        "persian_carpet",
        "ornate persian carpet",
        "magic",
        "3a0a12 a02828 d8b060",
        0.7,
        detail=5,
        distortion=3.0,
        bump=0.1,
        roughness=1.0,
    ),
    _g(
        "teal_carpet",
        "patterned teal carpet",
        "magic",
        "0a2a30 1a8a8a a0e0d8",
        1.4,
        detail=4,
        distortion=2.0,
        bump=0.1,
        roughness=1.0,
    ),
)

GROUND_NAMES: tuple[str, ...] = tuple(g.name for g in GROUNDS)
_BY_NAME = {g.name: g for g in GROUNDS}


def ground(name: str) -> Ground:
    """The ground called `name` (KeyError for an unknown name)."""
    return _BY_NAME[name]
