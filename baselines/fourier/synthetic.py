"""The Fourier head's toy experiment (Gillman et al., ICLR 2025): learn a known density, read top to bottom.

An MLP 2 → 64 → 32 → head reads the bins of (x, y) (their indices, as numbers) and outputs scores over
the 50 bins of z; softmax(scores) is the predicted PMF. Training is the paper's: cross-entropy against
z's bin, Adam at lr 1e-3, batch 32, 500 epochs, seeds 1, 2, 3 and 42 by default. The heads:

- linear: `nn.Linear(32, bins)`, the usual classification head;
- gmm: an equal-weight mixture of Gaussians evaluated at the bin centres, means tanh(linear(h)), one
  learnt standard deviation per component (started at 2/bins); 1 component for gaussian, 2 otherwise;
- fourier-N (gamma γ): `FourierHead(32, bins, N, γ)`, N = 2, 4, ..., 20 and γ = 0 or 1e-6.

Why ensembles: one training step of this tiny model costs about a millisecond of PyTorch overhead on a
CPU, and a 10-seed grid is 660 models x 62,500 steps. So the models of one architecture (one head, every
dataset and seed) train together: every layer holds K weight matrices (`EnsembleLinear`) and one batched
matmul runs all K models. Each model's initialisation and batch order come from its own streams
(`model_seeds`: dataset, config, head and seed), it keeps its own Adam state, and the loss is the sum of
the models' losses, so each one trains to the same bytes as it would alone, in an ensemble of any size
(tested; see `EnsembleLinear` and ROW_BLOCK for the two places where PyTorch's kernels needed care).
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
from synthsuite.kernel.seeding import derive_seed
from synthsuite.kernel.stats import mean_interval

DATASET = "fourier-synthetic"
PAPER_SEEDS = (1, 2, 3, 42)
PAPER_FREQUENCIES = tuple(range(2, 21, 2))
PAPER_GAMMAS = (0.0, 1e-6)
HIDDEN = (64, 32)
GMM_EPS = 1e-5  # added to the mixture before the log, as in the paper's GMM head
# PyTorch's elementwise loops run a contiguous tensor in vector chunks (32 floats with AVX-512) and
# the remainder one value at a time, where transcendental functions round differently. A model's values
# keep their place in the chunks whatever the ensemble's size when its block of every tensor is a
# multiple of 32 values: true for batches of 32 rows (every profile's training rows are a multiple of
# 32), and made true at prediction by padding the test rows to a multiple of ROW_BLOCK.
ROW_BLOCK = 64


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
        means = torch.tanh(self.means(h))  # (..., components)
        # The standard deviations are computed per row, not once per model: a lone model's few values would
        # fall in the scalar tail of PyTorch's vectorised loop and a batch's in its vector body, which round
        # softplus differently. raw_std is (components,) alone and (K, 1, components) in an ensemble.
        std = F.softplus(self.raw_std.expand_as(means)).unsqueeze(-1)
        means = means.unsqueeze(-1)  # (..., components, 1)
        density = torch.exp(-0.5 * ((self.centers - means) / std) ** 2) / (std * math.sqrt(2 * math.pi))
        return torch.log(density.mean(-2) + GMM_EPS)


def model_seeds(config: str, head: HeadSpec, seed: int) -> tuple[int, int]:
    """A model's own random streams, (initialisation, batch order), from (dataset, config, head, seed) alone.

    The head's name holds its type, N and γ. The MLP has no dropout, so these are all its randomness:
    a model's training does not depend on which models are trained with it, or in which order.
    """
    return (
        derive_seed(DATASET, config, head.name, seed, "init"),
        derive_seed(DATASET, config, head.name, seed, "order"),
    )


def build_model(head: HeadSpec, config: str, bins: int, seed: int) -> nn.Sequential:
    """One model, initialised from its own stream (`model_seeds`); the global RNG is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(model_seeds(config, head, seed)[0])
        trunk = [nn.Linear(2, HIDDEN[0]), nn.ReLU(), nn.Linear(HIDDEN[0], HIDDEN[1]), nn.ReLU()]
        if head.kind == "linear":
            return nn.Sequential(*trunk, nn.Linear(HIDDEN[1], bins))
        if head.kind == "gmm":
            return nn.Sequential(*trunk, GMMHead(HIDDEN[1], bins, head.gmm_components(config)))
        return nn.Sequential(*trunk, FourierHead(HIDDEN[1], bins, head.frequencies, head.gamma))


