"""The calibration tables and figure of docs/force-evaluation.md, from the result files that ship with it.

    python -m synthsuite.evaluation.force.report --write     # rewrite the tables in the doc and the figure
    python -m synthsuite.evaluation.force.report --check     # fail when the doc and the files disagree

Inputs: reference/runs/force/evaluation/calibration.json (evaluation/force/calibration.py: the truth and its
corruptions) and reference/runs/force/evaluation/<task>__<baseline>.results.json (`synthsuite baseline
force-computed`). The tables go between the `force-calibration` markers of the doc.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from synthsuite.evaluation.tasks import get_task
from synthsuite.kernel.atomic import atomic_write_text

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "force-evaluation.md"
RESULTS = ROOT / "reference" / "runs" / "force" / "evaluation"
FIGURE = ROOT / "docs" / "img" / "force-calibration.png"
KINDS_FIGURE = ROOT / "docs" / "img" / "force-benchmark-kinds.png"
START, END = "<!-- force-calibration:start -->", "<!-- force-calibration:end -->"
COLUMNS = {
    "force/point-adherence": (
        "within_30",
        "angular_error",
        "within_30_linear",
        "within_30_oscillatory",
        "within_30_complex",
        "spearman_strength",
        "still_rest",
        "moving",
    ),
    "force/wind-adherence": (
        "within_30",
        "angular_error",
        "within_30_tethered",
        "within_30_aerodynamic",
        "within_30_fluid",
        "spearman_speed",
        "moving",
    ),
    "force/mass-study": (
        "ordering_accuracy",
        "spearman_force",
        "slope_soccer",
        "slope_bowling",
        "r2_soccer",
        "r2_bowling",
    ),
}
BASELINES = ("still", "text-only", "warp")


def entries(task: str) -> dict[str, dict[str, float]]:
    """Name -> scores: the truth and its corruptions, then the computed baselines."""
    calibration = json.loads((RESULTS / "calibration.json").read_text())[task]
    found = dict(calibration["scores"])
    for baseline in BASELINES:
        path = RESULTS / f"{task.replace('/', '__')}__{baseline}.results.json"
        if path.is_file():
            found[f"baseline: {baseline}"] = json.loads(path.read_text())["scores"]["test"]
    return found


def tables() -> str:
    calibration = json.loads((RESULTS / "calibration.json").read_text())
    parts = []
    for task, columns in COLUMNS.items():
        if task not in calibration:
            continue
        info = calibration[task]
        parts.append(
            f"**{task}** ({info['rows']} rows of revision `{info['revision'][:12]}`, {info['format']}; "
            f"main score `{get_task(task).main_score}`)\n"
        )
        parts.append("| videos | " + " | ".join(c.replace("_", " ") for c in columns) + " |")
        parts.append("|---|" + "---:|" * len(columns))
        for name, scores in entries(task).items():
            parts.append(f"| {name} | " + " | ".join(f"{scores[c]:.2f}" for c in columns) + " |")
        parts.append("")
    return "\n".join(parts).strip()


def figure(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    calibration = json.loads((RESULTS / "calibration.json").read_text())
    tasks = [t for t in COLUMNS if t in calibration]
    fig, axes = plt.subplots(1, len(tasks), figsize=(5 * len(tasks), 3.6), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        main = get_task(task).main_score
        found = entries(task)
        names = list(found)
        colours = [
            "#2a7" if n == "ground-truth" else "#c54" if not n.startswith("baseline") else "#58b"
            for n in names
        ]
        ax.barh(range(len(names)), [found[n][main] for n in names], color=colours)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel(main.replace("_", " "))
        ax.set_title(task, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def kinds_figure(dataset: str, path: Path) -> None:
    """First and last frame of the strongest push or wind of every object kind, from a build."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from synthsuite.datasets_src.access import open_dataset
    from synthsuite.evaluation.force.videos import VideoFormat, VideoRef, decode_rgb

    source = open_dataset(dataset, configs=["point-benchmark", "wind-benchmark"])
    picks = []
    for config in ("point-benchmark", "wind-benchmark"):
        strength = "force" if config == "point-benchmark" else "wind_speed"
        columns = [
            "sample_id",
            "kind",
            "scene_type",
            strength,
            "video",
            "num_frames",
            "width",
            "height",
            "fps",
        ]
        rows = sorted(source.read(config, "test", columns).to_pylist(), key=lambda r: -r[strength])
        for kind in dict.fromkeys(r["kind"] for r in sorted(rows, key=lambda r: r["sample_id"])):
            picks.append(next(r for r in rows if r["kind"] == kind))
    fig, axes = plt.subplots(4, 4, figsize=(12, 6.4))
    for ax, row in zip(axes.flat, picks, strict=False):
        fmt = VideoFormat(row["num_frames"], row["width"], row["height"], row["fps"])
        frames = decode_rgb(VideoRef(row["sample_id"], data=row["video"]["bytes"]), fmt)
        ax.imshow(np.concatenate([frames[0], frames[-1]], axis=1))
        ax.set_title(f"{row['kind']} ({row['scene_type']})", fontsize=8)
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=60, metadata={"Software": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the doc's tables and the figure")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the doc's tables are not the files'"
    )
    parser.add_argument("--kinds", metavar="DATASET", help="also draw every object kind of this build")
    args = parser.parse_args(argv)
    if args.kinds:
        kinds_figure(args.kinds, KINDS_FIGURE)
        print(f"wrote {KINDS_FIGURE}")
    text = DOC.read_text()
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    wanted = f"{before}{START}\n{tables()}\n{END}{after}"
    if args.write:
        atomic_write_text(DOC, wanted)
        figure(FIGURE)
        print(f"wrote the tables of {DOC} and {FIGURE}")
    if args.check and wanted != text:
        print(f"{DOC} disagrees with {RESULTS}: run python -m synthsuite.evaluation.force.report --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
