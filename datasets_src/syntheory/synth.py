"""FluidSynth rendering that is bit-exact whatever was rendered before.

A FluidSynth instance carries state from clip to clip (voice pool, dither, reverb tails), so
reusing one is not reproducible (not even after `fluid_synth_system_reset`). A fresh synth per
clip is, but parsing the SoundFont costs ~10 ms. So each worker parses TimGM6mb once into a
resident synth and lends that SoundFont object to a fresh synth per clip: same bytes as a fully
fresh synth, about half the time. Clips that are windows of one click track share one fresh synth
and one render (`Renderer.render_clips`). Output is read as float (`fluid_synth_write_float`),
which has no dither.
"""

import ctypes
import ctypes.util
import io
import os
from pathlib import Path

import numpy as np

from synthsuite.datasets_src.syntheory.concepts import Score
from synthsuite.kernel.errors import UserError, require_extra

DEFAULT_SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
BLOCK = 64  # FluidSynth's internal block: events take effect on block boundaries
# A raw clip peaking below -80 dBFS is silent: over the 92 instruments at the extreme notes, raw
# peaks fall either below 1e-7 (the instrument has no sample there) or above 3e-4 (audible).
SILENT_PEAK = 10 ** (-80 / 20)
PEAK_TARGET = 10 ** (-1 / 20)  # other clips are peak-normalised to -1 dBFS


def soundfont_path(configured: str | None) -> Path:
    return Path(configured or os.environ.get("SYNTHSUITE_SOUNDFONT") or DEFAULT_SOUNDFONT)


def check_fluidsynth(soundfont: Path) -> None:
    """Fail early, with the fix, when libfluidsynth, pyfluidsynth or the SoundFont is missing.

    The library is loaded first: pyfluidsynth's import fails on a missing library with a
    misleading message.
    """
    library = ctypes.util.find_library("fluidsynth")
    try:
        ctypes.CDLL(library or "libfluidsynth.so.3")
    except OSError as exc:
        raise UserError(
            f"the FluidSynth library libfluidsynth.so.3 cannot be loaded ({exc})",
            "apt-get install libfluidsynth3 (or run `make demo`, which installs it)",
        ) from None
    require_extra("fluidsynth", "music")
    require_extra("soundfile", "music")
    if not soundfont.is_file():
        raise UserError(
            f"SoundFont {soundfont} not found",
            "apt-get install timgm6mb-soundfont, or set SYNTHSUITE_SOUNDFONT to a .sf2 file",
        )


def library_versions() -> dict[str, str]:
    """The versions of the C libraries that produce the audio bytes."""
    import soundfile

    version = require_extra("fluidsynth", "music")._fl.fluid_version_str
    version.restype = ctypes.c_char_p
    return {"libfluidsynth": version().decode(), "libsndfile": soundfile.__libsndfile_version__}


