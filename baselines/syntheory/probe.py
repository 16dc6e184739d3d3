"""Probes on frozen features: the paper's MLP and a linear model, with early stopping on validation.

A probe sees one pooled feature vector per clip. Features are standardised with the mean and
standard deviation of the **training** rows only (the original code fitted its scaler on the
validation set by mistake). Regression targets (tempo in BPM) are min-max scaled on the training
rows and trained with MSE; predictions are mapped back to BPM before they are scored.

Both probes keep the weights that scored best on the validation split (the task's main metric,
e.g. accuracy or R²) and stop after `patience` validation checks without improvement. Every
source of randomness (initialisation, dropout, batch order) is seeded and torch runs with
deterministic algorithms on a fixed number of threads, so the same inputs give the same
predictions, bit for bit.
"""

import copy
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from itertools import islice
from typing import Literal

import numpy as np
import torch
from torch import nn

from synthsuite.kernel.errors import UserError

ProbeKind = Literal["mlp", "linear"]
Score = Callable[[np.ndarray, np.ndarray], float]  # (references, predictions) -> higher is better
Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Validate = Callable[[nn.Module], float]


@dataclass(frozen=True)
class ProbeSettings:
    """Everything that decides a probe's weights (recorded in results and the model revision)."""

    kind: ProbeKind
    seed: int = 0
    hidden: int = 0  # units of the one hidden layer; 0 = linear
    dropout: float = 0.0
    lr: float = 1e-3
    batch_size: int | None = None  # None = full batch (L-BFGS)
    weight_decay: float = 0.0  # L2 penalty on the weights, added to the mean loss
    eval_every: int = 25  # optimiser steps between validation checks
    patience: int = 20  # validation checks without improvement before stopping
    max_epochs: int = 100
    max_steps: int = 4000
    threads: int = 1  # small probes gain nothing from more threads, and the sums stay in one order

    def as_dict(self) -> dict[str, str | int | float | None]:
        return asdict(self)


# The paper's fixed setting (Jukebox and MusicGen rows): one hidden layer of 512, dropout 0.5,
# Adam at 1e-3, batch 64. The budget is ours: a check every 25 steps, 20 checks of patience and
# at most 100 epochs or 4,000 steps keep the largest concept (intervals) to seconds per layer.
MLP = ProbeSettings(kind="mlp", hidden=512, dropout=0.5, lr=1e-3, batch_size=64)
# Logistic regression (for tempo: least squares) with a small L2 penalty, fitted full-batch with
# L-BFGS and checked every 10 iterations; the fast option. Without the penalty, L-BFGS drives
# separable training rows (e.g. 768-d mel features) to zero loss within 20 iterations.
LINEAR = ProbeSettings(
    kind="linear", lr=1.0, weight_decay=1e-3, eval_every=10, patience=5, max_epochs=300, max_steps=300
)
PROBES: dict[str, ProbeSettings] = {"mlp": MLP, "linear": LINEAR}


def probe_settings(kind: str, seed: int = 0) -> ProbeSettings:
    if kind not in PROBES:
        raise UserError(f"unknown probe {kind!r}", f"choose one of: {', '.join(PROBES)}")
    return replace(PROBES[kind], seed=seed)


@dataclass(frozen=True)
class Standardizer:
    """Per-feature (x - mean) / std with statistics of the rows it was fitted on."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> "Standardizer":
        x = x.astype(np.float64)
        std = x.std(axis=0)
        return cls(x.mean(axis=0), np.where(std > 1e-12, std, 1.0))  # constant features become 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((x.astype(np.float64) - self.mean) / self.std).astype(np.float32)


@dataclass(frozen=True)
class MinMaxScaler:
    """Maps training targets onto [0, 1] and back; held-out targets may fall outside."""

    low: float
    high: float

    @classmethod
    def fit(cls, y: np.ndarray) -> "MinMaxScaler":
        low, high = float(np.min(y)), float(np.max(y))
        return cls(low, high if high > low else low + 1.0)

    def __call__(self, y: np.ndarray) -> np.ndarray:
        return ((y - self.low) / (self.high - self.low)).astype(np.float32)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return z.astype(np.float64) * (self.high - self.low) + self.low


@dataclass(frozen=True)
class Probe:
    """A trained probe: raw features in, class indices (int64) or values (float64) out."""

    standardizer: Standardizer
    target: MinMaxScaler | None  # None for classification
    model: nn.Module
    best_validation: float
    steps: int

    def predict(self, x: np.ndarray) -> np.ndarray:
        return _predict(self.model, torch.from_numpy(self.standardizer(x)), self.target)


def train_probe(
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    num_classes: int | None,
    settings: ProbeSettings,
    score: Score,
) -> Probe:
    """Fit a probe on (features, labels) of train, early-stopped on `score` over validation.

    `num_classes` is None for regression. Labels are class indices or raw values (e.g. BPM).
    """
    (train_x, train_y), (val_x, val_y) = train, validation
    standardizer = Standardizer.fit(train_x)
    target = None if num_classes else MinMaxScaler.fit(train_y)
    x = torch.from_numpy(standardizer(train_x))
    y = torch.from_numpy(train_y.astype(np.int64) if target is None else target(train_y))
    val = torch.from_numpy(standardizer(val_x))

    def validate(model: nn.Module) -> float:
        return score(val_y, _predict(model, val, target))

    with _deterministic(settings):
        model = _model(x.shape[1], num_classes or 1, settings)
        loss = nn.CrossEntropyLoss() if target is None else _mse
        fit = _fit_adam if settings.kind == "mlp" else _fit_lbfgs
        best, steps = fit(model, loss, x, y, validate, settings)
    return Probe(standardizer, target, best.model, best.score, steps)


def _mse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return nn.functional.mse_loss(output.squeeze(1), target)


def _model(features: int, outputs: int, settings: ProbeSettings) -> nn.Module:
    """Jukemir's SimpleMLP: dropout on the input, one ReLU layer with dropout, a linear read-out."""
    if not settings.hidden:
        return nn.Linear(features, outputs)
    return nn.Sequential(
        nn.Dropout(settings.dropout),
        nn.Linear(features, settings.hidden),
        nn.ReLU(),
        nn.Dropout(settings.dropout),
        nn.Linear(settings.hidden, outputs),
    )


