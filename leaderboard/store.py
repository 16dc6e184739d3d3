"""The results store: accepted submissions as folders, laid out like the results repo on the Hub.

    <store>/<model key>/<submission id>/model.json
    <store>/<model key>/<submission id>/<task name>.json        e.g. syntheory/notes.json
    <store>/<model key>/<submission id>/<task name>.parquet     its predictions (verified entries)
    <store>/<model key>/<submission id>/verification.json       what `submit` recomputed (verify.py)

The model key names one (model name, model revision) pair: a readable slug of both plus a hash
of the exact strings, so any name (spaces, slashes, `<script>`) maps to a safe folder and two
names never share one. A clone of the Hub results repo is therefore a store, and the files of a
pull request land exactly where a local submission would put them.

A submission never touches existing files: it is written whole into `<store>/.staging/` and
renamed into place in one step, under a lock, so a reader sees all of it or none of it and two
concurrent submissions cannot both add the same entry. Folders starting with `.` are not part
of the store; what a crash leaves in `.staging/` is removed by the next submission.

Reading never follows a symbolic link and never opens anything but folders and regular files:
`walk` lists a submission's entries with their kinds (lstat), bounded in number and depth, so a
store holding links, FIFOs, devices or a million files is listed, not followed or exhausted.
"""

import fcntl
import hashlib
import os
import re
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from synthsuite.kernel.errors import UserError

RESULTS_ENV = "SYNTHSUITE_RESULTS"
DEFAULT_HUB_REPO = "synthsuite/results"  # the results dataset repo on the Hub: the same layout
STAGING = ".staging"
LOCK = ".lock"
MAX_ENTRIES = 1000  # files and folders listed per submission folder (a submission holds at most ~200)
MAX_DEPTH = 3  # <task prefix>/<concept>.json is two levels; one more is listed as out of place


REFERENCE_ENV = "SYNTHSUITE_REFERENCE_STORE"
REFERENCE = "reference"  # the label of the reference store's rows and paths


def default_root() -> Path:
    return Path(os.environ.get(RESULTS_ENV) or Path.home() / ".cache" / "synthsuite" / "results")


def reference_root() -> Path | None:
    """The project's reference results store (`reference/store/` of the repository, or
    $SYNTHSUITE_REFERENCE_STORE); None when this installation has none."""
    given = os.environ.get(REFERENCE_ENV)
    root = Path(given) if given else Path(__file__).resolve().parents[1] / "reference" / "store"
    return root if root.is_dir() else None


def _slug(text: str, length: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")[:length].strip("-._")
    return slug or "x"


def model_key(name: str, revision: str) -> str:
    digest = hashlib.sha256(f"{name}\n{revision}".encode()).hexdigest()[:10]
    return f"{_slug(name, 60)}__{_slug(revision, 20)}-{digest}"


@dataclass(frozen=True)
class Entry:
    """One thing found in a store, by its path relative to the store root (`/`-separated)."""

    path: str
    kind: str  # "file", "folder", "link", or "special" (FIFO, socket, device)
    size: int


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "special"


class ResultsStore:
    """A store folder; `label` (e.g. "reference") prefixes its paths when several stores are read;
    `reference`: its rows are the project's reference results."""

    def __init__(self, root: Path, label: str | None = None, *, reference: bool = False):
        self.root = root
        self.label = label
        self.reference = reference or label == REFERENCE

    def files(self, key: str) -> list[str]:
        """Paths (relative to the root, `/`-separated) of every file stored for one model key."""
        folder = self.root / key
        if not folder.is_dir() or folder.is_symlink():
            return []
        found = []
        for submission in self._children(folder, MAX_ENTRIES):
            if submission.kind == "folder":
                found += [e.path for e in self.walk(self.root / submission.path) if e.kind == "file"]
        return sorted(found)

    def _children(self, folder: Path, limit: int | None = None) -> list[Entry]:
        """The entries of one folder (names starting with `.` skipped), by lstat: links are not followed.

        `limit`: refuse a folder with more entries (inside a submission; a store has any number)."""
        entries = []
        with os.scandir(folder) as listing:
            for item in listing:
                if item.name.startswith("."):
                    continue
                info = item.stat(follow_symlinks=False)
                relative = (folder / item.name).relative_to(self.root).as_posix()
                entries.append(Entry(relative, _kind(info.st_mode), info.st_size))
                if limit is not None and len(entries) > limit:
                    raise UserError(f"{folder} holds over {limit} entries", "remove what is not results")
        return sorted(entries, key=lambda e: e.path)

    def submission_entries(self) -> list[Entry]:
        """Every `<model key>/<submission id>` (kind "folder" when it is one), and whatever else lies
        at those two levels (links, files, special files), which the table lists as invalid."""
        if not self.root.is_dir():
            return []
        found = []
        for key in self._children(self.root):
            if key.kind == "file":  # a repo's own files (README.md, its card): not results
                continue
            if key.kind != "folder":
                found.append(key)
                continue
            try:
                found += self._children(self.root / key.path, MAX_ENTRIES)
            except (OSError, UserError) as exc:
                found.append(Entry(key.path, f"unreadable ({_reason(exc)})", 0))
        return found

    def submission_folders(self) -> list[Path]:
        """Every accepted submission folder, `<root>/<model key>/<submission id>`, in name order."""
        return [self.root / e.path for e in self.submission_entries() if e.kind == "folder"]

    def walk(self, folder: Path) -> list[Entry]:
        """Every entry inside one submission folder, at most MAX_DEPTH levels down, links not followed."""
        found: list[Entry] = []
        pending = [(folder, 1)]
        while pending:
            current, depth = pending.pop()
            for entry in self._children(current, MAX_ENTRIES):
                found.append(entry)
                if len(found) > MAX_ENTRIES:
                    raise UserError(f"{folder} holds over {MAX_ENTRIES} entries", "keep only results in it")
                if entry.kind == "folder" and depth < MAX_DEPTH:
                    pending.append((self.root / entry.path, depth + 1))
        return sorted(found, key=lambda e: e.path)

    def shown(self, relative: str) -> str:
        """A path as the table shows it: prefixed with the store's label when it has one."""
        return f"{self.label}/{relative}" if self.label else relative

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock (released by the OS if the process dies); clear crash leftovers."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / LOCK).touch()
        except OSError as exc:
            raise UserError(
                f"cannot write to the results store {self.root} ({exc.strerror})",
                f"pass --store DIR or set {RESULTS_ENV} to a writable folder",
            ) from None
        with open(self.root / LOCK, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            shutil.rmtree(self.root / STAGING, ignore_errors=True)
            yield

    def add(self, folder: str, files: dict[str, bytes]) -> Path:
        """Write `files` (relative path -> bytes) as the new folder `<root>/<folder>`, atomically.

        Call inside `locked()`. The folder must not exist yet.
        """
        target = self.root / folder
        staging = self.root / STAGING / f"{target.name}-{os.getpid()}"
        for relative, data in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, target)
        _fsync_folder(target.parent)
        staging.parent.rmdir()  # empty now: the lock keeps other submissions out of it
        return target


def _reason(exc: Exception) -> str:
    if isinstance(exc, UserError):
        return exc.problem
    return getattr(exc, "strerror", None) or type(exc).__name__


def _fsync_folder(folder: Path) -> None:
    """Make a rename inside `folder` survive a power loss."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
