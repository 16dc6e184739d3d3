"""Submissions: results files plus `model.json`, checked whole before anything is written.

A submission is one model at one revision: exactly one `model.json` (see model_card.py) and one or
more results JSON files written by `synthsuite evaluate` (or a baseline), at most one per task, each
optionally with the predictions file it was scored from. It comes either as a folder

    my-submission/model.json, notes.json, notes.parquet, chords.json, ...

(`X.parquet` holds the predictions of `X.json`), or straight from result folders
(`synthsuite submit --results DIR --model-card model.json`), where each `results.json` or
`*.results.json` brings the predictions file its `settings.predictions` names beside it.

Every file is read once, bounded and never through a link, and the bytes that are checked are the
bytes that are stored. Results with predictions are scored again on the task's pinned split
(verify.py) and refused when a score differs. The first problem found is reported as one line and
nothing is written. An accepted submission goes to the local results store (store.py) or, as a
pull request, to the results dataset repo on the Hub, at the same paths.
"""

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from synthsuite.evaluation.results import MAX_RESULT_BYTES, Result, parse_result
from synthsuite.evaluation.tasks import TaskMetadata, get_task
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.hashing import sha256_bytes
from synthsuite.kernel.strict_json import StrictJSONError, read_bounded
from synthsuite.leaderboard.checks import pin_problem, provenance_problem, score_problem
from synthsuite.leaderboard.model_card import MAX_CARD_BYTES, MODEL_CARD, ModelCard, parse_model_card
from synthsuite.leaderboard.store import ResultsStore, model_key
from synthsuite.leaderboard.verify import (
    MAX_PREDICTIONS_BYTES,
    PREDICTIONS_SUFFIX,
    VERIFICATION,
    Verified,
    recompute,
    record_bytes,
)

MAX_FILES = 200
MAX_FOUND = 10_000  # entries looked at under a --results folder
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(json|parquet)")  # whole name (fullmatch)
RESULT_NAMES = re.compile(r"(.+\.)?results\.json")  # what --results picks up in a folder
UNEDITED = "submit the results file `synthsuite evaluate` wrote, unedited"


@dataclass(frozen=True)
class SubmittedResult:
    source: str  # where it came from, for messages
    data: bytes  # the bytes that were checked are the bytes that are stored
    result: Result
    task: TaskMetadata
    predictions: bytes | None = None
    verified: Verified | None = None


@dataclass(frozen=True)
class Submission:
    source: str
    card: ModelCard
    card_data: bytes
    results: tuple[SubmittedResult, ...]

    @property
    def model_revision(self) -> str:
        return self.results[0].result.model.revision

    @property
    def key(self) -> str:
        return model_key(self.card.name, self.model_revision)

    @property
    def verified(self) -> int:
        return sum(r.verified is not None for r in self.results)

    def files(self) -> dict[str, bytes]:
        """What is stored, by path inside the submission's folder."""
        files = {MODEL_CARD: self.card_data}
        for item in self.results:
            files[f"{item.task.name}.json"] = item.data
            if item.predictions is not None:
                files[f"{item.task.name}{PREDICTIONS_SUFFIX}"] = item.predictions
        verified = {r.task.name: r.verified for r in self.results if r.verified is not None}
        if verified:
            files[VERIFICATION] = record_bytes(verified)
        return files

    def folder_name(self, now: datetime) -> str:
        """`<model key>/<UTC time>-<content hash>`: where the submission goes in the store."""
        digest = hashlib.sha256()
        for path, data in sorted(self.files().items()):
            digest.update(f"{path}\n{hashlib.sha256(data).hexdigest()}\n".encode())
        return f"{self.key}/{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}"


def _read(path: Path, cap: int, fix: str) -> bytes:
    """A file's bytes, once, bounded, never through a link, only if it is a regular file."""
    try:
        return read_bounded(path, cap)
    except StrictJSONError as exc:
        raise UserError(f"{path} {exc}", fix) from None
    except OSError as exc:
        raise UserError(f"cannot read {path} ({exc.strerror})", fix) from None


