"""Force Prompting's control signals: time and memory per paper-size control video, and the docs figure.

python benchmarks/force_control.py timing [--repeats 7]
    builds paper-size (49 x 3 x 480 x 720 float32) point-force, three-force and wind controls
    several times and prints the median seconds per video and the peak memory numpy allocated
python benchmarks/force_control.py figure [--out docs/img/force-control.png]
    draws a few frames of a point-force control, the wind control's channels, the arrow overlays
    on a synthetic frame, and the original's "video + control" view (needs matplotlib)
"""

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from synthsuite.datasets_src.force import control
from synthsuite.datasets_src.force.control import PointForce

ROOT = Path(__file__).resolve().parent.parent
FIGURE = ROOT / "docs" / "img" / "force-control.png"

POKE = PointForce(x=220, y=170, angle_deg=20, force=0.6)
WIND = (135.0, 0.7)  # angle (degrees), normalised speed


def _measure(build: Callable[[], np.ndarray], repeats: int) -> tuple[float, float, int]:
    """Median and minimum seconds per call, and the peak bytes numpy allocated during one call."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        build()
        seconds.append(time.perf_counter() - start)
    tracemalloc.start()
    result = build()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.shape == (control.PAPER_FRAMES, 3, control.PAPER_HEIGHT, control.PAPER_WIDTH)
    return statistics.median(seconds), min(seconds), peak


def timing(repeats: int) -> None:
    size = control.PAPER_FRAMES * 3 * control.PAPER_HEIGHT * control.PAPER_WIDTH * 4
    print(f"paper-size control video: 49 x 3 x 480 x 720 float32 = {size / 1e6:.1f} MB")
    cases = {
        "point force (1 blob)": lambda: control.point_force_control(
            POKE.x, POKE.y, POKE.angle_deg, POKE.force
        ),
        "three forces (summed)": lambda: control.point_forces_control(
            [POKE, PointForce(500, 300, 200, 0.2), PointForce(360, 240, 270, 1.0)]
        ),
        "wind": lambda: control.wind_control(*WIND),
    }
    for name, build in cases.items():
        median, best, peak = _measure(build, repeats)
        print(
            f"{name:24s} median {median * 1e3:6.1f} ms  best {best * 1e3:6.1f} ms  "
            f"peak allocated {peak / 1e6:6.1f} MB"
        )


def _synthetic_frame(width: int, height: int) -> np.ndarray:
    """A stand-in video frame (uint8 (1, H, W, 3)): a sky-to-ground gradient and one shaded ball."""
    rows, cols = np.indices((height, width))
    sky = np.array([150, 190, 230]) * (1 - rows / height)[..., None]
    ground = np.array([90, 120, 70]) * (rows / height)[..., None]
    frame = sky + ground
    ball_col, ball_row, radius = POKE.x, height - 1 - POKE.y, 28
    inside = np.hypot(cols - ball_col, rows - ball_row) <= radius
    shade = 1 - 0.5 * np.hypot(cols - ball_col + 9, rows - ball_row + 9) / (2 * radius)
    frame[inside] = (np.array([200, 40, 40]) * shade[..., None])[inside]
    return np.clip(frame, 0, 255).astype(np.uint8)[None]


def _poke_args() -> tuple[float, float, float, float]:
    return POKE.x, POKE.y, POKE.angle_deg, POKE.force


def plot_control_examples(path: Path) -> None:
    """The docs figure: point-force frames, the wind channels, overlays on a synthetic frame."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    width, height, frames = control.PAPER_WIDTH, control.PAPER_HEIGHT, control.PAPER_FRAMES
    point = control.point_force_control(*_poke_args())
    path_xy = control.blob_centres(*_poke_args())
    wind = control.wind_control(*WIND)
    frame = _synthetic_frame(width, height)

    figure, axes = plt.subplots(3, 4, figsize=(16, 8.6))
    for ax, t in zip(axes[0], (0, 16, 32, frames - 1), strict=True):
        ax.imshow(point[t, 0], cmap="gray", vmin=0, vmax=1)
        ax.plot(path_xy[:, 0], height - 1 - path_xy[:, 1], "--", color="tab:orange", lw=1)
        ax.set_title(f"point force, frame {t}/{frames - 1}")
    axes[0, 0].set_ylabel(f"x={POKE.x:g} y={POKE.y:g}\nθ={POKE.angle_deg:g}° F={POKE.force:g}")

    names = ("ch 0 = −1 + 2F", "ch 1 = cos θ", "ch 2 = sin θ")
    for channel, (ax, name) in enumerate(zip(axes[1, :3], names, strict=True)):
        ax.imshow(wind[0, channel], cmap="coolwarm", vmin=-1, vmax=1)
        ax.set_title(f"wind {name} = {wind[0, channel, 0, 0]:+.3f}")
    axes[1, 0].set_ylabel(f"θ={WIND[0]:g}° F={WIND[1]:g}\n(constant, all frames)")
    several = control.point_forces_control(
        [POKE, PointForce(560, 380, 250, 0.0), PointForce(600, 120, 160, 1.0)]
    )
    axes[1, 3].imshow(several[:, 0].max(axis=0), cmap="gray", vmin=0, vmax=1)
    axes[1, 3].set_title("three forces summed, max over frames")

    both = control.draw_wind_arrow(control.draw_force_arrow(frame, *_poke_args()), *WIND)[0]
    axes[2, 0].imshow(both)
    axes[2, 0].set_title("draw_force_arrow + draw_wind_arrow")
    # zoomed crops (120 x 180 px): the overlays keep the original's pixel sizes, small at 720 x 480
    row, col = height - 1 - int(POKE.y), int(POKE.x)
    axes[2, 1].imshow(both[row - 60 : row + 60, col - 60 : col + 120], interpolation="nearest")
    axes[2, 1].set_title("force arrow (zoom): ring = σ, 10 + 90F px")
    axes[2, 2].imshow(both[15:135, width - 220 : width - 40], interpolation="nearest")
    axes[2, 2].set_title("wind arrows (zoom): 30 + 60F px")
    # the original's "video + control" view: clip(frame / 255 + control, 0, 1), here at frame 32
    overlay = np.clip(frame[0] / 255 + point[32].transpose(1, 2, 0), 0, 1)
    axes[2, 3].imshow(overlay)
    axes[2, 3].set_title("frame + control (frame 32)")

    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
    plt.close(figure)
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    timing_parser = commands.add_parser("timing")
    timing_parser.add_argument("--repeats", type=int, default=7)
    figure_parser = commands.add_parser("figure")
    figure_parser.add_argument("--out", type=Path, default=FIGURE)
    args = parser.parse_args()
    if args.command == "timing":
        timing(args.repeats)
    else:
        plot_control_examples(args.out)


if __name__ == "__main__":
    main()
