"""Your own model through `synthsuite.evaluate` and `synthsuite evaluate --model-class`: the audio
protocol (probed exactly as the built-in extractors), density heads, agents, and every bad input.

Tasks are pinned (SYNTHSUITE_TASKS) to tiny builds made here: SynTheory (conftest's session build),
fourier-synthetic and one MinAtar game.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import synthsuite
from synthsuite import api
from synthsuite.baselines.syntheory import run as probing
from synthsuite.baselines.syntheory.features import ChromaExtractor
from synthsuite.baselines.syntheory.probe import probe_settings
from synthsuite.datasets_src.access import data_revision
from synthsuite.datasets_src.engine import read_manifest
from synthsuite.evaluation.fourier.minatar.tasks import game_task
from synthsuite.evaluation.fourier.synthetic.tasks import density_task
from synthsuite.evaluation.models import ModelRunner, implements
from synthsuite.evaluation.results import read_result
from synthsuite.evaluation.tasks import TASKS_ENV
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.suites import load, suites
from tests.conftest import build, pinned_tasks, run_cli

MODULE = '''
import numpy as np


class Spectrum:
    name = "lab/spectrum"
    revision = "v1"
    sample_rate = 8000

    def __init__(self, bands=16):
        self.bands = bands

    def embed(self, audio):
        frames = np.lib.stride_tricks.sliding_window_view(audio, 256)[::128]
        spectrum = np.log1p(np.abs(np.fft.rfft(frames, axis=-1)))[:, : self.bands * 8]
        return {"spectrum": spectrum, "bands": spectrum.reshape(len(spectrum), self.bands, 8).mean(-1)}


class NoRevision(Spectrum):
    revision = None


class Ragged(Spectrum):
    def embed(self, audio):
        return {"spectrum": np.zeros((2, 2, 2))}


class NotAModel:
    pass
'''


@pytest.fixture()
def model_file(tmp_path) -> Path:
    path = tmp_path / "lab_models.py"
    path.write_text(MODULE)
    return path


def one_error_line(result) -> str:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "; fix: " in lines[0], result.stderr
    return lines[0]


class ChromaModel:
    """The built-in chroma features, handed over through the AudioEmbedder protocol."""

    name, revision, sample_rate = "lab/chroma", "v1", ChromaExtractor.sample_rate

    def embed(self, audio):
        return ChromaExtractor().extract(audio)


def test_an_audio_model_is_probed_exactly_as_the_built_in_extractor(tiny_tasks, tiny_dataset, tmp_path):
    task = tiny_tasks["test/chords"]
    baseline = probing.run(
        task, ChromaExtractor(), probe_settings("linear", 0), out=tmp_path / "chroma", workers=1,
        cache_root=tmp_path / "cache", progress=False,
    )  # fmt: skip
    [mine] = synthsuite.evaluate(ChromaModel(), tasks=[task.name], probe="linear", out=tmp_path / "mine")
    assert mine.scores == baseline.scores and mine.layers == baseline.layers
    assert mine.selected_layer == "chroma" and mine.model.name == "lab/chroma" and mine.model.revision == "v1"
    assert mine.model.details["probe"] == "linear" and mine.model.details["class"].endswith(":ChromaModel")
    written = pq.read_table(tmp_path / "mine" / "test__chords" / "lab-chroma" / "predictions.parquet")
    expected = pq.read_table(tmp_path / "chroma" / "predictions.parquet")
    assert written.column("prediction").equals(expected.column("prediction"))
    assert read_result(tmp_path / "mine" / "test__chords" / "lab-chroma" / "results.json") == mine


def test_the_cli_runs_a_model_class_on_several_tasks_and_prints_json(tiny_tasks, model_file, tmp_path):
    out = tmp_path / "out"
    done = run_cli(
        "evaluate", "--model-class", f"{model_file}:Spectrum", "--model-option", "bands=8",
        "--task", "test/notes", "--task", "test/tempos", "--set", "probe=linear", "--out", str(out), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["task"]["name"] for r in results] == ["test/notes", "test/tempos"]
    for result in results:
        assert Path(result["results"]).is_file() and set(result["layers"]) == {"spectrum", "bands"}
        assert result["model"]["name"] == "lab/spectrum" and result["model"]["details"]["probe"] == "linear"
    assert "test/notes: accuracy" in done.stderr  # the narration moves to stderr under --json
    again = run_cli(
        "baseline", "syntheory", "--model-class", f"{model_file}:Spectrum", "--model-option", "bands=8",
        "--task", "test/notes", "--probe", "linear", "--out", str(tmp_path / "again"),
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "test/notes" in again.stdout and "lab/spectrum" in again.stdout
    first = json.loads((out / "test__notes" / "lab-spectrum" / "results.json").read_text())
    second = json.loads((tmp_path / "again" / "test__notes" / "lab-spectrum" / "results.json").read_text())
    assert first["scores"] == second["scores"]  # the same protocol behind both commands


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model-class", "{file}:NotAModel"], "protocol of task test/notes; fix: implement AudioEmbedder"),
        (["--model-class", "{file}:NoRevision"], "has no revision"),
        (["--model-class", "{file}:Spectrm"], "did you mean Spectrum?"),
        (["--model-class", "no_such_module:Model"], "cannot import 'no_such_module'"),
        (["--model-class", "{file}:Spectrum", "--set", "prob=linear"], "did you mean probe?"),
        (["--model-class", "{file}:Spectrum", "--set", "probe=huge"], "setting 'probe'"),
        (["--model-class", "{file}:Spectrum", "--model-option", "colour=red"], "cannot build"),
        (["--model-class", "{file}:Ragged"], "layer 'spectrum' has shape (2, 2, 2)"),
        (["preds.parquet", "--model-class", "{file}:Spectrum"], "either a predictions file or --model-class"),
    ],
)
def test_bad_model_input_gets_one_line_and_writes_nothing(tiny_tasks, model_file, tmp_path, args, message):
    out = tmp_path / "never"
    args = [a.replace("{file}", str(model_file)) for a in args]
    line = one_error_line(run_cli("evaluate", *args, "--task", "test/notes", "--out", str(out)))
    assert message in line
    assert not out.exists()


def test_an_unknown_task_is_named_with_its_likely_spelling(model_file):
    done = run_cli("evaluate", "--model-class", f"{model_file}:Spectrum", "--task", "syntheory/note")
    line = one_error_line(done)
    assert "unknown task 'syntheory/note'" in line and "syntheory/notes" in line


@pytest.fixture()
def fourier_task(tmp_path, monkeypatch):
    folder = tmp_path / "fourier-synthetic-tiny"
    build(folder, dataset="fourier-synthetic", configs=["gaussian"])
    task = density_task(
        "gaussian", name="test-density/gaussian", repo_id=str(folder),
        revision=data_revision(read_manifest(folder), "gaussian"), profile="tiny",
    )  # fmt: skip
    (tmp_path / "tasks.json").write_text(json.dumps([task.model_dump(mode="json")]))
    monkeypatch.setenv(TASKS_ENV, str(tmp_path / "tasks.json"))
    return task


class Histogram:
    """A density model that learns the marginal histogram of z's bin (inputs are ignored)."""

    name, revision = "lab/histogram", "v1"

    def fit(self, inputs, targets):
        self.seen = {key: len(value) for key, value in inputs.items()}
        counts = np.bincount(targets, minlength=50) + 1.0
        self.pmf = counts / counts.sum()

    def predict_pmf(self, inputs):
        return np.tile(self.pmf, (len(inputs["x"]), 1))


