"""Submissions, the results store, the leaderboard table and site, on real results of a tiny build.

The results are scored by the real evaluator (one through `synthsuite evaluate` itself) from
predictions derived from the labels of the tiny SynTheory build, on tasks pinned to that build.
"""

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import gradio as gr
import httpx
import numpy as np
import pandas as pd
import pytest

from synthsuite.cli import main
from synthsuite.datasets_src.access import data_revision, open_dataset
from synthsuite.datasets_src.engine import read_manifest
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.predictions import write_predictions
from synthsuite.evaluation.results import read_result
from synthsuite.evaluation.scoring import label_scores, scorer_for
from synthsuite.evaluation.syntheory.tasks import TINY_REPO, concept_task
from synthsuite.evaluation.tasks import TASKS_ENV, TaskMetadata
from synthsuite.kernel.errors import UserError
from synthsuite.leaderboard import site as site_module
from synthsuite.leaderboard import store as store_module
from synthsuite.leaderboard.app import API_NAME, PARAMETER_RANGES, view
from synthsuite.leaderboard.model_card import MODEL_CARD
from synthsuite.leaderboard.site import build_site
from synthsuite.leaderboard.store import REFERENCE_ENV, RESULTS_ENV, ResultsStore, model_key
from synthsuite.leaderboard.submission import (
    MAX_RESULT_BYTES,
    open_pull_request,
    read_submission,
    submit_local,
)
from synthsuite.leaderboard.table import INVALID, RANKED, STALE, board, collect, read_table, write_table
from tests.conftest import run_cli

BENCHMARK = "lbtest"
CONCEPTS = ("chords", "notes", "tempos")
XSS_NAME = "<script>window.__pwned=1</script>"
CARDS = {
    "oracle-probe": {
        "name": "oracle-probe",
        "link": "https://example.org/oracle",
        "license": "MIT",
        "parameters": 1_500_000_000,
        "saw_synthetic_data": True,
    },
    "majority-probe": {
        "name": "majority-probe",
        "link": None,
        "license": "Apache-2.0",
        "parameters": 0,
        "saw_synthetic_data": False,
    },
    "noisy-probe": {
        "name": "noisy-probe",
        "link": "http://example.org/noisy",
        "license": "CC-BY-4.0",
        "parameters": None,
        "saw_synthetic_data": False,
    },
    XSS_NAME: {
        "name": XSS_NAME,
        "link": "https://example.org/x?a=1&b=<i>",
        "license": "<b>bold</b>",
        "parameters": 50_000_000,
        "saw_synthetic_data": False,
    },
}
NOISY_LAYERS = (0.2, 0.45, 0.7, 0.55)  # share of rows each layer of noisy-probe gets right


@pytest.fixture(scope="session", name="tasks_file")
def tasks_file_fixture(tiny_dataset, tmp_path_factory) -> Path:
    """SYNTHSUITE_TASKS file: the test benchmark's tasks, pinned to the tiny build's revisions."""
    manifest = read_manifest(tiny_dataset)
    tasks = [
        concept_task(
            c, name=f"{BENCHMARK}/{c}", repo_id=TINY_REPO, revision=data_revision(manifest, c), profile="tiny"
        )
        for c in CONCEPTS
    ]
    path = tmp_path_factory.mktemp("tasks") / "tasks.json"
    path.write_text(json.dumps([t.model_dump(mode="json") for t in tasks]))
    return path


@pytest.fixture(autouse=True)
def _registered_tasks_and_store(tasks_file, tmp_path, monkeypatch):
    monkeypatch.setenv(TASKS_ENV, str(tasks_file))
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "store"))
    monkeypatch.setenv(REFERENCE_ENV, str(tmp_path / "no-reference"))  # these tests read their store alone


