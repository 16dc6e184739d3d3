"""The generation engine: same bytes for any executor, resume after SIGKILL, corruption healed."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from datasets import load_dataset

from synthsuite.datasets_src import engine
from synthsuite.datasets_src.access import data_revision
from synthsuite.datasets_src.generator import get_generator
from synthsuite.evaluation.syntheory.tasks import TINY_REVISIONS
from synthsuite.kernel.errors import UserError
from tests.conftest import build, run_cli, shard_hashes

SUBSET = {"configs": ["notes", "tempos", "time_signatures"]}


def test_the_tiny_build_has_the_revisions_the_tasks_pin(tiny_dataset):
    manifest = engine.read_manifest(tiny_dataset)
    assert {c: data_revision(manifest, c) for c in TINY_REVISIONS} == TINY_REVISIONS


def test_same_bytes_with_one_and_two_workers(tiny_dataset, tmp_path):
    build(tmp_path / "two", workers=2, **SUBSET)
    two = shard_hashes(tmp_path / "two")
    one = {p: h for p, h in shard_hashes(tiny_dataset).items() if p.split("/")[1] in SUBSET["configs"]}
    assert two == one


@pytest.mark.slow
def test_ray_executor_gives_the_same_bytes(tiny_dataset, tmp_path):
    pytest.importorskip("ray")
    build(tmp_path / "ray", workers=2, executor="ray", configs=["chords"])
    expected = {p: h for p, h in shard_hashes(tiny_dataset).items() if p.startswith("data/chords/")}
    assert shard_hashes(tmp_path / "ray") == expected


def test_different_seed_gives_different_windows(tiny_dataset, tmp_path):
    build(tmp_path / "seed1", configs=["tempos"], seed=1)
    offsets = [
        sorted(load_dataset(str(folder), "tempos", split="train")["offset_time"])
        for folder in (tiny_dataset, tmp_path / "seed1")
    ]
    assert offsets[0] != offsets[1]


@pytest.mark.slow
def test_resume_after_sigkill_finishes_with_every_row_once(tiny_dataset, tmp_path):
    out = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "synthsuite",
        "generate",
        "syntheory",
        "--profile",
        "tiny",
        "--workers",
        "1",
        "--no-progress",
        "--out",
        str(out),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    records = out / engine.STATE_DIR / "shards"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(records.rglob("*.json"))) < 4:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / engine.MANIFEST_NAME).exists(), "the run finished before it was killed"
    finished_before = len(list(records.rglob("*.json")))

    resumed = subprocess.run(command, capture_output=True, text=True, check=True)
    assert f"reused {finished_before} finished shards" in resumed.stdout
    assert shard_hashes(out) == shard_hashes(tiny_dataset)
    for config in ("notes", "tempos"):
        ids = []
        for split in ("train", "validation", "test"):
            ids += load_dataset(str(out), config, split=split)["sample_id"]
        assert len(ids) == len(set(ids)) == len(get_generator("syntheory").plan(config, "tiny", 0))
    assert not list(out.rglob(".*.tmp-*"))


def test_corrupted_shard_is_detected_and_redone(tiny_dataset, tmp_path):
    out = tmp_path / "corrupt"
    build(out, configs=["scales"])
    shard = out / "data" / "scales" / "train-00000-of-00001.parquet"
    good = shard.read_bytes()
    shard.write_bytes(good[:1000] + bytes(b ^ 0xFF for b in good[1000:1010]) + good[1010:])
    from synthsuite.datasets_src.access import open_dataset

    with pytest.raises(UserError, match="does not match its manifest"):
        open_dataset(out).verify()
    result = run_cli("info", str(out))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"shard data/scales/train-00000-of-00001.parquet of {out} does not match" in result.stderr
    report = build(out, configs=["scales"])
    assert report.shards_written == 1 and report.shards_reused == 2
    assert shard.read_bytes() == good


def test_rerun_of_a_finished_dataset_renders_nothing(tmp_path):
    out = tmp_path / "again"
    first = build(out, configs=["chords", "chords"])
    assert first.shards_written == 3 and first.rows_rendered == 24
    before = (out / engine.MANIFEST_NAME).read_text()
    report = build(out, configs=["chords"])
    assert report.rows_rendered == 0 and report.shards_reused == 3
    assert json.loads((out / engine.MANIFEST_NAME).read_text()) == json.loads(before)


def test_configs_can_be_added_to_a_folder_but_builds_are_not_mixed(tmp_path):
    out = tmp_path / "mixed"
    build(out, configs=["chords"])
    build(out, configs=["scales"])
    assert set(engine.read_manifest(out)["configs"]) == {"chords", "scales"}
    with pytest.raises(UserError, match="already holds a different dataset build"):
        build(out, configs=["notes"], sample_rate=22050)


def test_a_different_soundfont_is_a_different_build(tmp_path):
    out = tmp_path / "sf"
    build(out, configs=["chords"])
    other = tmp_path / "other.sf2"
    other.write_bytes((get_generator("syntheory").soundfont).read_bytes() + b"\0")
    with pytest.raises(UserError, match="already holds a different dataset build"):
        build(out, configs=["chords"], soundfont=str(other))


def test_limit_takes_a_spread_subset_and_rejects_nonpositive(tmp_path):
    build(tmp_path / "lim", configs=["chord_progressions"], limit=10)
    manifest = engine.read_manifest(tmp_path / "lim")
    assert sum(s["num_examples"] for s in manifest["configs"]["chord_progressions"]["splits"].values()) == 10
    for bad in (0, -3):
        with pytest.raises(UserError, match="--limit must be a positive"):
            build(tmp_path / f"bad{bad}", configs=["notes"], limit=bad)
        assert not (tmp_path / f"bad{bad}").exists()


def test_a_worker_with_another_environment_refuses_to_render(tmp_path):
    generator = get_generator("syntheory")
    identity = engine.build_identity(generator, "tiny", 0)
    (shard, *_) = engine.plan_shards(generator, identity, "chords", limit=2)
    task = engine.RenderTask(
        "syntheory",
        identity["options"],
        {**identity["environment"], "libfluidsynth": "0.0.1"},
        "chords",
        0,
        0,
        shard.specs,
    )
    with pytest.raises(UserError, match="environment differs from the driver's in libfluidsynth"):
        engine.render_task(task)
    good = engine.RenderTask(
        "syntheory", identity["options"], identity["environment"], "chords", 0, 0, shard.specs
    )
    assert len(engine.render_task(good)[0]) == len(shard.specs)


def test_user_errors_survive_the_trip_from_a_worker_process():
    import pickle

    error = pickle.loads(pickle.dumps(UserError("the problem", "the fix")))
    assert (error.problem, error.fix, str(error)) == ("the problem", "the fix", "the problem; fix: the fix")


def test_rows_that_share_work_go_to_one_task_and_other_rows_keep_shard_order():
    generator = get_generator("syntheory")
    identity = engine.build_identity(generator, "paper", 0)
    for config in ("notes", "time_signatures"):
        for shard in engine.plan_shards(generator, identity, config, limit=None):
            tasks = engine.task_rows(generator, shard)
            assert sorted(row for task in tasks for row in task) == list(range(len(shard.specs)))
            assert all(0 < len(task) <= generator.rows_per_task for task in tasks)
            task_of = {row: number for number, task in enumerate(tasks) for row in task}
            shared: dict = {}
            for row, spec in enumerate(shard.specs):
                shared.setdefault(generator.shared_work(config, spec), set()).add(task_of[row])
            rows = range(len(shard.specs))
            in_order = [tuple(rows[start : start + 16]) for start in range(0, len(rows), 16)]
            if config == "notes":
                assert list(shared) == [None] and tasks == in_order
            else:
                assert None not in shared and all(len(numbers) == 1 for numbers in shared.values())
                assert tasks != in_order


def test_shared_click_track_renders_give_the_bytes_of_separate_renders(tmp_path, monkeypatch):
    from synthsuite.datasets_src.syntheory import SynTheoryGenerator
    from synthsuite.datasets_src.syntheory.synth import Renderer

    build(tmp_path / "shared", profile="small", configs=["time_signatures"])
    monkeypatch.setattr(SynTheoryGenerator, "shared_work", lambda self, config, spec: None)
    monkeypatch.setattr(Renderer, "_window_of", lambda self, score, longer, end: False)
    build(tmp_path / "separate", profile="small", configs=["time_signatures"])
    assert shard_hashes(tmp_path / "shared") == shard_hashes(tmp_path / "separate")
