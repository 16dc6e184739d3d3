"""Publishing Hub-layout folders: into the local hub, or pushed to the Hugging Face Hub.

A finished dataset folder is exactly what a Hugging Face dataset repo holds:
`data/<config>/<split>-NNNNN-of-MMMMM.parquet`, a `README.md` card whose YAML declares the
configs, features and split sizes, and `synthsuite-manifest.json`. The embedded default hub is a
local folder (`$SYNTHSUITE_HUB`, default `~/.cache/synthsuite/hub`) holding such folders as
`<org>/<name>`, so everything works offline; `publish` pushes the same folder to the Hub.
"""

import os
import shutil
from pathlib import Path
from typing import Any

from synthsuite.datasets_src.access import check_repo_id, hub_root, manifest_revision, open_dataset
from synthsuite.datasets_src.card import write_card
from synthsuite.datasets_src.engine import STATE_DIR
from synthsuite.datasets_src.generator import get_generator
from synthsuite.kernel.errors import UserError


def default_output(dataset: str, profile: str) -> Path:
    """Where `generate` writes when no --out is given: the local hub's `local/` namespace."""
    name = dataset if profile == "paper" else f"{dataset}-{profile}"
    return hub_root() / "local" / name


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
    manifest = open_dataset(folder).verify()
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
    manifest = open_dataset(folder).verify()
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
    size = sum(int(s["bytes"]) for entry in manifest["configs"].values() for s in entry["shards"])
    _check_resumable(size)
    _name_repo_in_card(folder, manifest, repo_id)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    if revision and not create_pr:
        api.create_branch(repo_id, repo_type="dataset", branch=revision, exist_ok=True)
    ignored = [f"{STATE_DIR}/*", f"{STATE_DIR}/**"]
    commit = api.upload_folder(
        repo_id=repo_id,
        repo_type="dataset",
        folder_path=str(folder),
        revision=revision,
        create_pr=create_pr,
        ignore_patterns=ignored,
        commit_message=(
            f"synthsuite {manifest['synthsuite_version']}: {manifest['dataset']} "
            f"{manifest['generator_version']} ({manifest['profile']}, seed {manifest['seed']})"
        ),
    )
    return commit.oid, getattr(commit, "pr_url", None)


LARGE_BUILD_BYTES = 5 << 30  # from here on a push must be resumable: one commit of it would not survive


def _check_resumable(size: int) -> None:
    """Refuse to push a large build without the resumable large-folder upload.

    In the pinned huggingface_hub (2.4) `upload_folder` itself is that upload whenever hf_xet is
    available (a dependency of it): files go up in deduplicated chunks and are committed in batches,
    and re-running the same `publish` resumes, skipping what was committed. HF_HUB_DISABLE_XET turns
    it off, which leaves one commit of the whole folder: refused for a large build."""
    from huggingface_hub.utils._runtime import is_xet_available

    if size >= LARGE_BUILD_BYTES and not is_xet_available():
        raise UserError(
            f"the build is {size / 2**30:.1f} GiB and the resumable large-folder upload (hf_xet) is off",
            "pip install hf_xet (a dependency of huggingface_hub) and unset HF_HUB_DISABLE_XET",
        )
