"""Figures of the leaderboard, as SVG files the static site shows with <img>.

Model names are user text: matplotlib escapes them for XML, and `_plain` stops `$...$` in a
name from being read as mathtext (which could fail the whole build on a malformed formula).
Long names are shortened in the figures; the tables show them whole.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure  # not pyplot: no global figure state, no GUI backend

STYLE = {"svg.fonttype": "none", "svg.hashsalt": "synthsuite", "font.size": 9}
MAX_BARS = 25  # models per bar chart (the best ones)
MAX_CURVES = 8  # models per layer plot
MAX_LABEL = 48  # characters of a model label (names may have 200)


def _plain(text: str) -> str:
    """`text` with `$` shown as itself rather than starting mathtext."""
    return text.replace("$", r"\$")


def _label(name: str) -> str:
    """A model name shortened to fit beside a bar or in a legend."""
    return _plain(name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "…")


def bar_chart(scores: Sequence[tuple[str, float]], *, title: str, metric: str, path: Path) -> None:
    """Horizontal bars, best first: (model label, main score) pairs, already sorted."""
    shown = list(scores)[:MAX_BARS]
    positions = range(len(shown))
    values = [value for _, value in shown]
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(6.4, 0.9 + 0.28 * len(shown)))
        axes = figure.subplots()
        axes.barh(positions, values, color="#3b6ea8")
        axes.set_yticks(positions, labels=[_label(label) for label, _ in shown])
        axes.invert_yaxis()
        for position, value in zip(positions, values, strict=True):
            axes.annotate(
                f"{value:.3f}", (value, position), xytext=(3, 0), textcoords="offset points", va="center"
            )
        axes.set_xlabel(metric)
        _finish(figure, axes, title, path)


def layer_curves(
    curves: Mapping[str, Sequence[tuple[int | str, float]]], *, title: str, metric: str, path: Path
) -> None:
    """One line per model: (layer, score) points; numbered layers go on a numeric axis."""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(6.4, 3.6))
        axes = figure.subplots()
        for label, points in list(curves.items())[:MAX_CURVES]:
            layers = [layer for layer, _ in points]
            axes.plot(layers, [value for _, value in points], marker=".", label=_label(label))
        axes.set_xlabel("layer")
        axes.set_ylabel(metric)
        axes.legend(fontsize=7, loc="best")
        _finish(figure, axes, title, path)


def _finish(figure: Figure, axes: Axes, title: str, path: Path) -> None:
    axes.set_title(_plain(title))
    axes.spines[["top", "right"]].set_visible(False)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
