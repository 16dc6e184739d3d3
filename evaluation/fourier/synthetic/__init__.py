"""Fourier-head toy evaluation: tasks `fourier-synthetic/<config>` (tasks.py), whose predictions are
PMFs scored by `scoring.DistributionScorer` with the metrics of ../metrics.py (KL divergence to the
true PMF, smoothness, MSE).
"""
