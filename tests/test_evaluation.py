"""Tasks, metrics, predictions and `synthsuite evaluate`, on a real tiny SynTheory build."""

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli
from pydantic import ValidationError
from sklearn import metrics as sk

from synthsuite.datasets_src.access import open_dataset
from synthsuite.evaluation import tasks as task_registry
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.metrics import accuracy, macro_f1, r2
from synthsuite.evaluation.predictions import write_predictions
from synthsuite.evaluation.results import combine_seeds, read_result
from synthsuite.evaluation.scoring import scorer_for
from synthsuite.evaluation.syntheory import EVALUATE_MODULE
from synthsuite.evaluation.syntheory.tasks import CONCEPT_LABELS
from synthsuite.kernel.errors import UserError


def label_predictions(
    task, folder: Path, split: str = "test", wrong: int = 0
) -> tuple[list[str], np.ndarray]:
    """The true labels of every scored row, with the first `wrong` ones changed."""
    refs = scorer_for(task).references(task, open_dataset(folder), split)
    values = refs.values.copy()
    if task.predictions.kind == "class":
        values[:wrong] = (values[:wrong] + 1) % len(task.predictions.classes)
    else:
        values = values.astype(np.float64)
        values[:wrong] += 30.0
    return refs.ids, values


def test_registry_lists_every_concept_at_both_profiles():
    names = {t.name for t in task_registry.list_tasks("syntheory")}
    for concept in CONCEPT_LABELS:
        assert {f"syntheory/{concept}", f"syntheory-tiny/{concept}"} <= names
    assert task_registry.get_task("syntheory/tempos").main_score == "r2"
    assert task_registry.get_task("syntheory/notes").exclude_rows_where == "is_silent"


def test_task_metadata_is_strict():
    task = task_registry.get_task("syntheory/notes")
    raw = task.model_dump()
    with pytest.raises(ValidationError, match="extra"):
        task_registry.TaskMetadata.model_validate({**raw, "colour": "red"})
    with pytest.raises(ValidationError, match="main_score"):
        task_registry.TaskMetadata.model_validate({**raw, "main_score": "bleu"})
    with pytest.raises(ValidationError):
        task_registry.TaskMetadata.model_validate({**raw, "dataset": {**raw["dataset"], "revision": "main"}})


def test_duplicate_and_unknown_names_are_errors(tmp_path, monkeypatch):
    task = task_registry.get_task("syntheory/notes")
    with pytest.raises(UserError, match="two tasks are named"):
        task_registry.build_registry([task, task])
    with pytest.raises(UserError, match="unknown task 'syntheory/note'"):
        task_registry.get_task("syntheory/note")
    clash = tmp_path / "tasks.json"
    clash.write_text(json.dumps([task.model_dump(mode="json")]))
    monkeypatch.setenv(task_registry.TASKS_ENV, str(clash))
    result = run_cli("tasks")
    assert result.returncode == 2 and "two tasks are named 'syntheory/notes'" in result.stderr


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_agree_with_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 5, 200)
    guesses = np.where(rng.random(200) < 0.6, labels, rng.integers(0, 6, 200))
    assert accuracy(labels, guesses) == pytest.approx(sk.accuracy_score(labels, guesses))
    assert macro_f1(labels, guesses) == pytest.approx(sk.f1_score(labels, guesses, average="macro"))
    values = rng.normal(120, 30, 100)
    estimate = values + rng.normal(0, 10, 100)
    assert r2(values, estimate) == pytest.approx(sk.r2_score(values, estimate))
    assert r2(values, -values) == -1.0  # floored: the metric's declared range is [-1, 1]


