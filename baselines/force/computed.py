"""Computed force baselines: videos made from the first frame by a formula, no model, so that the force
tasks have entries before any GPU run; plus the ground truth, scored through the same pipeline.

- `still`: the first frame repeated. Nothing moves: every direction score is at its floor.
- `text-only`: a stand-in for a model that reads the prompt but not the force: the `warp` below in a
  direction drawn from the benchmark id (seeded), at strength 0.5.
- `warp`: the first frame pushed along the force. Point forces and the mass study: a smooth push of
  the poked region, displacement d(t) = t/(T-1) · (1/8 + 3/8 F) · width along the angle (the control
  blob's own path) with a Gaussian falloff around the poke point; wind: the whole scene sheared along
  the wind, more the higher a pixel is, up to 0.15 · speed · width at the last frame. Strength-scaled,
  mass-blind (as the paper's control signal).
- `ground-truth`: the benchmark's own videos.

Each writes a submission folder of mp4 videos (MPEG-4 Part 2 through OpenCV, the same bytes every run)
and scores it with `evaluate_predictions`, like any model's videos.
"""

import math
from pathlib import Path
from typing import Any

import numpy as np

from synthsuite.evaluation.evaluator import evaluate_predictions, open_task_dataset
from synthsuite.evaluation.force.videos import opencv
from synthsuite.evaluation.results import ModelInfo, Result
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.seeding import derive_seed

BASELINES = ("still", "text-only", "warp", "ground-truth")
VERSION = "1.0.0"
WIND_SHEAR = 0.15  # of the width, at wind speed 1 and the top of the frame
COLUMNS = ("sample_id", "first_frame", "num_frames", "width", "height", "fps")
LABELS = {
    "point-benchmark": ("angle", "force", "poke_x", "poke_y", "target_radius_px"),
    "mass-study": ("angle", "force", "poke_x", "poke_y", "target_radius_px"),
    "wind-benchmark": ("wind_angle", "wind_speed"),
}


def _remap(image: np.ndarray, source_x: np.ndarray, source_y: np.ndarray) -> np.ndarray:
    cv2 = opencv()
    return cv2.remap(
        image,
        source_x.astype(np.float32),
        source_y.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def push_video(
    image: np.ndarray, poke: tuple[float, float], angle: float, force: float, radius: float, frames: int
) -> np.ndarray:
    """(frames, H, W, 3): `image` with the region around `poke` (pixels, origin bottom-left) pushed
    along `angle` by the control blob's travel for strength `force`, fading with a Gaussian."""
    height, width = image.shape[:2]
    columns, rows = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    cx, cy = poke[0], height - 1 - poke[1]
    travel = (1 / 8 + 3 / 8 * force) * width
    ux, uy = math.cos(math.radians(angle)), -math.sin(math.radians(angle))  # image rows point down
    sigma = max(3.0 * radius, 0.35 * travel)
    weight = np.exp(-((columns - cx) ** 2 + (rows - cy) ** 2) / (2 * sigma**2))
    video = []
    for t in range(frames):
        d = travel * t / max(frames - 1, 1)
        video.append(_remap(image, columns - d * ux * weight, rows - d * uy * weight))
    return np.stack(video)


def shear_video(image: np.ndarray, angle: float, speed: float, frames: int) -> np.ndarray:
    """(frames, H, W, 3): `image` sheared along the wind, the top of the frame the most."""
    height, width = image.shape[:2]
    columns, rows = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    ux, uy = math.cos(math.radians(angle)), -math.sin(math.radians(angle))
    height_share = 1.0 - rows / max(height - 1, 1)
    video = []
    for t in range(frames):
        d = WIND_SHEAR * speed * width * t / max(frames - 1, 1)
        video.append(_remap(image, columns - d * ux * height_share, rows - d * uy * height_share))
    return np.stack(video)


def baseline_video(
    baseline: str, config: str, row: dict[str, Any], image: np.ndarray, seed: int
) -> np.ndarray:
    """The frames (RGB uint8) of `baseline` for one benchmark row."""
    frames = int(row["num_frames"])
    if baseline == "still":
        return np.repeat(image[None], frames, axis=0)
    if baseline == "text-only":
        angle = float(
            np.random.default_rng(derive_seed("force-text-only", row["sample_id"], seed)).uniform(0, 360)
        )
        strength = 0.5
    else:
        angle = row["wind_angle"] if config == "wind-benchmark" else row["angle"]
        strength = row["wind_speed"] if config == "wind-benchmark" else row["force"]
    if config == "wind-benchmark":
        return shear_video(image, angle, strength, frames)
    poke = (row["poke_x"], row["poke_y"])
    return push_video(image, poke, angle, strength, row["target_radius_px"], frames)


def write_video(path: Path, frames: np.ndarray, fps: float) -> None:
    """RGB frames as an MPEG-4 Part 2 mp4 (OpenCV's built-in encoder: byte-identical run to run)."""
    cv2 = opencv()
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), (width, height))
    if not writer.isOpened():
        raise UserError(f"OpenCV cannot write {path}", "install opencv-python-headless (the force extra)")
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[..., ::-1]))
    writer.release()


def write_submission(
    task: TaskMetadata, baseline: str, folder: Path, *, dataset: str | Path | None = None, seed: int = 0
) -> int:
    """Write `baseline`'s video for every row of the task's split into `folder`; returns the count."""
    cv2 = opencv()
    if baseline not in BASELINES:
        raise UserError(f"unknown baseline {baseline!r}", f"choose one of: {', '.join(BASELINES)}")
    source, _ = open_task_dataset(task, dataset)
    config = task.dataset.config
    columns = [*COLUMNS, *LABELS[config]] + (["video"] if baseline == "ground-truth" else [])
    rows = source.read(config, task.eval_split, columns).to_pylist()
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        target = folder / f"{row['sample_id']}.mp4"
        if baseline == "ground-truth":
            target.write_bytes(row["video"]["bytes"])
            continue
        png = np.frombuffer(row["first_frame"]["bytes"], np.uint8)
        image = cv2.cvtColor(cv2.imdecode(png, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        write_video(target, baseline_video(baseline, config, row, image, seed), row["fps"])
    return len(rows)


def run(
    task: TaskMetadata,
    baseline: str,
    out: Path,
    *,
    dataset: str | Path | None = None,
    seed: int = 0,
) -> Result:
    """Write the submission to OUT/<task>/<baseline>/ and score it into OUT/<task>/<baseline>.results.json."""
    folder = out / task.name.replace("/", "__") / baseline
    count = write_submission(task, baseline, folder, dataset=dataset, seed=seed)
    model = ModelInfo(
        name=f"force-{baseline}", revision=VERSION, details={"videos": str(count), "seed": str(seed)}
    )
    result = evaluate_predictions(task, folder, dataset=dataset, model=model, seeds=[seed])
    result.write(folder.with_suffix(".results.json"))
    return result