def read_submission(folder: Path) -> Submission:
    """The submission in `folder`, fully checked (scores recomputed where predictions are given)."""
    names = _checked_names(folder)
    if MODEL_CARD not in names:
        raise UserError(
            f"{folder} has no {MODEL_CARD} (the model's name, link, license, parameters and "
            "whether it saw synthetic music-theory data)",
            f"add {MODEL_CARD}; see docs/leaderboard.md for an example",
        )
    if VERIFICATION in names:
        raise UserError(
            f"{folder / VERIFICATION} is written by `synthsuite submit`, not submitted",
            f"remove it; give each results file X.json its predictions file X{PREDICTIONS_SUFFIX} instead",
        )
    result_names = [n for n in names if n.endswith(".json") and n != MODEL_CARD]
    if not result_names:
        raise UserError(f"{folder} holds no results files", "add the JSON files `synthsuite evaluate` wrote")
    for name in names:
        if name.endswith(PREDICTIONS_SUFFIX) and name.removesuffix(PREDICTIONS_SUFFIX) + ".json" not in names:
            raise UserError(
                f"{folder / name} is no results file's predictions",
                f"name the predictions of X.json X{PREDICTIONS_SUFFIX}",
            )
    items = []
    for name in result_names:
        predictions = folder / (name.removesuffix(".json") + PREDICTIONS_SUFFIX)
        items.append((folder / name, predictions if predictions.name in names else None))
    return _submission(str(folder), folder / MODEL_CARD, items)


def assemble_submission(results: Sequence[Path], card: Path) -> Submission:
    """A submission from results files and folders (`--results`), with the card at `card`.

    In a folder, every `results.json` or `*.results.json` is taken, with the predictions file its
    `settings.predictions` names in the same folder when there is one."""
    found: list[Path] = []
    for given in results:
        if given.is_dir() and not given.is_symlink():
            found += _results_under(given)
        elif given.is_file() and not given.is_symlink():
            found.append(given)
        else:
            raise UserError(
                f"no results file or folder {given}",
                "pass a folder `synthsuite evaluate` or a baseline wrote",
            )
    if not found:
        raise UserError(
            f"no results.json or *.results.json under {', '.join(map(str, results))}",
            "pass the folder a baseline or `synthsuite evaluate --out` wrote",
        )
    if len(found) > MAX_FILES:
        raise UserError(f"{len(found)} results files found, over {MAX_FILES}", "submit fewer at once")
    items = []
    for path in found:
        data = _read(path, MAX_RESULT_BYTES, UNEDITED)
        result = parse_result(data, str(path))
        named = result.settings.get("predictions")
        beside = path.parent / named if isinstance(named, str) and FILE_NAME.fullmatch(named) else None
        items.append((path, beside if beside is not None and beside.is_file() else None, data))
    return _submission(", ".join(map(str, results)), card, items)


def _results_under(folder: Path) -> list[Path]:
    """Results files under `folder` (links not followed), in path order."""
    found, seen = [], 0
    for parent, folders, files in os.walk(folder):
        seen += len(folders) + len(files)
        if seen > MAX_FOUND:
            raise UserError(
                f"{folder} holds over {MAX_FOUND} entries", "pass the folder of one model's results"
            )
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        found += [Path(parent) / name for name in sorted(files) if RESULT_NAMES.fullmatch(name)]
    return found


def _submission(source: str, card_path: Path, items: Sequence[tuple]) -> Submission:
    """Read and check the card and every (result path, predictions path or None[, result bytes])."""
    card_data = _read(card_path, MAX_CARD_BYTES, "see the example in docs/leaderboard.md")
    card = parse_model_card(card_data, str(card_path))
    checked = [_checked_result(path, card, data[0] if data else None) for path, _, *data in items]
    _check_one_model_revision(checked)
    _check_one_result_per_task(checked)
    results = []  # recomputed only once everything cheap has passed
    for item, (_, predictions, *_) in zip(checked, items, strict=True):
        results.append(_verified(item, predictions) if predictions is not None else item)
    return Submission(source, card, card_data, tuple(results))


