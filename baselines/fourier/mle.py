"""The continuous (maximum-likelihood) Fourier head: inputs -> a density on [-1, 1] with a closed-form CDF."""

import math
from typing import ClassVar

import torch
from torch import Tensor
from torch.distributions import Distribution, constraints
from torch.distributions.utils import lazy_property

from synthsuite.baselines.fourier.head import FourierLayer, autocorrelate


class FourierDensity(Distribution):
    """p(z) = |Σ_t a_t e^{iπtz}|² / (2 Σ_t |a_t|²) on [-1, 1], from complex amplitudes a (..., N+1).

    Equivalently p(z) = 1/2 + Re Σ_{k>=1} (c_k/c_0) e^{iπkz} with c = `autocorrelate(a)`. `log_prob` uses
    the squared-modulus form, which is non-negative even after rounding; `cdf` integrates the series term by
    term; `icdf` and `sample` invert the CDF by bisection down to the dtype's resolution, on the amplitudes'
    device. The batch shape is a.shape[:-1]; values must lie in [-1, 1].
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}  # any complex amplitudes will do
    support = constraints.interval(-1.0, 1.0)
    has_rsample = False

    def __init__(self, amplitudes: Tensor, validate_args: bool | None = None) -> None:
        if not amplitudes.is_complex() or amplitudes.dim() < 1:
            raise ValueError(f"amplitudes must be a complex tensor (..., N+1), got {amplitudes.dtype}")
        self.amplitudes = amplitudes
        super().__init__(batch_shape=amplitudes.shape[:-1], validate_args=validate_args)

    @lazy_property
    def coefficients(self) -> Tensor:
        """The Fourier coefficients c_0..c_N, unnormalised (c_0 = Σ_t |a_t|²)."""
        return autocorrelate(self.amplitudes)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = value.to(self.amplitudes.real.dtype)
        frequencies = torch.arange(self.amplitudes.shape[-1], device=value.device, dtype=value.dtype)
        angles = math.pi * value.unsqueeze(-1) * frequencies
        series = (self.amplitudes * torch.polar(torch.ones_like(angles), angles)).sum(-1)
        total_power = (self.amplitudes.real.square() + self.amplitudes.imag.square()).sum(-1)
        return torch.log(series.real.square() + series.imag.square()) - torch.log(2 * total_power)

    def cdf(self, value: Tensor) -> Tensor:
        """F(z) = (z+1)/2 + Σ_{k>=1} [Re(c_k/c_0)·sin(πkz) + Im(c_k/c_0)·(cos(πkz) - (-1)^k)] / (πk)."""
        if self._validate_args:
            self._validate_sample(value)
        return self._cdf(value.to(self.amplitudes.real.dtype))

    def _cdf(self, value: Tensor) -> Tensor:
        coefficients = self.coefficients
        ratios = coefficients[..., 1:] / coefficients[..., :1].real
        frequencies = torch.arange(1, coefficients.shape[-1], device=value.device, dtype=value.dtype)
        angles = math.pi * value.unsqueeze(-1) * frequencies
        cos_at_minus_one = 1 - 2 * (frequencies % 2)  # cos(πk) = (-1)^k, exactly
        terms = ratios.real * angles.sin() + ratios.imag * (angles.cos() - cos_at_minus_one)
        return (value + 1) / 2 + (terms / (math.pi * frequencies)).sum(-1)

    def icdf(self, value: Tensor) -> Tensor:
        """The z in [-1, 1] with F(z) = value, by bisection: mantissa bits + 2 halvings (25 in float32)."""
        dtype = self.amplitudes.real.dtype
        value = value.to(dtype)
        shape = torch.broadcast_shapes(value.shape, self.batch_shape)
        low = torch.full(shape, -1.0, dtype=dtype, device=value.device)
        high = torch.ones_like(low)
        for _ in range(round(-math.log2(torch.finfo(dtype).eps)) + 2):
            middle = (low + high) / 2
            below = self._cdf(middle) < value
            low = torch.where(below, middle, low)
            high = torch.where(below, high, middle)
        return (low + high) / 2

    def sample(
        self, sample_shape: tuple[int, ...] | torch.Size = (), generator: torch.Generator | None = None
    ) -> Tensor:
        """Samples of shape sample_shape + batch_shape; seed with a `generator` on the amplitudes' device."""
        with torch.no_grad():
            uniform = torch.rand(
                self._extended_shape(torch.Size(sample_shape)),
                generator=generator,
                dtype=self.amplitudes.real.dtype,
                device=self.amplitudes.device,
            )
            return self.icdf(uniform)


class FourierMLEHead(FourierLayer):
    """Inputs (..., in_features) -> a `FourierDensity` on [-1, 1] with batch shape (...).

    Train it on targets in [-1, 1] with `loss(density, target)`: the mean negative log-likelihood plus the
    regularisation penalty, which training forwards hold exactly as `FourierHead`'s do (`take_penalty`).
    """

    def __init__(
        self,
        in_features: int,
        num_frequencies: int,
        regularization_gamma: float = 0.0,
        *,
        init_weight_divisor: float = 100.0,
        init_bias_divisor: float = 100.0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_features,
            num_frequencies,
            regularization_gamma,
            init_weight_divisor,
            init_bias_divisor,
            device,
            dtype,
        )
        self._register_tables()

    def forward(self, x: Tensor) -> FourierDensity:
        density = FourierDensity(self.amplitudes(x))
        if self._penalty_due():
            self._hold_penalty(density.coefficients)
        return density

    def loss(self, density: FourierDensity, target: Tensor) -> Tensor:
        """Mean negative log-likelihood of targets in [-1, 1] plus the held penalty (taken)."""
        return -density.log_prob(target).mean() + self.take_penalty()

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, num_frequencies={self.num_frequencies}, "
            f"regularization_gamma={self.regularization_gamma:g}"
        )
