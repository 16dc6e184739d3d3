"""Hub-layout folders: the dataset card, verification, the local hub and pushing to the Hub.

A finished dataset folder is exactly what a Hugging Face dataset repo holds:
`data/<config>/<split>-NNNNN-of-MMMMM.parquet`, a `README.md` card whose YAML declares the
configs, features and split sizes, and `synthsuite-manifest.json`. The embedded default hub is a
local folder (`$SYNTHSUITE_HUB`, default `~/.cache/synthsuite/hub`) holding such folders as
`<org>/<name>`, so everything works offline; `publish` pushes the same folder to the Hub.
"""

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Any

from datasets_src.card import write_card
from datasets_src.engine import MANIFEST_NAME, STATE_DIR, read_manifest, sha256_file
from datasets_src.errors import UserError
from datasets_src.generator import get_generator

REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


def hub_root() -> Path:
    return Path(os.environ.get("SYNTHSUITE_HUB") or Path.home() / ".cache" / "synthsuite" / "hub")


def default_output(dataset: str, profile: str) -> Path:
    """Where `generate` writes when no --out is given: the local hub's `local/` namespace."""
    name = dataset if profile == "paper" else f"{dataset}-{profile}"
    return hub_root() / "local" / name


def check_repo_id(repo_id: str) -> None:
    if not REPO_ID.match(repo_id) or ".." in repo_id or repo_id.endswith((".git", ".")):
        raise UserError(
            f"malformed repo id {repo_id!r}",
            "use ORG/NAME with letters, digits, '-', '_' or '.', e.g. my-lab/syntheory",
        )


def resolve(repo_id_or_path: str) -> str:
    """A local folder, a repo in the local hub, or else the Hub repo id itself."""
    if Path(repo_id_or_path).is_dir():
        return repo_id_or_path
    local = hub_root() / repo_id_or_path
    return str(local) if REPO_ID.match(repo_id_or_path) and local.is_dir() else repo_id_or_path


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


def verify(folder: Path) -> dict[str, Any]:
    """Check every shard listed in the manifest is present, with the recorded hash and size."""
    manifest = read_manifest(folder)
    listed = set()
    for config, entry in manifest["configs"].items():
        for shard in entry["shards"]:
            path = folder / shard["path"]
            listed.add(shard["path"])
            if not path.is_file():
                raise UserError(
                    f"shard {shard['path']} of config {config!r} is missing",
                    "run the same `synthsuite generate` command again to redo it",
                )
            if path.stat().st_size != shard["bytes"] or sha256_file(path) != shard["sha256"]:
                raise UserError(
                    f"shard {shard['path']} does not match its manifest hash (corrupted or edited)",
                    "run the same `synthsuite generate` command again to redo it",
                )
    extra = (
        sorted(p.relative_to(folder).as_posix() for p in (folder / "data").rglob("*") if p.is_file())
        if (folder / "data").is_dir()
        else []
    )
    extra = [p for p in extra if p not in listed]
    if extra:
        raise UserError(
            f"{folder} holds files the manifest does not list: {', '.join(extra[:3])}",
            "remove them or regenerate the dataset",
        )
    return manifest


def _name_repo_in_card(folder: Path, manifest: dict[str, Any], repo_id: str) -> None:
    generator = get_generator(manifest["dataset"], manifest["options"])
    write_card(folder, manifest, generator, repo_id)


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link when possible: shards are never modified in place (writes replace them), so a
    published copy of a large dataset costs no extra disk."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def publish_local(folder: Path, repo_id: str) -> tuple[Path, str]:
    """Copy a verified folder into the local hub as `<hub>/<repo_id>`, replacing it atomically."""
    check_repo_id(repo_id)
    manifest = verify(folder)
    target = hub_root() / repo_id
    if target.resolve() == folder.resolve():
        return target, manifest_revision(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(folder, staging, ignore=shutil.ignore_patterns(STATE_DIR), copy_function=_link_or_copy)
    _name_repo_in_card(staging, manifest, repo_id)
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target, manifest_revision(target)


def publish_hub(
    folder: Path,
    repo_id: str,
    *,
    revision: str | None = None,
    create_pr: bool = False,
    private: bool = False,
    api: Any = None,
) -> tuple[str, str | None]:
    """Push a verified folder to the Hugging Face Hub; return (commit sha, PR url or None).

    `api` defaults to `huggingface_hub.HfApi()`; tests pass a stand-in for the Hub's servers.
    """
    check_repo_id(repo_id)
    manifest = verify(folder)
    if api is None:
        import huggingface_hub

        if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
            raise UserError(
                "HF_HUB_OFFLINE is set, so nothing can be pushed to the Hub",
                "unset HF_HUB_OFFLINE, or use --local to publish into the local hub",
            )
        if huggingface_hub.get_token() is None:
            raise UserError(
                "no Hugging Face token found",
                "run `hf auth login` or set HF_TOKEN to a token with write access",
            )
        api = huggingface_hub.HfApi()
    _name_repo_in_card(folder, manifest, repo_id)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    if revision and not create_pr:
        api.create_branch(repo_id, repo_type="dataset", branch=revision, exist_ok=True)
    commit = api.upload_folder(
        repo_id=repo_id,
        repo_type="dataset",
        folder_path=str(folder),
        revision=revision,
        create_pr=create_pr,
        ignore_patterns=[f"{STATE_DIR}/*", f"{STATE_DIR}/**"],
        commit_message=(
            f"synthsuite {manifest['synthsuite_version']}: {manifest['dataset']} "
            f"{manifest['generator_version']} ({manifest['profile']}, seed {manifest['seed']})"
        ),
    )
    return commit.oid, getattr(commit, "pr_url", None)
