"""The results schema: one JSON file per (model, task) carrying everything needed to reproduce it."""

import hashlib
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.atomic import atomic_write_text
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.stats import mean_interval
from synthsuite.kernel.strict_json import StrictJSONError, first_error, loads, read_bounded, validate_strict

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
    revision: str = Field(
        min_length=1, max_length=200, description="a commit, a version, or the weights' sha256"
    )
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


def combine_seeds(task: TaskMetadata, results: list[Result], per_seed_settings: Sequence[str] = ()) -> Result:
    """One result over the seeds of one model on one task: the scores are the means over the seeds.

    `settings` keeps the first seed's settings, turns each of `per_seed_settings` into a list (one value
    a seed) and adds `per_seed` (metric -> the seeds' values), `std_over_seeds` and `ci95_half_width` (of
    the mean, Student's t; 0 for one seed). The model revision is the sha256 of the seeds' revisions.
    """
    first = results[0]
    split = task.eval_split
    values = {m: [r.scores[split][m] for r in results] for m in first.scores[split]}
    intervals = {m: mean_interval(v) for m, v in values.items()}
    revision = hashlib.sha256("".join(r.model.revision for r in results).encode()).hexdigest()
    details = {k: v for k, v in first.model.details.items() if k != "seed"}
    shared = {k: v for k, v in first.settings.items() if k not in per_seed_settings}
    return first.model_copy(
        update={
            "model": first.model.model_copy(update={"revision": revision, "details": details}),
            "main_score": intervals[task.main_score].mean,
            "scores": {split: {m: i.mean for m, i in intervals.items()}},
            "seeds": [s for r in results for s in r.seeds],
            "wall_seconds": sum(r.wall_seconds for r in results),
            "settings": {
                **shared,
                **{k: [r.settings[k] for r in results] for k in per_seed_settings},
                "per_seed": values,
                "std_over_seeds": {m: statistics.stdev(v) if len(v) > 1 else 0.0 for m, v in values.items()},
                "ci95_half_width": {m: i.half_width if i.n > 1 else 0.0 for m, i in intervals.items()},
            },
        }
    )


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


MAX_RESULT_BYTES = 1 << 20  # a result with 48 layers x 3 splits is ~20 kB


def read_result(path: Path, *, below: Path | None = None) -> Result:
    """A results file, validated; one line says what is wrong and where.

    Read once through the strict reader (synthsuite.kernel.strict_json): standard JSON, no repeated
    keys, bounded numbers and strings, exact types. `below`: no link is followed under that folder."""
    return parse_result(read_bounded_result(path, below=below), str(path))


def read_bounded_result(path: Path, *, below: Path | None = None) -> bytes:
    """The bytes of a results file, read once (at most MAX_RESULT_BYTES, never through a link)."""
    try:
        return read_bounded(path, MAX_RESULT_BYTES, below=below)
    except StrictJSONError as exc:
        raise UserError(f"{path} {exc}", "pass the results file `synthsuite evaluate` wrote") from None
    except OSError as exc:
        raise UserError(
            f"cannot read results file {path} ({exc.strerror})", "pass a results JSON file"
        ) from None


def parse_result(data: bytes, source: str) -> Result:
    """A Result from bytes already read once; `source` names them in the error."""
    fix = "fix or regenerate the results file"
    try:
        raw = loads(data)
    except StrictJSONError as exc:
        raise UserError(f"{source} {exc}", fix) from None
    if not isinstance(raw, dict):
        raise UserError(
            f"{source} is not a JSON object", "pass a results file written by `synthsuite evaluate`"
        )
    version = raw.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:  # `true` or 1.0 is not 1
        raise UserError(
            f"{source} has schema_version {version!r}; this synthsuite reads {SCHEMA_VERSION}",
            "re-run `synthsuite evaluate` with this version",
        )
    try:
        return validate_strict(Result, data)
    except ValidationError as exc:
        raise UserError(f"{source}: {first_error(exc)}", fix) from None
