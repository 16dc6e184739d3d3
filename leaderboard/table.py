"""The leaderboard table: every stored result as one row (model x task) with its provenance.

`collect` reads one or more stores and checks every result again (a store cloned from the Hub
holds whatever was merged), so each row has a status:

- `ranked`: valid, and computed on the dataset revision and task version the task pins now;
- `stale`: valid once, but the task now pins another revision or version. Never merged with
  ranked results: the site and the app list it apart, with the reason;
- `invalid`: unreadable, unknown task, bad scores, another dataset repo than the task's, in the
  wrong folder, a second result for the same model, revision and task, or anything in the store
  that is not a results file (a link, a FIFO, a stray file). Listed with the reason, never ranked.

Each entry is read in isolation and with bounds (kernel.strict_json, store.walk): one bad entry
becomes one invalid row and never stops the build. Links are never followed. Every file is read
once; `Collected.files` holds the bytes that were checked, which the site copies (it never reads
the store itself).

`verified` says whether the row's scores were recomputed from its predictions file (verify.py);
rows without one are self-reported. `reference` marks rows from the project's reference store.

`board` pivots the ranked rows of one benchmark (the tasks sharing a name prefix, e.g.
`syntheory/*`) into one row per model: its main score on each task and their mean. The mean is
given only for models with a result on every task of the board, so a model is never ranked
above another on fewer tasks; the board's tasks are those with at least one ranked result.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthsuite.evaluation.results import MAX_RESULT_BYTES, Result, parse_result
from synthsuite.evaluation.scoring import scorer_for
from synthsuite.evaluation.tasks import TaskMetadata, registry
from synthsuite.kernel.atomic import atomic_write_bytes
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.hashing import sha256_bytes
from synthsuite.kernel.strict_json import StrictJSONError, read_bounded
from synthsuite.leaderboard.checks import pin_problem, provenance_problem, score_problem
from synthsuite.leaderboard.model_card import MAX_CARD_BYTES, MODEL_CARD, ModelCard, parse_model_card
from synthsuite.leaderboard.store import MAX_DEPTH, Entry, ResultsStore, model_key
from synthsuite.leaderboard.verify import (
    MAX_PREDICTIONS_BYTES,
    MAX_VERIFICATION_BYTES,
    PREDICTIONS_SUFFIX,
    VERIFICATION,
    DatasetUnavailable,
    VerificationRecord,
    mismatch,
    read_record,
    recompute,
)

RANKED, STALE, INVALID = "ranked", "stale", "invalid"
SELF_REPORTED = "self-reported: no predictions file"
ONLINE = "self-reported: scored online by playing (no predictions file can hold a policy)"

SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("model_revision", pa.string()),
        ("model_key", pa.string()),
        ("link", pa.string()),
        ("license", pa.string()),
        ("parameters", pa.int64()),
        ("saw_synthetic_data", pa.bool_()),
        ("suite", pa.string()),  # the task's suite record (syntheory, fourier, ...)
        ("benchmark", pa.string()),  # the task name's prefix: one board each
        ("task", pa.string()),
        ("concept", pa.string()),  # the task name after the prefix: one column of the board
        ("task_version", pa.string()),
        ("main_metric", pa.string()),
        ("main_score", pa.float64()),
        ("higher_is_better", pa.bool_()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("verified", pa.bool_()),  # scores recomputed from the stored predictions (verify.py)
        ("verification", pa.string()),  # how, or why not
        ("reference", pa.bool_()),  # from the project's reference store
        ("dataset_repo", pa.string()),
        ("dataset_revision", pa.string()),
        ("synthsuite_version", pa.string()),
        ("submitted", pa.string()),  # UTC, from the submission folder's name
        ("result_path", pa.string()),  # relative to the store root, prefixed by the store's label
        ("result_sha256", pa.string()),
        ("predictions_path", pa.string()),  # the same for its predictions file, if any
        ("predictions_sha256", pa.string()),
        ("has_layers", pa.bool_()),
    ]
)
PROPERTIES = ["model", "model_revision", "link", "license", "parameters", "saw_synthetic_data"]
BOARD_COLUMNS = [*PROPERTIES, "mean", "tasks"]  # a board's columns before its one column per concept


@dataclass
class Collected:
    """The table and the bytes behind it: `files` maps each row's result_path (and predictions_path)
    to the bytes that were read and checked."""

    table: pd.DataFrame
    files: dict[str, bytes] = field(default_factory=dict)

    def write_files(self, folder: Path) -> None:
        """Write every checked file under `folder` at its path (what the site copies)."""
        for relative, data in self.files.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def collect(store: ResultsStore | Sequence[ResultsStore], *, verify: bool = False) -> pd.DataFrame:
    """One row per stored results file (or bad entry), checked against the tasks registered now."""
    return collect_stores([store] if isinstance(store, ResultsStore) else store, verify=verify).table


def collect_stores(stores: Sequence[ResultsStore], *, verify: bool = False) -> Collected:
    """The table of several stores and the checked bytes of its files.

    `verify`: recompute every score from its predictions file (needs each task's pinned dataset)."""
    tasks = registry()
    collected = Collected(pd.DataFrame())
    rows: list[dict[str, Any]] = []
    for store in stores:
        for entry in store.submission_entries():
            reader = _SubmissionReader(store, entry, tasks, verify, collected.files)
            rows += reader.rows()
    _mark_duplicates(rows)
    collected.table = pa.Table.from_pylist(rows, schema=SCHEMA).to_pandas()
    return collected


def _bare_row(store: ResultsStore, path: str, reason: str) -> dict[str, Any]:
    """An invalid row for something in the store that is not a readable result."""
    parts = path.split("/")
    task = "/".join(parts[2:]).removesuffix(".json")
    return {
        "model": "",
        "model_revision": "",
        "model_key": parts[0],
        "suite": None,
        "benchmark": parts[2] if len(parts) > 3 else "",
        "task": task,
        "concept": task.split("/", 1)[-1],
        "status": INVALID,
        "reason": reason,
        "verified": False,
        "verification": None,
        "reference": store.reference,
        "submitted": parts[1].split("-")[0] if len(parts) > 1 else "",
        "result_path": store.shown(path),
        "result_sha256": None,
        "has_layers": False,
    }


class _SubmissionReader:
    """The rows of one `<model key>/<submission id>` entry; never raises for what the entry holds."""

    def __init__(
        self,
        store: ResultsStore,
        entry: Entry,
        tasks: dict[str, TaskMetadata],
        verify: bool,
        files: dict[str, bytes],
    ):
        self.store, self.entry, self.tasks, self.verify, self.files = store, entry, tasks, verify, files
        self.folder = store.root / entry.path

    def rows(self) -> list[dict[str, Any]]:
        if self.entry.kind != "folder":
            what = {"link": "a symbolic link (not followed)", "file": "a file"}.get(
                self.entry.kind, "a special file (FIFO, socket or device)"
            )
            return [_bare_row(self.store, self.entry.path, f"{what} where a submission folder belongs")]
        try:
            return self._rows()
        except Exception as exc:  # one entry must never stop the build, whatever it holds
            problem = exc.problem if isinstance(exc, UserError) else f"unreadable ({type(exc).__name__})"
            return [_bare_row(self.store, self.entry.path, self._local(problem))]

    def _local(self, text: str) -> str:
        return text.replace(f"{self.store.root}/", "")

    def _read(self, entry: Entry, cap: int) -> bytes:
        try:
            return read_bounded(self.store.root / entry.path, cap, below=self.store.root)
        except StrictJSONError as exc:
            raise UserError(f"{entry.path} {exc}", "") from None
        except OSError as exc:
            raise UserError(f"cannot read {entry.path} ({exc.strerror})", "") from None

    def _rows(self) -> list[dict[str, Any]]:
        entries = {e.path[len(self.entry.path) + 1 :]: e for e in self.store.walk(self.folder)}
        card, card_problem = self._card(entries.get(MODEL_CARD))
        record, record_problem = self._record(entries.get(VERIFICATION))
        rows = []
        for inside, entry in entries.items():
            if entry.kind == "folder" and inside.count("/") >= MAX_DEPTH - 1:
                rows.append(_bare_row(self.store, entry.path, f"{inside}: a folder deeper than results lie"))
                continue
            if inside in (MODEL_CARD, VERIFICATION) or entry.kind == "folder":
                continue
            paired = inside.removesuffix(PREDICTIONS_SUFFIX) + ".json" in entries
            if entry.kind == "file" and inside.endswith(PREDICTIONS_SUFFIX) and paired:
                continue  # read with its result
            if not (entry.kind == "file" and inside.endswith(".json") and inside.count("/") == 1):
                what = {"link": "a symbolic link (not followed)", "special": "not a regular file"}
                reason = what.get(entry.kind, "not a results file of this layout")
                rows.append(_bare_row(self.store, entry.path, f"{inside}: {reason}"))
                continue
            row = self._result_row(entry, inside, entries, card, record)
            problem = card_problem or (record_problem if row.get("predictions_path") else None)
            if problem and row["status"] != INVALID:
                row.update(status=INVALID, reason=problem)
            rows.append(row)
        if not rows:
            rows.append(_bare_row(self.store, self.entry.path, "a submission folder without results files"))
        return rows

    def _card(self, entry: Entry | None) -> tuple[ModelCard | None, str | None]:
        if entry is None:
            return None, f"no {MODEL_CARD} in the submission folder"
        try:
            return parse_model_card(self._read(entry, MAX_CARD_BYTES), entry.path), None
        except UserError as exc:
            return None, self._local(exc.problem)

    def _record(self, entry: Entry | None) -> tuple[VerificationRecord | None, str | None]:
        if entry is None:
            return None, None
        try:
            return read_record(self._read(entry, MAX_VERIFICATION_BYTES), entry.path), None
        except UserError as exc:
            return None, self._local(exc.problem)

    def _result_row(
        self,
        entry: Entry,
        inside: str,
        entries: dict[str, Entry],
        card: ModelCard | None,
        record: VerificationRecord | None,
    ) -> dict[str, Any]:
        row = _bare_row(self.store, entry.path, "")
        row.update(status=RANKED, reason=None, verification=SELF_REPORTED)
        if card:
            row.update(
                model=card.name,
                link=card.link,
                license=card.license,
                parameters=card.parameters,
                saw_synthetic_data=card.saw_synthetic_data,
            )
        try:
            data = self._read(entry, MAX_RESULT_BYTES)
            result = parse_result(data, entry.path)
        except UserError as exc:
            return {**row, "status": INVALID, "reason": self._local(exc.problem)}
        sha = sha256_bytes(data)
        self.files[row["result_path"]] = data
        task = self.tasks.get(result.task.name)
        row.update(_result_fields(result, task), result_sha256=sha)
        if not card:
            row["model"] = result.model.name
        problem = _place_problem(result, row, self.folder, card) or (
            f"unknown task {result.task.name!r}" if task is None else None
        )
        if problem:
            return {**row, "status": INVALID, "reason": problem}
        problem = provenance_problem(result, task)
        if problem:
            return {**row, "status": INVALID, "reason": problem}
        problem = pin_problem(result, task)
        if problem:
            return {**row, "status": STALE, "reason": problem}
        problem = score_problem(result, task)
        if problem:
            return {**row, "status": INVALID, "reason": problem}
        predictions = entries.get(inside.removesuffix(".json") + PREDICTIONS_SUFFIX)
        return self._verification(row, task, result, sha, predictions, record)

    def _verification(
        self,
        row: dict[str, Any],
        task: TaskMetadata,
        result: Result,
        result_sha256: str,
        entry: Entry | None,
        record: VerificationRecord | None,
    ) -> dict[str, Any]:
        """Whether the row's scores were recomputed from its stored predictions (see verify.py)."""
        if scorer_for(task).online:
            return {**row, "verification": ONLINE}
        if entry is None:
            return row
        try:
            predictions = self._read(entry, MAX_PREDICTIONS_BYTES)
        except UserError as exc:
            return {**row, "status": INVALID, "reason": self._local(exc.problem)}
        path = self.store.shown(entry.path)
        self.files[path] = predictions
        row.update(predictions_path=path, predictions_sha256=sha256_bytes(predictions))
        if self.verify:
            try:
                recompute(task, result, result_sha256, predictions, entry.path)
            except DatasetUnavailable as exc:  # nothing was shown wrong: the dataset is not here
                return {**row, "verification": f"self-reported: {self._local(exc.problem)}"}
            except UserError as exc:
                return {**row, "status": INVALID, "reason": self._local(exc.problem)}
            return {**row, "verified": True, "verification": "scores recomputed from the predictions now"}
        verified = record.entries.get(task.name) if record else None
        if verified is None:
            return {**row, "verification": "self-reported: its predictions were never recomputed"}
        if (
            verified.result_sha256 != result_sha256
            or verified.predictions_sha256 != row["predictions_sha256"]
            or verified.split != task.eval_split
            or mismatch(result.scores[task.eval_split], verified.scores)
        ):
            return {**row, "status": INVALID, "reason": f"{VERIFICATION} does not match the stored files"}
        return {
            **row,
            "verified": True,
            "verification": "scores recomputed from the predictions at submission",
        }


def _result_fields(result: Result, task: TaskMetadata | None) -> dict[str, Any]:
    return {
        "model_revision": result.model.revision,
        "suite": task.suite if task else None,
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


def layer_points(data: bytes, split: str, metric: str) -> list[tuple[int | str, float]]:
    """(layer, score) of one stored result's per-layer scores, from its checked bytes, in layer order."""
    layers = parse_result(data, "result").layers or {}
    numbered = all(name.isdigit() for name in layers)
    order = sorted(layers, key=int) if numbered else list(layers)
    return [
        (int(name) if numbered else name, layers[name][split][metric])
        for name in order
        if metric in layers[name].get(split, {})
    ]


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
    """Benchmarks with at least one stored result (ranked or not), in name order; entries that are
    not results of any benchmark (a stray file, a link) are listed only among the results not ranked."""
    return sorted(b for b in table["benchmark"].unique() if b)


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
