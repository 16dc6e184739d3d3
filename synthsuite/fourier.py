"""The Fourier head as a library layer: `from synthsuite.fourier import FourierHead`.

Needs only torch (the `fourier` extra's data and agents are not imported). See docs/fourier-head.md.
"""

from synthsuite.baselines.fourier.head import FourierHead, UnusedPenaltyWarning, autocorrelate
from synthsuite.baselines.fourier.mle import FourierDensity, FourierMLEHead

__all__ = ["FourierDensity", "FourierHead", "FourierMLEHead", "UnusedPenaltyWarning", "autocorrelate"]
