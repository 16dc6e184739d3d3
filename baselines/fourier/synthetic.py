"""The Fourier head's toy experiment (Gillman et al., ICLR 2025): learn a known density, read top to bottom.

An MLP 2 → 64 → 32 → head reads the bins of (x, y) (their indices, as numbers) and outputs scores over
the 50 bins of z; softmax(scores) is the predicted PMF. Training is the paper's: cross-entropy against
z's bin, Adam at lr 1e-3, batch 32, 500 epochs, seeds 1, 2, 3 and 42. The heads:

- linear: `nn.Linear(32, bins)`, the usual classification head;
- gmm: an equal-weight mixture of Gaussians evaluated at the bin centres, means tanh(linear(h)), one
  learnt standard deviation per component (started at 2/bins); 1 component for gaussian, 2 otherwise;
- fourier-N (gamma γ): `FourierHead(32, bins, N, γ)`, N = 2, 4, ..., 20 and γ = 0 or 1e-6.

Why ensembles: one training step of this tiny model costs about a millisecond of PyTorch overhead on a
CPU, and the grid is 264 models x 62,500 steps. So the models of one dataset and one head type train
together: every layer holds K weight matrices (`EnsembleLinear`) and one batched matmul runs all K
models. Each model keeps its own initialisation (built alone from its seed), its own batch order and its
own Adam state, and the loss is the sum of the models' losses, so each one trains as it would alone.
Fourier heads of different N share an ensemble by zero-padding: a head with N < N_max is an N_max head
whose amplitudes above N are multiplied by 0, the same density with the same penalty, because the
autocorrelation of amplitudes that are zero above N has no coefficient above N.
"""

import hashlib
import math
import re
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm import tqdm

from synthsuite.baselines.fourier.head import FourierHead
from synthsuite.datasets_src.access import open_dataset
from synthsuite.datasets_src.executors import make_executor
from synthsuite.datasets_src.fourier.synthetic.densities import bin_centers
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.fourier.synthetic import scoring
from synthsuite.evaluation.results import ModelInfo, Result
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError

PAPER_SEEDS = (1, 2, 3, 42)
PAPER_FREQUENCIES = tuple(range(2, 21, 2))
PAPER_GAMMAS = (0.0, 1e-6)
HIDDEN = (64, 32)
GMM_EPS = 1e-5  # added to the mixture before the log, as in the paper's GMM head


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 500
    batch_size: int = 32
    learning_rate: float = 1e-3

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise UserError(f"epochs must be at least 1, got {self.epochs}", "pass --epochs 1 or more")
        if self.batch_size < 1:
            raise UserError(f"batch size must be at least 1, got {self.batch_size}", "use 32, the paper's")
        if not self.learning_rate > 0:
            raise UserError(f"learning rate must be > 0, got {self.learning_rate}", "use 1e-3, the paper's")


@dataclass(frozen=True)
class HeadSpec:
    kind: Literal["linear", "gmm", "fourier"]
    frequencies: int = 0
    gamma: float = 0.0
    components: int | None = None  # gmm: None is the paper's count for the dataset

    @property
    def name(self) -> str:
        if self.kind == "fourier":
            return f"fourier-{self.frequencies}" + (f"-gamma{self.gamma:g}" if self.gamma else "")
        if self.kind == "gmm" and self.components is not None:
            return f"gmm-{self.components}"
        return self.kind

    def gmm_components(self, config: str) -> int:
        return self.components or (1 if config == "gaussian" else 2)


HEAD_SYNTAX = "linear, gmm, gmm-C, fourier-N or fourier-N-gammaG (e.g. fourier-12-gamma1e-6)"


