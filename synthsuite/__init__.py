"""synthsuite: synthetic datasets for generative models, with baselines, evaluators and a leaderboard.

The pillars are imported as `synthsuite.datasets_src`, `synthsuite.baselines`,
`synthsuite.evaluation` and `synthsuite.leaderboard`; the shared kernel is `synthsuite.kernel`.
"""

from synthsuite.kernel.version import __version__

__all__ = ["__version__"]
