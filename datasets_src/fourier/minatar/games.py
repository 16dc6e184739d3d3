"""The five games, behind one small interface for MinAtar and for the real Atari games of ale-py.

An `Emulator` plays one game: `reset()` gives the first observation, `step(action)` the next
observation, the reward and whether the game is over. `Game` holds the static facts: the action
set the agents use and its order, the observation's shape and dtype, and how many frames an agent
stacks. Episodes are cut at `max_episode_steps` (the caller counts; see `EpisodeRunner`).

Action order. Agents (the DQN that makes the data, the Decision Transformer) index actions in one
fixed order, the Fourier head's bin order: NOOP, then the moves clockwise starting from LEFT (LEFT,
UPLEFT, UP, UPRIGHT, RIGHT, DOWNRIGHT, DOWN, DOWNLEFT), then the same moves with FIRE, then FIRE.
It is the order the Fourier head paper used for Atari's 18 actions, applied to each game's minimal
action set, so that neighbouring bins are related actions (and, because the Fourier density is
periodic, FIRE wraps around to NOOP). The dataset stores each emulator's own action ids; `Game.order`
maps them to positions in this order.
"""

from collections import deque
from dataclasses import dataclass
from functools import cache
from typing import Literal, Protocol

import numpy as np

from synthsuite.kernel.errors import UserError

EmulatorName = Literal["minatar", "ale"]
GAMES = ("seaquest", "breakout", "asterix", "freeway", "space_invaders")
EMULATORS: tuple[EmulatorName, ...] = ("minatar", "ale")

MINATAR_ACTION_NAMES = ("NOOP", "LEFT", "UP", "RIGHT", "DOWN", "FIRE")  # MinAtar's 'n','l','u','r','d','f'
ALE_ACTION_NAMES = (  # ale_py.Action, by id
    "NOOP", "FIRE", "UP", "RIGHT", "LEFT", "DOWN", "UPRIGHT", "UPLEFT", "DOWNRIGHT", "DOWNLEFT", "UPFIRE",
    "RIGHTFIRE", "LEFTFIRE", "DOWNFIRE", "UPRIGHTFIRE", "UPLEFTFIRE", "DOWNRIGHTFIRE", "DOWNLEFTFIRE",
)  # fmt: skip
_CLOCKWISE_FROM_LEFT = ("LEFT", "UPLEFT", "UP", "UPRIGHT", "RIGHT", "DOWNRIGHT", "DOWN", "DOWNLEFT")

MINATAR_EPISODE_STEPS = 10_000  # MinAtar has no time limit of its own (Freeway ends itself at 2,500)
ALE_EPISODE_STEPS = 27_000  # 108,000 frames at 4 frames per step: Atari's usual 30-minute cap
ALE_FRAME_SKIP = 4
ALE_STICKY_ACTIONS = 0.25  # Machado et al. (2018), ale-py's v5 default
ALE_SCREEN = 84  # observations are 84 x 84 grayscale, as in the DQN Replay Dataset


def fourier_order(names: list[str] | tuple[str, ...]) -> list[str]:
    """`names` sorted into bin order: NOOP, moves clockwise from LEFT, moves with FIRE, FIRE."""

    def rank(name: str) -> tuple[int, int]:
        if name == "NOOP":
            return (0, 0)
        if name == "FIRE":
            return (3, 0)
        move, fire = (name[:-4], 2) if name.endswith("FIRE") else (name, 1)
        return (fire, _CLOCKWISE_FROM_LEFT.index(move))

    return sorted(names, key=rank)


