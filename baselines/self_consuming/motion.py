"""The motion experiment: a small text-to-motion diffusion model in MDM's style, self-consuming, with
the motion suite's physics corrector (the role of UHC in the original).

- Real data: the first n clips (dataset order, itself a hash shuffle) of the `train` split of the
  `clean` motion-correction data: joints (frames × 22 × 3, 20 fps, 40–196 frames) and `caption`.
- Model (MDM: a transformer encoder over frames that predicts the clean motion x₀, conditioned on a
  token made of the diffusion step and the text, guided at sampling with scale 2.5): here frames are
  grouped `patch` at a time into tokens (49 tokens for 196 frames), joints are normalised per
  coordinate with the real clips' statistics (fixed at generation 0), the text is a mean of learnt
  word embeddings (MDM uses frozen CLIP), and the model is CPU-sized (`width`, `layers`); padded
  frames are masked in attention and in the loss. Diffusion: diffusion.py with `target="x0"`.
- Each generation samples ⌊λ·n⌋ motions for prompts drawn from the real clips (with their lengths),
  corrects them in MuJoCo (synthsuite.datasets_src.motion.corrector.correct; a motion the simulation
  cannot follow is kept as it was), and fine-tunes on real + synthetic for `finetune_steps` with a
  fresh Adam; synthetic data are not accumulated, as the original.
- Metrics each generation (synthsuite.evaluation.motion.generation): FID, diversity, matching score,
  R-precision top 1/2/3 in the pinned evaluator's space and the physics metrics, of one motion per
  prompt of the first `eval_prompts` rows of the `test` split (`eval_split`), with those rows' lengths.
"""

import io
import math
from functools import cache, partial
from typing import Any, Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from torch import nn

from synthsuite.baselines.self_consuming.diffusion import DDPM, Schedule, generator_from, sinusoidal
from synthsuite.baselines.self_consuming.loop import Experiment, LoopSpec, Samples
from synthsuite.datasets_src.access import DatasetSource, open_dataset
from synthsuite.datasets_src.motion.skeleton import FPS, MAX_FRAMES, NUM_JOINTS
from synthsuite.evaluation.motion import generation as scoring
from synthsuite.kernel.errors import UserError

DEFAULT_DATASET = "synthsuite/motion-correction"
COORDINATES = NUM_JOINTS * 3


class MotionSettings(BaseModel):
    """Model, training and evaluation settings (`--set KEY=VALUE`); recorded with the results."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    width: int = Field(64, ge=8, le=1024, description="transformer width (MDM: 512)")
    layers: int = Field(3, ge=1, le=16, description="encoder layers (MDM: 8)")
    heads: int = Field(4, ge=1, le=16)
    patch: int = Field(4, ge=1, le=14, description="frames per token")
    steps: int = Field(50, ge=2, le=1000, description="diffusion steps T (MDM: 1000)")
    guide: float = Field(1.5, ge=0, le=10, description="guidance weight w; MDM's scale 2.5 = 1 + w")
    gen0_steps: int = Field(
        3000, ge=1, le=1_000_000, description="generation 0 (the original: 5k for n = 64)"
    )
    gen0_lr: float = Field(1e-3, gt=0, le=1)
    finetune_steps: int = Field(100, ge=1, le=1_000_000, description="per generation (the original: 1k)")
    finetune_lr: float = Field(2e-4, gt=0, le=1)
    batch_size: int = Field(32, ge=1, le=4096)
    eval_prompts: int = Field(64, ge=2, le=10_000)
    eval_split: Literal["test", "validation", "train"] = "test"
    refine_iterations: int = Field(0, ge=0, le=100, description="the corrector's CEM refinement")
    device: str = Field("cpu", pattern=r"^(cpu|cuda(:\d+)?)$", description="the diffusion model's device")


def parse_settings(values: dict[str, Any]) -> MotionSettings:
    try:
        settings = MotionSettings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise UserError(
            f"--set {where}: {first['msg']}", f"motion settings: {', '.join(MotionSettings.model_fields)}"
        ) from None
    if settings.width % settings.heads:
        raise UserError(
            f"--set width={settings.width} is not a multiple of heads={settings.heads}", "fix them"
        )
    return settings


class Vocabulary:
    """Word ids of the prompt table's words (0: unknown)."""

    def __init__(self, prompts: list[str], device: torch.device) -> None:
        words = sorted({w for p in prompts for w in scoring.tokenize(p)})
        self.index = {w: i + 1 for i, w in enumerate(words)}
        self.size = len(words) + 1
        rows = [[self.index[w] for w in scoring.tokenize(p)] or [0] for p in prompts]
        width = max(len(r) for r in rows)
        self.tokens = torch.zeros(len(rows), width, dtype=torch.long)
        self.mask = torch.zeros(len(rows), width)
        for row, found in enumerate(rows):
            self.tokens[row, : len(found)] = torch.tensor(found)
            self.mask[row, : len(found)] = 1
        self.tokens, self.mask = self.tokens.to(device), self.mask.to(device)


