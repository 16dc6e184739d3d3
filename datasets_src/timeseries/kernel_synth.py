"""kernel-synth: Chronos's KernelSynth training corpus (see kernels.py for the recipe)."""

from typing import Any, ClassVar

import datasets
import numpy as np
from pydantic import Field

from synthsuite.datasets_src.generator import Generator, GeneratorOptions, SampleSpec, Stopwatch
from synthsuite.datasets_src.timeseries import kernels
from synthsuite.datasets_src.timeseries.card import KERNEL_SYNTH_CARD, LICENCE_METADATA
from synthsuite.datasets_src.timeseries.common import numeric_environment

ROWS = {"tiny": 16, "small": 600, "paper": 1_000_000}  # paper: Chronos's 1M series


class KernelSynthOptions(GeneratorOptions):
    length: int = Field(kernels.LENGTH, ge=64, le=4096, description="points per series (Chronos: 1024)")
    max_kernels: int = Field(kernels.MAX_KERNELS, ge=1, le=10, description="J, most bank kernels per series")


class KernelSynthGenerator(Generator):
    name = "kernel-synth"
    version = "1.0.0"
    configs = ("default",)
    options_model = KernelSynthOptions
    rows_per_shard: ClassVar[int] = 10_000
    rows_per_task: ClassVar[int] = 16  # ~0.2 s a series (one 1024 x 1024 eigendecomposition)

    def environment(self) -> dict[str, str]:
        return numeric_environment()

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        return [SampleSpec(f"kernel-synth-{i:07d}", "train", {}) for i in range(ROWS[profile])]

    def rows(self, config: str, profile: str) -> int:
        return ROWS[profile]

    def features(self, config: str) -> datasets.Features:
        return datasets.Features(
            {
                "sample_id": datasets.Value("string"),
                "target": datasets.List(datasets.Value("float32"), length=self.options.length),
                "kernel": datasets.Value("string"),
                "kernels": datasets.List(datasets.Value("int32")),
                "operators": datasets.List(datasets.Value("string")),
                "periods": datasets.List(datasets.Value("float64")),
            }
        )

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        with clock.stage("gp"):
            values, composition = kernels.kernel_synth(
                rng, length=self.options.length, max_kernels=self.options.max_kernels
            )
        return {
            "sample_id": spec.key,
            "target": values.astype(np.float32),
            "kernel": composition.expression,
            "kernels": list(composition.kernels),
            "operators": list(composition.operators),
            "periods": composition.periods(self.options.length),
        }

    def card_metadata(self) -> dict[str, Any]:
        return {
            **LICENCE_METADATA,
            "pretty_name": "KernelSynth (synthsuite)",
            "task_categories": ["time-series-forecasting"],
            "tags": ["synthetic", "time-series", "gaussian-process", "chronos", "fourier-head", "synthsuite"],
        }

    def card_sections(self) -> str:
        return KERNEL_SYNTH_CARD
