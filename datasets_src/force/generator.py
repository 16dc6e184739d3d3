"""force-point and force-wind: the Force Prompting training videos, rendered with Blender.

Each row is one video: a scene sampled in this process (numpy only: `balls` / `flags`), rendered
and encoded by this process's render worker under the Blender Python (`runner`, `worker.py`),
and returned as the mp4, its first frame as a PNG, and labels read back from the simulation.
A sample's scene depends only on (dataset, config, key, seed); the profile changes only what is
rendered of it (`profiles`).
"""

import io
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import datasets
import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from synthsuite.datasets_src.force import balls, card, control, flags, profiles, runner
from synthsuite.datasets_src.force.grounds import ground
from synthsuite.datasets_src.force.skies import sky
from synthsuite.datasets_src.generator import Generator, GeneratorOptions, SampleSpec, Stopwatch
from synthsuite.kernel.errors import UserError

# A range narrower than this share of the original's (angle share x strength share) would make
# rejection sampling of scenes slow (~0.3 ms a try): 1/1000 is ~0.3 s a scene at worst.
MIN_RANGE_SHARE = 1e-3
MAX_TRIES = 50_000
ANGLE_RANGE = (0.0, 360.0)
WIND_STRENGTH_RANGE = (0.0, flags.STRENGTH_MAX)


class ForceOptions(GeneratorOptions):
    """Options shared by both datasets. Every one of them changes the rendered bytes."""

    engine: Literal["cycles", "workbench", "eevee"] = "cycles"
    samples: int | None = Field(None, ge=1, le=4096)  # Cycles samples per pixel (default: the profile's)
    resolution: str | None = None  # WIDTHxHEIGHT (default: the profile's)
    threads: int = Field(1, ge=1, le=256)  # Blender threads per worker; parallelise with --workers
    angle_min: float = ANGLE_RANGE[0]
    angle_max: float = ANGLE_RANGE[1]
    control: bool = False  # also store the model's control video (`control` column, see control.py)

    @field_validator("resolution")
    @classmethod
    def _resolution(cls, value: str | None) -> str | None:
        if value is not None:
            profiles.parse_resolution(value)
        return value

    @field_validator("angle_min", "angle_max", "strength_min", "strength_max", check_fields=False)
    @classmethod
    def _in_original_range(cls, value: float, info: ValidationInfo) -> float:
        quantity = info.field_name.split("_")[0]
        low, high = ANGLE_RANGE if quantity == "angle" else cls.strength_range()
        if not low <= value <= high:
            raise ValueError(
                f"{info.field_name}={value:g} is outside {cls.range_name(quantity)} range [{low:g}, {high:g}]"
            )
        if info.field_name.endswith("_max"):
            lower = info.data.get(f"{quantity}_min")
            if lower is not None and value <= lower:
                raise ValueError(f"{info.field_name}={value:g} must be above {quantity}_min={lower:g}")
            angles = info.data.get("angle_min"), info.data.get("angle_max")
            if quantity == "strength" and lower is not None and None not in angles:
                share = (angles[1] - angles[0]) / (ANGLE_RANGE[1] - ANGLE_RANGE[0])
                share *= (value - lower) / (high - low)
                if share < MIN_RANGE_SHARE:
                    raise ValueError(
                        f"the angle and strength ranges cover {share:.1e} of the original's, "
                        f"below {MIN_RANGE_SHARE:g} (scenes are drawn from the original's ranges "
                        "and redrawn until they fall inside)"
                    )
        return value

    @classmethod
    def strength_range(cls) -> tuple[float, float]:
        raise NotImplementedError

    @classmethod
    def range_name(cls, quantity: str) -> str:
        return "the original's"


class ForcePointOptions(ForceOptions):
    strength_min: float = balls.STRENGTH_RANGE[0]  # raw push strength, as the original's U(8, 64)
    strength_max: float = balls.STRENGTH_RANGE[1]

    @classmethod
    def strength_range(cls) -> tuple[float, float]:
        return balls.STRENGTH_RANGE


class ForceWindOptions(ForceOptions):
    strength_min: float = WIND_STRENGTH_RANGE[0]  # raw wind field strength: flags.field_strength(label)
    strength_max: float = WIND_STRENGTH_RANGE[1]

    @classmethod
    def strength_range(cls) -> tuple[float, float]:
        return WIND_STRENGTH_RANGE

    @classmethod
    def range_name(cls, quantity: str) -> str:  # the original's 0..15000 is remapped (flags.field_strength)
        return "the original's" if quantity == "angle" else "the wind field's"