def test_a_density_model_is_fitted_on_train_and_scored_on_its_pmfs(fourier_task, tmp_path):
    model = Histogram()
    [result] = synthsuite.evaluate(model, tasks=fourier_task.name, out=tmp_path / "out")
    assert model.seen == {"x": 160, "y": 160, "x_bin": 160, "y_bin": 160}  # the train split, inputs only
    folder = tmp_path / "out" / "test-density__gaussian" / "lab-histogram"
    written = pq.read_table(folder / "predictions.parquet")
    assert written.num_rows == 40 and np.allclose(written.column("prediction")[0].as_py(), model.pmf)
    rescored = synthsuite.evaluate_predictions(fourier_task, folder / "predictions.parquet")
    assert rescored.scores == result.scores and result.main_score > 0.5  # a marginal is far from p(z|x,y)

    class WrongShape(Histogram):
        def predict_pmf(self, inputs):
            return np.ones((3, 50)) / 50

    with pytest.raises(UserError, match=r"shape \(3, 50\) for 40 rows"):
        synthsuite.evaluate(WrongShape(), tasks=fourier_task.name, out=tmp_path / "bad")


class Uniform:
    name, revision = "lab/uniform", "v1"

    def reset(self, num_envs):
        self.episodes = num_envs

    def probabilities(self, envs, observations, steps):
        return np.full((len(envs), 3), 1 / 3)

    def observe(self, envs, actions, rewards):
        pass