def _use_deterministic_algorithms(mode: bool) -> None:
    """`torch.use_deterministic_algorithms`, without the ~1.9 s import of `torch._inductor.config`
    that the public call makes on every process to set the compiler's flag too. The probes run eagerly
    and never compile, so only the eager flag matters; when the compiler is loaded anyway, its flag is
    kept in step through the public call."""
    if "torch._inductor.config" in sys.modules:
        torch.use_deterministic_algorithms(mode)
    else:
        torch._C._set_deterministic_algorithms(mode)


@contextmanager
def _deterministic(settings: ProbeSettings) -> Iterator[None]:
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(settings.threads)
    _use_deterministic_algorithms(True)
    torch.manual_seed(settings.seed)  # initial weights and dropout masks
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        _use_deterministic_algorithms(deterministic)


def _predict(model: nn.Module, x: torch.Tensor, target: MinMaxScaler | None) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        output = model(x)
    if target is None:
        return output.argmax(dim=1).numpy().astype(np.int64)
    return target.inverse(output.squeeze(1).numpy())


@dataclass
class _Best:
    """Early stopping: the best validation score so far, its weights, and checks since then."""

    patience: int
    score: float = -math.inf
    model: nn.Module | None = None
    stale: int = 0

    def check(self, score: float, model: nn.Module) -> bool:
        """Record a validation score; True when training should stop."""
        if self.model is None or score > self.score:
            self.score, self.model, self.stale = score, copy.deepcopy(model), 0
        else:
            self.stale += 1
        return self.stale >= self.patience


def _fit_adam(
    model: nn.Module,
    loss: Loss,
    x: torch.Tensor,
    y: torch.Tensor,
    validate: Validate,
    settings: ProbeSettings,
) -> tuple[_Best, int]:
    """Adam on shuffled mini-batches; validation every `eval_every` steps and at the end."""
    optimiser = torch.optim.Adam(model.parameters(), lr=settings.lr)
    order = torch.Generator().manual_seed(settings.seed)
    steps_per_epoch = math.ceil(len(x) / settings.batch_size)
    max_steps = min(settings.max_steps, settings.max_epochs * steps_per_epoch)
    best = _Best(settings.patience)
    for step, batch in enumerate(islice(_batches(len(x), settings.batch_size, order), max_steps), 1):
        model.train()
        optimiser.zero_grad()
        loss(model(x[batch]), y[batch]).backward()
        optimiser.step()
        if (step % settings.eval_every == 0 or step == max_steps) and best.check(validate(model), model):
            break
    return best, step


def _batches(n: int, size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    """Row indices of mini-batches, a fresh shuffle every epoch, forever."""
    while True:
        yield from torch.randperm(n, generator=generator).split(size)


def _fit_lbfgs(
    model: nn.Module,
    loss: Loss,
    x: torch.Tensor,
    y: torch.Tensor,
    validate: Validate,
    settings: ProbeSettings,
) -> tuple[_Best, int]:
    """L-BFGS on all rows (every iteration is an epoch); validation every `eval_every` iterations.

    Stops early when L-BFGS has converged (an iteration budget it no longer uses)."""
    optimiser = torch.optim.LBFGS(
        model.parameters(), lr=settings.lr, max_iter=settings.eval_every, line_search_fn="strong_wolfe"
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        value = loss(model(x), y) + settings.weight_decay / 2 * model.weight.square().sum()
        value.backward()
        return value

    best, steps = _Best(settings.patience), 0
    while steps < min(settings.max_steps, settings.max_epochs):
        optimiser.step(closure)
        done = optimiser.state[next(iter(model.parameters()))]["n_iter"]
        converged, steps = done == steps, done
        if best.check(validate(model), model) or converged:
            break
    return best, steps
