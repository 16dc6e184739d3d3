"""The predictions format: a parquet file keyed by the dataset's sample id.

Columns: the task's id column (string) and its prediction column (a class index, a class name,
or a number for regression tasks). The file's key-value metadata may carry the model's identity
under `synthsuite.model` (JSON), which `synthsuite evaluate` copies into the results.
"""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from datasets_src.atomic import atomic_write_bytes
from datasets_src.errors import UserError
from evaluation.tasks import TaskMetadata

MODEL_KEY = b"synthsuite.model"
MAX_BYTES = 512 * 1024 * 1024


def write_predictions(
    path: Path, task: TaskMetadata, ids: list[str], values: np.ndarray | pa.Array, model: dict[str, Any]
) -> None:
    """Write (id, value) rows atomically, the model's identity in the file's metadata."""
    fmt = task.predictions
    table = pa.table({fmt.id_column: pa.array(ids, pa.string()), fmt.column: values})
    table = table.replace_schema_metadata({MODEL_KEY: json.dumps(model, sort_keys=True).encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def read_predictions(path: Path, task: TaskMetadata) -> tuple[list[str], np.ndarray, dict[str, Any]]:
    """(ids, values as class indices or floats, model metadata), checked against the format."""
    ids, column, model = open_predictions(path, task)
    return ids, _values(path, task, column), model


def open_predictions(path: Path, task: TaskMetadata) -> tuple[list[str], pa.ChunkedArray, dict[str, Any]]:
    """(ids, the raw prediction column, model metadata): the checks every prediction kind shares."""
    fmt = task.predictions
    if not path.is_file():
        raise UserError(f"predictions file {path} does not exist", "pass the parquet file a baseline wrote")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"predictions file {path} is over {MAX_BYTES >> 20} MiB", "write one split per file")
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(
            f"{path} is not a readable parquet file ({exc})", "write it with pyarrow or pandas"
        ) from None
    for column in (fmt.id_column, fmt.column):
        if column not in table.column_names:
            raise UserError(
                f"{path} has no column {column!r} (it has {', '.join(table.column_names)})",
                f"write columns {fmt.id_column!r} and {fmt.column!r}",
            )
    ids = table.column(fmt.id_column).to_pylist()
    if any(not isinstance(i, str) for i in ids):
        raise UserError(f"{path}: column {fmt.id_column!r} must hold strings, without nulls", "fix the ids")
    raw_model = (table.schema.metadata or {}).get(MODEL_KEY)
    try:
        model = json.loads(raw_model) if raw_model else {}
    except json.JSONDecodeError:
        model = {}
    return ids, table.column(fmt.column), model if isinstance(model, dict) else {}


def _values(path: Path, task: TaskMetadata, column: pa.ChunkedArray) -> np.ndarray:
    fmt = task.predictions
    if column.null_count:
        raise UserError(f"{path}: {column.null_count} predictions are null", "predict every row")
    if fmt.kind == "value":
        if not pa.types.is_floating(column.type) and not pa.types.is_integer(column.type):
            raise UserError(f"{path}: {fmt.column!r} must be numbers for {task.name}", "write floats")
        values = column.to_numpy().astype(np.float64)
        if not np.all(np.isfinite(values)):
            raise UserError(f"{path}: {fmt.column!r} holds NaN or infinite values", "predict finite numbers")
        return values
    classes = list(fmt.classes or ())
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        index = {name: i for i, name in enumerate(classes)}
        names = column.to_pylist()
        unknown = sorted({n for n in names if n not in index})
        if unknown:
            raise UserError(f"{path}: unknown class names {unknown[:3]}", f"use one of {classes}")
        return np.array([index[n] for n in names], dtype=np.int64)
    if pa.types.is_integer(column.type):
        values = column.to_numpy().astype(np.int64)
        if values.size and (values.min() < 0 or values.max() >= len(classes)):
            raise UserError(
                f"{path}: class indices must lie in 0..{len(classes) - 1}", f"classes are {classes}"
            )
        return values
    raise UserError(f"{path}: {fmt.column!r} has type {column.type}", "write class indices or class names")


def align(path: Path, ids: list[str], expected: list[str], ignorable: set[str]) -> np.ndarray:
    """Positions of `expected` ids in `ids`; missing, duplicated or unknown ids are an error.

    Ids in `ignorable` (rows the task does not score) may be present and are skipped.
    """
    position: dict[str, int] = {}
    duplicated = []
    for i, sample_id in enumerate(ids):
        if sample_id in position:
            duplicated.append(sample_id)
        position[sample_id] = i
    if duplicated:
        raise UserError(f"{path}: {len(duplicated)} duplicated ids, e.g. {duplicated[0]!r}", "one row per id")
    known = set(expected)
    unknown = [i for i in ids if i not in known and i not in ignorable]
    if unknown:
        raise UserError(
            f"{path}: {len(unknown)} ids are not in the scored split, e.g. {unknown[0]!r}",
            "predict exactly the rows of the task's split",
        )
    missing = [i for i in expected if i not in position]
    if missing:
        raise UserError(
            f"{path}: {len(missing)} ids of the split are missing, e.g. {missing[0]!r}",
            "predict every row of the task's split",
        )
    return np.array([position[i] for i in expected], dtype=np.int64)
