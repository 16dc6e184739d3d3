"""The three experiments by name, with the original's settings as defaults.

Reading this module imports no experiment (no torch, no MuJoCo): `spec` imports only the one asked for.
"""

from dataclasses import dataclass
from typing import Any

from synthsuite.baselines.self_consuming.loop import LoopSpec
from synthsuite.kernel.errors import UserError, check_choice
from synthsuite.kernel.suites import load


@dataclass(frozen=True)
class Defaults:
    ratios: tuple[float, ...]
    generations: int
    seeds: tuple[int, ...]
    main_metric: str
    gammas: tuple[float, ...] | None = None  # None: the corrector has no strength to vary
    n: int | None = None  # None: the whole training split


DEFAULTS = {
    # the original's toy: λ 0.5, 500 generations, eight γ (its runs were unseeded; four seeds here)
    "gaussian": Defaults(
        (0.5,), 500, (0, 1, 2, 3), "w2", gammas=(0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 2.0, 5.0), n=50
    ),
    # the original's MNIST λ grid; 20 generations (the original ran 50) on a CPU
    "digits": Defaults((0.2, 0.5, 1.0, 1.5), 20, (0, 1, 2), "fid"),
    # the original's motion λ grid and n = 64 seeds; 20 generations (the original ran 50)
    "motion": Defaults((0.25, 0.5, 0.75, 1.0), 20, (10, 42, 47), "fid", n=64),
}
EXPERIMENTS = tuple(DEFAULTS)
# `--experiment module:function` (a function returning a LoopSpec) runs your own model and corrector
PLUGIN = Defaults((1.0,), 20, (0,), "")


def defaults(experiment: str) -> Defaults:
    if is_plugin(experiment):
        return PLUGIN
    check_choice("experiment", experiment, EXPERIMENTS)
    return DEFAULTS[experiment]


def is_plugin(experiment: str) -> bool:
    return ":" in experiment


def spec(
    experiment: str, *, n: int | None, dataset: str | None, settings: dict[str, Any], progress: bool = False
) -> LoopSpec:
    """The experiment's LoopSpec; every input is checked here, before anything runs."""
    if is_plugin(experiment):
        return _plugin(experiment, n=n, dataset=dataset, settings=settings)
    if experiment == "gaussian":
        from synthsuite.baselines.self_consuming import gaussian

        if dataset is not None or settings:
            raise UserError("the gaussian experiment reads no dataset and has no --set", "drop them")
        if n is not None and n < 2:
            raise UserError(f"--n must be at least 2 for the gaussian toy, got {n}", "pass e.g. --n 50")
        return gaussian.spec(n or gaussian.PAPER_N)
    if experiment == "digits":
        from synthsuite.baselines.self_consuming import digits

        return digits.spec(n=n, dataset=dataset, settings=settings)
    if experiment == "motion":
        from synthsuite.baselines.self_consuming import motion

        return motion.spec(n=n or DEFAULTS["motion"].n, dataset=dataset, settings=settings, progress=progress)
    raise UserError(f"unknown experiment {experiment!r}", f"choose one of: {', '.join(EXPERIMENTS)}")


def _plugin(reference: str, **kwargs: Any) -> LoopSpec:
    """`module:function`, called with n, dataset and settings, must return a LoopSpec."""
    fix = "pass --experiment MODULE:FUNCTION, a function returning a LoopSpec (docs/self-consuming.md)"
    try:
        function = load(reference)
    except (ImportError, AttributeError, ValueError) as exc:
        raise UserError(f"cannot load experiment {reference!r} ({type(exc).__name__}: {exc})", fix) from None
    made = function(**kwargs)
    if not isinstance(made, LoopSpec):
        raise UserError(f"{reference} returned {type(made).__name__}, not a LoopSpec", fix)
    return made