def parse_head(text: str) -> HeadSpec:
    """A head from its name; the inverse of `HeadSpec.name`."""
    if text in ("linear", "gmm"):
        return HeadSpec(text)
    if match := re.fullmatch(r"gmm-(\d+)", text):
        components = int(match[1])
        if components < 1:
            raise UserError(f"head {text!r} has {components} components", "a GMM head needs at least 1")
        return HeadSpec("gmm", components=components)
    if match := re.fullmatch(r"fourier-(-?\d+)(?:-gamma(.+))?", text):
        frequencies = int(match[1])
        if frequencies < 1:
            raise UserError(f"head {text!r} has {frequencies} frequencies", "a Fourier head needs N >= 1")
        try:
            gamma = float(match[2] or 0.0)
        except ValueError:
            raise UserError(
                f"head {text!r}: gamma {match[2]!r} is not a number", "e.g. fourier-12-gamma1e-6"
            ) from None
        if not (math.isfinite(gamma) and gamma >= 0):
            raise UserError(f"head {text!r}: gamma must be a finite number >= 0", "e.g. fourier-12-gamma1e-6")
        return HeadSpec("fourier", frequencies=frequencies, gamma=gamma)
    raise UserError(f"unknown head {text!r}", f"use {HEAD_SYNTAX}")


def paper_heads() -> list[HeadSpec]:
    """The paper's grid: linear, GMM, and Fourier N = 2..20 (step 2) with γ = 0 and 1e-6."""
    fourier = [HeadSpec("fourier", frequencies=n, gamma=g) for g in PAPER_GAMMAS for n in PAPER_FREQUENCIES]
    return [HeadSpec("linear"), HeadSpec("gmm"), *fourier]


# ---------------------------------------------------------------------------------------------------------
# One model, as the paper builds it


class GMMHead(nn.Module):
    """Scores log(mixture + 1e-5): an equal-weight mixture of Gaussian densities at the bin centres."""

    def __init__(self, in_features: int, bins: int, components: int) -> None:
        super().__init__()
        self.means = nn.Linear(in_features, components)
        start = 2.0 / bins  # softplus(raw_std) = 2/bins at the start
        self.raw_std = nn.Parameter(torch.full((components,), math.log(math.expm1(start))))
        self.register_buffer("centers", torch.tensor(bin_centers(bins), dtype=torch.float32))

    def forward(self, h: Tensor) -> Tensor:
        means = torch.tanh(self.means(h)).unsqueeze(-1)  # (..., components, 1)
        # (components, 1); in an ensemble raw_std is (K, 1, components) and std (K, 1, components, 1)
        std = F.softplus(self.raw_std).unsqueeze(-1)
        density = torch.exp(-0.5 * ((self.centers - means) / std) ** 2) / (std * math.sqrt(2 * math.pi))
        return torch.log(density.mean(-2) + GMM_EPS)


def build_model(head: HeadSpec, config: str, bins: int, seed: int) -> nn.Sequential:
    """One model, initialised from `seed` alone (the same trunk for every head of a seed)."""
    torch.manual_seed(seed)
    trunk = [nn.Linear(2, HIDDEN[0]), nn.ReLU(), nn.Linear(HIDDEN[0], HIDDEN[1]), nn.ReLU()]
    if head.kind == "linear":
        return nn.Sequential(*trunk, nn.Linear(HIDDEN[1], bins))
    if head.kind == "gmm":
        return nn.Sequential(*trunk, GMMHead(HIDDEN[1], bins, head.gmm_components(config)))
    return nn.Sequential(*trunk, FourierHead(HIDDEN[1], bins, head.frequencies, head.gamma))


# ---------------------------------------------------------------------------------------------------------
# K models as one


class EnsembleLinear(nn.Module):
    """K linear layers in one: inputs (K, rows, in) -> (K, rows, out_features), one matmul.

    Layer k's outputs go to the columns `columns[k]` (all of them by default); the other columns of
    model k are multiplied by 0, so they stay 0 and receive no gradient.
    """

    def __init__(
        self, layers: Sequence[nn.Linear], out_features: int, columns: Sequence[Tensor] | None = None
    ) -> None:
        super().__init__()
        count, in_features = len(layers), layers[0].in_features
        if columns is None:
            columns = [torch.arange(out_features)] * count
        weight = torch.zeros(count, in_features, out_features)
        bias = torch.zeros(count, 1, out_features)
        mask = torch.zeros(count, 1, out_features)
        for k, (layer, cols) in enumerate(zip(layers, columns, strict=True)):
            weight[k, :, cols] = layer.weight.detach().T
            bias[k, 0, cols] = layer.bias.detach()
            mask[k, 0, cols] = 1.0
        self.in_features = in_features
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(bias)
        self.register_buffer("mask", None if bool(mask.all()) else mask)

    def forward(self, x: Tensor) -> Tensor:
        if self.mask is None:
            return torch.baddbmm(self.bias, x, self.weight)
        return torch.baddbmm(self.bias * self.mask, x, self.weight * self.mask)


