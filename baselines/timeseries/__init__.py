"""Chronos-style forecasters with a linear or a Fourier head (the Fourier Head paper's Chronos
experiment): `tokenizer.py` (mean scaling, uniform and mixed binning over 4,096 tokens),
`model.py` (T5 configs and heads), `train.py` (the training script, top to bottom)."""
