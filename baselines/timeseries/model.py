"""The forecaster: a randomly initialised T5 encoder-decoder from transformers over Chronos's 4,096
tokens, whose vocabulary head is either a linear layer (Chronos) or a Fourier head (the paper).

Two sizes. `mini` is google/t5-efficient-mini's published configuration (d_model 384, 4 + 4 layers,
8 heads of 32, d_ff 1,536, ReLU), the model of the paper's Chronos runs (~20 M parameters with the
linear head); it is written out here, so nothing is downloaded, and meant for a GPU. `cpu` keeps its
shape at a size that trains on a few CPU cores (d_model 128, 2 + 2 layers, 4 heads of 32, d_ff 512):
about 0.9 M parameters with the linear head, 1.6 M with Fourier-550. As in Chronos, the linear head is
the input embedding (tied), and T5 scales the decoder output by d_model^-0.5 before either head.

Heads, as `--head`: `linear` is nn.Linear(d_model, 4096, bias=False), T5's own; `fourier-N` is
`synthsuite.baselines.fourier.FourierHead(d_model, 4096, N)` with γ = 1e-6 and the paper's Chronos
init divisors (weight ÷1000, bias ÷10); the paper's N are 64, 128, 256 and 550.
"""

import re
from dataclasses import dataclass

import torch
from torch import nn
from transformers import T5Config, T5ForConditionalGeneration

from synthsuite.baselines.fourier import FourierHead
from synthsuite.baselines.timeseries.tokenizer import EOS_TOKEN_ID, N_TOKENS, PAD_TOKEN_ID
from synthsuite.kernel.errors import UserError

PAPER_FREQUENCIES = (64, 128, 256, 550)
GAMMA = 1e-6
INIT_WEIGHT_DIVISOR, INIT_BIAS_DIVISOR = 1000.0, 10.0
SIZES = {
    "cpu": {
        "d_model": 128,
        "d_ff": 512,
        "num_layers": 2,
        "num_decoder_layers": 2,
        "num_heads": 4,
        "d_kv": 32,
    },
    "mini": {
        "d_model": 384,
        "d_ff": 1536,
        "num_layers": 4,
        "num_decoder_layers": 4,
        "num_heads": 8,
        "d_kv": 32,
    },
}


@dataclass(frozen=True)
class Head:
    """`linear` or `fourier-N`."""

    name: str
    frequencies: int | None  # None for linear


def parse_head(text: str) -> Head:
    if text == "linear":
        return Head("linear", None)
    match = re.fullmatch(r"fourier-(\d+)", text)
    if not match or not 1 <= int(match.group(1)) < N_TOKENS // 2:
        raise UserError(
            f"unknown head {text!r}",
            f"use linear or fourier-N with 1 <= N < {N_TOKENS // 2} (the paper's N: "
            f"{', '.join(map(str, PAPER_FREQUENCIES))})",
        )
    return Head(text, int(match.group(1)))


def t5_config(size: str, *, tied: bool) -> T5Config:
    """Chronos's T5 settings (relative attention, ReLU, dropout 0.1) at one of SIZES; `tied`: the
    linear head shares the input embedding (Chronos's `tie_embeddings`)."""
    return T5Config(
        vocab_size=N_TOKENS,
        **SIZES[size],
        relative_attention_num_buckets=32,
        relative_attention_max_distance=128,
        dropout_rate=0.1,
        feed_forward_proj="relu",
        layer_norm_epsilon=1e-6,
        tie_word_embeddings=tied,
        pad_token_id=PAD_TOKEN_ID,
        eos_token_id=EOS_TOKEN_ID,
        decoder_start_token_id=PAD_TOKEN_ID,
    )


def build_model(size: str, head: Head) -> T5ForConditionalGeneration:
    """A random T5 (draws from torch's global generator: seed it first) with the chosen head."""
    model = T5ForConditionalGeneration(t5_config(size, tied=head.frequencies is None))
    # Chronos ties the linear head to the embedding, and T5 then scales the decoder output by
    # d_model^-0.5 before the head; the paper's Fourier runs kept that scaling (same config), so do we
    model.config.scale_decoder_outputs = True
    if head.frequencies is not None:
        model.lm_head = FourierHead(
            model.config.d_model,
            N_TOKENS,
            head.frequencies,
            regularization_gamma=GAMMA,
            init_weight_divisor=INIT_WEIGHT_DIVISOR,
            init_bias_divisor=INIT_BIAS_DIVISOR,
        )
    return model


def head_penalty(model: T5ForConditionalGeneration) -> torch.Tensor | float:
    """The Fourier head's regularisation penalty of the last training forward (0 for linear)."""
    head: nn.Module = model.lm_head
    return head.take_penalty() if isinstance(head, FourierHead) else 0.0


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
