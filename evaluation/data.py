"""Reading a task's labels straight from a Hub-layout folder, with its revisions."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from datasets_src.engine import read_manifest
from datasets_src.errors import UserError
from datasets_src.hub import data_revision, hub_root, manifest_revision, resolve


@dataclass(frozen=True)
class DatasetSource:
    """A local copy of a dataset repo: where it is and which bytes it holds."""

    folder: Path
    repo_id: str
    manifest: dict[str, Any]

    @property
    def source_revision(self) -> str:
        """The folder's own revision: the manifest's sha256 (a Hub copy's commit is in the cache path)."""
        return manifest_revision(self.folder)

    def data_revision(self, config: str) -> str:
        return data_revision(self.manifest, config)

    def read(self, config: str, split: str, columns: list[str]) -> pa.Table:
        """Columns of one split, shards in path order (the dataset's row order)."""
        entry = self.manifest["configs"].get(config)
        if entry is None:
            raise UserError(
                f"{self.folder} has no config {config!r}",
                f"generate it: synthsuite generate {self.manifest['dataset']} --config {config}",
            )
        shards = sorted(s["path"] for s in entry["shards"] if s["split"] == split)
        if not shards:
            raise UserError(f"config {config!r} of {self.folder} has no {split!r} split", "regenerate it")
        try:
            return pa.concat_tables(pq.read_table(self.folder / path, columns=columns) for path in shards)
        except (OSError, pa.ArrowInvalid) as exc:
            raise UserError(
                f"cannot read {config}/{split} of {self.folder} ({exc})",
                "check it with `synthsuite info`, then re-run the same `synthsuite generate` command",
            ) from None


def open_source(repo_id_or_path: str) -> DatasetSource:
    """A folder, a repo in the local hub, or a Hub repo fetched into the Hugging Face cache."""
    resolved = resolve(repo_id_or_path)
    folder = Path(resolved) if Path(resolved).is_dir() else _download(repo_id_or_path)
    manifest = read_manifest(folder)
    try:
        repo_id = folder.resolve().relative_to(hub_root().resolve()).as_posix()
    except ValueError:
        repo_id = repo_id_or_path
    return DatasetSource(folder, repo_id, manifest)


def _download(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError

    try:
        return Path(snapshot_download(repo_id, repo_type="dataset"))
    except HFValidationError:
        raise UserError(
            f"{repo_id!r} is neither a folder nor a dataset repo id", "pass a dataset folder or ORG/NAME"
        ) from None
    except Exception as exc:  # offline, unknown repo, no access: all end the same way for a user
        raise UserError(
            f"dataset {repo_id!r} is not in the local hub ({hub_root()}) and could not be fetched "
            f"from the Hub ({type(exc).__name__})",
            "generate and publish it locally (`synthsuite publish DIR --local --repo-id ...`) or go online",
        ) from None
