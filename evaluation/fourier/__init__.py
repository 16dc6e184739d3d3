"""Fourier-head toy evaluation: tasks `fourier-synthetic/<config>` (tasks.py) scored on predicted PMFs.

Predictions are distributions, not labels, so they are scored by `scoring.evaluate_pmf_predictions`
with the metrics of metrics.py (KL divergence to the true PMF, smoothness, MSE).
"""
