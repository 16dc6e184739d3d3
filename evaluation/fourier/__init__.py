"""Fourier head evaluation: the synthetic densities (`synthetic/`, predicted PMFs) and MinAtar
(`minatar/`, agents scored by playing); tasks.py lists both."""
