"""synthsuite: synthetic datasets for generative models, with baselines, evaluators and a leaderboard."""

__version__ = "0.1.0"
