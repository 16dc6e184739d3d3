"""Model-agnostic scoring: (a task's verified dataset split, predictions) -> scores -> a results file.

`evaluate_predictions` is the one pipeline behind `synthsuite evaluate`, every baseline that scores a
predictions file, and the `evaluate` module: the task's scorer (scoring.py, chosen by the task's
prediction kind) reads the file and the verified references, and `build_result` turns the scores into
one results record. Scorers that play instead of reading a file (online tasks) build their results
with `build_result` too.
"""

import time
from pathlib import Path
from typing import Any

from synthsuite.datasets_src.access import DatasetSource, open_dataset
from synthsuite.evaluation.predictions import align
from synthsuite.evaluation.results import DatasetRevision, ModelInfo, Result, Scores, TaskRef, environment
from synthsuite.evaluation.scoring import scorer_for
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.version import __version__

ROW_SLACK = 1024


def open_task_dataset(task: TaskMetadata, dataset: str | Path | None = None) -> tuple[DatasetSource, str]:
    """The task's dataset (or `dataset`: a folder or ORG/NAME[@REV]) and its content revision of the
    task's config; a warning line when it is not the revision the task pins."""
    source = open_dataset(dataset or task.dataset.repo_id, configs=[task.dataset.config])
    revision = source.data_revision(task.dataset.config)
    if revision != task.dataset.revision:
        print(
            f"warning: {source.folder} holds revision {revision[:12]} of {task.dataset.config!r}, "
            f"task {task.name} pins {task.dataset.revision[:12]}: the results will not be ranked with "
            "the task's leaderboard",
        )
    return source, revision


def evaluate_predictions(
    task: TaskMetadata,
    predictions_path: Path,
    *,
    dataset: str | Path | None = None,
    split: str | None = None,
    model: ModelInfo | None = None,
    seeds: list[int] | None = None,
) -> Result:
    """Score one predictions file against the task's split of `dataset` (default: the task's repo)."""
    started = time.perf_counter()
    scorer = scorer_for(task)
    if scorer.online:
        raise UserError(
            f"task {task.name} is scored online ({task.predictions.kind}), not from a predictions file",
            scorer.instruction(task),
        )
    split = scored_split(task, split)
    source, revision = open_task_dataset(task, dataset)
    config = task.dataset.config
    # bounded by the split before anything is decoded; the slack leaves duplicated or unknown ids to
    # `align`, which names them
    max_rows = 2 * source.num_rows(config, split) + ROW_SLACK
    predictions = scorer.read(Path(predictions_path), task, max_rows=max_rows)
    references = scorer.references(task, source, split)
    order = align(predictions_path, predictions.ids, references.ids, references.skipped)
    scores = scorer.score(task, references, predictions.take(order))
    return build_result(
        task,
        source,
        revision,
        model or model_from_file(predictions_path, predictions.model),
        split,
        scores,
        wall_seconds=time.perf_counter() - started,
        settings={"predictions": Path(predictions_path).name, "split": split},
        seeds=seeds,
    )


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
            # a copy holding the pinned bytes is the task's dataset, wherever it lies (the leaderboard
            # refuses a result naming another repo); other bytes keep the folder or repo they came from
            repo_id=task.dataset.repo_id if revision == task.dataset.revision else source.repo_id,
            config=task.dataset.config,
            revision=revision,
            source_revision=source.source_revision,
        ),
        model=model,
        main_score=scores[task.main_score],
        scores={split: scores},
        seeds=seeds or [],
        synthsuite_version=__version__,
        environment=environment(),
        wall_seconds=wall_seconds,
        settings=settings,
    )


def model_from_file(path: Path, metadata: dict) -> ModelInfo:
    try:
        return ModelInfo.model_validate(metadata)
    except ValueError:
        raise UserError(
            f"{path} does not name its model (parquet metadata 'synthsuite.model')",
            "pass --model NAME and --model-revision REV",
        ) from None
