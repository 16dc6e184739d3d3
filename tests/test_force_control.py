"""Force Prompting's control videos: the blob follows its path, wind is exact, overlays draw where told."""

import math

import numpy as np
import pytest

from synthsuite.datasets_src.force import control
from synthsuite.datasets_src.force.control import PointForce

PAPER = (720, 480)
TINY = (96, 64)


def centroid(frame: np.ndarray) -> np.ndarray:
    """The (x, y) intensity centroid of a 2D frame, bottom-left origin."""
    height = frame.shape[0]
    rows, cols = np.indices(frame.shape)
    total = frame.sum(dtype=np.float64)
    return np.array([(cols * frame).sum() / total, height - 1 - (rows * frame).sum() / total])


def argmax_xy(frame: np.ndarray) -> np.ndarray:
    row, col = np.unravel_index(np.argmax(frame), frame.shape)
    return np.array([col, frame.shape[0] - 1 - row], dtype=float)


def stated_path(x, y, angle, force, frames, width):
    """The path written out independently of the module: (1/8 + 3/8 F) * width along the angle."""
    travel = (1 / 8 + 3 / 8 * force) * width
    t = np.linspace(0, 1, frames)[:, None]
    theta = math.radians(angle)
    return np.array([x, y]) + t * travel * np.array([math.cos(theta), math.sin(theta)])


@pytest.mark.parametrize(("width", "height"), [PAPER, TINY])
@pytest.mark.parametrize("angle", [0, 45, 90, 210, 300])
def test_blob_follows_the_stated_path(width, height, angle):
    frames, force = 13, 0.3
    x, y = width / 2 + 0.3, height / 2 - 0.2  # off the pixel grid on purpose
    video = control.point_force_control(x, y, angle, force, frames=frames, width=width, height=height)
    assert video.shape == (frames, 3, height, width) and video.dtype == np.float32
    path = stated_path(x, y, angle, force, frames, width)
    np.testing.assert_allclose(
        control.blob_centres(x, y, angle, force, frames=frames, width=width, height=height), path, atol=1e-9
    )
    sigma = 20 * width / 720
    inside = 0
    for frame, centre in zip(video[:, 0], path, strict=True):
        if np.all(centre >= 4 * sigma) and np.all(centre <= np.array([width, height]) - 1 - 4 * sigma):
            inside += 1
            np.testing.assert_allclose(centroid(frame), centre, atol=0.05)
        if np.all(centre >= 0) and np.all(centre <= np.array([width, height]) - 1):
            assert np.abs(argmax_xy(frame) - centre).max() <= 0.5 + 1e-9
    assert inside >= 6  # the check above ran on most of the clip


@pytest.mark.parametrize(("width", "height"), [PAPER, (360, 240)])
@pytest.mark.parametrize(("force", "fraction"), [(0.0, 1 / 8), (1.0, 1 / 2), (0.5, 5 / 16)])
def test_travel_over_the_clip(width, height, force, fraction):
    start_x = 0.2 * width
    video = control.point_force_control(start_x, height / 2, 0, force, frames=9, width=width, height=height)
    travelled = centroid(video[-1, 0]) - centroid(video[0, 0])
    assert travelled[0] == pytest.approx(fraction * width, abs=0.05)
    assert travelled[1] == pytest.approx(0, abs=0.05)
    # constant speed: equal steps between consecutive frames
    steps = np.diff([centroid(f)[0] for f in video[:, 0]])
    np.testing.assert_allclose(steps, fraction * width / 8, atol=0.05)


def test_force_zero_still_moves_and_a_single_frame_stays_at_the_start():
    assert control.travel_px(0, 720) == 90 and control.travel_px(1, 720) == 360
    one = control.point_force_control(100, 100, 0, 1.0, frames=1)
    assert one.shape == (1, 3, 480, 720)
    np.testing.assert_array_equal(argmax_xy(one[0, 0]), [100, 100])


def blob_width(frame: np.ndarray) -> float:
    """The blob's standard deviation along x, from the second moment of its column profile."""
    profile = frame.sum(axis=0, dtype=np.float64)
    cols = np.arange(profile.size)
    mean = (cols * profile).sum() / profile.sum()
    return math.sqrt(((cols - mean) ** 2 * profile).sum() / profile.sum())


