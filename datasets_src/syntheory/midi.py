"""A score as a standard MIDI file, byte for byte what pretty_midi 0.2 writes for it.

The MIDI column of every pinned revision was written by `pretty_midi.PrettyMIDI.write` (120 BPM,
220 ticks a beat, the score's time signature, one instrument). Building pretty_midi and mido
objects for some twenty events cost ~0.4 ms a clip, more than the rest of a row's Python; this
writes the same bytes directly (checked against pretty_midi in tests/test_syntheory_plan.py):

- track 0: tempo and time signature at tick 0, end of track one tick later;
- track 1: program change, the reverb send (CC 91) if set, then note-ons and note-offs (a note-on
  of velocity 0) in pretty_midi's order: by tick, then program change, control change, note
  events by (pitch, velocity); channel 9 for drums, else 0; running status as mido writes it.
"""

import struct

from synthsuite.datasets_src.syntheory import theory
from synthsuite.datasets_src.syntheory.concepts import Score

TICKS_PER_BEAT = 220  # pretty_midi's default resolution
SECONDS_PER_TICK = 60.0 / (float(theory.BPM) * TICKS_PER_BEAT)
# pretty_midi's order of simultaneous events (its `event_compare`), for the events a score has
_PROGRAM, _CONTROL, _NOTE = 6 << 16, 8 << 16, 10 << 16


def score_midi_bytes(score: Score) -> bytes:
    """The score as pretty_midi writes it: a type 1 file with a timing track and one instrument."""
    beats, unit = score.time_signature
    microseconds_per_beat = int(6e7 / (60.0 / (SECONDS_PER_TICK * TICKS_PER_BEAT)))
    timing = (
        b"\x00\xff\x51\x03"
        + microseconds_per_beat.to_bytes(3, "big")
        + b"\x00\xff\x58\x04"
        + bytes((beats, unit.bit_length() - 1, 24, 8))
        + b"\x01\xff\x2f\x00"
    )
    channel = 9 if score.is_drum else 0
    events = [(0, _PROGRAM, bytes((0xC0 | channel, score.program)))]
    if score.reverb_cc91 is not None:
        send = score.reverb_cc91
        events.append((0, _CONTROL + (91 << 8) + send, bytes((0xB0 | channel, 91, send))))
    for start, end, pitch, velocity in score.notes:
        note_on, note_off = bytes((0x90 | channel, pitch, velocity)), bytes((0x90 | channel, pitch, 0))
        events.append((_tick(start), _NOTE + (pitch << 8) + velocity, note_on))
        events.append((_tick(end), _NOTE + (pitch << 8), note_off))
    events.sort(key=lambda event: event[:2])  # stable, as pretty_midi's sort
    body, tick, running = bytearray(), 0, None
    for at, _, message in events:
        body += _variable_length(at - tick) + (message[1:] if message[0] == running else message)
        tick, running = at, message[0]
    body += b"\x01\xff\x2f\x00"
    return (
        b"MThd" + struct.pack(">IHHH", 6, 1, 2, TICKS_PER_BEAT)
        + b"MTrk" + struct.pack(">I", len(timing)) + timing
        + b"MTrk" + struct.pack(">I", len(body)) + bytes(body)
    )


def _tick(seconds: float) -> int:
    """pretty_midi's `time_to_tick` for a file with one tempo."""
    return round(seconds / SECONDS_PER_TICK) if seconds > 0 else 0


def _variable_length(value: int) -> bytes:
    """A MIDI variable-length quantity: 7 bits a byte, most significant first."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))
