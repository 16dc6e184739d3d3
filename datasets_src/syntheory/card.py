"""The prose of the SynTheory dataset card. `{...}` fields are filled from the manifest."""

from synthsuite.datasets_src.syntheory import theory

_PROGRAMS = ", ".join(str(p) for p in theory.TONAL_PROGRAMS)

CARD = """# SynTheory (synthsuite)

Seven music-theory concepts rendered as MIDI and audio, for probing whether music models
encode music theory. A regenerated, fixed and split version of the dataset of
*Do Music Generation Models Encode Music Theory?* (Wei, Freeman, Donahue, Sun; ISMIR 2024),
built by [synthsuite](https://pypi.org/project/synthsuite/).

```python
from datasets import load_dataset

notes = load_dataset("{repo_id}", "notes", split="train", revision="<commit sha>")
stream = load_dataset("{repo_id}", "intervals", split="test", streaming=True)
```

Pin `revision=` to a commit: results computed on different revisions are not comparable.

## Splits

{split_table}

Train / validation / test are 70 / 15 / 15, deterministic, and stratified by the probed label
(samples sorted by label, then by a seeded hash, are dealt through a fixed 20-slot pattern).
**tempos** is split by BPM value instead: the middle 70% of tempos are train, and the slowest
and fastest 15% alternate between validation and test, so tempo probes measure extrapolation and
no tempo appears in two splits.

## How it was generated

```
{command}
```

synthsuite {synthsuite_version}, generator `syntheory` {generator_version}, profile
`{profile}`, seed {seed}, options `{options}`, built with `{environment}` (the same bytes
need the same SoundFont and library versions). A sample's random choices (the window offset of
click tracks) come from (dataset, config, sample id, seed), so any worker count or executor gives
the same bytes; `synthsuite-manifest.json` holds every shard's sha256 and row count.

MIDI is built with pretty_midi and rendered by FluidSynth with the TimGM6mb SoundFont (the
SoundFont of the original), reverb on, chorus off, one fresh synthesizer per clip. Clips are
4 s, **mono by default** (the stereo output mixed down; `channels=2` keeps stereo), sample rate
as `options` says (default 44.1 kHz), peak-normalised to -1 dBFS and stored as 16-bit FLAC in
`audio`. The `midi` column holds the MIDI file's bytes. Tonal concepts play at 120 BPM in 4/4.

## Concepts and labels

The label each probe predicts is a `ClassLabel` (integers with names); tempo is a regression.

| config | probed label | sample space |
|---|---|---|
| `tempos` | `bpm` (50-210) | 161 tempos x 5 click sounds x 5 random 4 s windows of a 20 s 4/4 click track |
| `time_signatures` | `time_signature` (8) | 2/2 2/4 3/4 3/8 4/4 6/8 9/8 12/8 at 120 BPM x 3 reverb levels x 5 clicks x 10 windows of 30 s |
| `notes` | `root_note_pitch_class` (12) | MIDI notes 0-107 x 92 instruments, each note played 4 x 2 beats |
| `intervals` | `interval` (12) | roots MIDI 60-71 x 1-12 semitones x up/down/unison x 92 instruments |
| `scales` | `mode` (7) | 12 tonics x 7 modes x up/down, 8 notes with the octave x 92 instruments |
| `chords` | `chord_type` (4) | 12 roots x major/minor/augmented/diminished x 3 inversions x 92 instruments |
| `chord_progressions` | `chord_progression` (19) | 19 four-triad progressions (10 Ionian, 9 Aeolian) x 12 keys x 92 instruments |

Columns of every config: `sample_id` (stable, unique), `audio`, `midi`, `is_silent`.
- tonal concepts: `midi_program_num`, `midi_program_name`, `midi_category` (General MIDI).
- notes: `root_note_name`, `root_note_pitch_class`, `octave` (MIDI note // 12, 0-8; MIDI 60
  is octave 5), `register` (low: octaves 0-2, middle: 3-5, high: 6-8),
  `root_note_is_accidental`, `midi_note_val`.
- intervals: `root_note_name`, `root_note_pitch_class`, `interval` (minor 2nd ... octave),
  `interval_semitones` (1-12), `play_style` (up: root then upper note; down: upper then root;
  unison: both at once), `midi_note_val` (the root, MIDI 60-71).
- scales: `root_note_name`, `root_note_pitch_class`, `mode`, `play_style` (up or down).
- chords: `root_note_name`, `root_note_pitch_class`, `root_note_is_accidental`, `chord_type`,
  `inversion` (root, first, second = 0, 1, 2), `inversion_figure` (the original's 5 / 6 / 64).
- chord_progressions: `key_note_name`, `key_note_pitch_class`, `chord_progression` (e.g.
  `ionian: I-IV-V-I`, numerals cased by triad quality), `mode`, `scale_degrees` (e.g. `1-4-5-1`).
- tempos and time_signatures: `click_config_name` (default drum click on the percussion
  channel, woodblock_dark, woodblock_light, taiko, synth_drum), `midi_program_num`,
  `click_is_drum_channel`, `offset_index`, `offset_time` (start of the 4 s window in the
  track, seconds; the MIDI holds the track up to the window's end); time_signatures also
  `time_signature_beats`, `time_signature_subdivision`, `is_compound`, `reverb_level`
  (0, 1, 2 = MIDI CC 91 at 0, 63, 127) and `bpm` (120 quarter notes per minute).

Tonics sit near middle C: pitch classes C-F go upward from C4, F#-B sit below it.
Downbeats sound the click's downbeat note at velocity 100, other pulses its off-beat note at 75.
The 92 instruments are the 128 General MIDI programs minus the Synth Effects, Percussive and
Sound Effects families, the overtone-heavy 8, 9, 14, 21, 23, 47, 86 and the highly articulate
22, 31, 55, 77, 78: {programs}.

## Fixes versus the original release

- **Splits.** The original shipped one `train` split per config; probes split it at random. Here
  the splits are published, stratified and reproducible, and the tempo split is value-disjoint
  (the original's cut points fell inside BPM 74 and 186).
- **Inversions** are 0 / 1 / 2 with names instead of the figured-bass integers 5 / 6 / 64
  (kept in `inversion_figure`).
- **Augmented chords** have a defined root: the note the triad is built up from in root
  position; inversions raise the lowest notes by an octave.
- **Silent clips** are flagged, not dropped: `is_silent` is true when the raw rendered peak is
  below -80 dBFS (instruments that cannot sound a very low or high note). Filter them out for
  probing: `ds.filter(lambda x: not x["is_silent"])`.
- **Compound meter**: `is_compound` is true for 6/8, 9/8 and 12/8 only (the original also
  flagged 3/8).
- **Progressions** are four root-position diatonic triads of 2 beats each (the original's code;
  the paper text says quarter notes), labelled with Roman numerals that follow triad quality.
- **Audio** is 16-bit mono FLAC rather than 32-bit float stereo WAV: about 1/10 of the bytes.

## Citation

```bibtex
@inproceedings{{wei2024syntheory,
  title     = {{Do Music Generation Models Encode Music Theory?}},
  author    = {{Wei, Megan and Freeman, Michael and Donahue, Chris and Sun, Chen}},
  booktitle = {{Proceedings of the 25th International Society for Music Information Retrieval Conference}},
  year      = {{2024}}
}}
```

License: MIT, as the original dataset. The TimGM6mb SoundFont is by Tim Brechbill (GPL-2).
""".replace("{programs}", _PROGRAMS)
