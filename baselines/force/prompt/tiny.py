"""A tiny random CogVideoX image-to-video model, built offline: the stand-in for CogVideoX-5b-I2V
in tests, CPU benchmarks and `--tiny` runs.

It has every part of the real one, in the same classes and folder layout (tokenizer, T5 encoder,
causal 3-D VAE with 8x spatial and 4x temporal compression, transformer with rotary and learned
positional embeddings, the DPM scheduler's settings), only small: 96 x 64 pixels (the force
datasets' tiny profile; any multiple of 16 on request), 9 frames by default (3 latent frames; up to
49), 2 blocks of width 32. A denoising step takes milliseconds on one CPU core. Its tokenizer is a
word-level one over a fixed vocabulary (unknown words map to <unk>): no download.
"""

from pathlib import Path

import torch
from diffusers import AutoencoderKLCogVideoX, CogVideoXDPMScheduler, CogVideoXTransformer3DModel
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast, T5Config, T5EncoderModel

from synthsuite.kernel.errors import UserError

WIDTH, HEIGHT, FRAMES = 96, 64, 9
MAX_FRAMES = 49  # the learned positional embeddings cover 13 latent frames, as the real model's
TEXT_LENGTH = 32
# CogVideoX-5b-I2V's scheduler settings (its scheduler_config.json), used by the tiny model and the
# paper-scale one alike; the pipeline runs them with CogVideoXDPMScheduler as the paper does.
SCHEDULER = {
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "num_train_timesteps": 1000,
    "prediction_type": "v_prediction",
    "rescale_betas_zero_snr": True,
    "snr_shift_scale": 1.0,
    "timestep_spacing": "trailing",
    "clip_sample": False,
    "set_alpha_to_one": True,
    "steps_offset": 0,
}
_VOCABULARY = (
    "a an the of on in and with to is are moved very not forcefully poke pushed ball balls soccer bowling "
    "ground grass dirt stone wood flag flags wind breeze blows blowing soft medium strength strong right "
    "left upwards downwards sky pole red green blue yellow white black orange purple cloth waving rolling . ,"
)


def tokenizer() -> PreTrainedTokenizerFast:
    vocab = {word: i for i, word in enumerate(["<pad>", "</s>", "<unk>", *_VOCABULARY.split(" ")])}
    model = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    model.pre_tokenizer = pre_tokenizers.Whitespace()
    model.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(
        tokenizer_object=model,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        model_max_length=TEXT_LENGTH,
    )


def components(seed: int = 0, width: int = WIDTH, height: int = HEIGHT) -> dict:
    """The five parts of a CogVideoX image-to-video pipeline for `width` x `height` (multiples of 16),
    random weights from `seed`."""
    torch.manual_seed(seed)
    words = tokenizer()
    text_encoder = T5EncoderModel(
        T5Config(vocab_size=len(words), d_model=32, d_kv=8, d_ff=64, num_layers=1, num_heads=2)
    )
    vae = AutoencoderKLCogVideoX(
        down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8),
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=2,
        temporal_compression_ratio=4,
        # tiling (which training enables, as the original) starts above half these sizes; at twice
        # the frame size the tiny frames are encoded whole (tiles this small change the latent shape)
        sample_height=2 * height,
        sample_width=2 * width,
    )
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2,
        attention_head_dim=16,
        in_channels=8,
        out_channels=4,
        time_embed_dim=16,
        text_embed_dim=32,
        num_layers=2,
        sample_width=width // 8,
        sample_height=height // 8,
        sample_frames=MAX_FRAMES,
        patch_size=2,
        max_text_seq_length=TEXT_LENGTH,
        use_rotary_positional_embeddings=True,
        use_learned_positional_embeddings=True,
    )
    return {
        "tokenizer": words,
        "text_encoder": text_encoder.eval(),
        "vae": vae.eval(),
        "transformer": transformer.eval(),
        "scheduler": CogVideoXDPMScheduler(**SCHEDULER),
    }


def save_base(folder: Path, seed: int = 0, width: int = WIDTH, height: int = HEIGHT) -> Path:
    """Write the tiny base as a diffusers folder (the layout of THUDM/CogVideoX-5b-I2V)."""
    from diffusers import CogVideoXImageToVideoPipeline

    if width % 16 or height % 16 or min(width, height) < 16:
        raise UserError(f"tiny base size {width}x{height} is not a multiple of 16", "e.g. 96x64 or 144x96")
    CogVideoXImageToVideoPipeline(**components(seed, width, height)).save_pretrained(folder)
    return folder
