"""The `motion-correction` dataset: clean simulated motions (`clean`) and artifacted pairs (`pairs`)."""

import json
from functools import cached_property
from typing import Any, ClassVar

import datasets
import numpy as np
from pydantic import Field

from synthsuite.datasets_src.generator import Generator, GeneratorOptions, SampleSpec, Stopwatch
from synthsuite.datasets_src.motion import artifacts
from synthsuite.datasets_src.motion.card import CARD
from synthsuite.datasets_src.motion.families import FAMILIES
from synthsuite.datasets_src.motion.metrics import METRIC_NAMES
from synthsuite.datasets_src.motion.skeleton import FPS, NUM_JOINTS
from synthsuite.kernel.errors import check_choice

FAMILY_NAMES = tuple(FAMILIES)
# clips per split; paper: the original's 2,794 BMLMoVi training motions, plus 10% each for
# validation and test
SIZES = {
    "clean": {"tiny": (4, 1, 1), "small": (224, 28, 28), "paper": (2794, 350, 350)},
    "pairs": {"tiny": (6, 0, 6), "small": (168, 36, 36), "paper": (1500, 250, 250)},
}
TINY_MAX_FRAMES = 60  # the tiny profile cuts clips at 3 s, so tests take seconds


class MotionOptions(GeneratorOptions):
    families: str = ""  # comma-separated subset of the families (default: all 14)
    video: bool = False  # an mp4 preview of each clean clip (MuJoCo on EGL)
    video_width: int = Field(320, ge=64, le=1920, multiple_of=2)
    video_height: int = Field(240, ge=64, le=1080, multiple_of=2)


def _rows(array: np.ndarray, dtype: type) -> list:
    """An array in the storage form Arrow converts fastest: a list of 1-D arrays (nested for 3-D)."""
    array = np.ascontiguousarray(array, dtype=dtype)
    return [list(frame) for frame in array] if array.ndim == 3 else list(array)


def _motion_features() -> dict[str, Any]:
    return {
        "joints": datasets.Array3D(shape=(None, NUM_JOINTS, 3), dtype="float32"),
        "fps": datasets.Value("int32"),
        "frames": datasets.Value("int32"),
    }


def _metric_features(prefix: str = "") -> dict[str, Any]:
    return {f"{prefix}{name}": datasets.Value("float32") for name in METRIC_NAMES}


