"""The seven concepts: their sample spaces per profile, labels, splits and MIDI.

A concept enumerates label dicts (`space`), names each sample (`key`), and turns labels into a
pretty_midi score (`score`). A score also says which window of the rendered audio is the clip.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from synthsuite.datasets_src.generator import SPLITS, SampleSpec
from synthsuite.datasets_src.syntheory import theory as t
from synthsuite.kernel.errors import require_extra
from synthsuite.kernel.seeding import hash_order

NOTE_SECONDS = 60.0 / t.BPM  # one beat
# Profiles cut the instrument list and a few other axes; `paper` is the original's full space.
TONAL_PROGRAMS = {"tiny": (0,), "small": (0, 11, 19, 24, 33, 40, 48, 56, 65, 73), "paper": t.TONAL_PROGRAMS}
NOTES_TINY_PROGRAMS = (0, 40)


@dataclass(frozen=True)
class Score:
    """Notes as (start s, end s, pitch, velocity); the clip is audio [start, start + 4 s)."""

    program: int
    is_drum: bool
    notes: tuple[tuple[float, float, int, int], ...]
    reverb_cc91: int | None = None
    clip_start: float = 0.0
    time_signature: tuple[int, int] = (4, 4)


@dataclass(frozen=True)
class Concept:
    name: str
    probed: str
    space: Callable[[str], Iterator[dict[str, Any]]]
    key: Callable[[dict[str, Any]], str]
    score: Callable[[dict[str, Any], np.random.Generator], tuple[Score, dict[str, Any]]]
    split_by: str = "stratified"  # or "bpm": value-disjoint tempo extrapolation split


def _instrument(program: int) -> dict[str, Any]:
    pretty_midi = require_extra("pretty_midi", "music")

    return {
        "midi_program_num": program,
        "midi_program_name": pretty_midi.program_to_instrument_name(program),
        "midi_category": t.program_category(program),
    }


def _pitch(pc: int) -> dict[str, Any]:
    return {"root_note_name": t.NOTE_NAMES[pc], "root_note_pitch_class": pc}


def _repeat(pitches_per_step: list[tuple[int, ...]], beats_per_step: float) -> tuple:
    """Play each step's pitches together for `beats_per_step` beats, one step after another."""
    notes, start = [], 0.0
    for pitches in pitches_per_step:
        end = start + beats_per_step * NOTE_SECONDS
        notes.extend((start, end, p, 100) for p in pitches)
        start = end
    return tuple(notes)


# --- notes: every MIDI note 0-107 on every instrument, played 4 x 2 beats -------------------


def _notes_space(profile: str) -> Iterator[dict[str, Any]]:
    programs = NOTES_TINY_PROGRAMS if profile == "tiny" else TONAL_PROGRAMS[profile]
    midi_notes = range(48, 72) if profile == "tiny" else range(108)
    for program, note in product(programs, midi_notes):
        yield {
            **_pitch(note % 12),
            "octave": note // 12,
            "register": t.register(note),
            "root_note_is_accidental": "#" in t.NOTE_NAMES[note % 12],
            "midi_note_val": note,
            **_instrument(program),
        }


def _notes_score(labels, rng):
    return Score(labels["midi_program_num"], False, _repeat([(labels["midi_note_val"],)] * 4, 2)), {}


# --- intervals: roots C4-B4, 1-12 semitones, up / down / together, 4 x (2 beats) -----------


def _intervals_space(profile: str) -> Iterator[dict[str, Any]]:
    roots = range(60, 61) if profile == "tiny" else range(60, 72)
    for program, root, semitones, style in product(TONAL_PROGRAMS[profile], roots, range(1, 13), range(3)):
        yield {
            **_pitch(root % 12),
            "interval": semitones - 1,
            "interval_semitones": semitones,
            "play_style": style,
            "midi_note_val": root,
            **_instrument(program),
        }


def _intervals_score(labels, rng):
    low, high = labels["midi_note_val"], labels["midi_note_val"] + labels["interval_semitones"]
    style = t.PLAY_STYLES[labels["play_style"]]
    steps = {"up": [(low,), (high,)], "down": [(high,), (low,)], "unison": [(low, high)] * 2}
    return Score(labels["midi_program_num"], False, _repeat(steps[style] * 4, 1)), {}


# --- scales: 12 roots x 7 modes x up/down, 8 notes (with the octave) of one beat ------------


def _scales_space(profile: str) -> Iterator[dict[str, Any]]:
    roots = (0, 7) if profile == "tiny" else range(12)
    for program, pc, mode, style in product(TONAL_PROGRAMS[profile], roots, range(7), range(2)):
        yield {**_pitch(pc), "mode": mode, "play_style": style, **_instrument(program)}


