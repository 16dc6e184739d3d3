"""minatar-replay: a DQN's training log on each MinAtar game, in the style of the DQN Replay Dataset.

What one sample is. The data of a config is the log of one DQN run on that game (see `dqn.py`). A row
is a fixed-length chunk of consecutive steps of that log (step `first_step` to `first_step +
chunk_steps - 1`), with one array per column. Episodes are not rows because their number and lengths
are only known after training, and planning must be cheap and exact; fixed chunks make `plan` a
range, keep row sizes equal, and let `--limit` pick a spread-out subset of the log. Episodes cross
chunk boundaries: order rows by `first_step` (or `chunk`) and follow `episode_id`.

How rendering stays pure. The DQN run is a deterministic function of (game, profile, dataset seed)
and the library versions (the manifest's `environment`), so every worker that renders a chunk reads
the same run. The first worker to need a game trains it under a file lock and caches it
($SYNTHSUITE_CACHE/minatar-replay, default ~/.cache/synthsuite/minatar-replay); the others, and any
later or resumed run, read the cache. Rendering a chunk is then slicing arrays.
"""

from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import datasets
import numpy as np

from synthsuite.datasets_src.fourier.minatar.card import CARD
from synthsuite.datasets_src.fourier.minatar.games import GAMES, Game, check_emulator, get_game
from synthsuite.datasets_src.generator import Generator, GeneratorOptions, SampleSpec, Stopwatch
from synthsuite.kernel.errors import require_extra
from synthsuite.kernel.seeding import derive_seed

if TYPE_CHECKING:
    from synthsuite.datasets_src.fourier.minatar.dqn import DQNRun

STEPS = {"tiny": 400, "small": 100_000, "paper": 500_000}  # DQN steps per game
CHUNK_STEPS = {"tiny": 50, "small": 1_000, "paper": 1_000}  # steps per row


class MinAtarReplayOptions(GeneratorOptions):
    # "ale": the same five games on the Atari 2600 emulator of ale-py (84 x 84 frames; much slower)
    emulator: Literal["minatar", "ale"] = "minatar"


class MinAtarReplayGenerator(Generator):
    name = "minatar-replay"
    version = "1.0.0"
    configs = GAMES
    options_model = MinAtarReplayOptions
    rows_per_shard: ClassVar[int] = 100  # 100,000 steps: ~100 MB of MinAtar frames in memory, less on disk
    rows_per_task: ClassVar[int] = 4
    parquet_row_group_rows: ClassVar[int] = 10

    def check_environment(self) -> None:
        require_extra("torch", "fourier")
        check_emulator(self.options.emulator)

    def environment(self) -> dict[str, str]:
        from importlib.metadata import version

        import torch

        emulator = {"minatar": "minatar", "ale": "ale-py"}[self.options.emulator]
        return {
            "numpy": np.__version__,
            "torch": torch.__version__,
            # which CPU kernels torch picks (AVX2, AVX512...) can change float rounding, hence the DQN run
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            emulator: version(emulator),
        }

    def game(self, config: str) -> Game:
        return get_game(config, self.options.emulator)

    def plan(self, config: str, profile: str, seed: int) -> list[SampleSpec]:
        steps, chunk = STEPS[profile], CHUNK_STEPS[profile]
        dqn_seed = derive_seed(self.name, config, "dqn", seed)
        return [
            SampleSpec(
                f"{config}-{index:05d}",
                "train",
                {
                    "chunk": index,
                    "first_step": index * chunk,
                    "chunk_steps": chunk,
                    "steps": steps,
                    "dqn_seed": dqn_seed,
                },
            )
            for index in range(steps // chunk)
        ]

    def features(self, config: str) -> datasets.Features:
        game = self.game(config)  # lists of any length: a row's steps depend on the profile
        return datasets.Features(
            {
                "sample_id": datasets.Value("string"),
                "chunk": datasets.Value("int32"),
                "first_step": datasets.Value("int64"),
                "observation": _frames_feature(game),
                "action": datasets.List(datasets.ClassLabel(names=list(game.action_names))),
                "reward": datasets.List(datasets.Value("float32")),
                "terminal": datasets.List(datasets.Value("bool")),
                "truncated": datasets.List(datasets.Value("bool")),
                "episode_id": datasets.List(datasets.Value("int32")),
                "episode_step": datasets.List(datasets.Value("int32")),
                "return_to_go": datasets.List(datasets.Value("float32")),
            }
        )

    @cached_property
    def _runs(self) -> dict[tuple[str, int, int], tuple["DQNRun", np.ndarray]]:
        return {}

    def dqn_run(self, config: str, profile: str, seed: int) -> "DQNRun":
        """The DQN run behind `config` of the build (profile, seed), trained now if it is not cached."""
        params = self.plan(config, profile, seed)[0].params
        return self._run(config, params["steps"], params["dqn_seed"])[0]

    def _run(self, config: str, steps: int, dqn_seed: int) -> tuple["DQNRun", np.ndarray]:
        """The DQN run of this game (cached per process and on disk) and its returns-to-go."""
        from synthsuite.datasets_src.fourier.minatar.dqn import DQNConfig, load_or_train

        key = (config, steps, dqn_seed)
        if key not in self._runs:
            run = load_or_train(self.game(config), DQNConfig.for_steps(steps), dqn_seed, self.environment())
            self._runs[key] = (run, run.log.returns_to_go())
        return self._runs[key]

    def render(
        self, config: str, spec: SampleSpec, rng: np.random.Generator, clock: Stopwatch
    ) -> dict[str, Any]:
        params = spec.params
        with clock.stage("dqn"):
            run, returns_to_go = self._run(config, params["steps"], params["dqn_seed"])
        with clock.stage("slice"):
            rows = slice(params["first_step"], params["first_step"] + params["chunk_steps"])
            log = run.log
            return {
                "sample_id": spec.key,
                "chunk": params["chunk"],
                "first_step": params["first_step"],
                "observation": list(np.asarray(log.frames[rows]).reshape(params["chunk_steps"], -1)),
                "action": log.actions[rows].astype(np.int64),
                "reward": np.asarray(log.rewards[rows]),
                "terminal": np.asarray(log.terminals[rows]),
                "truncated": np.asarray(log.truncations[rows]),
                "episode_id": np.asarray(log.episode_ids[rows]),
                "episode_step": np.asarray(log.episode_steps[rows]),
                "return_to_go": returns_to_go[rows],
            }

    def card_metadata(self) -> dict[str, Any]:
        return {
            "pretty_name": "MinAtar DQN replay (synthsuite)",
            "license": "mit",
            "task_categories": ["reinforcement-learning"],
            "tags": ["offline-rl", "minatar", "atari", "dqn-replay", "decision-transformer", "synthsuite"],
        }

    def card_sections(self) -> str:
        return CARD


def _frames_feature(game: Game) -> datasets.Array2D:
    """A row's frames, one flattened frame per step: (steps, H·W·C) bool for MinAtar, (steps, 84·84) uint8
    for Atari. Flat because pyarrow builds rows only from 1-D arrays: a (steps, H, W, C) column would have
    to pass through Python lists, ~1,000 times slower. `frames.reshape(-1, *observation_shape)` undoes it."""
    return datasets.Array2D(shape=(None, int(np.prod(game.observation_shape))), dtype=game.observation_dtype)