# ---------------------------------------------------------------------------------------------------------
# K models of one architecture as one


class EnsembleLinear(nn.Module):
    """K linear layers in one: inputs (K, rows, in) -> (K, rows, out), one batched matmul.

    Each member's product is computed on its own, so its bytes do not depend on K (tested), with one
    exception handled here: PyTorch multiplies a lone one-column matrix with a matrix-vector kernel and a
    batch of them with a matrix kernel, whose roundings differ. A one-output layer therefore multiplies
    by its column and a zero column, and drops the second.
    """

    def __init__(self, layers: Sequence[nn.Linear]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.stack([layer.weight.detach().T for layer in layers]))
        self.bias = nn.Parameter(torch.stack([layer.bias.detach()[None, :] for layer in layers]))

    def forward(self, x: Tensor) -> Tensor:
        if self.weight.shape[-1] > 1:
            return torch.baddbmm(self.bias, x, self.weight)
        return torch.baddbmm(F.pad(self.bias, (0, 1)), x, F.pad(self.weight, (0, 1)))[..., :1]


class EnsembleFourierHead(FourierHead):
    """A FourierHead over (K, rows, in) inputs whose penalty is Σ_k γ·(mean over model k's rows).

    Each model's penalty gradient is then γ/rows per row, what it gets alone; a mean over all K·rows
    rows multiplied by K would round differently for each K. `Ensemble.loss` takes the penalty.
    """

    def _hold_penalty(self, coefficients: Tensor) -> None:
        if self._penalty_due():
            penalty_rows = self._penalty_rows(coefficients)  # (K, rows)
            self._pending_penalty = (self.regularization_gamma * penalty_rows.mean(-1)).sum()


class Ensemble(nn.Module):
    """K models 2 → 64 → 32 → head of one architecture: inputs (K, rows, 2) -> scores (K, rows, bins).

    The head is the single-model head whose parameters gained a leading model dimension: its linear maps
    become EnsembleLinear and the rest of its computation, which acts on the last dimension, is shared.
    Every model of an ensemble has the same head (type, N, γ, GMM components), so nothing is padded and
    every member computes bitwise what it computes alone (tested).
    """

    def __init__(self, models: Sequence[nn.Sequential]) -> None:
        super().__init__()
        heads = [m[4] for m in models]
        first = heads[0]
        if len({repr(h) for h in heads}) != 1:
            raise ValueError(f"an ensemble holds one architecture, got {sorted({repr(h) for h in heads})}")
        self.trunk = nn.Sequential(
            EnsembleLinear([m[0] for m in models]),
            nn.ReLU(),
            EnsembleLinear([m[2] for m in models]),
            nn.ReLU(),
        )
        if isinstance(first, FourierHead):
            head = EnsembleFourierHead(
                HIDDEN[1], first.num_bins, first.num_frequencies, first.regularization_gamma
            )
            head.linear = EnsembleLinear([h.linear for h in heads])
        elif isinstance(first, GMMHead):
            head = GMMHead(HIDDEN[1], len(first.centers), len(first.raw_std))
            head.means = EnsembleLinear([h.means for h in heads])
            head.raw_std = nn.Parameter(torch.stack([h.raw_std.detach() for h in heads])[:, None, :])
        else:
            head = EnsembleLinear(heads)
        self.head = head

    def forward(self, inputs: Tensor) -> Tensor:
        return self.head(self.trunk(inputs))

    def loss(self, scores: Tensor, targets: Tensor) -> Tensor:
        """Σ over models of (mean cross-entropy over the batch + the model's Fourier penalty, if any)."""
        batch = targets.shape[1]
        cross_entropy = F.cross_entropy(scores.flatten(0, 1), targets.flatten(), reduction="sum") / batch
        if isinstance(self.head, FourierHead):
            return cross_entropy + self.head.take_penalty()
        return cross_entropy

    def weights_sha256(self, member: int) -> str:
        """A model's identity: the sha256 of its parameters (float32, in name order)."""
        digest = hashlib.sha256()
        for _, parameter in sorted(self.named_parameters()):
            digest.update(parameter.detach()[member].contiguous().numpy().tobytes())
        return digest.hexdigest()


