"""Publishing a results store (e.g. the reference store, reference/store/) as the results dataset repo.

`synthsuite publish STORE --repo-id ORG/results` pushes a store like a dataset: every entry is
checked first (table.collect, the same checks as a build) and a store with any invalid entry is
refused with one line, so a published results repo holds only what the leaderboard can rank (stale
results are kept: they record what a task pinned before). The push is the same resumable
`upload_folder` as a dataset's (datasets_src/hub.py), without the store's lock and staging area.
"""

import os
from pathlib import Path
from typing import Any

from synthsuite.kernel.errors import UserError
from synthsuite.leaderboard.store import LOCK, STAGING, ResultsStore
from synthsuite.leaderboard.table import INVALID, collect


def is_results_store(folder: Path) -> bool:
    """A folder holding `<model key>/<submission id>/model.json` and no dataset manifest."""
    from synthsuite.datasets_src.engine import MANIFEST_NAME

    if (folder / MANIFEST_NAME).exists():
        return False
    return any((f / "model.json").is_file() for f in ResultsStore(folder).submission_folders())


def publish_results(
    folder: Path, repo_id: str, *, revision: str | None = None, create_pr: bool = False, api: Any = None
) -> tuple[str, str | None]:
    """Check every entry of the store at `folder`, then push it; return (commit sha, PR url or None).

    `api` defaults to `huggingface_hub.HfApi()`; tests pass a stand-in for the Hub's servers."""
    from synthsuite.datasets_src.access import check_repo_id

    check_repo_id(repo_id)
    table = collect(ResultsStore(folder))
    invalid = table[table["status"] == INVALID]
    if not invalid.empty:
        first = invalid.iloc[0]
        raise UserError(
            f"{folder} holds {len(invalid)} invalid entries, e.g. {first['result_path']}: {first['reason']}",
            "fix or remove them (`synthsuite leaderboard build --store` lists them all)",
        )
    if api is None:
        import huggingface_hub

        if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
            raise UserError(
                "HF_HUB_OFFLINE is set, so nothing can be pushed to the Hub", "unset HF_HUB_OFFLINE"
            )
        api = huggingface_hub.HfApi()
    api.create_repo(repo_id, repo_type="dataset", exist_ok=True)
    commit = api.upload_folder(
        repo_id=repo_id,
        repo_type="dataset",
        folder_path=str(folder),
        revision=revision,
        create_pr=create_pr,
        ignore_patterns=[LOCK, f"{STAGING}/*", f"{STAGING}/**", ".*"],
        commit_message=f"synthsuite results: {len(table)} results of {table['model_key'].nunique()} models",
    )
    return commit.oid, getattr(commit, "pr_url", None)
