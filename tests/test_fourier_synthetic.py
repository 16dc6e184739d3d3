"""fourier-synthetic: the densities, the pinned build, the three metrics, scoring, and the heads' baseline."""

import argparse
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch
from conftest import run_cli
from scipy import stats
from scipy.ndimage import gaussian_filter1d

from synthsuite.baselines.fourier import synthetic
from synthsuite.commands import fourier as fourier_commands
from synthsuite.datasets_src import engine
from synthsuite.datasets_src.access import data_revision, open_dataset
from synthsuite.datasets_src.fourier.synthetic import ROWS, densities
from synthsuite.datasets_src.generator import get_generator
from synthsuite.datasets_src.hub import publish_local
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.fourier import metrics
from synthsuite.evaluation.fourier.synthetic import scoring
from synthsuite.evaluation.fourier.synthetic.tasks import PAPER_REVISIONS, TASKS
from synthsuite.evaluation.results import ModelInfo, read_result
from synthsuite.kernel.errors import UserError
from tests.conftest import build

TASK = {t.dataset.config: t for t in TASKS}
MODEL = ModelInfo(name="test-model", revision="1")


@pytest.fixture(scope="module")
def paper_build(tmp_path_factory) -> Path:
    """The paper profile (3 x 5,000 rows), built once: what the tasks pin."""
    out = tmp_path_factory.mktemp("fourier") / "fourier-synthetic"
    build(out, dataset="fourier-synthetic", profile="paper")
    return out


def rows(folder: Path, config: str, split: str | None = None) -> dict[str, np.ndarray]:
    splits = [split] if split else ["train", "test"]
    tables = [pq.read_table(folder / f"data/{config}/{s}-00000-of-00001.parquet") for s in splits]
    return {
        name: np.concatenate([np.array(t.column(name).to_pylist()) for t in tables])
        for name in tables[0].column_names
    }


# ---------------------------------------------------------------------------------------------------------
# The dataset


@pytest.mark.parametrize("profile", ["tiny", "small", "paper"])
def test_plan_is_an_80_20_split_with_unique_ids(profile):
    specs = get_generator("fourier-synthetic").plan("beta", profile, seed=0)
    assert len(specs) == ROWS[profile] and len({s.key for s in specs}) == len(specs)
    assert sum(s.split == "test" for s in specs) == ROWS[profile] // 5
    assert {s.split for s in specs} == {"train", "test"}


def test_paper_build_has_the_pinned_revisions(paper_build):
    manifest = engine.read_manifest(paper_build)
    assert {c: data_revision(manifest, c) for c in PAPER_REVISIONS} == PAPER_REVISIONS
    assert manifest["configs"]["gaussian"]["splits"]["train"]["num_examples"] == 4000
    assert manifest["configs"]["gaussian"]["splits"]["test"]["num_examples"] == 1000


