"""PNG frames -> H.264 mp4 and first-frame PNG, byte for byte reproducible. Runs in the render worker.

Imported only under the Blender Python (it needs PyAV). The bytes depend on the frames and on the
versions of PyAV, FFmpeg and x264 (recorded in the manifest's `environment`), nothing else:
x264 runs on one thread with fixed options, and the muxer is in bit-exact mode, so no encoder
version string, creation time or thread-dependent decision enters the file.
"""

import struct
import zlib
from collections.abc import Sequence
from fractions import Fraction
from io import BytesIO
from pathlib import Path

import av
import numpy as np

SCENE_FPS = 24  # the original's frame rate; a profile's frame step divides it
CRF = 18  # visually lossless for these scenes; the size of a paper video is ~1-3 MB
PRESET = "medium"


def read_png(path: Path) -> np.ndarray:
    """An (H, W, 3) uint8 RGB array from a PNG of any bit depth or channel count."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.to_ndarray(format="rgb24")


def png_bytes(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB PNG with no ancillary chunks (Blender's own PNGs carry render times)."""
    height, width, _ = rgb.shape
    scanlines = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, -1)], axis=1)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def encode_mp4(frames: Sequence[np.ndarray], fps: Fraction, path: Path) -> None:
    """Write RGB frames as H.264 (yuv420p, BT.601 limited range as FFmpeg assumes) in an mp4."""
    height, width, _ = frames[0].shape
    with av.open(str(path), "w", format="mp4", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.thread_count = 1
        stream.codec_context.options = {"crf": str(CRF), "preset": PRESET, "flags": "+bitexact"}
        for rgb in frames:
            container.mux(stream.encode(_yuv420p(rgb)))
        container.mux(stream.encode(None))


def _yuv420p(rgb: np.ndarray) -> av.VideoFrame:
    """The frame in yuv420p with every byte of its row padding set to zero.

    FFmpeg's conversion leaves the padding at the end of each row (up to the aligned line size)
    uninitialised, and x264's assembly reads it: the same frames then gave different mp4 bytes
    from one encode to the next (3-5 different files in 12 encodes, measured). Zeroed padding
    makes every encode identical."""
    converted = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24").reformat(
        format="yuv420p"
    )
    frame = av.VideoFrame(converted.width, converted.height, "yuv420p")
    for source, target in zip(converted.planes, frame.planes, strict=True):
        visible = np.frombuffer(source, np.uint8).reshape(source.height, source.line_size)[:, : source.width]
        padded = np.zeros((target.height, target.line_size), np.uint8)
        padded[:, : target.width] = visible
        target.update(padded.tobytes())
    return frame


def x264_build() -> str:
    """x264's build line ("core 164 r3108 31e19f9"), read from the SEI of a one-frame encode."""
    buffer = BytesIO()
    with av.open(buffer, "w", format="h264") as container:
        stream = container.add_stream("libx264", rate=1)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    data = buffer.getvalue()
    start = data.find(b"x264 - core ")
    if start < 0:
        return "unknown"
    return data[start + len(b"x264 - ") : data.find(b" - ", start + len(b"x264 - "))].decode()