def _floats(dims: int) -> datasets.List:
    feature: Any = datasets.Value("float32")
    for _ in range(dims):
        feature = datasets.List(feature)
    return feature


_VIDEO = {
    "sample_id": datasets.Value("string"),
    "video": datasets.Video(),
    "first_frame": datasets.Image(),
    "caption": datasets.Value("string"),
}
_TIMING = {
    "frame_indices": datasets.List(datasets.Value("int32")),  # scene frame (24 fps) of each video frame
    "num_frames": datasets.Value("int32"),
    "fps": datasets.Value("float32"),
    "seconds": datasets.Value("float32"),
    "width": datasets.Value("int32"),
    "height": datasets.Value("int32"),
}

# The camera as Blender had it: enough to project any world point to pixels again.
_CAMERA = {
    "camera_location": datasets.List(datasets.Value("float32"), length=3),
    "camera_rotation_euler": datasets.List(datasets.Value("float32"), length=3),  # XYZ, radians
    "camera_lens_mm": datasets.Value("float32"),
    "camera_sensor_width_mm": datasets.Value("float32"),  # horizontal sensor fit
}


def _control_column(control: np.ndarray) -> bytes:
    """The control video (frames, 3, height, width) as the bytes of a float16 .npy file.

    float16 keeps the blob's values to 3 decimals at half the bytes; parquet's compression takes the
    mostly-zero point-force maps and the constant wind maps down to a small share of that.
    Read it back with `np.load(io.BytesIO(row["control"]))`."""
    buffer = io.BytesIO()
    np.save(buffer, control.astype(np.float16), allow_pickle=False)
    return buffer.getvalue()


def _camera_columns(camera: dict[str, Any]) -> dict[str, Any]:
    return {
        "camera_location": camera["location"],
        "camera_rotation_euler": camera["rotation_euler"],
        "camera_lens_mm": camera["lens_mm"],
        "camera_sensor_width_mm": camera["sensor_width_mm"],
    }


class ForceGenerator(Generator):
    """What both datasets share: options, profiles, splits, the worker call, the card."""

    version = "1.0.0"
    kind: ClassVar[str]  # the worker's job kind and the one config: "balls" or "flags"
    rows_per_shard: ClassVar[int] = 200  # ~0.5 GB of paper-profile mp4 per shard
    rows_per_task: ClassVar[int] = 1  # one video is one unit of work
    parquet_row_group_rows: ClassVar[int] = 20

    def check_environment(self) -> None:
        runner.check_egl(self.options.engine)  # before Blender starts: without EGL it aborts
        runner.check_blender()

    def environment(self) -> dict[str, str]:
        info = runner.check_blender()
        return {
            "numpy": np.__version__,  # scenes are sampled here; numpy's streams may change (NEP 19)
            "bpy": info["bpy"],
            "blender_python": info["python"],
            "blender_numpy": info["numpy"],
            "av": info["av"],
            "libavcodec": info["libavcodec"],
            "x264": info["x264"],
        }

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        sizes = profiles.PROFILES[config][profile].split_sizes()
        return [
            SampleSpec(f"{config}-{split}-{i:05d}", split, {"profile": profile})
            for split, count in sizes.items()
            for i in range(count)
        ]

    def settings(self, config: str, profile: str) -> dict[str, Any]:
        """What the Blender renderer gets: the profile's, overridden by the options."""
        return profiles.render_settings(self.options, profiles.PROFILES[config][profile])

    def _sample_in_range(
        self, draw: Callable[[], dict[str, Any]], angle_key: str, strength_key: str
    ) -> dict[str, Any]:
        """A scene from the original's distribution, redrawn until angle and strength are in range.

        With the default (the original's) ranges, the first draw is taken: no extra randomness."""
        o = self.options
        for _ in range(MAX_TRIES):
            scene = draw()
            angle, strength = scene[angle_key], scene[strength_key]
            if o.angle_min <= angle <= o.angle_max and o.strength_min <= strength <= o.strength_max:
                return scene
        raise UserError(
            f"no scene with angle in [{o.angle_min:g}, {o.angle_max:g}] and strength in "
            f"[{o.strength_min:g}, {o.strength_max:g}] in {MAX_TRIES} draws",
            "widen angle_min..angle_max or strength_min..strength_max",
        )

    def _render_video(
        self, spec: SampleSpec, scene: dict[str, Any], clock: Stopwatch
    ) -> tuple[dict[str, Any], runner.RenderResult]:
        settings = self.settings(self.kind, spec.params["profile"])
        with clock.stage("blender"):
            result = runner.render(self.kind, scene, settings)
        clock.seconds["blender_render_frames"] = (
            clock.seconds.get("blender_render_frames", 0.0) + result.seconds["blender_render"]
        )
        frames = result.labels["frames"]
        step = settings["frame_step"]
        if result.frames != len(frames) or result.size != (settings["width"], settings["height"]):
            raise RuntimeError(
                f"{spec.key}: the renderer wrote {result.frames} frames of {result.size}, "
                f"its labels list {len(frames)} frames at {settings['width']}x{settings['height']}"
            )
        row = {
            "sample_id": spec.key,
            "video": {"bytes": result.mp4, "path": f"{spec.key}.mp4"},
            "first_frame": {"bytes": result.first_frame, "path": f"{spec.key}.png"},
            "frame_indices": frames,
            "num_frames": len(frames),
            "fps": profiles.SCENE_FPS / step,
            "seconds": len(frames) * step / profiles.SCENE_FPS,
            "width": settings["width"],
            "height": settings["height"],
        }
        return row, result

    def card_metadata(self) -> dict[str, Any]:
        return card.metadata(self.name)

    def _with_control(self, features: dict[str, Any]) -> datasets.Features:
        if self.options.control:
            features["control"] = datasets.Value("binary")  # float16 .npy, (frames, 3, height, width)
        return datasets.Features(features)


