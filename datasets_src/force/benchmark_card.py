"""The prose of the force-benchmark dataset card. `{...}` fields come from the manifest."""

_TEXT = """# Force Prompting adherence benchmark (synthsuite)

What a force-conditioned image-to-video model is asked, with the ground-truth video of each
request rendered from the same Blender scene, so that force adherence can be measured from any
model's videos and the measurement checked against the truth. Built by
[synthsuite](https://pypi.org/project/synthsuite/) after *Force Prompting* (Gillman et al.,
NeurIPS 2025), whose benchmark was 63 point-force and 41 wind images judged by people.

```python
from datasets import load_dataset

ds = load_dataset("{repo_id}", "point-benchmark", split="test", revision="<commit sha>")
row = ds[0]
row["first_frame"], row["caption"], row["angle"], row["force"], row["poke_x"], row["poke_y"]
row["video"]   # the ground truth (torchcodec); Video(decode=False) gives the mp4 bytes
```

## Configs

| config | rows | scene types (kinds; * = not in the training sets) |
|---|---|---|
| `point-benchmark` | 63 | linear 10 (ball, crate\\*, puck\\*), oscillatory 11 (pendulum\\*, punching bag\\*), complex 42 (plant stem\\*, block tower\\*) |
| `wind-benchmark` | 41 | tethered 13 (flag, banner\\*, plant\\*), aerodynamic 13 (balloons\\*, leaves\\*), fluid 15 (smoke\\*, dust\\*) |
| `mass-study` | 192 per seed | 4 grounds x 3 colours x {{soccer, bowling}} x F = 0.125 n, n = 1..8 |

Rows of one `group` show the same scene at 2 or 3 strengths. Point scenes are pushed by the
training balls' force field (24 frames from scene frame 22; raw strength 8 + 56 F times a gain per
kind) and the video is scene frames 21..69; wind scenes settle for 120 frames and the video is
frames 120..168, the wind starting at 121: the training flags' WIND field at their field strength
for the speed (`flags.field_strength`, force-wind 1.1.0), scaled per kind by a wind weight. 49
frames at 8 fps at the paper profile, CogVideoX's output; smaller profiles take every 2nd or 4th frame.

## Columns

`sample_id`, `group`, `scene_type`, `kind`, `new_kind`, `video` (ground truth, H.264),
`first_frame` (PNG), `caption`, `track_px` ([frame][x, y]: the pushed body's centre, or for wind
the mean of every moving point), `displacement_px` (farthest distance of that track from its
start), `frame_indices`, `num_frames`, `fps`, `width`, `height`, the camera, and `scene` (JSON).
Point and mass rows: `angle` (on-screen direction of the pushed body's motion, the original's
label), `angle_3d`, `force` (F in [0, 1]), `force_raw`, `poke_x`, `poke_y`, `target_radius_px`;
mass rows also `ball_kind`, `mass`, `ground`, `colour`, `seed`. Wind rows: `wind_angle`,
`wind_speed`, `wind_speed_raw`, `wind_screen_direction`. Pixels: origin bottom-left, x right,
y up; angles in degrees, 0 = right, 90 = up.

## How it was generated

```
{command}
```

synthsuite {synthsuite_version}, generator `force-benchmark` {generator_version}, profile `{profile}`,
seed {seed}, options `{options}`, built with `{environment}`. Same bytes on every rebuild.

## Splits

{split_table}
"""


def card_sections() -> str:
    return _TEXT
