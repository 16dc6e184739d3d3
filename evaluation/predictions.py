"""The predictions format: a parquet file keyed by the dataset's sample id.

Columns: the task's id column (string) and its prediction column, whose form the task's prediction
kind sets (a class index or name, a number, a PMF, ...; see scoring.py). The file's key-value
metadata may carry the model's identity under `synthsuite.model` (JSON), which `synthsuite evaluate`
copies into the results.
"""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.atomic import atomic_write_bytes
from synthsuite.kernel.errors import UserError

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


def open_predictions(
    path: Path, task: TaskMetadata, max_rows: int
) -> tuple[list[str], pa.ChunkedArray, dict[str, Any]]:
    """(ids, the raw prediction column, model metadata): the checks every prediction kind shares.

    `max_rows` bounds the file by the scored split: a file with more rows is refused from its footer,
    before any column is decoded."""
    fmt = task.predictions
    if not path.is_file():
        raise UserError(f"predictions file {path} does not exist", "pass the parquet file a baseline wrote")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"predictions file {path} is over {MAX_BYTES >> 20} MiB", "write one split per file")
    try:
        parquet = pq.ParquetFile(path)
        if parquet.metadata.num_rows > max_rows:
            raise UserError(
                f"{path} has {parquet.metadata.num_rows:,} rows, far more than {task.name}'s scored split",
                "predict exactly the rows of the task's split, one row each",
            )
        names = parquet.schema_arrow.names
        for column in (fmt.id_column, fmt.column):
            if column not in names:
                raise UserError(
                    f"{path} has no column {column!r} (it has {', '.join(names)})",
                    f"write columns {fmt.id_column!r} and {fmt.column!r}",
                )
        table = parquet.read(columns=[fmt.id_column, fmt.column])
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(
            f"{path} is not a readable parquet file ({exc})", "write it with pyarrow or pandas"
        ) from None
    ids = table.column(fmt.id_column).to_pylist()
    if any(not isinstance(i, str) for i in ids):
        raise UserError(f"{path}: column {fmt.id_column!r} must hold strings, without nulls", "fix the ids")
    raw_model = (table.schema.metadata or {}).get(MODEL_KEY)
    try:
        model = json.loads(raw_model) if raw_model else {}
    except json.JSONDecodeError:
        model = {}
    return ids, table.column(fmt.column), model if isinstance(model, dict) else {}


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
