"""The SynTheory probing baseline, top to bottom.

    frozen features, pooled over time (cached on disk)
      -> one probe per layer: fitted on train, early-stopped on validation
      -> the layer with the best validation score
      -> its test predictions (predictions.parquet)
      -> scored by the code behind `synthsuite evaluate` (results.json)

Every layer's validation and test scores are kept in the results, so per-layer curves can be
drawn; only the validation scores choose the layer. Rows the task does not score (silent clips)
are left out of training as well.
"""

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from synthsuite.baselines.syntheory.embeddings import SplitEmbeddings, embed
from synthsuite.baselines.syntheory.features import Extractor
from synthsuite.baselines.syntheory.probe import ProbeSettings, train_probe
from synthsuite.datasets_src.access import DatasetSource, open_dataset
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.metrics import METRICS
from synthsuite.evaluation.predictions import write_predictions
from synthsuite.evaluation.results import ModelInfo, Result, Scores
from synthsuite.evaluation.scoring import label_scores, scorer_for
from synthsuite.evaluation.tasks import TaskMetadata

HANDMADE = ("mel", "chroma", "mfcc", "handcrafted")
TRAIN, VALIDATION = "train", "validation"


def output_dir(root: Path, task: str, features: str) -> Path:
    """Where one (task, features) run writes: ROOT/<task with / as __>/<features>/."""
    return root / task.replace("/", "__") / features


def open_task_source(task: TaskMetadata, dataset: str | None = None) -> DatasetSource:
    """The task's dataset (or `dataset`: a folder or ORG/NAME), checked to hold the task's config."""
    source = open_dataset(dataset or task.dataset.repo_id, configs=[task.dataset.config])
    source.splits(task.dataset.config)  # one clear line when the config is missing
    return source


def model_info(extractor: Extractor, settings: ProbeSettings, layer: str) -> ModelInfo:
    """The probe's identity: its revision hashes everything that decides its predictions."""
    identity = extractor.identity()
    recipe = json.dumps({"features": identity, "probe": settings.as_dict()}, sort_keys=True)
    return ModelInfo(
        name=f"probe-{settings.kind}/{extractor.name}",
        revision=hashlib.sha256(recipe.encode()).hexdigest()[:12],
        details={
            "layer": layer,
            "probe": settings.kind,
            "seed": str(settings.seed),
            **{f"features.{key}": value for key, value in identity.items()},
        },
    )


@dataclass(frozen=True)
class Rows:
    """The scored rows of one split: their ids, labels and where they sit in the cached features."""

    ids: list[str]
    labels: np.ndarray
    embedded: SplitEmbeddings
    positions: np.ndarray

    def features(self, layer: str) -> np.ndarray:
        return np.asarray(self.embedded.layers[layer][self.positions], dtype=np.float32)


@dataclass(frozen=True)
class LayerFit:
    scores: dict[str, Scores]  # validation and test, metric -> value
    test_predictions: np.ndarray
    steps: int


def run(
    task: TaskMetadata,
    extractor: Extractor,
    settings: ProbeSettings,
    *,
    out: Path,
    dataset: str | None = None,
    workers: int | None = None,
    cache_root: Path | None = None,
    progress: bool = True,
    model: ModelInfo | None = None,
) -> Result:
    """Probe every layer of `extractor` on `task`; write out/predictions.parquet and out/results.json.

    `model`: the identity the results carry (a user's own model, synthsuite.evaluate); by default the
    probe on the extractor, `probe-<probe>/<extractor>`. The selected layer, probe and seed are added
    to its details either way."""
    started = time.perf_counter()
    dataset = dataset or task.dataset.repo_id
    source = open_task_source(task, dataset)
    test = task.eval_split

    # 1. Frozen features: one vector per clip and layer, pooled over time by the extractor.
    embeddings = embed(
        source,
        task.dataset.config,
        [TRAIN, VALIDATION, test],
        extractor,
        workers=workers,
        cache_root=cache_root,
        progress=progress,
    )
    extracted = time.perf_counter()

    # 2. Labels of the scored rows; silent clips leave every split, training included.
    rows = {split: scored_rows(task, source, split, embeddings[split]) for split in (TRAIN, VALIDATION, test)}

    # 3. One probe per layer, scored on validation and test.
    layers = extractor.layers()
    bar = tqdm(layers, desc=f"probing {task.name} {extractor.name}", unit="layer", disable=not progress)
    fits = {layer: probe_layer(task, rows, layer, settings) for layer in bar}
    probed = time.perf_counter()

    # 4. The layer with the best validation main score (the first of equals) predicts the test split.
    selected = max(layers, key=lambda layer: fits[layer].scores[VALIDATION][task.main_score])
    if model is None:
        model = model_info(extractor, settings, selected)
    else:
        probe = {"layer": selected, "probe": settings.kind, "seed": str(settings.seed)}
        model = model.model_copy(update={"details": {**model.details, **probe}})
    (out / "results.json").unlink(missing_ok=True)  # never left beside predictions it did not score
    predictions = out / "predictions.parquet"
    write_predictions(predictions, task, rows[test].ids, fits[selected].test_predictions, model.model_dump())

    # 5. Scored by the code behind `synthsuite evaluate`, so that command gives the same numbers.
    scored = evaluate_predictions(task, predictions, dataset=dataset, model=model)
    result = Result.model_validate(
        {
            **scored.model_dump(),
            "scores": {VALIDATION: fits[selected].scores[VALIDATION], **scored.scores},
            "layers": {layer: fit.scores for layer, fit in fits.items()},
            "selected_layer": selected,
            "seeds": [settings.seed],
            "wall_seconds": time.perf_counter() - started,
            "settings": {
                **scored.settings,
                "features": extractor.name,
                "features_identity": extractor.identity(),
                "probe": settings.as_dict(),
                "rows": {split: len(r.ids) for split, r in rows.items()},
                "skipped_rows": {split: len(embeddings[split].ids) - len(r.ids) for split, r in rows.items()},
                "steps": {layer: fit.steps for layer, fit in fits.items()},
                "extract_seconds": round(extracted - started, 3),
                "probe_seconds": round(probed - extracted, 3),
            },
        }
    )
    result.write(out / "results.json")
    return result


def scored_rows(task: TaskMetadata, source: DatasetSource, split: str, embedded: SplitEmbeddings) -> Rows:
    refs = scorer_for(task).references(task, source, split)
    position = {sample_id: i for i, sample_id in enumerate(embedded.ids)}
    return Rows(refs.ids, refs.values, embedded, np.array([position[i] for i in refs.ids], dtype=np.int64))


def probe_layer(task: TaskMetadata, rows: dict[str, Rows], layer: str, settings: ProbeSettings) -> LayerFit:
    """Fit a probe on one layer's training rows; its predictions and scores on validation and test."""
    test = task.eval_split
    classes = task.predictions.classes
    probe = train_probe(
        (rows[TRAIN].features(layer), rows[TRAIN].labels),
        (rows[VALIDATION].features(layer), rows[VALIDATION].labels),
        len(classes) if classes else None,
        settings,
        METRICS[task.main_score],
    )
    predictions = {split: probe.predict(rows[split].features(layer)) for split in (VALIDATION, test)}
    scores = {split: label_scores(task, rows[split].labels, predictions[split]) for split in predictions}
    return LayerFit(scores, predictions[test], probe.steps)
