"""The fourier-forecast baseline: the heads, one tiny end-to-end run, its determinism, bad input."""

import json

import pyarrow.parquet as pq
import pytest
import torch
from conftest import build, run_cli

from synthsuite.baselines.fourier import FourierHead
from synthsuite.baselines.timeseries.model import build_model, parameter_count, parse_head
from synthsuite.datasets_src.access import data_revision
from synthsuite.datasets_src.engine import read_manifest
from synthsuite.evaluation import tasks as task_registry
from synthsuite.evaluation.timeseries.tasks import forecast_task
from synthsuite.kernel.errors import UserError

TINY = ["--set", "steps=3", "--set", "batch_size=4", "--set", "num_samples=3", "--set", "context_length=32"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("timeseries")
    for dataset, options in (
        ("kernel-synth", {"length": 256}),
        ("tsmixup", {"kernel_synth_length": 256}),
        ("timeseries-zero-shot", {}),
    ):
        build(root / dataset, dataset=dataset, **options)
    return root


@pytest.fixture()
def tasks_env(data, tmp_path, monkeypatch):
    folder = data / "timeseries-zero-shot"
    manifest = read_manifest(folder)
    tasks = [
        forecast_task(
            c, name=f"test/{c}", repo_id=str(folder), revision=data_revision(manifest, c), profile="tiny"
        )
        for c in ("real", "synthetic")
    ]
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([t.model_dump(mode="json") for t in tasks]))
    monkeypatch.setenv(task_registry.TASKS_ENV, str(path))


def _cli(data, out, *extra):
    return run_cli(
        "baseline", "fourier-forecast", "--task", "test/real", "--task", "test/synthetic",
        "--kernel-synth", str(data / "kernel-synth"), "--tsmixup", str(data / "tsmixup"),
        "--zero-shot", str(data / "timeseries-zero-shot"), "--out", str(out), *TINY, *extra,
    )  # fmt: skip


def test_heads_replace_t5_s_vocabulary_head():
    torch.manual_seed(0)
    linear = build_model("cpu", parse_head("linear"))
    torch.manual_seed(0)
    fourier = build_model("cpu", parse_head("fourier-550"))
    assert linear.lm_head.weight is linear.shared.weight  # tied, as Chronos
    head = fourier.lm_head
    assert isinstance(head, FourierHead) and head.num_bins == 4096 and head.num_frequencies == 550
    assert head.regularization_gamma == 1e-6
    assert (head.init_weight_divisor, head.init_bias_divisor) == (1000.0, 10.0)
    assert parameter_count(fourier) - parameter_count(linear) == 128 * 1102 + 1102
    # the same seed draws the same body for both heads
    assert torch.equal(linear.encoder.block[0].layer[0].SelfAttention.q.weight,
                       fourier.encoder.block[0].layer[0].SelfAttention.q.weight)  # fmt: skip
    for text in ("fourier-0", "fourier-2048", "gmm", "fourier-x"):
        with pytest.raises(UserError):
            parse_head(text)


def test_a_tiny_run_forecasts_scores_and_repeats_exactly(data, tasks_env, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    done = _cli(data, first, "--head", "linear", "--head", "fourier-64", "--seeds", "0", "--workers", "2")
    assert done.returncode == 0, done.stderr
    for head in ("linear", "fourier-64"):
        result = json.loads((first / "test/real" / head / "results.json").read_text())
        assert set(result["scores"]["test"]) == {"mase_relative", "wql_relative", "mase", "wql", "smoothness"}
        table = pq.read_table(first / "test/real" / head / "seed-0.parquet")
        assert table.num_rows == 6 and set(table.column_names) == {
            "sample_id",
            "horizon",
            "prediction",
            "pmf",
        }
        log = json.loads((first / "fourier-forecast" / head / "seed-0.training.json").read_text())
        assert log["tokens_per_second"] > 0 and len(log["settings"]) > 5
    again = _cli(data, second, "--head", "fourier-64", "--seeds", "0")
    assert again.returncode == 0, again.stderr
    for task in ("test/real", "test/synthetic"):
        name = f"{task}/fourier-64/seed-0.parquet"
        assert (first / name).read_bytes() == (second / name).read_bytes()


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--head", "fourier-0"], "unknown head"),
        (["--seeds", "1", "1"], "--seeds"),
        (["--set", "steps=0"], "steps must be at least 1"),
        (["--set", "depth=3"], "unknown setting 'depth'"),
        (["--set", "binning=log"], "binning must be one of"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_bad_input_is_one_line_and_trains_nothing(data, tasks_env, tmp_path, extra, says):
    out = tmp_path / "out"
    done = _cli(data, out, *extra)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1
    assert says in done.stderr
    assert not out.exists()


def test_the_gpu_size_is_t5_efficient_mini():
    from synthsuite.baselines.timeseries.model import t5_config

    config = t5_config("mini", tied=True)
    shape = (config.d_model, config.d_ff, config.num_layers, config.num_decoder_layers, config.num_heads)
    assert shape == (384, 1536, 4, 4, 8) and config.d_kv == 32 and config.vocab_size == 4096
