"""The one way to read a dataset: resolve, fetch, verify the bytes that will be read, then read them.

Every reader of a dataset (evaluation, baselines, embeddings, the Decision Transformer, `synthsuite
info`) goes through `open_dataset`, so all of them give the same guarantee:

1. **resolve**, by the one lookup rule (`resolve`, docs/publishing.md "Where datasets are looked up"):
   a folder; else `ORG/NAME` in the local hubs (`$SYNTHSUITE_HUB` alone when set, otherwise the
   checkout's `.hub/` that `make demo` fills, then `~/.cache/synthsuite/hub`), as `ORG/NAME` or as the
   build `synthsuite generate` left in `local/NAME`; else the Hugging Face Hub (`ORG/NAME[@REV]`),
   fetched into its cache (only the configs read);
2. **verify**: before a shard is read, its bytes are hashed and compared with the manifest's sha256
   and size. A shard whose bytes differ is refused with one line, whatever the reader;
3. **read**: a shard that was hashed in this read is parsed from the very bytes that were hashed.

Hashing is cached: a shard's verified sha256 is stored under its file identity (device, inode, size,
modification and change times, in nanoseconds), in this process and on disk
(`$SYNTHSUITE_VERIFY_CACHE`, default `~/.cache/synthsuite/verified`), so a second read costs a
`stat`. Any write to a file changes its change time, which no user can set, so an edited shard is
hashed again.

A task pins the *content revision* of one config (`data_revision`: a hash over the config's shard
paths and sha256s). `DatasetSource.pin(task_revision)` says whether the folder's listing is the
pinned one; since every shard read is checked against that listing, a result computed through this
module on a pinned listing was computed on the pinned bytes.
"""

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from synthsuite.datasets_src.engine import MANIFEST_NAME, read_manifest
from synthsuite.kernel.atomic import atomic_write_text
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.hashing import BLOCK

VERIFY_CACHE_ENV = "SYNTHSUITE_VERIFY_CACHE"
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_HUB_REVISION = re.compile(r"^(?P<repo>[^@]+)@(?P<revision>[A-Za-z0-9._/-]{1,100})$")
_verified_here: dict[tuple[Any, ...], str] = {}  # file identity -> sha256 verified in this process


HUB_ENV = "SYNTHSUITE_HUB"


def user_hub() -> Path:
    return Path.home() / ".cache" / "synthsuite" / "hub"


# The source checkout this package runs from, when installed from one (`pip install -e .`, `make`)
CHECKOUT = Path(__file__).resolve().parent.parent


def checkout_hub() -> Path | None:
    """The checkout's `.hub/` (the hub `make demo` fills), if this package runs from a checkout that
    has one."""
    hub = CHECKOUT / ".hub"
    return hub if (CHECKOUT / "pyproject.toml").is_file() and hub.is_dir() else None


def hub_roots() -> list[Path]:
    """The local hubs, in lookup order: `$SYNTHSUITE_HUB` alone when it is set (an explicit hub is the
    only one); otherwise the checkout's `.hub/` when there is one, then `~/.cache/synthsuite/hub`."""
    explicit = os.environ.get(HUB_ENV)
    if explicit:
        return [Path(explicit).expanduser()]
    return [hub for hub in (checkout_hub(), user_hub()) if hub is not None]


def hub_root() -> Path:
    """Where `generate` and `publish --local` write: the first local hub, so that what is written is
    what the lookup finds first."""
    return hub_roots()[0]


def check_repo_id(repo_id: str) -> None:
    if not REPO_ID.match(repo_id) or ".." in repo_id or repo_id.endswith((".git", ".")):
        raise UserError(
            f"malformed repo id {repo_id!r}",
            "use ORG/NAME with letters, digits, '-', '_' or '.', e.g. my-lab/syntheory",
        )


def manifest_revision(folder: Path) -> str:
    """A local folder's revision: the sha256 of its manifest (which pins every shard's hash)."""
    return hashlib.sha256((folder / MANIFEST_NAME).read_bytes()).hexdigest()


