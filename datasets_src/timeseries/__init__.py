"""The time-series suite's data: KernelSynth and TSMixup training corpora (Chronos's recipes) and the
zero-shot forecasting benchmark (real series shipped inside Python packages, plus held-out
KernelSynth series). Generators: `kernel_synth.py`, `tsmixup.py`, `zero_shot.py`."""
