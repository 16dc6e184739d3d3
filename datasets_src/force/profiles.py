"""Profiles of the force datasets: resolution, frame step, samples and videos per split.

Physics is the same at every profile (the scene modules own the 24 fps timeline); a profile
changes only what is rendered of it: resolution, Cycles samples, every `frame_step`-th frame of
the 120-frame output window, and the number of videos. Sample keys are `<config>-<split>-<i>`,
and a sample's random scene depends only on its key and the seed, so the tiny and small
profiles are the first videos of each split of the paper profile, rendered smaller.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from synthsuite.datasets_src.generator import SPLITS

OUTPUT_FRAMES = 120  # the original's clips: 120 frames at 24 fps (5 s)
SCENE_FPS = 24
MIN_SIDE, MAX_SIDE = 16, 4096


@dataclass(frozen=True)
class Profile:
    width: int
    height: int
    frame_step: int  # 1: all 120 frames at 24 fps; 8: 15 frames at 3 fps
    samples: int  # Cycles samples per pixel (Workbench/EEVEE ignore it)
    videos: tuple[int, int, int]  # train, validation, test

    @property
    def frames(self) -> int:
        return len(range(0, OUTPUT_FRAMES, self.frame_step))

    @property
    def fps(self) -> float:
        return SCENE_FPS / self.frame_step

    def split_sizes(self) -> dict[str, int]:
        return dict(zip(SPLITS, self.videos, strict=True))


def _split(total: int) -> tuple[int, int, int]:
    """90 / 5 / 5, the remainder to train."""
    held_out = total // 20
    return total - 2 * held_out, held_out, held_out


PROFILES: dict[str, dict[str, Profile]] = {
    # The original sizes: 12,000 Blender ball videos (of the 23,000 point-force videos, the rest
    # PhysDreamer plants) and 15,359 flag videos, 720 x 480, 120 frames at 24 fps.
    "balls": {
        "paper": Profile(720, 480, 1, 32, _split(12_000)),
        "small": Profile(240, 160, 2, 16, (40, 4, 4)),
        "tiny": Profile(96, 64, 8, 4, (3, 1, 1)),
    },
    "flags": {
        "paper": Profile(720, 480, 1, 32, _split(15_359)),
        "small": Profile(240, 160, 2, 16, (40, 4, 4)),
        "tiny": Profile(96, 64, 8, 4, (3, 1, 1)),
    },
}
# Flags per scene are 1..max_flags. The original: 64; fewer at the small profiles, where cloth
# simulation of dozens of flags would dominate the render time of a low-resolution clip.
MAX_FLAGS = {"paper": 64, "small": 16, "tiny": 4}


def parse_resolution(text: str) -> tuple[int, int]:
    """`WIDTHxHEIGHT` that H.264 (yuv420p) can encode: even sides in [16, 4096]. ValueError if not."""
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise ValueError(f"resolution must be WIDTHxHEIGHT, e.g. 720x480, got {text!r}")
    w, h = int(width), int(height)
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE) or w % 2 or h % 2:
        raise ValueError(
            f"H.264 video (yuv420p) needs an even width and height from {MIN_SIDE} to {MAX_SIDE}, got {w}x{h}"
        )
    return w, h


class _RenderOptions(Protocol):
    engine: str
    samples: int | None
    resolution: str | None
    threads: int


class _RenderProfile(Protocol):
    width: int
    height: int
    samples: int
    frame_step: int


def render_settings(options: _RenderOptions, profile: _RenderProfile) -> dict[str, Any]:
    """What the Blender renderer gets: the profile's size, samples and frame step, overridden by the
    options (the same for the training datasets and the benchmark)."""
    width, height = (
        parse_resolution(options.resolution) if options.resolution else (profile.width, profile.height)
    )
    return {
        "width": width,
        "height": height,
        "engine": options.engine,
        "samples": options.samples or profile.samples,
        "threads": options.threads,
        "frame_step": profile.frame_step,
    }