@dataclass(frozen=True)
class Game:
    """Static facts about one game on one emulator."""

    name: str
    emulator: EmulatorName
    action_names: tuple[str, ...]  # every action id of the emulator, by id
    actions: tuple[int, ...]  # the minimal action set as emulator ids, in bin order
    observation_shape: tuple[int, ...]  # one frame, as stored
    observation_dtype: str  # "bool" (MinAtar) or "uint8" (Atari)
    frame_stack: int  # frames an agent sees at once: 1 (MinAtar shows motion in trail channels) or 4
    max_episode_steps: int

    @property
    def num_actions(self) -> int:
        return len(self.actions)

    @property
    def ordered_action_names(self) -> list[str]:
        return [self.action_names[a] for a in self.actions]

    def order(self, native_actions: np.ndarray) -> np.ndarray:
        """Emulator action ids -> positions in bin order (-1 for an id outside the minimal set)."""
        table = np.full(len(self.action_names), -1, dtype=np.int64)
        table[list(self.actions)] = np.arange(self.num_actions)
        return table[np.asarray(native_actions, dtype=np.int64)]

    @property
    def agent_input_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of what a network sees: frames stacked on the channel axis."""
        if self.emulator == "minatar":
            height, width, channels = self.observation_shape
            return (channels, height, width)
        return (self.frame_stack, *self.observation_shape)

    def make(self, seed: int) -> "Emulator":
        return (_MinAtar if self.emulator == "minatar" else _Atari)(self.name, seed)

    def inputs(self, frames: np.ndarray, episode_ids: np.ndarray, index: np.ndarray) -> np.ndarray:
        """What a network sees at steps `index` of a log: float32 (B, *agent_input_shape).

        MinAtar: the frame, channels first. Atari: the last `frame_stack` frames of the episode
        (zeros before its start), scaled to [0, 1].
        """
        if self.emulator == "minatar":
            return _minatar_input(frames[index])
        return _stacked(frames, episode_ids, index, self.frame_stack).astype(np.float32) / 255.0


class Emulator(Protocol):
    def reset(self) -> np.ndarray: ...

    def step(self, action: int) -> tuple[np.ndarray, float, bool]: ...


def check_emulator(emulator: str) -> None:
    """Raise UserError when the emulator's package is missing."""
    module = {"minatar": "minatar", "ale": "ale_py"}[emulator]
    pin = {"minatar": "minatar==1.0.15", "ale": "ale-py==0.12.1"}[emulator]
    try:
        __import__(module)
    except ImportError:
        raise UserError(f"Python module {module!r} is not installed", f"pip install {pin}") from None


@cache
def get_game(name: str, emulator: str = "minatar") -> Game:
    if name not in GAMES:
        raise UserError(f"unknown game {name!r}", f"choose one of: {', '.join(GAMES)}")
    if emulator not in EMULATORS:
        raise UserError(f"unknown emulator {emulator!r}", f"choose one of: {', '.join(EMULATORS)}")
    check_emulator(emulator)
    if emulator == "minatar":
        env = _minatar_environment(name)
        minimal = [MINATAR_ACTION_NAMES[a] for a in env.minimal_action_set()]
        height, width, channels = env.state_shape()
        return Game(
            name=name,
            emulator="minatar",
            action_names=MINATAR_ACTION_NAMES,
            actions=tuple(MINATAR_ACTION_NAMES.index(n) for n in fourier_order(minimal)),
            observation_shape=(height, width, channels),
            observation_dtype="bool",
            frame_stack=1,
            max_episode_steps=MINATAR_EPISODE_STEPS,
        )
    ale = _ale_interface(name, seed=0)
    minimal = [action.name for action in ale.getMinimalActionSet()]
    return Game(
        name=name,
        emulator="ale",
        action_names=ALE_ACTION_NAMES,
        actions=tuple(ALE_ACTION_NAMES.index(n) for n in fourier_order(minimal)),
        observation_shape=(ALE_SCREEN, ALE_SCREEN),
        observation_dtype="uint8",
        frame_stack=4,
        max_episode_steps=ALE_EPISODE_STEPS,
    )


def _minatar_environment(name: str, sticky_action_prob: float = 0.1):
    """MinAtar's own defaults: sticky actions 0.1 and difficulty ramping, as its paper's DQN used."""
    import minatar

    return minatar.Environment(name, sticky_action_prob=sticky_action_prob, difficulty_ramping=True)


class _MinAtar:
    def __init__(self, name: str, seed: int) -> None:
        self.env = _minatar_environment(name)
        self.env.seed(seed % 2**32)  # MinAtar draws everything (sticky actions included) from this state

    def reset(self) -> np.ndarray:
        self.env.reset()
        return self.env.state()

    def step(self, action: int) -> tuple[np.ndarray, float, bool]:
        reward, terminal = self.env.act(action)
        return self.env.state(), float(reward), bool(terminal)