def _fourier_columns(frequencies: int, padded: int) -> Tensor:
    """Where an N-frequency head's outputs (N+1 real parts, then N+1 imaginary parts) sit in a padded one."""
    own = torch.arange(frequencies + 1)
    return torch.cat([own, padded + 1 + own])


class Ensemble(nn.Module):
    """K models 2 → 64 → 32 → head of one head type: inputs (K, rows, 2) -> scores (K, rows, bins).

    The head is the single-model head whose parameters gained a leading model dimension: its linear maps
    become EnsembleLinear and the rest of its computation, which acts on the last dimension, is shared.
    """

    def __init__(self, models: Sequence[nn.Sequential]) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            EnsembleLinear([m[0] for m in models], HIDDEN[0]),
            nn.ReLU(),
            EnsembleLinear([m[2] for m in models], HIDDEN[1]),
            nn.ReLU(),
        )
        heads = [m[4] for m in models]
        first = heads[0]
        if isinstance(first, FourierHead):
            padded = max(h.num_frequencies for h in heads)
            head = FourierHead(HIDDEN[1], first.num_bins, padded, first.regularization_gamma)
            columns = [_fourier_columns(h.num_frequencies, padded) for h in heads]
            head.linear = EnsembleLinear([h.linear for h in heads], 2 * (padded + 1), columns)
        elif isinstance(first, GMMHead):
            head = GMMHead(HIDDEN[1], len(first.centers), len(first.raw_std))
            head.means = EnsembleLinear([h.means for h in heads], len(first.raw_std))
            head.raw_std = nn.Parameter(torch.stack([h.raw_std.detach() for h in heads])[:, None, :])
        else:
            head = EnsembleLinear(heads, first.out_features)
        self.head = head

    def forward(self, inputs: Tensor) -> Tensor:
        return self.head(self.trunk(inputs))

    def loss(self, scores: Tensor, targets: Tensor) -> Tensor:
        """Σ over models of (mean cross-entropy over the batch + the model's Fourier penalty, if any)."""
        count, batch = targets.shape
        cross_entropy = F.cross_entropy(scores.flatten(0, 1), targets.flatten(), reduction="sum") / batch
        if isinstance(self.head, FourierHead):
            # the penalty is γ times a mean over all K·batch rows; times K it is the sum of K per-model means
            return cross_entropy + count * self.head.take_penalty()
        return cross_entropy

    def weights_sha256(self, member: int) -> str:
        """A model's identity: the sha256 of its parameters (float32, in name order)."""
        digest = hashlib.sha256()
        for _, parameter in sorted(self.named_parameters()):
            digest.update(parameter.detach()[member].contiguous().numpy().tobytes())
        return digest.hexdigest()


