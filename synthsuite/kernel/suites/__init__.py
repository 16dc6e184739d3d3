"""One record per suite: the names of its parts, as lazy references that every registry reads.

A suite is one name used everywhere (docs/design.md, "Adding a suite"): its generators in
`datasets_src/<package>/`, tasks and scorers in `evaluation/<package>/`, baselines in
`baselines/<package>/`, its command-line hooks in `synthsuite/commands/<package>.py`, its section of
the leaderboard, `docs/<name>*.md`, `tests/test_<package>_*.py` and `benchmarks/<package>_*.py`,
where `<package>` is the name with `-` as `_`.

Each suite's record is a module of this package holding `SUITE = Suite(...)`: adding a suite is a
new file here and its folders. References are strings `"module:attribute"`, resolved only by the
registry that needs them, so listing suites imports nothing of theirs, and the kernel imports no
pillar. tests/test_suites.py walks every record and fails when a part is missing or a name
disagrees.
"""

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from synthsuite.kernel.errors import check_choice


@dataclass(frozen=True)
class Suite:
    name: str  # lower-case, e.g. "self-consuming"
    title: str  # e.g. "Self-correcting self-consuming loops"
    reference: str  # the work it turns into data, baselines and evaluators
    # dataset name (`synthsuite generate NAME`) -> "module:Class" of a datasets_src Generator
    generators: Mapping[str, str] = field(default_factory=dict)
    # "module:TASKS", a list of evaluation.tasks.TaskMetadata whose `suite` is this suite's name
    tasks: str | None = None
    # prediction kind -> "module:Class" of an evaluation.scoring.Scorer, for the kinds this suite adds
    scorers: Mapping[str, str] = field(default_factory=dict)
    # model protocol name -> "module:Class" of an evaluation.models.ModelRunner: how a user's own model
    # (an audio encoder, a density head, a policy, ...) is run on this suite's tasks by
    # `synthsuite.evaluate(model, tasks)` and `synthsuite evaluate --model-class` (docs/design.md)
    models: Mapping[str, str] = field(default_factory=dict)
    # module whose `register(commands, baselines)` adds this suite's subcommands
    cli: str | None = None
    # names it adds under `synthsuite baseline`, and as top-level commands (e.g. "correct")
    baselines: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()

    @property
    def package(self) -> str:
        """The suite's folder name in every pillar."""
        return self.name.replace("-", "_")


def load(reference: str) -> Any:
    """The object a `"module:attribute"` reference names (imports the module)."""
    module, _, attribute = reference.partition(":")
    target = importlib.import_module(module)
    return getattr(target, attribute) if attribute else target


@cache
def suites() -> dict[str, Suite]:
    """Every suite, by name, in name order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        suite = importlib.import_module(f"{__name__}.{info.name}").SUITE
        if info.name != suite.package:
            raise RuntimeError(f"suite record {info.name}.py holds suite {suite.name!r}")
        found[suite.name] = suite
    return found


def get_suite(name: str) -> Suite:
    known = suites()
    check_choice("suite", name, known)
    return known[name]
