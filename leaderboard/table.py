"""The leaderboard table: every stored result as one row (model x task) with its provenance.

`collect` reads the store and checks every result again (a store cloned from the Hub holds
whatever was merged), so each row has a status:

- `ranked`: valid, and computed on the dataset revision and task version the task pins now;
- `stale`: valid once, but the task now pins another revision or version. Never merged with
  ranked results: the site and the app list it apart, with the reason;
- `invalid`: unreadable, unknown task, bad scores, in the wrong folder, or a second result for
  the same model, revision and task. Listed with the reason, never ranked.

`board` pivots the ranked rows of one benchmark (the tasks sharing a name prefix, e.g.
`syntheory/*`) into one row per model: its main score on each task and their mean. The mean is
given only for models with a result on every task of the board, so a model is never ranked
above another on fewer tasks; the board's tasks are those with at least one ranked result.
"""

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthsuite.evaluation.results import Result, read_result
from synthsuite.evaluation.tasks import TaskMetadata, registry
from synthsuite.kernel.atomic import atomic_write_bytes
from synthsuite.kernel.errors import UserError
from synthsuite.leaderboard.checks import pin_problem, score_problem
from synthsuite.leaderboard.model_card import MODEL_CARD, ModelCard, read_model_card
from synthsuite.leaderboard.store import ResultsStore, model_key
from synthsuite.leaderboard.submission import MAX_RESULT_BYTES

RANKED, STALE, INVALID = "ranked", "stale", "invalid"

SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("model_revision", pa.string()),
        ("model_key", pa.string()),
        ("link", pa.string()),
        ("license", pa.string()),
        ("parameters", pa.int64()),
        ("saw_synthetic_data", pa.bool_()),
        ("benchmark", pa.string()),  # the task name's prefix: one board each
        ("task", pa.string()),
        ("concept", pa.string()),  # the task name after the prefix: one column of the board
        ("task_version", pa.string()),
        ("main_metric", pa.string()),
        ("main_score", pa.float64()),
        ("higher_is_better", pa.bool_()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("dataset_repo", pa.string()),
        ("dataset_revision", pa.string()),
        ("synthsuite_version", pa.string()),
        ("submitted", pa.string()),  # UTC, from the submission folder's name
        ("result_path", pa.string()),  # relative to the store root
        ("result_sha256", pa.string()),
        ("has_layers", pa.bool_()),
    ]
)
PROPERTIES = ["model", "model_revision", "link", "license", "parameters", "saw_synthetic_data"]
BOARD_COLUMNS = [*PROPERTIES, "mean", "tasks"]  # a board's columns before its one column per concept


def collect(store: ResultsStore) -> pd.DataFrame:
    """One row per stored results file, checked against the tasks registered now."""
    tasks = registry()
    rows = [row for folder in store.submission_folders() for row in _submission_rows(store, folder, tasks)]
    _mark_duplicates(rows)
    return pa.Table.from_pylist(rows, schema=SCHEMA).to_pandas()


def _submission_rows(store: ResultsStore, folder: Path, tasks: dict[str, TaskMetadata]) -> list[dict]:
    card, card_problem = None, None
    try:
        card = read_model_card(folder / MODEL_CARD)
    except UserError as exc:
        card_problem = exc.problem.replace(f"{store.root}/", "")
    rows = []
    for path in sorted(p for p in folder.rglob("*.json") if p != folder / MODEL_CARD):
        row = _row(store, folder, path, card)
        if card_problem:
            row.update(status=INVALID, reason=card_problem)
        rows.append(_checked(row, store, path, folder, tasks, card))
    return rows


