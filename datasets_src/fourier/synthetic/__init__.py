"""Fourier head toy data: three known conditional densities of z given (x, y) (Gillman et al., ICLR 2025)."""

from typing import Any, ClassVar

import datasets
import numpy as np
from pydantic import Field

from synthsuite.datasets_src.fourier.synthetic import densities
from synthsuite.datasets_src.fourier.synthetic.card import CARD
from synthsuite.datasets_src.generator import Generator, GeneratorOptions, SampleSpec, Stopwatch

ROWS = {"tiny": 200, "small": 1_000, "paper": 5_000}  # the paper: 5,000 samples, 80 / 20 split
TEST_EVERY = 5  # every fifth sample is a test sample: 4,000 train / 1,000 test at the paper profile


class FourierSyntheticOptions(GeneratorOptions):
    # Even, so that no bin centre falls on z = 0, where a beta density can be infinite.
    bins: int = Field(densities.PAPER_BINS, ge=2, le=10_000, multiple_of=2)


class FourierSyntheticGenerator(Generator):
    name = "fourier-synthetic"
    version = "1.0.0"
    configs = densities.CONFIGS
    options_model = FourierSyntheticOptions
    rows_per_shard: ClassVar[int] = 5_000  # one shard per split at every profile
    rows_per_task: ClassVar[int] = 500  # a row renders in ~50 µs: amortise the task overhead

    def environment(self) -> dict[str, str]:
        # numpy's Generator may change its streams between versions (NEP 19)
        return {"numpy": np.__version__}

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        return [
            SampleSpec(f"{config}-{i:05d}", "test" if i % TEST_EVERY == TEST_EVERY - 1 else "train", {})
            for i in range(ROWS[profile])
        ]

    def features(self, config: str) -> datasets.Features:
        bins = self.options.bins
        return datasets.Features(
            {
                "sample_id": datasets.Value("string"),
                "x": datasets.Value("float64"),
                "y": datasets.Value("float64"),
                "z": datasets.Value("float64"),
                "x_bin": datasets.Value("int32"),
                "y_bin": datasets.Value("int32"),
                "z_bin": datasets.Value("int32"),
                "true_pmf": datasets.List(datasets.Value("float64"), length=bins),
            }
        )

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        bins = self.options.bins
        with clock.stage("sample"):
            x, y, z = densities.sample(config, rng)
        with clock.stage("density"):
            pmf = densities.true_pmf(config, x, y, densities.bin_centers(bins))
        x_bin, y_bin, z_bin = (int(densities.bin_index(v, bins)) for v in (x, y, z))
        return {
            "sample_id": spec.key,
            "x": x,
            "y": y,
            "z": z,
            "x_bin": x_bin,
            "y_bin": y_bin,
            "z_bin": z_bin,
            "true_pmf": pmf,
        }

    def card_metadata(self) -> dict[str, Any]:
        return {
            "pretty_name": "Fourier head synthetic densities (synthsuite)",
            "license": "mit",
            "task_categories": ["tabular-classification"],
            "tags": ["synthetic", "density-estimation", "fourier-head", "synthsuite"],
        }

    def card_sections(self) -> str:
        return CARD
