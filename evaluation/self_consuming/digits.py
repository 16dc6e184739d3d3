"""Scoring generated 8×8 digits: FID, diversity and class accuracy in the space of a pinned classifier.

The original scores its MNIST samples in the feature space of a LeNet it trained on MNIST (the 84
outputs of its second fully connected layer). Here a small classifier is trained on the `train` split
of the `digits` dataset (`python -m synthsuite.evaluation.self_consuming.digits train`), and its weights
ship with synthsuite as `digits_classifier.npy`, pinned by sha256 (`CLASSIFIER_SHA256`): every score
of every version names the same feature space, and a changed file is refused.

Classifier: 64 pixels / 16 → 128 (ReLU) → 32 (the features, taken before their ReLU) → 10.

Metrics of a set of generated images, one per requested label:
- `fid`: Fréchet distance between the features of the generated images and of the real `test` images;
- `diversity`: mean feature distance between random pairs of generated images (half as many pairs as
  images, as the original); the real test images' value is the reference (too low: collapse);
- `class_accuracy`: how often the classifier reads the requested label.

The predictions format of the task `digits/generation`: a parquet file with `sample_id` (every `test`
row's id) and `prediction`, 64 numbers in [0, 16] per row (the image, row-major, of the row's label).
"""

import argparse
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from synthsuite.datasets_src.access import DatasetSource, open_dataset
from synthsuite.evaluation.predictions import open_predictions
from synthsuite.evaluation.scoring import Predictions, References, Scorer, Scores
from synthsuite.evaluation.self_consuming.metrics import diversity, feature_statistics, frechet_distance
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.atomic import atomic_write_bytes
from synthsuite.kernel.errors import UserError, require_extra
from synthsuite.kernel.hashing import sha256_bytes, sha256_file
from synthsuite.kernel.seeding import derive_seed

if TYPE_CHECKING:
    import torch

PIXELS = 64
PIXEL_MAX = 16.0
CLASSES = 10
HIDDEN = 128
FEATURES = 32
CLASSIFIER_FILE = Path(__file__).parent / "digits_classifier.npy"
CLASSIFIER_VERSION = "digits-mlp-v1"
CLASSIFIER_SHA256 = "40ee3394d7d79a9b97e09e35f9ad9ccc14e781dfa2a69b134d6ecae71b6e8224"
# how it was trained (train_classifier); its accuracy on the splits of the pinned build
TRAINING = {"seed": 0, "epochs": 100, "batch_size": 64, "learning_rate": 1e-3}
ACCURACY = {"train": 1.0, "validation": 0.9777, "test": 0.9749}  # 175 / 179, 350 / 359


def _network() -> "torch.nn.Sequential":
    from torch import nn

    return nn.Sequential(
        nn.Linear(PIXELS, HIDDEN),
        nn.ReLU(),
        nn.Linear(HIDDEN, FEATURES),
        nn.ReLU(),
        nn.Linear(FEATURES, CLASSES),
    )


def _to_bytes(network: "torch.nn.Sequential") -> bytes:
    """The weights as one float32 .npy vector (parameters in order): the same bytes for the same weights."""
    import io

    import torch

    flat = torch.cat([p.detach().reshape(-1) for p in network.parameters()]).numpy().astype("<f4")
    buffer = io.BytesIO()
    np.save(buffer, flat, allow_pickle=False)
    return buffer.getvalue()


def _from_bytes(data: bytes) -> "torch.nn.Sequential":
    import io

    import torch

    flat = torch.from_numpy(np.load(io.BytesIO(data), allow_pickle=False).astype(np.float32))
    network = _network()
    offset = 0
    with torch.no_grad():
        for parameter in network.parameters():
            size = parameter.numel()
            parameter.copy_(flat[offset : offset + size].reshape(parameter.shape))
            offset += size
    if offset != flat.numel():
        raise UserError(f"{CLASSIFIER_FILE} does not hold the classifier's weights", "reinstall synthsuite")
    return network.eval()


@cache
def classifier() -> "torch.nn.Sequential":
    """The pinned classifier, after checking its file's sha256."""
    require_extra("torch", "self-consuming")
    if not CLASSIFIER_FILE.is_file() or sha256_file(CLASSIFIER_FILE) != CLASSIFIER_SHA256:
        raise UserError(
            f"{CLASSIFIER_FILE} is missing or is not the pinned {CLASSIFIER_VERSION} "
            f"(sha256 {CLASSIFIER_SHA256[:12]})",
            "reinstall synthsuite",
        )
    return _from_bytes(CLASSIFIER_FILE.read_bytes())


def _inputs(images: np.ndarray) -> "torch.Tensor":
    import torch

    return torch.from_numpy(np.asarray(images, dtype=np.float32).reshape(-1, PIXELS) / PIXEL_MAX)


def features(images: np.ndarray, network: "torch.nn.Sequential | None" = None) -> np.ndarray:
    """The 32 features (before their ReLU) of images given as 64 values in [0, 16]."""
    import torch

    network = network or classifier()
    with torch.no_grad():
        return network[:3](_inputs(images)).numpy().astype(np.float64)


def predict(images: np.ndarray, network: "torch.nn.Sequential | None" = None) -> np.ndarray:
    import torch

    network = network or classifier()
    with torch.no_grad():
        return network(_inputs(images)).argmax(1).numpy()


