"""`model.json`: who made the model a submission's results are about, and what it was trained on.

The card is shown on the leaderboard next to the scores, so it is strict: unknown keys, strings
with control characters, links that are not http(s) and booleans spelled as strings are refused.
Whether the model saw SynTheory-like synthetic data in training has no default: every submitter
states it, and the leaderboard can filter on it (the leakage column MTEB and GIFT-Eval added).
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from synthsuite.kernel.strict_json import FORBIDDEN, parse_model, read_model

MODEL_CARD = "model.json"
MAX_CARD_BYTES = 16 << 10
MAX_PARAMETERS = 10**15  # far above any model; keeps every count exact in an int64 column
FIX = "see the example in docs/leaderboard.md"


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
    parameters: StrictInt | None = Field(
        None, ge=0, le=MAX_PARAMETERS, description="trainable parameters; null if unknown"
    )
    saw_synthetic_data: StrictBool = Field(
        description="true if training data included SynTheory or similar generated music-theory clips"
    )

    @field_validator("name", "license", "link")
    @classmethod
    def _one_line(cls, text: str | None) -> str | None:
        if text is not None and FORBIDDEN.search(text):
            raise ValueError("must not contain control, line-separator or bidirectional characters")
        return text

    @field_validator("link")
    @classmethod
    def _web_link(cls, link: str | None) -> str | None:
        if link is not None and not is_web_link(link):
            raise ValueError("must be an http:// or https:// URL")
        return link


def read_model_card(path: Path, *, below: Path | None = None) -> tuple[bytes, ModelCard]:
    """(bytes as read, the card): read once through the strict reader, never through a link."""
    return read_model(ModelCard, path, MAX_CARD_BYTES, fix=FIX, below=below)


def parse_model_card(data: bytes, source: str) -> ModelCard:
    """The card from bytes already read once; `source` names them in the error."""
    return parse_model(ModelCard, data, source, fix=FIX)
