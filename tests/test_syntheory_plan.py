"""Concept spaces, labels and splits: exact counts and music-theory facts, no rendering."""

from collections import Counter

import pytest

from synthsuite.datasets_src.syntheory import concepts, theory
from synthsuite.datasets_src.syntheory.concepts import CONCEPTS, chord_pitches, plan

PAPER_COUNTS = {
    "tempos": 4025,
    "time_signatures": 1200,
    "notes": 9936,
    "intervals": 39744,
    "scales": 15456,
    "chords": 13248,
    "chord_progressions": 20976,
}


@pytest.mark.parametrize("name", PAPER_COUNTS)
def test_paper_profile_has_the_original_counts_and_unique_ids(name):
    specs = plan(CONCEPTS[name], "paper", seed=0)
    assert len(specs) == PAPER_COUNTS[name]
    assert len({s.key for s in specs}) == len(specs)


def test_instrument_list_is_the_originals_92_programs():
    assert len(theory.TONAL_PROGRAMS) == 92
    assert not {8, 9, 14, 21, 23, 47, 86, 22, 31, 55, 77, 78} & set(theory.TONAL_PROGRAMS)
    assert all(not (96 <= p < 104 or p >= 112) for p in theory.TONAL_PROGRAMS)


@pytest.mark.parametrize("kind", range(4))
@pytest.mark.parametrize("inversion", range(3))
def test_chord_pitches_match_quality_and_inversion(kind, inversion):
    root_pc = 9
    pitches = chord_pitches(root_pc, kind, inversion)
    shape = list(theory.CHORD_TYPES.values())[kind]
    assert {p % 12 for p in pitches} == {(root_pc + o) % 12 for o in shape}
    # the bass note is the root, the third or the fifth for inversion 0, 1, 2
    assert pitches[0] % 12 == (root_pc + shape[inversion]) % 12
    assert pitches == tuple(sorted(pitches)) and pitches[-1] - pitches[0] < 12


def test_progressions_are_diatonic_triads_with_distinct_names():
    names = [theory.progression_name(m, d) for m, d in theory.PROGRESSIONS]
    assert len(set(names)) == 19
    for mode, degrees in theory.PROGRESSIONS:
        for degree in degrees:
            assert {o % 12 for o in theory.triad(mode, degree)} <= set(theory.MODES[mode])
    assert theory.progression_name("ionian", (2, 5, 1, 6)) == "ionian: ii-V-I-vi"
    assert theory.progression_name("aeolian", (1, 2, 5, 1)) == "aeolian: i-ii°-v-i"


def test_stratified_splits_are_70_15_15_per_label():
    specs = plan(CONCEPTS["intervals"], "paper", seed=0)
    for label in range(12):
        counts = Counter(s.split for s in specs if s.params["interval"] == label)
        total = sum(counts.values())
        assert abs(counts["train"] / total - 0.70) < 0.01
        assert abs(counts["validation"] / total - 0.15) < 0.01
        assert abs(counts["test"] / total - 0.15) < 0.01


def test_splits_depend_on_seed_but_not_on_call_order():
    a = {s.key: s.split for s in plan(CONCEPTS["chords"], "paper", seed=0)}
    b = {s.key: s.split for s in reversed(plan(CONCEPTS["chords"], "paper", seed=0))}
    c = {s.key: s.split for s in plan(CONCEPTS["chords"], "paper", seed=1)}
    assert a == b
    assert a != c


def test_tempo_split_is_by_bpm_value_with_training_in_the_middle():
    specs = plan(CONCEPTS["tempos"], "paper", seed=0)
    by_split = {split: {s.params["bpm"] for s in specs if s.split == split} for split in concepts.SPLITS}
    assert not (by_split["train"] & by_split["validation"]) and not (by_split["train"] & by_split["test"])
    assert not by_split["validation"] & by_split["test"]
    assert by_split["train"] == set(range(74, 187))  # the middle 113 of 161 tempos
    for held_out in ("validation", "test"):  # both sides of the training range
        assert min(by_split[held_out]) < 74 and max(by_split[held_out]) > 186
    assert Counter(s.split for s in specs) == {"train": 2825, "validation": 600, "test": 600}


def test_time_signature_labels():
    specs = plan(CONCEPTS["time_signatures"], "paper", seed=0)
    compound = {
        (s.params["time_signature_beats"], s.params["time_signature_subdivision"])
        for s in specs
        if s.params["is_compound"]
    }
    assert compound == {(6, 8), (9, 8), (12, 8)}
    assert {s.params["reverb_level"] for s in specs} == {0, 1, 2}


@pytest.mark.parametrize("name", list(CONCEPTS))
def test_midi_column_has_the_bytes_pretty_midi_writes(name):
    from benchmarks.syntheory_shortcuts import pretty_midi_bytes
    from synthsuite.datasets_src.syntheory.midi import score_midi_bytes
    from synthsuite.kernel.seeding import sample_rng

    specs = plan(CONCEPTS[name], "paper", 0)
    scores = [
        CONCEPTS[name].score(dict(spec.params), sample_rng("syntheory", name, spec.key, 0))[0]
        for spec in specs[:: max(1, len(specs) // 150)]
    ]
    assert len(scores) >= 150
    for score in scores:
        assert score_midi_bytes(score) == pretty_midi_bytes(score)
