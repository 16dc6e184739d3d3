"""Submissions: a folder of results files plus `model.json`, checked whole before anything is written.

A submission folder holds exactly one `model.json` (see model_card.py) and one or more results
JSON files written by `synthsuite evaluate`, for one model at one revision, at most one per task.
Everything is checked first; the first problem found is reported as one line and nothing is
written. An accepted submission goes to the local results store (store.py) or, as a pull
request, to the results dataset repo on the Hub, at the same paths.
"""

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from synthsuite.evaluation.results import Result, read_result
from synthsuite.evaluation.tasks import TaskMetadata, get_task
from synthsuite.kernel.errors import UserError
from synthsuite.leaderboard.checks import pin_problem, score_problem
from synthsuite.leaderboard.model_card import MODEL_CARD, ModelCard, read_model_card
from synthsuite.leaderboard.store import ResultsStore, model_key

MAX_RESULT_BYTES = 1 << 20  # a result with 48 layers x 3 splits is ~20 kB
MAX_CARD_BYTES = 16 << 10
MAX_FILES = 100
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.json")  # whole name (fullmatch)


@dataclass(frozen=True)
class SubmittedResult:
    path: Path
    data: bytes  # the bytes that were checked are the bytes that are stored
    result: Result
    task: TaskMetadata


@dataclass(frozen=True)
class Submission:
    folder: Path
    card: ModelCard
    card_data: bytes
    results: tuple[SubmittedResult, ...]

    @property
    def model_revision(self) -> str:
        return self.results[0].result.model.revision

    @property
    def key(self) -> str:
        return model_key(self.card.name, self.model_revision)

    def files(self) -> dict[str, bytes]:
        """What is stored, by path inside the submission's folder."""
        return {MODEL_CARD: self.card_data, **{f"{r.task.name}.json": r.data for r in self.results}}

    def folder_name(self, now: datetime) -> str:
        """`<model key>/<UTC time>-<content hash>`: where the submission goes in the store."""
        digest = hashlib.sha256()
        for path, data in sorted(self.files().items()):
            digest.update(f"{path}\n{hashlib.sha256(data).hexdigest()}\n".encode())
        return f"{self.key}/{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}"


def read_submission(folder: Path) -> Submission:
    """The submission in `folder`, fully checked; raises UserError on the first problem."""
    names = _checked_names(folder)
    if MODEL_CARD not in names:
        raise UserError(
            f"{folder} has no {MODEL_CARD} (the model's name, link, license, parameters and "
            "whether it saw synthetic music-theory data)",
            f"add {MODEL_CARD}; see docs/leaderboard.md for an example",
        )
    result_names = [n for n in names if n != MODEL_CARD]
    if not result_names:
        raise UserError(f"{folder} holds no results files", "add the JSON files `synthsuite evaluate` wrote")
    card_path = folder / MODEL_CARD
    card_data = _read_capped(card_path, MAX_CARD_BYTES)
    card = read_model_card(card_path)
    results = tuple(_checked_result(folder / name, card) for name in result_names)
    _check_one_model_revision(results)
    _check_one_result_per_task(results)
    return Submission(folder, card, card_data, results)


def _checked_names(folder: Path) -> list[str]:
    """The folder's file names, after refusing anything but plain, small, sanely named JSON files."""
    if not folder.is_dir():
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
            raise UserError(f"{path} is not a regular file", "submit only JSON files")
        if not FILE_NAME.fullmatch(entry.name):
            raise UserError(
                f"file name {entry.name!r} in {folder} is not accepted",
                "use names of letters, digits, '.', '_' and '-' that start with a letter or digit "
                "and end in .json",
            )
        cap = MAX_CARD_BYTES if entry.name == MODEL_CARD else MAX_RESULT_BYTES
        _check_size(path, entry.stat(follow_symlinks=False).st_size, cap)
    return [e.name for e in entries]


def _check_size(path: Path, size: int, cap: int) -> None:
    if size > cap:
        raise UserError(
            f"{path} is {size:,} bytes, over the {cap:,}-byte limit",
            "submit the file `synthsuite evaluate` wrote",
        )


def _read_capped(path: Path, cap: int) -> bytes:
    """At most cap + 1 bytes, never through a link (the file may have changed since it was listed)."""
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(handle, "rb") as stream:
        data = stream.read(cap + 1)
    _check_size(path, len(data), cap)
    return data


def _checked_result(path: Path, card: ModelCard) -> SubmittedResult:
    data = _read_capped(path, MAX_RESULT_BYTES)
    result = read_result(path)
    try:
        task = get_task(result.task.name)
    except UserError as exc:
        raise UserError(f"{path}: {exc.problem}", exc.fix) from None
    problem = pin_problem(result, task)
    if problem:
        raise UserError(
            f"{path}: {problem}",
            "evaluate on the dataset revision the task pins (see `synthsuite tasks`) with this synthsuite",
        )
    problem = score_problem(result, task)
    if problem:
        raise UserError(f"{path}: {problem}", "submit the results file `synthsuite evaluate` wrote, unedited")
    if result.model.name != card.name:
        raise UserError(
            f"{path}: model.name {result.model.name!r} is not the name in {MODEL_CARD} ({card.name!r})",
            f"submit one model per folder, named the same in {MODEL_CARD} and in every results file",
        )
    return SubmittedResult(path, data, result, task)


def _check_one_model_revision(results: Sequence[SubmittedResult]) -> None:
    first = results[0]
    for other in results[1:]:
        if other.result.model.revision != first.result.model.revision:
            raise UserError(
                f"{other.path}: model revision {other.result.model.revision!r} differs from "
                f"{first.path.name}'s {first.result.model.revision!r}",
                "submit one model revision per folder",
            )


def _check_one_result_per_task(results: Sequence[SubmittedResult]) -> None:
    seen: dict[str, Path] = {}
    for item in results:
        name = item.task.name
        if name in seen:
            raise UserError(
                f"{seen[name].name} and {item.path.name} are both results of {name}",
                "keep one results file per task",
            )
        seen[name] = item.path


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


def _stored_card(data: bytes) -> ModelCard | None:
    try:
        return ModelCard.model_validate_json(data)
    except ValidationError:
        return None


def submit_local(submission: Submission, store: ResultsStore, now: datetime | None = None) -> Path:
    """Add an accepted submission to the local store; return its new folder."""
    with store.locked():
        _check_new(submission, store.files(submission.key), lambda path: (store.root / path).read_bytes())
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
        lambda path: Path(api.hf_hub_download(repo_id, path, repo_type="dataset")).read_bytes(),
    )
    folder = submission.folder_name(now or datetime.now(UTC))
    operations = [
        CommitOperationAdd(path_in_repo=f"{folder}/{path}", path_or_fileobj=data)
        for path, data in submission.files().items()
    ]
    scores = "\n".join(
        f"- {r.task.name}: {r.task.main_score} {r.result.main_score:.4f}" for r in submission.results
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
