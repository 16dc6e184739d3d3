"""The digits experiment: the original's MNIST loop, CPU-sized, on scikit-learn's 8×8 digits.

- Real data: the `train` split of the `digits` dataset (1,259 images; `--n` takes the first n in
  dataset order), read through the verified access layer.
- Model: a class-conditional DDPM (diffusion.py) whose noise predictor is a residual MLP over the 64
  pixels (scaled to [−1, 1]) with time and label embeddings, trained with the label dropped 10% of the
  time and sampled with guidance w = 0.5, as the original's (T = 400 steps there, 50 here by default:
  diffusion.py).
  Samples are rounded to the data's integer levels 0–16, as the original rounds its samples to 8 bits
  before training on them. Synthetic labels cycle 0, 1, …, 9, as the original's sampler does.
- Generation 0 trains from scratch (`gen0_steps`), each later generation fine-tunes with a fresh Adam
  for `finetune_epochs` epochs over real + synthetic (`finetune_lr`); synthetic data are not accumulated.
- Corrector: the original's. Per class, k-means with 16 clusters on the real images of that class
  (scikit-learn, random_state 0); each synthetic image is replaced by the centroid of its cluster,
  rounded as the original rounds it (round(centroid + 0.5), clipped to the pixel range).
- Metrics each generation (evaluation/self_consuming/digits.py): FID, diversity and class accuracy of
  one generated image per `test` row (of that row's label) in the pinned classifier's feature space.
"""

import io
from functools import cache, partial
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from torch import nn

from synthsuite.baselines.self_consuming.diffusion import DDPM, Schedule, generator_from, sinusoidal
from synthsuite.baselines.self_consuming.loop import Experiment, LoopSpec, Samples
from synthsuite.datasets_src.access import DatasetSource, open_dataset
from synthsuite.evaluation.self_consuming import digits as scoring
from synthsuite.kernel.errors import UserError

CLASSES = 10
PIXELS = 64
PIXEL_MAX = 16
DEFAULT_DATASET = "synthsuite/digits"
CLUSTERS = 16


class DigitsSettings(BaseModel):
    """Model and training settings (`--set KEY=VALUE`); recorded with the results."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    width: int = Field(128, ge=8, le=4096)
    depth: int = Field(3, ge=1, le=16)
    steps: int = Field(50, ge=2, le=2000, description="diffusion steps T (the original: 400)")
    guide: float = Field(0.5, ge=0, le=10, description="guidance weight w")
    gen0_steps: int = Field(3000, ge=1, le=1_000_000)
    gen0_lr: float = Field(1e-3, gt=0, le=1)
    batch_size: int = Field(128, ge=1, le=65536)
    finetune_epochs: int = Field(1, ge=1, le=1000)
    finetune_lr: float = Field(1e-4, gt=0, le=1)
    clusters: int = Field(CLUSTERS, ge=1, le=256, description="k-means clusters per class")


def parse_settings(values: dict[str, Any]) -> DigitsSettings:
    try:
        return DigitsSettings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise UserError(
            f"--set {where}: {first['msg']}", f"digits settings: {', '.join(DigitsSettings.model_fields)}"
        ) from None


class Denoiser(nn.Module):
    """ε(x_t, t, label): a residual MLP; label index 10 is "no label"."""

    def __init__(self, width: int, depth: int) -> None:
        super().__init__()
        self.width = width
        self.inp = nn.Linear(PIXELS, width)
        self.time = nn.Sequential(nn.Linear(64, width), nn.SiLU(), nn.Linear(width, width))
        self.label = nn.Embedding(CLASSES + 1, width)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
            for _ in range(depth)
        )
        self.out = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, PIXELS))

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, label: torch.Tensor, drop: torch.Tensor
    ) -> torch.Tensor:
        label = torch.where(drop, torch.full_like(label, CLASSES), label)
        h = self.inp(x) + self.time(sinusoidal(t, 64)) + self.label(label)
        for block in self.blocks:
            h = h + block(h)
        return self.out(h)


def to_unit(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(images, dtype=np.float32) / PIXEL_MAX * 2 - 1)


def to_pixels(x: torch.Tensor) -> np.ndarray:
    """[−1, 1] → the data's integer levels 0..16 (as float32)."""
    return np.clip(np.round((x.numpy() + 1) / 2 * PIXEL_MAX), 0, PIXEL_MAX).astype(np.float32)


