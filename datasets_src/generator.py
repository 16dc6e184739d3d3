"""The contract every dataset generator fulfils, and the registry of generators (from the suite records)."""

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import datasets
import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from synthsuite.kernel.errors import UserError, did_you_mean
from synthsuite.kernel.suites import load, suites

PROFILES = ("tiny", "small", "paper")
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class SampleSpec:
    """Everything needed to render one sample: cheap to make, JSON-serialisable params."""

    key: str
    split: str
    params: Mapping[str, Any]


class GeneratorOptions(BaseModel):
    """Settings that change the rendered bytes; recorded in the manifest. Unknown keys fail."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Stopwatch:
    """Accumulates seconds per named stage, so benchmarks can report where time goes: wall time by
    default, or another clock (`time.process_time`: what a stage costs, not how long it waited)."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.seconds: dict[str, float] = {}
        self._clock = clock

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = self._clock()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + self._clock() - start


class Generator(ABC):
    """A dataset as a pure function of (version, config, profile, options, seed).

    Subclasses declare their name, version and configs, enumerate specs in `plan` (no rendering),
    and turn one spec into one row in `render`, which runs inside workers.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    configs: ClassVar[tuple[str, ...]]
    options_model: ClassVar[type[GeneratorOptions]] = GeneratorOptions
    rows_per_shard: ClassVar[int] = 1000
    rows_per_task: ClassVar[int] = 16
    parquet_row_group_rows: ClassVar[int] = 100

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        try:
            self.options = self.options_model(**dict(options or {}))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "options"
            raise UserError(
                f"invalid option {where!r} for {self.name}: {first['msg']}",
                f"valid options: {', '.join(self.options_model.model_fields) or 'none'}",
            ) from None

    @abstractmethod
    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        """Every sample of `config` at `profile`, with its split, in a stable order."""

    def rows(self, config: str, profile: str) -> int:
        """How many rows `config` has at `profile` (`synthsuite list`); generators whose plans are too
        large to list cheaply answer without planning."""
        return len(self.plan(config, profile, 0))

    @abstractmethod
    def features(self, config: str) -> datasets.Features:
        """The column types of `config`, as `datasets.Features`."""

    @abstractmethod
    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        """One row (already in the storage form of `features(config)`)."""

    def render_many(
        self, config: str, specs: Sequence[SampleSpec], rngs: Sequence[np.random.Generator], clock: Stopwatch
    ) -> list[dict[str, Any]]:
        """The rows of one task, each exactly as `render` gives it alone. Generators whose rows
        share work (see `shared_work`) override this to do that work once per task."""
        return [self.render(config, spec, rng, clock) for spec, rng in zip(specs, rngs, strict=True)]

    def shared_work(self, config: str, spec: SampleSpec) -> Hashable | None:
        """Rows of one shard that name the same value share work in `render_many` (SynTheory's
        click-track windows share one render of the track); the engine sends them to a worker in
        one task. None (the default): the row shares nothing."""
        return None

    @abstractmethod
    def card_sections(self) -> str:
        """Markdown for the dataset card: what the data is, labels, fixes, citation."""

    def check_environment(self) -> None:  # noqa: B027 (optional hook: most generators need nothing)
        """Raise UserError when a system piece the renderer needs is missing."""

    def environment(self) -> dict[str, str]:
        """What outside the options changes the bytes (tool versions, asset hashes)."""
        return {}

    def card_metadata(self) -> dict[str, Any]:
        """Extra YAML keys for the dataset card (license, task categories, tags, ...)."""
        return {}


def _registry() -> dict[str, str]:
    """Dataset name -> "module:Class", from the suite records; nothing is imported until asked for."""
    names: dict[str, str] = {}
    for suite in suites().values():
        for name, reference in suite.generators.items():
            if name in names:
                raise RuntimeError(f"two suites name a dataset {name!r}")
            names[name] = reference
    return names


def generator_names() -> list[str]:
    return sorted(_registry())


def generator_class(name: str) -> type[Generator]:
    """The generator class of dataset `name` (imports only that suite's generator module)."""
    registry = _registry()
    if name not in registry:
        close = did_you_mean(name, registry)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise UserError(
            f"unknown dataset {name!r}",
            f"{hint}choose one of: {', '.join(sorted(registry))} (see `synthsuite list`)",
        )
    return load(registry[name])


def get_generator(name: str, options: Mapping[str, Any] | None = None) -> Generator:
    return generator_class(name)(options)
