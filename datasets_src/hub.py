"""Hub-layout folders: the dataset card, verification, the local hub and pushing to the Hub.

A finished dataset folder is exactly what a Hugging Face dataset repo holds:
`data/<config>/<split>-NNNNN-of-MMMMM.parquet`, a `README.md` card whose YAML declares the
configs, features and split sizes, and `synthsuite-manifest.json`. The embedded default hub is a
local folder (`$SYNTHSUITE_HUB`, default `~/.cache/synthsuite/hub`) holding such folders as
`<org>/<name>`, so everything works offline; `publish` pushes the same folder to the Hub.
"""

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from datasets_src.engine import MANIFEST_NAME, STATE_DIR, read_manifest, sha256_file
from datasets_src.errors import UserError
from datasets_src.generator import Generator

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


def write_card(folder: Path, manifest: dict[str, Any], generator: Generator) -> None:
    from datasets import Features

    from datasets_src.atomic import atomic_write_text

    configs, infos = [], []
    for name, entry in manifest["configs"].items():
        configs.append(
            {
                "config_name": name,
                "data_files": [
                    {"split": split, "path": f"data/{name}/{split}-*.parquet"} for split in entry["splits"]
                ],
            }
        )
        features = Features.from_dict(entry["features"])
        infos.append(
            {
                "config_name": name,
                "features": _features_yaml(features),
                "splits": [
                    {"name": split, "num_bytes": sizes["num_bytes"], "num_examples": sizes["num_examples"]}
                    for split, sizes in entry["splits"].items()
                ],
                "download_size": sum(s["download_bytes"] for s in entry["splits"].values()),
                "dataset_size": sum(s["num_bytes"] for s in entry["splits"].values()),
            }
        )
    rows = sum(s["num_examples"] for e in manifest["configs"].values() for s in e["splits"].values())
    metadata = {
        **generator.card_metadata(),
        "size_categories": [_size_category(rows)],
        "configs": configs,
        "dataset_info": infos,
    }
    front = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=1000)
    body = generator.card_sections().format(**_card_facts(manifest))
    atomic_write_text(folder / "README.md", f"---\n{front}---\n\n{body}")


def _features_yaml(features: Any) -> list[dict[str, Any]]:
    """The `dataset_info.features` list in the form the Hub and `datasets` read from cards."""
    from datasets import DatasetInfo

    return DatasetInfo(features=features)._to_yaml_dict()["features"]


def _size_category(rows: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if rows < limit:
            return label
    return "1M<n<10M"


def _card_facts(manifest: dict[str, Any]) -> dict[str, Any]:
    rows = {c: sum(s["num_examples"] for s in e["splits"].values()) for c, e in manifest["configs"].items()}
    table = "\n".join(
        f"| `{c}` | "
        + " | ".join(
            str(e["splits"].get(s, {}).get("num_examples", 0)) for s in ("train", "validation", "test")
        )
        + f" | {rows[c]} |"
        for c, e in manifest["configs"].items()
    )
    return {
        "command": manifest["command"],
        "generator_version": manifest["generator_version"],
        "synthsuite_version": manifest["synthsuite_version"],
        "profile": manifest["profile"],
        "seed": manifest["seed"],
        "options": json.dumps(manifest["options"], sort_keys=True),
        "split_table": "| config | train | validation | test | total |\n|---|---|---|---|---|\n" + table,
    }


def publish_local(folder: Path, repo_id: str) -> tuple[Path, str]:
    """Copy a verified folder into the local hub as `<hub>/<repo_id>`, replacing it atomically."""
    check_repo_id(repo_id)
    verify(folder)
    target = hub_root() / repo_id
    if target.resolve() == folder.resolve():
        return target, manifest_revision(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(folder, staging, ignore=shutil.ignore_patterns(STATE_DIR))
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
