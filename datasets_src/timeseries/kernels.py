"""KernelSynth (Ansari et al., "Chronos", TMLR 2024, Appendix A): series drawn from Gaussian-process
priors whose kernels are random compositions of a fixed kernel bank.

The recipe, as Chronos's `scripts/kernel-synth.py` states it:

- every series has LENGTH = 1024 points at inputs x = linspace(0, 1, 1024);
- j ~ U{1, ..., J} kernels (J = `max_kernels` = 5) are drawn uniformly, with replacement, from the
  33-entry bank below (the periodic entry 4/1024 is listed three times, for weekly, monthly and
  quarterly data, so it is drawn three times as often);
- they are combined left to right, each step a + b or a * b with probability 1/2;
- one series is drawn from the zero-mean GP with that kernel;
- Chronos generated 1,000,000 series this way for its training corpus.

The kernels are scikit-learn's, with their default hyperparameters (length_scale = 1, constant 1),
written out here in numpy so that the draw takes its randomness only from the generator it is given:

| kernel | k(x, x') with d = |x - x'| |
|---|---|
| ExpSineSquared(periodicity p) | exp(-2 sin²(π d / p)) |
| DotProduct(sigma_0 s) | s² + x x' |
| RBF(length_scale l) | exp(-d² / (2 l²)) |
| RationalQuadratic(alpha a) | (1 + d² / (2 a))^(-a) |
| WhiteKernel(noise_level n) | n if x = x' else 0 |
| ConstantKernel() | 1 |

Sampling: Chronos calls scikit-learn's `GaussianProcessRegressor.sample_y`, which factors the
covariance by SVD. We factor it with a symmetric eigendecomposition (eigenvalues that rounding made
negative are set to 0) and return V·(√λ ⊙ z) for z ~ N(0, I): the same Gaussian, about 2.5x faster
(benchmarks/timeseries_kernel_synth.py). Linear algebra runs on one thread, so the bytes do not
depend on how many threads a worker has.
"""

from dataclasses import dataclass
from functools import cache

import numpy as np
from threadpoolctl import threadpool_limits

LENGTH = 1024
MAX_KERNELS = 5


@dataclass(frozen=True)
class Kernel:
    kind: str  # periodic, linear, rbf, rational_quadratic, white, constant
    value: float  # periodicity (in units of x), sigma_0, length scale, alpha, noise level; 0 for constant
    label: str  # the frequency the Chronos script notes beside a periodic entry, e.g. "H"

    @property
    def name(self) -> str:
        names = {
            "periodic": "ExpSineSquared(periodicity={:g}/1024)",
            "linear": "DotProduct(sigma_0={:g})",
            "rbf": "RBF(length_scale={:g})",
            "rational_quadratic": "RationalQuadratic(alpha={:g})",
            "white": "WhiteKernel(noise_level={:g})",
            "constant": "ConstantKernel()",
        }
        value = self.value * LENGTH if self.kind == "periodic" else self.value
        return names[self.kind].format(value)


def _periodic(period: float, label: str) -> Kernel:
    return Kernel("periodic", period / LENGTH, label)


# Chronos's KERNEL_BANK, in its order: periods in samples of a 1024-long series, with the frequency
# each is meant for (H hourly, D daily, W weekly, M monthly, Q quarterly, Y yearly; "0.5H" = half)
KERNEL_BANK: tuple[Kernel, ...] = (
    _periodic(24, "H"),
    _periodic(48, "0.5H"),
    _periodic(96, "0.25H"),
    _periodic(24 * 7, "H"),
    _periodic(48 * 7, "0.5H"),
    _periodic(96 * 7, "0.25H"),
    _periodic(7, "D"),
    _periodic(14, "0.5D"),
    _periodic(30, "D"),
    _periodic(60, "0.5D"),
    _periodic(365, "D"),
    _periodic(365 * 2, "0.5D"),
    _periodic(4, "W"),
    _periodic(26, "W"),
    _periodic(52, "W"),
    _periodic(4, "M"),
    _periodic(6, "M"),
    _periodic(12, "M"),
    _periodic(4, "Q"),
    _periodic(4 * 10, "Q"),
    _periodic(10, "Y"),
    Kernel("linear", 0.0, ""),
    Kernel("linear", 1.0, ""),
    Kernel("linear", 10.0, ""),
    Kernel("rbf", 0.1, ""),
    Kernel("rbf", 1.0, ""),
    Kernel("rbf", 10.0, ""),
    Kernel("rational_quadratic", 0.1, ""),
    Kernel("rational_quadratic", 1.0, ""),
    Kernel("rational_quadratic", 10.0, ""),
    Kernel("white", 0.1, ""),
    Kernel("white", 1.0, ""),
    Kernel("constant", 0.0, ""),
)
OPERATORS = ("+", "*")


