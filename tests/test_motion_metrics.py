"""Physics metrics on hand-built motions with known answers, and the skeleton's conventions."""

import numpy as np
import pytest

from synthsuite.datasets_src.motion.metrics import MAX_SPEED, SURFACE_RADII, physics_metrics
from synthsuite.datasets_src.motion.skeleton import JOINT_NAMES, PARENTS, from_y_up, to_y_up


def standing(frames: int = 40) -> np.ndarray:
    """A still person whose lowest surface (the soles) touches the floor exactly."""
    pose = np.zeros((22, 3))
    heights = {0: 0.93, 1: 0.84, 2: 0.84, 3: 1.03, 4: 0.45, 5: 0.45, 6: 1.14, 9: 1.2, 12: 1.34, 13: 1.31,
               14: 1.31, 15: 1.43, 16: 1.39, 17: 1.39, 18: 1.12, 19: 1.12, 20: 0.87, 21: 0.87}  # fmt: skip
    for joint, z in heights.items():
        pose[joint, 2] = z
    pose[[1, 4, 7, 10, 13, 16, 18, 20], 1] = 0.1
    pose[[2, 5, 8, 11, 14, 17, 19, 21], 1] = -0.1
    pose[[7, 8], 2] = SURFACE_RADII[[7, 8]]
    pose[[10, 11], 2] = SURFACE_RADII[[10, 11]]
    pose[[10, 11], 0] = 0.11
    return np.repeat(pose[None], frames, axis=0)


def test_a_person_standing_on_the_floor_has_no_physics_error():
    m = physics_metrics(standing())
    assert m.penetrate == m.float == m.skate == m.phys_err == m.jitter == m.overspeed == 0.0


def test_a_body_sunk_5_cm_penetrates_50_mm():
    motion = standing()
    motion[..., 2] -= 0.05
    m = physics_metrics(motion)
    assert m.penetrate == pytest.approx(50.0, abs=1e-6)
    assert m.float == 0.0
    assert m.phys_err == pytest.approx(m.penetrate + m.skate)


def test_penetration_within_the_5_mm_tolerance_does_not_count():
    motion = standing()
    motion[..., 2] -= 0.004
    assert physics_metrics(motion).penetrate == 0.0


def test_a_body_lifted_8_cm_for_half_the_frames_floats_40_mm_on_average():
    motion = standing(40)
    motion[20:, :, 2] += 0.08
    m = physics_metrics(motion)
    assert m.float == pytest.approx(40.0, abs=1e-6)
    assert m.penetrate == 0.0


def test_a_planted_foot_sliding_2_cm_per_frame_skates_20_mm():
    motion = standing(40)
    slide = 0.02 * np.arange(40)
    motion[:, [7, 10], 0] += slide[:, None]  # the left foot slides forward on the floor
    m = physics_metrics(motion)
    # frames pairs: the left ankle and foot move 20 mm, the right foot's joints 0: mean 10 mm
    assert m.skate == pytest.approx(10.0, abs=1e-6)
    lifted = motion.copy()
    lifted[:, [7, 10], 2] += 0.05  # the same slide in the air is not skating
    assert physics_metrics(lifted).skate == 0.0


def test_noise_raises_jitter_and_a_teleport_raises_overspeed():
    rng = np.random.default_rng(0)
    noisy = standing() + rng.normal(0, 0.02, (40, 22, 3))
    assert physics_metrics(noisy).jitter > 100
    glitch = standing()
    glitch[20, :, 0] += 1.0  # 1 m in one frame at 20 fps: 20 m/s out and back
    m = physics_metrics(glitch)
    assert m.overspeed == pytest.approx(2 * (20.0 - MAX_SPEED) / 39, abs=1e-9)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError):
        physics_metrics(np.zeros((10, 21, 3)))
    with pytest.raises(ValueError):
        physics_metrics(np.zeros((1, 22, 3)))


def test_the_skeleton_is_humanml3ds_and_axes_convert_both_ways():
    assert len(JOINT_NAMES) == len(PARENTS) == 22
    assert JOINT_NAMES[10] == "left_foot" and PARENTS[20] == 18
    motion = standing()
    back = from_y_up(to_y_up(motion))
    np.testing.assert_array_equal(back, motion)
    assert to_y_up(motion)[0, 15, 1] == motion[0, 15, 2]  # up is y in HumanML3D's axes
