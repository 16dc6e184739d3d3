"""minatar-replay: action order, returns-to-go, the DQN log, determinism, bad input, the play evaluator."""

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from synthsuite.datasets_src import engine
from synthsuite.datasets_src.fourier.minatar import dqn
from synthsuite.datasets_src.fourier.minatar.games import ALE_ACTION_NAMES, GAMES, fourier_order, get_game
from synthsuite.datasets_src.generator import get_generator
from synthsuite.evaluation.fourier.minatar.evaluator import RandomPolicy, normalized_return, play
from synthsuite.evaluation.fourier.minatar.tasks import MINIMAL_ACTIONS, TASKS
from synthsuite.kernel.errors import UserError
from tests.conftest import build, run_cli

CONFIGS = ["breakout", "seaquest"]


def generate(out: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, configs=CONFIGS, **options) -> Path:
    monkeypatch.setenv("SYNTHSUITE_CACHE", str(cache))
    build(out, dataset="minatar-replay", configs=configs, **options)
    return out


@pytest.fixture(scope="module")
def tiny_replay(tmp_path_factory) -> Path:
    with pytest.MonkeyPatch.context() as monkeypatch:
        base = tmp_path_factory.mktemp("minatar")
        return generate(base / "replay", base / "cache", monkeypatch)


def read_log(folder: Path, config: str) -> dict[str, np.ndarray]:
    table = pq.read_table(folder / "data" / config).sort_by("first_step")
    per_step = [n for n in table.column_names if n not in ("sample_id", "chunk", "first_step", "observation")]
    log = {name: np.concatenate(table.column(name).to_pylist()) for name in per_step}
    log["first_step"] = table.column("first_step").to_numpy()
    return log


def test_action_order_is_the_papers_for_atari_and_a_permutation_for_every_game():
    # the Fourier head paper's order of Atari's 18 actions (its reindexing of Seaquest)
    assert fourier_order(ALE_ACTION_NAMES) == [
        "NOOP", "LEFT", "UPLEFT", "UP", "UPRIGHT", "RIGHT", "DOWNRIGHT", "DOWN", "DOWNLEFT",
        "LEFTFIRE", "UPLEFTFIRE", "UPFIRE", "UPRIGHTFIRE", "RIGHTFIRE", "DOWNRIGHTFIRE", "DOWNFIRE",
        "DOWNLEFTFIRE", "FIRE",
    ]  # fmt: skip
    for name in GAMES:
        game = get_game(name)
        bins = game.order(np.array(game.actions))
        assert sorted(bins.tolist()) == list(range(game.num_actions))  # a permutation of the bins
        assert tuple(game.ordered_action_names) == tuple(fourier_order(MINIMAL_ACTIONS[name]))
        assert set(game.ordered_action_names) == set(MINIMAL_ACTIONS[name])  # tasks.py's copy is right
    assert get_game("breakout").ordered_action_names == ["NOOP", "LEFT", "RIGHT"]


def test_returns_to_go_equal_a_direct_sum_per_episode():
    rng = np.random.default_rng(0)
    episode_ids = np.repeat(np.arange(7), rng.integers(1, 9, size=7))
    rewards = rng.integers(0, 3, size=len(episode_ids)).astype(np.float32)
    got = dqn.returns_to_go(rewards, episode_ids)
    direct = [
        rewards[i : np.flatnonzero(episode_ids == episode_ids[i]).max() + 1].sum()
        for i in range(len(rewards))
    ]
    np.testing.assert_array_equal(got, np.array(direct, dtype=np.float32))


def test_the_log_has_consistent_episodes_and_returns_to_go(tiny_replay):
    for config in CONFIGS:
        log = read_log(tiny_replay, config)
        assert np.array_equal(log["first_step"], np.arange(8) * 50)  # 8 chunks of 50 steps, nothing missing
        ends = log["terminal"] | log["truncated"]
        assert ends.sum() >= 2  # a few hundred random-ish steps end several episodes
        # a new episode starts exactly after an end; steps count from 0 within each
        assert np.array_equal(np.diff(log["episode_id"]), ends[:-1].astype(int))
        expected_step = np.concatenate([[0], np.where(ends[:-1], 0, log["episode_step"][:-1] + 1)])
        assert np.array_equal(log["episode_step"], expected_step)
        for episode in np.unique(log["episode_id"]):
            steps = np.flatnonzero(log["episode_id"] == episode)
            suffix = np.cumsum(log["reward"][steps][::-1])[::-1]
            np.testing.assert_allclose(log["return_to_go"][steps], suffix)
        game = get_game(config)
        assert set(np.unique(log["action"])) <= set(game.actions)  # only the minimal action set


