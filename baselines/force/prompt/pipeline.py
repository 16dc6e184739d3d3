"""`ForcePromptPipeline`: CogVideoX image-to-video that follows a force, in diffusers' style.

    pipe = ForcePromptPipeline.from_parts("THUDM/CogVideoX-5b-I2V", controlnet="runs/point/controlnet")
    video = pipe(image, "A red ball on grass.", force=PointForce(x=220, y=170, angle_deg=20, force=0.6))
    pipe.save_pretrained("my-force-model")            # every part, the branch included
    pipe = ForcePromptPipeline.from_pretrained("my-force-model")

It is diffusers' `CogVideoXImageToVideoPipeline` with one more component, the force branch
(`controlnet`), and the paper's inference settings: CogVideoXDPMScheduler, 50 steps, CFG 6. While
it runs, a pre-hook on the base transformer computes the branch's residuals from the very inputs
of each denoising call (the CFG batch included) and adds them after the base's first K blocks.

Which model a pipeline is depends on its branch (reference A6's baselines):

| `controlnet` | model | the force reaches it as |
|---|---|---|
| a branch trained on forces | force prompting (point, wind or joint) | the control video |
| a branch trained `text_only` | text-only, fine-tuned | zero control, force words in the prompt |
| None | text-only, zero-shot (the base model) | force words in the prompt |
"""

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from diffusers import CogVideoXDPMScheduler, CogVideoXImageToVideoPipeline
from PIL import Image

from synthsuite.baselines.force.prompt import forces
from synthsuite.baselines.force.prompt.controlnet import ForceControlNet, apply_control
from synthsuite.kernel.errors import UserError

PAPER_STEPS = 50
PAPER_GUIDANCE = 6.0
PAPER_FPS = 8  # the original labels its 49-frame clips "8 fps"
BASE_PARTS = ("tokenizer", "text_encoder", "vae", "transformer", "scheduler")