class MotionCorrectionGenerator(Generator):
    name = "motion-correction"
    version = "1.0.0"
    configs = ("clean", "pairs")
    options_model = MotionOptions
    rows_per_shard: ClassVar[int] = 1000
    rows_per_task: ClassVar[int] = 4  # a clip takes ~1-3 s: small tasks keep workers evenly busy

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        for family in self.families:
            check_choice("motion family (--set families=...)", family, FAMILY_NAMES)

    @property
    def families(self) -> tuple[str, ...]:
        chosen = [f.strip() for f in self.options.families.split(",") if f.strip()]
        return tuple(dict.fromkeys(chosen)) or FAMILY_NAMES

    @cached_property
    def humanoid(self):
        from synthsuite.datasets_src.motion.humanoid import load_humanoid

        return load_humanoid()

    def check_environment(self) -> None:
        from synthsuite.datasets_src.motion.humanoid import check_mujoco

        if self.options.video:
            from synthsuite.datasets_src.motion import video

            video.check_rendering()
        check_mujoco()

    def environment(self) -> dict[str, str]:
        import importlib.metadata

        from synthsuite.datasets_src.motion.humanoid import model_sha256

        found = {
            "numpy": np.__version__,
            "mujoco": importlib.metadata.version("mujoco"),
            "dm-control": importlib.metadata.version("dm-control"),
            "humanoid_CMU.xml": model_sha256(),
        }
        if self.options.video:
            from synthsuite.datasets_src.motion import video

            found.update(video.versions())
        return found

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        specs = []
        names = self.families
        for split, count in zip(("train", "validation", "test"), SIZES[config][profile], strict=True):
            for i in range(count):
                params: dict[str, Any] = {"family": names[i % len(names)]}
                if config == "pairs":
                    kinds = artifacts.KINDS
                    params["artifact"] = kinds[i % len(kinds)]
                    # families cycle at another pace than artifacts, so every pairing occurs
                    params["family"] = names[(i // len(kinds) + i) % len(names)]
                if profile == "tiny":
                    params["max_frames"] = TINY_MAX_FRAMES
                specs.append(SampleSpec(f"{config}-{split}-{i:05d}", split, params))
        return specs

    def features(self, config: str) -> datasets.Features:
        common = {
            "sample_id": datasets.Value("string"),
            "family": datasets.Value("string"),
            "params": datasets.Value("string"),
            "caption": datasets.Value("string"),
            "captions": datasets.Sequence(datasets.Value("string")),
        }
        if config == "clean":
            features = {
                **common,
                **_motion_features(),
                "root_translation": datasets.Array2D(shape=(None, 3), dtype="float32"),
                "root_orientation": datasets.Array2D(shape=(None, 4), dtype="float32"),
                "qpos": datasets.Array2D(shape=(None, 63), dtype="float32"),
                "foot_contacts": datasets.Array2D(shape=(None, 4), dtype="uint8"),
                **_metric_features(),
                "residual_force": datasets.Value("float32"),
                "residual_force_max": datasets.Value("float32"),
                "residual_torque": datasets.Value("float32"),
                "tracking_error": datasets.Value("float32"),
                "attempts": datasets.Value("int32"),
            }
            if self.options.video:
                features["video"] = datasets.Video()
            return datasets.Features(features)
        return datasets.Features(
            {
                **common,
                "artifacts": datasets.Sequence(datasets.Value("string")),
                "magnitudes": datasets.Sequence(datasets.Value("float32")),
                **_motion_features(),
                "clean_joints": datasets.Array3D(shape=(None, NUM_JOINTS, 3), dtype="float32"),
                **_metric_features(),
                **_metric_features("clean_"),
            }
        )

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        from synthsuite.datasets_src.motion.synthesis import synthesize

        with clock.stage("simulate"):
            clip = synthesize(self.humanoid, spec.params["family"], rng, spec.params.get("max_frames"))
        row: dict[str, Any] = {
            "sample_id": spec.key,
            "family": clip.family,
            "params": json.dumps(clip.params, sort_keys=True),
            "caption": clip.captions[0],
            "captions": clip.captions,
            "fps": FPS,
            "frames": int(clip.joints.shape[0]),
        }
        if config == "clean":
            row.update(
                joints=_rows(clip.joints, np.float32),
                root_translation=_rows(clip.qpos[:, :3], np.float32),
                root_orientation=_rows(clip.qpos[:, 3:7], np.float32),
                qpos=_rows(clip.qpos, np.float32),
                foot_contacts=_rows(clip.contacts, np.uint8),
                **{k: np.float32(v) for k, v in clip.metrics.as_dict().items()},
                residual_force=np.float32(clip.residual_force),
                residual_force_max=np.float32(clip.residual_force_max),
                residual_torque=np.float32(clip.residual_torque),
                tracking_error=np.float32(clip.tracking_error),
                attempts=clip.attempts,
            )
            if self.options.video:
                from synthsuite.datasets_src.motion import video

                with clock.stage("video"):
                    frames = video.render_frames(
                        self.humanoid, clip.qpos, self.options.video_width, self.options.video_height
                    )
                    row["video"] = {"bytes": video.encode_mp4(frames, FPS), "path": f"{spec.key}.mp4"}
            return row
        from synthsuite.datasets_src.motion.metrics import physics_metrics

        with clock.stage("artifacts"):
            joints, kinds, magnitudes = artifacts.inject(clip.joints, spec.params["artifact"], rng, FPS)
            metrics = physics_metrics(joints, FPS)
        row.update(
            artifacts=kinds,
            magnitudes=[np.float32(m) for m in magnitudes],
            joints=_rows(joints, np.float32),
            clean_joints=_rows(clip.joints, np.float32),
            **{k: np.float32(v) for k, v in metrics.as_dict().items()},
            **{f"clean_{k}": np.float32(v) for k, v in clip.metrics.as_dict().items()},
        )
        return row

    def card_sections(self) -> str:
        return CARD

    def card_metadata(self) -> dict[str, Any]:
        return {
            "license": "mit",
            "pretty_name": "Motion correction (synthsuite)",
            "task_categories": ["other"],
            "tags": ["synthetic", "human-motion", "physics", "mujoco", "humanml3d", "self-consuming"],
        }