def test_same_seed_same_bytes_and_a_damaged_cache_is_retrained(tiny_replay, tmp_path, monkeypatch):
    again = generate(tmp_path / "again", tmp_path / "cache", monkeypatch, configs=["breakout"])
    first = {
        s["path"]: s["sha256"] for s in engine.read_manifest(tiny_replay)["configs"]["breakout"]["shards"]
    }
    second = {s["path"]: s["sha256"] for s in engine.read_manifest(again)["configs"]["breakout"]["shards"]}
    assert first == second  # trained from scratch in another cache: the same bytes
    run_dir = next((tmp_path / "cache" / "minatar-replay").glob("minatar-breakout-400-*"))
    rewards = run_dir / "rewards.npy"
    rewards.write_bytes(rewards.read_bytes()[:-4] + b"\x00\x00\x80\x3f")  # the last reward becomes 1.0
    assert dqn._load(run_dir) is None  # the hash no longer matches run.json
    shard = again / "data" / "breakout" / "train-00000-of-00001.parquet"
    shard.write_bytes(b"damaged")
    generate(again, tmp_path / "cache", monkeypatch, configs=["breakout"])  # re-renders the shard, retrains
    assert (
        hashlib.sha256(shard.read_bytes()).hexdigest() == first["data/breakout/train-00000-of-00001.parquet"]
    )


def test_unknown_game_and_bad_options_are_one_clear_error(tmp_path):
    out = tmp_path / "out"
    done = run_cli("generate", "minatar-replay", "--config", "pong", "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: unknown config of minatar-replay 'pong'; fix: choose one of: "
        "seaquest, breakout, asterix, freeway, space_invaders"
    ]
    assert not out.exists()
    with pytest.raises(UserError, match="invalid option 'emulator'"):
        get_generator("minatar-replay", {"emulator": "nes"})
    with pytest.raises(UserError, match="unknown game 'pong'"):
        get_game("pong")


def test_card_and_features_describe_the_data(tiny_replay):
    card = (tiny_replay / "README.md").read_text()
    assert "config_name: space_invaders" not in card  # only the generated configs are declared
    assert "| `breakout` | 10, 10, 4 | NOOP, LEFT, RIGHT |" in card
    features = engine.read_manifest(tiny_replay)["configs"]["seaquest"]["features"]
    assert features["observation"]["shape"] == [None, 1000]  # 10 x 10 x 10 per step, flattened
    assert features["action"]["feature"]["names"] == ["NOOP", "LEFT", "UP", "RIGHT", "DOWN", "FIRE"]


def test_atari_through_ale_py_logs_84x84_frames(tmp_path, monkeypatch):
    pytest.importorskip("ale_py")
    game = get_game("breakout", "ale")
    assert game.ordered_action_names == ["NOOP", "LEFT", "RIGHT", "FIRE"]
    config = dataclasses.replace(dqn.DQNConfig.for_steps(64), learning_starts=56)  # two updates: CPU-cheap
    run = dqn.train(game, config, seed=3)
    assert run.summary["updates"] == 2
    assert run.log.frames.shape == (64, 84, 84) and run.log.frames.dtype == np.uint8
    assert run.log.frames.max() > 0
    assert set(np.unique(run.log.actions)) <= set(game.actions)
    stacked = game.inputs(run.log.frames, run.log.episode_ids, np.array([0, 63]))
    assert stacked.shape == (2, 4, 84, 84)
    assert not stacked[0, :3].any() and stacked[0, 3].any()  # nothing before the first frame of an episode


def test_normalisation_formula():
    assert normalized_return(5.0, random=1.0, reference=9.0) == 50.0
    assert normalized_return(1.0, random=1.0, reference=9.0) == 0.0
    assert normalized_return(9.0, random=1.0, reference=9.0) == 100.0
    assert normalized_return(0.0, random=2.0, reference=4.0) == -100.0
    with pytest.raises(ValueError, match="undefined"):
        normalized_return(1.0, random=3.0, reference=3.0)


def test_play_is_seeded_per_episode_and_uniform_actions_are_smooth():
    game = get_game("breakout")
    one = play(game, RandomPolicy(game.num_actions), episodes=12, seed=5, parallel=12)
    other = play(game, RandomPolicy(game.num_actions), episodes=12, seed=5, parallel=5)
    np.testing.assert_array_equal(one.returns, other.returns)  # the same episodes, whatever the batching
    np.testing.assert_array_equal(one.lengths, other.lengths)
    assert one.smoothness == pytest.approx(0.0, abs=1e-12)  # a uniform distribution is perfectly smooth
    different = play(game, RandomPolicy(game.num_actions), episodes=12, seed=6)
    assert not np.array_equal(one.lengths, different.lengths)


def test_tasks_are_strict_and_name_their_constants():
    assert [t.name for t in TASKS] == [f"minatar/{g}" for g in GAMES]
    for task in TASKS:
        assert task.eval_split == "online" and task.main_score == "normalized_return"
        assert task.predictions.classes == tuple(fourier_order(MINIMAL_ACTIONS[task.dataset.config]))
    raw = json.loads(TASKS[0].model_dump_json())
    assert raw["dataset"]["profile"] == "small"
