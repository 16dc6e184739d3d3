"""SynTheory probing baselines: the probe, the per-layer pipeline and `synthsuite baseline syntheory`."""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import pinned_tasks, run_cli

from synthsuite.baselines.syntheory import run
from synthsuite.baselines.syntheory.features import Extractor, get_extractor
from synthsuite.baselines.syntheory.probe import Standardizer, probe_settings, train_probe
from synthsuite.cli import main
from synthsuite.evaluation import tasks as task_registry
from synthsuite.evaluation.metrics import accuracy
from synthsuite.evaluation.results import read_result

TASKS = ("probe/notes", "probe/tempos")


@pytest.fixture(scope="module")
def probe_env(tiny_dataset, tmp_path_factory) -> dict[str, str]:
    """Tasks `probe/<concept>` pinned to the session's tiny build, and a private embedding cache."""
    folder = tmp_path_factory.mktemp("probe")
    tasks = folder / "tasks.json"
    pinned = pinned_tasks(tiny_dataset, prefix="probe")
    tasks.write_text(json.dumps([t.model_dump(mode="json") for t in pinned]))
    return {task_registry.TASKS_ENV: str(tasks), "SYNTHSUITE_CACHE": str(folder / "cache")}


def baseline(env: dict[str, str], out: Path, probe: str) -> Path:
    args = ["baseline", "syntheory", "--features", "chroma", "--probe", probe, "--workers", "1"]
    tasks = [arg for name in TASKS for arg in ("--task", name)]
    result = run_cli(*args, *tasks, "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert "validation" in result.stdout and "probe/notes" in result.stdout  # the summary table
    return out


@pytest.fixture(scope="module")
def runs(probe_env, tmp_path_factory) -> dict[str, Path]:
    """chroma on notes and tempos: the MLP twice (to compare), the linear probe once."""
    root = tmp_path_factory.mktemp("runs")
    return {
        "mlp": baseline(probe_env, root / "mlp", "mlp"),
        "mlp-again": baseline(probe_env, root / "mlp-again", "mlp"),
        "linear": baseline(probe_env, root / "linear", "linear"),
    }


def outputs(root: Path, task: str) -> Path:
    return root / task.replace("/", "__") / "chroma"


@pytest.mark.parametrize("probe", ["mlp", "linear"])
@pytest.mark.parametrize("task_name", TASKS)
def test_results_hold_every_layer_and_the_validation_choice(runs, probe_env, monkeypatch, probe, task_name):
    monkeypatch.setenv(task_registry.TASKS_ENV, probe_env[task_registry.TASKS_ENV])
    task = task_registry.get_task(task_name)
    result = read_result(outputs(runs[probe], task_name) / "results.json")  # validates the schema
    metrics = {m.name for m in task.metrics}
    assert set(result.layers) == set(get_extractor("chroma").layers())
    for scores in result.layers.values():
        assert set(scores) == {"validation", "test"} and all(set(s) == metrics for s in scores.values())
    best = max(result.layers, key=lambda layer: result.layers[layer]["validation"][task.main_score])
    assert result.selected_layer == best
    assert (
        result.main_score
        == result.layers[best]["test"][task.main_score]
        == result.scores["test"][task.main_score]
    )
    assert result.model.name == f"probe-{probe}/chroma" and result.seeds == [0]
    assert result.settings["rows"]["train"] > 20 and result.settings["probe"]["kind"] == probe


@pytest.mark.parametrize("probe", ["mlp", "linear"])
def test_chroma_finds_the_pitch_class_of_notes(runs, probe):
    result = read_result(outputs(runs[probe], "probe/notes") / "results.json")
    # 12 classes (chance 0.08); about 7 test and 7 validation clips
    assert result.scores["validation"]["accuracy"] >= 0.7
    assert result.main_score >= 0.5


def test_linear_probe_extrapolates_tempo(runs):
    assert read_result(outputs(runs["linear"], "probe/tempos") / "results.json").main_score > 0.3


def test_two_runs_give_identical_predictions(runs):
    for task_name in TASKS:
        first, second = (outputs(runs[name], task_name) for name in ("mlp", "mlp-again"))
        assert (first / "predictions.parquet").read_bytes() == (second / "predictions.parquet").read_bytes()
        assert read_result(first / "results.json").layers == read_result(second / "results.json").layers


@pytest.mark.parametrize("task_name", TASKS)
def test_evaluate_reproduces_the_main_score(runs, probe_env, tmp_path, task_name):
    folder = outputs(runs["mlp"], task_name)
    rescored = tmp_path / "rescored.json"
    result = run_cli(
        "evaluate",
        str(folder / "predictions.parquet"),
        "--task",
        task_name,
        "--out",
        str(rescored),
        env=probe_env,
    )
    assert result.returncode == 0, result.stderr
    again, original = read_result(rescored), read_result(folder / "results.json")
    assert again.main_score == original.main_score
    assert again.scores["test"] == original.scores["test"] and again.model == original.model


class _PitchAndNothing(Extractor):
    """Two layers: a 12-bin pitch-class histogram of the spectrum, and a constant."""

    name = "pitch-and-nothing"
    version = "1"
    sample_rate = 16000

    def layers(self) -> list[str]:
        return ["nothing", "pitch"]

    def extract(self, audio: np.ndarray) -> dict[str, np.ndarray]:
        spectrum = np.abs(np.fft.rfft(audio))
        frequencies = np.fft.rfftfreq(len(audio), 1 / self.sample_rate)
        audible = frequencies > 30
        pitch_class = np.round(12 * np.log2(frequencies[audible] / 440.0)).astype(int) % 12
        histogram = np.bincount(pitch_class, weights=spectrum[audible] ** 2, minlength=12)
        return {"nothing": np.zeros(4, np.float32), "pitch": (histogram / histogram.sum()).astype(np.float32)}


def test_the_best_validation_layer_is_selected(tiny_dataset, tmp_path):
    task = pinned_tasks(tiny_dataset, prefix="probe")[0]
    assert task.dataset.config == "notes"
    result = run.run(
        task,
        _PitchAndNothing(),
        probe_settings("linear"),
        out=tmp_path / "out",
        workers=1,
        cache_root=tmp_path / "cache",
        progress=False,
    )
    validation = {layer: scores["validation"]["accuracy"] for layer, scores in result.layers.items()}
    assert validation["pitch"] > validation["nothing"] + 0.3
    assert result.selected_layer == "pitch" and result.model.details["layer"] == "pitch"
    assert set(result.settings["steps"]) == {"nothing", "pitch"}


def test_features_are_standardised_with_training_statistics_only():
    rng = np.random.default_rng(0)
    labels = np.arange(60) % 3
    train = rng.normal(size=(60, 5)).astype(np.float32) + labels[:, None]
    validation = train + 100.0  # a shifted validation set must not move the scaler
    probe = train_probe((train, labels), (validation, labels), 3, probe_settings("linear"), accuracy)
    np.testing.assert_allclose(probe.standardizer.mean, train.astype(np.float64).mean(axis=0))
    np.testing.assert_allclose(probe.standardizer.std, train.astype(np.float64).std(axis=0))
    assert np.all(Standardizer.fit(train)(validation).mean(axis=0) > 50)


def test_tempo_targets_are_scaled_on_train_and_predicted_in_bpm():
    rng = np.random.default_rng(1)
    bpm = rng.uniform(80, 180, 200)
    features = np.stack([bpm / 100, rng.normal(size=200)], axis=1).astype(np.float32)
    train, held_out = slice(0, 150), slice(150, None)
    probe = train_probe(
        (features[train], bpm[train]),
        (features[held_out], bpm[held_out]),
        None,
        probe_settings("linear"),
        lambda y, p: -float(np.mean((y - p) ** 2)),
    )
    assert (probe.target.low, probe.target.high) == (bpm[train].min(), bpm[train].max())
    np.testing.assert_allclose(probe.predict(features[held_out]), bpm[held_out], atol=2.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--features", "wav2vec", "--task", "probe/notes"], "unknown extractor 'wav2vec'"),
        (["--features", "chroma", "--task", "probe/note"], "unknown task 'probe/note'"),
        (["--features", "chroma", "--task", "syntheory/notes"], "'synthsuite/syntheory' was not found"),
        (["--features", "chroma", "--all"], "'synthsuite/syntheory' was not found"),
        (
            ["--features", "chroma", "--task", "probe/notes", "--dataset", "/no/such/folder"],
            "there is no such folder",
        ),
        (["--features", "chroma", "--task", "probe/notes", "--probe", "svm"], "unknown probe 'svm'"),
        (["--features", "chroma"], "pass either --task"),
        (["--features", "chroma", "--all", "--profile", "huge"], "unknown profile 'huge'"),
        (["--task", "probe/notes"], "no --features given"),
        (["--features", "chroma", "--task", "probe/notes", "--features-option", "x"], "is not KEY=VALUE"),
        (
            ["--features", "chroma", "--task", "probe/notes", "--features-option", "bins=7"],
            "has no option 'bins'",
        ),
        (["--features", "musicgen", "--task", "probe/notes"], "MusicGen checkpoint"),
        (["--features", "chroma", "--task", "probe/notes", "--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_bad_input_gets_one_line_and_writes_nothing(probe_env, monkeypatch, capsys, tmp_path, args, message):
    for key, value in probe_env.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "never"
    assert main(["baseline", "syntheory", *args, "--out", str(out)]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "; fix: " in lines[0], lines
    assert message in lines[0]
    assert not out.exists()


def test_help_names_every_flag(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["baseline", "syntheory", "--help"])
    assert exit_.value.code == 0
    usage = capsys.readouterr().out
    for flag in ("--features", "--task", "--all", "--profile", "--dataset", "--probe", "--seed", "--workers"):
        assert flag in usage
    assert "--out" in usage and "--features-option" in usage and "all-handmade" in usage