def _conditional_cdf(config: str, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """P(Z <= z | x, y) from scipy's distributions: uniform on (0, 1) if z follows the stated density."""
    if config == "gaussian":
        return stats.norm.cdf(z, loc=y, scale=0.1)
    if config == "gmm2":
        return 0.5 * stats.norm.cdf(z, loc=x, scale=0.1) + 0.5 * stats.norm.cdf(z, loc=y, scale=0.1)
    return 0.5 + 0.5 * np.sign(z) * stats.beta.cdf(np.abs(z), 100 * np.abs(x), 100 * np.abs(y))


@pytest.mark.parametrize("config", densities.CONFIGS)
def test_samples_follow_the_stated_density(paper_build, config):
    data = rows(paper_build, config)
    assert stats.kstest(data["x"], stats.uniform(-0.8, 1.6).cdf).pvalue > 1e-3
    if config == "gmm2":
        assert stats.kstest(data["y"], stats.uniform(-0.8, 1.6).cdf).pvalue > 1e-3
    else:
        assert stats.kstest((data["y"] - data["x"]) / 0.1, "norm").pvalue > 1e-3
    uniform = _conditional_cdf(config, data["x"], data["y"], data["z"])
    assert stats.kstest(uniform, "uniform").pvalue > 1e-3
    # and a wrong density is rejected: the test can fail
    wrong = stats.norm.cdf(data["z"], loc=data["x"], scale=0.05)
    assert stats.kstest(wrong, "uniform").pvalue < 1e-6


@pytest.mark.parametrize("config", densities.CONFIGS)
def test_true_pmf_is_scipys_density_at_the_bin_centres(paper_build, config):
    data = rows(paper_build, config, "test")
    centers = (np.arange(50) + 0.5) / 25 - 1
    x, y = data["x"][:, None], data["y"][:, None]
    if config == "gaussian":
        density = stats.norm.pdf(centers, y, 0.1)
    elif config == "gmm2":
        density = stats.norm.pdf(centers, x, 0.1) + stats.norm.pdf(centers, y, 0.1)
    else:
        density = stats.beta.pdf(np.abs(centers), 100 * np.abs(x), 100 * np.abs(y))
    expected = density / density.sum(-1, keepdims=True)
    np.testing.assert_allclose(data["true_pmf"], expected, rtol=1e-9, atol=1e-300)
    bins = np.clip(np.floor((data["z"] + 1) * 25), 0, 49)
    np.testing.assert_array_equal(data["z_bin"], bins)


def test_published_build_loads_with_datasets_and_has_a_card(paper_build):
    from datasets import load_dataset

    target, _ = publish_local(paper_build, "synthsuite/fourier-synthetic")
    card = (target / "README.md").read_text()
    assert (
        'load_dataset("synthsuite/fourier-synthetic", "gaussian"' in card and "gillman2025fourierhead" in card
    )
    test = load_dataset(str(target), "beta", split="test")
    assert test.num_rows == 1000 and test.features["true_pmf"].length == 50
    assert sum(test[0]["true_pmf"]) == pytest.approx(1.0)


@pytest.mark.parametrize("bins", [1, 0, 3, 51])
def test_bins_must_be_even_and_at_least_2(bins):
    with pytest.raises(UserError, match="invalid option 'bins'"):
        get_generator("fourier-synthetic", {"bins": bins})


def test_generate_with_bad_bins_exits_2_and_writes_nothing(tmp_path):
    result = run_cli("generate", "fourier-synthetic", "--set", "bins=1", "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "invalid option 'bins'" in result.stderr
    assert result.stderr.count("\n") == 1 and not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------------------
# Metrics and scoring


def test_kl_is_zero_for_the_truth_and_positive_otherwise(paper_build):
    truth = rows(paper_build, "gmm2", "test")["true_pmf"]
    assert metrics.mean_kl_divergence(truth, truth) == 0.0
    uniform = np.full_like(truth, 1 / 50)
    blurred = 0.9 * truth + 0.1 * uniform
    assert metrics.mean_kl_divergence(truth, uniform) > metrics.mean_kl_divergence(truth, blurred) > 0.01
    # the paper's own computation: torch's KLDivLoss(batchmean) on log(prediction + 1e-10)
    paper = torch.nn.KLDivLoss(reduction="batchmean")(
        torch.tensor(blurred + 1e-10).log(), torch.tensor(truth)
    )
    assert metrics.mean_kl_divergence(truth, blurred) == pytest.approx(paper.item(), rel=1e-9)


@pytest.mark.parametrize("bins", [2, 7, 50])
def test_smoothness_matches_scipys_wrapped_gaussian_filter(bins):
    pmfs = np.random.default_rng(bins).random((6, bins))
    pmfs /= pmfs.sum(-1, keepdims=True)
    direct = [
        sum(
            6 / (np.pi**2 * s**2) * np.linalg.norm(p - gaussian_filter1d(p, s, mode="wrap", radius=bins - 1))
            for s in range(1, 101)
        )
        for p in pmfs
    ]
    np.testing.assert_allclose(metrics.smoothness(pmfs), direct, rtol=1e-10, atol=1e-15)
    assert metrics.smoothness(np.full((1, bins), 1 / bins))[0] == pytest.approx(0, abs=1e-14)


def test_mse_is_the_squared_distance_of_the_expected_bin_centre():
    pmfs = np.zeros((3, 50))
    pmfs[0, 10] = 1  # expected bin 10
    pmfs[1, [20, 30]] = 0.5  # expected bin 25
    pmfs[2, [0, 1]] = 0.5  # expected bin 0.5 rounds to 0, as torch.round does
    z_bins = np.array([10, 20, 3])
    centers = densities.bin_centers(50)
    expected = np.mean([0, (centers[25] - centers[20]) ** 2, (centers[0] - centers[3]) ** 2])
    assert metrics.mse(pmfs, z_bins) == pytest.approx(expected)


def test_scoring_a_predictions_file(paper_build, tmp_path):
    task = TASK["beta"]
    refs = scoring.DistributionScorer().references(task, open_dataset(paper_build), "test")
    ids, truth = refs.ids, refs.values
    path = tmp_path / "truth.parquet"
    scoring.write_pmf_predictions(path, task, ids[::-1], truth[::-1], MODEL.model_dump())
    result = evaluate_predictions(task, path, dataset=str(paper_build))
    assert result.model == MODEL and result.dataset.revision == task.dataset.revision
    assert result.scores["test"]["kl_divergence"] == 0.0 and result.main_score == 0.0
    assert all(m.check(result.scores["test"][m.name]) is None for m in task.metrics)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p[:, :49], "PMF over the task's 50 bins"),
        (lambda p: p * 1.01, "sums to"),
        (lambda p: np.where(p == p.max(), -0.1, p), "negative"),
        (lambda p: p[1:], "ids of the split are missing"),
    ],
)
def test_bad_predictions_are_refused(paper_build, tmp_path, change, message):
    task = TASK["gaussian"]
    refs = scoring.DistributionScorer().references(task, open_dataset(paper_build), "test")
    ids, truth = refs.ids, refs.values
    bad = change(truth.copy())
    path = tmp_path / "bad.parquet"
    scoring.write_pmf_predictions(path, task, ids[: len(bad)], bad, MODEL.model_dump())
    with pytest.raises(UserError, match=message):
        evaluate_predictions(task, path, dataset=str(paper_build))