def _row(store: ResultsStore, folder: Path, path: Path, card: ModelCard | None) -> dict[str, Any]:
    """What the file's place and the model card say; the result itself is read by `_checked`."""
    task_name = path.relative_to(folder).as_posix().removesuffix(".json")
    row: dict[str, Any] = {
        "model": card.name if card else "",
        "model_key": folder.parent.name,
        "benchmark": task_name.split("/")[0],
        "task": task_name,
        "concept": task_name.split("/", 1)[-1],
        "status": RANKED,
        "submitted": folder.name.split("-")[0],
        "result_path": path.relative_to(store.root).as_posix(),
        "result_sha256": None,
    }
    if card:
        row.update(
            link=card.link,
            license=card.license,
            parameters=card.parameters,
            saw_synthetic_data=card.saw_synthetic_data,
        )
    if path.is_symlink() or path.stat().st_size > MAX_RESULT_BYTES:
        return {**row, "status": INVALID, "reason": "a symbolic link or over the size limit"}
    row["result_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return row


def _checked(
    row: dict[str, Any],
    store: ResultsStore,
    path: Path,
    folder: Path,
    tasks: dict[str, TaskMetadata],
    card: ModelCard | None,
) -> dict[str, Any]:
    """Fill in what the result says and decide its status (the first problem wins)."""
    if row["result_sha256"] is None:  # a link or oversized: never read
        return row
    try:
        result = read_result(path)
    except UserError as exc:
        return {**row, "status": INVALID, "reason": exc.problem.replace(f"{store.root}/", "")}
    task = tasks.get(result.task.name)
    row = {**row, **_result_fields(result, task), "model": card.name if card else result.model.name}
    if row["status"] != RANKED:  # the model card's problem
        return row
    problem = _place_problem(result, row, folder, card) or (
        f"unknown task {result.task.name!r}" if task is None else None
    )
    if problem:
        return {**row, "status": INVALID, "reason": problem}
    problem = pin_problem(result, task)
    if problem:
        return {**row, "status": STALE, "reason": problem}
    problem = score_problem(result, task)
    if problem:
        return {**row, "status": INVALID, "reason": problem}
    return row


def _result_fields(result: Result, task: TaskMetadata | None) -> dict[str, Any]:
    return {
        "model_revision": result.model.revision,
        "task_version": result.task.version,
        "main_metric": task.main_score if task else None,
        "main_score": result.main_score,
        "higher_is_better": task.metric(task.main_score).higher_is_better if task else None,
        "dataset_repo": result.dataset.repo_id,
        "dataset_revision": result.dataset.revision,
        "synthsuite_version": result.synthsuite_version,
        "has_layers": bool(result.layers),
    }


def _place_problem(result: Result, row: dict[str, Any], folder: Path, card: ModelCard | None) -> str | None:
    """Why the file is not where a submission of this result would have put it, or None."""
    if result.task.name != row["task"]:
        return f"the file is named for task {row['task']} but holds a result of {result.task.name}"
    if card is not None and result.model.name != card.name:
        return f"model.name {result.model.name!r} is not the name in {MODEL_CARD}"
    if model_key(result.model.name, result.model.revision) != folder.parent.name:
        return "the result is not in its model's folder"
    return None


def _mark_duplicates(rows: list[dict[str, Any]]) -> None:
    """Keep the earliest submitted of two ranked results of one model revision on one task."""
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r["submitted"], r["result_path"])):
        if row["status"] != RANKED:
            continue
        key = (row["model_key"], row["task"])
        if key in first:
            row.update(status=INVALID, reason=f"duplicate of {first[key]['result_path']}")
        else:
            first[key] = row


def higher_is_better(table: pd.DataFrame, benchmark: str) -> dict[str, bool]:
    """Concept -> whether its main metric is better higher, for the benchmark's ranked results."""
    ranked = table[(table["status"] == RANKED) & (table["benchmark"] == benchmark)]
    return dict(ranked.drop_duplicates("concept").set_index("concept")["higher_is_better"].astype(bool))


def board(table: pd.DataFrame, benchmark: str, concepts: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per model revision with a ranked result on the benchmark, best mean first.

    Columns: BOARD_COLUMNS (`tasks`: how many of the board's tasks it has), then one per concept.
    `concepts` restricts the board to some tasks (the mean is then over those). The mean is best
    high or low as the tasks' main metrics are; tasks whose metrics point both ways get no mean
    (it would add gains to losses), and their rows are ordered by task count and name.
    """
    ranked = table[(table["status"] == RANKED) & (table["benchmark"] == benchmark)]
    if concepts is not None:
        ranked = ranked[ranked["concept"].isin(list(concepts))]
    columns = sorted(ranked["concept"].unique())
    if ranked.empty:
        return pd.DataFrame(columns=[*BOARD_COLUMNS, *columns])
    directions = set(ranked["higher_is_better"].astype(bool))
    scores = ranked.pivot(index="model_key", columns="concept", values="main_score")[columns]
    properties = ranked.drop_duplicates("model_key").set_index("model_key")[PROPERTIES]
    wide = properties.join(scores)
    wide["tasks"] = scores.notna().sum(axis=1)
    complete = (wide["tasks"] == len(columns)) & (len(directions) == 1)
    wide["mean"] = scores.mean(axis=1).where(complete)
    lower_is_better = directions == {False}
    wide = wide.sort_values(
        ["mean", "tasks", "model"], ascending=[lower_is_better, False, True], na_position="last"
    )
    return wide[[*BOARD_COLUMNS, *columns]]


def benchmarks(table: pd.DataFrame) -> list[str]:
    """Benchmarks with at least one stored result (ranked or not), in name order."""
    return sorted(table["benchmark"].unique())


def write_table(table: pd.DataFrame, path: Path) -> None:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(table, schema=SCHEMA, preserve_index=False), sink)
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def read_table(path: Path) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(
            f"cannot read the leaderboard table {path} ({exc})",
            "build it with `synthsuite leaderboard build`",
        ) from None
    if not table.schema.equals(SCHEMA):
        raise UserError(
            f"{path} is not a leaderboard table of this synthsuite version",
            "rebuild it with `synthsuite leaderboard build`",
        )
    return table.to_pandas()
