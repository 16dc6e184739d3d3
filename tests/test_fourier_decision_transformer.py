"""The Decision Transformer baseline: heads, settings, windows, causality, a full tiny run, bad input."""

import argparse
import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from synthsuite.baselines.fourier import decision_transformer as dt
from synthsuite.baselines.fourier.head import FourierHead
from synthsuite.commands import fourier as command
from synthsuite.datasets_src import engine
from synthsuite.datasets_src.access import data_revision
from synthsuite.datasets_src.fourier.minatar.games import get_game
from synthsuite.evaluation.fourier.minatar.tasks import game_task
from synthsuite.evaluation.results import read_result
from synthsuite.kernel.errors import UserError
from tests.conftest import build

TINY = dict(n_layer=1, n_head=2, n_embd=16, context=6, batch_size=8, steps=6, warmup_steps=2)


@pytest.fixture(scope="module")
def replay_folder(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("dt")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SYNTHSUITE_CACHE", str(base / "cache"))
        build(base / "replay", dataset="minatar-replay", configs=["breakout", "seaquest"])
    return base / "replay"


@pytest.fixture(scope="module")
def replay(replay_folder):
    return dt.load_replay(replay_folder, "seaquest")[0]


def task_for(folder: Path, game: str):
    revision = data_revision(engine.read_manifest(folder), game)
    return game_task(game, name=f"test/{game}", repo_id=str(folder), revision=revision, profile="tiny")


def test_head_names_and_settings_are_checked():
    assert dt.HeadSpec.parse("linear", 6).num_frequencies is None
    assert dt.HeadSpec.parse("fourier", 6) == dt.HeadSpec("fourier", 5, dt.PAPER_GAMMA)
    assert dt.HeadSpec.parse("fourier-3-gamma0", 6) == dt.HeadSpec("fourier-3-gamma0", 3, 0.0)
    for bad in ("softmax", "fourier-0", "fourier-2-gamma-1", "fourier-x"):
        with pytest.raises(UserError):
            dt.HeadSpec.parse(bad, 6)
    for settings, where in (
        ({"n_embd": 30, "n_head": 4}, "'settings'"),
        ({"steps": 0}, "'steps'"),
        ({"dropout": 1.5}, "'dropout'"),
        ({"lr": 0.1}, "'lr'"),
    ):
        with pytest.raises(UserError, match=f"invalid Decision Transformer setting {where}"):
            dt.make_config(**settings)
    written_out = ", ".join(f"{n} ({f.default})" for n, f in dt.DTConfig.model_fields.items())
    assert written_out == command.SETTINGS  # the CLI's help lists the real settings


def test_one_frequency_cannot_pick_one_of_three_actions():
    """Why `fourier` defaults to N = actions - 1: with N = 1 the density caps any bin at 2/3 of the mass."""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        narrow, wide = FourierHead(8, 3, 1), FourierHead(8, 3, 2)
    inputs = torch.randn(4096, 8) * 100
    with torch.no_grad():
        narrow.linear.weight.normal_()
        assert narrow(inputs).softmax(-1).max() < 2 / 3 + 1e-4
        # amplitudes (1, 1, 1): p(z) ∝ |1 + e^{iπz} + e^{2iπz}|², zero at the outer bin centres ±2/3
        wide.linear.weight.zero_()
        wide.linear.bias.copy_(torch.tensor([1.0, 1.0, 1.0, 0.0, 0.0, 0.0]))
        assert wide(inputs[:1]).softmax(-1)[0, 1] > 0.999


def test_windows_stay_inside_one_episode(replay):
    ends = np.arange(len(replay.actions))
    batch = dt.window_batch(replay, ends, context=6)
    valid = batch["valid"].numpy()
    assert valid[:, -1].all()  # the window ends at its own step
    for row, end in enumerate(ends):
        kept = valid[row].sum()
        assert kept == min(6, end - replay.segment_starts[end] + 1)
        steps = np.arange(end - kept + 1, end + 1)
        assert (replay.episode_ids[steps] == replay.episode_ids[end]).all()
        assert np.array_equal(batch["targets"][row, -kept:].numpy(), replay.actions[steps])
        assert (batch["targets"][row, : 6 - kept] == dt.IGNORE).all()
    assert not valid.all()  # some windows start at an episode's first step and are padded


@pytest.mark.parametrize("head", ["linear", "fourier", "fourier-2"])
def test_the_model_gives_a_distribution_over_every_action_and_is_causal(replay, head):
    config = dt.make_config(**TINY)
    torch.manual_seed(0)
    spec = dt.HeadSpec.parse(head, replay.game.num_actions)
    model = dt.DecisionTransformer(config, replay.game, spec, max_timestep=200, return_scale=5.0).eval()
    steps = len(replay.actions)
    batch = dt.window_batch(replay, np.array([steps // 3, steps // 2, steps - 1]), config.context)
    args = [batch[k] for k in ("states", "actions", "returns", "timesteps", "valid")]
    with torch.no_grad():
        outputs = model(*args)
    assert outputs.shape == (3, config.context, replay.game.num_actions) == (3, 6, 6)
    probabilities = outputs.softmax(-1)
    assert torch.allclose(probabilities.sum(-1), torch.ones(3, 6))
    assert (probabilities > 0).all()
    changed = [a.clone() for a in args]
    changed[0][:, 4:] += 1.0  # later states
    changed[1][:, 3:] = (changed[1][:, 3:] + 1) % replay.game.num_actions  # this step's action and later ones
    changed[2][:, 4:] -= 3.0
    with torch.no_grad():
        assert torch.equal(
            model(*changed)[:, :4], outputs[:, :4]
        )  # the prediction at step 3 sees only s_0..s_3
        assert not torch.equal(model(*changed)[:, 4:], outputs[:, 4:])


def test_a_tiny_run_writes_results_and_curves(replay_folder, tmp_path):
    task = task_for(replay_folder, "breakout")
    config = dt.make_config(**TINY, eval_every=3, eval_episodes=2, episodes=4)
    data = dt.load_replay(replay_folder, "breakout")
    results = []
    for seed in (0, 1):
        result, curve = dt.run(task, "fourier", seed, config, out=tmp_path, replay=data)
        results.append(result)
        assert [p["step"] for p in curve["points"]] == [3, 6]
        assert curve["action_names"] == ["NOOP", "LEFT", "RIGHT"]
        assert sum(curve["mean_probabilities"]) == pytest.approx(1.0)
    written = read_result(tmp_path / "test/breakout/fourier/seed-0.results.json")
    assert written == results[0]
    assert set(written.scores["online"]) == {"normalized_return", "mean_return", "smoothness"}
    assert written.dataset.revision == task.dataset.revision
    combined = dt.aggregate(task, results, tmp_path)
    assert combined.seeds == [0, 1]
    mean = np.mean([r.scores["online"]["smoothness"] for r in results])
    assert combined.scores["online"]["smoothness"] == pytest.approx(mean)
    assert read_result(tmp_path / "test/breakout/fourier/results.json") == combined
    again, _ = dt.run(task, "fourier", 0, config, out=tmp_path / "again", replay=data)
    assert again.scores == results[0].scores  # same seed, same model, same episodes


def test_a_corrupt_shard_is_one_clear_error(replay_folder, tmp_path):
    copy = tmp_path / "replay"
    shutil.copytree(replay_folder, copy)
    shard = copy / "data" / "breakout" / "train-00000-of-00001.parquet"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(UserError, match=r"shard .* does not match its manifest"):
        dt.load_replay(copy, "breakout")


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.register(argparse.ArgumentParser().add_subparsers(), parser.add_subparsers(dest="baseline"))
    return parser.parse_args(["decision-transformer", *argv])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--game", "pong"], "unknown game 'pong'"),
        (["--game", "breakout", "--set", "context=0"], "invalid Decision Transformer setting 'context'"),
        (["--game", "breakout", "--set", "steps"], "is not KEY=VALUE"),
        (["--game", "breakout", "--head", "cosine"], "unknown head 'cosine'"),
        (["--game", "breakout", "--seeds", "1", "1"], "--seeds must be distinct"),
        (["--task", "syntheory/notes"], "is not a MinAtar task"),
        ([], "no games to play"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(tmp_path, argv, message):
    args = parse(*argv, "--out", str(tmp_path / "out"), "--dataset", str(tmp_path / "missing"))
    with pytest.raises(UserError, match=message):
        args.handler(args)
    assert not (tmp_path / "out").exists()


def test_the_command_trains_every_head_and_seed(replay_folder, tmp_path, monkeypatch):
    task = task_for(replay_folder, "breakout")
    tasks_file = tmp_path / "tasks.json"
    tasks_file.write_text(json.dumps([task.model_dump(mode="json")]))
    monkeypatch.setenv("SYNTHSUITE_TASKS", str(tasks_file))
    settings = [f"--set={k}={v}" for k, v in {**TINY, "eval_every": 0, "episodes": 2}.items()]
    args = parse(
        "--task",
        task.name,
        "--seeds",
        "3",
        "--dataset",
        str(replay_folder),
        "--out",
        str(tmp_path),
        *settings,
    )
    args.handler(args)
    for head in ("linear", "fourier"):
        assert (tmp_path / "test/breakout" / head / "seed-3.results.json").is_file()
        assert read_result(tmp_path / "test/breakout" / head / "results.json").seeds == [3]


def test_atari_frames_are_stacked_and_go_through_the_nature_stem():
    pytest.importorskip("ale_py")
    game = get_game("breakout", "ale")
    rng = np.random.default_rng(0)
    episode_ids = np.repeat([0, 1], 20)
    replay = dt.Replay(
        game=game,
        frames=rng.integers(0, 256, size=(40, 84, 84), dtype=np.uint8),
        actions=rng.integers(0, game.num_actions, size=40),
        returns_to_go=np.ones(40, dtype=np.float32),
        episode_ids=episode_ids,
        episode_steps=np.tile(np.arange(20), 2),
        segment_starts=np.repeat([0, 20], 20),
    )
    batch = dt.window_batch(replay, np.array([21, 39]), context=4)
    assert batch["states"].shape == (2, 4, 4, 84, 84)  # 4 steps of 4 stacked frames
    assert not batch["states"][0, -1, :2].any()  # step 21 is the 2nd of its episode: 2 empty frames
    model = dt.DecisionTransformer(dt.make_config(**TINY), game, dt.HeadSpec.parse("fourier", 4), 50, 1.0)
    outputs = model(*(batch[k] for k in ("states", "actions", "returns", "timesteps", "valid")))
    assert outputs.shape == (2, 4, 4)
