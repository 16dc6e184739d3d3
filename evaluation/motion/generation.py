"""Scoring generated motions (task `motion/generation`, prediction kind `motion-generation`) the way
HumanML3D scores text-to-motion models, in the space of a motion–text evaluator trained here.

**The evaluator** (HumanML3D's is a pair of GRU encoders trained contrastively on its data): a text
encoder (mean of learnt word embeddings → MLP) and a motion encoder (1-D convolutions over 10 fps
frames of joint positions, relative to the clip's first root position, and their velocities, one
convolution strided to 5 fps → masked mean) map a caption and a motion to 64-d vectors of unit
length. It is trained with a symmetric InfoNCE loss on the `train` split of the `clean`
motion-correction data (each step pairs every clip, randomly cropped to at least 3/4 of its length,
with one of its paraphrases): `python -m synthsuite.evaluation.motion.generation train --dataset DIR`.
Its weights (`text_motion_evaluator.npy`) and vocabulary (`text_motion_vocabulary.json`) ship with
synthsuite, pinned by sha256; `EVALUATOR_ACCURACY` holds its own R-precision on real motions.

**Metrics** of one generated motion per `test` prompt:
- `fid`: Fréchet distance between the embeddings of the generated and of the real test motions;
- `diversity`: mean distance between random pairs of generated embeddings (HumanML3D: 300 pairs;
  here min(300, n) pairs);
- `matching_score`: mean distance between each motion's embedding and its prompt's;
- `r_precision_top1/2/3`: in batches of 32, how often a motion's own prompt is among its k nearest;
- `penetrate`, `float`, `skate`, `phys_err` (mm): the physics metrics of the motions
  (synthsuite.datasets_src.motion.metrics, PhysDiff/UHC definitions), averaged over motions.

**Predictions file**: `sample_id` (every test row's id) and `prediction`, the motion as a flat list of
frames·66 numbers (frames × 22 joints × 3, HumanML3D's joint order, metres, z up, floor at z = 0, the
person starting near the origin facing +x), 20 fps, 2–400 frames (the prompt's own clip has `frames`
of the test row, 40–196). An optional `fps` column must say 20. Shapes, NaN, the skeleton
(bone lengths, up axis, left/right) and counts are checked before anything is scored.
"""

import argparse
import io
import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synthsuite.datasets_src.access import DatasetSource, open_dataset
from synthsuite.datasets_src.motion.clip import clip_problem
from synthsuite.datasets_src.motion.metrics import physics_metrics
from synthsuite.datasets_src.motion.motions_file import skeleton_problem
from synthsuite.datasets_src.motion.skeleton import FPS, MAX_FRAMES, NUM_JOINTS
from synthsuite.evaluation.predictions import open_predictions
from synthsuite.evaluation.scoring import Predictions, References, Scorer, Scores
from synthsuite.evaluation.self_consuming.metrics import (
    diversity,
    feature_statistics,
    frechet_distance,
    matching_score,
    r_precision,
)
from synthsuite.evaluation.tasks import DatasetRef, Metric, PredictionFormat, TaskMetadata
from synthsuite.kernel.atomic import atomic_write_bytes, atomic_write_text
from synthsuite.kernel.errors import UserError, require_extra
from synthsuite.kernel.hashing import sha256_bytes, sha256_file
from synthsuite.kernel.seeding import derive_seed

if TYPE_CHECKING:
    import torch