def _checked_names(folder: Path) -> list[str]:
    """The folder's file names, after refusing anything but plain, small, sanely named files."""
    if not folder.is_dir() or folder.is_symlink():
        raise UserError(
            f"no submission folder {folder}", f"pass a folder holding {MODEL_CARD} and results JSON files"
        )
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    if len(entries) > MAX_FILES:
        raise UserError(f"{folder} holds {len(entries)} entries, over {MAX_FILES}", "split the submission")
    for entry in entries:
        path = folder / entry.name
        if entry.is_symlink():
            raise UserError(f"{path} is a symbolic link", "copy the file itself into the submission folder")
        if entry.is_dir(follow_symlinks=False):
            raise UserError(
                f"{path} is a folder", "put model.json and the results files directly in the folder"
            )
        if not entry.is_file(follow_symlinks=False):
            raise UserError(f"{path} is not a regular file", "submit only JSON and parquet files")
        if not FILE_NAME.fullmatch(entry.name):
            raise UserError(
                f"file name {entry.name!r} in {folder} is not accepted",
                "use names of letters, digits, '.', '_' and '-' that start with a letter or digit "
                "and end in .json (results, model.json) or .parquet (predictions)",
            )
    return [e.name for e in entries]


def _checked_result(path: Path, card: ModelCard, data: bytes | None) -> SubmittedResult:
    data = data if data is not None else _read(path, MAX_RESULT_BYTES, UNEDITED)
    result = parse_result(data, str(path))
    try:
        task = get_task(result.task.name)
    except UserError as exc:
        raise UserError(f"{path}: {exc.problem}", exc.fix) from None
    problem = provenance_problem(result, task)
    if problem:
        raise UserError(f"{path}: {problem}", f"evaluate on the task's dataset ({task.dataset.repo_id})")
    problem = pin_problem(result, task)
    if problem:
        raise UserError(
            f"{path}: {problem}",
            "evaluate on the dataset revision the task pins (see `synthsuite tasks`) with this synthsuite",
        )
    problem = score_problem(result, task)
    if problem:
        raise UserError(f"{path}: {problem}", UNEDITED)
    if result.model.name != card.name:
        raise UserError(
            f"{path}: model.name {result.model.name!r} is not the name in {MODEL_CARD} ({card.name!r})",
            f"submit one model per folder, named the same in {MODEL_CARD} and in every results file",
        )
    return SubmittedResult(str(path), data, result, task)


def _verified(item: SubmittedResult, predictions: Path) -> SubmittedResult:
    data = _read(predictions, MAX_PREDICTIONS_BYTES, "submit the predictions file a baseline wrote")
    verified = recompute(item.task, item.result, sha256_bytes(item.data), data, str(predictions))
    return SubmittedResult(item.source, item.data, item.result, item.task, data, verified)


def _check_one_model_revision(results: Sequence[SubmittedResult]) -> None:
    first = results[0]
    for other in results[1:]:
        if other.result.model.revision != first.result.model.revision:
            raise UserError(
                f"{other.source}: model revision {other.result.model.revision!r} differs from "
                f"{first.source}'s {first.result.model.revision!r}",
                "submit one model revision per folder",
            )


def _check_one_result_per_task(results: Sequence[SubmittedResult]) -> None:
    seen: dict[str, str] = {}
    for item in results:
        name = item.task.name
        if name in seen:
            raise UserError(
                f"{Path(seen[name]).name} and {Path(item.source).name} are both results of {name}",
                "keep one results file per task",
            )
        seen[name] = item.source


