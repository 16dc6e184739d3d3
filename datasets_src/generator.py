"""The contract every dataset generator fulfils, and the registry of generators."""

import importlib
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import datasets
import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from datasets_src.errors import UserError

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
    """Accumulates seconds per named stage, so benchmarks can report where time goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


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

    @abstractmethod
    def features(self, config: str) -> datasets.Features:
        """The column types of `config`, as `datasets.Features`."""

    @abstractmethod
    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        """One row (already in the storage form of `features(config)`)."""

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


def _registry() -> dict[str, type[Generator]]:
    # Imported lazily so that planning one suite never imports another's heavy stack.
    from datasets_src.force.generator import ForcePointGenerator, ForceWindGenerator
    from datasets_src.fourier import FourierSyntheticGenerator
    from datasets_src.minatar import MinAtarReplayGenerator
    from datasets_src.syntheory import SynTheoryGenerator

    return {
        g.name: g
        for g in (
            SynTheoryGenerator,
            FourierSyntheticGenerator,
            MinAtarReplayGenerator,
            ForcePointGenerator,
            ForceWindGenerator,
        )
    }


def generator_names() -> list[str]:
    return sorted(_registry())


def get_generator(name: str, options: Mapping[str, Any] | None = None) -> Generator:
    registry = _registry()
    if name not in registry:
        raise UserError(
            f"unknown dataset {name!r}",
            f"choose one of: {', '.join(sorted(registry))} (see `synthsuite list`)",
        )
    return registry[name](options)


def require_extra(module: str, extra: str) -> None:
    """Raise UserError naming the extra to install when `module` cannot be imported."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise UserError(
            f"Python module {module!r} is not installed", f"pip install 'synthsuite[{extra}]'"
        ) from None


def check_choice(kind: str, value: str, choices: tuple[str, ...] | list[str]) -> None:
    if value not in choices:
        raise UserError(f"unknown {kind} {value!r}", f"choose one of: {', '.join(choices)}")
