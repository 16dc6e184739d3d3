"""One loop of iterative fine-tuning, with and without a correction function (Bertrand et al. 2024;
Gillman et al. 2024, the seed's B1), for any generative model and corrector.

Generation 0 trains a model from scratch on the n real points. Each later generation of an arm

1. samples m = ⌊λ·n⌋ synthetic points from the current model (conditioned as the experiment says),
2. passes them through the corrector (the self-correcting arm only),
3. fine-tunes the model on the n real points plus the synthetic ones: this generation's alone, or,
   when the experiment accumulates, every earlier set too, the older ones thinned as the original
   Gaussian toy did (set i of K kept to its first ⌊(i+1)/K · m⌋ points),

and is then evaluated. The arms: `real-only` (fine-tunes on the real points alone), `self-consuming`
(raw samples) and `self-correcting` (corrected samples). Generation 0 is shared by every arm of a seed.

**The plug-in interface.** A model is anything with `fit`, `sample`, `state` and `load_state`
(`GenerativeModel`), a corrector anything with `correct` (`Corrector`); data are `Samples`, a dict of
numpy arrays aligned on their first axis (e.g. {"x": (n, 2)} or {"image": (n, 64), "label": (n,)}).
Every sample and correction is checked (keys, shapes, finite values) before it is trained on. See
docs/self-consuming.md, "Your own model".

**Randomness and resume.** Generation g of an arm draws from a generator seeded by (experiment, arm,
seed, g) alone, and evaluation from one seeded by (experiment, seed, g), the same for every arm.
Each finished generation appends one line to the arm's journal (metrics, seconds, the model's state
or the file holding it, and the synthetic set when it is accumulated), so a run killed at any moment
(Ctrl-C, SIGKILL) restarts from its last finished generation and ends with the numbers an
uninterrupted run gives.
"""

import base64
import io
import json
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from synthsuite.kernel.atomic import atomic_write_bytes, atomic_write_text
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.hashing import sha256_bytes
from synthsuite.kernel.seeding import derive_seed

Samples = dict[str, np.ndarray]
ArmKind = Literal["real-only", "self-consuming", "self-correcting"]
ARM_KINDS: tuple[ArmKind, ...] = ("real-only", "self-consuming", "self-correcting")
INLINE_STATE_BYTES = 64 * 1024  # a state up to this size lives in the journal line, else in a file
JOURNAL = "journal.jsonl"


class GenerativeModel(Protocol):
    """A model the loop trains, samples and checkpoints. Use only `rng` for randomness."""

    def fit(self, data: Samples, generation: int, rng: np.random.Generator) -> None:
        """Generation 0: train from scratch on `data`; later generations: fine-tune on it."""

    def sample(self, n: int, conditions: Samples, rng: np.random.Generator) -> Samples:
        """`n` samples with the real data's keys and shapes; `conditions` (n rows, or {}) says what
        each sample is conditioned on (e.g. {"label": ...}) and is returned with it."""

    def state(self) -> bytes:
        """Everything `load_state` needs to continue exactly (weights, statistics)."""

    def load_state(self, state: bytes) -> None: ...


class Corrector(Protocol):
    """A self-correction function: samples in, corrected samples (same keys, shapes, count) out."""

    def correct(self, samples: Samples, rng: np.random.Generator) -> Samples: ...


@dataclass
class Experiment:
    """What one seed's loop needs: the real data, a fresh model, the evaluation, the corrector."""

    name: str
    real: Samples
    model: Callable[[], GenerativeModel]
    evaluate: Callable[[GenerativeModel, np.random.Generator], dict[str, float]]
    corrector: Callable[[float | None], Corrector] | None = None  # γ (or None) -> corrector
    conditions: Callable[[int, np.random.Generator], Samples] | None = None  # None: unconditional
    accumulate: bool = False