def _check_new(submission: Submission, stored: list[str], read: Callable[[str], bytes]) -> None:
    """Refuse a task the model (at this revision) already has, or a model.json that changed.

    `stored`: paths already in the store or results repo under the submission's model key.
    """
    tasks = {f"{r.task.name}.json": r.task.name for r in submission.results}
    who = f"{submission.card.name!r} revision {submission.model_revision!r}"
    for path in stored:
        inside = path.split("/", 2)[-1]  # the path inside its submission folder
        if inside in tasks:
            raise UserError(
                f"duplicate: the results store already has a result of {who} on {tasks[inside]} ({path})",
                "submit only tasks the model has no result for, or a new model revision",
            )
        if inside == MODEL_CARD and _stored_card(read(path)) != submission.card:
            raise UserError(
                f"the results store already holds {who} with other metadata in {MODEL_CARD} ({path})",
                f"submit the same {MODEL_CARD} as before, or give the new model a new revision",
            )


def _stored(path: Path, below: Path | None = None) -> bytes:
    """A stored card's bytes, or none when it cannot be read (then it counts as another card)."""
    try:
        return read_bounded(path, MAX_CARD_BYTES, below=below)
    except (OSError, StrictJSONError):
        return b""


def _stored_card(data: bytes) -> ModelCard | None:
    try:
        return parse_model_card(data, MODEL_CARD)
    except UserError:
        return None


def submit_local(submission: Submission, store: ResultsStore, now: datetime | None = None) -> Path:
    """Add an accepted submission to the local store; return its new folder."""
    with store.locked():
        _check_new(
            submission, store.files(submission.key), lambda path: _stored(store.root / path, store.root)
        )
        return store.add(submission.folder_name(now or datetime.now(UTC)), submission.files())


def open_pull_request(
    submission: Submission, repo_id: str, *, api: Any = None, now: datetime | None = None
) -> str:
    """Open a pull request adding the submission to the results dataset repo; return its url.

    `api` defaults to `huggingface_hub.HfApi()`; tests pass a stand-in for the Hub's servers.
    """
    from huggingface_hub import CommitOperationAdd

    from synthsuite.datasets_src.access import check_repo_id

    check_repo_id(repo_id)
    api = api or _hub_api()
    try:
        listing = api.list_repo_files(repo_id, repo_type="dataset")
    except Exception as exc:  # offline, unknown repo, no access: all end the same way for a user
        raise UserError(
            f"cannot list the results repo {repo_id} on the Hub ({type(exc).__name__})",
            "check the repo id, your network and your token's read access",
        ) from None
    stored = [path for path in listing if path.startswith(submission.key + "/")]
    _check_new(
        submission,
        stored,
        lambda path: _stored(Path(api.hf_hub_download(repo_id, path, repo_type="dataset"))),
    )
    folder = submission.folder_name(now or datetime.now(UTC))
    operations = [
        CommitOperationAdd(path_in_repo=f"{folder}/{path}", path_or_fileobj=data)
        for path, data in submission.files().items()
    ]
    scores = "\n".join(
        f"- {r.task.name}: {r.task.main_score} {r.result.main_score:.4f}"
        + (" (verified: recomputed from its predictions)" if r.verified else " (self-reported)")
        for r in submission.results
    )
    commit = api.create_commit(
        repo_id,
        operations,
        commit_message=f"Submit {submission.card.name} ({submission.model_revision})",
        commit_description=f"Submitted with `synthsuite submit`.\n\n{scores}\n",
        repo_type="dataset",
        create_pr=True,
    )
    return commit.pr_url


def _hub_api() -> Any:
    import huggingface_hub

    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
        raise UserError(
            "HF_HUB_OFFLINE is set, so no pull request can be opened on the Hub",
            "unset HF_HUB_OFFLINE, or submit to the local results store (drop --hub)",
        )
    if huggingface_hub.get_token() is None:
        raise UserError("no Hugging Face token found", "run `hf auth login` or set HF_TOKEN")
    return huggingface_hub.HfApi()