def _predictor(model: str, task: TaskMetadata) -> Callable[[np.ndarray, float], np.ndarray]:
    """(labels, share right) -> predictions of `model`."""
    classes = len(task.predictions.classes or ())

    def predict(labels: np.ndarray, right: float = 1.0) -> np.ndarray:
        if model == "oracle-probe":
            return labels
        if model in ("majority-probe", XSS_NAME):
            if classes:
                return np.full_like(labels, np.bincount(labels).argmax())
            return np.full(labels.shape, float(labels.mean()))
        wrong = np.random.default_rng(len(labels)).random(len(labels)) >= right
        if classes:
            return np.where(wrong, (labels + 1) % classes, labels)
        return np.where(wrong, labels + 25.0, labels).astype(np.float64)

    return predict


@pytest.fixture(scope="session", name="real_results")
def real_results_fixture(tiny_dataset, tasks_file, tmp_path_factory) -> dict[str, dict[str, Path]]:
    """model -> concept -> results JSON scored by the evaluator; noisy-probe has per-layer scores."""
    out = tmp_path_factory.mktemp("results")
    listed = [TaskMetadata.model_validate(raw) for raw in json.loads(tasks_file.read_text())]
    tasks = {t.dataset.config: t for t in listed}
    source = open_dataset(tiny_dataset)
    paths: dict[str, dict[str, Path]] = {}
    for i, model in enumerate(CARDS):
        for concept, task in tasks.items():
            refs = scorer_for(task).references(task, source, task.eval_split)
            predict = _predictor(model, task)
            predictions = out / f"m{i}-{concept}.parquet"
            values = predict(refs.values)
            if model == "noisy-probe":  # a probe per layer; the best one's predictions are submitted
                layers = {str(k): predict(refs.values, right) for k, right in enumerate(NOISY_LAYERS)}
                best = max(layers, key=lambda k: label_scores(task, refs.values, layers[k])[task.main_score])
                values = layers[best]
            write_predictions(predictions, task, refs.ids, values, {"name": model, "revision": "v1"})
            path = out / f"m{i}-{concept}.json"
            if model == "oracle-probe" and concept == "notes":  # once through the command itself
                done = run_cli(
                    "evaluate", str(predictions), "--task", task.name, "--dataset", str(tiny_dataset),
                    "--out", str(path), env={TASKS_ENV: str(tasks_file)},
                )  # fmt: skip
                assert done.returncode == 0, done.stderr
            else:
                result = evaluate_predictions(task, predictions, dataset=str(tiny_dataset))
                if model == "noisy-probe":
                    scored = {
                        k: {task.eval_split: label_scores(task, refs.values, v)} for k, v in layers.items()
                    }
                    result = result.model_copy(update={"layers": scored, "selected_layer": best})
                result.write(path)
            paths.setdefault(model, {})[concept] = path
    return paths


def make_submission(
    folder: Path, results: dict[str, dict[str, Path]], model: str, concepts=CONCEPTS, card=None
) -> Path:
    folder.mkdir(parents=True)
    for concept in concepts:
        shutil.copyfile(results[model][concept], folder / f"{concept}.json")
    (folder / MODEL_CARD).write_text(json.dumps(card or CARDS[model], indent=1))
    return folder


def store_listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) if root.exists() else []


def one_error_line(code: int, err: str) -> str:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "; fix: " in lines[0], err
    return lines[0]


