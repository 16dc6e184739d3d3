"""Metrics as plain numpy functions of (references, predictions): no model, no framework."""

from collections.abc import Callable

import numpy as np


def accuracy(references: np.ndarray, predictions: np.ndarray) -> float:
    return float(np.mean(references == predictions))


def macro_f1(references: np.ndarray, predictions: np.ndarray) -> float:
    """Unweighted mean of per-class F1 over the classes present in references or predictions."""
    scores = []
    for label in np.union1d(references, predictions):
        true_positive = np.sum((predictions == label) & (references == label))
        predicted = np.sum(predictions == label)
        actual = np.sum(references == label)
        scores.append(2 * true_positive / (predicted + actual))
    return float(np.mean(scores))


def r2(references: np.ndarray, predictions: np.ndarray) -> float:
    """Coefficient of determination; floored at -1 so a wild regressor cannot leave the range."""
    references = references.astype(np.float64)
    residual = np.sum((references - predictions.astype(np.float64)) ** 2)
    total = np.sum((references - references.mean()) ** 2)
    score = 1.0 - residual / total if total > 0 else float(residual == 0)
    return float(max(score, -1.0))


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy": accuracy,
    "macro_f1": macro_f1,
    "r2": r2,
}
