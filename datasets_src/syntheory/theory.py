"""Music-theory tables of the original SynTheory generator (concept spaces, instruments, clicks)."""

from typing import NamedTuple

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
BPM = 120  # tonal concepts: 120 BPM in 4/4, so one beat is 0.5 s
CLIP_SECONDS = 4.0

MODES = {
    "ionian": (0, 2, 4, 5, 7, 9, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
}
CHORD_TYPES = {"major": (0, 4, 7), "minor": (0, 3, 7), "augmented": (0, 4, 8), "diminished": (0, 3, 6)}
INVERSIONS = ("root", "first", "second")
INVERSION_FIGURES = ("5", "6", "64")  # the original release's encoding of the inversion
INTERVAL_NAMES = (
    "minor 2nd",
    "major 2nd",
    "minor 3rd",
    "major 3rd",
    "perfect 4th",
    "tritone",
    "perfect 5th",
    "minor 6th",
    "major 6th",
    "minor 7th",
    "major 7th",
    "octave",
)
PLAY_STYLES = ("up", "down", "unison")

# The 19 four-chord progressions: mode and scale degrees of diatonic triads.
PROGRESSIONS = (
    ("ionian", (1, 4, 5, 1)),
    ("ionian", (1, 4, 6, 5)),
    ("ionian", (1, 5, 6, 4)),
    ("ionian", (1, 6, 4, 5)),
    ("ionian", (2, 5, 1, 6)),
    ("ionian", (4, 1, 5, 6)),
    ("ionian", (4, 5, 3, 6)),
    ("ionian", (5, 4, 1, 5)),
    ("ionian", (5, 6, 4, 1)),
    ("ionian", (6, 4, 1, 5)),
    ("aeolian", (1, 2, 5, 1)),
    ("aeolian", (1, 3, 4, 1)),
    ("aeolian", (1, 4, 5, 1)),
    ("aeolian", (1, 6, 3, 7)),
    ("aeolian", (1, 6, 7, 1)),
    ("aeolian", (1, 6, 7, 3)),
    ("aeolian", (1, 7, 6, 4)),
    ("aeolian", (4, 7, 1, 1)),
    ("aeolian", (7, 6, 7, 1)),
)

TIME_SIGNATURES = ((2, 2), (2, 4), (3, 4), (3, 8), (4, 4), (6, 8), (9, 8), (12, 8))
REVERB_CC91 = (0, 63, 127)  # reverb_level 0, 1, 2 as MIDI CC 91 (reverb send)


class Click(NamedTuple):
    name: str
    is_drum: bool
    program: int
    downbeat: int
    offbeat: int


CLICKS = (
    Click("default", True, 0, 37, 31),
    Click("woodblock_dark", False, 115, 37, 31),
    Click("woodblock_light", False, 115, 52, 48),
    Click("taiko", False, 116, 52, 48),
    Click("synth_drum", False, 118, 52, 48),
)
DOWNBEAT_VELOCITY, OFFBEAT_VELOCITY = 100, 75

_ATONAL = set(range(96, 104)) | set(range(112, 128))  # synth effects, percussive, sound effects
_OVERTONE_HEAVY = {8, 9, 14, 21, 23, 47, 86}
_HIGHLY_ARTICULATE = {22, 31, 55, 77, 78}
TONAL_PROGRAMS = tuple(p for p in range(128) if p not in _ATONAL | _OVERTONE_HEAVY | _HIGHLY_ARTICULATE)
assert len(TONAL_PROGRAMS) == 92

_CATEGORIES = (
    "Piano",
    "Chromatic Percussion",
    "Organ",
    "Guitar",
    "Bass",
    "Strings",
    "Ensemble",
    "Brass",
    "Reed",
    "Pipe",
    "Synth Lead",
    "Synth Pad",
    "Synth Effects",
    "Ethnic",
    "Percussive",
    "Sound Effects",
)


def program_category(program: int) -> str:
    return _CATEGORIES[program // 8]


def tonic_midi(pitch_class: int) -> int:
    """Tonics sit near middle C: pitch classes 0-5 upward from C4 (MIDI 60), 6-11 below it."""
    return 60 + pitch_class if pitch_class <= 5 else 48 + pitch_class


def register(midi_note: int) -> int:
    """0 low (octaves 0-2), 1 middle (3-5), 2 high (6-8), with octave = MIDI note // 12."""
    return sum(midi_note // 12 >= bound for bound in (3, 6))


def triad(mode: str, degree: int) -> tuple[int, ...]:
    """Semitone offsets from the tonic of the diatonic triad on `degree` (1-7) of `mode`."""
    scale = MODES[mode]
    return tuple(scale[(degree - 1 + step) % 7] + 12 * ((degree - 1 + step) // 7) for step in (0, 2, 4))


def triad_quality(offsets: tuple[int, ...]) -> str:
    shape = (offsets[1] - offsets[0], offsets[2] - offsets[0])
    return {v[1:]: k for k, v in CHORD_TYPES.items()}[shape]


_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")


def progression_name(mode: str, degrees: tuple[int, ...]) -> str:
    """E.g. 'ionian: I-IV-V-I'; case and ° follow each triad's quality."""
    numerals = []
    for degree in degrees:
        quality = triad_quality(triad(mode, degree))
        numeral = _ROMAN[degree - 1]
        numerals.append(
            numeral.lower() + "°"
            if quality == "diminished"
            else numeral.lower()
            if quality == "minor"
            else numeral
        )
    return f"{mode}: {'-'.join(numerals)}"


def time_signature_name(signature: tuple[int, int]) -> str:
    return f"{signature[0]}/{signature[1]}"


def is_compound(signature: tuple[int, int]) -> bool:
    """Compound meters group pulses in threes: 6/8, 9/8, 12/8 (the original also flagged 3/8)."""
    return signature[1] == 8 and signature[0] % 3 == 0 and signature[0] > 3