def test_evaluate_cli_scores_and_records_provenance(tiny_dataset, tiny_tasks, tmp_path):
    task = tiny_tasks["test/chords"]
    ids, values = label_predictions(task, tiny_dataset, wrong=2)
    predictions = tmp_path / "chords.parquet"
    write_predictions(predictions, task, ids, values, {"name": "oracle", "revision": "v1"})
    result = run_cli("evaluate", str(predictions), "--task", "test/chords")
    assert result.returncode == 0, result.stderr
    saved = read_result(predictions.with_suffix(".results.json"))
    assert saved.main_score == pytest.approx((len(ids) - 2) / len(ids))
    assert saved.scores["test"]["accuracy"] == saved.main_score
    assert saved.dataset.revision == task.dataset.revision
    assert saved.model.name == "oracle" and saved.task.version == task.version
    assert saved.environment["python"].startswith("3.11")


def test_silent_rows_are_not_scored_and_may_be_omitted(tiny_dataset, tiny_tasks, tmp_path):
    task = tiny_tasks["test/notes"]
    table = open_dataset(tiny_dataset).read("notes", "test", ["sample_id", "is_silent"])
    silent = [i for i, s in zip(*table.to_pydict().values(), strict=True) if s]
    ids, values = label_predictions(task, tiny_dataset)
    assert not set(silent) & set(ids)
    path = tmp_path / "notes.parquet"
    write_predictions(path, task, ids, values, {"name": "oracle", "revision": "v1"})
    assert evaluate_predictions(task, path).main_score == 1.0


def test_tempo_is_scored_with_r2(tiny_dataset, tiny_tasks, tmp_path):
    task = tiny_tasks["test/tempos"]
    ids, values = label_predictions(task, tiny_dataset, wrong=1)
    path = tmp_path / "tempos.parquet"
    write_predictions(path, task, ids, values, {"name": "oracle", "revision": "v1"})
    score = evaluate_predictions(task, path).main_score
    truth = scorer_for(task).references(task, open_dataset(tiny_dataset), "test").values
    assert score == pytest.approx(sk.r2_score(truth, values)) and score < 1.0


def test_evaluate_module_gives_the_same_scores(tiny_dataset, tiny_tasks, tmp_path):
    import evaluate

    task = task_registry.get_task("syntheory-tiny/scales")  # same metrics as the pinned test task
    _, values = label_predictions(tiny_tasks["test/scales"], tiny_dataset, wrong=1)
    task = tiny_tasks["test/scales"]
    labels = scorer_for(task).references(task, open_dataset(tiny_dataset), "test").values
    module = evaluate.load(EVALUATE_MODULE, config_name=task.name)
    scores = module.compute(predictions=values.tolist(), references=labels.tolist())
    assert scores == {"accuracy": accuracy(labels, values), "macro_f1": macro_f1(labels, values)}
    assert scores["accuracy"] < 1.0


def _write(path: Path, columns: dict) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def test_bad_predictions_are_rejected_with_one_line(tiny_dataset, tiny_tasks, tmp_path):
    task = tiny_tasks["test/chords"]
    ids, values = label_predictions(task, tiny_dataset)
    cases = {
        "missing": ({"sample_id": ids[1:], "prediction": values[1:]}, "ids of the split are missing"),
        "duplicated": ({"sample_id": [*ids, ids[0]], "prediction": [*values, 0]}, "duplicated ids"),
        "unknown": ({"sample_id": [*ids, "nope"], "prediction": [*values, 0]}, "not in the scored split"),
        "out_of_range": ({"sample_id": ids, "prediction": values + 10}, "class indices must lie in 0..3"),
        "no_column": ({"sample_id": ids, "guess": values}, "has no column 'prediction'"),
        "bad_name": ({"sample_id": ids, "prediction": ["sus4"] * len(ids)}, "unknown class names"),
    }
    for name, (columns, message) in cases.items():
        path = _write(tmp_path / f"{name}.parquet", columns)
        result = run_cli(
            "evaluate", str(path), "--task", "test/chords", "--model", "m", "--model-revision", "1"
        )
        assert result.returncode == 2, name
        assert message in result.stderr and result.stderr.count("\n") == 1, (name, result.stderr)
        assert not path.with_suffix(".results.json").exists()
    names = _write(tmp_path / "names.parquet", {"sample_id": ids, "prediction": ["major"] * len(ids)})
    assert (
        run_cli(
            "evaluate", str(names), "--task", "test/chords", "--model", "m", "--model-revision", "1"
        ).returncode
        == 0
    )
    tempo_ids, tempo = label_predictions(tiny_tasks["test/tempos"], tiny_dataset)
    nan = _write(
        tmp_path / "nan.parquet", {"sample_id": tempo_ids, "prediction": np.where(tempo > 0, np.nan, 0.0)}
    )
    result = run_cli("evaluate", str(nan), "--task", "test/tempos", "--model", "m", "--model-revision", "1")
    assert result.returncode == 2 and "NaN or infinite" in result.stderr
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"not parquet")
    result = run_cli(
        "evaluate", str(garbage), "--task", "test/chords", "--model", "m", "--model-revision", "1"
    )
    assert result.returncode == 2 and "not a readable parquet file" in result.stderr