def data_revision(manifest: dict[str, Any], config: str) -> str:
    """The content revision of one config: sha256 over its shards' paths and sha256s.

    Unlike a Hub commit sha or the manifest hash, it does not change when another config is
    added, the card is edited or the folder moves, and two byte-identical builds share it. Tasks
    pin it and results record it, so results on different bytes are never ranked together.
    """
    try:
        shards = manifest["configs"][config]["shards"]
    except KeyError:
        raise UserError(
            f"dataset {manifest.get('dataset')!r} has no config {config!r}",
            f"generate it with `synthsuite generate {manifest.get('dataset')} --config {config}`",
        ) from None
    listing = "".join(f"{s['path']}\t{s['sha256']}\n" for s in sorted(shards, key=lambda s: s["path"]))
    return hashlib.sha256(listing.encode()).hexdigest()


def verify_cache_root() -> Path:
    return Path(os.environ.get(VERIFY_CACHE_ENV) or Path.home() / ".cache" / "synthsuite" / "verified")


def _identity(stat: os.stat_result) -> tuple[int, ...]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


@dataclass
class DatasetSource:
    """A local copy of a dataset repo: where it is, which bytes it should hold, and a verified reader."""

    folder: Path
    repo_id: str
    manifest: dict[str, Any]
    _records: dict[str, str] = field(default_factory=dict, repr=False)  # identity key -> sha256 on disk

    # --- what the folder is ------------------------------------------------------------------------

    @property
    def dataset(self) -> str:
        return self.manifest.get("dataset", "?")

    @property
    def source_revision(self) -> str:
        """The folder's own revision: the manifest's sha256 (a Hub copy's commit is in the cache path)."""
        return manifest_revision(self.folder)

    def data_revision(self, config: str) -> str:
        self._entry(config)
        return data_revision(self.manifest, config)

    def pinned(self, config: str, revision: str) -> bool:
        """True when this folder's listing of `config` is the content revision `revision`."""
        return self.data_revision(config) == revision

    def splits(self, config: str) -> list[str]:
        return list(self._entry(config)["splits"])

    def num_rows(self, config: str, split: str) -> int:
        """Rows of one split as the manifest states them (checked against the shards when read)."""
        self._shards(config, split)
        return int(self._entry(config)["splits"][split]["num_examples"])

    # --- verified reading --------------------------------------------------------------------------

    def shard_paths(self, config: str, split: str) -> list[Path]:
        """The split's shard files in path order (the dataset's row order), each verified first.

        For readers that open the files themselves (e.g. worker processes); the parquet readers below
        parse the verified bytes directly."""
        shards = self._shards(config, split)
        for shard in shards:
            self._verified_bytes(shard, keep=False)
        return [self.folder / shard["path"] for shard in shards]

    def read(self, config: str, split: str, columns: list[str] | None = None) -> pa.Table:
        """Columns of one split from verified bytes, shards in path order."""
        shards = self._shards(config, split)
        tables = []
        for shard in shards:
            data = self._verified_bytes(shard, keep=True)
            source = pa.BufferReader(data) if data is not None else str(self.folder / shard["path"])
            try:
                parquet = pq.ParquetFile(source)
                missing = [c for c in columns or () if c not in parquet.schema_arrow.names]
                if missing:
                    raise UserError(
                        f"{config}/{split} of {self.folder} has no column {missing[0]!r}",
                        f"use a {self.dataset} build made by this version of synthsuite",
                    )
                tables.append(parquet.read(columns=columns))
            except (OSError, pa.ArrowInvalid) as exc:
                raise UserError(
                    f"cannot read {shard['path']} of {self.folder} ({exc})",
                    "check it with `synthsuite info`, then re-run the same `synthsuite generate` command",
                ) from None
        table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        expected = sum(int(s["rows"]) for s in shards)
        if table.num_rows != expected:
            raise UserError(
                f"{config}/{split} of {self.folder} has {table.num_rows} rows, its manifest {expected}",
                "re-run the same `synthsuite generate` command",
            )
        return table

    def verify(self, configs: list[str] | None = None) -> dict[str, Any]:
        """Verify every shard of `configs` (default: all, and that `data/` holds nothing unlisted); the
        manifest."""
        listed = set()
        for config in configs or list(self.manifest["configs"]):
            for split in self.splits(config):
                for shard in self._shards(config, split):
                    self._verified_bytes(shard, keep=False)
                    listed.add(shard["path"])
        if configs is None:
            data = self.folder / "data"
            on_disk = (
                sorted(p.relative_to(self.folder).as_posix() for p in data.rglob("*") if p.is_file())
                if data.is_dir()
                else []
            )
            extra = [p for p in on_disk if p not in listed]
            if extra:
                raise UserError(
                    f"{self.folder} holds files the manifest does not list: {', '.join(extra[:3])}",
                    "remove them or regenerate the dataset",
                )
        return self.manifest

    # --- internals ---------------------------------------------------------------------------------

    def _entry(self, config: str) -> dict[str, Any]:
        entry = self.manifest["configs"].get(config)
        if entry is None:
            raise UserError(
                f"{self.folder} has no config {config!r} (it has {', '.join(self.manifest['configs'])})",
                f"generate it: synthsuite generate {self.dataset} --config {config}",
            )
        return entry

    def _shards(self, config: str, split: str) -> list[dict[str, Any]]:
        shards = sorted(
            (s for s in self._entry(config)["shards"] if s["split"] == split), key=lambda s: s["path"]
        )
        if not shards:
            raise UserError(
                f"config {config!r} of {self.folder} has no {split!r} split "
                f"(it has {', '.join(self.splits(config)) or 'none'})",
                f"regenerate it with `synthsuite generate {self.dataset} --config {config}`",
            )
        return shards

    def _verified_bytes(self, shard: dict[str, Any], *, keep: bool) -> bytes | None:
        """Check one shard against the manifest. Returns its bytes if it was hashed now and `keep`,
        None when a cached verification of the same file identity stands."""
        path = self.folder / shard["path"]
        try:
            stat = path.stat()
        except OSError:
            raise UserError(
                f"shard {shard['path']} of {self.folder} is missing",
                "run the same `synthsuite generate` command again to redo it",
            ) from None
        key = (str(path.resolve()), *_identity(stat))
        known = _verified_here.get(key) or self._cached(key)
        if known == shard["sha256"] and stat.st_size == shard["bytes"]:
            return None
        data = bytearray() if keep else None
        digest = hashlib.sha256()
        size = 0
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(BLOCK), b""):
                digest.update(block)
                size += len(block)
                if data is not None:
                    data += block
        if size != shard["bytes"] or digest.hexdigest() != shard["sha256"]:
            raise UserError(
                f"shard {shard['path']} of {self.folder} does not match its manifest "
                "(its bytes were corrupted or edited)",
                "re-run the same `synthsuite generate` command to redo it, or fetch the dataset again",
            )
        if _identity(path.stat()) == _identity(stat):  # unchanged while it was hashed
            _verified_here[key] = shard["sha256"]
            self._remember(key, shard["sha256"])
        return bytes(data) if data is not None else None

    def _cache_file(self) -> Path:
        name = hashlib.sha256(str(self.folder.resolve()).encode()).hexdigest()[:32]
        return verify_cache_root() / f"{name}.json"

    def _cached(self, key: tuple[Any, ...]) -> str | None:
        if not self._records:
            try:
                records = json.loads(self._cache_file().read_text())
                self._records = records if isinstance(records, dict) else {}
            except (OSError, ValueError):
                self._records = {"": ""}  # nothing cached: do not read again
        value = self._records.get(json.dumps(key))
        return value if isinstance(value, str) else None

    def _remember(self, key: tuple[Any, ...], sha256: str) -> None:
        self._records = {k: v for k, v in self._records.items() if k}
        self._records[json.dumps(key)] = sha256
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs a second hash
            atomic_write_text(self._cache_file(), json.dumps(self._records, sort_keys=True))


