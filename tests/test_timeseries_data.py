"""The time-series datasets: KernelSynth's recipe and periods, TSMixup, the zero-shot series, bytes."""

import numpy as np
import pytest
from conftest import build, run_cli, shard_hashes

from synthsuite.datasets_src.access import open_dataset
from synthsuite.datasets_src.generator import Stopwatch, get_generator
from synthsuite.datasets_src.timeseries import kernels, real
from synthsuite.datasets_src.timeseries.zero_shot import SYNTHETIC_HORIZON
from synthsuite.kernel.seeding import sample_rng


def test_the_kernel_bank_is_chronos_s():
    bank = kernels.KERNEL_BANK
    assert len(bank) == 33
    periods = sorted(round(k.value * kernels.LENGTH) for k in bank if k.kind == "periodic")
    assert periods == sorted(
        [24, 48, 96, 168, 336, 672, 7, 14, 30, 60, 365, 730, 4, 26, 52, 4, 6, 12, 4, 40, 10]
    )
    assert [(k.kind, k.value) for k in bank[21:]] == [
        ("linear", 0.0), ("linear", 1.0), ("linear", 10.0), ("rbf", 0.1), ("rbf", 1.0), ("rbf", 10.0),
        ("rational_quadratic", 0.1), ("rational_quadratic", 1.0), ("rational_quadratic", 10.0),
        ("white", 0.1), ("white", 1.0), ("constant", 0.0),
    ]  # fmt: skip


def test_compositions_follow_the_recipe():
    rng = np.random.default_rng(0)
    draws = [kernels.random_composition(rng) for _ in range(2000)]
    counts = np.bincount([len(d.kernels) for d in draws], minlength=6)
    assert counts[0] == 0 and all(counts[1:] > 300)  # j ~ U{1..5}
    operators = [o for d in draws for o in d.operators]
    assert 0.45 < operators.count("+") / len(operators) < 0.55
    assert {i for d in draws for i in d.kernels} == set(range(33))
    covariance = kernels.Composition((24, 12), ("*",)).covariance(64)  # RBF(0.1) * ExpSineSquared(12/1024)
    assert np.allclose(covariance, kernels.kernel_matrix(kernels.KERNEL_BANK[24], 64) * kernels.kernel_matrix(
        kernels.KERNEL_BANK[12], 64))  # fmt: skip


@pytest.mark.parametrize("index", [6, 17, 0, 14])  # periods 7, 12, 24 and 52 samples
def test_a_periodic_kernel_shows_its_period_as_the_spectral_peak(index):
    composition = kernels.Composition((index,), ())
    (period,) = composition.periods()
    eigenvalues, eigenvectors = np.linalg.eigh(composition.covariance())
    root = eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))
    series = root @ np.random.default_rng(index).standard_normal((kernels.LENGTH, 16))  # 16 draws
    power = (np.abs(np.fft.rfft(series - series.mean(0), axis=0)) ** 2).mean(1)
    peak = int(np.argmax(power[1:])) + 1
    assert abs(peak - kernels.LENGTH / period) <= 1


def test_kernel_synth_rows_declare_their_kernels_and_repeat_exactly():
    generator = get_generator("kernel-synth", {"length": 128})
    spec = generator.plan("default", "tiny", 0)[3]
    first = generator.render("default", spec, sample_rng("kernel-synth", "default", spec.key, 0), Stopwatch())
    again = generator.render("default", spec, sample_rng("kernel-synth", "default", spec.key, 0), Stopwatch())
    assert first["target"].tobytes() == again["target"].tobytes()
    assert first["target"].dtype == np.float32 and len(first["target"]) == 128
    composition = kernels.Composition(tuple(first["kernels"]), tuple(first["operators"]))
    assert first["kernel"] == composition.expression and first["periods"] == composition.periods(128)


def test_builds_are_the_same_bytes_with_one_or_two_workers(tmp_path):
    for dataset, options in (("kernel-synth", {"length": 256}), ("tsmixup", {"kernel_synth_length": 256})):
        one, two = tmp_path / f"{dataset}-1", tmp_path / f"{dataset}-2"
        build(one, dataset=dataset, workers=1, **options)
        build(two, dataset=dataset, workers=2, **options)
        assert shard_hashes(one) == shard_hashes(two)


def test_tsmixup_mixes_mean_scaled_windows_with_dirichlet_weights(tmp_path):
    folder = tmp_path / "tsmixup"
    build(folder, dataset="tsmixup", kernel_synth_length=256)
    rows = open_dataset(folder, configs=["default"]).read("default", "train", None).to_pylist()
    assert len(rows) == 16
    known = {s.key for s in real.series("training")} | {"kernel-synth"}
    for row in rows:
        assert 1 <= len(row["sources"]) == len(row["weights"]) <= 3
        assert set(row["sources"]) <= known
        assert abs(sum(row["weights"]) - 1) < 1e-12
        # a mixture of windows each scaled to mean |x| = 1 has mean |x| at most 1
        assert 0 < np.mean(np.abs(row["target"])) <= 1 + 1e-5
    assert any(len(r["sources"]) > 1 for r in rows) and any(
        s != "kernel-synth" for r in rows for s in r["sources"]
    )


def test_zero_shot_series_are_real_packaged_and_never_in_training():
    zero_shot, training = real.series("zero-shot"), real.series("training")
    assert len(zero_shot) >= 10 and len({s.frequency for s in zero_shot}) == 6
    assert not {s.source for s in zero_shot} & {s.source for s in training}
    assert all(real.SOURCES[s.source].licence for s in (*zero_shot, *training))
    for s in zero_shot:
        assert (
            np.all(np.isfinite(s.values))
            and len(s.values) > real.HORIZON[s.frequency] + real.SEASON[s.frequency]
        )


def test_the_zero_shot_dataset_splits_context_and_target(tmp_path):
    folder = tmp_path / "zero-shot"
    build(folder, dataset="timeseries-zero-shot")
    source = open_dataset(folder, configs=["real", "synthetic"])
    rows = source.read("real", "test", None).to_pylist()
    series = {s.key: s for s in real.series("zero-shot")}
    assert len(rows) == 6 and len({r["frequency"] for r in rows}) == 6
    for row in rows:
        values = series[row["sample_id"]].values
        assert row["horizon"] == real.HORIZON[row["frequency"]] == len(row["target"])
        assert np.array_equal(np.concatenate([row["context"], row["target"]]), values)
    synthetic = source.read("synthetic", "test", None).to_pylist()
    assert len(synthetic) == 4
    assert all(len(r["target"]) == SYNTHETIC_HORIZON and len(r["context"]) == 1000 for r in synthetic)


@pytest.mark.parametrize(
    ("dataset", "option", "says"),
    [
        ("kernel-synth", "max_kernels=0", "max_kernels"),
        ("kernel-synth", "length=10", "length"),
        ("tsmixup", "alpha=-1", "alpha"),
        ("tsmixup", "min_length=300", "min_length 300 is above max_length"),
    ],
)
def test_parameters_out_of_range_are_one_line(tmp_path, dataset, option, says):
    extra = ["--set", "max_length=200"] if option.startswith("min_length") else []
    out = tmp_path / "out"
    done = run_cli("generate", dataset, "--profile", "tiny", "--out", str(out), "--set", option, *extra)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1
    assert says in done.stderr
    assert not out.exists()
