"""Verified scores: every score of a result recomputed from its predictions file on the pinned split.

A submission may carry, beside a results file `X.json`, its predictions `X.parquet`. `submit`
then scores the predictions again through `synthsuite.evaluation.evaluator.evaluate_predictions`
(verified dataset access: the task's repo from the local hub or the Hub, its shards hashed
against the manifest and the task's pinned content revision) and refuses the submission when any
score on the scored split differs from the result's. The predictions are stored beside the result
and `verification.json` records what was recomputed:

    {"schema_version": 1, "synthsuite_version": "0.1.0",
     "entries": {"syntheory/notes": {"result_sha256": "...", "predictions_sha256": "...",
                                     "dataset_revision": "...", "split": "test",
                                     "scores": {"accuracy": 0.93, "macro_f1": 0.92}}}}

At build time a row is *verified* when its record names the sha256 of the stored result and
predictions and the same scores; `leaderboard build --verify` recomputes them again (the check a
results repo's CI runs on a pull request, since a record in a hand-made pull request proves nothing
by itself). Tasks scored online (MinAtar policies: an agent plays) have no predictions file: their
results are self-reported, with the command and seeds in the result as provenance.

Only the scored split is recomputed: per-layer scores and the validation split of a result come
from probes that are not submitted, and stay the submitter's.
"""

import math
import os
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field

from synthsuite.evaluation.predictions import model_metadata
from synthsuite.evaluation.results import Result, Scores
from synthsuite.evaluation.scoring import scorer_for
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.hashing import sha256_bytes
from synthsuite.kernel.strict_json import parse_model
from synthsuite.kernel.version import __version__

VERIFICATION = "verification.json"
PREDICTIONS_SUFFIX = ".parquet"
MAX_PREDICTIONS_BYTES = 64 << 20
MAX_VERIFICATION_BYTES = 1 << 20
REL_TOLERANCE = 1e-9  # the same code on the same bytes gives the same floats; this allows BLAS order


class DatasetUnavailable(UserError):
    """The task's pinned dataset is not here, so nothing could be recomputed (nothing was shown wrong)."""


class Verified(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    result_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    predictions_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    dataset_revision: str = Field(pattern=r"^[0-9a-f]{64}$")
    split: str = Field(max_length=100)
    scores: dict[str, float]


class VerificationRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = Field(ge=1, le=1)
    synthsuite_version: str = Field(max_length=100)
    entries: dict[str, Verified]


def read_record(data: bytes, source: str) -> VerificationRecord:
    return parse_model(
        VerificationRecord, data, source, fix="submit the folder again with `synthsuite submit`"
    )


def record_bytes(entries: dict[str, Verified]) -> bytes:
    record = VerificationRecord(schema_version=1, synthsuite_version=__version__, entries=entries)
    return (record.model_dump_json(indent=1) + "\n").encode()


def mismatch(expected: Scores, found: Scores) -> str | None:
    """The first metric whose value differs between two score sets, or None."""
    for metric in sorted(set(expected) | set(found)):
        a, b = expected.get(metric), found.get(metric)
        if a is None or b is None or not math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=1e-12):
            return f"{metric} is {a!r} in the result but {b!r} recomputed from the predictions"
    return None


def recompute(
    task: TaskMetadata, result: Result, result_sha256: str, predictions: bytes, source: str
) -> Verified:
    """Score `predictions` (bytes read once) on the task's pinned split; refuse any difference.

    The bytes are written to a private temporary file, which is what is scored: the scored bytes
    are the bytes that are stored. Raises UserError naming `source` on the first problem."""
    from synthsuite.datasets_src.access import open_dataset
    from synthsuite.evaluation.evaluator import evaluate_predictions

    fix = "submit the predictions file and the results file `synthsuite evaluate` wrote from it, unedited"
    if scorer_for(task).online:
        raise UserError(
            f"{source}: task {task.name} is scored by playing, not from a predictions file",
            "submit its results file alone (online results are self-reported)",
        )
    try:
        dataset = open_dataset(task.dataset.repo_id, configs=[task.dataset.config])
    except UserError as exc:
        raise DatasetUnavailable(
            f"cannot verify {source}: the dataset {task.dataset.repo_id} is not available ({exc.problem})",
            f"{exc.fix}; or submit the results without their predictions file (self-reported)",
        ) from None
    if not dataset.pinned(task.dataset.config, task.dataset.revision):
        raise DatasetUnavailable(
            f"cannot verify {source}: {dataset.folder} holds another revision of {task.dataset.config!r} "
            f"than {task.name} pins ({task.dataset.revision[:12]})",
            f"build the pinned dataset (see `synthsuite tasks`) into the local hub as {task.dataset.repo_id}",
        )
    with tempfile.TemporaryDirectory(prefix="synthsuite-verify-") as private:
        path = Path(private) / "predictions.parquet"
        with open(path, "xb") as handle:
            handle.write(predictions)
        os.chmod(path, 0o400)
        try:
            recomputed = evaluate_predictions(
                task, path, dataset=str(dataset.folder), split=task.eval_split, model=result.model
            )
        except UserError as exc:  # name the submitted file, not the private copy
            raise UserError(exc.problem.replace(str(path), source), exc.fix) from None
        named = model_metadata(Path(source), pq.read_schema(path).metadata or {})  # bounded above
        if named and (named.get("name"), named.get("revision")) != (result.model.name, result.model.revision):
            raise UserError(
                f"{source}: the predictions file names model {named.get('name')!r} revision "
                f"{named.get('revision')!r}, the result {result.model.name!r} "
                f"revision {result.model.revision!r}",
                fix,
            )
    found = recomputed.scores[task.eval_split]
    problem = mismatch(result.scores.get(task.eval_split, {}), found)
    if problem:
        raise UserError(f"{source}: scores.{task.eval_split}: {problem}", fix)
    return Verified(
        result_sha256=result_sha256,
        predictions_sha256=sha256_bytes(predictions),
        dataset_revision=task.dataset.revision,
        split=task.eval_split,
        scores=found,
    )