def test_submit_then_build_ranks_real_results(real_results, tmp_path):
    store = tmp_path / "store"
    for i, model in enumerate(CARDS):
        folder = make_submission(tmp_path / "subs" / str(i), real_results, model)
        done = run_cli("submit", str(folder)) if model == "oracle-probe" else None
        if done is not None:
            assert done.returncode == 0, done.stderr
            assert "accepted 3 results of oracle-probe (v1)" in done.stdout
            assert f"{BENCHMARK}/notes: accuracy 1.0000" in done.stdout
        else:
            assert main(["submit", str(folder)]) == 0
    key = model_key("oracle-probe", "v1")
    [submitted] = (store / key).iterdir()
    assert sorted(p.relative_to(submitted).as_posix() for p in submitted.rglob("*.json")) == [
        f"{BENCHMARK}/chords.json", f"{BENCHMARK}/notes.json", f"{BENCHMARK}/tempos.json", MODEL_CARD,
    ]  # fmt: skip

    site = tmp_path / "site"
    built = run_cli("leaderboard", "build", "--out", str(site))
    assert built.returncode == 0, built.stderr
    assert "12 results (12 ranked, 0 stale, 0 invalid)" in built.stdout
    table = read_table(site / "leaderboard.parquet")
    assert len(table) == 12 and set(table["status"]) == {RANKED}
    for row in table.itertuples():  # provenance: the copied file is the stored one, with its revision
        copied = site / "results" / row.result_path
        assert copied.read_bytes() == (store / row.result_path).read_bytes()
        result = read_result(copied)
        assert result.main_score == row.main_score and result.dataset.revision == row.dataset_revision
        assert row.synthsuite_version == result.synthsuite_version == "0.1.0"
    wide = board(table, BENCHMARK)
    assert wide["model"].iloc[0] == "oracle-probe" and wide["mean"].iloc[0] == 1.0
    assert list(wide.columns[-3:]) == list(CONCEPTS)
    page = (site / "index.html").read_text()
    assert '<table class="sortable board" id="board-lbtest">' in page
    for concept in CONCEPTS:
        assert (site / "plots" / BENCHMARK / f"{concept}.svg").stat().st_size > 1000
    noisy = model_key("noisy-probe", "v1")  # the one model with per-layer scores: its own figure
    assert [p.name for p in (site / "plots" / BENCHMARK).glob("layers-*.svg")] == [f"layers-{noisy}.svg"]
    assert "https://cdn" not in page and "<script>window" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page


BAD_INPUTS: dict[str, tuple[Callable[[Path], None], str]] = {}


def bad_input(message: str):
    def register(change: Callable[[Path], None]):
        BAD_INPUTS[change.__name__] = (change, message)
        return change

    return register


def _edit(folder: Path, concept: str, edit: Callable[[dict], None]) -> None:
    path = folder / f"{concept}.json"
    raw = json.loads(path.read_text())
    edit(raw)
    path.write_text(json.dumps(raw))


@bad_input("not valid JSON (line 1")
def malformed_json(folder):
    (folder / "notes.json").write_text('{"schema_version": 1, "task": ')


@bad_input("has schema_version 2; this synthsuite reads 1")
def wrong_schema_version(folder):
    _edit(folder, "notes", lambda r: r.update(schema_version=2))


@bad_input("holds the non-standard token NaN")
def nan_score(folder):
    (folder / "notes.json").write_text(
        (folder / "notes.json").read_text().replace('"accuracy": 1.0', '"accuracy": NaN')
    )


@bad_input("holds the non-standard token Infinity")
def infinite_score(folder):
    _edit(folder, "tempos", lambda r: r["scores"]["test"].update(r2=float("inf")))


@bad_input("scores.test: macro_f1 = 1.5 is outside its range [0.0, 1.0]")
def out_of_range_score(folder):
    _edit(folder, "chords", lambda r: r["scores"]["test"].update(macro_f1=1.5))


@bad_input("unknown task 'lbtest/keys'")
def unknown_task(folder):
    _edit(folder, "notes", lambda r: r["task"].update(name="lbtest/keys"))


@bad_input("is not the revision lbtest/notes pins")
def mismatched_dataset_revision(folder):
    _edit(folder, "notes", lambda r: r["dataset"].update(revision="ab" * 32))


@bad_input("task version 0.9.0 is not lbtest/chords's current version 1.0.0")
def old_task_version(folder):
    _edit(folder, "chords", lambda r: r["task"].update(version="0.9.0"))