def _scales_score(labels, rng):
    tonic = t.tonic_midi(labels["root_note_pitch_class"])
    steps = [tonic + o for o in list(t.MODES.values())[labels["mode"]]] + [tonic + 12]
    if t.PLAY_STYLES[labels["play_style"]] == "down":
        steps.reverse()
    return Score(labels["midi_program_num"], False, _repeat([(p,) for p in steps], 1)), {}


# --- chords: 12 roots x 4 triad types x 3 inversions, 4 x 2 beats ---------------------------


def _chords_space(profile: str) -> Iterator[dict[str, Any]]:
    roots = (0, 7) if profile == "tiny" else range(12)
    for program, pc, kind, inversion in product(TONAL_PROGRAMS[profile], roots, range(4), range(3)):
        yield {
            **_pitch(pc),
            "root_note_is_accidental": "#" in t.NOTE_NAMES[pc],
            "chord_type": kind,
            "inversion": inversion,
            "inversion_figure": t.INVERSION_FIGURES[inversion],
            **_instrument(program),
        }


def chord_pitches(root_pc: int, chord_type: int, inversion: int) -> tuple[int, ...]:
    """The triad built up from the root (also for augmented: the root is the note it is built
    on), then its lowest `inversion` notes raised an octave."""
    root = t.tonic_midi(root_pc)
    pitches = [root + o for o in list(t.CHORD_TYPES.values())[chord_type]]
    for i in range(inversion):
        pitches[i] += 12
    return tuple(sorted(pitches))


def _chords_score(labels, rng):
    pitches = chord_pitches(labels["root_note_pitch_class"], labels["chord_type"], labels["inversion"])
    return Score(labels["midi_program_num"], False, _repeat([pitches] * 4, 2)), {}


# --- chord progressions: 19 progressions x 12 keys, four root-position triads of 2 beats ----


def _progressions_space(profile: str) -> Iterator[dict[str, Any]]:
    keys = (0, 7) if profile == "tiny" else range(12)
    for program, pc, index in product(TONAL_PROGRAMS[profile], keys, range(len(t.PROGRESSIONS))):
        mode, degrees = t.PROGRESSIONS[index]
        yield {
            "key_note_name": t.NOTE_NAMES[pc],
            "key_note_pitch_class": pc,
            "chord_progression": index,
            "mode": mode,
            "scale_degrees": "-".join(map(str, degrees)),
            **_instrument(program),
        }


def _progressions_score(labels, rng):
    tonic = t.tonic_midi(labels["key_note_pitch_class"])
    mode, degrees = t.PROGRESSIONS[labels["chord_progression"]]
    steps = [tuple(tonic + o for o in t.triad(mode, d)) for d in degrees]
    return Score(labels["midi_program_num"], False, _repeat(steps, 2)), {}


# --- rhythm: click tracks with a random 4 s window --------------------------------------------


def _click_track(click: t.Click, pulse_seconds: float, pulses_per_bar: int, until: float):
    notes, i = [], 0
    while i * pulse_seconds < until:
        down = i % pulses_per_bar == 0
        start = i * pulse_seconds
        notes.append(
            (
                start,
                start + min(0.1, pulse_seconds / 2),
                click.downbeat if down else click.offbeat,
                t.DOWNBEAT_VELOCITY if down else t.OFFBEAT_VELOCITY,
            )
        )
        i += 1
    return tuple(notes)


def _click_labels(click_index: int) -> dict[str, Any]:
    click = t.CLICKS[click_index]
    return {
        "click_config_name": click.name,
        "midi_program_num": click.program,
        "click_is_drum_channel": click.is_drum,
    }


TEMPO_TRACK_SECONDS, SIGNATURE_TRACK_SECONDS = 20.0, 30.0


def _tempos_space(profile: str) -> Iterator[dict[str, Any]]:
    bpms = range(50, 211, 8) if profile == "tiny" else range(50, 211)
    clicks = range(2) if profile == "tiny" else range(len(t.CLICKS))
    offsets = range(5 if profile == "paper" else 1)
    for bpm, click, offset in product(bpms, clicks, offsets):
        yield {"bpm": bpm, "offset_index": offset, **_click_labels(click)}


def _window(rng: np.random.Generator, track_seconds: float) -> float:
    return round(float(rng.uniform(0.0, track_seconds - t.CLIP_SECONDS)), 3)


def _click(labels) -> t.Click:
    return next(c for c in t.CLICKS if c.name == labels["click_config_name"])


def _tempos_score(labels, rng):
    start = _window(rng, TEMPO_TRACK_SECONDS)
    click = _click(labels)
    notes = _click_track(click, 60.0 / labels["bpm"], 4, start + t.CLIP_SECONDS)
    return Score(click.program, click.is_drum, notes, clip_start=start), {"offset_time": start}


