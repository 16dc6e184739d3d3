"""The prose of the force-point and force-wind dataset cards. `{...}` fields come from the manifest."""

from typing import Any

from synthsuite.datasets_src.force.flags import STRENGTH_MAX as _MAX
from synthsuite.datasets_src.force.flags import STRENGTH_RATIO as _RATIO
from synthsuite.datasets_src.force.flags import field_strength


def _field(strength: float) -> str:
    return f"{field_strength(strength):,.0f}"


_LOADING = """```python
from datasets import load_dataset

ds = load_dataset("{{repo_id}}", "{config}", split="train", revision="<commit sha>")
row = ds[0]
row["video"]        # a torchcodec VideoDecoder (needs torchcodec and FFmpeg); Video(decode=False) gives bytes
row["first_frame"]  # a PIL image, the video's first frame exactly (lossless PNG)
```

Pin `revision=` to a commit: results computed on different revisions are not comparable."""

_BUILD = """## Splits

{split_table}

Train / validation / test are 90 / 5 / 5 at the paper profile. A sample's id is
`<config>-<split>-<index>` and its scene depends only on (dataset, config, id, seed), so the
`tiny` and `small` profiles hold the first scenes of each split of the `paper` profile, rendered
at a lower resolution and frame rate (the physics is the same).

## How it was generated

```
{command}
```

synthsuite {synthsuite_version}, generator `{dataset}` {generator_version}, profile `{profile}`,
seed {seed}, options `{options}`, built with `{environment}`. Blender 5.0.1 runs as a Python
module (bpy) in its own Python 3.11 environment, one persistent render process per worker with a
factory reset before every scene; Cycles renders on the CPU with a fixed seed, a fixed thread
count and no denoiser. Videos are H.264 (libx264, yuv420p, CRF 18, one thread, bit-exact mp4):
the same build gives the same bytes, video included. `synthsuite-manifest.json` holds every
shard's sha256 and row count.

## Video and timing columns

| column | meaning |
|---|---|
| `video` | H.264 mp4 of the 120-frame output window taken every `frame_step` frames (paper: 120 frames at 24 fps, 5 s) |
| `first_frame` | the video's first frame as a PNG (exact pixels, before video compression) |
| `caption` | a text prompt built from the scene |
| `frame_indices` | the scene frame (24 fps timeline) of each video frame |
| `num_frames`, `fps`, `seconds`, `width`, `height` | the video's shape; `seconds` is always 5 |

Pixel convention: origin at the bottom-left pixel, x right, y up, pixels (0, 0)..(W-1, H-1);
angles in degrees in [0, 360), 0° = right, 90° = up on screen."""

_DIFFERENCES = """## Differences from the original

- Grounds and skies are procedural Blender materials (≥ 40 grounds, ≥ 50 skies, each with a
  caption), because the original's downloaded Polyhaven textures and HDRIs cannot be fetched
  here; captions are built from the scene instead of written by GPT-4o.
- Cycles on the CPU by default (the original used EEVEE, which needs OpenGL); `engine=eevee` or
  `engine=workbench` are available where Mesa EGL is installed.
- Labels are read back from the simulation for every frame, not only the few numbers the
  original's CSV kept."""

_CITATION = """## Citation

```bibtex
@inproceedings{{gillman2025force,
  title     = {{Force Prompting: Video Generation Models Can Learn and Generalize Physics-based Control Signals}},
  author    = {{Gillman, Nate and Herrmann, Charles and Freeman, Michael and Aggarwal, Daksh and Luo, Evan and Sun, Deqing and Sun, Chen}},
  booktitle = {{Advances in Neural Information Processing Systems}},
  year      = {{2025}}
}}
```

Code of the original: https://github.com/brown-palm/force-prompting (MIT)."""

POINT = f"""# Force Prompting point-force videos: rolling balls (synthsuite)

Videos of 2–4 balls on a ground plane, one of them pushed by a point force of random direction
and strength, with exact per-frame labels: a regeneration of the 12,000 Blender ball videos of
*Force Prompting* (Gillman et al., NeurIPS 2025), built by
[synthsuite](https://pypi.org/project/synthsuite/). One config, `balls`.

{_LOADING.format(config="balls")}

{_BUILD.replace("{dataset}", "force-point")}

## The scene

A ground plane with one of the procedural ground materials; the pushed ball (a bowling ball,
4× the mass of a soccer ball, with probability 1/3) and 1–3 stationary distractors kept out of
a tube of radius 1.5 along its path (a distractor is a bowling ball with probability 0.2).
Rigid bodies as the original: friction 0.5, restitution 0.5, damping 0.04 / 0.1, ground
friction 0.8, 10 substeps and solver iterations. The push starts at scene frame 22 and lasts 24
frames; the video shows scene frames 11–130. Camera zoom U(0, 0.6) and a small offset.

## Label columns

| column | meaning |
|---|---|
| `angle` | the original's label: on-screen direction of the pushed ball's motion between scene frames 1 and 100, degrees |
| `angle_3d` | direction of the push in world XY (degrees, +X = 0, counter-clockwise) |
| `force` | (F − 8) / 56 in [0, 1], the original's normalisation; `force_raw` is F in [8, 64] |
| `poke_x`, `poke_y` | the pushed ball's pixel position at scene frame 1 (the original's `coordx`, `coordy`) |
| `pushed_ball`, `mass`, `is_bowling` | index of the pushed ball in the ball lists, its mass, its kind |
| `ground`, `ground_caption` | the ground material |
| `num_balls`, `ball_kinds`, `ball_colours`, `ball_masses` | every ball, pushed one included |
| `ball_positions_3d` | [ball][frame][x, y, z] world positions at every video frame |
| `ball_positions_px` | [ball][frame][x, y] pixel positions (projected through the camera) |
| `camera_zoom`, `camera_offset` | the camera jitter |

The control signal of the original (a Gaussian blob moving along `angle` from (`poke_x`,
`poke_y`) over (1/8 + 3/8·`force`)·width) is computed from these columns by
`synthsuite.datasets_src.force.control.point_force_control`.

{_DIFFERENCES}

{_CITATION}
"""

