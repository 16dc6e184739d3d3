"""The one exception type a user sees: a problem and its fix, printed as a single line."""

import importlib
from collections.abc import Collection


class UserError(Exception):
    """Bad input or a missing system piece. The CLI prints `error: <problem>; fix: <fix>`."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}; fix: {fix}")
        self.problem = problem
        self.fix = fix

    def __reduce__(self):  # raised in a worker process, re-raised in the driver
        return (UserError, (self.problem, self.fix))


def check_choice(kind: str, value: str, choices: Collection[str]) -> None:
    if value not in choices:
        raise UserError(f"unknown {kind} {value!r}", f"choose one of: {', '.join(choices)}")


def require_extra(module: str, extra: str) -> None:
    """Raise UserError naming the extra to install when `module` cannot be imported."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise UserError(
            f"Python module {module!r} is not installed", f"pip install 'synthsuite[{extra}]'"
        ) from None