@cache
def _inputs(length: int) -> tuple[np.ndarray, np.ndarray]:
    """x = linspace(0, 1, length) and the matrix of distances |x_i - x_j|."""
    x = np.linspace(0.0, 1.0, length)
    return x, np.abs(x[:, None] - x[None, :])


def kernel_matrix(kernel: Kernel, length: int = LENGTH) -> np.ndarray:
    """The covariance matrix of one bank kernel at x = linspace(0, 1, length)."""
    x, distance = _inputs(length)
    if kernel.kind == "periodic":
        return np.exp(-2.0 * np.sin(np.pi * distance / kernel.value) ** 2)
    if kernel.kind == "linear":
        return kernel.value**2 + np.outer(x, x)
    if kernel.kind == "rbf":
        return np.exp(-(distance**2) / (2.0 * kernel.value**2))
    if kernel.kind == "rational_quadratic":
        return (1.0 + distance**2 / (2.0 * kernel.value)) ** (-kernel.value)
    if kernel.kind == "white":
        return kernel.value * np.eye(length)
    if kernel.kind == "constant":
        return np.ones((length, length))
    raise ValueError(f"unknown kernel kind {kernel.kind!r}")


@dataclass(frozen=True)
class Composition:
    """Bank indices combined left to right: ((k0 op0 k1) op1 k2) ..."""

    kernels: tuple[int, ...]
    operators: tuple[str, ...]  # len(kernels) - 1 of "+" and "*"

    @property
    def expression(self) -> str:
        text = KERNEL_BANK[self.kernels[0]].name
        for index, operator in zip(self.kernels[1:], self.operators, strict=True):
            text = f"({text} {operator} {KERNEL_BANK[index].name})"
        return text

    def periods(self, length: int = LENGTH) -> list[float]:
        """The periods, in samples, of the periodic kernels used (x has spacing 1/(length - 1))."""
        return [
            KERNEL_BANK[i].value * (length - 1) for i in self.kernels if KERNEL_BANK[i].kind == "periodic"
        ]

    def covariance(self, length: int = LENGTH) -> np.ndarray:
        matrix = kernel_matrix(KERNEL_BANK[self.kernels[0]], length)
        for index, operator in zip(self.kernels[1:], self.operators, strict=True):
            other = kernel_matrix(KERNEL_BANK[index], length)
            matrix = matrix + other if operator == "+" else matrix * other
        return matrix


def random_composition(rng: np.random.Generator, max_kernels: int = MAX_KERNELS) -> Composition:
    """j ~ U{1..max_kernels} bank entries with replacement, each operator + or * with probability 1/2."""
    count = int(rng.integers(1, max_kernels + 1))
    kernels = tuple(int(i) for i in rng.integers(0, len(KERNEL_BANK), size=count))
    operators = tuple(OPERATORS[int(i)] for i in rng.integers(0, 2, size=count - 1))
    return Composition(kernels, operators)


def sample_gp(covariance: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw of N(0, covariance): V·(√max(λ, 0) ⊙ z), z ~ N(0, I), from the eigendecomposition."""
    with threadpool_limits(limits=1):
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        return eigenvectors @ (
            np.sqrt(np.clip(eigenvalues, 0.0, None)) * rng.standard_normal(len(eigenvalues))
        )


def kernel_synth(
    rng: np.random.Generator, *, length: int = LENGTH, max_kernels: int = MAX_KERNELS
) -> tuple[np.ndarray, Composition]:
    """One KernelSynth series and the kernel it was drawn from; all randomness from `rng`.

    A failed decomposition (numpy's LinAlgError, which Chronos's script also catches) draws a new
    composition, as Chronos does.
    """
    while True:
        composition = random_composition(rng, max_kernels)
        try:
            return sample_gp(composition.covariance(length), rng), composition
        except np.linalg.LinAlgError:
            continue
