"""The 22-joint skeleton of HumanML3D (SMPL's first 22 joints), in its order, and the axes we use.

Positions are metres in a z-up world with the floor at z = 0; a clip starts with the person near
the origin facing +x, with +y to their left (MuJoCo's and ROS's convention). HumanML3D itself is
y-up and faces +z with +x to the left: `from_y_up` and `to_y_up` convert (a proper rotation, no
mirror). Nothing here imports MuJoCo, so evaluators can read motions without it.
"""

import numpy as np

JOINT_NAMES = (
    "pelvis",
    "left_hip",
    "right_hip",
    "spine1",
    "left_knee",
    "right_knee",
    "spine2",
    "left_ankle",
    "right_ankle",
    "spine3",
    "left_foot",
    "right_foot",
    "neck",
    "left_collar",
    "right_collar",
    "head",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
)
NUM_JOINTS = len(JOINT_NAMES)
PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)
FPS = 20  # HumanML3D's frame rate
MIN_FRAMES, MAX_FRAMES = 40, 196  # the lengths HumanML3D and the original kept
LEFT_FOOT_JOINTS = (7, 10)  # ankle, foot (toe base)
RIGHT_FOOT_JOINTS = (8, 11)
FOOT_JOINTS = (7, 8, 10, 11)


def from_y_up(joints: np.ndarray) -> np.ndarray:
    """HumanML3D axes (x left, y up, z forward) -> ours (x forward, y left, z up)."""
    return joints[..., [2, 0, 1]]


def to_y_up(joints: np.ndarray) -> np.ndarray:
    """Ours (x forward, y left, z up) -> HumanML3D axes (x left, y up, z forward)."""
    return joints[..., [1, 2, 0]]
