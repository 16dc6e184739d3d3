"""Evaluation of the self-consuming suite: tasks for generated samples (tasks.py), the Gaussian toy's
points (gaussian.py), generated digits in a pinned classifier's feature space (digits.py) and the
metrics they share (metrics.py). Generated motions are scored by synthsuite.evaluation.motion.generation.
"""