@dataclass(frozen=True)
class Arm:
    kind: ArmKind
    ratio: float = 0.0  # λ: synthetic points per real point (0 for real-only)
    gamma: float | None = None  # the corrector's strength, for correctors that have one

    @property
    def key(self) -> str:
        """The arm's folder name, e.g. `self-correcting-ratio0.5-gamma0.1`."""
        if self.kind == "real-only":
            return self.kind
        key = f"{self.kind}-ratio{self.ratio:g}"
        return key if self.gamma is None else f"{key}-gamma{self.gamma:g}"

    def describe(self) -> dict[str, Any]:
        return {"arm": self.kind, "ratio": self.ratio, "gamma": self.gamma, "key": self.key}


@dataclass(frozen=True)
class LoopSpec:
    """A picklable description of an experiment: `build(seed)` makes its `Experiment` (in a worker),
    and `settings` (JSON) is everything that changes its numbers besides the arm and the seed."""

    experiment: str
    build: Callable[[int], Experiment]
    settings: Mapping[str, Any]
    slug: str  # the folder of this experiment's runs under OUT/<experiment>/, e.g. "n50"
    uses_torch: bool = False  # run on one torch thread: the same numbers whatever the worker count


@dataclass
class RunRecord:
    """One arm and seed as its results file holds them: each metric and the seconds of generations
    0..G (metrics to 6 significant digits; wall and CPU seconds), and the wall seconds of each stage
    summed over generations 1..G."""

    arm: Arm
    seed: int
    metrics: dict[str, list[float]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.arm.describe(),
            "seed": self.seed,
            "metrics": self.metrics,
            "seconds": self.seconds,
            "cpu_seconds": self.cpu_seconds,
            "stage_seconds": self.stages,
        }


# --- checks ------------------------------------------------------------------------------------------


def check_samples(samples: Any, like: Samples, n: int, who: str) -> Samples:
    """`samples` as the loop needs them (the keys of `like`, n rows, the same trailing shapes, finite
    numbers), else one UserError naming what `who` returned."""
    fix = f"make {who} return a dict of numpy arrays with keys {sorted(like)}, {n} rows each"
    if not isinstance(samples, dict):
        raise UserError(f"{who} returned {type(samples).__name__}, not a dict of arrays", fix)
    if set(samples) != set(like):
        raise UserError(f"{who} returned keys {sorted(samples)}, the real data has {sorted(like)}", fix)
    checked = {}
    for key, reference in like.items():
        value = samples[key]
        if not isinstance(value, np.ndarray):
            raise UserError(f"{who} returned {key!r} as {type(value).__name__}, not a numpy array", fix)
        expected = (n, *reference.shape[1:])
        if value.shape != expected:
            raise UserError(f"{who} returned {key!r} with shape {value.shape}, expected {expected}", fix)
        if value.dtype.kind not in "biuf":
            raise UserError(f"{who} returned {key!r} of dtype {value.dtype}, not numbers", fix)
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise UserError(f"{who} returned NaN or infinite values in {key!r}", "fix the model or corrector")
        checked[key] = value.astype(reference.dtype, copy=False)
    return checked


def check_loop_settings(ratios: list[float], gammas: list[float], generations: int) -> None:
    """The bad inputs of every experiment: λ in (0, 10], γ ≥ 0, at least one generation."""
    for ratio in ratios:
        if not (math.isfinite(ratio) and 0 < ratio <= 10):
            raise UserError(f"--ratio must lie in (0, 10], got {ratio}", "pass e.g. --ratio 0.5")
    for gamma in gammas:
        if not (math.isfinite(gamma) and gamma >= 0):
            raise UserError(f"--gamma must be a number >= 0, got {gamma}", "pass e.g. --gamma 0 0.1 1")
    if generations < 1:
        raise UserError(f"--generations must be at least 1, got {generations}", "pass e.g. --generations 20")


def synthetic_count(ratio: float, n: int) -> int:
    """m = ⌊λ·n⌋ (at least 1), without float noise (0.29 · 100 is 28.999…)."""
    return max(1, int(ratio * n + 1e-9))


# --- the loop ----------------------------------------------------------------------------------------


def generation_rng(experiment: str, arm: Arm, seed: int, generation: int) -> np.random.Generator:
    return np.random.default_rng(derive_seed("self-consuming", experiment, arm.key, seed, generation))