def open_dataset(repo_id_or_path: str | Path, *, configs: list[str] | None = None) -> DatasetSource:
    """A dataset folder, `ORG/NAME` in a local hub, or a Hub repo (`ORG/NAME[@REV]`) fetched into
    the Hugging Face cache (with `configs`, only their shards are downloaded); see `resolve`."""
    folder, repo_id = resolve(repo_id_or_path, configs)
    return DatasetSource(folder, repo_id, read_manifest(folder))


def resolve(repo_id_or_path: str | Path, configs: list[str] | None = None) -> tuple[Path, str]:
    """(folder, repo id) of a dataset, by the one lookup rule every reader follows:

    1. an existing folder is that folder;
    2. `ORG/NAME` is looked up in the local hubs (`hub_roots()`): in each, `ORG/NAME`, then `local/NAME`
       (where `synthsuite generate` writes by default, so a build needs no `publish --local` to be
       found by the repo id its tasks name);
    3. otherwise the Hugging Face Hub (`ORG/NAME[@REV]`), fetched into its cache.

    A result records the repo id asked for: the content revision, not the place, says which bytes it
    was computed on.
    """
    given = str(repo_id_or_path)
    path = Path(given).expanduser()
    if path.is_dir():
        for hub in hub_roots():
            with contextlib.suppress(ValueError):
                return path, path.resolve().relative_to(hub.resolve()).as_posix()
        return path, given
    if REPO_ID.match(given):
        found = _find_local(given)
        if found is not None:
            return found, given
    match = _HUB_REVISION.match(given)
    repo_id = match["repo"] if match else given
    return _download(given, configs), repo_id