HERE = Path(__file__).parent
EVALUATOR_FILE = HERE / "text_motion_evaluator.npy"
VOCABULARY_FILE = HERE / "text_motion_vocabulary.json"
EVALUATOR_VERSION = "text-motion-v1"
EVALUATOR_SHA256 = "23b7c3af4374cafaa91b5bdd43a0451dc242ced14168e2f33d9b9db94102d815"
VOCABULARY_SHA256 = "cf394cae27a686d54b3f895f3ccc4fdf3954fa9fefe443a471271f1254c09e94"
# its R-precision on the real motions and captions of the pinned build (batches of 28 for validation and
# test, which hold 28 clips each: chance is 1/28, 2/28, 3/28)
EVALUATOR_ACCURACY = {
    "train_r_precision_top1": 0.7723,
    "train_r_precision_top2": 0.9375,
    "train_r_precision_top3": 0.9821,
    "validation_r_precision_top1": 0.8929,
    "validation_r_precision_top2": 0.9643,
    "validation_r_precision_top3": 0.9643,
    "test_r_precision_top1": 0.7143,
    "test_r_precision_top2": 0.8929,
    "test_r_precision_top3": 0.8929,
}
TRAINING = {"seed": 0, "steps": 2000, "batch_size": 64, "learning_rate": 1e-3, "temperature": 0.1}
EMBEDDING = 64
WORD = 64
CHANNELS = 64
STRIDE = 2  # frames: 20 fps in, 10 fps seen
BATCH = 32  # R-precision batches, as HumanML3D
PHYSICS = ("penetrate", "float", "skate", "phys_err")
FIX = (
    "write `sample_id` and `prediction`: one motion per test row, a flat list of frames*66 numbers "
    "(22 joints in HumanML3D's order, metres, z up), 20 fps"
)


