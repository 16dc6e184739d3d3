"""Self-correcting self-consuming loops (Gillman et al., ICML 2024): one loop of iterative fine-tuning
(loop.py, with its plug-in interface), run on the Gaussian toy (gaussian.py), the 8×8 digits (digits.py)
and humanoid motions (motion.py). See docs/self-consuming.md.
"""