@pytest.mark.parametrize(("width", "height"), [PAPER, (360, 240), (1440, 960), TINY, (720, 720)])
def test_sigma_scales_with_the_width(width, height):
    video = control.point_force_control(width / 2, height / 2, 90, 0, frames=2, width=width, height=height)
    expected = 20 * width / 720
    assert control.blob_sigma(width) == pytest.approx(expected)
    assert blob_width(video[0, 0]) == pytest.approx(expected, rel=2e-3)
    # the blob is round: the same spread along y
    assert blob_width(video[0, 0].T) == pytest.approx(expected, rel=2e-3)


def test_explicit_sigma_and_the_paper_tensor():
    narrow = control.point_force_control(360, 240, 0, 0.5, frames=2, sigma=5)
    assert blob_width(narrow[0, 0]) == pytest.approx(5, rel=2e-3)
    paper = control.point_force_control(360, 240, 30, 0.5)
    assert paper.shape == (49, 3, 480, 720) and paper.dtype == np.float32
    assert paper.nbytes == 49 * 3 * 480 * 720 * 4
    assert paper[0, 0, 239, 360] == pytest.approx(1.0)  # amplitude 1 at the start pixel (row 479 - 240)
    assert paper.min() >= 0 and paper.max() <= 1
    assert np.array_equal(paper[:, 0], paper[:, 1]) and np.array_equal(paper[:, 0], paper[:, 2])


def test_bottom_left_convention():
    up = control.point_force_control(360, 100, 90, 0.5, frames=5)
    rows = [np.unravel_index(np.argmax(f), f.shape)[0] for f in up[:, 0]]
    assert rows[0] == 479 - 100
    assert rows == sorted(rows, reverse=True) and rows[-1] < rows[0]  # toward row 0
    down = control.point_force_control(360, 400, 270, 0.5, frames=5)
    rows = [np.unravel_index(np.argmax(f), f.shape)[0] for f in down[:, 0]]
    assert rows == sorted(rows) and rows[-1] > rows[0]
    corner = control.point_force_control(0, 0, 0, 0, frames=1)
    assert np.unravel_index(np.argmax(corner[0, 0]), (480, 720)) == (479, 0)


def test_several_forces_sum_without_clipping():
    forces = [PointForce(100, 75, 0, 0.2), PointForce(250, 150, 135, 0.9), PointForce(180, 120, 300, 0.5)]
    both = control.point_forces_control(forces, frames=7, width=360, height=240)
    assert both.shape == (7, 3, 240, 360) and both.dtype == np.float32
    single = [
        control.point_force_control(f.x, f.y, f.angle_deg, f.force, frames=7, width=360, height=240)
        for f in forces
    ]
    np.testing.assert_allclose(both, sum(single), atol=1e-6)
    same_place = control.point_forces_control([forces[0], forces[0]], frames=3)
    assert same_place[0, 0].max() == pytest.approx(2.0)  # added, not clipped
    assert not control.point_forces_control([], frames=2, width=8, height=4).any()


@pytest.mark.parametrize(("angle", "speed"), [(0, 0.0), (90, 1.0), (210, 0.25), (359.5, 0.5)])
def test_wind_channels_are_exact(angle, speed):
    video = control.wind_control(angle, speed, frames=5, width=40, height=30)
    assert video.shape == (5, 3, 30, 40) and video.dtype == np.float32
    theta = math.radians(angle)
    for channel, value in enumerate((-1 + 2 * speed, math.cos(theta), math.sin(theta))):
        assert np.all(video[:, channel] == np.float32(value))
    assert video[0, 0, 0, 0] == {0.0: -1, 1.0: 1, 0.25: -0.5, 0.5: 0}[speed]


