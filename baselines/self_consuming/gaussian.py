"""The Gaussian toy of the original (exp_scripts/gaussian_toy_example.py at 756c50c), as its code does it.

- Target and real data: n = 50 points from N(0, I₂), drawn per seed.
- Model: one Gaussian refitted by maximum likelihood each generation (the original refits
  scikit-learn's one-component GaussianMixture, whose fit is the sample mean and covariance + 1e-6 I).
- Each generation: ⌊λ·n⌋ = 25 samples of the current model, corrected, accumulated (older sets
  thinned, loop.Accumulated), and the model refitted on the real points plus all of them.
- Corrector π_γ, t = γ/(1+γ): a 10 × 10 histogram (numpy's, density=True) of the samples is mixed with
  the target, p = (1−t)·histogram + t·N(0, I), and as many points as were given are drawn from p by
  rejection sampling with the proposal N(0, I) and the bound M = ((1−t)·max histogram + t·φ(0)) / φ(0).
  Like the original's, that bound does not hold far from the origin (p/(M·φ) > 1 there, so those
  points are accepted at once) and a candidate up to one bin *below* the histogram's lowest edge falls
  into the first bin (the bin index is truncated towards zero); both are kept, so γ = 0 is the
  original's γ = 0: a resampled, not an untouched, synthetic set. The `self-consuming` arm is the
  untouched one.
- Metric: W2 between the fitted Gaussian and the target, every generation (0 = the fit on the real
  points alone).

Candidates are drawn in batches (vectorised), not one by one: the same algorithm, another random stream.
"""

import math
from functools import partial

import numpy as np

from synthsuite.baselines.self_consuming.loop import Experiment, LoopSpec, Samples
from synthsuite.evaluation.self_consuming.metrics import gaussian_fit, w2_gaussian
from synthsuite.kernel.seeding import derive_seed

PAPER_N = 50
PAPER_RATIO = 0.5
PAPER_GENERATIONS = 500
PAPER_GAMMAS = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 2.0, 5.0)
PAPER_SEEDS = (0, 1, 2, 3)
BINS = 10
DIM = 2
TARGET_MEAN = np.zeros(DIM)
TARGET_COV = np.eye(DIM)
PHI_AT_ZERO = 1.0 / (2.0 * math.pi)  # the density of N(0, I₂) at its mean


class GaussianModel:
    """One Gaussian, refitted by maximum likelihood on whatever it is given."""

    def __init__(self) -> None:
        self.mean = TARGET_MEAN.copy()
        self.cov = TARGET_COV.copy()

    def fit(self, data: Samples, generation: int, rng: np.random.Generator) -> None:
        self.mean, self.cov = gaussian_fit(data["x"])

    def sample(self, n: int, conditions: Samples, rng: np.random.Generator) -> Samples:
        return {"x": rng.multivariate_normal(self.mean, self.cov, n)}

    def state(self) -> bytes:
        return np.concatenate([self.mean, self.cov.ravel()]).astype("<f8").tobytes()

    def load_state(self, state: bytes) -> None:
        values = np.frombuffer(state, dtype="<f8")
        self.mean, self.cov = values[:DIM].copy(), values[DIM:].reshape(DIM, DIM).copy()


def standard_normal_pdf(points: np.ndarray) -> np.ndarray:
    return PHI_AT_ZERO * np.exp(-0.5 * np.sum(points**2, axis=-1))


class HistogramCorrector:
    """π_γ of the toy: resample from (1−t)·histogram(samples) + t·target, t = γ/(1+γ)."""

    def __init__(self, gamma: float) -> None:
        self.gamma = gamma
        self.t = gamma / (1.0 + gamma)

    def correct(self, samples: Samples, rng: np.random.Generator) -> Samples:
        points = samples["x"]
        n = len(points)
        histogram, x_edges, y_edges = np.histogram2d(points[:, 0], points[:, 1], bins=BINS, density=True)
        bound = ((1 - self.t) * histogram.max() + self.t * PHI_AT_ZERO) / PHI_AT_ZERO
        accepted: list[np.ndarray] = []
        count = 0
        while count < n:
            candidates = rng.standard_normal((4 * n, DIM))
            uniform = rng.random(4 * n)
            ix = np.trunc((candidates[:, 0] - x_edges[0]) / (x_edges[1] - x_edges[0])).astype(np.int64)
            iy = np.trunc((candidates[:, 1] - y_edges[0]) / (y_edges[1] - y_edges[0])).astype(np.int64)
            inside = (ix >= 0) & (ix < BINS) & (iy >= 0) & (iy < BINS)
            empirical = np.where(inside, histogram[ix.clip(0, BINS - 1), iy.clip(0, BINS - 1)], 0.0)
            proposal = standard_normal_pdf(candidates)
            wanted = (1 - self.t) * empirical + self.t * proposal  # the target is the proposal, N(0, I)
            keep = candidates[wanted / (bound * proposal) > uniform]
            accepted.append(keep)
            count += len(keep)
        return {"x": np.concatenate(accepted)[:n]}


def real_points(seed: int, n: int = PAPER_N) -> np.ndarray:
    rng = np.random.default_rng(derive_seed("self-consuming", "gaussian", "real", seed))
    return rng.multivariate_normal(TARGET_MEAN, TARGET_COV, n)


def evaluate(model: GaussianModel, rng: np.random.Generator) -> dict[str, float]:
    return {"w2": w2_gaussian(TARGET_MEAN, TARGET_COV, model.mean, model.cov)[0]}


def build(seed: int, n: int = PAPER_N) -> Experiment:
    return Experiment(
        name="gaussian",
        real={"x": real_points(seed, n)},
        model=GaussianModel,
        evaluate=evaluate,  # type: ignore[arg-type]
        corrector=lambda gamma: HistogramCorrector(0.0 if gamma is None else gamma),
        accumulate=True,
    )


def spec(n: int = PAPER_N) -> LoopSpec:
    return LoopSpec(
        experiment="gaussian",
        build=partial(build, n=n),
        settings={
            "n": n,
            "target": "N(0, I2)",
            "model": "one Gaussian, maximum likelihood (+1e-6 I)",
            "corrector": "histogram resampling, t = gamma/(1+gamma), 10x10 bins",
            "accumulate": True,
            "version": 1,
        },
        slug=f"n{n}",
    )
