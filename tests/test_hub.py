"""Hub-layout folders: the card, loading every config, local hub and (stand-in) Hub pushes."""

import shutil
from pathlib import Path

import pytest
import yaml
from datasets import ClassLabel, load_dataset

from synthsuite.datasets_src import engine, hub
from synthsuite.datasets_src.access import check_repo_id, hub_root, manifest_revision, open_dataset
from synthsuite.datasets_src.generator import get_generator
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.hashing import sha256_file

CONFIGS = get_generator("syntheory").configs


def card_yaml(folder: Path) -> dict:
    return yaml.safe_load((folder / "README.md").read_text().split("---\n")[1])


def test_card_declares_configs_features_and_split_sizes(tiny_dataset):
    card = card_yaml(tiny_dataset)
    manifest = engine.read_manifest(tiny_dataset)
    assert {c["config_name"] for c in card["configs"]} == set(CONFIGS)
    assert card["license"] == "mit"
    for info in card["dataset_info"]:
        entry = manifest["configs"][info["config_name"]]
        for split in info["splits"]:
            assert split["num_examples"] == entry["splits"][split["name"]]["num_examples"]
            assert split["num_bytes"] > 0
        assert {f["name"] for f in info["features"]} >= {"sample_id", "audio", "midi", "is_silent"}
    body = (tiny_dataset / "README.md").read_text()
    assert f"```\n{manifest['command']}\n```" in body  # the exact command is recorded
    assert "@inproceedings" in body and "{{" not in body


def test_manifest_pins_every_shard(tiny_dataset):
    manifest = engine.read_manifest(tiny_dataset)
    assert manifest["profile"] == "tiny" and manifest["seed"] == 0
    for entry in manifest["configs"].values():
        for shard in entry["shards"]:
            assert sha256_file(tiny_dataset / shard["path"]) == shard["sha256"]


@pytest.mark.parametrize("config", CONFIGS)
def test_every_config_loads_eagerly_and_streaming(tiny_dataset, config):
    eager = load_dataset(str(tiny_dataset), config)
    assert set(eager) == {"train", "validation", "test"}
    probed = {
        "tempos": None,
        "time_signatures": "time_signature",
        "notes": "root_note_pitch_class",
        "intervals": "interval",
        "scales": "mode",
        "chords": "chord_type",
        "chord_progressions": "chord_progression",
    }[config]
    if probed:
        assert isinstance(eager["train"].features[probed], ClassLabel)
    streamed = load_dataset(str(tiny_dataset), config, split="validation", streaming=True)
    streamed_ids = [row["sample_id"] for row in streamed]
    assert streamed_ids == eager["validation"]["sample_id"]


def test_publish_to_local_hub_and_load_by_repo_id(tiny_dataset):
    target, revision = hub.publish_local(tiny_dataset, "lab/syntheory-tiny")
    assert target == hub_root() / "lab" / "syntheory-tiny"
    assert revision == manifest_revision(tiny_dataset)
    assert not (target / engine.STATE_DIR).exists()
    assert 'load_dataset("lab/syntheory-tiny", "notes"' in (target / "README.md").read_text()
    assert 'load_dataset("ORG/NAME", "notes"' in (tiny_dataset / "README.md").read_text()
    resolved = open_dataset("lab/syntheory-tiny").folder
    assert resolved == target
    original = load_dataset(str(tiny_dataset), "chords", split="test")
    published = load_dataset(str(resolved), "chords", split="test")
    assert published["sample_id"] == original["sample_id"]
    assert published["midi"] == original["midi"]


class StandInHub:
    """Plays the Hub's servers (unreachable here): keeps what `upload_folder` would send."""

    def __init__(self, root: Path):
        self.root, self.calls = root, []

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))

    def create_branch(self, repo_id, **kwargs):
        self.calls.append(("create_branch", repo_id, kwargs))

    def upload_folder(self, *, repo_id, folder_path, ignore_patterns, **kwargs):
        self.calls.append(("upload_folder", repo_id, kwargs))
        ignored = shutil.ignore_patterns(*{p.split("/")[0] for p in ignore_patterns})
        shutil.copytree(folder_path, self.root / repo_id, ignore=ignored)

        class Commit:
            oid = "0" * 40
            pr_url = "https://hub.invalid/pr/1" if kwargs.get("create_pr") else None

        return Commit()


@pytest.fixture
def own_copy(tiny_dataset, tmp_path) -> Path:
    """A copy of the tiny build: pushing names the repo in the folder's card."""
    folder = tmp_path / "copy"
    shutil.copytree(tiny_dataset, folder)
    return folder


def test_push_uploads_the_verified_folder_without_state(own_copy, tmp_path):
    stand_in = StandInHub(tmp_path / "remote")
    sha, pr_url = hub.publish_hub(own_copy, "lab/syntheory", create_pr=True, api=stand_in)
    assert sha == "0" * 40 and pr_url
    assert [c[0] for c in stand_in.calls] == ["create_repo", "upload_folder"]
    assert stand_in.calls[1][2]["create_pr"] is True
    pushed = tmp_path / "remote" / "lab" / "syntheory"
    assert not (pushed / engine.STATE_DIR).exists()
    assert 'load_dataset("lab/syntheory", "notes"' in (pushed / "README.md").read_text()
    assert load_dataset(str(pushed), "notes", split="train").num_rows > 0


def test_push_to_a_branch_creates_it_first(own_copy, tmp_path):
    stand_in = StandInHub(tmp_path / "remote")
    hub.publish_hub(own_copy, "lab/syntheory", revision="v1", api=stand_in)
    assert [c[0] for c in stand_in.calls] == ["create_repo", "create_branch", "upload_folder"]
    assert stand_in.calls[2][2]["revision"] == "v1"


def test_push_refuses_a_folder_whose_shards_do_not_match(own_copy, tmp_path):
    shard = next((own_copy / "data" / "notes").glob("train-*.parquet"))
    shard.write_bytes(shard.read_bytes()[:-10])
    stand_in = StandInHub(tmp_path / "remote")
    with pytest.raises(UserError, match="does not match its manifest"):
        hub.publish_hub(own_copy, "lab/syntheory", api=stand_in)
    assert stand_in.calls == [] and not (tmp_path / "remote").exists()


@pytest.mark.parametrize("repo_id", ["noslash", "a/b/c", "../etc", "org/na me", "org/", "org/x.git"])
def test_malformed_repo_ids_are_refused(repo_id):
    with pytest.raises(UserError, match="malformed repo id"):
        check_repo_id(repo_id)
