"""The predictions format: a parquet file keyed by the dataset's sample id.

Columns: the task's id column (string) and its prediction column, whose form the task's prediction
kind sets (a class index or name, a number, a PMF, ...; see scoring.py). The file's key-value
metadata may carry the model's identity under `synthsuite.model` (JSON), which `synthsuite evaluate`
copies into the results.
"""

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.atomic import atomic_write_bytes
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.strict_json import StrictJSONError, loads

MODEL_KEY = b"synthsuite.model"
MAX_BYTES = 512 * 1024 * 1024


def write_predictions(
    path: Path | str, task: TaskMetadata, ids: list[str], values: np.ndarray | pa.Array, model: dict[str, Any]
) -> None:
    """Write (id, value) rows atomically, the model's identity in the file's metadata."""
    fmt = task.predictions
    table = pa.table({fmt.id_column: pa.array(ids, pa.string()), fmt.column: values})
    table = table.replace_schema_metadata({MODEL_KEY: json.dumps(model, sort_keys=True).encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    atomic_write_bytes(Path(path), sink.getvalue().to_pybytes())


def open_predictions(
    path: Path, task: TaskMetadata, max_rows: int, *, values_per_row: int | None = None
) -> tuple[list[str], pa.ChunkedArray, dict[str, Any]]:
    """(ids, the raw prediction column, model metadata): the checks every prediction kind shares.

    The file is bounded by the scored split before anything is decoded: from its footer, at most
    `max_rows` rows, at most `values_per_row` values per row in the prediction column (default: the
    task's number of classes, or 1), and pages that decompress to at most `decoded_budget` bytes; from
    the dictionaries of text columns, text that expands to at most that budget. A small file that
    would expand to gigabytes is refused with one line instead of exhausting memory."""
    fmt = task.predictions
    if not path.is_file():
        raise UserError(f"predictions file {path} does not exist", "pass the parquet file a baseline wrote")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"predictions file {path} is over {MAX_BYTES >> 20} MiB", "write one split per file")
    per_row = values_per_row or max(1, len(fmt.classes or ()))
    budget = decoded_budget(max_rows, per_row)
    try:
        _check_footer_size(path)
        parquet = pq.ParquetFile(path)
        _check_bounds(path, parquet, task, max_rows, per_row, budget)
        text = [c for c in (fmt.id_column, fmt.column) if _is_text(parquet.schema_arrow.field(c).type)]
        if text:  # text is read as dictionaries, so that its expanded size is known before it exists
            parquet = pq.ParquetFile(path, read_dictionary=text)
        table = parquet.read(columns=[fmt.id_column, fmt.column])
    except (OSError, pa.ArrowException) as exc:
        raise UserError(
            f"{path} is not a readable parquet file ({exc})", "write it with pyarrow or pandas"
        ) from None
    columns = {name: _expanded(path, table.column(name), budget) for name in (fmt.id_column, fmt.column)}
    ids = columns[fmt.id_column].to_pylist()
    if any(not isinstance(i, str) for i in ids):
        raise UserError(f"{path}: column {fmt.id_column!r} must hold strings, without nulls", "fix the ids")
    return ids, columns[fmt.column], model_metadata(path, table.schema.metadata or {})


ID_BYTES = 256  # per row: sample ids are short
VALUE_BYTES = 64  # per value: a number, or a class name
MAX_FOOTER = 4 << 20


def decoded_budget(max_rows: int, values_per_row: int) -> int:
    """Bytes the id and prediction columns of a file bounded by `max_rows` may decode to."""
    return max(1 << 20, max_rows * (ID_BYTES + values_per_row * VALUE_BYTES))


def _check_footer_size(path: Path) -> None:
    """The footer's length from the file's last 8 bytes, before the footer is parsed."""
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size < 12:
            raise UserError(f"{path} is not a readable parquet file (too short)", "write it with pyarrow")
        handle.seek(-8, os.SEEK_END)
        tail = handle.read(8)
    if tail[4:] != b"PAR1":
        raise UserError(f"{path} is not a readable parquet file (no parquet footer)", "write it with pyarrow")
    footer = int.from_bytes(tail[:4], "little")
    if footer + 12 > size:
        raise UserError(
            f"{path} is not a readable parquet file (its footer claims {footer:,} bytes of {size:,})",
            "write it with pyarrow",
        )
    if footer > MAX_FOOTER:
        raise UserError(
            f"{path}: its parquet footer is over {MAX_FOOTER >> 20} MiB",
            "write the predictions as one row group with two columns",
        )


def _is_text(kind: pa.DataType) -> bool:
    kind = kind.value_type if pa.types.is_dictionary(kind) else kind
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)


