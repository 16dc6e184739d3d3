"""Publishing: a large build goes up through the resumable large-folder upload, and a results store
(the reference store) goes up like a dataset, only when every entry is valid. Against the same
stand-in for the Hub's servers as tests/test_hub.py."""

import shutil
from pathlib import Path

import huggingface_hub.constants
import pytest

from synthsuite.datasets_src import hub
from synthsuite.kernel.errors import UserError
from synthsuite.leaderboard.publish import is_results_store, publish_results
from synthsuite.leaderboard.store import reference_root
from tests.test_hub import StandInHub

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "store"


class InterruptedHub(StandInHub):
    """Loses the connection after `fail_after` files of the first upload, as a long push may;
    the files already sent stay, as batches the real upload committed do."""

    def __init__(self, root: Path, fail_after: int):
        super().__init__(root)
        self.fail_after = fail_after

    def upload_folder(self, *, repo_id, folder_path, ignore_patterns, **kwargs):
        self.calls.append(("upload_folder", repo_id, kwargs))
        files = sorted(p for p in Path(folder_path).rglob("*") if p.is_file() and ".state" not in p.parts)
        for i, path in enumerate(files):
            if self.fail_after is not None and i == self.fail_after:
                self.fail_after = None
                raise ConnectionError("connection reset")
            target = self.root / repo_id / path.relative_to(folder_path)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)

        class Commit:
            oid = "1" * 40
            pr_url = None

        return Commit()


@pytest.fixture
def own_copy(tiny_dataset, tmp_path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(tiny_dataset, folder)
    return folder


def test_a_large_build_needs_the_resumable_upload(own_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "LARGE_BUILD_BYTES", 1)  # the tiny build stands for a build of tens of GB
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)
    stand_in = StandInHub(tmp_path / "remote")
    with pytest.raises(UserError, match="resumable large-folder upload \\(hf_xet\\) is off") as refused:
        hub.publish_hub(own_copy, "lab/syntheory", api=stand_in)
    assert "\n" not in str(refused.value)
    assert stand_in.calls == [] and not (tmp_path / "remote").exists()


def test_an_interrupted_large_push_resumes_by_running_it_again(own_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "LARGE_BUILD_BYTES", 1)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", False)
    stand_in = InterruptedHub(tmp_path / "remote", fail_after=5)
    with pytest.raises(ConnectionError):
        hub.publish_hub(own_copy, "lab/syntheory", api=stand_in)
    sha, _ = hub.publish_hub(own_copy, "lab/syntheory", api=stand_in)  # the same command again
    assert sha == "1" * 40
    pushed = tmp_path / "remote" / "lab" / "syntheory"
    sent = sorted(p.relative_to(pushed).as_posix() for p in pushed.rglob("*") if p.is_file())
    local = sorted(
        p.relative_to(own_copy).as_posix()
        for p in own_copy.rglob("*")
        if p.is_file() and ".state" not in p.parts
    )
    assert sent == local


def test_the_reference_store_is_published_like_a_dataset(tmp_path):
    assert reference_root() == REFERENCE and is_results_store(REFERENCE)
    stand_in = StandInHub(tmp_path / "remote")
    _, pr_url = publish_results(REFERENCE, "synthsuite/results", create_pr=True, api=stand_in)
    assert pr_url and [c[0] for c in stand_in.calls] == ["create_repo", "upload_folder"]
    pushed = tmp_path / "remote" / "synthsuite" / "results"
    assert sorted(p.name for p in pushed.rglob("*.json")) == sorted(p.name for p in REFERENCE.rglob("*.json"))


def test_a_store_with_an_invalid_entry_is_not_published(tmp_path):
    store = tmp_path / "store"
    shutil.copytree(REFERENCE, store)
    next(store.rglob("notes.json")).write_text('{"schema_version": 1, "main_score": NaN}')
    stand_in = StandInHub(tmp_path / "remote")
    with pytest.raises(UserError, match=r"holds 1 invalid entries, e\.g\. .*notes\.json: .*NaN"):
        publish_results(store, "synthsuite/results", api=stand_in)
    assert stand_in.calls == []