WIND = f"""# Force Prompting wind videos: waving flags (synthsuite)

Videos of 1–64 flags on poles that start still and are then blown by a global wind of random
direction and strength, with per-frame cloth labels: a regeneration of the 15,359 flag videos
of *Force Prompting* (Gillman et al., NeurIPS 2025), built by
[synthsuite](https://pypi.org/project/synthsuite/). One config, `flags`.

{_LOADING.format(config="flags")}

{_BUILD.replace("{dataset}", "force-wind")}

## The scene

Flags with the original's Cotton cloth settings (vertex mass 0.3, quality 5, stiffness 15 / 15
/ 5 / 0.5, damping 5 / 0.5, air viscosity 1, pinned to a pole with collision), two colours each
from a palette of ≥ 100, extra flags placed behind the first, a procedural sky. The wind (a
plane wind field) is 0 until scene frame 120 and blows from frame 121; the video shows scene
frames 121–240, from still to wind-blown. Each flag starts draped (the pose a windless
simulation from the flat cloth, in thick air, settles into), so it hangs still before the wind. The camera is jittered as in the original but redrawn
until everything the first flag (the one the caption names) can reach is inside the frame.

**Wind strength.** The label `wind_speed` is s ~ U(0, 1). The original blew with a field
strength 15000·s; its flags swing fully out from about 1,500, so most of its range looked alike.
Here the field strength is `wind_speed_raw` = {_MAX:g} · ({_RATIO:g}^s − 1) / ({_RATIO:g} − 1)
(`synthsuite.datasets_src.force.flags.field_strength`): 0 at s = 0, {_field(0.2)} at 0.2,
{_field(0.5)} at 0.5, {_field(0.8)} at 0.8 and {_field(1.0)} at 1, calibrated against the simulated
flag so that it goes from hanging through swinging out to streaming and fluttering across the
whole range of s.

**Wind direction.** The wind blows in the vertical plane facing the camera. A flag hangs from its
pole before the wind, so winds from within about 30° of straight down (wind_angle near 270) meet a
flag that already hangs downwind: it barely moves, whatever the strength. Upward winds lift it.
The free edge's displacement (`flag_screen_direction`) is not the wind's direction: the swing adds
an upward component for horizontal winds and little sideways motion for downward ones.

## Label columns

| column | meaning |
|---|---|
| `wind_angle` | the original's convention: (90 − θ_blender) mod 360, degrees |
| `wind_speed` | the strength label s in [0, 1] (the original's min-max normalised strength); `wind_speed_raw` is the field strength F = field_strength(s) |
| `wind_screen_direction` | the wind vector projected on screen at the flags, degrees |
| `num_flags`, `flag_colours` | the flags and their two colours each |
| `sky`, `sky_caption` | the sky |
| `flag_displacement_mean`, `flag_displacement_max` | [flag][frame] cloth displacement from the rest pose at wind onset, world units |
| `flag_screen_direction` | [flag] on-screen direction of the mean free-vertex displacement at the last frame |
| `pinned_displacement_max` | [flag] largest displacement of the pinned vertices (a check: ~0) |

Captions contain the wind keywords the paper found essential ("wind", "breeze", "blow"). The
original's control signal (a constant map −1 + 2·`wind_speed`, cos θ, sin θ) is
`synthsuite.datasets_src.force.control.wind_control`.

{_DIFFERENCES}

{_CITATION}
"""


def metadata(dataset: str) -> dict[str, Any]:
    kind = {"force-point": "point-force", "force-wind": "wind"}[dataset]
    return {
        "pretty_name": f"Force Prompting {kind} videos (synthsuite)",
        "license": "mit",
        "task_categories": ["image-to-video", "text-to-video"],
        "tags": ["video", "physics", "blender", "force-prompting", "synthetic", "synthsuite", kind],
    }