def evaluation_rng(experiment: str, seed: int, generation: int) -> np.random.Generator:
    return np.random.default_rng(derive_seed("self-consuming", experiment, "evaluate", seed, generation))


class Accumulated:
    """The synthetic sets of earlier generations (all of m rows), thinned as the original Gaussian toy
    did: of K sets, set i (0 = oldest) keeps its first ⌊(i+1)/K · m⌋ rows."""

    def __init__(self) -> None:
        self.sets: dict[str, np.ndarray] = {}  # key -> (capacity, m, ...)
        self.count = 0

    def append(self, samples: Samples) -> None:
        for key, value in samples.items():
            stored = self.sets.get(key)
            if stored is None or len(stored) == self.count:  # grow by doubling
                grown = np.empty((max(8, 2 * self.count), *value.shape), dtype=value.dtype)
                if stored is not None:
                    grown[: self.count] = stored[: self.count]
                self.sets[key] = stored = grown
            stored[self.count] = value
        self.count += 1

    def thinned(self) -> Samples:
        first = next(iter(self.sets.values()))
        m, count = first.shape[1], self.count
        keep = ((np.arange(1, count + 1) / count) * m).astype(np.int64)  # what int((i+1)/K*m) gives
        mask = np.arange(m)[None, :] < keep[:, None]
        return {key: value[:count][mask] for key, value in self.sets.items()}


def _rows(samples: Samples) -> int:
    return len(next(iter(samples.values())))


def concat(parts: list[Samples]) -> Samples:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


@dataclass
class Step:
    """One finished generation: what the journal records."""

    metrics: dict[str, float]
    seconds: dict[str, float]
    state: bytes
    synthetic: Samples | None  # this generation's (corrected) set, when the experiment accumulates


def train_generation_zero(experiment: Experiment, spec: LoopSpec, seed: int) -> Step:
    clock = _Clock()
    model = experiment.model()
    with clock("fit"):
        model.fit(experiment.real, 0, generation_rng(spec.experiment, Arm("real-only"), seed, 0))
    with clock("evaluate"):
        metrics = _metrics(experiment.evaluate(model, evaluation_rng(spec.experiment, seed, 0)))
    return Step(metrics, {**clock.seconds, **clock.total()}, model.state(), None)


def next_generation(
    experiment: Experiment,
    spec: LoopSpec,
    arm: Arm,
    seed: int,
    generation: int,
    model: GenerativeModel,
    corrector: Corrector | None,
    accumulated: Accumulated,
) -> Step:
    """Sample, correct, fine-tune and evaluate generation `generation` (≥ 1) of one arm."""
    clock = _Clock()
    rng = generation_rng(spec.experiment, arm, seed, generation)
    real = experiment.real
    n = _rows(real)
    synthetic = None
    data = real
    if arm.kind != "real-only":
        m = synthetic_count(arm.ratio, n)
        with clock("sample"):
            conditions = experiment.conditions(m, rng) if experiment.conditions else {}
            synthetic = check_samples(model.sample(m, conditions, rng), real, m, "the model's sample()")
        if corrector is not None:
            with clock("correct"):
                synthetic = check_samples(corrector.correct(synthetic, rng), real, m, "the corrector")
        if experiment.accumulate:
            accumulated.append(synthetic)
            data = concat([real, accumulated.thinned()])
        else:
            data = concat([real, synthetic])
    with clock("fit"):
        model.fit(data, generation, rng)
    with clock("evaluate"):
        metrics = _metrics(experiment.evaluate(model, evaluation_rng(spec.experiment, seed, generation)))
    seconds = {**clock.seconds, **clock.total()}
    return Step(metrics, seconds, model.state(), synthetic if experiment.accumulate else None)


def _metrics(values: Mapping[str, Any]) -> dict[str, float]:
    return {str(k): float(v) for k, v in values.items()}


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()

    def __call__(self, stage: str) -> "_Stage":
        return _Stage(self, stage)

    def total(self) -> dict[str, float]:
        """Wall seconds, and this process's CPU seconds (what a shared machine does not inflate)."""
        return {"total": time.perf_counter() - self.started, "cpu": time.process_time() - self.cpu_started}