def _signatures_space(profile: str) -> Iterator[dict[str, Any]]:
    clicks = range(1) if profile == "tiny" else range(len(t.CLICKS))
    offsets = range({"tiny": 1, "small": 2, "paper": 10}[profile])
    for index, reverb, click, offset in product(range(8), range(3), clicks, offsets):
        signature = t.TIME_SIGNATURES[index]
        yield {
            "time_signature": index,
            "time_signature_beats": signature[0],
            "time_signature_subdivision": signature[1],
            "is_compound": t.is_compound(signature),
            "reverb_level": reverb,
            "bpm": t.BPM,
            "offset_index": offset,
            **_click_labels(click),
        }


def _signatures_score(labels, rng):
    start = _window(rng, SIGNATURE_TRACK_SECONDS)
    click = _click(labels)
    pulse = (60.0 / t.BPM) * 4 / labels["time_signature_subdivision"]
    notes = _click_track(click, pulse, labels["time_signature_beats"], start + t.CLIP_SECONDS)
    signature = (labels["time_signature_beats"], labels["time_signature_subdivision"])
    score = Score(
        click.program, click.is_drum, notes, t.REVERB_CC91[labels["reverb_level"]], start, signature
    )
    return score, {"offset_time": start}


def _tonal_key(*fields: str) -> Callable[[dict[str, Any]], str]:
    def key(labels: dict[str, Any]) -> str:
        return "-".join([f"p{labels['midi_program_num']:03d}"] + [f"{labels[f]}" for f in fields])

    return key


CONCEPTS = {
    c.name: c
    for c in (
        Concept(
            "tempos",
            "bpm",
            _tempos_space,
            lambda x: f"bpm{x['bpm']:03d}-{x['click_config_name']}-o{x['offset_index']}",
            _tempos_score,
            split_by="bpm",
        ),
        Concept(
            "time_signatures",
            "time_signature",
            _signatures_space,
            lambda x: (
                f"ts{x['time_signature_beats']}_{x['time_signature_subdivision']}"
                f"-r{x['reverb_level']}-{x['click_config_name']}-o{x['offset_index']}"
            ),
            _signatures_score,
        ),
        Concept("notes", "root_note_pitch_class", _notes_space, _tonal_key("midi_note_val"), _notes_score),
        Concept(
            "intervals",
            "interval",
            _intervals_space,
            _tonal_key("midi_note_val", "interval_semitones", "play_style"),
            _intervals_score,
        ),
        Concept(
            "scales",
            "mode",
            _scales_space,
            _tonal_key("root_note_pitch_class", "mode", "play_style"),
            _scales_score,
        ),
        Concept(
            "chords",
            "chord_type",
            _chords_space,
            _tonal_key("root_note_pitch_class", "chord_type", "inversion"),
            _chords_score,
        ),
        Concept(
            "chord_progressions",
            "chord_progression",
            _progressions_space,
            _tonal_key("key_note_pitch_class", "chord_progression"),
            _progressions_score,
        ),
    )
}

# Systematic stratified assignment: walk the samples sorted by label (then by hash) through a
# 20-slot pattern of 14 train, 3 validation and 3 test slots, spread out. Every label gets
# its 70/15/15 share to within a slot or two, and the totals are exact to within one sample.
_PATTERN = tuple(
    "validation" if j in (3, 10, 16) else "test" if j in (6, 13, 19) else "train" for j in range(20)
)


def plan(concept: Concept, profile: str, seed: int) -> list[SampleSpec]:
    samples = [(concept.key(labels), labels) for labels in concept.space(profile)]
    salt = (concept.name, "split", seed)
    if concept.split_by == "bpm":
        splits = _bpm_splits(sorted({labels["bpm"] for _, labels in samples}))
        assigned = {key: splits[labels["bpm"]] for key, labels in samples}
    else:
        ordered = sorted(samples, key=lambda s: (s[1][concept.probed], hash_order(s[0], *salt)))
        assigned = {key: _PATTERN[i % len(_PATTERN)] for i, (key, _) in enumerate(ordered)}
    specs = [SampleSpec(f"{concept.name}-{key}", assigned[key], labels) for key, labels in samples]
    assert all(s.split in SPLITS for s in specs)
    return specs


def _bpm_splits(bpms: list[int]) -> dict[int, str]:
    """The middle 70% of tempos train; the slower and faster 15% alternate validation/test, so
    both held-out splits test extrapolation on both sides and share no tempo with training."""
    outer = round(len(bpms) * 0.15)
    splits = {bpm: "train" for bpm in bpms[outer : len(bpms) - outer]}
    for side in (bpms[:outer][::-1], bpms[len(bpms) - outer :]):
        for i, bpm in enumerate(side):
            splits[bpm] = "validation" if i % 2 == 0 else "test"
    return splits