# ---------------------------------------------------------------------------------------------------------
# The baseline


@pytest.mark.parametrize(
    "text", ["linear", "gmm", "gmm-3", "fourier-2", "fourier-12-gamma1e-06", "fourier-20-gamma0.5"]
)
def test_head_names_round_trip(text):
    assert synthetic.parse_head(text).name == text
    assert synthetic.parse_head("fourier-12-gamma1e-6") == synthetic.parse_head("fourier-12-gamma1e-06")


def test_the_paper_grid_has_22_heads():
    names = [h.name for h in synthetic.paper_heads()]
    assert len(names) == len(set(names)) == 22
    assert {"linear", "gmm", "fourier-2", "fourier-20", "fourier-12-gamma1e-06"} <= set(names)


def test_a_models_streams_depend_on_its_own_configuration_only():
    fourier_12 = synthetic.parse_head("fourier-12")
    seeds = synthetic.model_seeds("gmm2", fourier_12, 42)
    assert seeds == synthetic.model_seeds("gmm2", synthetic.parse_head("fourier-12"), 42)
    assert len(set(seeds)) == 2  # initialisation and batch order are separate streams
    others = [
        synthetic.model_seeds("beta", fourier_12, 42),
        synthetic.model_seeds("gmm2", synthetic.parse_head("fourier-14"), 42),
        synthetic.model_seeds("gmm2", synthetic.parse_head("fourier-12-gamma1e-6"), 42),
        synthetic.model_seeds("gmm2", fourier_12, 43),
    ]
    assert len({seeds, *others}) == 5
    first = synthetic.build_model(fourier_12, "gmm2", 50, 42)
    torch.rand(3)  # the global RNG is neither read nor moved by building a model
    state = torch.get_rng_state()
    again = synthetic.build_model(fourier_12, "gmm2", 50, 42)
    assert torch.equal(state, torch.get_rng_state())
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), again.parameters(), strict=True))