@bad_input("main_score 0.5 is not accuracy on test (1.0)")
def main_score_not_the_main_metric(folder):
    _edit(folder, "notes", lambda r: r.update(main_score=0.5))


@bad_input("is over the 1,048,576-byte limit")
def oversized_file(folder):
    (folder / "notes.json").write_text(" " * (MAX_RESULT_BYTES + 1))


@bad_input("is a symbolic link")
def symlink_out_of_the_folder(folder):
    (folder / "notes.json").unlink()
    (folder / "notes.json").symlink_to(folder.parent / "elsewhere.json")


@bad_input("is a folder")
def subfolder(folder):
    (folder / "more").mkdir()
    shutil.move(folder / "notes.json", folder / "more" / "notes.json")


@bad_input("file name '..notes.json' in")
def dot_dot_name(folder):
    (folder / "notes.json").rename(folder / "..notes.json")


@bad_input("file name 'notes results.json' in")
def odd_characters(folder):
    (folder / "notes.json").rename(folder / "notes results.json")


@bad_input("file name 'notes.json\\n' in")
def newline_in_name(folder):
    (folder / "notes.json").rename(folder / "notes.json\n")


@bad_input("file name 'notes.txt' in")
def not_json(folder):
    (folder / "notes.json").rename(folder / "notes.txt")


@bad_input("has no model.json")
def missing_model_metadata(folder):
    (folder / MODEL_CARD).unlink()


@bad_input("field 'saw_synthetic_data': Field required")
def undeclared_training_data(folder):
    (folder / MODEL_CARD).write_text(
        json.dumps({k: v for k, v in CARDS["oracle-probe"].items() if k != "saw_synthetic_data"})
    )


@bad_input("field 'link': Value error, must be an http:// or https:// URL")
def script_link(folder):
    (folder / MODEL_CARD).write_text(
        json.dumps({**CARDS["oracle-probe"], "link": "javascript:window.__pwned=1"})
    )


@bad_input("model.name 'oracle-probe' is not the name in model.json ('other')")
def model_name_differs(folder):
    (folder / MODEL_CARD).write_text(json.dumps({**CARDS["oracle-probe"], "name": "other"}))


@bad_input("layers.0.test: r2 = -3.0 is outside its range [-1.0, 1.0]")
def layer_out_of_range(folder):
    _edit(folder, "tempos", lambda r: r.update(layers={"0": {"test": {"r2": -3.0}}}, selected_layer="0"))


@bad_input("are both results of lbtest/notes")
def two_results_for_one_task(folder):
    shutil.copyfile(folder / "notes.json", folder / "notes-again.json")


@pytest.mark.parametrize("change", sorted(BAD_INPUTS))
def test_bad_submission_gets_one_line_and_writes_nothing(change, real_results, tmp_path, capsys):
    store = tmp_path / "store"
    accepted = make_submission(tmp_path / "first", real_results, "majority-probe")
    assert main(["submit", str(accepted)]) == 0  # the store is not empty: nothing may be added to it
    before = store_listing(store)
    folder = make_submission(tmp_path / "sub", real_results, "oracle-probe")
    apply, message = BAD_INPUTS[change]
    apply(folder)
    capsys.readouterr()
    line = one_error_line(main(["submit", str(folder)]), capsys.readouterr().err)
    assert message in line
    assert store_listing(store) == before


