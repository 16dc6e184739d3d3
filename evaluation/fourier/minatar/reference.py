"""Measure the normalisation constants of the MinAtar tasks:
`python -m synthsuite.evaluation.fourier.minatar.reference`.

Random: the uniform policy over the game's minimal action set. Reference: the DQN that generated the
build, at the end of its run, ε-greedy with ε = 0.01 (trained now if its run is not cached). Prints
one line per game in the form of `NORMALIZATION` in tasks.py.
"""

import argparse

from synthsuite.datasets_src.fourier.minatar import MinAtarReplayGenerator
from synthsuite.datasets_src.fourier.minatar.dqn import GreedyPolicy
from synthsuite.datasets_src.fourier.minatar.games import GAMES
from synthsuite.evaluation.fourier.minatar.evaluator import RandomPolicy, play

REFERENCE_EPSILON = 0.01


def measure(game: str, profile: str, seed: int, episodes: int) -> tuple[float, float]:
    """(random return, reference return) of `game`, each the mean over `episodes` episodes."""
    generator = MinAtarReplayGenerator()
    spec = generator.game(game)
    run = generator.dqn_run(game, profile, seed)
    random = play(spec, RandomPolicy(spec.num_actions), episodes, seed=0).mean_return
    reference = play(spec, GreedyPolicy(run.q_network(spec), spec, REFERENCE_EPSILON), episodes, seed=0)
    return random, reference.mean_return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--game", action="append", choices=GAMES, help="default: every game")
    parser.add_argument("--profile", default="small", help="the build whose DQN is the reference")
    parser.add_argument("--seed", type=int, default=0, help="the build's dataset seed")
    parser.add_argument("--episodes", type=int, default=1000)
    args = parser.parse_args()
    for game in args.game or GAMES:
        random, reference = measure(game, args.profile, args.seed, args.episodes)
        print(f'    "{game}": ({random:.4g}, {reference:.4g}),', flush=True)


if __name__ == "__main__":
    main()
