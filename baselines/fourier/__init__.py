"""Fourier head baselines (Gillman et al., ICLR 2025): a categorical head and its continuous variant.

See docs/fourier-head.md.
"""

from synthsuite.baselines.fourier.head import (
    FourierHead,
    UnusedPenaltyWarning,
    autocorrelate,
    reference_forward,
)
from synthsuite.baselines.fourier.mle import FourierDensity, FourierMLEHead

__all__ = [
    "FourierDensity",
    "FourierHead",
    "FourierMLEHead",
    "UnusedPenaltyWarning",
    "autocorrelate",
    "reference_forward",
]