def test_an_agent_is_played_and_scored(tmp_path, monkeypatch):
    folder = tmp_path / "minatar-replay-tiny"
    build(folder, dataset="minatar-replay", configs=["breakout"])
    task = game_task(
        "breakout", name="test-game/breakout", repo_id=str(folder),
        revision=data_revision(read_manifest(folder), "breakout"), profile="tiny",
    )  # fmt: skip
    (tmp_path / "tasks.json").write_text(json.dumps([task.model_dump(mode="json")]))
    monkeypatch.setenv(TASKS_ENV, str(tmp_path / "tasks.json"))
    [result] = synthsuite.evaluate(Uniform(), tasks=task.name, episodes=4, out=tmp_path / "out")
    assert result.settings["episodes"] == 4 and np.isfinite(result.main_score)
    assert read_result(tmp_path / "out" / "test-game__breakout" / "lab-uniform" / "results.json") == result
    with pytest.raises(UserError, match="the settings are: episodes, seed"):
        synthsuite.evaluate(Uniform(), tasks=task.name, probe="mlp", out=tmp_path / "never")


def test_every_suite_record_names_runners_that_exist_and_agree():
    runners = 0
    for suite in suites().values():
        for name, reference in suite.models.items():
            runner = load(reference)
            assert issubclass(runner, ModelRunner) and runner.name == name, reference
            assert reference.startswith(
                (f"synthsuite.evaluation.{suite.package}.", f"synthsuite.baselines.{suite.package}.")
            ), reference
            runners += 1
    assert runners >= 3


def test_protocols_are_checked_by_their_members_without_calling_the_model(tiny_tasks):
    from synthsuite.evaluation.syntheory.models import AudioEmbedder

    assert implements(ChromaModel(), AudioEmbedder) and not implements(Histogram(), AudioEmbedder)
    runner = api.choose_runner(tiny_tasks["test/notes"], ChromaModel())
    assert runner.name == "audio-embedding"
    with pytest.raises(UserError, match="implement AudioEmbedder"):
        api.choose_runner(tiny_tasks["test/notes"], Histogram())


def test_import_synthsuite_stays_cheap_and_the_api_loads_on_first_use():
    code = (
        "import sys, synthsuite; heavy = ('datasets', 'pyarrow', 'torch', 'pandas'); "
        "print([m for m in heavy if m in sys.modules]); print(synthsuite.evaluate.__module__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[]", "synthsuite.api"]


def test_pinned_tasks_of_the_session_build_are_the_tiny_tasks(tiny_dataset):
    """The session's tiny build is byte-identical to the reference (its revisions are the pinned ones),
    which the walkthrough and `make demo` rely on."""
    pinned = {t.dataset.config: t.dataset.revision for t in pinned_tasks(tiny_dataset)}
    tiny = {
        t.dataset.config: t.dataset.revision
        for t in synthsuite.list_tasks("syntheory")
        if t.name.startswith("syntheory-tiny/")
    }
    assert pinned == tiny
