"""The metrics of the self-consuming experiments, as plain numpy functions.

- `w2_gaussian`: the Wasserstein-2 distance between two Gaussians (closed form), the Gaussian toy's
  metric: W2² = |μ₁ − μ₂|² + tr(Σ₁ + Σ₂ − 2 (Σ₂^½ Σ₁ Σ₂^½)^½).
- `frechet_distance`: FID, the same formula between Gaussians fitted to two sets of features.
- `diversity`: the mean distance between random pairs of features (the original's MNIST and
  HumanML3D "Diversity").
- `matching_score`, `r_precision`: HumanML3D's text–motion metrics over batches of 32.
"""

import warnings

import numpy as np
from scipy import linalg


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """The square root of a symmetric positive semi-definite matrix (negative round-off clipped)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def w2_gaussian(
    mean1: np.ndarray, cov1: np.ndarray, mean2: np.ndarray, cov2: np.ndarray
) -> tuple[float, float, float]:
    """(W2, its mean term |μ₁ − μ₂|², its covariance term) between N(μ₁, Σ₁) and N(μ₂, Σ₂)."""
    root2 = _sqrt_psd(cov2)
    cross = _sqrt_psd(root2 @ cov1 @ root2)
    mean_term = float(np.sum((np.asarray(mean1) - np.asarray(mean2)) ** 2))
    cov_term = max(0.0, float(np.trace(cov1 + cov2 - 2 * cross)))
    return float(np.sqrt(mean_term + cov_term)), mean_term, cov_term


def gaussian_fit(points: np.ndarray, reg: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood mean and covariance, plus `reg` on the diagonal: what scikit-learn's
    GaussianMixture(n_components=1) fits (its default reg_covar is 1e-6)."""
    points = np.asarray(points, dtype=np.float64)
    mean = points.mean(0)
    centred = points - mean
    cov = centred.T @ centred / len(points) + reg * np.eye(points.shape[1])
    return mean, cov


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features, dtype=np.float64)
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance(mean1: np.ndarray, cov1: np.ndarray, mean2: np.ndarray, cov2: np.ndarray) -> float:
    """FID between two feature Gaussians (the square of W2, as FID is defined). A singular product
    (e.g. collapsed samples) is regularised with 1e-6 on both diagonals, as pytorch-fid does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        covmean = linalg.sqrtm(cov1 @ cov2)
        if not np.all(np.isfinite(covmean)):
            offset = 1e-6 * np.eye(len(cov1))
            covmean = linalg.sqrtm((cov1 + offset) @ (cov2 + offset))
    covmean = np.real(covmean)
    value = float(np.sum((mean1 - mean2) ** 2) + np.trace(cov1 + cov2 - 2 * covmean))
    return max(0.0, value)


def fid(real: np.ndarray, generated: np.ndarray) -> float:
    return frechet_distance(*feature_statistics(real), *feature_statistics(generated))


def diversity(features: np.ndarray, rng: np.random.Generator, pairs: int | None = None) -> float:
    """Mean Euclidean distance between `pairs` random pairs (default: half the samples, as the original)."""
    count = len(features)
    pairs = pairs or count // 2
    first = rng.choice(count, pairs, replace=pairs > count)
    second = rng.choice(count, pairs, replace=pairs > count)
    return float(np.linalg.norm(features[first] - features[second], axis=1).mean())


def matching_score(text: np.ndarray, motion: np.ndarray) -> float:
    """Mean distance between each motion's embedding and its own text's."""
    return float(np.linalg.norm(text - motion, axis=1).mean())


def r_precision(text: np.ndarray, motion: np.ndarray, batch: int = 32, top: int = 3) -> list[float]:
    """Top-1..`top` R-precision as HumanML3D computes it: within consecutive batches of `batch` pairs,
    how often a motion's own text is among its `k` nearest texts (rows that fill no batch are left out)."""
    hits = np.zeros(top)
    batches = len(text) // batch
    for b in range(batches):
        rows = slice(b * batch, (b + 1) * batch)
        distances = np.linalg.norm(motion[rows, None, :] - text[None, rows, :], axis=-1)
        rank = (distances < np.diag(distances)[:, None]).sum(1)  # texts strictly closer than the own one
        hits += [(rank < k).sum() for k in range(1, top + 1)]
    return [float(v) for v in hits / max(1, batches * batch)]