def _ale_interface(name: str, seed: int):
    from ale_py import ALEInterface, LoggerMode, roms

    ALEInterface.setLoggerMode(LoggerMode.Error)
    ale = ALEInterface()
    ale.setInt("random_seed", seed % 2**31)
    ale.setFloat("repeat_action_probability", ALE_STICKY_ACTIONS)
    ale.setInt("max_num_frames_per_episode", ALE_EPISODE_STEPS * ALE_FRAME_SKIP)
    ale.loadROM(roms.get_rom_path(name))
    return ale


def _interpolation(size_in: int, size_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear interpolation, pixel centres aligned: output i = (1 − w_i)·input[low_i] + w_i·input[high_i]."""
    centres = (np.arange(size_out) + 0.5) * size_in / size_out - 0.5
    low = np.clip(np.floor(centres).astype(int), 0, size_in - 1)
    high = np.minimum(low + 1, size_in - 1)
    return low, high, np.clip(centres - low, 0.0, 1.0)


class _Atari:
    """Atari with the DQN conventions: 4 frames per step, the max of the last two, 84 x 84 grayscale."""

    def __init__(self, name: str, seed: int) -> None:
        self.ale = _ale_interface(name, seed)
        self.actions = {a.value: a for a in self.ale.getLegalActionSet()}
        height, width = self.ale.getScreenDims()
        self.rows, self.columns = _interpolation(height, ALE_SCREEN), _interpolation(width, ALE_SCREEN)

    def _frame(self, screens: list[np.ndarray]) -> np.ndarray:
        """The pixelwise maximum of the screens, resized to 84 x 84 by gathers (no BLAS for tiny products)."""
        screen = np.maximum.reduce(screens).astype(np.float64)
        low, high, weight = self.rows
        screen = screen[low] * (1 - weight)[:, None] + screen[high] * weight[:, None]
        low, high, weight = self.columns
        screen = screen[:, low] * (1 - weight) + screen[:, high] * weight
        return np.rint(screen).astype(np.uint8)

    def reset(self) -> np.ndarray:
        self.ale.reset_game()
        return self._frame([self.ale.getScreenGrayscale()])

    def step(self, action: int) -> tuple[np.ndarray, float, bool]:
        reward, last_two = 0.0, deque(maxlen=2)
        for _ in range(ALE_FRAME_SKIP):
            reward += self.ale.act(self.actions[action])
            last_two.append(self.ale.getScreenGrayscale())
            if self.ale.game_over():
                break
        return self._frame(list(last_two)), reward, self.ale.game_over()


def _stacked(frames: np.ndarray, episode_ids: np.ndarray, index: np.ndarray, stack: int) -> np.ndarray:
    """Frames `index - stack + 1 .. index` of a log, (B, stack, *frame); zeros before the episode's start."""
    offsets = np.arange(1 - stack, 1)
    positions = index[:, None] + offsets[None, :]
    clipped = np.clip(positions, 0, None)
    same_episode = (positions >= 0) & (episode_ids[clipped] == episode_ids[index][:, None])
    out = frames[clipped]
    out[~same_episode] = 0
    return out


class OnlineView:
    """What an agent acting online sees, built frame by frame in the same form as `Game.inputs`."""

    def __init__(self, game: Game) -> None:
        self.game = game
        self.frames: deque[np.ndarray] = deque(maxlen=game.frame_stack)

    def reset(self, frame: np.ndarray) -> np.ndarray:
        self.frames.clear()
        self.frames.extend(np.zeros_like(frame) for _ in range(self.game.frame_stack - 1))
        return self.push(frame)

    def push(self, frame: np.ndarray) -> np.ndarray:
        self.frames.append(frame)
        if self.game.emulator == "minatar":
            return _minatar_input(frame)
        return np.stack(self.frames).astype(np.float32) / 255.0


def _minatar_input(frames: np.ndarray) -> np.ndarray:
    return np.moveaxis(frames, -1, -3).astype(np.float32)  # (..., H, W, C) bool -> (..., C, H, W)
