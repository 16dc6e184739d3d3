"""The one exception type a user sees: a problem and its fix, printed as a single line."""

import contextlib
import importlib
import io
import re
from collections.abc import Collection
from types import ModuleType

# what would break the one line (control characters, line and paragraph separators), reorder it (bidi)
# or fail to print (lone surrogates: undecodable bytes of a file name)
_BREAKS_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def one_line(text: str) -> str:
    """`text` with every character that could break or reorder a terminal line written as an escape."""
    return _BREAKS_LINE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


class UserError(Exception):
    """Bad input or a missing system piece. The CLI prints `error: <problem>; fix: <fix>`."""

    def __init__(self, problem: str, fix: str) -> None:
        problem, fix = one_line(problem), one_line(fix)
        super().__init__(f"{problem}; fix: {fix}")
        self.problem = problem
        self.fix = fix

    def __reduce__(self):  # raised in a worker process, re-raised in the driver
        return (UserError, (self.problem, self.fix))


def did_you_mean(value: str, choices: Collection[str]) -> list[str]:
    """The choices a mistyped `value` most likely meant: close spellings, or the same last part of a
    `prefix/name` (`notes` -> `syntheory/notes`)."""
    import difflib

    names = [str(c) for c in choices]
    tail = value.rsplit("/", 1)[-1]
    same_tail = [n for n in names if n.rsplit("/", 1)[-1] == tail and n != value]
    ratio = {n: difflib.SequenceMatcher(None, value, n).ratio() for n in names}
    best = max(ratio.values(), default=0.0)
    close = sorted((n for n in names if ratio[n] >= max(0.6, best - 0.08)), key=lambda n: -ratio[n])
    return list(dict.fromkeys([*same_tail, *close]))[:3]


def check_choice(kind: str, value: str, choices: Collection[str]) -> None:
    if value not in choices:
        close = did_you_mean(value, choices)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise UserError(f"unknown {kind} {value!r}", f"{hint}choose one of: {', '.join(choices)}")


def require_extra(module: str, extra: str) -> ModuleType:
    """`module`, imported; UserError naming the extra to install when it cannot be.

    The import's stdout is discarded: pyfluidsynth (also imported by pretty_midi) prints where it
    found its library when the environment sets CI, which would corrupt JSON written to stdout."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return importlib.import_module(module)
    except ImportError:
        raise UserError(
            f"Python module {module!r} is not installed", f"pip install 'synthsuite[{extra}]'"
        ) from None
