"""SynTheory: seven music-theory concepts as MIDI and audio (Wei, Freeman et al., ISMIR 2024)."""

import hashlib
from collections.abc import Hashable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal

import datasets
import numpy as np
from pydantic import Field

from synthsuite.datasets_src.generator import Generator, GeneratorOptions, SampleSpec, Stopwatch
from synthsuite.datasets_src.syntheory import concepts, theory
from synthsuite.datasets_src.syntheory.card import CARD
from synthsuite.datasets_src.syntheory.midi import score_midi_bytes
from synthsuite.datasets_src.syntheory.synth import (
    Renderer,
    check_fluidsynth,
    finish,
    flac_bytes,
    library_versions,
    soundfont_path,
)
from synthsuite.kernel.errors import require_extra


class SynTheoryOptions(GeneratorOptions):
    sample_rate: int = Field(44100, ge=8000, le=96000)
    channels: Literal[1, 2] = 1
    soundfont: str | None = None  # default: $SYNTHSUITE_SOUNDFONT or Debian's TimGM6mb.sf2


_INSTRUMENT = {
    "midi_program_num": datasets.Value("int32"),
    "midi_program_name": datasets.Value("string"),
    "midi_category": datasets.Value("string"),
}
_CLICK = {
    "click_config_name": datasets.Value("string"),
    "midi_program_num": datasets.Value("int32"),
    "click_is_drum_channel": datasets.Value("bool"),
    "offset_index": datasets.Value("int32"),
    "offset_time": datasets.Value("float32"),
}
_ROOT = {"root_note_name": datasets.Value("string"), "root_note_pitch_class": datasets.Value("int32")}


def _labels(concept: str) -> dict[str, Any]:
    classes = datasets.ClassLabel
    pitch_classes = classes(names=list(theory.NOTE_NAMES))
    return {
        "tempos": {"bpm": datasets.Value("int32"), **_CLICK},
        "time_signatures": {
            "time_signature": classes(names=[theory.time_signature_name(s) for s in theory.TIME_SIGNATURES]),
            "time_signature_beats": datasets.Value("int32"),
            "time_signature_subdivision": datasets.Value("int32"),
            "is_compound": datasets.Value("bool"),
            "reverb_level": datasets.Value("int32"),
            "bpm": datasets.Value("int32"),
            **_CLICK,
        },
        "notes": {
            "root_note_name": datasets.Value("string"),
            "root_note_pitch_class": pitch_classes,
            "octave": datasets.Value("int32"),
            "register": classes(names=["low", "middle", "high"]),
            "root_note_is_accidental": datasets.Value("bool"),
            "midi_note_val": datasets.Value("int32"),
            **_INSTRUMENT,
        },
        "intervals": {
            **_ROOT,
            "interval": classes(names=list(theory.INTERVAL_NAMES)),
            "interval_semitones": datasets.Value("int32"),
            "play_style": classes(names=list(theory.PLAY_STYLES)),
            "midi_note_val": datasets.Value("int32"),
            **_INSTRUMENT,
        },
        "scales": {
            **_ROOT,
            "mode": classes(names=list(theory.MODES)),
            "play_style": classes(names=list(theory.PLAY_STYLES[:2])),
            **_INSTRUMENT,
        },
        "chords": {
            **_ROOT,
            "root_note_is_accidental": datasets.Value("bool"),
            "chord_type": classes(names=list(theory.CHORD_TYPES)),
            "inversion": classes(names=list(theory.INVERSIONS)),
            "inversion_figure": datasets.Value("string"),
            **_INSTRUMENT,
        },
        "chord_progressions": {
            "key_note_name": datasets.Value("string"),
            "key_note_pitch_class": datasets.Value("int32"),
            "chord_progression": classes(
                names=[theory.progression_name(m, d) for m, d in theory.PROGRESSIONS]
            ),
            "mode": datasets.Value("string"),
            "scale_degrees": datasets.Value("string"),
            **_INSTRUMENT,
        },
    }[concept]


class SynTheoryGenerator(Generator):
    name = "syntheory"
    version = "1.0.0"
    configs = tuple(concepts.CONCEPTS)
    options_model = SynTheoryOptions
    rows_per_shard: ClassVar[int] = 2000  # ~150-300 MB of FLAC per shard
    rows_per_task: ClassVar[int] = 16

    @property
    def soundfont(self) -> Path:
        return soundfont_path(self.options.soundfont)

    def check_environment(self) -> None:
        check_fluidsynth(self.soundfont)

    def environment(self) -> dict[str, str]:
        return {
            "soundfont": self.soundfont.name,
            "soundfont_sha256": hashlib.sha256(self.soundfont.read_bytes()).hexdigest(),
            **library_versions(),
        }

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        require_extra("pretty_midi", "music")  # instrument names come from pretty_midi
        return concepts.plan(concepts.CONCEPTS[config], profile, seed)

    def features(self, config: str) -> datasets.Features:
        return datasets.Features(
            {
                "sample_id": datasets.Value("string"),
                "audio": datasets.Audio(
                    sampling_rate=self.options.sample_rate, num_channels=self.options.channels
                ),
                "midi": datasets.Value("binary"),
                **_labels(config),
                "is_silent": datasets.Value("bool"),
            }
        )

    @cached_property
    def _renderer(self) -> Renderer:
        return Renderer(self.soundfont, self.options.sample_rate)

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        return self.render_many(config, [spec], [rng], clock)[0]

    def render_many(
        self, config: str, specs: Sequence[SampleSpec], rngs: Sequence[np.random.Generator], clock: Stopwatch
    ) -> list[dict[str, Any]]:
        """The rows; click-track windows of one track share a single render of it."""
        concept = concepts.CONCEPTS[config]
        with clock.stage("midi"):
            scored = [concept.score(dict(spec.params), rng) for spec, rng in zip(specs, rngs, strict=True)]
            midis = [score_midi_bytes(score) for score, _ in scored]
        with clock.stage("synthesis"):
            clips = self._renderer.render_clips([score for score, _ in scored], theory.CLIP_SECONDS)
        rows = []
        for spec, (_, extra), midi, audio in zip(specs, scored, midis, clips, strict=True):
            with clock.stage("encode"):
                samples, silent = finish(audio, self.options.channels)
                flac = flac_bytes(samples, self.options.sample_rate)
            rows.append(
                {
                    "sample_id": spec.key,
                    "audio": {"bytes": flac, "path": f"{spec.key}.flac"},
                    "midi": midi,
                    **spec.params,
                    **extra,
                    "is_silent": silent,
                }
            )
        return rows

    def shared_work(self, config: str, spec: SampleSpec) -> Hashable | None:
        """Windows of one click track (rows that differ only in `offset_index`) share its render."""
        if "offset_index" not in spec.params:
            return None
        return tuple(sorted((k, v) for k, v in spec.params.items() if k != "offset_index"))

    def card_metadata(self) -> dict[str, Any]:
        return {
            "pretty_name": "SynTheory (synthsuite)",
            "license": "mit",
            "task_categories": ["audio-classification", "feature-extraction"],
            "tags": ["music", "music-theory", "synthetic", "probing", "midi", "synthsuite"],
        }

    def card_sections(self) -> str:
        return CARD