def train(
    ensemble: Ensemble, inputs: Tensor, targets: Tensor, seeds: Sequence[int], settings: TrainSettings
) -> None:
    """The paper's training loop, for K models at once. inputs (n, 2) and targets (n,) are shared."""
    optimizer = torch.optim.Adam(ensemble.parameters(), lr=settings.learning_rate)
    shufflers = [torch.Generator().manual_seed(seed) for seed in seeds]  # each model's own batch order
    ensemble.train()
    for _ in range(settings.epochs):
        order = torch.stack([torch.randperm(len(targets), generator=g) for g in shufflers])  # (K, n)
        for start in range(0, len(targets), settings.batch_size):
            batch = order[:, start : start + settings.batch_size]  # (K, B) row numbers
            scores = ensemble(inputs[batch])  # (K, B, bins)
            loss = ensemble.loss(scores, targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


@torch.no_grad()
def predict(ensemble: Ensemble, inputs: Tensor) -> np.ndarray:
    """PMFs (K, n, bins): softmax of the scores, as the paper reads its heads."""
    ensemble.eval()
    count = ensemble.trunk[0].weight.shape[0]
    return torch.softmax(ensemble(inputs.expand(count, -1, -1)), dim=-1).numpy()


# ---------------------------------------------------------------------------------------------------------
# The grid: which models train together, in which worker


@dataclass(frozen=True)
class Run:
    head: HeadSpec
    seed: int


@dataclass(frozen=True)
class SplitData:
    """One config's rows as the paper's model reads them."""

    bins: int
    train_inputs: np.ndarray  # (n, 2) float32: x_bin, y_bin
    train_targets: np.ndarray  # (n,) int64: z_bin
    test_ids: list[str]
    test_inputs: np.ndarray


@dataclass(frozen=True)
class Job:
    """One ensemble's work, sent to a worker: everything it needs, nothing it writes."""

    config: str
    runs: tuple[Run, ...]
    settings: TrainSettings
    data: SplitData

    @property
    def model_steps(self) -> int:
        steps_per_epoch = math.ceil(len(self.data.train_targets) / self.settings.batch_size)
        return len(self.runs) * self.settings.epochs * steps_per_epoch


@dataclass(frozen=True)
class JobOutput:
    pmfs: np.ndarray  # (K, n_test, bins) float32
    weights_sha256: tuple[str, ...]
    seconds: float


def plan_jobs(
    data: dict[str, SplitData], heads: Sequence[HeadSpec], seeds: Sequence[int], settings: TrainSettings
) -> list[Job]:
    """One job per (config, head type, γ or GMM components), largest first so the workers finish together."""
    jobs = []
    for config, split_data in data.items():
        groups: dict[tuple, list[Run]] = defaultdict(list)
        for head in heads:
            key = (head.kind, head.gamma, head.gmm_components(config) if head.kind == "gmm" else 0)
            groups[key].extend(Run(head, seed) for seed in seeds)
        jobs.extend(Job(config, tuple(runs), settings, split_data) for runs in groups.values())
    return sorted(jobs, key=lambda job: -job.model_steps)


def train_job(job: Job) -> JobOutput:
    """Runs in a worker: build every model from its seed, train them as one ensemble, predict the test split.

    One thread: the matrices are small, and the bytes must not depend on how a BLAS splits its work.
    """
    started = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        models = [build_model(run.head, job.config, job.data.bins, run.seed) for run in job.runs]
        ensemble = Ensemble(models)
        inputs, targets = torch.from_numpy(job.data.train_inputs), torch.from_numpy(job.data.train_targets)
        train(ensemble, inputs, targets, [run.seed for run in job.runs], job.settings)
        pmfs = predict(ensemble, torch.from_numpy(job.data.test_inputs))
        hashes = tuple(ensemble.weights_sha256(k) for k in range(len(job.runs)))
    finally:
        torch.set_num_threads(threads)
    return JobOutput(pmfs, hashes, time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------------------
# Data in, predictions and results out


def load_data(task: TaskMetadata, dataset: str | None) -> SplitData:
    """The task's train and test rows as the paper's model reads them; refuses a build with other bins."""
    source = open_dataset(dataset or task.dataset.repo_id, configs=[task.dataset.config])
    bins = scoring.check_bins(task, source)
    train_rows = source.read(task.dataset.config, "train", ["x_bin", "y_bin", "z_bin"])
    test_rows = source.read(task.dataset.config, task.eval_split, ["sample_id", "x_bin", "y_bin"])

    def inputs(table: pa.Table) -> np.ndarray:
        return np.stack([table.column(c).to_numpy() for c in ("x_bin", "y_bin")], axis=1).astype(np.float32)

    return SplitData(
        bins=bins,
        train_inputs=inputs(train_rows),
        train_targets=train_rows.column("z_bin").to_numpy().astype(np.int64),
        test_ids=test_rows.column("sample_id").to_pylist(),
        test_inputs=inputs(test_rows),
    )


def output_dir(out: Path, task: TaskMetadata, head: HeadSpec) -> Path:
    return out / task.name / head.name


def write_job(
    job: Job, output: JobOutput, task: TaskMetadata, out: Path, dataset: str | None
) -> Iterator[Result]:
    """Write each model's predictions and results file; yield the results."""
    for k, run in enumerate(job.runs):
        folder = output_dir(out, task, run.head)
        model = ModelInfo(
            name=f"mlp-{run.head.name}",
            revision=output.weights_sha256[k],
            details={
                "architecture": f"mlp 2-{HIDDEN[0]}-{HIDDEN[1]}-{run.head.name}",
                "bins": str(job.data.bins),
                "epochs": str(job.settings.epochs),
                "batch_size": str(job.settings.batch_size),
                "learning_rate": str(job.settings.learning_rate),
                "seed": str(run.seed),
            },
        )
        path = folder / f"seed-{run.seed}.parquet"
        scoring.write_pmf_predictions(path, task, job.data.test_ids, output.pmfs[k], model.model_dump())
        result = evaluate_predictions(task, path, dataset=dataset, model=model, seeds=[run.seed])
        result = result.model_copy(update={"wall_seconds": output.seconds / len(job.runs)})
        result.write(folder / f"seed-{run.seed}.results.json")
        yield result


def aggregate(task: TaskMetadata, head: HeadSpec, per_seed: dict[int, Result]) -> Result:
    """One result over seeds: scores are means, the settings hold each seed's scores and the std."""
    seeds = sorted(per_seed)
    split = task.eval_split
    names = list(per_seed[seeds[0]].scores[split])
    table = {name: np.array([per_seed[s].scores[split][name] for s in seeds]) for name in names}
    means = {name: float(values.mean()) for name, values in table.items()}
    first = per_seed[seeds[0]]
    revision = hashlib.sha256("".join(per_seed[s].model.revision for s in seeds).encode()).hexdigest()
    details = {k: v for k, v in first.model.details.items() if k != "seed"}
    return first.model_copy(
        update={
            "model": ModelInfo(name=first.model.name, revision=revision, details=details),
            "main_score": means[task.main_score],
            "scores": {split: means},
            "seeds": seeds,
            "wall_seconds": sum(per_seed[s].wall_seconds for s in seeds),
            "settings": {
                "split": split,
                "predictions": [f"seed-{s}.parquet" for s in seeds],
                "std_over_seeds": {n: float(v.std(ddof=1)) if len(v) > 1 else 0.0 for n, v in table.items()},
                "per_seed": {str(s): per_seed[s].scores[split] for s in seeds},
            },
        }
    )


def run_grid(
    tasks: Sequence[TaskMetadata],
    heads: Sequence[HeadSpec],
    seeds: Sequence[int],
    settings: TrainSettings,
    *,
    out: Path,
    dataset: str | None = None,
    workers: int = 1,
    progress: bool = True,
) -> list[Result]:
    """Train every (task, head, seed); write predictions and results as each job finishes.

    Writes OUT/<task>/<head>/seed-<s>.parquet and seed-<s>.results.json per model, and results.json
    over the seeds per head; returns those, in task then head order. Every dataset is read and checked
    before anything is trained.
    """
    by_config = {task.dataset.config: task for task in tasks}
    data = {config: load_data(task, dataset) for config, task in by_config.items()}
    jobs = plan_jobs(data, heads, seeds, settings)
    executor = make_executor("local", min(workers, len(jobs)))
    per_seed: dict[tuple[str, HeadSpec], dict[int, Result]] = defaultdict(dict)
    aggregated: dict[tuple[str, HeadSpec], Result] = {}
    bar = tqdm(
        total=sum(job.model_steps for job in jobs),
        unit="step",
        unit_scale=True,
        desc="fourier-synthetic",
        disable=not progress,
        dynamic_ncols=True,
    )
    with bar:
        for index, output in executor.map_unordered(train_job, jobs):
            job = jobs[index]
            task = by_config[job.config]
            for run, result in zip(job.runs, write_job(job, output, task, out, dataset), strict=True):
                per_seed[job.config, run.head][run.seed] = result
            for head in dict.fromkeys(run.head for run in job.runs):  # a job holds every seed of its heads
                result = aggregate(task, head, per_seed[job.config, head])
                result.write(output_dir(out, task, head) / "results.json")
                aggregated[job.config, head] = result
            bar.update(job.model_steps)
    return [aggregated[config, head] for config in by_config for head in heads]