class RealStatistics:
    """The features of the real images generated ones are compared with, computed once."""

    def __init__(self, images: np.ndarray) -> None:
        self.features = features(images)
        self.mean, self.cov = feature_statistics(self.features)


def digit_scores(
    generated: np.ndarray, labels: np.ndarray, real: RealStatistics, rng: np.random.Generator
) -> dict[str, float]:
    """FID against the real images, diversity and class accuracy of generated images of `labels`."""
    found = features(generated)
    return {
        "fid": frechet_distance(real.mean, real.cov, *feature_statistics(found)),
        "diversity": diversity(found, rng),
        "class_accuracy": float(np.mean(predict(generated) == labels)),
    }


class DigitImagesScorer(Scorer):
    """Prediction kind `digit-images`: one generated image per test row, of that row's label."""

    kind = "digit-images"

    def read(self, path: Path, task: TaskMetadata, max_rows: int) -> Predictions:
        ids, column, model = open_predictions(path, task, max_rows, values_per_row=PIXELS)
        return Predictions(ids, _images(path, task, column), model)

    def references(self, task: TaskMetadata, source: DatasetSource, split: str) -> References:
        fmt = task.predictions
        table = source.read(task.dataset.config, split, [fmt.id_column, "image", fmt.label_column])
        return References(
            ids=table.column(fmt.id_column).to_pylist(),
            values=np.array(table.column(fmt.label_column).to_pylist(), dtype=np.int64),
            extra={"images": _column_images(table.column("image"))},
        )

    def score(self, task: TaskMetadata, references: References, values: Any) -> Scores:
        rng = np.random.default_rng(derive_seed("digits/generation", "diversity"))
        real = RealStatistics(references.extra["images"])
        return digit_scores(np.asarray(values), references.values, real, rng)


def _column_images(column: pa.ChunkedArray) -> np.ndarray:
    return np.array(column.to_pylist(), dtype=np.float64).reshape(-1, PIXELS)


def _images(path: Path, task: TaskMetadata, column: pa.ChunkedArray) -> np.ndarray:
    kind = column.type
    is_list = pa.types.is_list(kind) or pa.types.is_fixed_size_list(kind) or pa.types.is_large_list(kind)
    numeric = is_list and (pa.types.is_floating(kind.value_type) or pa.types.is_integer(kind.value_type))
    fix = f"write {PIXELS} numbers in [0, {PIXEL_MAX:g}] per row (the 8x8 image, row by row)"
    if not numeric:
        raise UserError(f"{path}: {task.predictions.column!r} has type {kind}, not a list of numbers", fix)
    rows = column.to_pylist()
    if any(row is None or len(row) != PIXELS or any(v is None for v in row) for row in rows):
        raise UserError(f"{path}: every prediction must be an 8x8 image of {PIXELS} values", fix)
    images = np.array(rows, dtype=np.float64).reshape(len(rows), PIXELS)
    if not np.all(np.isfinite(images)):
        raise UserError(f"{path}: predictions hold NaN or infinite pixel values", fix)
    if images.min(initial=0) < 0 or images.max(initial=0) > PIXEL_MAX:
        raise UserError(f"{path}: pixel values lie outside [0, {PIXEL_MAX:g}]", fix)
    return images


# --- training the shipped classifier -------------------------------------------------------------------


def load_split(source: DatasetSource, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 64) float64 in [0, 16], labels (n,)) of one split of a digits build."""
    table = source.read("images", split, ["image", "label"])
    labels = np.array(table.column("label").to_pylist(), dtype=np.int64)
    return _column_images(table.column("image")), labels


def train_classifier(source: DatasetSource) -> tuple[bytes, dict[str, float]]:
    """Train the classifier on `train` (one torch thread, seeded): its weights' bytes and accuracies."""
    import torch

    from synthsuite.datasets_src.executors import one_torch_thread

    splits = {split: load_split(source, split) for split in ("train", "validation", "test")}
    images, labels = splits["train"]
    with one_torch_thread():
        torch.manual_seed(TRAINING["seed"])
        network = _network()
        optimiser = torch.optim.Adam(network.parameters(), lr=TRAINING["learning_rate"])
        inputs, targets = _inputs(images), torch.from_numpy(labels)
        order = torch.Generator().manual_seed(TRAINING["seed"])
        for _ in range(TRAINING["epochs"]):
            for batch in torch.randperm(len(inputs), generator=order).split(TRAINING["batch_size"]):
                optimiser.zero_grad()
                loss = torch.nn.functional.cross_entropy(network(inputs[batch]), targets[batch])
                loss.backward()
                optimiser.step()
        network.eval()
        accuracy = {s: float(np.mean(predict(x, network) == y)) for s, (x, y) in splits.items()}
    return _to_bytes(network), accuracy


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the digits classifier that FID and diversity use.")
    parser.add_argument("command", choices=["train"])
    parser.add_argument(
        "--dataset", required=True, help="the paper-profile digits build (folder or ORG/NAME)"
    )
    parser.add_argument("--out", type=Path, default=CLASSIFIER_FILE, help="weights file to write")
    args = parser.parse_args(argv)
    weights, accuracy = train_classifier(open_dataset(args.dataset, configs=["images"]))
    atomic_write_bytes(args.out, weights)
    print(f"wrote {args.out}: sha256 {sha256_bytes(weights)}, accuracy {accuracy}")


if __name__ == "__main__":
    main()
