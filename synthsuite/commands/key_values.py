"""KEY=VALUE command-line pairs, shared by the commands that take free-form settings."""

import json
from typing import Any

from synthsuite.kernel.errors import UserError


def parse_key_values(pairs: list[str], flag: str, example: str) -> dict[str, Any]:
    """A VALUE that reads as JSON (500, 0.1, true) is that value, else the string itself."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"{flag} {pair!r} is not KEY=VALUE", f"write it as e.g. {flag} {example}")
        try:
            values[key] = json.loads(value)
        except json.JSONDecodeError:
            values[key] = value
    return values
