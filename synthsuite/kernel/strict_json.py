"""The one JSON reader for everything the project accepts from users: results, model cards, task
files (SYNTHSUITE_TASKS), submissions, verification records, predictions metadata.

What it accepts is standard JSON (RFC 8259) and less:

- no `NaN`, `Infinity` or `-Infinity` tokens, no byte-order mark, UTF-8 only;
- no object with a repeated key (readers disagree on which value counts);
- at most `MAX_DEPTH` levels of nesting, at most `max_bytes` bytes (the caller's bound);
- every number finite and within ±`MAX_NUMBER` (integers fit a signed 64-bit column);
- every string and key free of control characters (C0, DEL, C1), Unicode line and paragraph
  separators, bidirectional formatting characters and lone surrogates, and at most
  `MAX_STRING` characters, so that any string can be shown on one line of a terminal or a page.

Files are read once (`read_bounded`): the bytes that were checked are the bytes a caller stores or
hashes. Nothing is followed through a symbolic link, and only regular files are read (a FIFO, a
device or a folder is refused without blocking). Types are not coerced here: models validate the
parsed value with pydantic in strict mode (`validate_strict`), where "1.0" is not a number and
`true` is not an integer.
"""

import errno
import json
import os
import re
import stat
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from synthsuite.kernel.errors import UserError

MAX_DEPTH = 32
MAX_NUMBER = 2**63 - 1  # integers fit int64; floats far inside float64
MAX_STRING = 100_000
MAX_INT_DIGITS = 19
# control characters, line/paragraph separators, bidi embeddings/overrides/isolates and marks, lone surrogates
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

Model = TypeVar("Model", bound=BaseModel)


class StrictJSONError(ValueError):
    """Why bytes are not accepted JSON; a single line."""


def _refuse_constant(token: str) -> None:
    raise StrictJSONError(f"holds the non-standard token {token} (not JSON)")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise StrictJSONError(f"holds the number {text[:24]}..., out of bounds")
    value = int(text)
    if abs(value) > MAX_NUMBER:
        raise StrictJSONError(f"holds the number {text}, out of bounds (±{MAX_NUMBER})")
    return value


def _real(text: str) -> float:
    value = float(text)
    if not abs(value) <= MAX_NUMBER:  # also refuses overflow to inf
        raise StrictJSONError(f"holds the number {text[:40]}, out of bounds (±{MAX_NUMBER:.3g})")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise StrictJSONError(f"holds the key {repeated[:80]!r} twice in one object")
    return result


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_int=_integer, parse_float=_real, parse_constant=_refuse_constant
)


def _check_string(text: str, where: str) -> None:
    if len(text) > MAX_STRING:
        raise StrictJSONError(
            f"holds a string of {len(text):,} characters at {where} (at most {MAX_STRING:,})"
        )
    bad = FORBIDDEN.search(text)
    if bad:
        raise StrictJSONError(
            f"holds the character U+{ord(bad.group()):04X} in a string at {where} (control, line "
            "separator, bidirectional or surrogate characters are not accepted)"
        )


