"""Training clips from the force datasets, and their cached precomputation (T5 embeddings, VAE latents).

A clip is `frames` consecutive (or every `stride`-th) frames of one video, as the original trained:

* balls (force-point): from 10/24 s into the video (the original's frames 10-58 of its 24 fps
  mp4s), stride 1; the control is the blob from the poke point (`poke_x`, `poke_y`, `angle`, `force`);
* flags (force-wind): from the start, half the clips at stride 1 and half at stride 2 (both are
  cached; training draws either); the control is the wind map (`wind_angle`, `wind_speed`).

Videos of another resolution than the model's are resized to it, and the poke pixel with them.

**The cache** (`precompute`) holds what the frozen encoders make of each clip, so that training
runs only the transformer and the branch: one T5 embedding per distinct prompt and, per clip, the
VAE's latent distribution (mean and log-variance) of the clip and of its first frame, the latter
with the original's noise augmentation (sigma = exp(N(-3, 0.5)) in pixels) drawn once per clip from
a seed derived from the clip. Files are written atomically one by one and skipped when present, so
an interrupted precomputation resumes; the folder's name is a hash of everything its content
depends on (base model, dataset revisions, clip settings, seed), so a changed input never reuses a
stale cache. Tensors are stored in bfloat16, the training precision (paper scale: ~4.8 MB a clip).
"""

import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from synthsuite.baselines.force.prompt import forces
from synthsuite.kernel.atomic import atomic_write_bytes, atomic_write_text
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.seeding import derive_seed

CONFIGS = {"point": "balls", "wind": "flags"}  # force kind -> config of force-point / force-wind
DEFAULT_DATASETS = {"point": "synthsuite/force-point", "wind": "synthsuite/force-wind"}
BALL_START_SECONDS = 10 / 24
IMAGE_NOISE = (-3.0, 0.5)  # log-sigma mean and std of the first frame's noise augmentation
_POINT_COLUMNS = ["poke_x", "poke_y", "angle", "force"]
_WIND_COLUMNS = ["wind_angle", "wind_speed"]


@dataclass(frozen=True)
class Clip:
    """One training example: which frames of which video, its prompt and its force (labels at the
    model's resolution)."""

    kind: str  # "point" or "wind"
    sample_id: str
    start: int
    stride: int
    prompt: str
    labels: tuple[float, ...]  # point: x, y, angle, force; wind: angle, speed

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.sample_id}-s{self.start}-k{self.stride}"

    def force(self) -> forces.PointForce | forces.Wind:
        if self.kind == "point":
            return forces.PointForce(*self.labels)
        return forces.Wind(*self.labels)

    def control(self, *, frames: int, width: int, height: int, text_only: bool) -> np.ndarray:
        size = {"frames": frames, "width": width, "height": height}
        return forces.zero_control(**size) if text_only else forces.control_video(self.force(), **size)


@dataclass(frozen=True)
class ClipSettings:
    frames: int
    width: int
    height: int
    text_only: bool  # prompts get the force in words (the text-only fine-tuned baseline)


def _video_bytes(cell: Any) -> bytes:
    return cell["bytes"] if isinstance(cell, dict) else cell


def clips_of(source, kind: str, settings: ClipSettings, split: str = "train") -> list[Clip]:
    """The clips of one dataset, from its label columns (the videos are read by `precompute`)."""
    config = CONFIGS[kind]
    extra = _POINT_COLUMNS if kind == "point" else _WIND_COLUMNS
    table = source.read(
        config, split, ["sample_id", "caption", "num_frames", "fps", "width", "height", *extra]
    )
    rows = table.to_pylist()
    clips = []
    for row in rows:
        strides = (1,) if kind == "point" else (1, 2)
        start = round(BALL_START_SECONDS * row["fps"]) if kind == "point" else 0
        fitting = [s for s in strides if start + (settings.frames - 1) * s < row["num_frames"]]
        if not fitting:
            raise UserError(
                f"{source.dataset} {config}/{split} video {row['sample_id']} has {row['num_frames']} frames, "
                f"too few for a {settings.frames}-frame clip from frame {start}",
                "train with fewer --frames (9 for the tiny profile, 49 for paper) or a longer profile",
            )
        scale_x, scale_y = settings.width / row["width"], settings.height / row["height"]
        if kind == "point":
            labels = (
                min(row["poke_x"] * scale_x, settings.width - 1),
                min(row["poke_y"] * scale_y, settings.height - 1),
                row["angle"] % 360,
                row["force"],
            )
        else:
            labels = (row["wind_angle"] % 360, row["wind_speed"])
        force = forces.PointForce(*labels) if kind == "point" else forces.Wind(*labels)
        prompt = row["caption"]
        if settings.text_only:
            words = {"object_description": "ball"} if kind == "point" else {}
            prompt = forces.prompt_with_force(
                prompt, force, width=settings.width, height=settings.height, **words
            )
        for stride in fitting:
            clips.append(Clip(kind, row["sample_id"], start, stride, prompt, tuple(float(v) for v in labels)))
    return clips


def videos_of(source, kind: str, sample_ids: set[str], split: str = "train") -> Iterator[tuple[str, bytes]]:
    """(sample_id, mp4 bytes) of the wanted videos, one verified shard in memory at a time (a paper
    build holds tens of GB of mp4s)."""
    import pyarrow.parquet as pq

    for path in source.shard_paths(CONFIGS[kind], split):
        table = pq.read_table(path, columns=["sample_id", "video"])
        for sample_id, cell in zip(table["sample_id"].to_pylist(), table["video"].to_pylist(), strict=True):
            if sample_id in sample_ids:
                yield sample_id, _video_bytes(cell)