def _find_local(repo_id: str) -> Path | None:
    """The first finished copy of `repo_id` in the local hubs; an unfinished one if that is all."""
    candidates = [
        place for hub in hub_roots() for place in (hub / repo_id, hub / "local" / repo_id.split("/")[1])
    ]
    existing = [place for place in candidates if place.is_dir()]
    finished = [place for place in existing if (place / MANIFEST_NAME).is_file()]
    return (finished or existing or [None])[0]


def build_command(repo_id: str) -> str | None:
    """The `synthsuite generate` command whose default output is found as `repo_id` (`NAME` or
    `NAME-<profile>`, as `generate` names its folders), when NAME is a registered dataset."""
    from synthsuite.datasets_src.generator import generator_names

    name = repo_id.split("@")[0].rsplit("/", 1)[-1]
    known = generator_names()
    if name in known:
        return f"synthsuite generate {name} --profile paper"
    for profile in ("tiny", "small"):
        dataset = name.removesuffix(f"-{profile}")
        if dataset != name and dataset in known:
            return f"synthsuite generate {dataset} --profile {profile}"
    return None


def _download(given: str, configs: list[str] | None) -> Path:
    match = _HUB_REVISION.match(given)
    repo_id, revision = (match["repo"], match["revision"]) if match else (given, None)
    if not REPO_ID.match(repo_id):
        raise UserError(
            f"dataset {given!r} was not found: there is no such folder, and it is not a repo id ORG/NAME",
            "pass the dataset's folder (--dataset DIR; dataset= in Python) or its ORG/NAME",
        )
    from huggingface_hub import snapshot_download

    patterns = [MANIFEST_NAME, "README.md", *(f"data/{c}/*" for c in configs)] if configs else None
    try:
        return Path(
            snapshot_download(repo_id, repo_type="dataset", revision=revision, allow_patterns=patterns)
        )
    except Exception as exc:  # offline, unknown repo, no access: all end the same way for a user
        offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False")
        hub = (
            "the Hugging Face Hub is switched off (HF_HUB_OFFLINE)"
            if offline
            else f"fetching it from the Hugging Face Hub failed ({type(exc).__name__})"
        )
        name = repo_id.split("/")[1]
        hubs = ", ".join(str(h) for h in hub_roots())
        command = build_command(repo_id)
        build = f"build it: `{command}` (written to {hub_root() / 'local'}), or " if command else ""
        raise UserError(
            f"dataset {given!r} was not found: it is not a folder, no local hub ({hubs}) holds "
            f"{repo_id} or local/{name}, and {hub}",
            f"{build}pass its folder with --dataset DIR (dataset= in Python), or set {HUB_ENV} to the "
            "hub that holds it",
        ) from None
