"""The two SynTheory generation shortcuts, checked on every paper-profile clip they touch.

    python benchmarks/syntheory_shortcuts.py            # all paper scores and click-track clips
    python benchmarks/syntheory_shortcuts.py --every 50 # one shard row in 50, for a quick look

1. The MIDI column written directly (`datasets_src/syntheory/midi.py`) against pretty_midi writing
   the same score, for every paper score of the seven concepts: identical files, and the CPU time
   of each writer.
2. Shared click-track renders: the paper shards of `tempos` and `time_signatures` are cut into tasks
   as the engine cuts them (`engine.task_rows`); each task's clips are rendered together
   (`Renderer.render_clips`, one render per track) and each clip again alone: identical audio, the
   seconds of audio FluidSynth renders each way, and the CPU time of each.

The tests check both on samples (tests/test_syntheory_plan.py, tests/test_engine.py); this runs
them on all 104,585 scores and 5,225 click clips of the paper build (a few minutes).
"""

import argparse
import io
import os
import time

import numpy as np

from synthsuite.datasets_src import engine
from synthsuite.datasets_src.generator import get_generator
from synthsuite.datasets_src.syntheory import concepts, theory
from synthsuite.datasets_src.syntheory.midi import score_midi_bytes
from synthsuite.kernel.seeding import sample_rng

CLICK_CONFIGS = ("tempos", "time_signatures")


def pretty_midi_bytes(score: concepts.Score) -> bytes:
    """How the pinned revisions' MIDI column was written: pretty_midi, one instrument."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=float(theory.BPM))
    pm.time_signature_changes.append(pretty_midi.TimeSignature(*score.time_signature, 0.0))
    instrument = pretty_midi.Instrument(program=score.program, is_drum=score.is_drum)
    if score.reverb_cc91 is not None:
        instrument.control_changes.append(pretty_midi.ControlChange(91, score.reverb_cc91, 0.0))
    instrument.notes = [pretty_midi.Note(velocity=v, pitch=p, start=s, end=e) for s, e, p, v in score.notes]
    pm.instruments.append(instrument)
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


def shard_tasks(config: str, every: int) -> list[list[concepts.Score]]:
    """The scores of each paper task of `config`, keeping one task in `every`."""
    generator = get_generator("syntheory")
    identity = engine.build_identity(generator, "paper", 0)
    concept = concepts.CONCEPTS[config]
    tasks = []
    for shard in engine.plan_shards(generator, identity, config, limit=None):
        for rows in engine.task_rows(generator, shard):
            specs = [shard.specs[row] for row in rows]
            task = [concept.score(dict(s.params), sample_rng("syntheory", config, s.key, 0)) for s in specs]
            tasks.append([score for score, _ in task])
    return tasks[::every]


def check_midi(every: int) -> None:
    same = total = 0
    seconds = {"pretty_midi": 0.0, "direct": 0.0}
    for config, concept in concepts.CONCEPTS.items():
        for spec in concepts.plan(concept, "paper", 0)[::every]:
            score = concept.score(dict(spec.params), sample_rng("syntheory", config, spec.key, 0))[0]
            started = time.process_time()
            reference = pretty_midi_bytes(score)
            middle = time.process_time()
            direct = score_midi_bytes(score)
            seconds["pretty_midi"] += middle - started
            seconds["direct"] += time.process_time() - middle
            same += reference == direct
            total += 1
    print(
        f"MIDI: {same:,} of {total:,} paper scores written identically; CPU s: pretty_midi "
        f"{seconds['pretty_midi']:.1f}, direct {seconds['direct']:.1f} "
        f"(x{seconds['pretty_midi'] / seconds['direct']:.1f})"
    )


def check_click_tracks(every: int) -> None:
    from synthsuite.datasets_src.syntheory.synth import Renderer, soundfont_path

    renderer = Renderer(soundfont_path(None), 44_100)
    for config in CLICK_CONFIGS:
        same = total = 0
        seconds = {"shared": 0.0, "alone": 0.0}
        audio = {"shared": 0.0, "alone": 0.0}
        for scores in shard_tasks(config, every):
            started = time.process_time()
            together = renderer.render_clips(scores, theory.CLIP_SECONDS)
            middle = time.process_time()
            alone = [renderer.render(score, theory.CLIP_SECONDS) for score in scores]
            seconds["shared"] += middle - started
            seconds["alone"] += time.process_time() - middle
            tracks = {id(clip.base): len(clip.base) for clip in together}
            audio["shared"] += sum(tracks.values()) / 44_100
            audio["alone"] += sum(len(clip.base) for clip in alone) / 44_100
            same += sum(np.array_equal(a, b) for a, b in zip(together, alone, strict=True))
            total += len(scores)
        print(
            f"{config}: {same:,} of {total:,} clips identical shared and alone; audio rendered "
            f"{audio['alone'] / 3600:.1f} h alone, {audio['shared'] / 3600:.1f} h shared "
            f"(x{audio['alone'] / audio['shared']:.2f}); CPU s {seconds['alone']:.0f} alone, "
            f"{seconds['shared']:.0f} shared (x{seconds['alone'] / seconds['shared']:.2f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--every", type=int, default=1, help="check one score and one task in EVERY (default: all)"
    )
    args = parser.parse_args()
    print(
        f"paper profile, one score and one task in {args.every}; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    check_midi(args.every)
    check_click_tracks(args.every)


if __name__ == "__main__":
    main()