class ForcePointGenerator(ForceGenerator):
    name = "force-point"
    kind = "balls"
    configs = ("balls",)
    options_model = ForcePointOptions

    def features(self, config: str) -> datasets.Features:
        return self._with_control(
            {
                **_VIDEO,
                "angle": datasets.Value("float64"),  # on-screen direction of the pushed ball, degrees
                "angle_3d": datasets.Value("float64"),  # the push in world XY, degrees
                "force": datasets.Value("float64"),  # (F - 8) / 56 in [0, 1]
                "force_raw": datasets.Value("float64"),  # F in [8, 64]
                "poke_x": datasets.Value("float64"),  # pushed ball at scene frame 1, pixels
                "poke_y": datasets.Value("float64"),
                "pushed_ball": datasets.Value("int32"),
                "mass": datasets.Value("float32"),
                "is_bowling": datasets.Value("bool"),
                "ground": datasets.Value("string"),
                "ground_caption": datasets.Value("string"),
                "num_balls": datasets.Value("int32"),
                "ball_kinds": datasets.List(datasets.Value("string")),
                "ball_colours": datasets.List(datasets.Value("string")),
                "ball_masses": datasets.List(datasets.Value("float32")),
                "ball_positions_3d": _floats(3),  # [ball][frame][x, y, z], world units
                "ball_positions_px": _floats(3),  # [ball][frame][x, y], pixels, origin bottom-left
                "camera_zoom": datasets.Value("float32"),
                "camera_offset": datasets.List(datasets.Value("float32"), length=2),
                **_CAMERA,
                **_TIMING,
            }
        )

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        with clock.stage("scene"):
            scene = self._sample_in_range(lambda: balls.sample_ball_scene(rng), "angle", "strength_raw")
            balls.validate_ball_scene(scene)
        row, result = self._render_video(spec, scene, clock)
        labels = result.labels
        pushed = scene["balls"][scene["pushed"]]
        strength = scene["strength_raw"]
        low, high = balls.STRENGTH_RANGE
        columns = {
            **row,
            "caption": balls.ball_caption(scene),
            "angle": labels["pixel_angle"],
            "angle_3d": labels["force_angle_3d"],
            "force": (strength - low) / (high - low),
            "force_raw": strength,
            "poke_x": labels["poke_px"][0],
            "poke_y": labels["poke_px"][1],
            "pushed_ball": scene["pushed"],
            "mass": pushed["mass"],
            "is_bowling": pushed["kind"] == "bowling",
            "ground": scene["ground"],
            "ground_caption": ground(scene["ground"]).caption,
            "num_balls": len(scene["balls"]),
            "ball_kinds": [b["kind"] for b in scene["balls"]],
            "ball_colours": [b["colour"] for b in scene["balls"]],
            "ball_masses": [b["mass"] for b in scene["balls"]],
            "ball_positions_3d": labels["ball_positions_3d"],
            "ball_positions_px": labels["ball_positions_px"],
            "camera_zoom": scene["camera"]["zoom"],
            "camera_offset": scene["camera"]["offset"],
            **_camera_columns(labels["camera"]),
        }
        if self.options.control:
            size = {"frames": row["num_frames"], "width": row["width"], "height": row["height"]}
            poke = labels["poke_px"]
            force = (strength - low) / (high - low)
            point = control.point_force_control(poke[0], poke[1], labels["pixel_angle"], force, **size)
            columns["control"] = _control_column(point)
        return columns

    def card_sections(self) -> str:
        return card.POINT