def tokenize(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _network(vocabulary: int) -> "torch.nn.ModuleDict":
    from torch import nn

    features = 2 * NUM_JOINTS * 3
    return nn.ModuleDict(
        {
            "words": nn.Embedding(vocabulary, WORD),
            "text": nn.Sequential(nn.Linear(WORD, 128), nn.ReLU(), nn.Linear(128, EMBEDDING)),
            "motion": nn.Sequential(
                nn.Conv1d(features, CHANNELS, 5, padding=2),
                nn.ReLU(),
                nn.Conv1d(CHANNELS, CHANNELS, 5, stride=2, padding=2),  # 10 fps -> 5 fps
                nn.ReLU(),
                nn.Conv1d(CHANNELS, CHANNELS, 3, padding=1),
            ),
            "head": nn.Linear(CHANNELS, EMBEDDING),
        }
    )


def motion_features(joints: np.ndarray) -> np.ndarray:
    """(frames / 2, 132): positions relative to the first frame's root (x, y), and velocities (m/s)."""
    joints = np.asarray(joints, dtype=np.float32)[::STRIDE]
    relative = joints - np.array([joints[0, 0, 0], joints[0, 0, 1], 0.0], dtype=np.float32)
    velocity = np.diff(relative, axis=0, prepend=relative[:1]) * (FPS / STRIDE)
    return np.concatenate([relative.reshape(len(joints), -1), velocity.reshape(len(joints), -1)], axis=1)


class Evaluator:
    """The text and motion encoders and the vocabulary."""

    def __init__(self, network: "torch.nn.ModuleDict", vocabulary: list[str]) -> None:
        self.network = network.eval()
        self.vocabulary = vocabulary
        self.index = {word: i for i, word in enumerate(vocabulary)}

    def _token_batch(self, texts: list[str]) -> tuple["torch.Tensor", "torch.Tensor"]:
        import torch

        ids = [[self.index.get(w, 0) for w in tokenize(t)] or [0] for t in texts]
        width = max(len(i) for i in ids)
        tokens = torch.zeros(len(ids), width, dtype=torch.long)
        mask = torch.zeros(len(ids), width)
        for row, found in enumerate(ids):
            tokens[row, : len(found)] = torch.tensor(found)
            mask[row, : len(found)] = 1
        return tokens, mask

    def text_embedding(self, texts: list[str]) -> "torch.Tensor":
        tokens, mask = self._token_batch(texts)
        words = self.network["words"](tokens)
        pooled = (words * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return _unit(self.network["text"](pooled))

    def motion_embedding(self, motions: list[np.ndarray]) -> "torch.Tensor":
        import torch

        features = [motion_features(m) for m in motions]
        width = max(len(f) for f in features)
        batch = torch.zeros(len(features), features[0].shape[1], width)
        mask = torch.zeros(len(features), 1, width)
        for row, found in enumerate(features):
            batch[row, :, : len(found)] = torch.from_numpy(found.T.copy())
            mask[row, :, : len(found)] = 1
        hidden = torch.relu(self.network["motion"](batch))
        mask = mask[..., ::2]  # the strided convolution's output frames
        pooled = (hidden * mask).sum(2) / mask.sum(2)
        return _unit(self.network["head"](pooled))

    def embed(self, texts: list[str] | None = None, motions: list[np.ndarray] | None = None) -> np.ndarray:
        """Embeddings (n, 64) of texts or motions, in batches, without gradients."""
        import torch

        items = texts if texts is not None else motions
        assert items is not None
        out = []
        with torch.no_grad():
            for start in range(0, len(items), 256):
                chunk = items[start : start + 256]
                found = self.text_embedding(chunk) if texts is not None else self.motion_embedding(chunk)
                out.append(found.numpy().astype(np.float64))
        return np.concatenate(out) if out else np.zeros((0, EMBEDDING))


def _unit(x: "torch.Tensor") -> "torch.Tensor":
    return x / x.norm(dim=-1, keepdim=True).clamp(min=1e-8)


# --- the shipped evaluator -----------------------------------------------------------------------------


def _to_bytes(network: "torch.nn.ModuleDict") -> bytes:
    import torch

    flat = torch.cat([p.detach().reshape(-1) for p in network.parameters()]).numpy().astype("<f4")
    buffer = io.BytesIO()
    np.save(buffer, flat, allow_pickle=False)
    return buffer.getvalue()


def _from_bytes(data: bytes, vocabulary: list[str]) -> "torch.nn.ModuleDict":
    import torch

    flat = torch.from_numpy(np.load(io.BytesIO(data), allow_pickle=False).astype(np.float32))
    network = _network(len(vocabulary))
    offset = 0
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.copy_(flat[offset : offset + parameter.numel()].reshape(parameter.shape))
            offset += parameter.numel()
    if offset != flat.numel():
        raise UserError(f"{EVALUATOR_FILE} does not match its vocabulary", "reinstall synthsuite")
    return network


@cache
def evaluator() -> Evaluator:
    """The pinned evaluator, after checking both files' sha256."""
    require_extra("torch", "self-consuming")
    for path, expected in ((EVALUATOR_FILE, EVALUATOR_SHA256), (VOCABULARY_FILE, VOCABULARY_SHA256)):
        if not path.is_file() or sha256_file(path) != expected:
            raise UserError(
                f"{path} is missing or is not the pinned {EVALUATOR_VERSION} (sha256 {expected[:12]})",
                "reinstall synthsuite",
            )
    vocabulary = json.loads(VOCABULARY_FILE.read_text())
    return Evaluator(_from_bytes(EVALUATOR_FILE.read_bytes(), vocabulary), vocabulary)


# --- metrics -------------------------------------------------------------------------------------------


class RealMotions:
    """The embeddings of the real motions generated ones are compared with, computed once."""

    def __init__(self, motions: list[np.ndarray], model: Evaluator | None = None) -> None:
        model = model or evaluator()
        self.embeddings = model.embed(motions=motions)
        self.mean, self.cov = feature_statistics(self.embeddings)


def generation_scores(
    motions: list[np.ndarray],
    prompts: list[str],
    real: RealMotions,
    rng: np.random.Generator,
    model: Evaluator | None = None,
) -> dict[str, float]:
    """Every metric of `motions` (one per prompt, 20 fps) against the real motions' embeddings."""
    model = model or evaluator()
    found = model.embed(motions=motions)
    texts = model.embed(texts=prompts)
    top = r_precision(texts, found, batch=min(BATCH, len(prompts)))
    physics = [physics_metrics(m, FPS).as_dict() for m in motions]
    return {
        "fid": frechet_distance(real.mean, real.cov, *feature_statistics(found)),
        "diversity": diversity(found, rng, pairs=min(300, len(found))),
        "matching_score": matching_score(texts, found),
        **{f"r_precision_top{k + 1}": value for k, value in enumerate(top)},
        **{name: float(np.mean([p[name] for p in physics])) for name in PHYSICS},
    }


# --- the task and its scorer ---------------------------------------------------------------------------


def read_clean(source: DatasetSource, split: str, columns: list[str]) -> pa.Table:
    return source.read("clean", split, columns)


def joints_of(table: pa.Table, column: str = "joints") -> list[np.ndarray]:
    return [
        np.asarray(j, dtype=np.float64).reshape(-1, NUM_JOINTS, 3) for j in table.column(column).to_pylist()
    ]


class MotionGenerationScorer(Scorer):
    """Prediction kind `motion-generation`: one generated motion per test prompt."""

    kind = "motion-generation"

    def read(self, path: Path, task: TaskMetadata, max_rows: int) -> Predictions:
        ids, column, model = open_predictions(
            path, task, max_rows, values_per_row=MAX_FRAMES * NUM_JOINTS * 3
        )
        _check_fps(path)
        motions = []
        for sample_id, value in zip(ids, column.to_pylist(), strict=True):
            if value is None or any(v is None for v in value):
                raise UserError(f"{path}: prediction {sample_id!r} is null or holds nulls", FIX)
            joints = np.asarray(value, dtype=np.float64)
            if joints.ndim != 1 or joints.size % (NUM_JOINTS * 3):
                raise UserError(
                    f"{path}: prediction {sample_id!r} has {joints.size} values, not frames x 22 x 3",
                    FIX,
                )
            joints = joints.reshape(-1, NUM_JOINTS, 3)
            problem = clip_problem(joints, FPS) or skeleton_problem(joints)
            if problem is not None:
                raise UserError(f"{path}: prediction {sample_id!r}: {problem}", FIX)
            motions.append(joints)
        return Predictions(ids, motions, model)

    def references(self, task: TaskMetadata, source: DatasetSource, split: str) -> References:
        table = read_clean(source, split, [task.predictions.id_column, "caption", "joints"])
        return References(
            ids=table.column(task.predictions.id_column).to_pylist(),
            values=table.column("caption").to_pylist(),
            extra={"motions": joints_of(table)},
        )

    def score(self, task: TaskMetadata, references: References, values: Any) -> Scores:
        rng = np.random.default_rng(derive_seed(task.name, "diversity"))
        return generation_scores(
            list(values), references.values, RealMotions(references.extra["motions"]), rng
        )


def _check_fps(path: Path) -> None:
    names = pq.ParquetFile(path).schema_arrow.names
    if "fps" not in names:
        return
    rates = set(pq.read_table(path, columns=["fps"]).column("fps").to_pylist())
    if rates != {FPS}:
        raise UserError(
            f"{path}: fps {sorted(rates, key=str)} is not the task's {FPS}", "generate motions at 20 fps"
        )


# data_revision of `clean` of the small build, `synthsuite generate motion-correction --profile small`
# (seed 0, motion-correction 1.0.0): the evaluator was trained on its train split
MOTION_GENERATION_REVISION = "108d46b1ebc79da37e6f03b7e4dfdc3e895bffe3ae067f546d40ad614601508b"
MOTION_GENERATION = TaskMetadata(
    name="motion/generation",
    suite="motion",
    description=(
        "Generate one motion per test prompt (the row's `caption`) with a text-to-motion model trained on "
        "the "
        "train split of the clean motions. Scored as HumanML3D scores text-to-motion models, in the space of "
        "the pinned evaluator text-motion-v1 (FID, diversity, matching score, R-precision top 1/2/3), and by "
        "the physics metrics penetrate, float, skate and phys_err (mm)."
    ),
    dataset=DatasetRef(
        repo_id="synthsuite/motion-correction",
        config="clean",
        revision=MOTION_GENERATION_REVISION,
        profile="small",
    ),
    splits=("train", "validation", "test"),
    eval_split="test",
    input="the test rows' captions (and frames, the length of their clips); never their joints",
    predictions=PredictionFormat(kind="motion-generation", label_column="caption"),
    metrics=(
        Metric(name="fid", higher_is_better=False, range=(0.0, 1e6)),
        Metric(name="diversity", higher_is_better=True, range=(0.0, 1e6)),
        Metric(name="matching_score", higher_is_better=False, range=(0.0, 1e6)),
        *(Metric(name=f"r_precision_top{k}", higher_is_better=True, range=(0.0, 1.0)) for k in (1, 2, 3)),
        *(Metric(name=name, higher_is_better=False, range=(0.0, 1e9)) for name in PHYSICS),
    ),
    main_score="fid",
    version="1.0.0",
    reference=(
        "Gillman, Freeman, Aggarwal, Hsu, Luo, Tian, Sun. Self-Correcting Self-Consuming Loops for "
        "Generative "
        "Model Training. ICML 2024 (motion experiment; metrics of Guo et al., HumanML3D, CVPR 2022)."
    ),
)


# --- training the shipped evaluator --------------------------------------------------------------------


def train_evaluator(
    source: DatasetSource, steps: int = TRAINING["steps"]
) -> tuple[bytes, list[str], dict[str, float]]:
    """Train on `train` (one torch thread, seeded): (weights, vocabulary, R-precision per split)."""
    import torch

    from synthsuite.datasets_src.executors import one_torch_thread

    splits = {s: read_clean(source, s, ["captions", "caption", "joints"]) for s in source.splits("clean")}
    train = splits["train"]
    captions = train.column("captions").to_pylist()
    vocabulary = ["<unk>", *sorted({w for texts in captions for t in texts for w in tokenize(t)})]
    motions = joints_of(train)
    with one_torch_thread():
        torch.manual_seed(TRAINING["seed"])
        model = Evaluator(_network(len(vocabulary)), vocabulary)
        network = model.network.train()
        optimiser = torch.optim.Adam(network.parameters(), lr=TRAINING["learning_rate"])
        rng = np.random.default_rng(TRAINING["seed"])
        batch = min(TRAINING["batch_size"], len(motions))
        for _ in range(steps):
            rows = rng.choice(len(motions), batch, replace=False)
            texts = [captions[r][rng.integers(len(captions[r]))] for r in rows]
            clips = [_crop(motions[r], rng) for r in rows]
            logits = model.text_embedding(texts) @ model.motion_embedding(clips).T / TRAINING["temperature"]
            same = torch.tensor([[texts[i] == texts[j] for j in range(batch)] for i in range(batch)])
            logits = logits.masked_fill(same & ~torch.eye(batch, dtype=torch.bool), -1e4)  # equal captions
            target = torch.arange(batch)
            loss = (
                torch.nn.functional.cross_entropy(logits, target)
                + torch.nn.functional.cross_entropy(logits.T, target)
            ) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        network.eval()
        accuracy = {}
        for split, table in splits.items():
            texts, found = (
                model.embed(texts=table.column("caption").to_pylist()),
                model.embed(motions=joints_of(table)),
            )
            for k, value in enumerate(r_precision(texts, found, batch=min(BATCH, table.num_rows))):
                accuracy[f"{split}_r_precision_top{k + 1}"] = round(float(value), 4)
    return _to_bytes(network), vocabulary, accuracy


def _crop(joints: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random crop of at least 3/4 of the clip: the evaluator must not rely on exact lengths."""
    frames = len(joints)
    length = int(rng.integers((3 * frames) // 4, frames + 1))
    start = int(rng.integers(0, frames - length + 1))
    return joints[start : start + length]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the text-motion evaluator of motion/generation.")
    parser.add_argument("command", choices=["train"])
    parser.add_argument("--dataset", required=True, help="a motion-correction build with the clean config")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the two files")
    parser.add_argument("--steps", type=int, default=TRAINING["steps"], help="training steps")
    args = parser.parse_args(argv)
    weights, vocabulary, accuracy = train_evaluator(open_dataset(args.dataset, configs=["clean"]), args.steps)
    atomic_write_bytes(args.out / EVALUATOR_FILE.name, weights)
    vocabulary_text = json.dumps(vocabulary) + "\n"
    atomic_write_text(args.out / VOCABULARY_FILE.name, vocabulary_text)
    print(
        f"wrote {args.out}: weights sha256 {sha256_bytes(weights)}, vocabulary sha256 "
        f"{sha256_bytes(vocabulary_text.encode())} ({len(vocabulary)} words), R-precision {accuracy}"
    )


if __name__ == "__main__":
    main()
