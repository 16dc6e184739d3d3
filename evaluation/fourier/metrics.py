"""The toy experiment's three metrics, as numpy functions of predicted PMFs (rows of `bins` probabilities).

- KL divergence from the true PMF to the predicted one (the paper's `KLDivLoss(batchmean)` on
  log(predicted + 1e-10)), lower is better.
- Smoothness: Σ_{σ=1..100} 6/(π²σ²) · ‖y − G_σ ∗ y‖₂ with G_σ a Gaussian filter that wraps around
  (the paper's `gaussian_filter1d(mode="wrap", radius=bins-1)`), lower is smoother. It looks only
  at the prediction: a PMF that is jagged from bin to bin scores high.
- MSE between the centre of the bin nearest the predicted mean bin index and the centre of z's bin.
"""

from functools import cache

import numpy as np

from synthsuite.datasets_src.fourier.synthetic.densities import bin_centers

KL_OFFSET = 1e-10  # added to the prediction before the log, as the paper does
SIGMAS = np.arange(1, 101)
SIGMA_WEIGHTS = 6 / (np.pi**2 * SIGMAS**2)  # Σ_{σ≥1} 1/σ² = π²/6: the weights of all σ sum to 1


def kl_divergence(true_pmfs: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """KL(true ‖ predicted) per row; 0·log 0 counts as 0."""
    terms = true_pmfs * (np.log(np.where(true_pmfs > 0, true_pmfs, 1.0)) - np.log(predicted + KL_OFFSET))
    return np.where(true_pmfs > 0, terms, 0.0).sum(-1)


def mean_kl_divergence(true_pmfs: np.ndarray, predicted: np.ndarray) -> float:
    """The mean over rows, floored at 0.

    The offset makes each row's value up to bins·1e-10 lower than the exact KL, so a perfect
    prediction would score about -5e-9; the floor makes it exactly 0.
    """
    return max(float(kl_divergence(true_pmfs, predicted).mean()), 0.0)


@cache
def _residual_gains(bins: int) -> np.ndarray:
    """(bins, σ): |1 − ĝ_σ(f)|² / bins, with ĝ_σ the spectrum of the wrapped Gaussian filter.

    The kernel has radius bins − 1, so it is longer than the signal: taps that wrap onto the same
    bin add up, exactly as scipy's wrap mode reads the signal periodically. Filtering that wraps
    multiplies the DFT by ĝ_σ, so by Parseval ‖y − G_σ∗y‖² = Σ_f |1 − ĝ_σ(f)|² |ŷ(f)|² / bins.
    """
    offsets = np.arange(-(bins - 1), bins)
    kernels = np.exp(-0.5 * offsets[None, :] ** 2 / SIGMAS[:, None] ** 2)
    kernels /= kernels.sum(-1, keepdims=True)
    periodic = np.zeros((len(SIGMAS), bins))
    np.add.at(periodic, (slice(None), offsets % bins), kernels)
    return (np.abs(1 - np.fft.fft(periodic, axis=-1)) ** 2).T / bins


def smoothness(pmfs: np.ndarray) -> np.ndarray:
    """The smoothness of each row (lower is smoother); 0 for a uniform PMF."""
    power = np.abs(np.fft.fft(pmfs, axis=-1)) ** 2
    return np.sqrt(power @ _residual_gains(pmfs.shape[-1])) @ SIGMA_WEIGHTS


def mse(predicted: np.ndarray, z_bins: np.ndarray) -> float:
    """Mean of (centre of round(expected bin index) − centre of z's bin)²; .5 rounds to even, as torch."""
    bins = predicted.shape[-1]
    centers = bin_centers(bins)
    expected_bin = np.rint(predicted @ np.arange(bins)).astype(np.int64)
    return float(np.mean((centers[expected_bin] - centers[z_bins]) ** 2))


def scores(true_pmfs: np.ndarray, predicted: np.ndarray, z_bins: np.ndarray) -> dict[str, float]:
    """Every metric of one set of predictions, by the names the tasks declare."""
    return {
        "kl_divergence": mean_kl_divergence(true_pmfs, predicted),
        "smoothness": float(smoothness(predicted).mean()),
        "mse": mse(predicted, z_bins),
    }
