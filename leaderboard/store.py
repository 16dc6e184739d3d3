"""The results store: accepted submissions as folders, laid out like the results repo on the Hub.

    <store>/<model key>/<submission id>/model.json
    <store>/<model key>/<submission id>/<task name>.json     e.g. syntheory/notes.json

The model key names one (model name, model revision) pair: a readable slug of both plus a hash
of the exact strings, so any name (spaces, slashes, `<script>`) maps to a safe folder and two
names never share one. A clone of the Hub results repo is therefore a store, and the files of a
pull request land exactly where a local submission would put them.

A submission never touches existing files: it is written whole into `<store>/.staging/` and
renamed into place in one step, under a lock, so a reader sees all of it or none of it and two
concurrent submissions cannot both add the same entry. Folders starting with `.` are not part
of the store; what a crash leaves in `.staging/` is removed by the next submission.
"""

import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from synthsuite.kernel.errors import UserError

RESULTS_ENV = "SYNTHSUITE_RESULTS"
DEFAULT_HUB_REPO = "synthsuite/results"  # the results dataset repo on the Hub: the same layout
STAGING = ".staging"
LOCK = ".lock"


def default_root() -> Path:
    return Path(os.environ.get(RESULTS_ENV) or Path.home() / ".cache" / "synthsuite" / "results")


def _slug(text: str, length: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")[:length].strip("-._")
    return slug or "x"


def model_key(name: str, revision: str) -> str:
    digest = hashlib.sha256(f"{name}\n{revision}".encode()).hexdigest()[:10]
    return f"{_slug(name, 60)}__{_slug(revision, 20)}-{digest}"


class ResultsStore:
    def __init__(self, root: Path):
        self.root = root

    def files(self, key: str) -> list[str]:
        """Paths (relative to the root, `/`-separated) of every file stored for one model key."""
        folder = self.root / key
        if not folder.is_dir():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in folder.rglob("*") if p.is_file())

    def submission_folders(self) -> list[Path]:
        """Every accepted submission, `<root>/<model key>/<submission id>`, in name order.

        Folders that are symbolic links are skipped: a store cloned from a repo must not make the
        site copy files from outside it.
        """

        def folders(parent: Path) -> list[Path]:
            return [p for p in parent.iterdir() if p.is_dir() and not (p.is_symlink() or p.name[0] == ".")]

        if not self.root.is_dir():
            return []
        return sorted(submission for key in folders(self.root) for submission in folders(key))

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


def _fsync_folder(folder: Path) -> None:
    """Make a rename inside `folder` survive a power loss."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