class ForcePromptPipeline(CogVideoXImageToVideoPipeline):
    _optional_components = ["controlnet"]  # noqa: RUF012 - diffusers reads this class attribute
    # enable_model_cpu_offload: the branch runs before the base at every step, so it goes just before it
    model_cpu_offload_seq = "text_encoder->controlnet->transformer->vae"

    def __init__(self, tokenizer, text_encoder, vae, transformer, scheduler, controlnet=None) -> None:
        if not isinstance(scheduler, CogVideoXDPMScheduler):  # the base repos ship DDIM; the paper ran DPM
            scheduler = CogVideoXDPMScheduler.from_config(scheduler.config)
        super().__init__(tokenizer, text_encoder, vae, transformer, scheduler)
        self.register_modules(controlnet=controlnet)

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_parts(
        cls,
        base: str | Path,
        *,
        controlnet: str | Path | ForceControlNet | None = None,
        released: str | Path | None = None,
        variant: str = "point",
        torch_dtype: torch.dtype | None = None,
    ) -> "ForcePromptPipeline":
        """The base model (a diffusers folder or Hub id, e.g. THUDM/CogVideoX-5b-I2V) with a branch:
        one trained here (`controlnet`: the folder `train` wrote, or a model), one of the original's
        released checkpoints (`released`: step-5000-checkpoint-{point,wind}-force.pt, with its
        `variant`), or none (the zero-shot text-only baseline)."""
        if controlnet is not None and released is not None:
            raise UserError("both a trained branch and a released checkpoint were given", "pass one of them")
        check_base(base)
        kwargs = {} if torch_dtype is None else {"dtype": torch_dtype}
        try:
            pipe = cls.from_pretrained(str(base), controlnet=None, **kwargs)
        except (OSError, ValueError) as exc:
            raise UserError(
                f"cannot load the base model {base} ({str(exc).splitlines()[0]})",
                "pass a diffusers CogVideoX image-to-video folder, e.g. a download of THUDM/CogVideoX-5b-I2V",
            ) from None
        if released is not None:
            branch = ForceControlNet.from_released(released, pipe.transformer, variant=variant)
        elif isinstance(controlnet, ForceControlNet):
            branch = controlnet
        elif controlnet is not None:
            branch = load_controlnet(controlnet, torch_dtype)
        else:
            branch = None
        if branch is not None:
            pipe.register_modules(controlnet=branch.to(pipe.transformer.device))
        return pipe

    # ------------------------------------------------------------------ running

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels that this base generates."""
        config = self.transformer.config
        return (
            config.sample_width * self.vae_scale_factor_spatial,
            config.sample_height * self.vae_scale_factor_spatial,
        )

    def model_name(self) -> str:
        if self.controlnet is None:
            return "text-zero-shot"
        if self.controlnet.config.text_only:
            return "text-fine-tuned"
        return f"force-prompt-{self.controlnet.config.variant}"

    @torch.no_grad()
    def __call__(
        self,
        image: Image.Image | np.ndarray,
        prompt: str,
        force: forces.Force | None = None,
        *,
        weight: float | Sequence[float] = 1.0,
        object_description: str = "object",
        num_frames: int = 49,
        num_inference_steps: int = PAPER_STEPS,
        guidance_scale: float = PAPER_GUIDANCE,
        generator: torch.Generator | None = None,
        output_type: str = "np",
        **kwargs: Any,
    ):
        """Generate a video from `image` (the first frame, exactly the model's size), `prompt` and
        `force` (PointForce, a list of them, or Wind). Returns diffusers' CogVideoXPipelineOutput;
        with output_type="np", `.frames` is float (1, frames, height, width, 3) in [0, 1]."""
        width, height = self.size
        image = check_image(image, width, height)
        check_frames(num_frames, self.vae_scale_factor_temporal)
        if self.text_encoder is None or self.tokenizer is None:
            raise UserError(
                "the pipeline has no text encoder or tokenizer: the prompt cannot be encoded",
                "load the base model with its text_encoder/ and tokenizer/ folders "
                "(training never deletes them; re-download the base if they are gone)",
            )
        if force is None:
            raise UserError(
                "no force given", "pass force=PointForce(x, y, angle_deg, force) or Wind(angle_deg, speed)"
            )
        kind, _ = forces.check_force(force, width, height)
        mode = self.model_name()
        if mode.startswith("text"):
            prompt = forces.prompt_with_force(
                prompt, force, width=width, height=height, object_description=object_description
            )
        else:
            variant = self.controlnet.config.variant
            if variant != "joint" and variant != kind:
                raise UserError(
                    f"this force-prompt model was trained on {variant} forces, got a {kind} force",
                    f"pass a {variant} force, or use a {kind} or joint model",
                )
        call = {
            "image": image,
            "prompt": prompt,
            "height": height,
            "width": width,
            "num_frames": num_frames,
            "num_inference_steps": num_inference_steps,
            "guidance_scale": guidance_scale,
            "generator": generator,
            "output_type": output_type,
            "max_sequence_length": self.transformer.config.max_text_seq_length,
            **kwargs,
        }
        if self.controlnet is None:
            return super().__call__(**call)
        size = {"frames": num_frames, "width": width, "height": height}
        video = (
            forces.zero_control(**size) if mode == "text-fine-tuned" else forces.control_video(force, **size)
        )
        control = torch.from_numpy(video)[None].to(self.transformer.device)
        with self._controlled(control, weight):
            return super().__call__(**call)

    @contextlib.contextmanager
    def _controlled(self, control: torch.Tensor, weight: float | Sequence[float]) -> Iterator[None]:
        """Every call of the base transformer inside gets the branch's residuals for its inputs."""
        stack = contextlib.ExitStack()

        def before(module, _args, kwargs):
            hidden = kwargs["hidden_states"]
            residuals = self.controlnet(
                hidden,
                kwargs["encoder_hidden_states"],
                kwargs["timestep"],
                control.expand(hidden.shape[0], *control.shape[1:]),
                kwargs.get("image_rotary_emb"),
            )
            stack.enter_context(apply_control(module, residuals, weight))

        def after(_module, _args, _kwargs, _output):
            stack.close()

        handles = [
            self.transformer.register_forward_pre_hook(before, with_kwargs=True),
            self.transformer.register_forward_hook(after, with_kwargs=True),
        ]
        try:
            yield
        finally:
            stack.close()
            for handle in handles:
                handle.remove()


# ---------------------------------------------------------------------- checks


def check_base(base: str | Path) -> None:
    """A local base folder must hold every part inference needs (the original's train.py deleted
    the text encoder, and inference then failed with "text_encoder is None": reference A7)."""
    folder = Path(base)
    if not folder.exists():
        if str(base).count("/") == 1 and not str(base).startswith((".", "/")):
            return  # a Hub id: diffusers resolves it (offline: from the cache)
        raise UserError(
            f"base model folder {folder} does not exist", "pass a diffusers CogVideoX image-to-video folder"
        )
    if not (folder / "model_index.json").is_file():
        raise UserError(
            f"{folder} has no model_index.json", "pass a diffusers pipeline folder (save_pretrained)"
        )
    missing = [part for part in BASE_PARTS if not (folder / part).is_dir()]
    if missing:
        raise UserError(
            f"base model folder {folder} lacks {', '.join(missing)}",
            "restore the full base model (e.g. download THUDM/CogVideoX-5b-I2V again); "
            "inference needs the text encoder and tokenizer",
        )


def load_controlnet(folder: str | Path, torch_dtype: torch.dtype | None = None) -> ForceControlNet:
    path = Path(folder)
    if not (path / "config.json").is_file():
        raise UserError(
            f"no force-prompt branch in {path} (config.json missing)",
            "pass the controlnet/ folder that `synthsuite baseline force-prompt train` wrote",
        )
    try:
        return ForceControlNet.from_pretrained(
            str(path), **({} if torch_dtype is None else {"dtype": torch_dtype})
        )
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot load the force-prompt branch in {path} ({str(exc).splitlines()[0]})",
            "train it again, or pass another checkpoint's controlnet/ folder",
        ) from None


