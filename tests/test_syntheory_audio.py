"""Labels checked against the rendered audio itself (real FluidSynth, decoded via datasets)."""

import io

import librosa
import numpy as np
import pretty_midi
import pytest
from datasets import concatenate_datasets, load_dataset

from synthsuite.datasets_src.generator import SampleSpec, Stopwatch, get_generator
from synthsuite.datasets_src.syntheory import theory
from synthsuite.datasets_src.syntheory.concepts import CONCEPTS, chord_pitches
from tests.conftest import build

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def rows(folder, config):
    splits = load_dataset(str(folder), config)
    return concatenate_datasets([splits[s] for s in ("train", "validation", "test")])


def waveform(row) -> tuple[np.ndarray, int]:
    samples = row["audio"].get_all_samples()
    return samples.data.numpy().mean(axis=0), samples.sample_rate


def chroma(audio: np.ndarray, sr: int) -> np.ndarray:
    """Mean CQT chroma over the clip (12 values, C first)."""
    return librosa.feature.chroma_cqt(y=audio, sr=sr, hop_length=1024).mean(axis=1)


def test_rendered_note_peaks_at_its_pitch_class(tiny_dataset):
    notes = rows(tiny_dataset, "notes")
    assert len(notes) == 48
    for row in notes:
        assert int(np.argmax(chroma(*waveform(row)))) == row["root_note_pitch_class"], row["sample_id"]


def test_chord_sounds_its_three_pitch_classes(tiny_dataset):
    for row in rows(tiny_dataset, "chords"):
        shape = list(theory.CHORD_TYPES.values())[row["chord_type"]]
        expected = {(row["root_note_pitch_class"] + o) % 12 for o in shape}
        strongest = set(np.argsort(chroma(*waveform(row)))[-3:].tolist())
        assert strongest == expected, row["sample_id"]


def test_scale_plays_its_mode_beat_by_beat(tiny_dataset):
    for row in rows(tiny_dataset, "scales"):
        audio, sr = waveform(row)
        beats = audio.reshape(8, -1)  # 8 notes of one beat (0.5 s) each
        heard = [int(np.argmax(chroma(beat, sr))) for beat in beats]
        tonic = row["root_note_pitch_class"]
        steps = [(tonic + o) % 12 for o in list(theory.MODES.values())[row["mode"]]] + [tonic]
        if theory.PLAY_STYLES[row["play_style"]] == "down":
            steps.reverse()
        assert heard == steps, row["sample_id"]


def test_unison_interval_sounds_both_notes(tiny_dataset):
    for row in rows(tiny_dataset, "intervals"):
        if theory.PLAY_STYLES[row["play_style"]] != "unison" or row["interval_semitones"] == 12:
            continue
        pcs = {row["midi_note_val"] % 12, (row["midi_note_val"] + row["interval_semitones"]) % 12}
        assert set(np.argsort(chroma(*waveform(row)))[-2:].tolist()) == pcs, row["sample_id"]


def test_click_track_plays_at_its_labelled_tempo(tiny_dataset):
    for row in rows(tiny_dataset, "tempos"):
        audio, sr = waveform(row)
        onsets = librosa.onset.onset_detect(y=audio, sr=sr, units="time", hop_length=256)
        bpm = 60.0 / np.median(np.diff(onsets))
        assert abs(bpm - row["bpm"]) / row["bpm"] < 0.03, (row["sample_id"], bpm)


def test_time_signature_pulses_at_its_subdivision(tiny_dataset):
    """At 120 quarter notes per minute, a pulse of 1/2, 1/4 and 1/8 lasts 1, 0.5 and 0.25 s."""
    for row in rows(tiny_dataset, "time_signatures"):
        audio, sr = waveform(row)
        onsets = librosa.onset.onset_detect(y=audio, sr=sr, units="time", hop_length=256)
        pulse = 2.0 / row["time_signature_subdivision"]
        assert abs(np.median(np.diff(onsets)) - pulse) < 0.02, row["sample_id"]


def test_midi_column_holds_the_labelled_notes(tiny_dataset):
    for row in rows(tiny_dataset, "chords"):
        midi = pretty_midi.PrettyMIDI(io.BytesIO(row["midi"]))
        (instrument,) = midi.instruments
        assert instrument.program == row["midi_program_num"]
        first = tuple(sorted(n.pitch for n in instrument.notes if n.start == 0.0))
        assert first == chord_pitches(row["root_note_pitch_class"], row["chord_type"], row["inversion"])
    for row in rows(tiny_dataset, "time_signatures"):
        signature = pretty_midi.PrettyMIDI(io.BytesIO(row["midi"])).time_signature_changes[0]
        name = f"{signature.numerator}/{signature.denominator}"
        assert name == theory.time_signature_name(theory.TIME_SIGNATURES[row["time_signature"]])


def test_silent_notes_are_flagged_and_audible_ones_are_not():
    generator = get_generator("syntheory")
    trumpet = {s["midi_note_val"]: s for s in CONCEPTS["notes"].space("paper") if s["midi_program_num"] == 56}
    rng = np.random.default_rng(0)
    quiet = generator.render("notes", SampleSpec("low", "train", trumpet[5]), rng, Stopwatch())
    loud = generator.render("notes", SampleSpec("mid", "train", trumpet[60]), rng, Stopwatch())
    assert quiet["is_silent"] and not loud["is_silent"]
    import soundfile

    audio, _ = soundfile.read(io.BytesIO(quiet["audio"]["bytes"]))
    assert np.abs(audio).max() < 1e-3


def test_sample_rate_and_channels_options(tmp_path):
    out = tmp_path / "sr"
    build(out, configs=["notes"], limit=3, sample_rate=22050, channels=2)
    ds = load_dataset(str(out), "notes", split="train")
    samples = ds[0]["audio"].get_all_samples()
    assert samples.sample_rate == 22050
    assert tuple(samples.data.shape) == (2, 4 * 22050)


def test_windows_of_one_click_track_share_one_render_and_keep_their_bytes():
    """Five paper-profile windows of one tempo track: rendered together, the track is rendered
    once (every clip is a view of one buffer) and each clip has the bytes of its own render."""
    generator = get_generator("syntheory")
    concept = CONCEPTS["tempos"]
    specs = [s for s in generator.plan("tempos", "paper", 0) if s.params["bpm"] == 97]
    group = [s for s in specs if s.params["click_config_name"] == specs[0].params["click_config_name"]]
    other = next(s for s in specs if s.params["click_config_name"] != group[0].params["click_config_name"])
    rngs = [np.random.default_rng(i) for i in range(6)]
    scores = [concept.score(dict(s.params), rng)[0] for s, rng in zip([*group, other], rngs, strict=True)]
    together = generator._renderer.render_clips(scores, theory.CLIP_SECONDS)
    assert len(group) == 5 and len({s.clip_start for s in scores[:5]}) == 5
    assert len({id(clip.base) for clip in together[:5]}) == 1 and together[5].base is not together[0].base
    for score, clip in zip(scores, together, strict=True):
        assert np.array_equal(generator._renderer.render(score, theory.CLIP_SECONDS), clip)