class MotionDenoiser(nn.Module):
    """x₀(x_t, t, text): a transformer encoder over frame patches with a condition token first (MDM)."""

    def __init__(self, settings: MotionSettings, vocabulary: int) -> None:
        super().__init__()
        width, self.patch = settings.width, settings.patch
        self.tokens = math.ceil(MAX_FRAMES / self.patch)
        self.inp = nn.Linear(self.patch * COORDINATES, width)
        self.position = nn.Parameter(torch.randn(self.tokens + 1, width) * 0.02)
        self.time = nn.Sequential(nn.Linear(64, width), nn.SiLU(), nn.Linear(width, width))
        self.words = nn.Embedding(vocabulary, width)
        self.null = nn.Parameter(torch.zeros(width))
        layer = nn.TransformerEncoderLayer(width, settings.heads, 2 * width, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, settings.layers, enable_nested_tensor=False)
        self.out = nn.Linear(width, self.patch * COORDINATES)
        self.vocabulary: Vocabulary | None = None

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, condition: torch.Tensor, drop: torch.Tensor
    ) -> torch.Tensor:
        """x (batch, 196, 66) normalised; condition (batch, 2): the prompt's row in the prompt table and
        the clip's frames (the tokens after them are padding)."""
        assert self.vocabulary is not None
        prompt, frames = condition[:, 0], condition[:, 1]
        tokens, mask = self.vocabulary.tokens[prompt], self.vocabulary.mask[prompt]
        text = (self.words(tokens) * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        text = torch.where(drop[:, None], self.null.expand_as(text), text)
        condition = (self.time(sinusoidal(t, 64)) + text)[:, None]  # MDM's first token
        batch = x.shape[0]
        patches = x.reshape(batch, self.tokens, self.patch * COORDINATES)
        h = torch.cat([condition, self.inp(patches)], dim=1) + self.position
        empty = (
            torch.arange(self.tokens)[None, :]
            >= torch.div(frames + self.patch - 1, self.patch, rounding_mode="floor")[:, None]
        )
        padding = torch.cat([torch.zeros(batch, 1, dtype=torch.bool, device=x.device), empty], dim=1)
        h = self.encoder(h, src_key_padding_mask=padding)
        return self.out(h[:, 1:]).reshape(batch, MAX_FRAMES, COORDINATES)


def _condition(samples: Samples) -> torch.Tensor:
    return torch.from_numpy(np.stack([samples["prompt"], samples["frames"]], axis=1).astype(np.int64))


def _frame_mask(frames: np.ndarray) -> torch.Tensor:
    return (torch.arange(MAX_FRAMES)[None, :] < torch.from_numpy(frames)[:, None]).float()[..., None]


class MotionDiffusion:
    """The text-conditioned motion DDPM behind the loop's plug-in interface."""

    def __init__(self, settings: MotionSettings, prompts: tuple[str, ...], seed: int) -> None:
        self.settings = settings
        torch.manual_seed(seed)
        self.device = torch.device(settings.device)
        self.vocabulary = Vocabulary(list(prompts), self.device)
        self.net = MotionDenoiser(settings, self.vocabulary.size).to(self.device)
        self.net.vocabulary = self.vocabulary
        self.ddpm = DDPM(Schedule(settings.steps), target="x0", device=settings.device)
        self.mean = np.zeros(COORDINATES, dtype=np.float32)
        self.std = np.ones(COORDINATES, dtype=np.float32)

    def _normalised(self, joints: np.ndarray, frames: np.ndarray) -> torch.Tensor:
        x = (joints.reshape(len(joints), MAX_FRAMES, COORDINATES) - self.mean) / self.std
        return torch.from_numpy(x.astype(np.float32)) * _frame_mask(frames)

    def fit(self, data: Samples, generation: int, rng: np.random.Generator) -> None:
        s = self.settings
        frames = data["frames"]
        if generation == 0:  # the normalisation is the real clips', kept for every later generation
            valid = np.concatenate(
                [data["joints"][i, : frames[i]].reshape(-1, COORDINATES) for i in range(len(frames))]
            )
            self.mean, self.std = valid.mean(0).astype(np.float32), (valid.std(0) + 1e-3).astype(np.float32)
        steps, lr = (s.gen0_steps, s.gen0_lr) if generation == 0 else (s.finetune_steps, s.finetune_lr)
        x = self._normalised(data["joints"], frames).to(self.device)
        condition = _condition(data).to(self.device)
        weight = _frame_mask(frames).to(self.device)
        generator = generator_from(rng)
        optimiser = torch.optim.AdamW(self.net.parameters(), lr=lr, weight_decay=0.0)
        self.net.train()
        order = torch.empty(0, dtype=torch.long)
        batch_size = min(s.batch_size, len(x))
        with torch.random.fork_rng():  # dropout draws from torch's global generator: seed it, then restore it
            torch.manual_seed(int(rng.integers(0, 2**62)))
            for _ in range(steps):
                if len(order) < batch_size:
                    order = torch.cat([order, torch.randperm(len(x), generator=generator)])
                batch, order = order[:batch_size], order[batch_size:]
                rows = batch.to(self.device)
                loss = self.ddpm.loss(self.net, x[rows], condition[rows], generator, weight[rows])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        self.net.eval()

    def sample(self, n: int, conditions: Samples, rng: np.random.Generator) -> Samples:
        frames = conditions["frames"].astype(np.int64)
        generator = generator_from(rng)
        x = self.ddpm.sample(
            self.net, (n, MAX_FRAMES, COORDINATES), _condition(conditions), self.settings.guide, generator
        )
        joints = (x.cpu().numpy() * self.std + self.mean) * _frame_mask(frames).numpy()
        return {
            "joints": joints.reshape(n, MAX_FRAMES, NUM_JOINTS, 3).astype(np.float32),
            "frames": frames,
            "prompt": conditions["prompt"].astype(np.int64),
        }

    def state(self) -> bytes:
        buffer = io.BytesIO()
        weights = {k: v.cpu() for k, v in self.net.state_dict().items()}
        statistics = {"mean": torch.from_numpy(self.mean), "std": torch.from_numpy(self.std)}
        torch.save({"net": weights, **statistics}, buffer)
        return buffer.getvalue()

    def load_state(self, state: bytes) -> None:
        saved = torch.load(io.BytesIO(state), weights_only=True, map_location="cpu")
        self.net.load_state_dict(saved["net"])
        self.mean, self.std = saved["mean"].numpy(), saved["std"].numpy()
        self.net.eval()


class PhysicsCorrector:
    """Each motion imitated in MuJoCo by the motion suite's corrector (UHC's role in the original)."""

    def __init__(self, refine_iterations: int) -> None:
        from synthsuite.datasets_src.motion.corrector import CorrectorSettings

        self.settings = CorrectorSettings(refine_iterations=refine_iterations)
        self.failures = 0

    def correct(self, samples: Samples, rng: np.random.Generator) -> Samples:
        from synthsuite.datasets_src.motion.clip import MotionClip
        from synthsuite.datasets_src.motion.corrector import correct

        joints = samples["joints"].copy()
        for i, frames in enumerate(samples["frames"]):
            clip = joints[i, :frames].astype(np.float64)
            if not np.all(np.isfinite(clip)):
                continue
            result = correct(MotionClip(clip, FPS), self.settings)
            self.failures += not result.ok
            joints[i, :frames] = result.motion.joints
        return {**samples, "joints": joints}


# --- data ----------------------------------------------------------------------------------------------


def _pad(motions: list[np.ndarray]) -> np.ndarray:
    out = np.zeros((len(motions), MAX_FRAMES, NUM_JOINTS, 3), dtype=np.float32)
    for i, m in enumerate(motions):
        out[i, : len(m)] = m
    return out


@cache
def _data(dataset: str, n: int, eval_prompts: int, eval_split: str) -> dict[str, Any]:
    source = open_dataset(dataset, configs=["clean"])
    train = scoring.read_clean(source, "train", ["caption", "joints"])
    test = scoring.read_clean(source, eval_split, ["caption", "joints"])
    motions = scoring.joints_of(train)[:n]
    captions = train.column("caption").to_pylist()[:n]
    tests = scoring.joints_of(test)[:eval_prompts]
    test_captions = test.column("caption").to_pylist()[:eval_prompts]
    prompts = tuple(dict.fromkeys([*captions, *test_captions]))
    index = {p: i for i, p in enumerate(prompts)}
    real = {
        "joints": _pad(motions),
        "frames": np.array([len(m) for m in motions], dtype=np.int64),
        "prompt": np.array([index[c] for c in captions], dtype=np.int64),
    }
    evaluation = {
        "motions": tests,
        "captions": test_captions,
        "prompt": np.array([index[c] for c in test_captions], dtype=np.int64),
        "frames": np.array([len(m) for m in tests], dtype=np.int64),
    }
    return {"real": real, "prompts": prompts, "evaluation": evaluation}


def training_prompts(real: Samples, m: int, rng: np.random.Generator) -> Samples:
    """m prompts drawn from the real clips (with replacement), each with its clip's length."""
    rows = rng.integers(0, len(real["frames"]), m)
    return {"frames": real["frames"][rows], "prompt": real["prompt"][rows]}


def evaluate(data: dict[str, Any], model: MotionDiffusion, rng: np.random.Generator) -> dict[str, float]:
    evaluation = data["evaluation"]
    samples = model.sample(len(evaluation["frames"]), evaluation, rng)
    motions = [samples["joints"][i, :f].astype(np.float64) for i, f in enumerate(evaluation["frames"])]
    if "real_embeddings" not in data:  # once per process
        data["real_embeddings"] = scoring.RealMotions(evaluation["motions"])
    return scoring.generation_scores(motions, evaluation["captions"], data["real_embeddings"], rng)


def build(seed: int, dataset: str, n: int, settings: MotionSettings) -> Experiment:
    data = _data(dataset, n, settings.eval_prompts, settings.eval_split)
    return Experiment(
        name="motion",
        real=data["real"],
        model=partial(MotionDiffusion, settings, data["prompts"], seed),
        evaluate=partial(evaluate, data),  # type: ignore[arg-type]
        corrector=lambda gamma: PhysicsCorrector(settings.refine_iterations),
        conditions=partial(training_prompts, data["real"]),
        accumulate=False,
    )


def _check_build(source: DatasetSource, dataset: str) -> None:
    if source.dataset != "motion-correction":
        raise UserError(
            f"{dataset} holds {source.dataset!r}, not motion-correction",
            "pass a motion-correction build with --dataset",
        )


def spec(*, n: int, dataset: str | None, settings: dict[str, Any], progress: bool = False) -> LoopSpec:
    """Check the settings, the data and the evaluator now, before any worker starts."""
    parsed = parse_settings(settings)
    dataset = dataset or DEFAULT_DATASET
    source = open_dataset(dataset, configs=["clean"])
    _check_build(source, dataset)
    available = source.num_rows("clean", "train")
    if not 1 <= n <= available:
        raise UserError(
            f"--n must lie in 1..{available} (the clean train split), got {n}", "pass a smaller --n"
        )
    if source.num_rows("clean", parsed.eval_split) < 2:
        raise UserError(
            f"{dataset} has fewer than 2 clean {parsed.eval_split} clips to evaluate on",
            "use a larger profile, or --set eval_split=train",
        )
    scoring.evaluator()
    return LoopSpec(
        experiment="motion",
        build=partial(build, dataset=dataset, n=n, settings=parsed),
        settings={
            "n": n,
            "dataset": source.repo_id,
            "dataset_revision": source.data_revision("clean"),
            "model": "MDM-style text-to-motion DDPM (transformer encoder over frame patches, x0 target)",
            "corrector": "motion-correction physics corrector (MuJoCo tracking, bounded residual root force)",
            "evaluator": f"{scoring.EVALUATOR_VERSION} sha256 {scoring.EVALUATOR_SHA256}",
            "accumulate": False,
            **parsed.model_dump(),
            "version": 1,
        },
        slug=f"n{n}",
        uses_torch=True,
    )
