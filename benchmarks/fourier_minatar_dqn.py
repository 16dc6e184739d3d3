"""How fast minatar-replay collects data: emulator steps/s alone, DQN steps/s (acting, learning, logging).

    nice -n 19 python benchmarks/fourier_minatar_dqn.py               # breakout, seaquest: 5,000 steps each
    nice -n 19 python benchmarks/fourier_minatar_dqn.py --game freeway --steps 20000
    nice -n 19 python benchmarks/fourier_minatar_dqn.py --emulator ale --steps 1000

The DQN is a whole run of `--steps` steps with the generator's schedules (learning from 5% of the run,
one update every 4 steps), so the figure is what a profile's data collection costs per step. torch runs
on one thread, as in the generator. Each figure is the best of `--rounds` runs: on a shared machine,
the least disturbed one.
"""

import argparse
import time

import numpy as np

from synthsuite.datasets_src.executors import one_torch_thread
from synthsuite.datasets_src.fourier.minatar.dqn import DQNConfig, train
from synthsuite.datasets_src.fourier.minatar.games import GAMES, get_game


def emulator_steps_per_second(game_name: str, emulator: str, steps: int) -> float:
    """Uniformly random actions, with episode resets: the emulator's own speed."""
    game = get_game(game_name, emulator)
    env, rng = game.make(0), np.random.default_rng(0)
    env.reset()
    started = time.perf_counter()
    for _ in range(steps):
        _, _, over = env.step(game.actions[rng.integers(game.num_actions)])
        if over:
            env.reset()
    return steps / (time.perf_counter() - started)


def dqn_steps_per_second(game_name: str, emulator: str, steps: int) -> tuple[float, int]:
    """(steps/s, gradient updates) of a whole DQN run of `steps` steps."""
    game = get_game(game_name, emulator)
    config = DQNConfig.for_steps(steps)
    started = time.perf_counter()
    run = train(game, config, seed=0)
    return steps / (time.perf_counter() - started), run.summary["updates"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--game", action="append", choices=GAMES, help="default: breakout and seaquest")
    parser.add_argument("--emulator", default="minatar", choices=("minatar", "ale"))
    parser.add_argument("--steps", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"| game ({args.emulator}) | emulator steps/s | DQN steps/s ({args.steps:,} steps) | updates |")
    print("|---|---|---|---|")
    with one_torch_thread():
        for game in args.game or ["breakout", "seaquest"]:
            emulator = max(
                emulator_steps_per_second(game, args.emulator, args.steps) for _ in range(args.rounds)
            )
            dqn = [dqn_steps_per_second(game, args.emulator, args.steps) for _ in range(args.rounds)]
            best, updates = max(dqn)
            print(f"| {game} | {emulator:,.0f} | {best:,.0f} | {updates:,} |", flush=True)


if __name__ == "__main__":
    main()
