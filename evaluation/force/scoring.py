"""Prediction kind `video`: a model's videos for the force benchmark, measured and scored.

`read` opens the submission (videos.py: a folder or a parquet of videos keyed by benchmark id) and
checks what needs no decoding; `references` reads the task's rows (labels and the expected video
format) through the verified dataset; `score` checks every video's codec, size, frame rate and frame
count before measuring any, then measures each video (motion.py) and turns the measurements into the
task's scores (metrics.py). Which measurement and which scores: by the task's dataset config.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from synthsuite.datasets_src.access import DatasetSource
from synthsuite.evaluation.force import metrics, motion, videos
from synthsuite.evaluation.scoring import Predictions, References, Scorer, Scores
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError

POINT_TYPES = ("linear", "oscillatory", "complex")
WIND_TYPES = ("tethered", "aerodynamic", "fluid")
LABELS = {
    "point-benchmark": (
        "group",
        "scene_type",
        "kind",
        "angle",
        "force",
        "poke_x",
        "poke_y",
        "target_radius_px",
        "track_px",
    ),
    "wind-benchmark": ("group", "scene_type", "kind", "wind_angle", "wind_speed"),
    "mass-study": (
        "group",
        "angle",
        "force",
        "poke_x",
        "poke_y",
        "target_radius_px",
        "ball_kind",
        "ground",
        "colour",
        "seed",
    ),
}
FORMAT = ("num_frames", "width", "height", "fps")


def measure(config: str, frames, row: dict[str, Any]) -> motion.Poke | motion.Wind:
    """The measurement of one video of `config` (frames: grey, (frames, height, width) uint8)."""
    if config == "wind-benchmark":
        return motion.measure_wind(frames)
    return motion.measure_poke(frames, row["poke_x"], row["poke_y"], row["target_radius_px"])


def scores_of(config: str, measured: Sequence, rows: Sequence[dict[str, Any]]) -> Scores:
    if config == "point-benchmark":
        return metrics.point_scores(measured, rows, POINT_TYPES)
    if config == "wind-benchmark":
        return metrics.wind_scores(measured, rows, WIND_TYPES)
    return metrics.mass_scores(measured, rows)


def expected_format(rows: Sequence[dict[str, Any]]) -> videos.VideoFormat:
    formats = {tuple(r[k] for k in FORMAT) for r in rows}
    if len(formats) != 1:
        raise UserError(f"the benchmark's videos differ in format: {sorted(formats)}", "rebuild the dataset")
    frames, width, height, fps = formats.pop()
    return videos.VideoFormat(int(frames), int(width), int(height), float(fps))


class VideoScorer(Scorer):
    """Force adherence measured from the videos themselves (docs/force-evaluation.md)."""

    kind = "video"

    def read(self, path: Path, task: TaskMetadata, max_rows: int) -> Predictions:
        refs, model = videos.open_submission(Path(path))
        if len(refs) > max_rows:
            raise UserError(
                f"{path} holds {len(refs)} videos, far more than {task.name} asks for", "one per id"
            )
        return Predictions([r.sample_id for r in refs], refs, model)

    def references(self, task: TaskMetadata, source: DatasetSource, split: str) -> References:
        config = task.dataset.config
        table = source.read(config, split, ["sample_id", *LABELS[config], *FORMAT])
        rows = table.to_pylist()
        return References(
            [r["sample_id"] for r in rows], rows, extra={"format": expected_format(rows), "config": config}
        )

    def score(self, task: TaskMetadata, references: References, values: Any) -> Scores:
        return score_videos(
            references.extra["config"],
            references.values,
            values,
            references.extra["format"],
            lambda ref, fmt: videos.decode_gray(ref, fmt),
        )


def score_videos(
    config: str,
    rows: Sequence[dict[str, Any]],
    refs: Sequence[videos.VideoRef],
    fmt: videos.VideoFormat,
    decode: Callable[[videos.VideoRef, videos.VideoFormat], Any],
    progress: bool = True,
) -> Scores:
    """Check every video's format, then measure each and score them all."""
    for ref in refs:
        videos.check_format(ref, fmt)
    measured = []
    pairs = zip(rows, refs, strict=True)
    for row, ref in tqdm(
        pairs, total=len(rows), desc="measuring", unit="video", disable=None if progress else True
    ):
        measured.append(measure(config, decode(ref, fmt), row))
    return scores_of(config, measured, rows)
