"""How the leaderboard shows things, the same on the static site and in the Gradio app: metric names with
their direction, score and parameter-count formats, ranks among comparable rows, and the suite record
of each board.
"""

import math
from collections.abc import Iterable, Sequence

import pandas as pd

# metric -> how a column header names it (others: the name with spaces)
METRIC_NAMES = {
    "accuracy": "accuracy",
    "macro_f1": "macro-F1",
    "r2": "R²",
    "kl_divergence": "KL divergence",
    "mse": "MSE",
    "normalized_return": "normalized return",
    "mean_return": "mean return",
}
UP, DOWN = "↑", "↓"


def metric_name(metric: str) -> str:
    return METRIC_NAMES.get(metric, metric.replace("_", " "))


def metric_label(metrics: Iterable[str], higher_is_better: bool | None) -> str:
    """`accuracy ↑`, `R² ↑`, `KL divergence ↓`; several metrics: `accuracy, R² ↑`; no direction: none."""
    names = ", ".join(dict.fromkeys(metric_name(m) for m in metrics))
    arrow = "" if higher_is_better is None else f" {UP if higher_is_better else DOWN}"
    return f"{names}{arrow}"


def direction_words(higher_is_better: bool) -> str:
    return "higher is better" if higher_is_better else "lower is better"


def score_decimals(values: Iterable[float]) -> int:
    """Decimals for a column of scores: one rule for a whole column, so its numbers line up."""
    finite = [abs(v) for v in values if v is not None and not pd.isna(v) and math.isfinite(v)]
    largest = max(finite, default=0.0)
    if largest >= 10:
        return 1
    if largest >= 0.1 or largest == 0:
        return 3
    return 4


def format_score(value: float | None, decimals: int = 3) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:.{decimals}f}"


def format_count(value: float | None) -> str:
    """Parameters as people say them: 0, 950, 1.54k, 50M, 1.5B; empty when unknown."""
    if value is None or pd.isna(value):
        return ""
    value = float(value)
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.3g}{unit}"
    return f"{int(value)}"


def ranks(values: Sequence[float | None], higher_is_better: bool) -> list[int | None]:
    """Competition ranks (1, 2, 2, 4) of the rows that have a value; None for the others, which are
    not comparable (e.g. a mean missing because the model lacks a task)."""
    present = [v for v in values if v is not None and not pd.isna(v)]
    ordered = sorted(present, reverse=higher_is_better)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return [None if v is None or pd.isna(v) else first[v] for v in values]


def yes_no(value: object) -> str:
    return "no" if value is None or pd.isna(value) or not value else "yes"