class Renderer:
    """Renders a Score to stereo float32 audio at `sample_rate` (`finish` mixes it down)."""

    def __init__(self, soundfont: Path, sample_rate: int) -> None:
        fluidsynth = require_extra("fluidsynth", "music")
        self._fs = fluidsynth
        lib = fluidsynth._fl
        self._write = lib.fluid_synth_write_float
        self._write.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
        ]
        self._get_sfont = lib.fluid_synth_get_sfont_by_id
        self._get_sfont.argtypes, self._get_sfont.restype = [ctypes.c_void_p, ctypes.c_int], ctypes.c_void_p
        self._add_sfont = lib.fluid_synth_add_sfont
        self._add_sfont.argtypes, self._add_sfont.restype = [ctypes.c_void_p, ctypes.c_void_p], ctypes.c_int
        self._remove_sfont = lib.fluid_synth_remove_sfont
        self._remove_sfont.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        # FluidSynth logs "no preset" warnings for unused channels of a fresh synth: silence them.
        lib.fluid_set_log_function.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
        for level in (2, 3, 4):  # FLUID_WARN, FLUID_INFO, FLUID_DBG
            lib.fluid_set_log_function(level, None, None)
        self.sample_rate = sample_rate
        self._resident = self._new_synth()
        sfont_id = self._resident.sfload(str(soundfont))
        if sfont_id < 0:
            raise UserError(
                f"FluidSynth could not load {soundfont}", "point SYNTHSUITE_SOUNDFONT at a valid .sf2 file"
            )
        self._sfont = self._get_sfont(self._resident.synth, sfont_id)

    def _new_synth(self):
        return self._fs.Synth(
            samplerate=float(self.sample_rate),
            gain=0.2,
            **{"synth.midi-channels": 16, "synth.chorus.active": 0},
        )

    def render(self, score: Score, seconds: float) -> np.ndarray:
        """Stereo float32 audio [start, start + seconds) of the score, shape (frames, 2)."""
        return self.render_clips([score], seconds)[0]

    def render_clips(self, scores: list[Score], seconds: float) -> list[np.ndarray]:
        """Each score's clip, as `render` gives it. Clips that are windows of one track share a
        single render of the track up to the latest window (see `_window_of`)."""
        clips: list[np.ndarray | None] = [None] * len(scores)
        tracks: list[tuple[Score, np.ndarray]] = []
        frames = [self._frames(score, seconds) for score in scores]
        for i in sorted(range(len(scores)), key=lambda i: -frames[i][1]):
            score, (start, end) = scores[i], frames[i]
            track = next((audio for longer, audio in tracks if self._window_of(score, longer, end)), None)
            if track is None:
                track = self._render_track(score, end)
                tracks.append((score, track))
            clips[i] = track[start:end]
        return clips  # type: ignore[return-value]

    def _frames(self, score: Score, seconds: float) -> tuple[int, int]:
        start = round(score.clip_start * self.sample_rate)
        return start, start + round(seconds * self.sample_rate)

    def _window_of(self, score: Score, longer: Score, end: int) -> bool:
        """Whether rendering `longer` gives `score`'s audio up to frame `end`, bit for bit.

        True when both play one instrument and `longer`'s notes are `score`'s followed by notes
        whose note-ons fall after the 64-frame block holding frame `end` - 1: FluidSynth applies
        an event at the start of the next block it renders, so those notes cannot reach the clip,
        and everything before them happens identically on both fresh synths.
        """
        played = len(score.notes)
        if (score.program, score.is_drum, score.reverb_cc91) != (
            longer.program,
            longer.is_drum,
            longer.reverb_cc91,
        ) or longer.notes[:played] != score.notes:
            return False
        last_block = (end - 1) // BLOCK * BLOCK
        return all(round(start * self.sample_rate) > last_block for start, *_ in longer.notes[played:])

    def _render_track(self, score: Score, end: int) -> np.ndarray:
        """Stereo float32 audio of the score from its start to frame `end`, on a fresh synth."""
        synth = self._new_synth()
        try:
            sfont_id = self._add_sfont(synth.synth, self._sfont)
            channel = 9 if score.is_drum else 0
            synth.program_select(channel, sfont_id, 128 if score.is_drum else 0, score.program)
            if score.reverb_cc91 is not None:
                synth.cc(channel, 91, score.reverb_cc91)
            events = sorted(
                [(round(s * self.sample_rate), 1, p, v) for s, _, p, v in score.notes]
                + [(round(e * self.sample_rate), 0, p, 0) for _, e, p, _ in score.notes]
            )  # at one instant: note-offs first, so a repeated pitch restarts cleanly
            total = -(-end // BLOCK) * BLOCK
            out = np.zeros((total, 2), dtype=np.float32)
            cursor = 0
            for frame, is_on, pitch, velocity in [*events, (total, -1, 0, 0)]:
                frame = min(frame, total)
                if frame > cursor:
                    view = out[cursor:frame]
                    pointer = view.ctypes.data
                    self._write(synth.synth, frame - cursor, pointer, 0, 2, pointer, 1, 2)
                    cursor = frame
                if is_on == 1:
                    synth.noteon(channel, pitch, velocity)
                elif is_on == 0:
                    synth.noteoff(channel, pitch)
            return out
        finally:
            self._remove_sfont(synth.synth, self._sfont)
            synth.delete()


def finish(audio: np.ndarray, channels: int) -> tuple[np.ndarray, bool]:
    """Mix to `channels`, flag silence on the raw level, peak-normalise; int16 samples."""
    # (left + right) / 2 in float32, the same bits as audio.mean(axis=1) at a 25th of its cost
    mixed = ((audio[:, 0] + audio[:, 1]) * np.float32(0.5))[:, None] if channels == 1 else audio
    peak = float(np.abs(mixed).max(initial=0.0))
    silent = peak < SILENT_PEAK
    if not silent:
        mixed = mixed * (PEAK_TARGET / peak)
    return np.round(np.clip(mixed, -1.0, 1.0) * 32767.0).astype(np.int16), silent


def flac_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, samples, sample_rate, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()