def _accepted_type(kind: pa.DataType, depth: int = 0) -> bool:
    """Numbers, booleans, flat text (class names), or lists of numbers, nested up to 4 levels
    (distributions, samples, frames of joints): every leaf value is counted by `_check_bounds`."""
    kind = kind.value_type if pa.types.is_dictionary(kind) else kind
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return True
    if depth == 0 and (pa.types.is_boolean(kind) or _is_text(kind)):
        return True
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return depth < 4 and _accepted_type(kind.value_type, depth + 1)
    return False


def _check_bounds(
    path: Path, parquet: pq.ParquetFile, task: TaskMetadata, max_rows: int, per_row: int, budget: int
) -> None:
    """Rows, values and decompressed bytes of the two columns, from the footer alone."""
    fmt = task.predictions
    metadata = parquet.metadata
    if metadata.num_rows > max_rows:
        raise UserError(
            f"{path} has {metadata.num_rows:,} rows, far more than {task.name}'s scored split",
            "predict exactly the rows of the task's split, one row each",
        )
    schema = parquet.schema_arrow
    names = schema.names
    for column in (fmt.id_column, fmt.column):
        if column not in names:
            raise UserError(
                f"{path} has no column {column!r} (it has {', '.join(names[:10])})",
                f"write columns {fmt.id_column!r} and {fmt.column!r}",
            )
    if not _is_text(schema.field(fmt.id_column).type):
        raise UserError(f"{path}: column {fmt.id_column!r} must hold strings", "write the sample ids as text")
    if not _accepted_type(schema.field(fmt.column).type):
        raise UserError(
            f"{path}: column {fmt.column!r} has type {schema.field(fmt.column).type}",
            "write numbers, class names, or a list of numbers per row",
        )
    limits = {fmt.id_column: max_rows, fmt.column: max_rows * per_row}
    values = dict.fromkeys(limits, 0)
    decompressed = 0
    for group in range(metadata.num_row_groups):
        chunks = metadata.row_group(group)
        for index in range(chunks.num_columns):
            chunk = chunks.column(index)
            top = chunk.path_in_schema.split(".")[0]
            if top in limits:
                values[top] += chunk.num_values
                decompressed += chunk.total_uncompressed_size
    for column, limit in limits.items():
        if values[column] > limit:
            raise UserError(
                f"{path}: column {column!r} holds {values[column]:,} values, over the {limit:,} that "
                f"{task.name}'s scored split allows",
                "write one value per row (a list of the task's classes for distributions)",
            )
    if decompressed > budget:
        raise UserError(
            f"{path}: its columns decompress to {decompressed:,} bytes, over the {budget:,} that "
            f"{task.name}'s scored split allows",
            "write only the ids and predictions of the task's split",
        )


def _expanded(path: Path, column: pa.ChunkedArray, budget: int) -> pa.ChunkedArray:
    """A text column read as dictionaries, decoded once its expanded size is known to fit `budget`."""
    if not pa.types.is_dictionary(column.type):
        return column
    size = 0
    for chunk in column.chunks:
        lengths = pc.binary_length(chunk.dictionary).fill_null(0).to_numpy(zero_copy_only=False)
        indices = chunk.indices.fill_null(0).to_numpy(zero_copy_only=False)
        size += int(lengths[indices].sum()) if len(lengths) else 0
        if size > budget:
            raise UserError(
                f"{path}: text column expands to over {budget:,} bytes",
                "write short sample ids and class names",
            )
    return pa.chunked_array([chunk.dictionary_decode() for chunk in column.chunks], column.type.value_type)


MAX_MODEL_BYTES = 64 << 10


def model_metadata(path: Path, metadata: dict[bytes, bytes]) -> dict[str, Any]:
    """The model's identity from the file's `synthsuite.model` metadata, through the strict reader."""
    raw = metadata.get(MODEL_KEY)
    if not raw:
        return {}
    try:
        if len(raw) > MAX_MODEL_BYTES:
            raise StrictJSONError(f"is over {MAX_MODEL_BYTES:,} bytes")
        model = loads(raw)
    except StrictJSONError as exc:
        raise UserError(
            f"{path}: parquet metadata {MODEL_KEY.decode()!r} is not accepted JSON (it {exc})",
            "write it with synthsuite.evaluation.predictions.write_predictions",
        ) from None
    return model if isinstance(model, dict) else {}


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
