"""MinAtar tasks: learn from a game's DQN replay offline, then play it; one task per game.

A task `minatar/<game>` pins the content revision of one config of the `small` build of minatar-replay
(`synthsuite generate minatar-replay --profile small`, seed 0: 100,000 DQN steps per game), the largest
build made on this project's machines; agents are trained on its `train` split and scored `online`, by
playing episodes in MinAtar (evaluator.py). The `paper` profile (500,000 steps) gets its own tasks once
it is built.

The normalised return is 100·(R − random)/(reference − random), the paper's form with its constants
measured here: `random` is the mean return of the uniform policy over the game's minimal action set and
`reference` that of the DQN that generated the pinned build, at the end of its run, acting ε-greedily
with ε = 0.01. Both are means over 500 episodes of this evaluator
(`python -m synthsuite.evaluation.fourier.minatar.reference --profile small --episodes 500`).
"""

from synthsuite.datasets_src.fourier.minatar.games import GAMES, fourier_order
from synthsuite.evaluation.tasks import DatasetRef, Metric, PredictionFormat, TaskMetadata

REPO = "synthsuite/minatar-replay-small"
PROFILE = "small"
REFERENCE = (
    "Gillman, Aggarwal, Freeman, Singh, Sun. Fourier Head: Helping Large Language Models Learn Complex "
    "Probability Distributions. ICLR 2025 (Decision Transformer experiment); Young and Tian. MinAtar. 2019."
)

# game -> (random return, reference return), measured by
# `python -m synthsuite.evaluation.fourier.minatar.reference`
NORMALIZATION: dict[str, tuple[float, float]] = {
    "seaquest": (0.12, 0.556),
    "breakout": (0.414, 3.61),
    "asterix": (0.504, 1.0),
    "freeway": (0.384, 1.696),
    "space_invaders": (4.158, 19.26),
}

# data_revision of each config of the small build
REVISIONS = {
    "seaquest": "0fd3d319d06c5d4867a5115c2cc71144d5261e4397e9f57f532a36559d1d4a0d",
    "breakout": "d7546643575f13cadeb47eec36a06408c63fd03b600cf219d554481c7f2c8568",
    "asterix": "f801efc3433428c75a0f20471c6041cde458d548f683d055be42419a19220a19",
    "freeway": "84855cbe270efab0c1885c030a1a47c89f3f8974915956ae0d08ea01b6d37a1e",
    "space_invaders": "d78d13d638da625753725ad1d8c8bc5df7197dced6f78c8c83eefbf1a6f49fd1",
}

# each game's minimal action set, written out so that listing tasks never imports MinAtar (a test checks it)
MINIMAL_ACTIONS = {
    "seaquest": ("NOOP", "LEFT", "UP", "RIGHT", "DOWN", "FIRE"),
    "breakout": ("NOOP", "LEFT", "RIGHT"),
    "asterix": ("NOOP", "LEFT", "UP", "RIGHT", "DOWN"),
    "freeway": ("NOOP", "UP", "DOWN"),
    "space_invaders": ("NOOP", "LEFT", "RIGHT", "FIRE"),
}

NO_UPPER_LIMIT = 1e6  # returns have no natural bound; a metric's range must be finite


def game_task(game: str, *, name: str, repo_id: str, revision: str, profile: str) -> TaskMetadata:
    random, reference = NORMALIZATION[game]
    lowest = 100.0 * (0.0 - random) / (reference - random)  # MinAtar's rewards are never negative
    return TaskMetadata(
        name=name,
        suite="fourier",
        description=(
            f"Train an agent offline on the DQN replay of MinAtar {game} (split train), then play: the mean "
            f"return over the evaluator's episodes, normalised as 100·(R − {random:g})/({reference:g} − "
            f"{random:g}) (random policy, and the DQN that made the data), and the smoothness of the action "
            "distributions the agent acted with (actions in bin order)."
        ),
        dataset=DatasetRef(repo_id=repo_id, config=game, revision=revision, profile=profile),
        splits=("train", "online"),
        eval_split="online",
        input="the current and past observations, actions and rewards of the episode being played",
        predictions=PredictionFormat(
            kind="policy", label_column="action", classes=tuple(fourier_order(MINIMAL_ACTIONS[game]))
        ),
        metrics=(
            Metric(name="normalized_return", higher_is_better=True, range=(lowest, NO_UPPER_LIMIT)),
            Metric(name="mean_return", higher_is_better=True, range=(0.0, NO_UPPER_LIMIT)),
            # ‖y − G∗y‖₂ ≤ 2 for a distribution and the σ weights sum to less than 1
            Metric(name="smoothness", higher_is_better=False, range=(0.0, 2.0)),
        ),
        main_score="normalized_return",
        version="1.0.0",
        reference=REFERENCE,
    )


TASKS = [
    game_task(game, name=f"minatar/{game}", repo_id=REPO, revision=REVISIONS[game], profile=PROFILE)
    for game in GAMES
]