def check_image(image: object, width: int, height: int) -> Image.Image:
    """The first frame as an RGB PIL image of exactly (width, height): no silent resizing, since the
    force's pixel coordinates refer to it."""
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise UserError(
                f"image array must be uint8 (height, width, 3), got {image.dtype} {image.shape}",
                "pass a PIL image or a uint8 RGB array",
            )
        image = Image.fromarray(image)
    if not isinstance(image, Image.Image):
        raise UserError(
            f"image must be a PIL image or a numpy array, got {type(image).__name__}", "load it with PIL"
        )
    if image.size != (width, height):
        raise UserError(
            f"image is {image.size[0]}x{image.size[1]}, the model generates {width}x{height}",
            f"resize or crop the first frame to {width}x{height} (and the force's pixel coordinates with it)",
        )
    return image.convert("RGB")


def check_frames(frames: int, temporal: int) -> None:
    """CogVideoX's causal VAE decodes an odd number of latent frames back to 1 + temporal * (L - 1)
    frames: 49 (13 latent), 41, 33, 25, 17, 9."""
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1 or (frames - 1) % (2 * temporal):
        raise UserError(
            f"num_frames must be 1 + {2 * temporal}k (e.g. 49, the paper's), got {frames!r}",
            "pass 9, 17, 25, 33, 41 or 49",
        )


# ---------------------------------------------------------------------- output


def to_uint8(frames: np.ndarray) -> np.ndarray:
    """Pipeline frames, float (frames, height, width, 3) in [0, 1], as uint8."""
    return (np.clip(frames, 0, 1) * 255).round().astype(np.uint8)


def write_mp4(frames: np.ndarray, path: Path, fps: int = PAPER_FPS) -> Path:
    """H.264 mp4 (yuv420p) of uint8 (frames, height, width, 3), written atomically and byte for
    byte reproducibly (the force datasets' encoder)."""
    from fractions import Fraction

    from synthsuite.datasets_src.force.video import encode_mp4

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial.mp4")
    try:
        encode_mp4(list(frames), Fraction(fps), partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
