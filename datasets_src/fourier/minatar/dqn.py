"""The DQN whose training log is the dataset, in the manner of the DQN Replay Dataset.

Agarwal, Schuurmans and Norouzi (ICML 2020) logged every transition a Nature DQN saw while it
trained on an Atari game; the Decision Transformer was trained on 1% of those logs. Here one run
trains an ε-greedy DQN on one game for `steps` environment steps and logs every step: the
observation before the action, the action the agent chose (its id in the emulator, before sticky
actions may repeat the previous one), the reward, whether the game ended, the episode and the step
within it.

A run is a pure function of (game, `DQNConfig`, seed) on one library stack: torch runs on one
thread, every random draw comes from seeded torch, numpy and emulator generators. `load_or_train`
caches it on disk under a key of all that, so the dataset's workers train each game once and every
later render (or a resumed `generate`) reads the cache; a file lock makes concurrent workers wait
for the one that trains.
"""

import copy
import fcntl
import hashlib
import io
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from synthsuite.datasets_src.executors import one_torch_thread
from synthsuite.datasets_src.fourier.minatar.games import Game, OnlineView
from synthsuite.kernel.atomic import atomic_write_bytes, atomic_write_text
from synthsuite.kernel.hashing import sha256_file

CACHE_FORMAT = 1


