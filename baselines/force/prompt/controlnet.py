"""The force ControlNet: a trainable branch beside a frozen CogVideoX image-to-video transformer.

Architecture (Force Prompting, reference A5), for a base with inner width D (3072 for
CogVideoX-5b-I2V) and K copied blocks (6 of 42 in the paper):

    control video (B, T, 3, H, W)
      -> PixelUnshuffle(8)                      (B*T, 192, H/8, W/8)
      -> 1x1 conv 192->96, GroupNorm(2), ReLU
      -> temporal pooling T -> 2L-1             (first frame alone, the rest averaged in groups)
      -> 1x1 conv 96->C, GroupNorm(2), ReLU     C = the base's input channels (32: noisy + image latents)
      -> temporal pooling 2L-1 -> L             L = latent frames (49 -> 25 -> 13 in the paper)
    concat with the base's input (B, L, C, H/8, W/8) -> patch embedding of 2C channels
    -> K CogVideoX blocks (copies of the base's first K) -> per block a zero-initialised D x D
       projection -> residual r_k, added to the base's hidden states after its block k, times a weight.

The pooling keeps frame 0 alone because CogVideoX's causal VAE maps frame 0 to latent 0 and each
later group of 4 frames to one latent frame: 49 frames give 1 + 24 pairs, then 1 + 12 pairs, which
is exactly the original's two halvings, and any other frame count pools to the latent count.

At initialisation the projections are zero, so the controlled model is the base model, bit for bit
(tested). The branch's patch embedding copies the base's weights for the latent channels; its
control channels start at zero, as the original's do.

The base is never modified: `apply_control` adds the residuals with forward hooks on the base's
blocks for the duration of one call, so the base stays a stock diffusers
`CogVideoXTransformer3DModel` that loads, saves and runs alone.
"""

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from diffusers import CogVideoXTransformer3DModel
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.embeddings import CogVideoXPatchEmbed, TimestepEmbedding, Timesteps
from diffusers.models.modeling_utils import ModelMixin
from diffusers.models.transformers.cogvideox_transformer_3d import CogVideoXBlock
from torch import nn

from synthsuite.kernel.errors import UserError

VARIANTS = ("point", "wind", "joint")  # trained on point forces, on wind, or on both (50/50 batches)
PAPER_LAYERS = 6  # blocks copied from the base (of 42 in CogVideoX-5b-I2V)

# The base's config keys the branch mirrors (its blocks, time and patch embeddings are the base's).
_MIRRORED = (
    "num_attention_heads",
    "attention_head_dim",
    "time_embed_dim",
    "text_embed_dim",
    "dropout",
    "attention_bias",
    "sample_width",
    "sample_height",
    "sample_frames",
    "patch_size",
    "temporal_compression_ratio",
    "max_text_seq_length",
    "activation_fn",
    "timestep_activation_fn",
    "norm_elementwise_affine",
    "norm_eps",
    "spatial_interpolation_scale",
    "temporal_interpolation_scale",
    "flip_sin_to_cos",
    "freq_shift",
)


def causal_pool(x: torch.Tensor, frames: int) -> torch.Tensor:
    """(B, T, C, H, W) -> (B, frames, C, H, W): frame 0 kept alone, frames 1..T-1 averaged into
    frames - 1 contiguous groups (adaptive average pooling; equal groups when they divide)."""
    if x.shape[1] == frames:
        return x
    if frames == 1:
        return x.mean(dim=1, keepdim=True)
    rest = x[:, 1:].permute(0, 2, 1, 3, 4)  # (B, C, T-1, H, W)
    pooled = F.adaptive_avg_pool3d(rest, (frames - 1, x.shape[3], x.shape[4]))
    return torch.cat([x[:, :1], pooled.permute(0, 2, 1, 3, 4)], dim=1)