def train(
    ensemble: Ensemble, inputs: Tensor, targets: Tensor, order_seeds: Sequence[int], settings: TrainSettings
) -> None:
    """The paper's training loop for K models at once: inputs (K, n, 2) and targets (K, n), a row per model.

    Each model's batches come from its own generator (`order_seeds`); the loss is the sum of the models'
    losses and Adam is elementwise, so each model gets exactly its own gradient and update.
    """
    optimizer = torch.optim.Adam(ensemble.parameters(), lr=settings.learning_rate)
    shufflers = [torch.Generator().manual_seed(seed) for seed in order_seeds]
    members = torch.arange(len(order_seeds))[:, None]
    ensemble.train()
    for _ in range(settings.epochs):
        order = torch.stack([torch.randperm(targets.shape[1], generator=g) for g in shufflers])  # (K, n)
        for start in range(0, targets.shape[1], settings.batch_size):
            batch = order[:, start : start + settings.batch_size]  # (K, B) row numbers
            scores = ensemble(inputs[members, batch])  # (K, B, bins)
            loss = ensemble.loss(scores, targets[members, batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


@torch.no_grad()
def predict(ensemble: Ensemble, inputs: Tensor) -> np.ndarray:
    """PMFs (K, n, bins) for inputs (K, n, 2): softmax of the scores, as the paper reads its heads.

    The rows are padded to a multiple of ROW_BLOCK, so that no model's values fall in the scalar tail of a
    vectorised loop (see `ROW_BLOCK`).
    """
    ensemble.eval()
    rows = inputs.shape[1]
    padded = F.pad(inputs, (0, 0, 0, -rows % ROW_BLOCK))
    return torch.softmax(ensemble(padded)[:, :rows], dim=-1).numpy()


# ---------------------------------------------------------------------------------------------------------
# The grid: which models train together, in which worker


@dataclass(frozen=True)
class Run:
    config: str
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

    runs: tuple[Run, ...]
    settings: TrainSettings
    data: dict[str, SplitData]  # the configs of its runs

    @property
    def model_steps(self) -> int:
        steps_per_epoch = math.ceil(
            len(self.data[self.runs[0].config].train_targets) / self.settings.batch_size
        )
        return len(self.runs) * self.settings.epochs * steps_per_epoch


@dataclass(frozen=True)
class JobOutput:
    pmfs: np.ndarray  # (K, n_test, bins) float32
    weights_sha256: tuple[str, ...]
    seconds: float


def plan_jobs(
    data: dict[str, SplitData], heads: Sequence[HeadSpec], seeds: Sequence[int], settings: TrainSettings
) -> list[Job]:
    """One job per architecture (head, GMM components, row counts) over every config and seed, largest first.

    Which models share a job changes only the speed, never a model's bytes.
    """
    groups: dict[tuple, list[Run]] = defaultdict(list)
    for head in heads:
        for config, split_data in data.items():
            components = head.gmm_components(config) if head.kind == "gmm" else 0
            shape = (split_data.bins, len(split_data.train_targets), len(split_data.test_ids))
            groups[head, components, shape].extend(Run(config, head, seed) for seed in seeds)
    jobs = [
        Job(tuple(runs), settings, {run.config: data[run.config] for run in runs}) for runs in groups.values()
    ]
    return sorted(jobs, key=lambda job: -job.model_steps)


def train_job(job: Job) -> JobOutput:
    """In a worker: build each model from its own streams, train them as one ensemble, predict the test rows.

    One thread: the matrices are small, and the bytes must not depend on how a BLAS splits its work.
    """
    started = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        models = [build_model(run.head, run.config, job.data[run.config].bins, run.seed) for run in job.runs]
        ensemble = Ensemble(models)

        def stack(field: str) -> Tensor:
            return torch.from_numpy(np.stack([getattr(job.data[run.config], field) for run in job.runs]))

        order_seeds = [model_seeds(run.config, run.head, run.seed)[1] for run in job.runs]
        train(ensemble, stack("train_inputs"), stack("train_targets"), order_seeds, job.settings)
        pmfs = predict(ensemble, stack("test_inputs"))
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
    job: Job, output: JobOutput, tasks: dict[str, TaskMetadata], out: Path, dataset: str | None
) -> Iterator[Result]:
    """Write each model's predictions and results file; yield the results in the job's run order."""
    for k, run in enumerate(job.runs):
        task, data = tasks[run.config], job.data[run.config]
        folder = output_dir(out, task, run.head)
        model = ModelInfo(
            name=f"mlp-{run.head.name}",
            revision=output.weights_sha256[k],
            details={
                "architecture": f"mlp 2-{HIDDEN[0]}-{HIDDEN[1]}-{run.head.name}",
                "bins": str(data.bins),
                "epochs": str(job.settings.epochs),
                "batch_size": str(job.settings.batch_size),
                "learning_rate": str(job.settings.learning_rate),
                "seed": str(run.seed),
            },
        )
        path = folder / f"seed-{run.seed}.parquet"
        scoring.write_pmf_predictions(path, task, data.test_ids, output.pmfs[k], model.model_dump())
        result = evaluate_predictions(task, path, dataset=dataset, model=model, seeds=[run.seed])
        result = result.model_copy(update={"wall_seconds": output.seconds / len(job.runs)})
        result.write(folder / f"seed-{run.seed}.results.json")
        yield result


def aggregate(task: TaskMetadata, head: HeadSpec, per_seed: dict[int, Result]) -> Result:
    """One result over seeds: scores are means; the settings hold each seed's scores and weights' sha256,
    the standard deviation and the 95% t interval of each mean."""
    seeds = sorted(per_seed)
    split = task.eval_split
    names = list(per_seed[seeds[0]].scores[split])
    table = {name: [per_seed[s].scores[split][name] for s in seeds] for name in names}
    intervals = {name: mean_interval(values) for name, values in table.items()}
    first = per_seed[seeds[0]]
    revision = hashlib.sha256("".join(per_seed[s].model.revision for s in seeds).encode()).hexdigest()
    details = {k: v for k, v in first.model.details.items() if k != "seed"}
    return first.model_copy(
        update={
            "model": ModelInfo(name=first.model.name, revision=revision, details=details),
            "main_score": intervals[task.main_score].mean,
            "scores": {split: {name: interval.mean for name, interval in intervals.items()}},
            "seeds": seeds,
            "wall_seconds": sum(per_seed[s].wall_seconds for s in seeds),
            "settings": {
                "split": split,
                "predictions": [f"seed-{s}.parquet" for s in seeds],
                "std_over_seeds": {
                    n: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0 for n, v in table.items()
                },
                "ci95_over_seeds": {n: [i.low, i.high] for n, i in intervals.items()},
                "per_seed": {str(s): per_seed[s].scores[split] for s in seeds},
                "per_seed_revision": {str(s): per_seed[s].model.revision for s in seeds},
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
            for run, result in zip(job.runs, write_job(job, output, by_config, out, dataset), strict=True):
                per_seed[run.config, run.head][run.seed] = result
            # a job holds every seed of its (config, head) pairs
            for config, head in dict.fromkeys((run.config, run.head) for run in job.runs):
                result = aggregate(by_config[config], head, per_seed[config, head])
                result.write(output_dir(out, by_config[config], head) / "results.json")
                aggregated[config, head] = result
            bar.update(job.model_steps)
    return [aggregated[config, head] for config in by_config for head in heads]