@dataclass(frozen=True)
class DQNConfig:
    """DQN settings; `for_steps` scales MinAtar's DQN schedules (Young and Tian, 2019) to a run's length.

    One update every 4 steps (Nature DQN's rate; MinAtar's DQN updates every step): 4 times faster on a CPU.
    """

    steps: int
    batch_size: int = 32
    learning_rate: float = 1e-4
    gamma: float = 0.99
    buffer_size: int = 100_000
    learning_starts: int = 5_000
    train_every: int = 4
    target_every: int = 1_000
    epsilon_end: float = 0.01
    epsilon_decay_steps: int = 100_000

    @classmethod
    def for_steps(cls, steps: int) -> "DQNConfig":
        """Start learning after 5% of the run (at most 5,000 steps), decay ε from 1 to 0.01 over the first
        10% (at most 100,000), update the target every 1% (at most 1,000): MinAtar's values for long runs."""
        return cls(
            steps=steps,
            learning_starts=min(5_000, max(steps // 20, 32)),
            epsilon_decay_steps=min(100_000, max(steps // 10, 1)),
            target_every=min(1_000, max(steps // 100, 1)),
        )

    def epsilon(self, step: int) -> float:
        return max(self.epsilon_end, 1.0 - (1.0 - self.epsilon_end) * step / self.epsilon_decay_steps)


class QNetwork(nn.Module):
    """MinAtar's network (one 3x3 convolution, 128 hidden units) or Nature DQN's for 84 x 84 Atari frames."""

    def __init__(self, game: Game) -> None:
        super().__init__()
        channels, height, width = game.agent_input_shape
        if game.emulator == "minatar":
            self.features = nn.Sequential(nn.Conv2d(channels, 16, 3), nn.ReLU(), nn.Flatten())
            hidden = 128
        else:
            self.features = nn.Sequential(
                nn.Conv2d(channels, 32, 8, stride=4),
                nn.ReLU(),
                nn.Conv2d(32, 64, 4, stride=2),
                nn.ReLU(),
                nn.Conv2d(64, 64, 3),
                nn.ReLU(),
                nn.Flatten(),
            )
            hidden = 512
        flat = self.features(torch.zeros(1, channels, height, width)).shape[-1]
        self.values = nn.Sequential(nn.Linear(flat, hidden), nn.ReLU(), nn.Linear(hidden, game.num_actions))

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.values(self.features(observations))


@dataclass
class ReplayLog:
    """Every step of one run, in order. Arrays of length T; frames (T, *frame shape)."""

    frames: np.ndarray  # the observation before the action (bool for MinAtar, uint8 for Atari)
    actions: np.ndarray  # uint8: the emulator's action id the agent chose
    rewards: np.ndarray  # float32
    terminals: np.ndarray  # bool: the game ended with this step
    truncations: np.ndarray  # bool: the episode was cut at the time limit after this step
    episode_ids: np.ndarray  # int32, 0, 1, ... in the order episodes started
    episode_steps: np.ndarray  # int32: the step's index within its episode

    @classmethod
    def empty(cls, game: Game, steps: int) -> "ReplayLog":
        return cls(
            frames=np.zeros((steps, *game.observation_shape), dtype=game.observation_dtype),
            actions=np.zeros(steps, dtype=np.uint8),
            rewards=np.zeros(steps, dtype=np.float32),
            terminals=np.zeros(steps, dtype=bool),
            truncations=np.zeros(steps, dtype=bool),
            episode_ids=np.zeros(steps, dtype=np.int32),
            episode_steps=np.zeros(steps, dtype=np.int32),
        )

    @property
    def ends(self) -> np.ndarray:
        return self.terminals | self.truncations

    def returns_to_go(self) -> np.ndarray:
        return returns_to_go(self.rewards, self.episode_ids)

    def episode_returns(self) -> np.ndarray:
        """Returns of the finished episodes, in order."""
        finished = self.episode_ids[self.ends]
        sums = np.bincount(self.episode_ids, weights=self.rewards.astype(np.float64))
        return sums[finished]


def returns_to_go(rewards: np.ndarray, episode_ids: np.ndarray) -> np.ndarray:
    """float32: at each step, the sum of the rewards from it to the last step of its episode (undiscounted).

    `episode_ids` must be non-decreasing (steps in order). An episode that the arrays cut short (the run's
    last one, unfinished) counts only the steps present.
    """
    suffix = np.append(np.cumsum(rewards[::-1], dtype=np.float64)[::-1], 0.0)  # suffix[i] = Σ_{j>=i} r_j
    last = np.flatnonzero(np.append(episode_ids[1:] != episode_ids[:-1], True))  # each episode's last step
    episode = np.searchsorted(last, np.arange(len(rewards)))  # index of each step's episode in `last`
    return (suffix[:-1] - suffix[last[episode] + 1]).astype(np.float32)


@dataclass
class DQNRun:
    """A finished run: its log, the final Q-network's weights and a summary."""

    log: ReplayLog
    state_dict: dict[str, torch.Tensor]
    summary: dict

    def q_network(self, game: Game) -> QNetwork:
        network = QNetwork(game)
        network.load_state_dict(self.state_dict)
        return network.eval()


def train(game: Game, config: DQNConfig, seed: int, progress: bool = False) -> DQNRun:
    """Train a DQN for `config.steps` steps and log every step. Deterministic in (game, config, seed)."""
    started = time.perf_counter()
    with one_torch_thread():
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        q_network = QNetwork(game)
        target_network = copy.deepcopy(q_network)
        optimizer = torch.optim.Adam(q_network.parameters(), lr=config.learning_rate, eps=1.5e-4)
        log = ReplayLog.empty(game, config.steps)
        env, view = game.make(seed), OnlineView(game)
        frame = env.reset()
        observation = view.reset(frame)
        episode, episode_step, updates = 0, 0, 0
        for step in tqdm(range(config.steps), desc=f"DQN {game.name}", disable=not progress, mininterval=1):
            if rng.random() < config.epsilon(step):
                choice = int(rng.integers(game.num_actions))
            else:
                with torch.no_grad():
                    choice = int(q_network(torch.from_numpy(observation)[None]).argmax())
            action = game.actions[choice]
            log.frames[step], log.actions[step] = frame, action
            log.episode_ids[step], log.episode_steps[step] = episode, episode_step
            frame, log.rewards[step], log.terminals[step] = env.step(action)
            episode_step += 1
            log.truncations[step] = not log.terminals[step] and episode_step >= game.max_episode_steps
            if log.terminals[step] or log.truncations[step]:
                frame = env.reset()
                observation = view.reset(frame)
                episode, episode_step = episode + 1, 0
            else:
                observation = view.push(frame)
            if step >= config.learning_starts and step % config.train_every == 0:
                _update(game, config, log, step, rng, q_network, target_network, optimizer)
                updates += 1
            if step % config.target_every == 0:
                target_network.load_state_dict(q_network.state_dict())
    returns = log.episode_returns()
    seconds = time.perf_counter() - started
    summary = {
        "steps": config.steps,
        "updates": updates,
        "episodes_finished": len(returns),
        "mean_return_last_10_episodes": float(returns[-10:].mean()) if len(returns) else 0.0,
        "seconds": round(seconds, 3),
        "steps_per_second": round(config.steps / seconds, 1),
    }
    return DQNRun(log, {k: v.clone() for k, v in q_network.state_dict().items()}, summary)


def _update(
    game: Game,
    config: DQNConfig,
    log: ReplayLog,
    step: int,
    rng: np.random.Generator,
    q_network: QNetwork,
    target_network: QNetwork,
    optimizer: torch.optim.Optimizer,
) -> None:
    """One gradient step on a batch of logged transitions whose next observation is logged too (index < step).

    An episode cut at the time limit is treated as ended (no bootstrap): rare, and it keeps the log free
    of observations that no step starts from.
    """
    index = rng.integers(max(0, step - config.buffer_size), step, size=config.batch_size)
    observations = torch.from_numpy(game.inputs(log.frames, log.episode_ids, index))
    following = torch.from_numpy(game.inputs(log.frames, log.episode_ids, index + 1))
    choices = torch.from_numpy(game.order(log.actions[index]))
    rewards = torch.from_numpy(log.rewards[index])
    if game.emulator == "ale":
        rewards = rewards.sign()  # Nature DQN's reward clipping; MinAtar's rewards are small already
    continuing = torch.from_numpy(~log.ends[index]).float()
    with torch.no_grad():
        targets = rewards + config.gamma * continuing * target_network(following).max(-1).values
    values = q_network(observations).gather(-1, choices[:, None]).squeeze(-1)
    loss = F.smooth_l1_loss(values, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


class GreedyPolicy:
    """The ε-greedy policy of a Q-network, as action probabilities (the evaluator's `Policy` protocol)."""

    def __init__(self, q_network: QNetwork, game: Game, epsilon: float = 0.01) -> None:
        self.q_network, self.game, self.epsilon = q_network, game, epsilon

    def reset(self, num_envs: int) -> None:
        pass

    def probabilities(self, envs: np.ndarray, observations: np.ndarray, steps: np.ndarray) -> np.ndarray:
        with one_torch_thread(), torch.no_grad():
            best = self.q_network(torch.from_numpy(observations)).argmax(-1).numpy()
        probabilities = np.full((len(best), self.game.num_actions), self.epsilon / self.game.num_actions)
        probabilities[np.arange(len(best)), best] += 1 - self.epsilon
        return probabilities

    def observe(self, envs: np.ndarray, actions: np.ndarray, rewards: np.ndarray) -> None:
        pass


# --- the on-disk cache -------------------------------------------------------------------------------


def cache_root() -> Path:
    base = os.environ.get("SYNTHSUITE_CACHE") or Path.home() / ".cache" / "synthsuite"
    return Path(base) / "minatar-replay"


def run_key(game: Game, config: DQNConfig, seed: int, environment: dict[str, str]) -> str:
    """Names everything a run's bytes depend on."""
    body = {
        "format": CACHE_FORMAT,
        "game": game.name,
        "emulator": game.emulator,
        "config": asdict(config),
        "seed": seed,
        "environment": environment,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def run_folder(game: Game, config: DQNConfig, seed: int, environment: dict[str, str]) -> Path:
    key = run_key(game, config, seed, environment)
    return cache_root() / f"{game.emulator}-{game.name}-{config.steps}-{key[:16]}"


_LOG_FIELDS = [f.name for f in fields(ReplayLog)]


def load_or_train(game: Game, config: DQNConfig, seed: int, environment: dict[str, str]) -> DQNRun:
    """The cached run, its files' hashes checked; trained (once, under a lock) when missing or damaged."""
    folder = run_folder(game, config, seed, environment)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        run = _load(folder)
        if run is None:
            print(
                f"minatar-replay: training a DQN on {game.emulator} {game.name} for {config.steps:,} steps "
                f"(cached in {folder})",
                file=sys.stderr,
            )
            run = train(game, config, seed, progress=sys.stderr.isatty())
            _save(folder, run)
    return run


def _save(folder: Path, run: DQNRun) -> None:
    """Arrays as .npy (read back memory-mapped), the weights, then run.json with every file's sha256."""
    hashes = {}
    for name in _LOG_FIELDS:
        buffer = io.BytesIO()
        np.save(buffer, getattr(run.log, name), allow_pickle=False)
        atomic_write_bytes(folder / f"{name}.npy", buffer.getvalue())
        hashes[f"{name}.npy"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    buffer = io.BytesIO()
    torch.save(run.state_dict, buffer)
    atomic_write_bytes(folder / "q_network.pt", buffer.getvalue())
    hashes["q_network.pt"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    record = {"format": CACHE_FORMAT, "summary": run.summary, "sha256": hashes}
    atomic_write_text(folder / "run.json", json.dumps(record, indent=1, sort_keys=True) + "\n")


def _load(folder: Path) -> DQNRun | None:
    """The run in `folder`, or None when it is incomplete or any file's hash differs from run.json."""
    try:
        record = json.loads((folder / "run.json").read_text())
        if record.get("format") != CACHE_FORMAT:
            return None
        for name, expected in record["sha256"].items():
            if sha256_file(folder / name) != expected:
                return None
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _LOG_FIELDS}
        state_dict = torch.load(folder / "q_network.pt", weights_only=True)
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return None
    return DQNRun(ReplayLog(**arrays), state_dict, record["summary"])


def main() -> None:
    """Train (and cache) the DQN runs of a build ahead of `synthsuite generate`, one process per game.

    `generate` trains one game at a time (its workers wait on the game they all need first); with cores
    to spare, warm the cache in parallel instead, e.g. for each game:
    `python -m synthsuite.datasets_src.fourier.minatar.dqn seaquest --profile paper &`, then run
    `generate` as usual.
    """
    import argparse

    from synthsuite.datasets_src.fourier.minatar.games import EMULATORS, GAMES
    from synthsuite.datasets_src.generator import PROFILES, get_generator
    from synthsuite.kernel.errors import UserError

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("games", nargs="+", metavar="GAME", choices=GAMES)
    parser.add_argument("--profile", default="paper", choices=PROFILES)
    parser.add_argument("--seed", type=int, default=0, help="the dataset seed of the build")
    parser.add_argument("--emulator", default="minatar", choices=EMULATORS)
    args = parser.parse_args()
    try:
        generator = get_generator("minatar-replay", {"emulator": args.emulator})
        generator.check_environment()
        for game in args.games:
            run = generator.dqn_run(game, args.profile, args.seed)
            print(f"{game}: {json.dumps(run.summary)}", flush=True)
    except UserError as exc:
        raise SystemExit(f"error: {exc}") from None


if __name__ == "__main__":
    main()