def decode_clip(mp4: bytes, clip: Clip, settings: ClipSettings) -> torch.Tensor:
    """The clip's frames as float (3, frames, height, width) in [-1, 1] at the model's size."""
    import av
    from PIL import Image

    wanted = {clip.start + i * clip.stride for i in range(settings.frames)}
    frames = []
    with av.open(io.BytesIO(mp4)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                image = frame.to_image()
                if image.size != (settings.width, settings.height):
                    image = image.resize((settings.width, settings.height), Image.Resampling.BICUBIC)
                frames.append(np.asarray(image))
            if index >= max(wanted):
                break
    video = torch.from_numpy(np.stack(frames)).permute(3, 0, 1, 2).float()
    return video / 127.5 - 1


# ---------------------------------------------------------------------- the cache


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def base_identity(base: str | Path) -> str:
    """A hash of a base model folder's configs and weight file sizes (a Hub id: the id itself)."""
    folder = Path(base)
    if not folder.is_dir():
        return str(base)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        digest.update(relative.encode())
        digest.update(path.read_bytes() if path.suffix == ".json" else str(path.stat().st_size).encode())
    return digest.hexdigest()


def cache_folder(
    root: Path, *, base: str, revisions: dict[str, str], settings: ClipSettings, seed: int
) -> Path:
    identity = json.dumps(
        {"base": base, "revisions": revisions, "settings": asdict(settings), "seed": seed}, sort_keys=True
    )
    return root / _key(identity)


def _write(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    atomic_write_bytes(path, save_tensors({k: v.contiguous() for k, v in tensors.items()}))


def read(path: Path) -> dict[str, torch.Tensor]:
    return load_tensors(path.read_bytes())


@torch.no_grad()
def precompute(
    parts: dict,
    clips: list[Clip],
    sources: dict,
    folder: Path,
    settings: ClipSettings,
    *,
    seed: int,
    device: torch.device,
    progress: bool = False,
) -> dict[str, Any]:
    """Encode every prompt (T5) and clip (VAE) not yet in `folder`; returns the index (also written
    as index.json, last). `parts` holds tokenizer, text_encoder and vae; `sources` maps a kind to its
    dataset (access.DatasetSource)."""
    from tqdm.auto import tqdm

    tokenizer, text_encoder, vae = parts["tokenizer"], parts["text_encoder"], parts["vae"]
    length = parts["max_text_seq_length"]
    prompts = sorted({clip.prompt for clip in clips})
    todo = [p for p in prompts if not (folder / "text" / f"{_key(p)}.safetensors").is_file()]
    for prompt in tqdm(todo, desc="T5 prompts", disable=not progress):
        ids = tokenizer(
            prompt,
            padding="max_length",
            max_length=length,
            truncation=True,
            add_special_tokens=True,
            return_tensors="pt",
        ).input_ids
        embedding = text_encoder(ids.to(device))[0][0]
        _write(
            folder / "text" / f"{_key(prompt)}.safetensors", {"embedding": embedding.to(torch.bfloat16).cpu()}
        )
    todo = [c for c in clips if not (folder / "latents" / f"{c.key}.safetensors").is_file()]
    bar = tqdm(total=len(todo), desc="VAE clips", disable=not progress)
    for kind, pending in by_kind(todo).items():
        wanted = {c.sample_id for c in pending}
        for sample_id, mp4 in videos_of(sources[kind], kind, wanted):
            for clip in (c for c in pending if c.sample_id == sample_id):
                _encode_clip(vae, mp4, clip, folder, settings, seed=seed, device=device)
                bar.update(1)
    bar.close()
    index = {
        "clips": [asdict(c) | {"key": c.key} for c in clips],
        "text": {p: f"text/{_key(p)}.safetensors" for p in prompts},
        "scaling_factor": float(vae.config.scaling_factor),
        "settings": asdict(settings),
    }
    atomic_write_text(folder / "index.json", json.dumps(index, indent=1, sort_keys=True))
    return index


def _encode_clip(
    vae, mp4: bytes, clip: Clip, folder: Path, settings: ClipSettings, *, seed: int, device
) -> None:
    """The clip's and its augmented first frame's latent distributions, written to latents/<key>."""
    video = decode_clip(mp4, clip, settings)[None].to(device, vae.dtype)
    rng = torch.Generator().manual_seed(derive_seed("force-prompt image noise", seed, clip.key) % 2**63)
    sigma = torch.exp(torch.normal(IMAGE_NOISE[0], IMAGE_NOISE[1], (1,), generator=rng))
    first = video[:, :, :1]
    noisy_first = first + torch.randn(first.shape, generator=rng).to(first) * sigma.to(first)
    _write(
        folder / "latents" / f"{clip.key}.safetensors",
        {
            "video": vae.encode(video).latent_dist.parameters[0].to(torch.bfloat16).cpu(),
            "image": vae.encode(noisy_first).latent_dist.parameters[0].to(torch.bfloat16).cpu(),
        },
    )


def load_clips(index: dict[str, Any]) -> list[Clip]:
    return [
        Clip(**{k: v for k, v in c.items() if k != "key"} | {"labels": tuple(c["labels"])})
        for c in index["clips"]
    ]


def by_kind(clips: Iterable[Clip]) -> dict[str, list[Clip]]:
    grouped: dict[str, list[Clip]] = {}
    for clip in clips:
        grouped.setdefault(clip.kind, []).append(clip)
    return grouped
