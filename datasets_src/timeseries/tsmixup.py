"""tsmixup: Chronos's TSMixup, convex mixtures of mean-scaled series, over KernelSynth and the real
series that Python packages ship (real.py's training role).

Chronos's recipe (Ansari et al. 2024, Algorithm 1): k ~ U{1..K} series (K = 3), a length
l ~ U{l_min..l_max} (128..2048); for each: a dataset uniformly, a series of that dataset, a window of
length l, divided by its mean absolute value; weights λ ~ Dirichlet(α = 1.5); the result Σ λ_i x_i.
Chronos had 10 million of them over 28 real corpora that cannot be downloaded here.

The datasets here are KernelSynth (a fresh series drawn for each use) and the three training sources
of real.py (elnino, danish, fertility). Our real series are short (52 to 732 points), so a mixture is
as long as the shortest of its components' series when that is below l: each component contributes
a window of length min(l, every component's length) at a uniform offset.
"""

from typing import Any, ClassVar

import datasets
import numpy as np
from pydantic import Field, model_validator

from synthsuite.datasets_src.generator import Generator, GeneratorOptions, SampleSpec, Stopwatch
from synthsuite.datasets_src.timeseries import kernels, real
from synthsuite.datasets_src.timeseries.card import LICENCE_METADATA, TSMIXUP_CARD
from synthsuite.datasets_src.timeseries.common import numeric_environment

ROWS = {"tiny": 16, "small": 1_200, "paper": 10_000_000}  # paper: Chronos's 10M mixtures
KERNEL_SYNTH = "kernel-synth"


class TSMixupOptions(GeneratorOptions):
    max_series: int = Field(3, ge=1, le=10, description="K, most series mixed")
    alpha: float = Field(1.5, gt=0, le=100, description="Dirichlet concentration")
    min_length: int = Field(128, ge=16, le=100_000)
    max_length: int = Field(2048, ge=16, le=100_000)
    kernel_synth_length: int = Field(kernels.LENGTH, ge=64, le=4096)

    @model_validator(mode="after")
    def _lengths(self) -> "TSMixupOptions":
        if self.min_length > self.max_length:
            raise ValueError(f"min_length {self.min_length} is above max_length {self.max_length}")
        return self


def mean_scale(values: np.ndarray) -> np.ndarray:
    """values / mean(|values|); unchanged when that mean is 0 (as Chronos's tokenizer treats scale 0)."""
    scale = np.abs(values).mean()
    return values / scale if scale > 0 else values


class TSMixupGenerator(Generator):
    name = "tsmixup"
    version = "1.0.0"
    configs = ("default",)
    options_model = TSMixupOptions
    rows_per_shard: ClassVar[int] = 10_000
    rows_per_task: ClassVar[int] = 32

    def environment(self) -> dict[str, str]:
        return {**numeric_environment(), **real.environment("training")}

    def _pools(self) -> dict[str, tuple[real.RealSeries, ...]]:
        pools: dict[str, list[real.RealSeries]] = {}
        for s in real.series("training"):
            pools.setdefault(s.source, []).append(s)
        return {name: tuple(members) for name, members in pools.items()}

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        return [SampleSpec(f"tsmixup-{i:08d}", "train", {}) for i in range(ROWS[profile])]

    def rows(self, config: str, profile: str) -> int:
        return ROWS[profile]

    def features(self, config: str) -> datasets.Features:
        return datasets.Features(
            {
                "sample_id": datasets.Value("string"),
                "target": datasets.List(datasets.Value("float32")),
                "sources": datasets.List(datasets.Value("string")),
                "weights": datasets.List(datasets.Value("float64")),
            }
        )

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        options = self.options
        pools = self._pools()
        datasets_ = (KERNEL_SYNTH, *pools)
        count = int(rng.integers(1, options.max_series + 1))
        length = int(rng.integers(options.min_length, options.max_length + 1))
        components, names = [], []
        for _ in range(count):
            dataset = datasets_[int(rng.integers(len(datasets_)))]
            if dataset == KERNEL_SYNTH:
                with clock.stage("kernel-synth"):
                    values, _ = kernels.kernel_synth(rng, length=options.kernel_synth_length)
                names.append(KERNEL_SYNTH)
            else:
                chosen = pools[dataset][int(rng.integers(len(pools[dataset])))]
                values = chosen.values
                names.append(chosen.key)
            components.append(values)
        length = min(length, *(len(c) for c in components))
        with clock.stage("mix"):
            windows = []
            for values in components:
                offset = int(rng.integers(len(values) - length + 1))
                windows.append(mean_scale(values[offset : offset + length]))
            weights = rng.dirichlet(np.full(count, options.alpha))
            mixed = np.sum([w * x for w, x in zip(weights, windows, strict=True)], axis=0)
        return {
            "sample_id": spec.key,
            "target": mixed.astype(np.float32),
            "sources": names,
            "weights": [float(w) for w in weights],
        }

    def card_metadata(self) -> dict[str, Any]:
        return {
            **LICENCE_METADATA,
            "pretty_name": "TSMixup over KernelSynth and packaged real series (synthsuite)",
            "task_categories": ["time-series-forecasting"],
            "tags": ["synthetic", "time-series", "tsmixup", "chronos", "fourier-head", "synthsuite"],
        }

    def card_sections(self) -> str:
        return TSMIXUP_CARD