class _Stage:
    def __init__(self, clock: _Clock, stage: str) -> None:
        self.clock, self.stage = clock, stage

    def __enter__(self) -> None:
        self.begin = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        seconds = self.clock.seconds
        seconds[self.stage] = seconds.get(self.stage, 0.0) + time.perf_counter() - self.begin


# --- journals: one line per finished generation -----------------------------------------------------


def run_folder(out: Path, spec: LoopSpec) -> Path:
    return out / spec.experiment / spec.slug


def claim_folder(folder: Path, spec: LoopSpec) -> None:
    """Create the experiment's folder, or check that it holds runs of the same settings."""
    path = folder / "settings.json"
    text = json.dumps({"experiment": spec.experiment, **spec.settings}, indent=1, sort_keys=True) + "\n"
    if path.exists():
        if path.read_text() != text:
            raise UserError(
                f"{folder} holds runs of other settings (see {path})",
                "pass another --out, or remove that folder to start again",
            )
        return
    atomic_write_text(path, text)


def zero_path(folder: Path, seed: int) -> Path:
    return folder / f"seed-{seed}" / "generation-0.json"


def write_generation_zero(folder: Path, seed: int, step: Step) -> None:
    path = zero_path(folder, seed)
    record = {"generation": 0, "metrics": step.metrics, "seconds": step.seconds}
    record["state"] = _store_state(path.parent, "generation-0.state", step.state)
    atomic_write_text(path, json.dumps(record) + "\n")


def read_generation_zero(folder: Path, seed: int) -> Step | None:
    path = zero_path(folder, seed)
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    return Step(record["metrics"], record["seconds"], _load_state(path.parent, record["state"]), None)


def _store_state(folder: Path, name: str, state: bytes) -> dict[str, str]:
    if len(state) <= INLINE_STATE_BYTES:
        return {"inline": base64.b64encode(state).decode()}
    atomic_write_bytes(folder / name, state)
    return {"file": name, "sha256": sha256_bytes(state)}


def _load_state(folder: Path, stored: dict[str, str]) -> bytes:
    if "inline" in stored:
        return base64.b64decode(stored["inline"])
    state = (folder / stored["file"]).read_bytes()
    if sha256_bytes(state) != stored["sha256"]:
        raise UserError(
            f"{folder / stored['file']} does not match its journal", f"remove {folder} to redo it"
        )
    return state


def _encode_samples(samples: Samples) -> dict[str, Any]:
    encoded = {}
    for key, value in samples.items():
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        encoded[key] = base64.b64encode(buffer.getvalue()).decode()
    return encoded


def _decode_samples(encoded: dict[str, str]) -> Samples:
    return {k: np.load(io.BytesIO(base64.b64decode(v)), allow_pickle=False) for k, v in encoded.items()}


class Journal:
    """An arm's append-only log: a header line naming the run, then one line per finished generation.

    A line is appended only when its generation is complete, so a kill leaves at most one torn line,
    which `read` drops (and the file is rewritten without it)."""

    def __init__(self, folder: Path, header: dict[str, Any]) -> None:
        self.folder = folder
        self.path = folder / JOURNAL
        self.header = header

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text().splitlines()
        records = []
        for line in lines[1:]:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                break  # the torn last line of a killed run
            if record.get("generation") != len(records):
                break
            records.append(record)
        try:
            header = json.loads(lines[0]) if lines else None
        except json.JSONDecodeError:
            header = None
        if header != {"header": self.header}:
            raise UserError(
                f"{self.path} belongs to another run", f"remove {self.folder} (or pass another --out)"
            )
        if len(records) != len(lines) - 1:  # drop the torn tail now, so appends follow whole lines
            self._rewrite(records)
        return records

    def start(self, zero: Step) -> None:
        self._rewrite([self._record(0, zero)])

    def append(self, generation: int, step: Step) -> None:
        with open(self.path, "a") as handle:
            handle.write(json.dumps(self._record(generation, step)) + "\n")
            handle.flush()
        if not _inline(step.state):
            for stale in self.folder.glob("state-*.bin"):
                if stale.name != f"state-{generation}.bin":
                    stale.unlink(missing_ok=True)

    def _record(self, generation: int, step: Step) -> dict[str, Any]:
        record: dict[str, Any] = {"generation": generation, "metrics": step.metrics, "seconds": step.seconds}
        record["state"] = _store_state(self.folder, f"state-{generation}.bin", step.state)
        if step.synthetic is not None:
            record["synthetic"] = _encode_samples(step.synthetic)
        return record

    def _rewrite(self, records: list[dict[str, Any]]) -> None:
        lines = [json.dumps({"header": self.header}), *(json.dumps(r) for r in records)]
        atomic_write_text(self.path, "\n".join(lines) + "\n")