def test_duplicate_submission_is_refused(real_results, tmp_path):
    make_submission(tmp_path / "a", real_results, "noisy-probe", concepts=("notes",))
    make_submission(tmp_path / "b", real_results, "noisy-probe", concepts=("chords", "notes"))
    assert run_cli("submit", str(tmp_path / "a")).returncode == 0
    before = store_listing(tmp_path / "store")
    done = run_cli("submit", str(tmp_path / "b"))
    line = one_error_line(done.returncode, done.stderr)
    assert (
        "duplicate: the results store already has a result of 'noisy-probe' revision 'v1' on lbtest/notes"
        in line
    )
    assert store_listing(tmp_path / "store") == before
    (tmp_path / "b" / "notes.json").unlink()  # only the new task: accepted
    assert main(["submit", str(tmp_path / "b")]) == 0
    changed = make_submission(tmp_path / "d", real_results, "noisy-probe", concepts=("tempos",))
    (changed / MODEL_CARD).write_text(json.dumps({**CARDS["noisy-probe"], "license": "MIT"}))
    with pytest.raises(UserError, match="already holds 'noisy-probe' revision 'v1' with other metadata"):
        submit_local(read_submission(changed), ResultsStore(tmp_path / "store"))


def test_a_crash_mid_write_leaves_no_entry(real_results, tmp_path, monkeypatch):
    store = ResultsStore(tmp_path / "store")
    submission = read_submission(make_submission(tmp_path / "sub", real_results, "oracle-probe"))
    real_fsync, calls = os.fsync, []

    def dies_on_the_third_file(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise KeyboardInterrupt  # what a kill at this point leaves on disk: two staged files
        real_fsync(fd)

    monkeypatch.setattr(store_module.os, "fsync", dies_on_the_third_file)
    with pytest.raises(KeyboardInterrupt):
        submit_local(submission, store)
    monkeypatch.setattr(store_module.os, "fsync", real_fsync)
    assert store.submission_folders() == [] and collect(store).empty
    assert any((store.root / store_module.STAGING).rglob("*.json"))
    submit_local(submission, store)  # the same submission goes through afterwards
    assert not (store.root / store_module.STAGING).exists()
    assert len(collect(store)) == 3


class StandInHub:
    """Plays the Hub's servers (unreachable here) for one results dataset repo."""

    def __init__(self, root: Path):
        self.root, self.calls = root, []

    def list_repo_files(self, repo_id, *, repo_type):
        self.calls.append(("list_repo_files", repo_id, repo_type))
        return store_listing(self.root)

    def hf_hub_download(self, repo_id, filename, *, repo_type):
        return str(self.root / filename)

    def create_commit(self, repo_id, operations, *, commit_message, commit_description, repo_type, create_pr):
        self.calls.append(("create_commit", repo_id, repo_type, create_pr, commit_message))
        for operation in operations:  # merged at once, as a maintainer would
            path = self.root / operation.path_in_repo
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(operation.path_or_fileobj)

        class Commit:
            pr_url = "https://huggingface.co/datasets/lab/results/discussions/1"

        return Commit()


def test_hub_submission_opens_a_pull_request_with_the_store_layout(real_results, tmp_path):
    hub = StandInHub(tmp_path / "remote")
    submission = read_submission(make_submission(tmp_path / "sub", real_results, "noisy-probe"))
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    url = open_pull_request(submission, "lab/results", api=hub, now=now)
    assert url.endswith("/discussions/1")
    assert hub.calls[-1] == ("create_commit", "lab/results", "dataset", True, "Submit noisy-probe (v1)")
    key = model_key("noisy-probe", "v1")
    stored = [p for p in store_listing(hub.root) if p.endswith(".json")]
    assert len(stored) == 4 and all(p.startswith(f"{key}/20250102T030405Z-") for p in stored)
    assert collect(ResultsStore(hub.root))["status"].eq(RANKED).all()  # a clone of the repo is a store
    with pytest.raises(UserError, match="duplicate: the results store already has"):
        open_pull_request(submission, "lab/results", api=hub, now=now)
    offline = run_cli("submit", str(tmp_path / "sub"), "--hub", env={"HF_HUB_OFFLINE": "1"})
    assert "HF_HUB_OFFLINE is set" in one_error_line(offline.returncode, offline.stderr)
    both = run_cli("submit", str(tmp_path / "sub"), "--hub", "lab/results", "--store", str(tmp_path))
    assert "two different destinations" in one_error_line(both.returncode, both.stderr)


def test_stale_and_invalid_results_are_listed_apart(real_results, tmp_path, tasks_file, monkeypatch):
    for model in ("oracle-probe", "majority-probe"):
        assert main(["submit", str(make_submission(tmp_path / model, real_results, model))]) == 0
    store = ResultsStore(tmp_path / "store")
    planted = store.root / model_key("oracle-probe", "v1")  # a hand-merged file with a broken score
    folder = next(planted.iterdir())
    broken = json.loads((folder / BENCHMARK / "chords.json").read_text())
    broken["scores"]["test"]["accuracy"] = 2.0
    (folder / BENCHMARK / "chords.json").write_text(json.dumps(broken))
    noisy = make_submission(tmp_path / "noisy", real_results, "noisy-probe", concepts=("tempos",))
    assert main(["submit", str(noisy)]) == 0
    card = next((store.root / model_key("noisy-probe", "v1")).iterdir()) / MODEL_CARD  # edited after merge
    card.write_text(json.dumps({**CARDS["noisy-probe"], "link": "javascript:window.__pwned=1"}))
    (store.root / "linked").symlink_to(folder.parent)  # links in the store are not followed
    moved = json.loads(tasks_file.read_text())  # the notes task now pins another revision
    moved[[t["dataset"]["config"] for t in moved].index("notes")]["dataset"]["revision"] = "cd" * 32
    (tmp_path / "moved.json").write_text(json.dumps(moved))
    monkeypatch.setenv(TASKS_ENV, str(tmp_path / "moved.json"))

    table = collect(store)
    assert len(table) == 8  # the link is listed as an invalid entry, never followed
    assert "symbolic link" in table.set_index("result_path").loc["linked", "reason"]
    status = table.set_index(["model", "concept"])["status"]
    assert status[("oracle-probe", "chords")] == INVALID and status[("majority-probe", "chords")] == RANKED
    assert status[("noisy-probe", "tempos")] == INVALID
    assert "field 'link'" in table.set_index("model").loc["noisy-probe", "reason"]
    assert (table.loc[table["concept"] == "notes", "status"] == STALE).all()
    assert "is not the revision lbtest/notes pins" in table.loc[table["concept"] == "notes", "reason"].iloc[0]
    wide = board(table, BENCHMARK)
    assert list(wide.columns[-2:]) == ["chords", "tempos"]  # no ranked notes result: no notes column
    assert wide.set_index("model")["mean"].isna().tolist() == [False, True]  # oracle lacks chords now
    build_site(table, store.root, tmp_path / "site", version="test")
    page = (tmp_path / "site" / "index.html").read_text()
    assert page.count("<td>stale</td>") == 2 and page.count("<td>invalid</td>") == 3


def test_site_never_replaces_a_folder_it_did_not_write(tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("keep")
    (tmp_path / "store").mkdir()
    code = main(["leaderboard", "build", "--store", str(tmp_path / "store"), "--out", str(tmp_path / "mine")])
    line = one_error_line(code, capsys.readouterr().err)
    assert "was not written by `synthsuite leaderboard build`" in line
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "keep"
    code = main(["leaderboard", "build", "--store", str(tmp_path / "none"), "--out", str(tmp_path / "s")])
    assert "no results store at" in one_error_line(code, capsys.readouterr().err)


def test_model_keys_are_safe_folder_names():
    names = [XSS_NAME, "../../etc/passwd", "a/b", "a b", ".hidden", "", "ünïcode"]
    keys = {model_key(name, "../v1") for name in names}
    assert len(keys) == len(names)
    for key in keys:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", key), key


def test_links_render_only_when_they_are_http():
    assert (
        site_module._model_cell(XSS_NAME, "javascript:alert(1)")
        == "&lt;script&gt;window.__pwned=1&lt;/script&gt;"
    )
    assert site_module._model_cell("m", 'https://x.org/"><script>') == (
        '<a href="https://x.org/&quot;&gt;&lt;script&gt;" rel="nofollow noopener noreferrer">m</a>'
    )


@pytest.fixture
def four_models(real_results, tmp_path) -> pd.DataFrame:
    """The table of a store holding all four models' results."""
    for i, model in enumerate(CARDS):
        assert main(["submit", str(make_submission(tmp_path / str(i), real_results, model))]) == 0
    return collect(ResultsStore(tmp_path / "store"))


def test_boards_rank_in_each_metrics_direction(four_models):
    best_high = board(four_models, BENCHMARK)
    assert best_high["mean"].is_monotonic_decreasing
    best_low = board(four_models.assign(higher_is_better=False), BENCHMARK)  # e.g. KL divergence
    assert best_low["mean"].is_monotonic_increasing and best_low["model"].iloc[-1] == "oracle-probe"
    header = 'data-first="ascending" data-rank="ascending" data-task="lbtest/notes">notes'
    assert header + '<span class="metric">accuracy ↓</span></th>' in site_module._board_html(
        four_models.assign(higher_is_better=False), BENCHMARK
    )
    mixed = four_models.assign(higher_is_better=four_models["concept"] != "tempos")
    assert board(mixed, BENCHMARK)["mean"].isna().all()  # no mean adds gains to losses
    assert board(mixed, BENCHMARK, ["chords", "notes"])["mean"].notna().all()


def test_app_filters_by_suite_task_and_model_property(four_models):
    table = four_models
    everything = view(table, BENCHMARK)
    assert everything["Model"].tolist()[0] == "oracle-probe" and len(everything) == 4
    assert view(table, BENCHMARK, saw_synthetic_data="yes")["Model"].tolist() == ["oracle-probe"]
    assert view(table, BENCHMARK, licenses=["<b>bold</b>"])["Model"].tolist() == [XSS_NAME]
    assert view(table, BENCHMARK, parameter_ranges=["unknown"])["Model"].tolist() == ["noisy-probe"]
    assert set(view(table, BENCHMARK, parameter_ranges=["< 10M", ">= 1B"])["Model"]) == {
        "oracle-probe", "majority-probe",
    }  # fmt: skip
    only_tempos = view(table, BENCHMARK, tasks=["tempos"])
    assert "notes · accuracy ↑" not in only_tempos.columns
    assert only_tempos["Mean · R² ↑"].tolist() == only_tempos["tempos · R² ↑"].tolist()
    assert view(table, "no-such-suite").empty


def test_space_entry_and_serve_command_serve_the_board(real_results, tmp_path, monkeypatch):
    for i, model in enumerate(CARDS):
        assert main(["submit", str(make_submission(tmp_path / str(i), real_results, model))]) == 0
    parquet = tmp_path / "leaderboard.parquet"
    write_table(collect(ResultsStore(tmp_path / "store")), parquet)
    monkeypatch.setenv("SYNTHSUITE_LEADERBOARD_TABLE", str(parquet))
    spec = importlib.util.spec_from_file_location("space_app", Path(__file__).parents[1] / "app.py")
    space = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(space)
    assert isinstance(space.demo, gr.Blocks) and len(space.load_table()) == 12

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "synthsuite", "leaderboard", "serve", "--table", str(parquet)]
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([*command, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(base, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.25)
        else:
            pytest.fail(f"`leaderboard serve` did not answer in 60 s: {(tmp_path / 'serve.log').read_text()}")
        only_seen = {"data": [BENCHMARK, [], "yes", [], list(PARAMETER_RANGES), "any", ""]}
        event = httpx.post(f"{base}/gradio_api/call/{API_NAME}", json=only_seen).json()["event_id"]
        answer = httpx.get(f"{base}/gradio_api/call/{API_NAME}/{event}", timeout=30).text
        assert "event: complete" in answer and "oracle-probe" in answer and "majority-probe" not in answer
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
