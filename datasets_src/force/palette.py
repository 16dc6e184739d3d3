"""A palette of named sRGB colours shared by the ball and flag scenes.

Colours are sRGB floats in [0, 1] (what a caption's colour name describes); Blender wants linear
values, so the *_blender modules convert with `srgb_to_linear`.
"""

_HEX = (
    ("black", "0b0b0b"),
    ("charcoal", "36454f"),
    ("graphite", "4b4e53"),
    ("slate grey", "708090"),
    ("grey", "808080"),
    ("silver", "c0c0c0"),
    ("light grey", "d3d3d3"),
    ("white", "f5f5f5"),
    ("ivory", "fffff0"),
    ("cream", "fffdd0"),
    ("beige", "e8dcc0"),
    ("tan", "d2b48c"),
    ("khaki", "c3b091"),
    ("sand", "c2b280"),
    ("wheat", "f5deb3"),
    ("camel", "c19a6b"),
    ("brown", "8b4513"),
    ("chocolate", "5c3317"),
    ("coffee", "6f4e37"),
    ("mahogany", "6a1b0e"),
    ("chestnut", "954535"),
    ("rust", "b7410e"),
    ("copper", "b87333"),
    ("bronze", "cd7f32"),
    ("sienna", "a0522d"),
    ("terracotta", "e2725b"),
    ("brick red", "cb4154"),
    ("maroon", "800000"),
    ("burgundy", "800020"),
    ("wine", "722f37"),
    ("crimson", "dc143c"),
    ("red", "e01010"),
    ("scarlet", "ff2400"),
    ("cherry", "de3163"),
    ("ruby", "9b111e"),
    ("tomato", "ff6347"),
    ("coral", "ff7f50"),
    ("salmon", "fa8072"),
    ("peach", "ffcba4"),
    ("apricot", "fbceb1"),
    ("orange", "ff8c00"),
    ("tangerine", "f28500"),
    ("pumpkin", "ff7518"),
    ("amber", "ffbf00"),
    ("gold", "ffd700"),
    ("mustard", "ffdb58"),
    ("yellow", "ffee00"),
    ("lemon", "fff44f"),
    ("canary yellow", "ffff99"),
    ("butter", "fffacd"),
    ("olive", "808000"),
    ("olive drab", "6b8e23"),
    ("moss green", "8a9a5b"),
    ("sage", "9caf88"),
    ("chartreuse", "7fff00"),
    ("lime", "32cd32"),
    ("light green", "90ee90"),
    ("mint", "98ff98"),
    ("green", "1e9e1e"),
    ("kelly green", "4cbb17"),
    ("emerald", "50c878"),
    ("jade", "00a86b"),
    ("forest green", "228b22"),
    ("dark green", "013220"),
    ("hunter green", "355e3b"),
    ("army green", "4b5320"),
    ("sea green", "2e8b57"),
    ("teal", "008080"),
    ("turquoise", "40e0d0"),
    ("aquamarine", "7fffd4"),
    ("cyan", "00e5ee"),
    ("aqua", "00ffff"),
    ("sky blue", "87ceeb"),
    ("baby blue", "89cff0"),
    ("powder blue", "b0e0e6"),
    ("light blue", "add8e6"),
    ("cornflower blue", "6495ed"),
    ("steel blue", "4682b4"),
    ("azure", "007fff"),
    ("blue", "1f3fff"),
    ("royal blue", "4169e1"),
    ("cobalt", "0047ab"),
    ("sapphire", "0f52ba"),
    ("denim", "1560bd"),
    ("navy", "000080"),
    ("midnight blue", "191970"),
    ("indigo", "4b0082"),
    ("periwinkle", "ccccff"),
    ("lavender", "b57edc"),
    ("lilac", "c8a2c8"),
    ("violet", "8f00ff"),
    ("purple", "800080"),
    ("plum", "8e4585"),
    ("amethyst", "9966cc"),
    ("orchid", "da70d6"),
    ("mauve", "e0b0ff"),
    ("magenta", "ff00ff"),
    ("fuchsia", "c154c1"),
    ("hot pink", "ff69b4"),
    ("pink", "ffc0cb"),
    ("rose", "ff007f"),
    ("raspberry", "e30b5c"),
    ("blush", "de5d83"),
    ("dusty rose", "dcae96"),
    ("taupe", "483c32"),
    ("mocha", "967969"),
    ("pearl", "eae0c8"),
    ("platinum", "e5e4e2"),
    ("gunmetal", "2a3439"),
    ("pine green", "01796f"),
    ("petrol blue", "005f6a"),
    ("ochre", "cc7722"),
)


def _rgb(hex_code: str) -> tuple[float, float, float]:
    return tuple(round(int(hex_code[i : i + 2], 16) / 255.0, 4) for i in (0, 2, 4))  # type: ignore[return-value]


COLOURS: tuple[tuple[str, tuple[float, float, float]], ...] = tuple((n, _rgb(h)) for n, h in _HEX)
"""(name, sRGB) pairs: names unique, colours distinct."""

COLOUR_NAMES: tuple[str, ...] = tuple(name for name, _ in COLOURS)
_BY_NAME = dict(COLOURS)


def colour(name: str) -> tuple[float, float, float]:
    """The sRGB triple of a palette colour (KeyError for an unknown name)."""
    return _BY_NAME[name]


def srgb_to_linear(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """sRGB-encoded [0, 1] components to linear light, as Blender's colour inputs expect."""

    def one(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (one(rgb[0]), one(rgb[1]), one(rgb[2]))


def linear_rgba(rgb: tuple[float, float, float]) -> tuple[float, float, float, float]:
    """An sRGB colour as the opaque linear RGBA that Blender's colour sockets take."""
    return (*srgb_to_linear(rgb), 1.0)
