"""`model.json`: who made the model a submission's results are about, and what it was trained on.

The card is shown on the leaderboard next to the scores, so it is strict: unknown keys, strings
with control characters, links that are not http(s) and booleans spelled as strings are refused.
Whether the model saw SynTheory-like synthetic data in training has no default: every submitter
states it, and the leaderboard can filter on it (the leakage column MTEB and GIFT-Eval added).
"""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, field_validator

from synthsuite.kernel.errors import UserError

MODEL_CARD = "model.json"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_web_link(url: str) -> bool:
    """True for an absolute http(s) URL with a host: the only links the leaderboard renders."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"\s", url)


class ModelCard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200, description="equal to `model.name` in every result")
    link: str | None = Field(None, max_length=500, description="http(s) page of the model or its code")
    license: str = Field(min_length=1, max_length=100, description="e.g. MIT, CC-BY-4.0, proprietary")
    parameters: StrictInt | None = Field(None, ge=0, description="trainable parameters; null if unknown")
    saw_synthetic_data: StrictBool = Field(
        description="true if training data included SynTheory or similar generated music-theory clips"
    )

    @field_validator("name", "license")
    @classmethod
    def _one_line(cls, text: str) -> str:
        if CONTROL.search(text):
            raise ValueError("must not contain control characters (newlines, tabs, ...)")
        return text

    @field_validator("link")
    @classmethod
    def _web_link(cls, link: str | None) -> str | None:
        if link is not None and not is_web_link(link):
            raise ValueError("must be an http:// or https:// URL")
        return link


def read_model_card(path: Path) -> ModelCard:
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path} ({exc})", f"write {MODEL_CARD} as UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg})", "fix it") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path} is not a JSON object", "see the example in docs/leaderboard.md")
    try:
        return ModelCard.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        raise UserError(
            f"{path}: field {where!r}: {error['msg']}", "see the example in docs/leaderboard.md"
        ) from None
