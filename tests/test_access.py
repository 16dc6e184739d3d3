"""The one dataset-access path: every reader gets verified bytes, and a second read is cheap."""

import shutil

import pyarrow.parquet as pq
import pytest
from conftest import run_cli

from synthsuite.datasets_src import access
from synthsuite.datasets_src.access import open_dataset
from synthsuite.evaluation.predictions import write_predictions
from synthsuite.evaluation.scoring import scorer_for
from synthsuite.kernel.errors import UserError


def _edited_copy(tiny_dataset, tmp_path, config="notes", split="test"):
    """A copy of the build whose `split` shard of `config` has one label changed (a valid parquet)."""
    copy = tmp_path / "edited"
    shutil.copytree(tiny_dataset, copy)
    source = open_dataset(copy)
    path = source.shard_paths(config, split)[0]
    table = pq.read_table(path)
    labels = table.column("root_note_pitch_class").to_pylist()
    labels[0] = (labels[0] + 1) % 12
    index = table.schema.get_field_index("root_note_pitch_class")
    edited = table.set_column(index, table.schema.field(index), [labels])
    pq.write_table(edited, path, compression="zstd")
    return copy


def test_an_edited_shard_is_refused_by_every_reader(tiny_dataset, tiny_tasks, tmp_path):
    copy = _edited_copy(tiny_dataset, tmp_path)
    task = tiny_tasks["test/notes"]
    with pytest.raises(UserError, match="does not match its manifest"):
        open_dataset(copy).read("notes", "test", ["sample_id"])
    with pytest.raises(UserError, match="does not match its manifest"):
        scorer_for(task).references(task, open_dataset(copy), "test")
    truth = scorer_for(task).references(task, open_dataset(tiny_dataset), "test")
    predictions = tmp_path / "p.parquet"
    write_predictions(predictions, task, truth.ids, truth.values, {"name": "m", "revision": "1"})
    for command in (
        ["evaluate", str(predictions), "--task", "test/notes", "--dataset", str(copy)],
        ["info", str(copy)],
    ):
        result = run_cli(*command)
        assert result.returncode == 2, command
        assert "does not match its manifest" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "p.results.json").exists()
    # the untouched build scores, at the pinned revision
    result = run_cli("evaluate", str(predictions), "--task", "test/notes", "--dataset", str(tiny_dataset))
    assert result.returncode == 0, result.stderr


def _first_shard(source, config, split):
    shards = [s for s in source.manifest["configs"][config]["shards"] if s["split"] == split]
    return min(shards, key=lambda s: s["path"])


def test_a_shard_is_hashed_once_until_it_changes(tiny_dataset, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_dataset, copy)
    access._verified_here.clear()
    first = open_dataset(copy).read("chords", "train", ["sample_id"])
    source = open_dataset(copy)
    shard = _first_shard(source, "chords", "train")
    assert source._verified_bytes(shard, keep=True) is None, "verified already: no second hash"
    # the same bytes written again give the file a new identity: hashed again, and accepted
    path = copy / shard["path"]
    data = path.read_bytes()
    path.write_bytes(data)
    assert source._verified_bytes(shard, keep=True) == data
    assert open_dataset(copy).read("chords", "train", ["sample_id"]).equals(first)
    # other bytes are refused, although a verification of the earlier file is cached
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(UserError, match="does not match its manifest"):
        open_dataset(copy).read("chords", "train", ["sample_id"])


def test_the_verification_cache_survives_the_process(tiny_dataset, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_dataset, copy)
    access._verified_here.clear()
    open_dataset(copy).read("chords", "test", ["sample_id"])
    cached = list(access.verify_cache_root().glob("*.json"))
    assert cached, "the verified hashes are kept on disk"
    access._verified_here.clear()
    source = open_dataset(copy)
    shard = _first_shard(source, "chords", "test")
    assert source._verified_bytes(shard, keep=True) is None, "a cached verification skips hashing"


def test_unknown_configs_splits_and_columns_are_one_line(tiny_dataset):
    source = open_dataset(tiny_dataset)
    with pytest.raises(UserError, match="has no config 'melodies'"):
        source.read("melodies", "train")
    with pytest.raises(UserError, match="has no 'dev' split"):
        source.read("notes", "dev")
    with pytest.raises(UserError, match="has no column 'nothing'"):
        source.read("notes", "test", ["sample_id", "nothing"])


def test_a_repo_id_that_is_nowhere_names_the_fixes(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHSUITE_HUB", str(tmp_path / "empty-hub"))
    with pytest.raises(UserError) as error:
        open_dataset("nobody/nothing")
    assert "local hub" in error.value.problem and "HF_HUB_OFFLINE" in error.value.problem
    assert "--dataset" in error.value.fix and "SYNTHSUITE_HUB" in error.value.fix
