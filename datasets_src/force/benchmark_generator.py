"""force-benchmark: what a force-conditioned video model is asked, and the ground-truth video of it.

Three configs (`benchmark.CONFIGS`), one `test` split each: `point-benchmark` (63 pokes), `wind-benchmark`
(41 winds) and `mass-study` (192 pushes per seed). A row holds the model's inputs (first frame, caption,
angle, strength and, for pokes, the poke point), the ground-truth video rendered from the same scene
by the render worker (`benchmark_blender`), and what the simulation says happened (the tracked
motion). evaluation/force scores any model's videos against these rows.
"""

import json
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import datasets
import numpy as np
from pydantic import Field, field_validator

from synthsuite.datasets_src.force import benchmark as B
from synthsuite.datasets_src.force import profiles as training_profiles
from synthsuite.datasets_src.force import runner
from synthsuite.datasets_src.force.benchmark_card import card_sections
from synthsuite.datasets_src.force.flags import field_strength
from synthsuite.datasets_src.generator import Generator, GeneratorOptions, SampleSpec, Stopwatch
from synthsuite.kernel.seeding import derive_seed

VIDEO_FPS = 8  # CogVideoX's output: 49 frames at 8 fps; a profile's frame step divides it


@dataclass(frozen=True)
class BenchmarkProfile:
    width: int
    height: int
    frame_step: int  # every n-th frame of the 49-frame window
    samples: int
    mass_seeds: int

    @property
    def frames(self) -> int:
        return len(range(0, B.CLIP_FRAMES, self.frame_step))

    @property
    def fps(self) -> float:
        return VIDEO_FPS / self.frame_step


PROFILES = {
    "paper": BenchmarkProfile(720, 480, 1, 32, 10),  # the paper's 49 x 720 x 480 and 10 mass seeds
    "small": BenchmarkProfile(240, 160, 2, 16, 2),
    "tiny": BenchmarkProfile(144, 96, 4, 4, 1),  # above the training sets' 96 x 64: objects stay trackable
}


class ForceBenchmarkOptions(GeneratorOptions):
    engine: Literal["cycles", "workbench", "eevee"] = "cycles"
    samples: int | None = Field(None, ge=1, le=4096)
    resolution: str | None = None
    threads: int = Field(1, ge=1, le=256)

    @field_validator("resolution")
    @classmethod
    def _resolution(cls, value: str | None) -> str | None:
        if value is not None:
            training_profiles.parse_resolution(value)
        return value


_COMMON = {
    "sample_id": datasets.Value("string"),
    "group": datasets.Value("string"),  # rows that differ only in strength
    "scene_type": datasets.Value("string"),
    "kind": datasets.Value("string"),
    "new_kind": datasets.Value("bool"),  # not in the training sets (force-point: balls, force-wind: flags)
    "video": datasets.Video(),  # the ground truth
    "first_frame": datasets.Image(),
    "caption": datasets.Value("string"),
    "track_px": datasets.List(datasets.List(datasets.Value("float32"), length=2)),  # [frame][x, y]
    "displacement_px": datasets.Value("float32"),
    "frame_indices": datasets.List(datasets.Value("int32")),
    "num_frames": datasets.Value("int32"),
    "fps": datasets.Value("float32"),
    "width": datasets.Value("int32"),
    "height": datasets.Value("int32"),
    "camera_location": datasets.List(datasets.Value("float32"), length=3),
    "camera_rotation_euler": datasets.List(datasets.Value("float32"), length=3),
    "camera_lens_mm": datasets.Value("float32"),
    "camera_sensor_width_mm": datasets.Value("float32"),
    "scene": datasets.Value("string"),  # the scene as JSON: everything the renderer was given
}
_POKE = {
    "angle": datasets.Value("float64"),  # on-screen direction of the pushed body's motion, degrees
    "angle_3d": datasets.Value("float64"),  # the push in world XY
    "force": datasets.Value("float64"),  # F in [0, 1]
    "force_raw": datasets.Value("float64"),  # the Blender field strength
    "poke_x": datasets.Value("float64"),  # the pushed body at the first frame, pixels, origin bottom-left
    "poke_y": datasets.Value("float64"),
    "target_radius_px": datasets.Value("float32"),
}
_WIND = {
    "wind_angle": datasets.Value("float64"),  # (90 - θ_blender) mod 360: the on-screen direction
    "wind_speed": datasets.Value("float64"),  # [0, 1]
    "wind_speed_raw": datasets.Value("float64"),  # the WIND field strength: flags.field_strength(speed)
    "wind_screen_direction": datasets.Value("float64"),
}
_MASS = {
    "ball_kind": datasets.Value("string"),
    "mass": datasets.Value("float32"),
    "ground": datasets.Value("string"),
    "colour": datasets.Value("string"),
    "seed": datasets.Value("int32"),
}


