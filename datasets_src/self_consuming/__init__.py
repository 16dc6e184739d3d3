"""The self-consuming suite's datasets: the Gaussian toy's points (gaussian.py) and the 8×8 digits
(digits.py). The motion experiment reads the motion suite's `motion-correction` data."""