def test_wind_directions():
    right = control.wind_control(0, 1)[0, :, 0, 0]
    np.testing.assert_array_equal(right, [1, 1, 0])
    up_left = control.wind_control(135, 0)[0, :, 0, 0]
    np.testing.assert_allclose(up_left, [-1, -math.sqrt(0.5), math.sqrt(0.5)], atol=1e-7)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: control.point_force_control(10, 10, 0, 1.5), r"force must be in \[0, 1\], got 1.5"),
        (lambda: control.point_force_control(10, 10, 0, -0.01), r"force must be in \[0, 1\]"),
        (lambda: control.point_force_control(10, 10, 0, math.nan), r"force must be in \[0, 1\], got nan"),
        (lambda: control.point_force_control(math.inf, 10, 0, 0.5), r"x must be in \[0, 719\]"),
        (lambda: control.point_force_control(10, 480, 0, 0.5), r"y must be in \[0, 479\], got 480"),
        (lambda: control.point_force_control(10, 10, math.nan, 0.5), r"angle_deg must be a finite number"),
        (lambda: control.point_force_control(10, 10, "up", 0.5), r"angle_deg must be a finite number"),
        (lambda: control.point_force_control(10, 10, 0, 0.5, frames=0), r"frames must be an integer >= 1"),
        (lambda: control.point_force_control(10, 10, 0, 0.5, frames=2.5), r"frames must be an integer >= 1"),
        (lambda: control.point_force_control(0, 0, 0, 0.5, width=0), r"width must be an integer >= 1, got 0"),
        (lambda: control.point_force_control(0, 0, 0, 0.5, height=-3), r"height must be an integer >= 1"),
        (lambda: control.point_force_control(10, 10, 0, 0.5, sigma=0), r"sigma must be a finite number > 0"),
        (lambda: control.blob_centres(10, 10, 0, 2), r"force must be in \[0, 1\]"),
        (
            lambda: control.point_forces_control([PointForce(1, 1, 0, 0), PointForce(1, 1, 0, 9)]),
            r"forces\[1\]\.force must be in \[0, 1\]",
        ),
        (lambda: control.wind_control(0, 1.01), r"speed must be in \[0, 1\], got 1.01"),
        (lambda: control.wind_control(math.inf, 0.5), r"angle_deg must be a finite number"),
        (lambda: control.wind_control(0, 0.5, frames=0), r"frames must be an integer >= 1"),
        (lambda: control.wind_control(0, 0.5, width=True), r"width must be an integer >= 1"),
        (
            lambda: control.draw_force_arrow(np.zeros((2, 8, 8, 3)), 1, 1, 0, 0.5),
            r"video must be a uint8 array of shape \(frames, height, width, 3\), got float64",
        ),
        (
            lambda: control.draw_force_arrow(np.zeros((8, 8, 3), np.uint8), 1, 1, 0, 0.5),
            r"video must be a uint8 array",
        ),
        (
            lambda: control.draw_force_arrow(
                np.zeros((1, 8, 8, 3), np.uint8), 1, 1, 0, 0.5, colour=(0, 0, 300)
            ),
            r"colour must be three integers in \[0, 255\]",
        ),
        (
            lambda: control.draw_wind_arrow(np.zeros((1, 8, 8, 3), np.uint8), 0, 7),
            r"speed must be in \[0, 1\]",
        ),
    ],
)
def test_bad_input_names_the_argument_and_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.any(before != after, axis=-1)


def distance_to_segment(cols, rows, a, b):
    d = np.subtract(b, a, dtype=float)
    t = np.clip(((cols - a[0]) * d[0] + (rows - a[1]) * d[1]) / (d @ d), 0, 1)
    return np.hypot(cols - a[0] - t * d[0], rows - a[1] - t * d[1])


