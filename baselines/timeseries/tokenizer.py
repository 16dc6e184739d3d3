"""The Chronos tokenizer: mean scaling, then one of 4,096 tokens per value.

chronos-forecasting 2.3.2 (Apache-2.0) fits our pins (torch 2.13, transformers 5.24, pandas 3), so its
`MeanScaleUniformBins` is used as is for uniform binning: token 0 pads, token 1 ends a sequence, and a
value x of a window with scale s = mean |context| (1 when that is 0) goes to the nearest of 4,093
centres linspace(-15, 15) of x / s (ids 3..4095; id 2 is never produced), decoded as centre·s.

The Fourier Head paper's Chronos runs used a *mixed* binning instead (its `MeanScaleMixedUniformBins`):
sparse_bin_density = 0.2 of the 4,096 tokens go to the sparse ranges [-15, -1] and [10, 15] in
proportion to their widths (603 and 215 tokens), the other 3,278 to the dense range [-1, 10] where
mean-scaled values mostly fall. `MeanScaleMixedBins` keeps chronos's encoder and decoder and only
moves the 4,093 centres: 600 on [-15, -1] (the lower range gives up the 2 special tokens and the unused
id 2), 3,278 on (-1, 10], 215 on (10, 15]. Unlike the paper's implementation, whose decoder reads ids of
the dense and upper ranges 2 and 4 centres too high (it offsets each range's ids without offsetting
its centres), every id here decodes to the centre it was encoded from.
"""

from typing import Literal

import torch
from chronos.chronos import ChronosConfig, MeanScaleUniformBins

N_TOKENS = 4096
N_SPECIAL_TOKENS = 2
PAD_TOKEN_ID = 0
EOS_TOKEN_ID = 1
LIMITS = (-15.0, 15.0)
MIXED_LIMITS = (-15.0, -1.0, 10.0, 15.0)  # low, dense low, dense high, high
SPARSE_BIN_DENSITY = 0.2
Binning = Literal["uniform", "mixed"]
BINNINGS = ("uniform", "mixed")


def chronos_config(
    context_length: int, prediction_length: int, *, num_samples: int = 20, top_k: int = 50
) -> ChronosConfig:
    """Chronos's settings: 4,096 tokens, an EOS token after every sequence, seq2seq, sampling with
    temperature 1, top-k 50, top-p 1 (its released models' defaults)."""
    return ChronosConfig(
        tokenizer_class="MeanScaleUniformBins",
        tokenizer_kwargs={"low_limit": LIMITS[0], "high_limit": LIMITS[1]},
        context_length=context_length,
        prediction_length=prediction_length,
        n_tokens=N_TOKENS,
        n_special_tokens=N_SPECIAL_TOKENS,
        pad_token_id=PAD_TOKEN_ID,
        eos_token_id=EOS_TOKEN_ID,
        use_eos_token=True,
        model_type="seq2seq",
        num_samples=num_samples,
        temperature=1.0,
        top_k=top_k,
        top_p=1.0,
    )


class MeanScaleMixedBins(MeanScaleUniformBins):
    """Chronos's tokenizer with the paper's mixed-precision centres (see the module docstring)."""

    def __init__(self, config: ChronosConfig) -> None:
        super().__init__(LIMITS[0], LIMITS[1], config)
        low, dense_low, dense_high, high = MIXED_LIMITS
        sparse_width = (dense_low - low) + (high - dense_high)
        lower = int(SPARSE_BIN_DENSITY * config.n_tokens * (dense_low - low) / sparse_width)  # 603
        upper = int(SPARSE_BIN_DENSITY * config.n_tokens * (high - dense_high) / sparse_width)  # 215
        dense = config.n_tokens - lower - upper  # 3,278
        unused = config.n_special_tokens + 1  # the special tokens and id 2, which chronos never produces
        self.centers = torch.cat(
            (
                torch.linspace(low, dense_low, lower - unused),
                torch.linspace(dense_low, dense_high, dense + 1)[1:],
                torch.linspace(dense_high, high, upper + 1)[1:],
            )
        )
        self.boundaries = torch.cat(
            (torch.tensor([-1e20]), (self.centers[1:] + self.centers[:-1]) / 2, torch.tensor([1e20]))
        )


def make_tokenizer(binning: Binning, config: ChronosConfig) -> MeanScaleUniformBins:
    if binning == "uniform":
        return MeanScaleUniformBins(LIMITS[0], LIMITS[1], config)
    if binning == "mixed":
        return MeanScaleMixedBins(config)
    raise ValueError(f"unknown binning {binning!r}")