class ForceControlEncoder(nn.Module):
    """Control video (B, T, 3, H, W) -> (B, L, out_channels, H/downscale, W/downscale)."""

    def __init__(self, in_channels: int, downscale: int, hidden_channels: int, out_channels: int) -> None:
        super().__init__()
        self.unshuffle = nn.PixelUnshuffle(downscale)
        self.conv_in = nn.Conv2d(in_channels * downscale**2, hidden_channels, kernel_size=1)
        self.norm_in = nn.GroupNorm(2, hidden_channels)
        self.conv_out = nn.Conv2d(hidden_channels, out_channels, kernel_size=1)
        self.norm_out = nn.GroupNorm(2, out_channels)

    def forward(self, control: torch.Tensor, latent_frames: int) -> torch.Tensor:
        batch, frames = control.shape[:2]
        x = self.unshuffle(control.flatten(0, 1))
        x = F.relu(self.norm_in(self.conv_in(x)))
        middle = 2 * latent_frames - 1
        x = causal_pool(x.unflatten(0, (batch, frames)), middle)
        x = F.relu(self.norm_out(self.conv_out(x.flatten(0, 1))))
        return causal_pool(x.unflatten(0, (batch, middle)), latent_frames)


class ForceControlNet(ModelMixin, ConfigMixin):
    """The trainable branch. Build it with `from_transformer(base, ...)`; load it with
    `from_pretrained(folder)` or `from_released(checkpoint, base)`."""

    _supports_gradient_checkpointing = True

    @register_to_config
    def __init__(
        self,
        *,
        base_in_channels: int = 32,
        num_layers: int = PAPER_LAYERS,
        variant: str = "point",
        text_only: bool = False,
        control_in_channels: int = 3,
        downscale: int = 8,
        control_hidden_channels: int = 96,
        use_positional_embeddings: bool = False,
        use_learned_positional_embeddings: bool = True,
        num_attention_heads: int = 48,
        attention_head_dim: int = 64,
        time_embed_dim: int = 512,
        text_embed_dim: int = 4096,
        dropout: float = 0.0,
        attention_bias: bool = True,
        sample_width: int = 90,
        sample_height: int = 60,
        sample_frames: int = 49,
        patch_size: int = 2,
        temporal_compression_ratio: int = 4,
        max_text_seq_length: int = 226,
        activation_fn: str = "gelu-approximate",
        timestep_activation_fn: str = "silu",
        norm_elementwise_affine: bool = True,
        norm_eps: float = 1e-5,
        spatial_interpolation_scale: float = 1.875,
        temporal_interpolation_scale: float = 1.0,
        flip_sin_to_cos: bool = True,
        freq_shift: int = 0,
    ) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise UserError(
                f"unknown force-prompt variant {variant!r}", f"choose one of: {', '.join(VARIANTS)}"
            )
        inner = num_attention_heads * attention_head_dim
        self.control_encoder = ForceControlEncoder(
            control_in_channels, downscale, control_hidden_channels, base_in_channels
        )
        self.patch_embed = CogVideoXPatchEmbed(
            patch_size=patch_size,
            in_channels=2 * base_in_channels,
            embed_dim=inner,
            text_embed_dim=text_embed_dim,
            bias=True,
            sample_width=sample_width,
            sample_height=sample_height,
            sample_frames=sample_frames,
            temporal_compression_ratio=temporal_compression_ratio,
            max_text_seq_length=max_text_seq_length,
            spatial_interpolation_scale=spatial_interpolation_scale,
            temporal_interpolation_scale=temporal_interpolation_scale,
            use_positional_embeddings=use_positional_embeddings,
            use_learned_positional_embeddings=use_learned_positional_embeddings,
        )
        self.embedding_dropout = nn.Dropout(dropout)
        self.time_proj = Timesteps(inner, flip_sin_to_cos, freq_shift)
        self.time_embedding = TimestepEmbedding(inner, time_embed_dim, timestep_activation_fn)
        self.transformer_blocks = nn.ModuleList(
            CogVideoXBlock(
                dim=inner,
                num_attention_heads=num_attention_heads,
                attention_head_dim=attention_head_dim,
                time_embed_dim=time_embed_dim,
                dropout=dropout,
                activation_fn=activation_fn,
                attention_bias=attention_bias,
                norm_elementwise_affine=norm_elementwise_affine,
                norm_eps=norm_eps,
            )
            for _ in range(num_layers)
        )
        self.projections = nn.ModuleList(nn.Linear(inner, inner) for _ in range(num_layers))
        for projection in self.projections:
            nn.init.zeros_(projection.weight)
            nn.init.zeros_(projection.bias)
        with torch.no_grad():
            self.patch_embed.proj.weight[:, base_in_channels:] = 0
        self.gradient_checkpointing = False

    # ------------------------------------------------------------------ building

    @classmethod
    def config_from_transformer(cls, base: CogVideoXTransformer3DModel, **options: Any) -> dict[str, Any]:
        """The branch's config for `base`: its sizes mirrored, `options` on top."""
        config = base.config
        if config.patch_size_t is not None or config.ofs_embed_dim:
            raise UserError(
                "the base transformer is a CogVideoX 1.5 model (temporal patches, ofs embedding)",
                "use a CogVideoX 1.0 image-to-video base such as THUDM/CogVideoX-5b-I2V, the paper's",
            )
        mirrored = {key: config[key] for key in _MIRRORED}
        mirrored["base_in_channels"] = config.in_channels
        mirrored["use_positional_embeddings"] = not config.use_rotary_positional_embeddings
        mirrored["use_learned_positional_embeddings"] = config.use_learned_positional_embeddings
        return {**mirrored, **options}

    @classmethod
    def from_transformer(
        cls,
        base: CogVideoXTransformer3DModel,
        *,
        num_layers: int = PAPER_LAYERS,
        variant: str = "point",
        text_only: bool = False,
        control_hidden_channels: int = 96,
    ) -> "ForceControlNet":
        """A new branch whose blocks, time and patch embeddings are copies of the base's (its first
        `num_layers` blocks), control channels and output projections at zero."""
        if not 1 <= num_layers <= base.config.num_layers:
            raise UserError(
                f"num_layers must be in [1, {base.config.num_layers}] (the base's blocks), got {num_layers}",
                f"pass --layers between 1 and {base.config.num_layers} (the paper: {PAPER_LAYERS})",
            )
        branch = cls(
            **cls.config_from_transformer(
                base,
                num_layers=num_layers,
                variant=variant,
                text_only=text_only,
                control_hidden_channels=control_hidden_channels,
            )
        )
        own = base.config.in_channels
        with torch.no_grad():
            branch.patch_embed.proj.weight[:, :own].copy_(base.patch_embed.proj.weight)
            branch.patch_embed.proj.bias.copy_(base.patch_embed.proj.bias)
            branch.patch_embed.text_proj.load_state_dict(base.patch_embed.text_proj.state_dict())
            if base.config.use_learned_positional_embeddings:
                branch.patch_embed.pos_embedding.copy_(base.patch_embed.pos_embedding)
            branch.time_embedding.load_state_dict(base.time_embedding.state_dict())
            for mine, theirs in zip(branch.transformer_blocks, base.transformer_blocks, strict=False):
                mine.load_state_dict(theirs.state_dict())
        return branch

    # ------------------------------------------------------------------ running

    def forward(
        self,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor,
        timestep: torch.Tensor,
        control: torch.Tensor,
        image_rotary_emb: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, ...]:
        """One residual (B, tokens, D) per branch block.

        hidden_states: the base's input (B, L, C, h, w) (noisy latents and image latents);
        control: the control video (B, T, 3, 8h, 8w), T any frame count."""
        batch, frames, _, height, width = hidden_states.shape
        expected = (height * self.config.downscale, width * self.config.downscale)
        if control.ndim != 5 or control.shape[0] != batch or tuple(control.shape[3:]) != expected:
            raise UserError(
                f"control video of shape {tuple(control.shape)} does not fit "
                f"latents {tuple(hidden_states.shape)}",
                f"pass a control of shape ({batch}, frames, {self.config.control_in_channels}, "
                f"{expected[0]}, {expected[1]})",
            )
        dtype = self.patch_embed.proj.weight.dtype
        hidden_states, encoder_hidden_states = hidden_states.to(dtype), encoder_hidden_states.to(dtype)
        emb = self.time_embedding(self.time_proj(timestep).to(dtype))
        features = self.control_encoder(control.to(dtype), frames)
        tokens = self.patch_embed(encoder_hidden_states, torch.cat([hidden_states, features], dim=2))
        tokens = self.embedding_dropout(tokens)
        text_length = encoder_hidden_states.shape[1]
        text, video = tokens[:, :text_length], tokens[:, text_length:]
        residuals = []
        for block, projection in zip(self.transformer_blocks, self.projections, strict=True):
            if torch.is_grad_enabled() and self.gradient_checkpointing:
                video, text = self._gradient_checkpointing_func(block, video, text, emb, image_rotary_emb)
            else:
                video, text = block(
                    hidden_states=video,
                    encoder_hidden_states=text,
                    temb=emb,
                    image_rotary_emb=image_rotary_emb,
                )
            residuals.append(projection(video))
        return tuple(residuals)

    # ------------------------------------------------------------------ the original's checkpoints

    @classmethod
    def from_released(
        cls, checkpoint: str | Path, base: CogVideoXTransformer3DModel, *, variant: str = "point"
    ) -> "ForceControlNet":
        """A branch from the original's `step-5000-checkpoint-{point,wind}-force.pt` (a torch file
        holding {"state_dict": ...} of its CogVideoXControlnet), for the base it was trained on.

        The original's branch used sine-cosine positional embeddings in its patch embedding (it was
        built without the base's rotary/learned flags) plus the base's rotary embedding in its
        blocks; the branch built here does the same so that the weights mean what they meant."""
        path = Path(checkpoint)
        if not path.is_file():
            raise UserError(
                f"checkpoint file {path} does not exist",
                "download step-5000-checkpoint-point-force.pt (or -wind-force.pt) from the HF model repo "
                "brown-palm/force-prompting and pass its path",
            )
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
        except Exception as exc:  # a pickle error, a missing key, a truncated file
            raise UserError(
                f"{path} is not a released force-prompting checkpoint ({type(exc).__name__}: {exc})",
                "pass the .pt file from brown-palm/force-prompting ({'state_dict': ...})",
            ) from None
        try:
            layers = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("transformer_blocks."))
            hidden = state["controlnet_encode_first.0.weight"].shape[0]
        except (KeyError, ValueError):
            raise UserError(
                f"{path} does not have the released layout "
                "(no transformer_blocks or controlnet_encode_first)",
                "pass a checkpoint written by brown-palm/force-prompting's train.py",
            ) from None
        branch = cls(
            **cls.config_from_transformer(
                base,
                num_layers=layers,
                variant=variant,
                control_hidden_channels=hidden,
                use_positional_embeddings=True,
                use_learned_positional_embeddings=False,
            )
        )
        ours = branch.state_dict()
        mapped = {}
        for key, value in state.items():
            if key.startswith("controlnet_zero_conv_before."):  # built but never used by the original
                continue
            key = _rename(key, _RENAMES)
            fits = key in ours and ours[key].numel() == value.numel()
            mapped[key] = value.reshape(ours[key].shape) if fits else value
        try:
            missing, unexpected = branch.load_state_dict(mapped, strict=False)
        except RuntimeError as exc:  # a shape that does not fit this base
            missing, unexpected = [str(exc).splitlines()[-1].strip()], []
        if missing or unexpected:
            raise UserError(
                f"{path} does not have the released layout (missing {sorted(missing)[:3]}, "
                f"unexpected {sorted(unexpected)[:3]})",
                "pass a checkpoint written by brown-palm/force-prompting's train.py for this base model",
            )
        return branch

    def released_state_dict(self) -> dict[str, torch.Tensor]:
        """This branch's weights in the original's layout (`torch.save({"state_dict": ...})` gives
        a file its inference.py loads; our `controlnet_zero_conv_before` equivalent is absent there
        and unused, so it is written as zeros)."""
        state = {}
        for key, value in self.state_dict().items():
            released = _rename(key, [(new, old) for old, new in _RENAMES])
            is_zero_conv = released.startswith(_ZERO_CONVS) and value.ndim == 2
            state[released] = value.reshape(*value.shape, 1, 1, 1) if is_zero_conv else value
        channels = self.config.base_in_channels
        state["controlnet_zero_conv_before.weight"] = torch.zeros(channels, channels, 1, 1, 1)
        state["controlnet_zero_conv_before.bias"] = torch.zeros(channels)
        return state


