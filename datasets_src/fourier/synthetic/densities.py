"""The three conditional densities of the Fourier-head toy experiment, and the bins they are read on.

Every sample is (x, y, z): the model sees x and y and must predict the distribution of z on [-1, 1].
x ~ U(-0.8, 0.8) in every config, and every normal has variance 0.01 (standard deviation 0.1):

- gaussian: y ~ N(x, 0.01), z ~ N(y, 0.01)
- gmm2:     y ~ U(-0.8, 0.8), z ~ 1/2 N(x, 0.01) + 1/2 N(y, 0.01)
- beta:     y ~ N(x, 0.01), z = s * Beta(100|x|, 100|y|) with a fair random sign s

The "true PMF" of a sample is the density of z given (x, y) at the bin centres, normalised over the
bins, exactly as the paper scores its heads (mass outside [-1, 1] is not counted). It is computed
with the standard library's `math`, whose results do not depend on the CPU's vector extensions, so
the stored bytes are reproducible.
"""

import math
from collections.abc import Sequence

import numpy as np

CONFIGS = ("gaussian", "gmm2", "beta")
INPUT_LOW, INPUT_HIGH = -0.8, 0.8
STD = 0.1  # variance 0.01
BETA_CONCENTRATION = 100.0
PAPER_BINS = 50


def bin_edges(bins: int) -> np.ndarray:
    return np.linspace(-1.0, 1.0, bins + 1)


def bin_centers(bins: int) -> np.ndarray:
    """b_j = -1 + (2j + 1)/bins, the midpoints of `bins` equal bins of [-1, 1]."""
    return (2 * np.arange(bins) - bins + 1) / bins


def bin_index(values: np.ndarray | float, bins: int) -> np.ndarray:
    """The bin of each value (left-closed bins); values outside [-1, 1] go to the end bins."""
    index = np.searchsorted(bin_edges(bins), values, side="right") - 1
    return np.clip(index, 0, bins - 1)


def sample(config: str, rng: np.random.Generator) -> tuple[float, float, float]:
    """One (x, y, z), drawn only from `rng`."""
    x = rng.uniform(INPUT_LOW, INPUT_HIGH)
    if config == "gaussian":
        y = rng.normal(x, STD)
        return x, y, rng.normal(y, STD)
    if config == "gmm2":
        y = rng.uniform(INPUT_LOW, INPUT_HIGH)
        mean = x if rng.uniform() < 0.5 else y
        return x, y, rng.normal(mean, STD)
    if config == "beta":
        y = rng.normal(x, STD)
        sign = 1.0 if rng.uniform() < 0.5 else -1.0
        return x, y, sign * rng.beta(BETA_CONCENTRATION * abs(x), BETA_CONCENTRATION * abs(y))
    raise ValueError(f"unknown config {config!r}")


def _log_density(config: str, x: float, y: float, z: float) -> float:
    """log p(z | x, y) up to a constant that does not depend on z (it cancels in the PMF)."""
    if config == "gaussian":
        return -((z - y) ** 2) / (2 * STD**2)
    if config == "gmm2":
        return math.log(math.exp(-((z - x) ** 2) / (2 * STD**2)) + math.exp(-((z - y) ** 2) / (2 * STD**2)))
    if config == "beta":
        # 1/2 Beta(|z|; a, b): bins is even, so no centre is 0 or ±1, where the density may be infinite
        a, b = BETA_CONCENTRATION * abs(x), BETA_CONCENTRATION * abs(y)
        return (a - 1) * math.log(abs(z)) + (b - 1) * math.log(1 - abs(z))
    raise ValueError(f"unknown config {config!r}")


def true_pmf(config: str, x: float, y: float, centers: Sequence[float]) -> list[float]:
    """p(b_j | x, y) / Σ_i p(b_i | x, y) at the bin centres b_j."""
    logs = [_log_density(config, x, y, float(c)) for c in centers]
    top = max(logs)
    weights = [math.exp(value - top) for value in logs]
    total = math.fsum(weights)
    return [w / total for w in weights]