def test_an_ensemble_computes_each_model_as_it_would_alone():
    """Up to float32 rounding: a lone nn.Sequential multiplies with other kernels than the batched ones
    (the GMM's narrow Gaussians turn 1e-7 in a mean into 1e-5 in a bin)."""
    inputs = torch.rand(7, 2) * 50
    for head, config in (("fourier-12-gamma1e-6", "gaussian"), ("gmm", "beta"), ("gmm", "gaussian")):
        spec = synthetic.parse_head(head)
        alone = [synthetic.build_model(spec, config, 50, seed) for seed in (1, 2, 3)]
        together = synthetic.Ensemble([synthetic.build_model(spec, config, 50, s) for s in (1, 2, 3)])
        with torch.no_grad():
            joint = torch.softmax(together.eval()(inputs.expand(3, -1, -1)), -1)
            for k, model in enumerate(alone):
                np.testing.assert_allclose(
                    joint[k], torch.softmax(model.eval()(inputs), -1), rtol=1e-4, atol=1e-7
                )


def test_an_ensemble_holds_one_architecture():
    models = [
        synthetic.build_model(synthetic.parse_head(h), "gmm2", 50, 1) for h in ("fourier-4", "fourier-6")
    ]
    with pytest.raises(ValueError, match="one architecture"):
        synthetic.Ensemble(models)


def test_an_ensembles_loss_is_the_sum_of_its_models_losses_with_their_penalties():
    head = synthetic.parse_head("fourier-10-gamma0.5")
    inputs, targets = torch.rand(2, 9, 2) * 50, torch.randint(0, 50, (2, 9))
    alone = [synthetic.build_model(head, "gmm2", 50, 5 + k) for k in range(2)]
    separate = sum(m[4].loss(m(inputs[k]), targets[k]) for k, m in enumerate(alone))
    together = synthetic.Ensemble([synthetic.build_model(head, "gmm2", 50, 5 + k) for k in range(2)])
    joint = together.loss(together(inputs), targets)
    assert joint.item() == pytest.approx(separate.item(), rel=1e-5)
    assert all(m[4].take_penalty().item() == 0 for m in alone)  # every penalty was taken


def test_a_few_epochs_of_fourier_beat_a_uniform_predictor(paper_build):
    data = synthetic.load_data(TASK["gaussian"], str(paper_build))
    head = synthetic.parse_head("fourier-12")
    run = synthetic.Run("gaussian", head, 1)
    job = synthetic.Job((run,), synthetic.TrainSettings(epochs=3), {"gaussian": data})
    predicted = synthetic.train_job(job).pmfs[0]
    truth = rows(paper_build, "gaussian", "test")["true_pmf"]
    uniform = metrics.mean_kl_divergence(truth, np.full_like(truth, 1 / 50))
    assert metrics.mean_kl_divergence(truth, predicted) < 0.5 * uniform


def baseline(*argv: str) -> None:
    """`synthsuite baseline fourier-synthetic ARGV`, through the hook the `baseline` command calls."""
    parser = argparse.ArgumentParser()
    commands = argparse.ArgumentParser().add_subparsers()  # the suite adds no top-level command
    fourier_commands.register(commands, parser.add_subparsers(dest="baseline", required=True))
    args = parser.parse_args(["fourier-synthetic", *argv])
    args.handler(args)


