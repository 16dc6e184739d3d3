"""Training the force branch with accelerate: the paper's recipe (reference A5), resumable.

    synthsuite baseline force-prompt train --base THUDM/CogVideoX-5b-I2V --variant point --out runs/point
    accelerate launch --config_file baselines/force/prompt/configs/accelerate_4gpu_deepspeed.yaml \
        -m synthsuite baseline force-prompt train --base ... --variant point --out runs/point

Recipe (all settings in `TrainSettings`, defaults the paper's): AdamW lr 1e-5, betas (0.9, 0.95),
weight decay 1e-4, gradient-norm clip 1.0, cosine with restarts (1 cycle) after 250 warm-up steps,
5000 optimizer steps, batch 1 per process with 2 accumulation steps (x 4 GPUs = 8), bf16, seed 42,
a checkpoint every 500 steps. The base is frozen; only the branch trains (its weights in fp32,
autocast in bf16; the frozen parts are held in bf16). Loss: CogVideoX's v-prediction objective
turned into x0 and weighted by 1 / (1 - alpha_bar_t), t uniform in [0, 1000).

Determinism: which clips a micro-batch holds and its noise depend only on (seed, micro-batch
index), so a run resumed from a checkpoint continues exactly as the uninterrupted one (tested).

What is written under OUT:
    run.json                      settings, base, dataset revisions (a resume must match them)
    cache/<hash>/                 precomputed T5 embeddings and VAE latents (data.precompute)
    checkpoints/step-NNNNNN/      accelerate state (branch, optimizer, scheduler) + controlnet/
    log.jsonl                     one line per optimizer step: step, loss, learning rate
    controlnet/                   the final branch (ForceControlNet.save_pretrained)
    training.json                 run.json + steps done, last loss, seconds
Training reads the base model and never writes or deletes anything of it: inference needs its
text encoder (the original's train.py deleted it and its inference then failed, reference A7).
"""

import gc
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from synthsuite.baselines.force.prompt import data
from synthsuite.baselines.force.prompt.controlnet import (
    VARIANTS,
    ForceControlNet,
    controlled_forward,
    rotary_embedding,
)
from synthsuite.baselines.force.prompt.pipeline import check_base, check_frames
from synthsuite.kernel.atomic import atomic_write_text
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.seeding import derive_seed

MIXED_PRECISION = ("bf16", "fp16", "no")


