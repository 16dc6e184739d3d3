"""Figures of the leaderboard, as SVG files the static site shows with <img>.

Every label is user text (model names, layer names, task names) and is drawn as plain text: mathtext
is switched off on each text object (`parse_math=False`), so `$...$` in a name is shown as typed and
can never fail a build. matplotlib escapes the text for XML. Long names are shortened in figures;
the tables show them whole.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure  # not pyplot: no global figure state, no GUI backend

STYLE = {"svg.fonttype": "none", "svg.hashsalt": "synthsuite", "font.size": 9, "text.usetex": False}
MAX_BARS = 25  # models per bar chart (the best ones)
MAX_LAYER_PLOTS = 12  # models per board that get a per-layer figure (the best ranked ones)
MAX_LABEL = 48  # characters of a label (names may have 200)


def short(text: str) -> str:
    """A label shortened to fit beside a bar, under a tick or in a legend."""
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def bar_chart(scores: Sequence[tuple[str, float]], *, title: str, metric: str, path: Path) -> None:
    """Horizontal bars, best first: (model label, main score) pairs, already sorted."""
    shown = list(scores)[:MAX_BARS]
    positions = range(len(shown))
    values = [value for _, value in shown]
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(6.4, 0.9 + 0.28 * len(shown)))
        axes = figure.subplots()
        axes.barh(positions, values, color="#3b6ea8")
        axes.set_yticks(positions, labels=[short(label) for label, _ in shown], parse_math=False)
        axes.invert_yaxis()
        for position, value in zip(positions, values, strict=True):
            axes.annotate(
                f"{value:.3f}",
                (value, position),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                parse_math=False,
            )
        axes.set_xlabel(metric, parse_math=False)
        _finish(figure, axes, title, path)


def model_layers(
    curves: Mapping[str, Sequence[tuple[int | str, float]]], *, title: str, ylabel: str, path: Path
) -> None:
    """One model's score at each of its layers: one line per task, on the model's own layer axis.

    Layers are the model's names in depth order (the order of the first curve, then any others); a
    model whose layers are all numbers gets a numeric axis. Figures never mix two models' layers.
    """
    order: list[int | str] = []
    for points in curves.values():
        order += [layer for layer, _ in points if layer not in order]
    numeric = all(isinstance(layer, int) for layer in order)
    position = {layer: (layer if numeric else i) for i, layer in enumerate(order)}
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(max(4.8, min(12.0, 1.2 + 0.32 * len(order))), 3.4))
        axes = figure.subplots()
        for label, points in curves.items():
            axes.plot(
                [position[layer] for layer, _ in points],
                [value for _, value in points],
                marker=".",
                label=short(label),
            )
        if not numeric:
            axes.set_xticks(
                range(len(order)),
                labels=[short(str(layer)) for layer in order],
                rotation=45 if len(order) > 6 else 0,
                ha="right" if len(order) > 6 else "center",
                parse_math=False,
            )
        axes.set_xlabel("layer", parse_math=False)
        axes.set_ylabel(ylabel, parse_math=False)
        legend = axes.legend(fontsize=7, loc="best")
        for text in legend.get_texts():
            text.set_parse_math(False)
        _finish(figure, axes, title, path)


def _finish(figure: Figure, axes: Axes, title: str, path: Path) -> None:
    longest = 2 * MAX_LABEL
    axes.set_title(title if len(title) <= longest else title[: longest - 1] + "…", parse_math=False)
    axes.spines[["top", "right"]].set_visible(False)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