class ForceWindGenerator(ForceGenerator):
    name = "force-wind"
    # 1.1.0: wind field strength graded by the label (flags.field_strength), flags start draped, the
    # first flag always framed, hazy sunsets in multiple scattering (light at the horizon)
    version = "1.1.0"
    kind = "flags"
    configs = ("flags",)
    options_model = ForceWindOptions

    def features(self, config: str) -> datasets.Features:
        return self._with_control(
            {
                **_VIDEO,
                "wind_angle": datasets.Value("float64"),  # the original's: (90 - θ_blender) mod 360
                "wind_speed": datasets.Value("float64"),  # the label in [0, 1]
                "wind_speed_raw": datasets.Value("float64"),  # the field strength flags.field_strength(label)
                "wind_screen_direction": datasets.Value("float64"),  # the wind projected on screen, degrees
                "num_flags": datasets.Value("int32"),
                "flag_colours": datasets.List(datasets.List(datasets.Value("string"), length=2)),
                "sky": datasets.Value("string"),
                "sky_caption": datasets.Value("string"),
                "flag_displacement_mean": _floats(2),  # [flag][frame], world units from the rest pose
                "flag_displacement_max": _floats(2),
                "flag_screen_direction": datasets.List(datasets.Value("float32")),  # [flag], degrees
                "pinned_displacement_max": datasets.List(datasets.Value("float32")),  # [flag], ~0
                "flag_fly_px": _floats(3),  # [flag][frame][x, y]: pixel of the free edge's mean
                "flag_fly_rest_px": _floats(2),  # [flag][x, y]: the same at rest, before the wind
                **_CAMERA,
                **_TIMING,
            }
        )

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        return [
            SampleSpec(s.key, s.split, {**s.params, "max_flags": profiles.MAX_FLAGS[profile]})
            for s in super().plan(config, profile, seed)
        ]

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        with clock.stage("scene"):
            draw = lambda: flags.sample_flag_scene(rng, spec.params["max_flags"])  # noqa: E731
            scene = self._sample_in_range(draw, "wind_angle", "strength_raw")
            flags.validate_flag_scene(scene)
        row, result = self._render_video(spec, scene, clock)
        labels = result.labels
        columns = {
            **row,
            "caption": flags.flag_caption(scene),
            "wind_angle": scene["wind_angle"],
            "wind_speed": scene["strength"],
            "wind_speed_raw": scene["strength_raw"],
            "wind_screen_direction": labels["wind_screen_direction"],
            "num_flags": len(scene["flags"]),
            "flag_colours": [list(f["colours"]) for f in scene["flags"]],
            "sky": scene["sky"],
            "sky_caption": sky(scene["sky"]).caption,
            "flag_displacement_mean": labels["flag_displacement_mean"],
            "flag_displacement_max": labels["flag_displacement_max"],
            "flag_screen_direction": labels["flag_screen_direction"],
            "pinned_displacement_max": labels["pinned_displacement_max"],
            "flag_fly_px": labels["flag_fly_px"],
            "flag_fly_rest_px": labels["flag_fly_rest_px"],
            **_camera_columns(labels["camera"]),
        }
        if self.options.control:
            size = {"frames": row["num_frames"], "width": row["width"], "height": row["height"]}
            wind = control.wind_control(columns["wind_angle"], columns["wind_speed"], **size)
            columns["control"] = _control_column(wind)
        return columns

    def card_sections(self) -> str:
        return card.WIND
