"""digits: the 1,797 8×8 handwritten digits that scikit-learn ships (no download), with fixed splits.

The CPU-sized stand-in for the original's MNIST experiment. Every image keeps its scikit-learn index
in its id (`digit-0000` …) and its 64 pixel values (0–16, row-major) unchanged. Splits are stratified
by class and fixed by a hash of the id and the dataset seed: per class, the first 20% in hash order are
`test`, the next 10% `validation`, the rest `train` (1,257 / 180 / 360 images at the paper profile).
"""

import gzip
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import datasets
import numpy as np

from synthsuite.datasets_src.generator import Generator, SampleSpec, Stopwatch
from synthsuite.kernel.errors import require_extra
from synthsuite.kernel.hashing import sha256_file
from synthsuite.kernel.seeding import hash_order

CLASSES = tuple(str(d) for d in range(10))
IMAGES = {"tiny": 200, "small": 1_797, "paper": 1_797}  # tiny: the first 200 (every class ~20 times)
TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.1
PIXEL_MAX = 16

CARD = """# Digits (synthsuite)

The 8×8 handwritten digits that scikit-learn ships (`sklearn.datasets.load_digits`: 1,797 images,
pixel values 0–16; a copy of the test set of the UCI *Optical Recognition of Handwritten Digits* data,
Alpaydin and Kaynak, 1998), with fixed splits: the data of the digits experiment of synthsuite's
self-consuming suite, a CPU-sized stand-in for the MNIST experiment of *Self-Correcting
Self-Consuming Loops for Generative Model Training* (Gillman et al., ICML 2024).

## Columns

- `sample_id`: `digit-NNNN`, NNNN the image's index in scikit-learn's order;
- `image`: 64 integers 0–16, the 8×8 image row by row (as `load_digits().data`);
- `label`: the digit (class label, names "0"–"9").

## Splits

{split_table}

Stratified by class: within each class the images are ordered by a hash of their id and the dataset
seed; the first 20% are `test`, the next 10% `validation`, the rest `train`. The task
`digits/generation` asks for one generated image per `test` row, of that row's label, and scores them
(FID and diversity in the feature space of a small classifier trained on `train`, shipped with
synthsuite).

## How it was generated

```
{command}
```

synthsuite {synthsuite_version}, generator `digits` {generator_version}, profile `{profile}`, seed
{seed}, built with `{environment}` (the sha256 of scikit-learn's `digits.csv.gz`).

License: CC BY 4.0, as the UCI data.
"""


def _source() -> Path:
    require_extra("sklearn", "self-consuming")
    import sklearn.datasets

    return Path(sklearn.datasets.__file__).parent / "data" / "digits.csv.gz"


@cache
def load_source() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 64) uint8, labels (1797,) int64) from scikit-learn's file, read directly."""
    with gzip.open(_source(), "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    return table[:, :-1].astype(np.uint8), table[:, -1]


def split_of(indices: list[int], labels: np.ndarray, seed: int) -> dict[int, str]:
    """Each index's split: per class, hash order, 20% test, 10% validation, the rest train."""
    splits = {}
    for label in range(len(CLASSES)):
        members = sorted(
            (i for i in indices if labels[i] == label),
            key=lambda i: hash_order(f"digit-{i:04d}", "split", seed),
        )
        tests = round(TEST_FRACTION * len(members))
        validations = round(VALIDATION_FRACTION * len(members))
        for rank, index in enumerate(members):
            splits[index] = (
                "test" if rank < tests else "validation" if rank < tests + validations else "train"
            )
    return splits


class DigitsGenerator(Generator):
    name = "digits"
    version = "1.0.0"
    configs = ("images",)
    rows_per_shard: ClassVar[int] = 2_000  # one shard per split
    rows_per_task: ClassVar[int] = 500

    def check_environment(self) -> None:
        _source()

    def environment(self) -> dict[str, str]:
        return {"digits.csv.gz": sha256_file(_source())}

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        _, labels = load_source()
        indices = list(range(IMAGES[profile]))
        splits = split_of(indices, labels, seed)
        return [SampleSpec(f"digit-{i:04d}", splits[i], {"index": i}) for i in indices]

    def features(self, config: str) -> datasets.Features:
        return datasets.Features(
            {
                "sample_id": datasets.Value("string"),
                "image": datasets.List(datasets.Value("uint8"), length=64),
                "label": datasets.ClassLabel(names=list(CLASSES)),
            }
        )

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        with clock.stage("read"):
            images, labels = load_source()
            index = spec.params["index"]
            return {"sample_id": spec.key, "image": images[index].tolist(), "label": int(labels[index])}

    def card_metadata(self) -> dict[str, Any]:
        return {
            "pretty_name": "8x8 digits for self-consuming loops (synthsuite)",
            "license": "cc-by-4.0",
            "task_categories": ["image-classification", "unconditional-image-generation"],
            "tags": ["synthetic-data", "self-consuming", "model-collapse", "digits", "synthsuite"],
        }

    def card_sections(self) -> str:
        return CARD