def test_runs_write_results_and_are_byte_identical_with_1_or_2_workers(paper_build, tmp_path, capsys):
    common = ["--head", "fourier-4", "--head", "fourier-6-gamma1e-6", "--config", "gmm2"]
    for workers in ("1", "2"):
        baseline(*common, "--seeds", "1", "3", "--epochs", "1", "--dataset", str(paper_build),
                 "--workers", workers, "--out", str(tmp_path / workers), "--no-progress")  # fmt: skip
    assert "fourier-synthetic/gmm2" in capsys.readouterr().out
    one, two = tmp_path / "1" / "fourier-synthetic/gmm2", tmp_path / "2" / "fourier-synthetic/gmm2"
    predictions = sorted(p.relative_to(one) for p in one.rglob("*.parquet"))
    assert len(predictions) == 4
    assert all((one / p).read_bytes() == (two / p).read_bytes() for p in predictions)
    overall = read_result(one / "fourier-6-gamma1e-06" / "results.json")
    per_seed = [read_result(one / "fourier-6-gamma1e-06" / f"seed-{s}.results.json") for s in (1, 3)]
    assert overall.seeds == [1, 3] and [r.seeds for r in per_seed] == [[1], [3]]
    assert overall.main_score == pytest.approx(np.mean([r.main_score for r in per_seed]))
    assert (
        per_seed[0].model.revision
        == read_result(two / "fourier-6-gamma1e-06/seed-1.results.json").model.revision
    )
    assert overall.dataset.revision == PAPER_REVISIONS["gmm2"]


def test_a_model_trains_to_the_same_bytes_alone_or_in_a_large_batch(paper_build, tmp_path):
    """The issue-19 property: a model's predictions and weights depend on its own (config, head, seed) only.

    Alone: each (config, head) job holds one model. In the batch: 5 heads x 3 configs x 3 seeds, so the
    same models train in ensembles of 3 to 9 (1-component GMM on gaussian, 2-component on gmm2 and beta,
    the Fourier penalty, the linear head). Exact bytes: no tolerance.
    """
    alone, batch = tmp_path / "alone", tmp_path / "batch"
    common = ["--epochs", "1", "--dataset", str(paper_build), "--no-progress", "--workers", "1"]
    for config in ("gaussian", "gmm2"):
        baseline("--head", "gmm", "--head", "linear", "--head", "fourier-12-gamma1e-6", "--config", config,
                 "--seeds", "42", *common, "--out", str(alone))  # fmt: skip
    heads = ("linear", "gmm", "fourier-4", "fourier-12-gamma1e-6", "fourier-20")
    baseline(*(f"--head={h}" for h in heads), "--seeds", "1", "42", "7", *common, "--out", str(batch))
    compared = 0
    for path in sorted(alone.rglob("seed-42.*")):
        twin = batch / path.relative_to(alone)
        if path.suffix == ".parquet":
            assert path.read_bytes() == twin.read_bytes(), path.relative_to(alone)
        else:
            assert read_result(path).model == read_result(twin).model  # the weights' sha256
        compared += 1
    assert compared == 12


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--head", "fourier-0"], "needs N >= 1"),
        (["--head", "softmax"], "unknown head"),
        (["--head", "linear", "--config", "laplace"], "unknown config"),
        (["--head", "linear", "--epochs", "0"], "epochs must be at least 1"),
        (["--head", "linear", "--seeds", "1", "1"], "distinct"),
        (["--all", "--head", "linear"], "--all already means"),
        ([], "no heads"),
    ],
)
def test_bad_input_is_one_user_error_and_writes_nothing(paper_build, tmp_path, argv, message):
    with pytest.raises(UserError, match=message):
        baseline(*argv, "--dataset", str(paper_build), "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_build_with_other_bins_is_refused_before_training(tmp_path):
    out = tmp_path / "bins20"
    build(out, dataset="fourier-synthetic", configs=["gaussian"], bins=20)
    with pytest.raises(UserError, match="generated with 20 bins"):
        baseline(
            "--head", "linear", "--config", "gaussian", "--dataset", str(out), "--out", str(tmp_path / "r")
        )
    assert not (tmp_path / "r").exists()