class ForceBenchmarkGenerator(Generator):
    name = "force-benchmark"
    version = "1.0.0"
    configs = B.CONFIGS
    options_model = ForceBenchmarkOptions
    rows_per_shard: ClassVar[int] = 8  # small shards: an interrupted build keeps what it rendered
    rows_per_task: ClassVar[int] = 1
    parquet_row_group_rows: ClassVar[int] = 20

    def check_environment(self) -> None:
        runner.check_egl(self.options.engine)
        runner.check_blender()

    def environment(self) -> dict[str, str]:
        info = runner.check_blender()
        return {
            "numpy": np.__version__,
            "bpy": info["bpy"],
            "blender_numpy": info["numpy"],
            "av": info["av"],
            "libavcodec": info["libavcodec"],
            "x264": info["x264"],
        }

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        rows = B.design(config, PROFILES[profile].mass_seeds)
        specs = []
        for row in rows:
            params = {
                "profile": profile,
                "group": row.group,
                "scene_type": row.scene_type,
                "kind": row.kind,
                "strength": row.strength,
                "seed": row.seed,
                # a group's rows share their scene: it is drawn from the group's own seed
                "group_seed": derive_seed(self.name, config, row.group, seed),
            }
            if config == "wind-benchmark":
                # The wind's field strength for the speed (the training flags' mapping) is part of the
                # spec, so a build made under another mapping is never resumed into this one.
                params["field_strength"] = round(field_strength(row.strength), 6)
            specs.append(SampleSpec(row.sample_id, "test", params))
        return specs

    def settings(self, profile: str) -> dict[str, Any]:
        return {**training_profiles.render_settings(self.options, PROFILES[profile]), "video_fps": VIDEO_FPS}

    def features(self, config: str) -> datasets.Features:
        extra = {"point-benchmark": _POKE, "wind-benchmark": _WIND, "mass-study": {**_POKE, **_MASS}}[config]
        return datasets.Features({**_COMMON, **extra})

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        p = spec.params
        row = B.Row(spec.key, p["group"], p["scene_type"], p["kind"], p["strength"], p["seed"])
        with clock.stage("scene"):
            scene = B.scene_for(config, row, np.random.default_rng(p["group_seed"]), rng)
        settings = self.settings(p["profile"])
        with clock.stage("blender"):
            result = runner.render("benchmark", scene, settings)
        labels = result.labels
        frames = labels["frames"]
        if result.frames != len(frames) or result.size != (settings["width"], settings["height"]):
            raise RuntimeError(f"{spec.key}: the renderer wrote {result.frames} frames of {result.size}")
        camera = labels["camera"]
        columns: dict[str, Any] = {
            "sample_id": spec.key,
            "group": row.group,
            "scene_type": row.scene_type,
            "kind": row.kind if config != "mass-study" else scene["objects"][0]["ball_kind"],
            "new_kind": row.kind not in B.TRAINING_KINDS,
            "video": {"bytes": result.mp4, "path": f"{spec.key}.mp4"},
            "first_frame": {"bytes": result.first_frame, "path": f"{spec.key}.png"},
            "caption": B.caption(scene),
            "track_px": labels["track_px"],
            "displacement_px": labels["displacement_px"],
            "frame_indices": frames,
            "num_frames": len(frames),
            "fps": VIDEO_FPS / settings["frame_step"],
            "width": settings["width"],
            "height": settings["height"],
            "camera_location": camera["location"],
            "camera_rotation_euler": camera["rotation_euler"],
            "camera_lens_mm": camera["lens_mm"],
            "camera_sensor_width_mm": camera["sensor_width_mm"],
            "scene": json.dumps(scene, sort_keys=True),
        }
        if config == "wind-benchmark":
            if round(scene["strength_raw"], 6) != p["field_strength"]:
                raise RuntimeError(f"{spec.key}: the scene's field strength differs from the spec's")
            columns.update(
                wind_angle=scene["wind_angle"],
                wind_speed=scene["strength"],
                wind_speed_raw=scene["strength_raw"],
                wind_screen_direction=labels["wind_screen_direction"],
            )
            return columns
        columns.update(
            angle=labels["angle"],
            angle_3d=scene["angle_3d"],
            force=scene["strength"],
            force_raw=scene["strength_raw"],
            poke_x=labels["poke_px"][0],
            poke_y=labels["poke_px"][1],
            target_radius_px=labels["target_radius_px"],
        )
        if config == "mass-study":
            ball = scene["objects"][0]
            columns.update(
                ball_kind=ball["ball_kind"],
                mass=B.mass_of(scene),
                ground=scene["ground"],
                colour=ball["colour"],
                seed=row.seed,
            )
        return columns

    def card_sections(self) -> str:
        return card_sections()

    def card_metadata(self) -> dict[str, Any]:
        return {
            "pretty_name": "Force Prompting adherence benchmark (synthsuite)",
            "license": "mit",
            "task_categories": ["image-to-video"],
            "tags": [
                "video",
                "physics",
                "blender",
                "force-prompting",
                "benchmark",
                "synthetic",
                "synthsuite",
            ],
        }
