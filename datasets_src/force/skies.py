"""Procedural skies for the waving-flags scene (pure: no bpy).

The original lit its flags with 50 downloaded HDRIs, each with one caption. We describe >= 50
procedural skies instead: Blender's Sky texture (bpy 5.0 offers the MULTIPLE_SCATTERING model,
its default and the successor of Nishita, plus SINGLE_SCATTERING, PREETHAM and HOSEK_WILKIE)
with a sun position and atmosphere, over a ground plane whose two-colour noise material gives the
ground variety. `skies_blender.build_sky` turns one `Sky` into a world and a ground plane.

Each sky is an atmosphere preset (time of day, haze, dust) paired with a ground preset; the
pairings, sun azimuths and ground colours are fixed below, so a sky's name always means the same
picture.
"""

from dataclasses import dataclass

RGB = tuple[float, float, float]

SKY_TYPES = ("MULTIPLE_SCATTERING", "SINGLE_SCATTERING", "PREETHAM", "HOSEK_WILKIE")


@dataclass(frozen=True)
class Atmosphere:
    """Time of day and air: what the Sky texture node gets (angles in degrees).

    air/aerosol/ozone are the scattering models' densities (1 = Earth's average; aerosol is
    dust and haze); turbidity is the Preetham/Hosek-Wilkie haze. strength scales the world
    background so that the render is neither black nor blown out under AgX.
    """

    name: str
    phrase: str
    sky_type: str
    sun_elevation: float
    air: float = 1.0
    aerosol: float = 1.0
    ozone: float = 1.0
    turbidity: float = 2.2
    altitude: float = 100.0
    strength: float = 0.3


@dataclass(frozen=True)
class GroundLook:
    """A ground plane: a noise mix of two sRGB colours, with a caption phrase."""

    name: str
    phrase: str
    colour_a: RGB
    colour_b: RGB
    noise_scale: float = 0.4
    roughness: float = 0.9


@dataclass(frozen=True)
class Sky:
    """One named sky: atmosphere + sun azimuth + ground; `caption` describes it in words."""

    name: str
    caption: str
    atmosphere: Atmosphere
    sun_azimuth: float
    ground: GroundLook


def _hex(code: str) -> RGB:
    return (int(code[0:2], 16) / 255.0, int(code[2:4], 16) / 255.0, int(code[4:6], 16) / 255.0)


def _g(name: str, phrase: str, a: str, b: str, **kw: float) -> GroundLook:
    return GroundLook(name, phrase, _hex(a), _hex(b), **kw)


ATMOSPHERES: tuple[Atmosphere, ...] = (
    Atmosphere("clear_midday", "a clear midday sky", "MULTIPLE_SCATTERING", 65.0, strength=0.04),
    Atmosphere("clear_morning", "a clear blue morning sky", "MULTIPLE_SCATTERING", 30.0, strength=0.06),
    Atmosphere("late_afternoon", "a bright late-afternoon sky", "MULTIPLE_SCATTERING", 20.0, strength=0.07),
    Atmosphere(
        "golden_hour", "a warm golden-hour sky", "MULTIPLE_SCATTERING", 6.0, aerosol=2.0, strength=0.14
    ),
    Atmosphere("sunset", "an orange sunset sky", "MULTIPLE_SCATTERING", 1.5, aerosol=3.0, strength=0.6),
    Atmosphere(
        "dawn", "a pale pink dawn sky", "SINGLE_SCATTERING", 2.5, aerosol=0.6, ozone=2.0, strength=0.55
    ),
    Atmosphere("twilight", "a deep blue twilight sky", "MULTIPLE_SCATTERING", -2.0, ozone=3.0, strength=4.0),
    Atmosphere(
        "hazy_noon", "a hazy white noon sky", "MULTIPLE_SCATTERING", 55.0, aerosol=6.0, strength=0.035
    ),
    Atmosphere(
        "dusty", "a dusty yellowish sky", "MULTIPLE_SCATTERING", 25.0, air=1.5, aerosol=9.0, strength=0.07
    ),
    # multiple scattering: in single scattering this much dust turned the horizon black
    Atmosphere("hazy_sunset", "a hazy orange sunset", "MULTIPLE_SCATTERING", 1.0, aerosol=8.0, strength=0.85),
    Atmosphere(
        "mountain_air",
        "a crisp deep-blue mountain sky",
        "SINGLE_SCATTERING",
        40.0,
        air=0.5,
        aerosol=0.2,
        altitude=3000.0,
        strength=0.06,
    ),
    Atmosphere(
        "thin_air_evening",
        "a clear violet evening sky",
        "SINGLE_SCATTERING",
        8.0,
        air=0.6,
        ozone=4.0,
        strength=0.18,
    ),
    Atmosphere("soft_summer", "a soft summer sky", "PREETHAM", 45.0, turbidity=3.0, strength=0.6),
    Atmosphere(
        "humid_afternoon", "a humid, milky afternoon sky", "PREETHAM", 30.0, turbidity=7.0, strength=0.6
    ),
    Atmosphere("washed_out", "a pale washed-out sky", "HOSEK_WILKIE", 35.0, turbidity=9.0, strength=1.0),
    Atmosphere("crisp_blue", "a crisp bright blue sky", "HOSEK_WILKIE", 50.0, turbidity=2.0, strength=0.8),
)

