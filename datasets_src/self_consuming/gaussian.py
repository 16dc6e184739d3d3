"""gaussian-toy: the Gaussian toy's data as a dataset, so that its task pins a revision like every task.

`train`: the n = 50 real points a model is trained on; `test`: points of the target N(0, I₂), one per
sample a submission must generate (the task scores the submitted points against the target).
"""

from typing import Any, ClassVar

import datasets
import numpy as np

from synthsuite.datasets_src.generator import Generator, SampleSpec, Stopwatch

TRAIN = 50  # the original's n
TEST = {"tiny": 200, "small": 1_000, "paper": 1_000}

CARD = """# Gaussian toy (synthsuite)

The data of the toy experiment of *Self-Correcting Self-Consuming Loops for Generative Model
Training* (Gillman et al., ICML 2024): the target is the standard normal N(0, I₂) in two dimensions.

- `train`: the n = 50 real points (`x`, two floats) a model is trained on;
- `test`: points of the target; a submission to the task `self-consuming/gaussian` generates one
  point per test row (`sample_id`), and is scored by the Wasserstein-2 distance between the Gaussian
  fitted to its points and the target (the original's metric), and by the empirical W2 between its
  points and these.

{split_table}

Built with `{command}` (synthsuite {synthsuite_version}, generator `gaussian-toy`
{generator_version}, profile `{profile}`, seed {seed}, `{environment}`). Each point is drawn from a
generator seeded by (dataset, config, sample id, seed), so any worker count gives the same bytes.

License: MIT.
"""


class GaussianToyGenerator(Generator):
    name = "gaussian-toy"
    version = "1.0.0"
    configs = ("real",)
    rows_per_shard: ClassVar[int] = 10_000

    def environment(self) -> dict[str, str]:
        return {"numpy": np.__version__}  # numpy's normal stream may change between versions (NEP 19)

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        train = [SampleSpec(f"real-{i:03d}", "train", {}) for i in range(TRAIN)]
        return train + [SampleSpec(f"target-{i:05d}", "test", {}) for i in range(TEST[profile])]

    def features(self, config: str) -> datasets.Features:
        return datasets.Features(
            {"sample_id": datasets.Value("string"), "x": datasets.List(datasets.Value("float64"), length=2)}
        )

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        with clock.stage("sample"):
            return {"sample_id": spec.key, "x": rng.standard_normal(2).tolist()}

    def card_metadata(self) -> dict[str, Any]:
        return {
            "pretty_name": "Gaussian toy of self-consuming loops (synthsuite)",
            "license": "mit",
            "tags": ["synthetic", "self-consuming", "model-collapse", "synthsuite"],
        }

    def card_sections(self) -> str:
        return CARD