# Names: the original's `controlnet_encode_first/second` Sequential(conv, GroupNorm, ReLU) are our
# control_encoder.conv_in/norm_in and conv_out/norm_out; its 1x1x1 Conv3d "zero convs" after each
# block are our Linear projections (same numbers, weight reshaped).
_RENAMES = (
    ("controlnet_encode_first.0.", "control_encoder.conv_in."),
    ("controlnet_encode_first.1.", "control_encoder.norm_in."),
    ("controlnet_encode_second.0.", "control_encoder.conv_out."),
    ("controlnet_encode_second.1.", "control_encoder.norm_out."),
    ("controlnet_zero_convs_after.", "projections."),
)
_ZERO_CONVS = "controlnet_zero_convs_after."


def _rename(key: str, pairs: Sequence[tuple[str, str]]) -> str:
    for old, new in pairs:
        if key.startswith(old):
            return new + key[len(old) :]
    return key


# ---------------------------------------------------------------------- the base, controlled


@contextlib.contextmanager
def apply_control(
    transformer: CogVideoXTransformer3DModel,
    residuals: Sequence[torch.Tensor],
    weight: float | Sequence[float] = 1.0,
) -> Iterator[None]:
    """Within the block, the base's block k adds `weight * residuals[k]` to the video hidden states
    it returns (k < len(residuals)); `weight` is one number or one per residual."""
    weights = (
        [float(weight)] * len(residuals) if isinstance(weight, int | float) else [float(w) for w in weight]
    )
    if len(weights) != len(residuals):
        raise UserError(
            f"{len(weights)} control weights for {len(residuals)} branch blocks",
            "pass one weight or one per block",
        )
    if len(residuals) > len(transformer.transformer_blocks):
        raise UserError(
            f"the branch has {len(residuals)} blocks, the base only {len(transformer.transformer_blocks)}",
            "build the branch from this base (ForceControlNet.from_transformer)",
        )

    def hook(residual: torch.Tensor, scale: float):
        def add(_module: nn.Module, _args: Any, output: tuple[torch.Tensor, torch.Tensor]) -> Any:
            video, text = output
            return video + scale * residual.to(video.dtype), text

        return add

    handles = [
        block.register_forward_hook(hook(residual, scale))
        for block, residual, scale in zip(transformer.transformer_blocks, residuals, weights, strict=False)
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def controlled_forward(
    transformer: CogVideoXTransformer3DModel,
    controlnet: ForceControlNet,
    *,
    hidden_states: torch.Tensor,
    encoder_hidden_states: torch.Tensor,
    timestep: torch.Tensor,
    control: torch.Tensor,
    image_rotary_emb: tuple[torch.Tensor, torch.Tensor] | None = None,
    weight: float | Sequence[float] = 1.0,
) -> torch.Tensor:
    """The base's output (B, L, C/2, h, w) with the branch's residuals added (training and tests)."""
    residuals = controlnet(hidden_states, encoder_hidden_states, timestep, control, image_rotary_emb)
    with apply_control(transformer, residuals, weight):
        return transformer(
            hidden_states=hidden_states.to(transformer.dtype),
            encoder_hidden_states=encoder_hidden_states.to(transformer.dtype),
            timestep=timestep,
            image_rotary_emb=image_rotary_emb,
            return_dict=False,
        )[0]


def rotary_embedding(
    transformer: CogVideoXTransformer3DModel, frames: int, height: int, width: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The base's 3-D rotary embedding for latents of (frames, height, width), as its pipeline
    builds it (CogVideoX 1.0: a grid cropped from the training-size grid); None without rotary."""
    from diffusers.models.embeddings import get_3d_rotary_pos_embed
    from diffusers.pipelines.cogvideo.pipeline_cogvideox_image2video import get_resize_crop_region_for_grid

    config = transformer.config
    if not config.use_rotary_positional_embeddings:
        return None
    grid = (height // config.patch_size, width // config.patch_size)
    crops = get_resize_crop_region_for_grid(
        grid, config.sample_width // config.patch_size, config.sample_height // config.patch_size
    )
    return get_3d_rotary_pos_embed(
        embed_dim=config.attention_head_dim,
        crops_coords=crops,
        grid_size=grid,
        temporal_size=frames,
        device=device,
    )