def _check_tree(value: Any) -> None:
    """Depth, strings and keys of a parsed value, without recursion."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "$")]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, str):
            _check_string(node, where)
        elif isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise StrictJSONError(f"is nested deeper than {MAX_DEPTH} levels at {where}")
            if isinstance(node, dict):
                for key, item in node.items():
                    _check_string(key, where)
                    stack.append((item, depth + 1, f"{where}.{key[:40]}"))
            else:
                stack.extend((item, depth + 1, f"{where}[{i}]") for i, item in enumerate(node))


def loads(data: bytes) -> Any:
    """Parse `data` under the rules above; raises StrictJSONError (one line) when it breaks one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StrictJSONError(f"is not UTF-8 (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        raise StrictJSONError("starts with a byte-order mark")
    try:
        value, end = _DECODER.raw_decode(text, _skip_space(text, 0))
    except json.JSONDecodeError as exc:
        raise StrictJSONError(
            f"is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise StrictJSONError(f"is nested deeper than {MAX_DEPTH} levels") from None
    if _skip_space(text, end) != len(text):
        raise StrictJSONError("holds more than one JSON value")
    _check_tree(value)
    return value


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\n\r":
        at += 1
    return at


def read_bounded(path: Path, max_bytes: int, *, below: Path | None = None) -> bytes:
    """The bytes of a regular file, at most `max_bytes`, read once and never through a link.

    With `below`, every component of `path` under `below` is opened without following links (a
    linked folder anywhere inside a store is refused, not only a linked file). Raises
    StrictJSONError for a link, a non-regular file or a file over the bound; OSError otherwise.
    """
    parts = path.relative_to(below).parts if below is not None else (str(path),)
    folder_fd = os.open(below, _DIRECTORY) if below is not None else None
    try:
        for part in parts[:-1]:
            child = _open(
                part,
                _DIRECTORY | os.O_NOFOLLOW,
                folder_fd,
                f"lies under {part!r}, a symbolic link or not a folder",
            )
            if folder_fd is not None:
                os.close(folder_fd)
            folder_fd = child
        handle = _open(parts[-1], _FILE, folder_fd, "is a symbolic link")
    finally:
        if folder_fd is not None:
            os.close(folder_fd)
    with os.fdopen(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise StrictJSONError("is not a regular file")  # a FIFO, device or folder: never read
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise StrictJSONError(f"is over the {max_bytes:,}-byte limit")
    return data


_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # NONBLOCK: opening a FIFO never waits


def _open(name: str, flags: int, folder_fd: int | None, linked: str) -> int:
    try:
        return os.open(name, flags, dir_fd=folder_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise StrictJSONError(linked) from None
        raise


def validate_strict(model: type[Model], data: bytes) -> Model:
    """`model` from JSON bytes that `loads` accepted, in pydantic's strict mode (no coercion).

    Raises ValidationError; `first_error` words its first problem as one line."""
    return model.model_validate_json(data, strict=True)


def first_error(exc: ValidationError) -> str:
    """The first problem of a validation error, e.g. "field 'scores.test.accuracy': Input should be
    a valid number" (the input itself is never echoed)."""
    error = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in error["loc"]) or "(top level)"
    return f"field {where!r}: {error['msg']}"


def read_json(path: Path, max_bytes: int, *, fix: str, below: Path | None = None) -> tuple[bytes, Any]:
    """(bytes, value) of a JSON file under every rule above; a UserError naming `path` otherwise."""
    try:
        data = read_bounded(path, max_bytes, below=below)
        return data, loads(data)
    except StrictJSONError as exc:
        raise UserError(f"{path} {exc}", fix) from None
    except OSError as exc:
        raise UserError(f"cannot read {path} ({exc.strerror})", fix) from None


def read_model(
    model: type[Model], path: Path, max_bytes: int, *, fix: str, below: Path | None = None
) -> tuple[bytes, Model]:
    """(bytes, validated model) of a JSON file; every problem is one UserError naming `path`."""
    try:
        data = read_bounded(path, max_bytes, below=below)
    except StrictJSONError as exc:
        raise UserError(f"{path} {exc}", fix) from None
    except OSError as exc:
        raise UserError(f"cannot read {path} ({exc.strerror})", fix) from None
    return data, parse_model(model, data, str(path), fix=fix)


def parse_model(model: type[Model], data: bytes, source: str, *, fix: str) -> Model:
    """A validated model from bytes (already read once); every problem is one UserError naming `source`."""
    try:
        loads(data)
        return validate_strict(model, data)
    except StrictJSONError as exc:
        raise UserError(f"{source} {exc}", fix) from None
    except ValidationError as exc:
        raise UserError(f"{source}: {first_error(exc)}", fix) from None
