"""The model protocol of the SynTheory tasks: an audio model whose layers the paper's probes read.

The SynTheory paper asks whether a frozen representation encodes a music-theory concept: it takes
each layer's activations, averages them over time, and fits a small probe per layer and concept
(docs/syntheory-baselines.md). Any audio model that gives named layers of activations for a clip
can be probed the same way, so this is the whole interface:

    class MyAudioModel:
        name = "my-lab/my-encoder"      # optional: the leaderboard name (else pass name=)
        revision = "v1"                 # optional: commit, version or weights' sha256 (else revision=)
        sample_rate = 16000             # clips arrive mono, float32, at this rate, peak-normalised
        layers = ["block1", "block2"]   # optional: layer names in depth order (else read off one call)

        def embed(self, audio):         # (samples,) float32 -> {layer: array}
            return {"block1": ..., "block2": ...}

Each array is either one vector (dim,) or one vector per frame (frames, dim), which is averaged
over frames. Every clip must give the same layers with the same dimensions, finite values.
"""

from collections.abc import Mapping
from typing import Protocol

import numpy as np


class AudioEmbedder(Protocol):
    """a `sample_rate` and `embed(audio) -> {layer: (dim,) or (frames, dim) array}`."""

    sample_rate: int

    def embed(self, audio: np.ndarray) -> Mapping[str, np.ndarray]:
        """Mono float32 samples at `sample_rate`, peak-normalised -> each layer's activations."""
        ...