GROUND_LOOKS: tuple[GroundLook, ...] = (
    _g("green_field", "a green field", "3f7a2a", "6c9a3a"),
    _g("dry_grass", "dry yellow grass", "a08a4a", "c8b06a"),
    _g("desert_sand", "desert sand", "c8a26c", "e0c08c", noise_scale=0.2),
    _g("snowfield", "a snowfield", "e8ecf0", "c8d0da", roughness=0.6),
    _g("ploughed_earth", "ploughed brown earth", "4a3222", "765238", noise_scale=0.8),
    _g("grey_plaza", "a grey paved plaza", "7a7a78", "9a9894", noise_scale=1.5, roughness=0.7),
    _g("heather_moor", "a purple heather moor", "5a3a5a", "6e7a3a", noise_scale=0.6),
    _g("wheat_field", "a golden wheat field", "c89a3a", "e0b850", noise_scale=0.3),
    _g("dark_lava", "dark volcanic rock", "2a2624", "4a4038", noise_scale=1.0),
    _g("salt_flat", "a white salt flat", "e8e0d0", "d0c8b8", noise_scale=0.2, roughness=0.5),
    _g("red_desert", "red desert soil", "9a4a2a", "c06a3a", noise_scale=0.5),
    _g("lush_meadow", "a lush meadow", "2e6a22", "8aa84a", noise_scale=1.2),
)

# Atmosphere i meets the 4 grounds (i + 3k) mod 12, k = 0..3 (all different), so the 16 x 4 = 64
# skies use every ground 5 or 6 times; the sun azimuth turns by 97 degrees from one sky to the next.
_PAIRS_PER_ATMOSPHERE = 4


def _build() -> tuple[Sky, ...]:
    skies = []
    n_g = len(GROUND_LOOKS)
    for i, atm in enumerate(ATMOSPHERES):
        for k in range(_PAIRS_PER_ATMOSPHERE):
            ground = GROUND_LOOKS[(i + 3 * k) % n_g]
            azimuth = float((97 * (_PAIRS_PER_ATMOSPHERE * i + k)) % 360)
            skies.append(
                Sky(f"{atm.name}_{ground.name}", f"{atm.phrase} over {ground.phrase}", atm, azimuth, ground)
            )
    return tuple(skies)


SKIES: tuple[Sky, ...] = _build()
SKY_NAMES: tuple[str, ...] = tuple(s.name for s in SKIES)
_BY_NAME = {s.name: s for s in SKIES}


def sky(name: str) -> Sky:
    """The sky called `name` (KeyError for an unknown name)."""
    return _BY_NAME[name]