class DigitDiffusion:
    """The class-conditional DDPM behind the loop's plug-in interface."""

    def __init__(self, settings: DigitsSettings, seed: int) -> None:
        self.settings = settings
        torch.manual_seed(seed)  # the initial weights (then replaced by generation 0's state)
        self.net = Denoiser(settings.width, settings.depth)
        self.ddpm = DDPM(Schedule(settings.steps), target="eps")

    def fit(self, data: Samples, generation: int, rng: np.random.Generator) -> None:
        s = self.settings
        generator = generator_from(rng)
        x, labels = to_unit(data["image"]), torch.from_numpy(data["label"].astype(np.int64))
        if generation == 0:
            steps, lr = s.gen0_steps, s.gen0_lr
        else:
            steps, lr = s.finetune_epochs * -(-len(x) // s.batch_size), s.finetune_lr
        optimiser = torch.optim.Adam(self.net.parameters(), lr=lr)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda k: 1 - k / steps if generation == 0 else 1
        )
        self.net.train()
        order = torch.empty(0, dtype=torch.long)
        for _ in range(steps):
            if len(order) < min(s.batch_size, len(x)):  # epochs of shuffled batches, as a DataLoader
                order = torch.cat([order, torch.randperm(len(x), generator=generator)])
            batch, order = order[: s.batch_size], order[s.batch_size :]
            optimiser.zero_grad()
            loss = self.ddpm.loss(self.net, x[batch], labels[batch], generator)
            loss.backward()
            optimiser.step()
            schedule.step()
        self.net.eval()

    def sample(self, n: int, conditions: Samples, rng: np.random.Generator) -> Samples:
        labels = torch.from_numpy(conditions["label"].astype(np.int64))
        x = self.ddpm.sample(self.net, (n, PIXELS), labels, self.settings.guide, generator_from(rng))
        return {"image": to_pixels(x), "label": conditions["label"].astype(np.int64)}

    def state(self) -> bytes:
        buffer = io.BytesIO()
        torch.save(self.net.state_dict(), buffer)
        return buffer.getvalue()

    def load_state(self, state: bytes) -> None:
        self.net.load_state_dict(torch.load(io.BytesIO(state), weights_only=True))
        self.net.eval()


class KMeansCorrector:
    """The original's MNIST corrector: each image becomes the rounded centroid of its class's cluster."""

    def __init__(self, real: Samples, clusters: int) -> None:
        from sklearn.cluster import KMeans

        self.models, self.centroids = [], []
        for digit in range(CLASSES):
            members = real["image"][real["label"] == digit].astype(np.float64)
            if len(members) < clusters:
                raise UserError(
                    f"class {digit} has {len(members)} real images, fewer than {clusters} clusters",
                    "pass a larger --n or a smaller --set clusters",
                )
            kmeans = KMeans(n_clusters=clusters, random_state=0, n_init="auto").fit(members)
            self.models.append(kmeans)
            self.centroids.append(np.clip(np.round(0.5 + kmeans.cluster_centers_), 0, PIXEL_MAX))

    def correct(self, samples: Samples, rng: np.random.Generator) -> Samples:
        images = samples["image"].copy()
        for digit in range(CLASSES):
            rows = samples["label"] == digit
            if rows.any():
                nearest = self.models[digit].predict(images[rows].astype(np.float64))
                images[rows] = self.centroids[digit][nearest]
        return {"image": images, "label": samples["label"]}


def cycling_labels(m: int, rng: np.random.Generator) -> Samples:
    return {"label": np.arange(m, dtype=np.int64) % CLASSES}


@cache
def _data(dataset: str, n: int | None) -> tuple[Samples, tuple[np.ndarray, np.ndarray]]:
    """(the real training images, the test images and labels) of a digits build."""
    source = open_dataset(dataset, configs=["images"])
    _check_build(source, dataset)
    images, labels = scoring.load_split(source, "train")
    if n is not None:
        images, labels = images[:n], labels[:n]
    real = {"image": images.astype(np.float32), "label": labels}
    return real, scoring.load_split(source, "test")


def _check_build(source: DatasetSource, dataset: str) -> None:
    if source.dataset != "digits":
        raise UserError(
            f"{dataset} holds {source.dataset!r}, not digits", "pass a digits build with --dataset"
        )


def evaluate(
    test: tuple[np.ndarray, np.ndarray], model: DigitDiffusion, rng: np.random.Generator
) -> dict[str, float]:
    images, labels = test
    real = _real_statistics(images.tobytes())
    generated = model.sample(len(labels), {"label": labels}, rng)["image"]
    return scoring.digit_scores(generated, labels, real, rng)


@cache
def _real_statistics(images: bytes) -> scoring.RealStatistics:
    return scoring.RealStatistics(np.frombuffer(images, dtype=np.float64).reshape(-1, PIXELS))


def build(seed: int, dataset: str, n: int | None, settings: DigitsSettings) -> Experiment:
    real, test = _data(dataset, n)
    return Experiment(
        name="digits",
        real=real,
        model=partial(DigitDiffusion, settings, seed),
        evaluate=partial(evaluate, test),  # type: ignore[arg-type]
        corrector=lambda gamma: KMeansCorrector(real, settings.clusters),
        conditions=cycling_labels,
        accumulate=False,
    )


def spec(*, n: int | None, dataset: str | None, settings: dict[str, Any]) -> LoopSpec:
    """Check the settings and the dataset now (in the driver), before any worker starts."""
    parsed = parse_settings(settings)
    dataset = dataset or DEFAULT_DATASET
    source = open_dataset(dataset, configs=["images"])
    _check_build(source, dataset)
    available = source.num_rows("images", "train")
    if n is not None and not 1 <= n <= available:
        raise UserError(f"--n must lie in 1..{available} (the train split), got {n}", "pass a smaller --n")
    scoring.classifier()  # the pinned feature space is there and intact
    return LoopSpec(
        experiment="digits",
        build=partial(build, dataset=dataset, n=n, settings=parsed),
        settings={
            "n": n or available,
            "dataset": source.repo_id,
            "dataset_revision": source.data_revision("images"),
            "model": "class-conditional DDPM, residual MLP",
            "corrector": f"k-means per class ({parsed.clusters} clusters), rounded centroids",
            "classifier": f"{scoring.CLASSIFIER_VERSION} sha256 {scoring.CLASSIFIER_SHA256}",
            "accumulate": False,
            **parsed.model_dump(),
            "version": 1,
        },
        slug=f"n{n or available}",
        uses_torch=True,
    )
