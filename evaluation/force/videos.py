"""Force-benchmark submissions: a folder or a parquet file of videos keyed by benchmark id, checked.

A submission is either
- a folder of `<sample_id>.<ext>` video files (ext: mp4, mkv, webm, avi, mov), optionally with a
  `model.json` naming the model (`{"name": ..., "revision": ...}`); nothing else, no sub-folders, no
  symbolic links; or
- a parquet file with `sample_id` (string) and `video`: the file's bytes (binary), or the
  `datasets.Video` struct `{bytes, path}` with bytes embedded; the model in the `synthsuite.model`
  metadata as every predictions file.

Everything that can be checked without decoding is checked before anything is decoded; frame
count, resolution, frame rate and codec are checked against the benchmark before any video is
scored (`check_format`). Every problem is one UserError line, and no results are written.
"""

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synthsuite.evaluation.predictions import MODEL_KEY
from synthsuite.kernel.errors import UserError, require_extra

EXTENSIONS = (".mp4", ".mkv", ".webm", ".avi", ".mov")
MAX_VIDEO_BYTES = 2 * 1024**3  # a paper-size 49-frame clip is a few MB
MAX_PARQUET_BYTES = 16 * 1024**3
# FourCC codes OpenCV reports for the codecs video models write (H.264, H.265, MPEG-4 Part 2, VP8/9, AV1)
CODECS = {
    "avc1": "h264",
    "h264": "h264",
    "H264": "h264",
    "x264": "h264",
    "hev1": "hevc",
    "hvc1": "hevc",
    "hevc": "hevc",
    "mp4v": "mpeg4",
    "FMP4": "mpeg4",
    "XVID": "mpeg4",
    "VP80": "vp8",
    "VP90": "vp9",
    "vp09": "vp9",
    "av01": "av1",
    "AV01": "av1",
}
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
FPS_TOLERANCE = 0.01


@dataclass(frozen=True)
class VideoRef:
    """Where one submitted video is: a file, or a row of a parquet file."""

    sample_id: str
    path: Path | None = None
    data: bytes | None = None

    @property
    def where(self) -> str:
        return str(self.path) if self.path is not None else f"the video of {self.sample_id!r}"


@dataclass(frozen=True)
class VideoFormat:
    frames: int
    width: int
    height: int
    fps: float

    def __str__(self) -> str:
        return f"{self.frames} frames of {self.width}x{self.height} at {self.fps:g} fps"


def opencv():
    """OpenCV, quiet: a file it cannot open is reported once, as our UserError, not also by FFmpeg's and
    OpenCV's own log lines on stderr."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's AV_LOG_QUIET
    require_extra("cv2", "force")
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    return cv2


def _check_id(sample_id: str, where: str) -> None:
    if not SAFE_ID.match(sample_id) or ".." in sample_id:
        raise UserError(
            f"{where}: {sample_id!r} is not a benchmark id (letters, digits, '.', '_', '-'; no '..' or '/')",
            "name each video after its benchmark id, e.g. point-000.mp4",
        )


def open_submission(path: Path) -> tuple[list[VideoRef], dict[str, Any]]:
    """The videos of a submission folder or parquet file, and the model's metadata ({} if none)."""
    if path.is_symlink():
        raise UserError(f"{path} is a symbolic link", "pass the folder or parquet file itself")
    if path.is_dir():
        return _open_folder(path)
    if path.is_file() and path.suffix == ".parquet":
        return _open_parquet(path)
    if not path.exists():
        raise UserError(f"submission {path} does not exist", "pass a folder of videos or a parquet file")
    raise UserError(f"{path} is neither a folder nor a .parquet file", "pass a folder of videos or a parquet")


def _open_folder(folder: Path) -> tuple[list[VideoRef], dict[str, Any]]:
    refs, model = [], {}
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            raise UserError(f"{entry} is a symbolic link", "copy the video into the folder")
        if entry.name == "model.json" and entry.is_file():
            model = _model_json(entry)
            continue
        if entry.is_dir():
            raise UserError(f"{entry} is a folder", "put every video directly in the submission folder")
        if entry.suffix.lower() not in EXTENSIONS:
            raise UserError(
                f"{entry} is not a video file ({', '.join(EXTENSIONS)})", "leave only videos and model.json"
            )
        _check_id(entry.stem, str(entry))
        size = entry.stat().st_size
        if size > MAX_VIDEO_BYTES:
            raise UserError(
                f"{entry} is {size / 1024**3:.1f} GiB, over the 2 GiB limit for one video",
                "submit the 49-frame clip the benchmark asks for (a few MB)",
            )
        if size == 0:
            raise UserError(f"{entry} is empty", "write the video again")
        refs.append(VideoRef(entry.stem, path=entry))
    stems = [r.sample_id for r in refs]
    if len(set(stems)) != len(stems):
        twice = next(s for s in stems if stems.count(s) > 1)
        raise UserError(f"{folder}: two videos for {twice!r}", "keep one file per benchmark id")
    if not refs:
        raise UserError(f"{folder} holds no videos", "write one video per benchmark id, e.g. point-000.mp4")
    return refs, model


def _model_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise UserError(f"{path} is not JSON", 'write {"name": "...", "revision": "..."}') from None
    return data if isinstance(data, dict) else {}