def test_predictions_without_model_need_model_flags(tiny_dataset, tiny_tasks, tmp_path):
    ids, values = label_predictions(tiny_tasks["test/chords"], tiny_dataset)
    path = _write(tmp_path / "anon.parquet", {"sample_id": ids, "prediction": values})
    result = run_cli("evaluate", str(path), "--task", "test/chords")
    assert result.returncode == 2 and "does not name its model" in result.stderr
    result = run_cli("evaluate", str(path), "--task", "test/chords", "--model", "m")
    assert result.returncode == 2 and "go together" in result.stderr


def test_a_different_build_is_scored_but_flagged(tiny_dataset, tiny_tasks, tmp_path, capsys):
    task = task_registry.get_task("syntheory-tiny/chords").model_copy(
        update={"dataset": tiny_tasks["test/chords"].dataset.model_copy(update={"revision": "f" * 64})}
    )
    ids, values = label_predictions(task, tiny_dataset)
    path = tmp_path / "p.parquet"
    write_predictions(path, task, ids, values, {"name": "oracle", "revision": "v1"})
    result = evaluate_predictions(task, path)
    assert result.dataset.revision == tiny_tasks["test/chords"].dataset.revision != task.dataset.revision
    assert "will not be ranked" in capsys.readouterr().out


def test_results_files_are_validated(tmp_path):
    cases = {
        "broken.json": ("{", "is not valid JSON"),
        "list.json": ("[]", "is not a JSON object"),
        "old.json": ('{"schema_version": 0}', "schema_version 0"),
        "fields.json": ('{"schema_version": 1, "task": {}}', "field 'task.name'"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(UserError, match=message):
            read_result(tmp_path / name)


def test_results_over_seeds_are_means_with_their_intervals(tiny_dataset, tiny_tasks, tmp_path):
    task = tiny_tasks["test/chords"]
    per_seed = []
    for seed, wrong in ((0, 0), (1, 2), (2, 4)):
        ids, values = label_predictions(task, tiny_dataset, wrong=wrong)
        path = tmp_path / f"seed-{seed}.parquet"
        write_predictions(path, task, ids, values, {"name": "oracle", "revision": f"w{seed}"})
        result = evaluate_predictions(task, path, dataset=str(tiny_dataset), seeds=[seed])
        per_seed.append(result.model_copy(update={"settings": {**result.settings, "seconds": float(seed)}}))
    combined = combine_seeds(task, per_seed, ("seconds",))
    accuracies = [r.main_score for r in per_seed]
    assert len(set(accuracies)) == 3
    assert combined.main_score == pytest.approx(np.mean(accuracies))
    assert combined.seeds == [0, 1, 2] and combined.settings["seconds"] == [0.0, 1.0, 2.0]
    assert combined.settings["per_seed"]["accuracy"] == accuracies
    half = 4.302653 * np.std(accuracies, ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert combined.settings["ci95_half_width"]["accuracy"] == pytest.approx(half, rel=1e-6)
    assert combined.model.revision not in {r.model.revision for r in per_seed}
    # a function of the seeds' revisions in order: the same seeds in another order are another model
    assert combine_seeds(task, per_seed[::-1]).model.revision != combined.model.revision
