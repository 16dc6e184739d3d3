"""Shared fixtures: offline settings and one tiny SynTheory build reused across tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_EVALUATE_OFFLINE"] = "1"
os.environ.setdefault("TQDM_DISABLE", "1")

from synthsuite.datasets_src import engine
from synthsuite.datasets_src.access import data_revision
from synthsuite.datasets_src.executors import make_executor
from synthsuite.datasets_src.generator import get_generator
from synthsuite.evaluation import tasks as task_registry
from synthsuite.evaluation.syntheory.tasks import CONCEPT_LABELS, concept_task

# Modules whose every test renders with Blender, drives Chromium, synthesises and analyses audio or
# trains probes: `make test` runs them, `make test-fast` (-m "not slow") leaves them out. Single slow
# tests elsewhere carry @pytest.mark.slow themselves.
SLOW_MODULES = {
    "test_force_balls.py",
    "test_force_dataset.py",
    "test_force_flags.py",
    "test_leaderboard_browser.py",
    "test_syntheory_audio.py",
    "test_syntheory_probe.py",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _verify_cache(tmp_path_factory, monkeypatch):
    """Dataset verifications are cached per test session, never in the user's cache."""
    monkeypatch.setenv("SYNTHSUITE_VERIFY_CACHE", str(tmp_path_factory.getbasetemp() / "verified"))


@pytest.fixture(autouse=True)
def _local_hub(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SYNTHSUITE_HUB", str(tmp_path_factory.getbasetemp() / "hub"))


def build(
    out: Path,
    *,
    dataset: str = "syntheory",
    profile: str = "tiny",
    workers: int = 1,
    executor: str = "local",
    configs=None,
    limit=None,
    seed=0,
    **options,
):
    """Generate `dataset` (default: tiny SynTheory) into `out`; options go to the generator.

    The in-process worker's cached generator is dropped first: it would keep state (options,
    runs already read) from an earlier build in this process."""
    engine._worker_generator.cache_clear()
    generator = get_generator(dataset, options)
    return engine.generate(
        generator,
        out,
        configs=configs or list(generator.configs),
        profile=profile,
        seed=seed,
        limit=limit,
        executor=make_executor(executor, workers),
        command="pytest",
        progress=False,
    )


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """The whole tiny profile (240 clips), generated once with one worker."""
    out = tmp_path_factory.mktemp("tiny") / "syntheory-tiny"
    build(out)
    return out


def pinned_tasks(folder: Path, prefix: str = "test") -> list:
    """SynTheory tasks pinned to the revisions of `folder` (what SYNTHSUITE_TASKS carries)."""
    manifest = engine.read_manifest(folder)
    return [
        concept_task(
            c, name=f"{prefix}/{c}", repo_id=str(folder), revision=data_revision(manifest, c), profile="tiny"
        )
        for c in CONCEPT_LABELS
    ]


@pytest.fixture()
def tiny_tasks(tiny_dataset, tmp_path, monkeypatch) -> dict:
    """Tasks `test/<concept>` pinned to the session's tiny build, registered via SYNTHSUITE_TASKS."""
    path = tmp_path / "tasks.json"
    tasks = pinned_tasks(tiny_dataset)
    path.write_text(json.dumps([t.model_dump(mode="json") for t in tasks]))
    monkeypatch.setenv(task_registry.TASKS_ENV, str(path))
    return {t.name: t for t in tasks}


def shard_hashes(folder: Path) -> dict[str, str]:
    manifest = engine.read_manifest(folder)
    return {s["path"]: s["sha256"] for e in manifest["configs"].values() for s in e["shards"]}


def run_cli(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "synthsuite", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        **kwargs,
    )
