"""The results schema: one JSON file per (model, task) carrying everything needed to reproduce it."""

import json
import os
import platform
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synthsuite.kernel.atomic import atomic_write_text
from synthsuite.kernel.errors import UserError

SCHEMA_VERSION = 1
Scores = dict[str, float]  # metric -> value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskRef(Strict):
    name: str
    version: str


class DatasetRevision(Strict):
    repo_id: str
    config: str
    revision: str = Field(pattern=r"^[0-9a-f]{64}$", description="content revision of the config")
    source_revision: str = Field(description="Hub commit sha, or the manifest sha256 of a local folder")


class ModelInfo(Strict):
    name: str = Field(min_length=1, max_length=200)
    revision: str = Field(description="a commit, a version, or the weights' sha256")
    details: dict[str, str] = Field(default_factory=dict)


class Result(Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    task: TaskRef
    dataset: DatasetRevision
    model: ModelInfo
    main_score: float
    scores: dict[str, Scores] = Field(description="split -> metric -> value")
    layers: dict[str, dict[str, Scores]] | None = Field(
        None, description="layer -> split -> metric -> value, for layered extractors"
    )
    selected_layer: str | None = None
    seeds: list[int] = Field(default_factory=list)
    synthsuite_version: str
    environment: dict[str, str]
    wall_seconds: float = Field(ge=0)
    settings: dict[str, Any] = Field(default_factory=dict)

    def write(self, path: Path) -> None:
        atomic_write_text(path, self.model_dump_json(indent=1) + "\n")


def environment() -> dict[str, str]:
    """Python, platform, CPU and (when torch is imported) torch and the GPU."""
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": str(os.cpu_count()),
        "cpu": _cpu_model(),
    }
    torch = sys.modules.get("torch")
    if torch is not None:
        info["torch"] = torch.__version__
        info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def read_result(path: Path) -> Result:
    """A results file, validated; one line says what is wrong and where."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read results file {path} ({exc})", "pass a results JSON file") from None
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path} is not valid JSON (line {exc.lineno}: {exc.msg})", "fix or regenerate it"
        ) from None
    if not isinstance(raw, dict):
        raise UserError(
            f"{path} is not a JSON object", "pass a results file written by `synthsuite evaluate`"
        )
    if raw.get("schema_version") != SCHEMA_VERSION:
        raise UserError(
            f"{path} has schema_version {raw.get('schema_version')!r}; "
            f"this synthsuite reads {SCHEMA_VERSION}",
            "re-run `synthsuite evaluate` with this version",
        )
    try:
        return Result.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise UserError(
            f"{path}: field {where!r}: {error['msg']}", "fix or regenerate the results file"
        ) from None
