"""Model-agnostic scoring: (a task's dataset split, predictions) -> scores -> a results file."""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from datasets_src.errors import UserError
from evaluation.data import DatasetSource, open_source
from evaluation.metrics import METRICS
from evaluation.predictions import align, read_predictions
from evaluation.results import DatasetRevision, ModelInfo, Result, Scores, TaskRef, environment
from evaluation.tasks import TaskMetadata


@dataclass(frozen=True)
class References:
    """The scored rows of one split: ids, label values, and the ids the task skips."""

    ids: list[str]
    labels: np.ndarray
    skipped: set[str]


def references(task: TaskMetadata, source: DatasetSource, split: str) -> References:
    fmt = task.predictions
    columns = [fmt.id_column, fmt.label_column]
    if task.exclude_rows_where:
        columns.append(task.exclude_rows_where)
    table = source.read(task.dataset.config, split, columns)
    ids = table.column(fmt.id_column).to_pylist()
    labels = table.column(fmt.label_column).to_numpy()
    keep = np.ones(len(ids), dtype=bool)
    if task.exclude_rows_where:
        keep = ~table.column(task.exclude_rows_where).to_numpy(zero_copy_only=False).astype(bool)
    skipped = {i for i, k in zip(ids, keep, strict=True) if not k}
    return References([i for i, k in zip(ids, keep, strict=True) if k], labels[keep], skipped)


def score(task: TaskMetadata, labels: np.ndarray, predictions: np.ndarray) -> Scores:
    return {m.name: METRICS[m.name](labels, predictions) for m in task.metrics}


def check_revision(task: TaskMetadata, source: DatasetSource) -> str:
    """The source's content revision of the task's config; a warning line when it is not the pin."""
    revision = source.data_revision(task.dataset.config)
    if revision != task.dataset.revision:
        print(
            f"warning: {source.folder} holds revision {revision[:12]} of {task.dataset.config!r}, "
            f"task {task.name} pins {task.dataset.revision[:12]}: the results will not be ranked with "
            "the task's leaderboard",
        )
    return revision


def evaluate_predictions(
    task: TaskMetadata,
    predictions_path: Path,
    *,
    dataset: str | None = None,
    split: str | None = None,
    model: ModelInfo | None = None,
) -> Result:
    """Score one predictions file against the task's split of `dataset` (default: the task's repo)."""
    if task.predictions.kind == "distribution":  # a PMF per row, scored against the true PMF
        from evaluation.fourier.scoring import evaluate_pmf_predictions

        return evaluate_pmf_predictions(task, predictions_path, dataset=dataset, split=split, model=model)
    started = time.perf_counter()
    split = scored_split(task, split)
    source = open_source(dataset or task.dataset.repo_id)
    revision = check_revision(task, source)
    ids, values, file_model = read_predictions(predictions_path, task)
    refs = references(task, source, split)
    order = align(predictions_path, ids, refs.ids, refs.skipped)
    scores = score(task, refs.labels, values[order])
    model = model or model_from_file(predictions_path, file_model)
    return predictions_result(task, source, revision, model, split, scores, predictions_path, started)


def scored_split(task: TaskMetadata, split: str | None) -> str:
    split = split or task.eval_split
    if split not in task.splits:
        raise UserError(f"task {task.name} has no split {split!r}", f"choose one of {', '.join(task.splits)}")
    return split


def build_result(
    task: TaskMetadata,
    source: DatasetSource,
    revision: str,
    model: ModelInfo,
    split: str,
    scores: Scores,
    *,
    wall_seconds: float,
    settings: dict[str, Any],
    seeds: list[int] | None = None,
) -> Result:
    """The results record of one scoring run on `split` of the task's dataset."""
    return Result(
        task=TaskRef(name=task.name, version=task.version),
        dataset=DatasetRevision(
            repo_id=source.repo_id,
            config=task.dataset.config,
            revision=revision,
            source_revision=source.source_revision,
        ),
        model=model,
        main_score=scores[task.main_score],
        scores={split: scores},
        seeds=seeds or [],
        synthsuite_version=_version(),
        environment=environment(),
        wall_seconds=wall_seconds,
        settings=settings,
    )


def predictions_result(
    task: TaskMetadata,
    source: DatasetSource,
    revision: str,
    model: ModelInfo,
    split: str,
    scores: Scores,
    predictions_path: Path,
    started: float,
    seeds: list[int] | None = None,
) -> Result:
    """The results record of one scored predictions file (`started`: its perf_counter start)."""
    return build_result(
        task,
        source,
        revision,
        model,
        split,
        scores,
        wall_seconds=time.perf_counter() - started,
        settings={"predictions": predictions_path.name, "split": split},
        seeds=seeds,
    )


def model_from_file(path: Path, metadata: dict) -> ModelInfo:
    try:
        return ModelInfo.model_validate(metadata)
    except ValueError:
        raise UserError(
            f"{path} does not name its model (parquet metadata 'synthsuite.model')",
            "pass --model NAME and --model-revision REV",
        ) from None


def _version() -> str:
    from synthsuite import __version__

    return __version__