@dataclass(frozen=True)
class TrainSettings:
    variant: str = "point"
    text_only: bool = False  # the text-only fine-tuned baseline: zero control, force words in prompts
    layers: int = 6
    frames: int = 49
    steps: int = 5000
    batch_size: int = 1
    gradient_accumulation: int = 2
    learning_rate: float = 1e-5
    betas: tuple[float, float] = (0.9, 0.95)
    weight_decay: float = 1e-4
    epsilon: float = 1e-8
    max_grad_norm: float = 1.0
    warmup_steps: int = 250
    cycles: int = 1
    checkpoint_every: int = 500
    seed: int = 42
    mixed_precision: str = "bf16"
    gradient_checkpointing: bool = True
    weight: float = 1.0  # the residuals' weight (the original's controlnet_weights)

    def check(self) -> None:
        if self.variant not in VARIANTS:
            raise UserError(f"unknown variant {self.variant!r}", f"choose one of: {', '.join(VARIANTS)}")
        if self.text_only and self.variant == "joint":
            raise UserError(
                "the text-only baseline is trained per force kind", "pass --variant point or wind"
            )
        if self.mixed_precision not in MIXED_PRECISION:
            raise UserError(
                f"unknown mixed precision {self.mixed_precision!r}",
                f"choose one of: {', '.join(MIXED_PRECISION)}",
            )
        check_frames(self.frames, 4)
        for name in ("layers", "steps", "batch_size", "gradient_accumulation", "checkpoint_every", "cycles"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UserError(f"{name} must be an integer >= 1, got {value!r}", f"pass {name} of 1 or more")
        if not (self.learning_rate > 0 and self.max_grad_norm > 0 and self.warmup_steps >= 0):
            raise UserError(
                "learning_rate and max_grad_norm must be > 0 and warmup_steps >= 0",
                "e.g. the paper's learning_rate=1e-5 max_grad_norm=1.0 warmup_steps=250",
            )

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("point", "wind") if self.variant == "joint" else (self.variant,)


@dataclass
class TrainResult:
    out: Path
    steps: int
    losses: list[float] = field(default_factory=list)  # per optimizer step of this run
    resumed_from: int = 0
    seconds: float = 0.0  # the whole call
    precompute_seconds: float = 0.0  # loading the base, reading the data, the cache
    train_seconds: float = 0.0  # the optimizer steps of this run (checkpoints included)


# ---------------------------------------------------------------------- the loss


def diffusion_loss(
    transformer,
    controlnet: ForceControlNet,
    scheduler,
    batch: dict[str, torch.Tensor],
    generator: torch.Generator,
    weight: float = 1.0,
) -> torch.Tensor:
    """CogVideoX's training objective for one batch of cached latents (B, L, C, h, w), with the
    branch's residuals added to the frozen base."""
    latents, image_latents = batch["latents"], batch["image_latents"]
    size = latents.shape[0]
    timesteps = torch.randint(0, scheduler.config.num_train_timesteps, (size,), generator=generator)
    noise = torch.randn(latents.shape, generator=generator).to(latents)
    timesteps = timesteps.to(latents.device)
    noisy = scheduler.add_noise(latents, noise, timesteps)
    frames, height, width = latents.shape[1], latents.shape[3], latents.shape[4]
    output = controlled_forward(
        transformer,
        controlnet,
        hidden_states=torch.cat([noisy, image_latents], dim=2),
        encoder_hidden_states=batch["prompt_embeds"],
        timestep=timesteps,
        control=batch["control"],
        image_rotary_emb=rotary_embedding(transformer, frames, height, width, latents.device),
        weight=weight,
    ).float()
    predicted = scheduler.get_velocity(output, noisy, timesteps)  # v-prediction -> x0
    alphas = scheduler.alphas_cumprod.to(latents.device)[timesteps]
    weights = (1 / (1 - alphas)).reshape(size, 1, 1, 1, 1)
    return (weights * (predicted - latents) ** 2).reshape(size, -1).mean(dim=1).mean()


class Batches:
    """Micro-batch m -> cached tensors: which clips and which noise depend only on (seed, m)."""

    def __init__(self, folder: Path, index: dict[str, Any], settings: TrainSettings, size: tuple[int, int]):
        self.folder = folder
        self.index = index
        self.settings = settings
        self.width, self.height = size
        self.clips = data.by_kind(data.load_clips(index))
        missing = [kind for kind in settings.kinds if not self.clips.get(kind)]
        if missing:
            raise UserError(f"no {missing[0]} clips to train on", "check the dataset's train split")

    def clip(self, m: int, b: int) -> data.Clip:
        kinds = self.settings.kinds
        kind = kinds[m % len(kinds)]  # joint: point and wind micro-batches alternate (50/50)
        pool = self.clips[kind]
        j = (m // len(kinds)) * self.settings.batch_size + b
        epoch, position = divmod(j, len(pool))
        order = torch.Generator().manual_seed(
            derive_seed("force-prompt order", self.settings.seed, kind, epoch) % 2**63
        )
        return pool[int(torch.randperm(len(pool), generator=order)[position])]

    def __call__(self, m: int, device: torch.device) -> tuple[dict[str, torch.Tensor], torch.Generator]:
        generator = torch.Generator().manual_seed(
            derive_seed("force-prompt batch", self.settings.seed, m) % 2**63
        )
        scale = self.index["scaling_factor"]
        items: dict[str, list[torch.Tensor]] = {
            "latents": [],
            "image_latents": [],
            "prompt_embeds": [],
            "control": [],
        }
        for b in range(self.settings.batch_size):
            clip = self.clip(m, b)
            cached = data.read(self.folder / "latents" / f"{clip.key}.safetensors")
            video = _sample(cached["video"].float(), generator) * scale  # (C, L, h, w)
            image = _sample(cached["image"].float(), generator) * scale  # (C, 1, h, w)
            video, image = video.permute(1, 0, 2, 3), image.permute(1, 0, 2, 3)
            padding = image.new_zeros((video.shape[0] - 1, *image.shape[1:]))
            items["latents"].append(video)
            items["image_latents"].append(torch.cat([image, padding]))
            text = data.read(self.folder / self.index["text"][clip.prompt])["embedding"]
            items["prompt_embeds"].append(text.float())
            control = clip.control(
                frames=self.settings.frames,
                width=self.width,
                height=self.height,
                text_only=self.settings.text_only,
            )
            items["control"].append(torch.from_numpy(control))
        return {k: torch.stack(v).to(device) for k, v in items.items()}, generator


def _sample(parameters: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A draw from the VAE's diagonal Gaussian given as (mean; log-variance) stacked on channels."""
    mean, logvar = parameters.chunk(2, dim=0)
    std = torch.exp(0.5 * logvar.clamp(-30.0, 20.0))
    return mean + std * torch.randn(mean.shape, generator=generator)


# ---------------------------------------------------------------------- the run


def train(
    base: str | Path,
    out: Path,
    settings: TrainSettings,
    *,
    datasets: dict[str, str] | None = None,
    progress: bool = False,
) -> TrainResult:
    """Train (or resume) a branch into `out`. `datasets` maps "point"/"wind" to a force-point /
    force-wind folder or repo id (default: synthsuite/force-point and synthsuite/force-wind)."""
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from diffusers import CogVideoXImageToVideoPipeline
    from diffusers.optimization import get_scheduler
    from tqdm.auto import tqdm

    from synthsuite.datasets_src.access import open_dataset

    settings.check()
    check_base(base)
    out = Path(out)
    sources = {
        kind: open_dataset(
            (datasets or {}).get(kind, data.DEFAULT_DATASETS[kind]), configs=[data.CONFIGS[kind]]
        )
        for kind in settings.kinds
    }
    revisions = {kind: source.data_revision(data.CONFIGS[kind]) for kind, source in sources.items()}
    run = {
        "settings": asdict(settings),
        "base": str(base),
        "base_identity": data.base_identity(base),
        "datasets": {kind: str(source.repo_id) for kind, source in sources.items()},
        "revisions": revisions,
    }

    accelerator = Accelerator(
        mixed_precision=settings.mixed_precision, gradient_accumulation_steps=settings.gradient_accumulation
    )
    if accelerator.state.deepspeed_plugin is not None:  # no dataloader to infer these from
        ds = accelerator.state.deepspeed_plugin.deepspeed_config
        ds["train_micro_batch_size_per_gpu"] = settings.batch_size
        ds["gradient_accumulation_steps"] = settings.gradient_accumulation
        ds["gradient_clipping"] = settings.max_grad_norm
    set_seed(settings.seed)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "no": torch.float32}[settings.mixed_precision]
    started = time.perf_counter()
    try:
        base_pipe = CogVideoXImageToVideoPipeline.from_pretrained(str(base), dtype=dtype)
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot load the base model {base} ({str(exc).splitlines()[0]})", "pass a diffusers folder"
        ) from None
    transformer, scheduler, vae = base_pipe.transformer, base_pipe.scheduler, base_pipe.vae
    width = transformer.config.sample_width * 2 ** (len(vae.config.block_out_channels) - 1)
    height = transformer.config.sample_height * 2 ** (len(vae.config.block_out_channels) - 1)
    clip_settings = data.ClipSettings(settings.frames, width, height, settings.text_only)
    clips = [clip for kind, source in sources.items() for clip in data.clips_of(source, kind, clip_settings)]
    _claim(out, run)  # the first write: every input has been checked

    # 1. precompute (main process first; the others then find every file in place)
    folder = data.cache_folder(
        out / "cache",
        base=run["base_identity"],
        revisions=revisions,
        settings=clip_settings,
        seed=settings.seed,
    )
    with accelerator.main_process_first():
        vae.enable_slicing()
        vae.enable_tiling()
        parts = {
            "tokenizer": base_pipe.tokenizer,
            "text_encoder": base_pipe.text_encoder.to(accelerator.device),
            "vae": vae.to(accelerator.device),
            "max_text_seq_length": transformer.config.max_text_seq_length,
        }
        index = data.precompute(
            parts,
            clips,
            sources,
            folder,
            clip_settings,
            seed=settings.seed,
            device=accelerator.device,
            progress=progress and accelerator.is_local_main_process,
        )
    # the encoders leave this process's memory (never the disk: inference needs them)
    del parts, base_pipe, vae
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()

    # 2. model, optimizer, schedule
    transformer.requires_grad_(False).to(accelerator.device)
    controlnet = ForceControlNet.from_transformer(
        transformer, num_layers=settings.layers, variant=settings.variant, text_only=settings.text_only
    )
    if settings.gradient_checkpointing:
        transformer.enable_gradient_checkpointing()
        controlnet.enable_gradient_checkpointing()
    optimizer = torch.optim.AdamW(
        controlnet.parameters(),
        lr=settings.learning_rate,
        betas=settings.betas,
        weight_decay=settings.weight_decay,
        eps=settings.epsilon,
    )
    processes = accelerator.num_processes
    lr_scheduler = get_scheduler(
        "cosine_with_restarts",
        optimizer=optimizer,
        num_warmup_steps=settings.warmup_steps * processes,
        num_training_steps=settings.steps * processes,
        num_cycles=settings.cycles,
    )
    controlnet, optimizer, lr_scheduler = accelerator.prepare(controlnet, optimizer, lr_scheduler)
    batches = Batches(folder, index, settings, (width, height))

    # 3. resume
    first = 0
    latest = _latest_checkpoint(out)
    if latest is not None:
        accelerator.load_state(str(latest))
        first = json.loads((latest / "step.json").read_text())["step"]
        if accelerator.is_main_process:
            _truncate_log(out / "log.jsonl", first)
    result = TrainResult(
        out=out, steps=first, resumed_from=first, precompute_seconds=time.perf_counter() - started
    )
    loop_started = time.perf_counter()

    # 4. train
    bar = tqdm(
        total=settings.steps,
        initial=first,
        desc="force-prompt",
        disable=not (progress and accelerator.is_main_process),
    )
    controlnet.train()
    for step in range(first, settings.steps):
        total = 0.0
        for micro in range(settings.gradient_accumulation):
            m = (step * settings.gradient_accumulation + micro) * processes + accelerator.process_index
            batch, generator = batches(m, accelerator.device)
            with accelerator.accumulate(controlnet):
                loss = diffusion_loss(transformer, controlnet, scheduler, batch, generator, settings.weight)
                accelerator.backward(loss)
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(controlnet.parameters(), settings.max_grad_norm)
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()
            total += float(loss.detach()) / settings.gradient_accumulation
        mean_loss = float(accelerator.gather(torch.tensor([total], device=accelerator.device)).mean())
        if not math.isfinite(mean_loss):
            raise UserError(
                f"the loss became {mean_loss} at step {step + 1}",
                "lower --set learning_rate (train again into a new --out)",
            )
        result.losses.append(mean_loss)
        result.steps = step + 1
        if accelerator.is_main_process:
            line = {"step": step + 1, "loss": mean_loss, "lr": lr_scheduler.get_last_lr()[0]}
            with open(out / "log.jsonl", "a") as log:
                log.write(json.dumps(line) + "\n")
        bar.update(1)
        bar.set_postfix(loss=f"{mean_loss:.4f}")
        if (step + 1) % settings.checkpoint_every == 0 or step + 1 == settings.steps:
            _checkpoint(accelerator, controlnet, out, step + 1)
    bar.close()

    # 5. the final branch
    accelerator.wait_for_everyone()
    result.train_seconds = time.perf_counter() - loop_started
    result.seconds = time.perf_counter() - started
    if accelerator.is_main_process:
        _save_controlnet(accelerator.unwrap_model(controlnet), out / "controlnet")
        summary = run | {
            "steps_done": result.steps,
            "last_loss": result.losses[-1] if result.losses else None,
            "seconds_this_run": round(result.seconds, 3),
            "resumed_from": result.resumed_from,
            "cache": folder.relative_to(out).as_posix(),
        }
        atomic_write_text(out / "training.json", json.dumps(summary, indent=2) + "\n")
    accelerator.end_training()
    return result


def _claim(out: Path, run: dict[str, Any]) -> None:
    """Write run.json, or check that the run already in `out` has the same settings and inputs."""
    path = out / "run.json"
    if path.is_file():
        before = json.loads(path.read_text())
        if before != json.loads(json.dumps(run)):
            changed = sorted(k for k in run if before.get(k) != json.loads(json.dumps(run))[k])
            raise UserError(
                f"{out} holds a run with other {', '.join(changed)}",
                "resume with the same command, or pass another --out",
            )
        return
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(run, indent=2) + "\n")