@pytest.mark.parametrize("angle", [0, 90, 210])
def test_force_arrow_draws_along_the_angle_and_nothing_else(angle):
    video = np.full((3, 480, 720, 3), 40, dtype=np.uint8)
    video[:, ::7] = 90  # a pattern, so "untouched" means the exact input bytes
    x, y, force = 360, 240, 1.0
    drawn = control.draw_force_arrow(video, x, y, angle, force, frames_with_arrow=2)
    assert drawn is not video and np.all(video[:, ::7] == 90)  # the input is not modified
    np.testing.assert_array_equal(drawn[2], video[2])  # frames after frames_with_arrow
    mask = changed(video[0], drawn[0])
    np.testing.assert_array_equal(mask, changed(video[1], drawn[1]))
    theta = math.radians(angle)
    start = np.array([x, 479 - y], dtype=float)
    direction = np.array([math.cos(theta), -math.sin(theta)])
    tip = start + 100 * direction  # 10 + 90 F px at 720 wide
    # along the shaft: yellow
    for fraction in (0.3, 0.5, 0.7, 0.9):
        col, row = np.rint(start + fraction * 100 * direction).astype(int)
        assert tuple(drawn[0, row, col]) == control.YELLOW
    # the ring around the poke point: white, radius 20
    ring_col, ring_row = np.rint(start - 20 * direction).astype(int)
    assert tuple(drawn[0, ring_row, ring_col]) == control.WHITE
    # every changed pixel is on the ring or near the arrow; behind the poke point nothing else
    rows, cols = np.nonzero(mask)
    near_arrow = distance_to_segment(cols, rows, start, tip) <= 0.6 * 30 + 1.5
    on_ring = np.abs(np.hypot(cols - start[0], rows - start[1]) - 20) <= 1.5
    assert np.all(near_arrow | on_ring)
    yellow = np.all(drawn[0] == control.YELLOW, axis=-1)
    yr, yc = np.nonzero(yellow)
    mean = np.array([yc.mean() - start[0], -(yr.mean() - start[1])])
    assert math.degrees(math.atan2(mean[1], mean[0])) % 360 == pytest.approx(angle, abs=1.0)
    assert 200 < yellow.sum() < 2000  # a 2 px line of 100 px plus a head, not a smear


def test_force_arrow_length_grows_with_force_and_scales_with_width():
    def arrow_reach(force, width, height):
        video = np.zeros((1, height, width, 3), np.uint8)
        drawn = control.draw_force_arrow(video, width // 4, height // 2, 0, force, ring_colour=None)
        cols = np.nonzero(np.all(drawn[0] == control.YELLOW, axis=-1))[1]
        return cols.max() - width // 4

    assert arrow_reach(0.0, 720, 480) == pytest.approx(10, abs=1)
    assert arrow_reach(1.0, 720, 480) == pytest.approx(100, abs=1)
    assert arrow_reach(1.0, 1440, 960) == pytest.approx(200, abs=1)


def test_wind_arrow_points_along_the_wind_and_waves():
    video = np.zeros((2, 480, 720, 3), dtype=np.uint8)
    angle = 150
    drawn = control.draw_wind_arrow(video, angle, 1.0, x=360, y=240)
    np.testing.assert_array_equal(drawn[0], drawn[1])  # every frame by default
    mask = changed(video[0], drawn[0])
    assert np.all(drawn[0][mask] == control.YELLOW)
    rows, cols = np.nonzero(mask)
    anchor = np.array([360, 479 - 240], dtype=float)
    offset = np.array([cols.mean() - anchor[0], -(rows.mean() - anchor[1])])
    assert math.degrees(math.atan2(offset[1], offset[0])) % 360 == pytest.approx(angle, abs=2.0)
    # three arrows of 90 px + a 6 px tip: nothing farther than that from the anchor
    assert np.hypot(cols - anchor[0], rows - anchor[1]).max() <= math.hypot(96, 20) + 2
    # wavy: some pixels lie off the three straight centre lines by more than the line's half-width
    theta = math.radians(angle)
    direction = np.array([math.cos(theta), -math.sin(theta)])
    normal = np.array([-direction[1], direction[0]])
    across = (cols - anchor[0]) * normal[0] + (rows - anchor[1]) * normal[1]
    off_line = np.min([np.abs(across - k) for k in (-20, 0, 20)], axis=0)
    assert off_line.max() >= 2.5
    assert off_line.max() <= 2 + 1 + 4 + 1  # wave amplitude + half-width, or the arrowhead's half-base


def test_wind_arrow_default_place_is_the_top_right():
    drawn = control.draw_wind_arrow(np.zeros((1, 480, 720, 3), np.uint8), 0, 0.5)
    rows, cols = np.nonzero(changed(np.zeros((480, 720, 3), np.uint8), drawn[0]))
    assert rows.max() < 140 and cols.min() > 600  # the original: 100 px in from the top-right corner