def _open_parquet(path: Path) -> tuple[list[VideoRef], dict[str, Any]]:
    if path.stat().st_size > MAX_PARQUET_BYTES:
        raise UserError(f"{path} is over 16 GiB", "split the videos into a folder of files")
    try:
        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
        for column in ("sample_id", "video"):
            if column not in names:
                raise UserError(
                    f"{path} has no column {column!r} (it has {', '.join(names)})",
                    "write columns 'sample_id' and 'video' (the video file's bytes)",
                )
        table = parquet.read(columns=["sample_id", "video"])
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(f"{path} is not a readable parquet file ({exc})", "write it with pyarrow") from None
    video = table.column("video")
    if pa.types.is_struct(video.type):
        field_names = [video.type.field(i).name for i in range(video.type.num_fields)]
        if "bytes" not in field_names:
            raise UserError(f"{path}: column 'video' has no 'bytes' field", "embed the video bytes")
        flat = video.combine_chunks()
        paths = flat.field("path").to_pylist() if "path" in field_names else [None] * len(flat)
        data = flat.field("bytes").to_pylist()
    elif pa.types.is_binary(video.type) or pa.types.is_large_binary(video.type):
        data, paths = video.to_pylist(), [None] * len(video)
    else:
        raise UserError(f"{path}: column 'video' has type {video.type}", "store each video file's bytes")
    refs = []
    for sample_id, blob, inner in zip(table.column("sample_id").to_pylist(), data, paths, strict=True):
        if not isinstance(sample_id, str):
            raise UserError(f"{path}: 'sample_id' must hold strings, without nulls", "fix the ids")
        _check_id(sample_id, str(path))
        if inner is not None and (".." in Path(inner).parts or Path(inner).is_absolute()):
            raise UserError(
                f"{path}: the video path {inner!r} of {sample_id!r} leaves its folder", "use bare names"
            )
        if not blob:
            raise UserError(f"{path}: the video of {sample_id!r} has no bytes", "embed the video bytes")
        if len(blob) > MAX_VIDEO_BYTES:
            raise UserError(f"{path}: the video of {sample_id!r} is over 2 GiB", "submit the 49-frame clip")
        refs.append(VideoRef(sample_id, data=blob))
    raw = (parquet.schema_arrow.metadata or {}).get(MODEL_KEY)
    try:
        model = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        model = {}
    return refs, model if isinstance(model, dict) else {}


@contextmanager
def video_file(ref: VideoRef) -> Iterator[Path]:
    """A path OpenCV can open: the file itself, or the bytes written to a temporary file."""
    if ref.path is not None:
        yield ref.path
        return
    with tempfile.TemporaryDirectory(prefix="synthsuite-video-") as tmp:
        path = Path(tmp) / "video.mp4"
        path.write_bytes(ref.data or b"")
        yield path


def probe(ref: VideoRef) -> tuple[VideoFormat, str]:
    """The container's frame count, size, frame rate and codec, without decoding."""
    cv2 = opencv()
    with video_file(ref) as path:
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        try:
            if not capture.isOpened():
                raise UserError(f"{ref.where} cannot be read as a video", "write an H.264 mp4")
            code = int(capture.get(cv2.CAP_PROP_FOURCC))
            fourcc = "".join(chr((code >> 8 * i) & 0xFF) for i in range(4))
            fmt = VideoFormat(
                int(capture.get(cv2.CAP_PROP_FRAME_COUNT)),
                int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                float(capture.get(cv2.CAP_PROP_FPS)),
            )
        finally:
            capture.release()
    return fmt, fourcc


def check_format(ref: VideoRef, expected: VideoFormat) -> None:
    """UserError unless the video's codec, size, frame rate and frame count are the benchmark's."""
    fmt, fourcc = probe(ref)
    fix = f"submit {expected}, as the benchmark's first frames (H.264 mp4)"
    if fourcc.strip("\x00 ") not in CODECS:
        raise UserError(f"{ref.where} has codec {fourcc!r}, not one of {sorted(set(CODECS.values()))}", fix)
    if (fmt.width, fmt.height) != (expected.width, expected.height):
        raise UserError(
            f"{ref.where} is {fmt.width}x{fmt.height}, the benchmark is {expected.width}x{expected.height}",
            fix,
        )
    if abs(fmt.fps - expected.fps) > FPS_TOLERANCE:
        raise UserError(f"{ref.where} plays at {fmt.fps:g} fps, the benchmark at {expected.fps:g}", fix)
    if fmt.frames != expected.frames:
        raise UserError(f"{ref.where} has {fmt.frames} frames, the benchmark {expected.frames}", fix)


def decode_rgb(ref: VideoRef, expected: VideoFormat) -> np.ndarray:
    """Every frame as RGB, (frames, height, width, 3) uint8 (for figures)."""
    return _decode(ref, expected, opencv().COLOR_BGR2RGB)


def decode_gray(ref: VideoRef, expected: VideoFormat) -> np.ndarray:
    """Every frame as grey levels, (frames, height, width) uint8; the decoded count is checked too."""
    return _decode(ref, expected, opencv().COLOR_BGR2GRAY)


def _decode(ref: VideoRef, expected: VideoFormat, conversion: int) -> np.ndarray:
    cv2 = opencv()
    frames = []
    with video_file(ref) as path:
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        try:
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                frames.append(cv2.cvtColor(frame, conversion))
        finally:
            capture.release()
    if len(frames) != expected.frames:
        raise UserError(
            f"{ref.where} decodes to {len(frames)} frames, the benchmark has {expected.frames}",
            f"submit {expected}",
        )
    return np.stack(frames)