def _truncate_log(path: Path, step: int) -> None:
    """Drop the log lines of steps after the checkpoint a run resumes from (they are redone)."""
    if path.is_file():
        kept = [line for line in path.read_text().splitlines() if json.loads(line)["step"] <= step]
        atomic_write_text(path, "".join(f"{line}\n" for line in kept))


def _latest_checkpoint(out: Path) -> Path | None:
    done = sorted(p for p in (out / "checkpoints").glob("step-*") if (p / "step.json").is_file())
    return done[-1] if done else None


def _save_controlnet(model: ForceControlNet, folder: Path) -> None:
    """save_pretrained into a temporary folder, then a rename: a folder that exists is complete."""
    partial = folder.with_name(f".{folder.name}.partial")
    if partial.exists():
        import shutil

        shutil.rmtree(partial)
    model.save_pretrained(str(partial))
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    partial.rename(folder)


def _checkpoint(accelerator, controlnet, out: Path, step: int) -> None:
    """checkpoints/step-NNNNNN: accelerate's state (all processes write their part) and the branch
    as a loadable controlnet/ folder; step.json, written last, marks it complete."""
    folder = out / "checkpoints" / f"step-{step:06d}"
    accelerator.save_state(str(folder))
    if accelerator.is_main_process:
        _save_controlnet(accelerator.unwrap_model(controlnet), folder / "controlnet")
        atomic_write_text(folder / "step.json", json.dumps({"step": step}) + "\n")
    accelerator.wait_for_everyone()