def _inline(state: bytes) -> bool:
    return len(state) <= INLINE_STATE_BYTES


def run_arm(spec: LoopSpec, arm: Arm, seed: int, generations: int, out: Path) -> RunRecord:
    """Run (or resume, or extend) one arm of one seed to `generations`; its generation 0 must exist."""
    folder = run_folder(out, spec)
    arm_folder = folder / f"seed-{seed}" / arm.key
    arm_folder.mkdir(parents=True, exist_ok=True)
    journal = Journal(arm_folder, {"experiment": spec.experiment, **arm.describe(), "seed": seed})
    records = journal.read()
    if len(records) <= generations:
        experiment = spec.build(seed)
        _advance(experiment, spec, arm, seed, generations, journal, records, folder)
        records = journal.read()
    return record_of(arm, seed, records[: generations + 1])


def _advance(
    experiment: Experiment,
    spec: LoopSpec,
    arm: Arm,
    seed: int,
    generations: int,
    journal: Journal,
    records: list[dict[str, Any]],
    folder: Path,
) -> None:
    if not records:
        zero = read_generation_zero(folder, seed)
        if zero is None:
            raise RuntimeError(f"generation 0 of seed {seed} is missing under {folder}")
        journal.start(zero)
        records = journal.read()
    model = experiment.model()
    model.load_state(_load_state(journal.folder, records[-1]["state"]))
    accumulated = Accumulated()
    for record in records[1:]:
        if "synthetic" in record:
            accumulated.append(_decode_samples(record["synthetic"]))
    if arm.kind == "self-correcting":
        if experiment.corrector is None:
            raise UserError(f"experiment {spec.experiment} has no corrector", "run the other arms")
        corrector = experiment.corrector(arm.gamma)
    else:
        corrector = None
    for generation in range(len(records), generations + 1):
        step = next_generation(experiment, spec, arm, seed, generation, model, corrector, accumulated)
        journal.append(generation, step)


def record_of(arm: Arm, seed: int, records: list[dict[str, Any]]) -> RunRecord:
    run = RunRecord(arm, seed)
    for record in records:
        for name, value in record["metrics"].items():
            run.metrics.setdefault(name, []).append(float(f"{value:.6g}"))
        run.seconds.append(round(record["seconds"]["total"], 4))
        run.cpu_seconds.append(round(record["seconds"]["cpu"], 4))
        if record["generation"] > 0:
            for stage, value in record["seconds"].items():
                if stage not in ("total", "cpu"):
                    run.stages[stage] = round(run.stages.get(stage, 0.0) + value, 3)
    return run


def finished_generations(out: Path, spec: LoopSpec, arm: Arm, seed: int) -> int:
    """How many generation lines an arm's journal holds (for progress; 0 if none)."""
    path = run_folder(out, spec) / f"seed-{seed}" / arm.key / JOURNAL
    try:
        with open(path, "rb") as handle:
            return max(0, sum(1 for _ in handle) - 2)  # the header, generation 0
    except OSError:
        return 0


def iter_arms(kinds: list[ArmKind], ratios: list[float], gammas: list[float | None]) -> Iterator[Arm]:
    """Every arm of a grid: real-only once, self-consuming per λ, self-correcting per λ and γ."""
    for kind in kinds:
        if kind == "real-only":
            yield Arm("real-only")
        elif kind == "self-consuming":
            yield from (Arm(kind, ratio) for ratio in ratios)
        else:
            yield from (Arm(kind, ratio, gamma) for ratio in ratios for gamma in gammas)
