"""plan -> shards -> render -> atomic write, resumable and independent of workers.

A run renders only the shards that are not already on disk with a matching record. A shard's
record (in `.synthsuite/shards/`) is written after the shard itself and holds its sha256 and the
digest of what it should contain, so a run killed at any moment, or a shard corrupted later,
is redone on the next run of the same command and nothing is written twice.
"""

import hashlib
import io
import json
import math
import shutil
import time
from collections import Counter, defaultdict, deque
from collections.abc import Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from synthsuite.datasets_src.card import write_card
from synthsuite.datasets_src.executors import Executor
from synthsuite.datasets_src.generator import (
    PROFILES,
    SPLITS,
    Generator,
    SampleSpec,
    Stopwatch,
    get_generator,
)
from synthsuite.kernel.atomic import atomic_write_bytes, atomic_write_text
from synthsuite.kernel.errors import UserError, check_choice
from synthsuite.kernel.hashing import sha256_file
from synthsuite.kernel.seeding import hash_order, sample_rng
from synthsuite.kernel.version import __version__

MANIFEST_NAME = "synthsuite-manifest.json"
STATE_DIR = ".synthsuite"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class ShardPlan:
    config: str
    split: str
    index: int
    count: int
    specs: tuple[SampleSpec, ...]
    digest: str

    @property
    def path(self) -> str:
        return f"data/{self.config}/{self.split}-{self.index:05d}-of-{self.count:05d}.parquet"

    @property
    def record_path(self) -> str:
        return f"{STATE_DIR}/shards/{self.path[len('data/') :]}.json"


@dataclass(frozen=True)
class RenderTask:
    """One unit of work sent to a worker: some of one shard's specs (`task_rows`)."""

    dataset: str
    options: dict[str, Any]
    environment: dict[str, str]
    config: str
    seed: int
    shard: int
    specs: tuple[SampleSpec, ...]


@dataclass
class RunReport:
    rows_rendered: int = 0
    shards_written: int = 0
    shards_reused: int = 0
    wall_seconds: float = 0.0
    stage_seconds: Counter[str] = field(default_factory=Counter)
    manifest: dict[str, Any] = field(default_factory=dict)


def build_environment(generator: Generator) -> dict[str, str]:
    return {"pyarrow": pa.__version__, "datasets": datasets.__version__, **generator.environment()}


@cache
def _worker_generator(dataset: str, options_json: str, environment_json: str) -> Generator:
    """The worker's generator, once per process, after checking that this worker (perhaps on
    another host of a Ray cluster) has the same SoundFont, libraries... as the driver."""
    generator = get_generator(dataset, json.loads(options_json))
    generator.check_environment()
    expected, mine = json.loads(environment_json), build_environment(generator)
    if mine != expected:
        differ = sorted(k for k in expected.keys() | mine.keys() if expected.get(k) != mine.get(k))
        raise UserError(
            f"a worker's environment differs from the driver's in {', '.join(differ)} "
            f"(worker: {[mine.get(k) for k in differ]}, driver: {[expected.get(k) for k in differ]})",
            "install the same versions and files on every worker host",
        )
    return generator


def render_task(task: RenderTask) -> tuple[pa.RecordBatch, dict[str, float]]:
    """Runs in a worker: render every spec of the task into one Arrow record batch in the config's
    schema. Pure: same task, same batch. Building the columns here, not in the driver, keeps the
    driver to concatenating, encoding and hashing (docs/design.md, "Writing")."""
    generator = _worker_generator(
        task.dataset,
        json.dumps(task.options, sort_keys=True),
        json.dumps(task.environment, sort_keys=True),
    )
    clock = Stopwatch()
    rngs = [sample_rng(task.dataset, task.config, spec.key, task.seed) for spec in task.specs]
    rows = generator.render_many(task.config, task.specs, rngs, clock)
    with clock.stage("columns"):
        batch = pa.RecordBatch.from_pylist(rows, schema=_arrow_schema(generator, task.config))
    return batch, clock.seconds


@cache
def _arrow_schema(generator: Generator, config: str) -> pa.Schema:
    return generator.features(config).arrow_schema


def select_limit(specs: list[SampleSpec], limit: int | None, salt: str) -> list[SampleSpec]:
    """The first `limit` specs in hash order: a spread-out, deterministic subset."""
    if limit is None or limit >= len(specs):
        return specs
    chosen = set(sorted(range(len(specs)), key=lambda i: hash_order(specs[i].key, salt))[:limit])
    return [spec for i, spec in enumerate(specs) if i in chosen]


def build_identity(generator: Generator, profile: str, seed: int) -> dict[str, Any]:
    """Everything a shard's bytes depend on besides its specs. Two builds mix only if equal."""
    return {
        "dataset": generator.name,
        "generator_version": generator.version,
        "profile": profile,
        "seed": seed,
        "options": generator.options.model_dump(mode="json"),
        "environment": build_environment(generator),
    }


def plan_shards(
    generator: Generator, identity: dict[str, Any], config: str, limit: int | None
) -> list[ShardPlan]:
    """Group a config's specs by split, shuffle each split by hash, cut into fixed-size shards."""
    seed = identity["seed"]
    specs = select_limit(generator.plan(config, identity["profile"], seed), limit, f"{config}/limit/{seed}")
    shards = []
    for split in SPLITS:
        in_split = sorted(
            (s for s in specs if s.split == split),
            key=lambda s: hash_order(s.key, config, split, seed),
        )
        count = math.ceil(len(in_split) / generator.rows_per_shard)
        for index in range(count):
            chunk = tuple(in_split[index * generator.rows_per_shard : (index + 1) * generator.rows_per_shard])
            body = json.dumps(
                {**identity, "config": config, "split": split, "specs": [asdict(s) for s in chunk]},
                sort_keys=True,
            )
            digest = hashlib.sha256(body.encode()).hexdigest()
            shards.append(ShardPlan(config, split, index, count, chunk, digest))
    return shards


def _finished_record(out: Path, shard: ShardPlan) -> dict[str, Any] | None:
    """The shard's record if the shard on disk is complete and intact, else None."""
    record_file, shard_file = out / shard.record_path, out / shard.path
    if not (record_file.is_file() and shard_file.is_file()):
        return None
    try:
        record = json.loads(record_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if record.get("digest") != shard.digest or record.get("sha256") != sha256_file(shard_file):
        return None
    return record


def _encode_shard(
    generator: Generator, shard: ShardPlan, batches: list[pa.RecordBatch], rows: Sequence[int]
) -> tuple[bytes, int]:
    """The shard's parquet bytes and Arrow size. `rows` says which shard row each batch row is;
    the rows are put back in shard order and combined into one chunk per column, so the bytes are
    those of a table built from all rows at once, whatever the tasks were."""
    table = pa.Table.from_batches(batches, schema=_arrow_schema(generator, shard.config))
    if list(rows) != list(range(len(rows))):
        table = table.take(np.argsort(rows))
    table = table.combine_chunks()
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=generator.parquet_row_group_rows, compression="zstd")
    return sink.getvalue(), table.nbytes


def _prepare_output(out: Path, identity: dict[str, Any]) -> dict[str, Any]:
    """Check the folder can take this dataset; return the configs it already holds."""
    if out.exists() and not out.is_dir():
        raise UserError(f"output path {out} is a file", "pass a folder to --out")
    manifest_file = out / MANIFEST_NAME
    if manifest_file.is_file():
        manifest = read_manifest(out)
        held = {k: manifest.get(k) for k in identity}
        if held != identity:
            raise UserError(
                f"output folder {out} already holds a different dataset build "
                f"({held['dataset']} {held['generator_version']}, profile {held['profile']}, "
                f"seed {held['seed']}, options {held['options']}, environment {held['environment']})",
                "choose another --out or delete that folder",
            )
        return manifest["configs"]
    if out.is_dir() and any(out.iterdir()) and not (out / STATE_DIR).is_dir():
        raise UserError(
            f"output folder {out} is not empty and holds no synthsuite dataset",
            "choose an empty or new folder for --out",
        )
    try:
        (out / STATE_DIR).mkdir(parents=True, exist_ok=True)
        probe = out / STATE_DIR / ".write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(
            f"cannot write to output folder {out} ({exc.strerror})",
            "choose a folder you can write to with --out",
        ) from None
    return {}


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(
            f"{folder} has no {MANIFEST_NAME}: it is not a finished synthsuite dataset",
            "run `synthsuite generate` to completion into that folder",
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(
            f"{path} is not valid JSON ({exc})", "regenerate the dataset with `synthsuite generate`"
        ) from None
    if manifest.get("manifest_version") != MANIFEST_VERSION:
        raise UserError(
            f"{path} has manifest_version {manifest.get('manifest_version')!r}, "
            f"this synthsuite reads {MANIFEST_VERSION}",
            "regenerate the dataset with this version of synthsuite",
        )
    return manifest


def generate(
    generator: Generator,
    out: Path,
    *,
    configs: Sequence[str],
    profile: str,
    seed: int,
    limit: int | None,
    executor: Executor,
    command: str,
    progress: bool = True,
) -> RunReport:
    """Render the missing shards of `configs` into `out`, then write manifest and card."""
    configs = list(dict.fromkeys(configs))  # a config named twice is generated once
    for config in configs:
        check_choice(f"config of {generator.name}", config, generator.configs)
    check_choice("profile", profile, PROFILES)
    if limit is not None and limit < 1:
        raise UserError(
            f"--limit must be a positive number of rows, got {limit}",
            "pass --limit 1 or more, or leave it out",
        )
    generator.check_environment()
    identity = build_identity(generator, profile, seed)
    held_configs = _prepare_output(out, identity)

    started = time.perf_counter()
    report = RunReport()
    plans = {c: plan_shards(generator, identity, c, limit) for c in configs}
    records: dict[str, dict[str, Any]] = {}
    todo: list[ShardPlan] = []
    for shard in (s for shards in plans.values() for s in shards):
        record = _finished_record(out, shard)
        if record is None:
            todo.append(shard)
        else:
            records[shard.path] = record
            report.shards_reused += 1

    _render_missing(generator, out, todo, identity, executor, progress, records, report)

    config_entries = dict(held_configs)
    for config, shards in plans.items():
        config_entries[config] = _config_entry(generator, config, shards, records, limit)
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        **identity,
        "synthsuite_version": __version__,
        "command": command,
        "configs": {c: config_entries[c] for c in sorted(config_entries)},
    }
    _remove_stale_files(out, manifest)
    atomic_write_text(out / MANIFEST_NAME, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    write_card(out, manifest, generator)
    report.wall_seconds = time.perf_counter() - started
    report.manifest = manifest
    return report


def _render_missing(
    generator: Generator,
    out: Path,
    todo: list[ShardPlan],
    identity: dict[str, Any],
    executor: Executor,
    progress: bool,
    records: dict[str, dict[str, Any]],
    report: RunReport,
) -> None:
    """Render `todo` in tasks of at most `rows_per_task` rows; write each shard once all its rows are in."""
    rows_of_tasks = [
        (number, rows) for number, shard in enumerate(todo) for rows in task_rows(generator, shard)
    ]
    tasks = [
        RenderTask(
            generator.name,
            identity["options"],
            identity["environment"],
            todo[number].config,
            identity["seed"],
            number,
            tuple(todo[number].specs[row] for row in rows),
        )
        for number, rows in rows_of_tasks
    ]
    tasks_left = Counter(task.shard for task in tasks)
    parts: defaultdict[int, dict[int, pa.RecordBatch]] = defaultdict(dict)
    total = sum(len(s.specs) for s in todo)
    bar = tqdm(
        total=total,
        unit="row",
        desc=generator.name,
        disable=not progress,
        dynamic_ncols=True,
        smoothing=0.05,
    )
    # Shards are encoded and written by one thread beside the loop that feeds the workers, so the
    # workers get new tasks while a shard is written (pyarrow and hashlib release the GIL).
    writes: deque[Future[tuple[dict[str, Any], float]]] = deque()
    with bar, ThreadPoolExecutor(1, thread_name_prefix="shard-writer") as writer:
        for index, (batch, seconds) in executor.map_unordered(render_task, tasks):
            task = tasks[index]
            parts[task.shard][index] = batch
            report.stage_seconds.update(seconds)
            bar.update(batch.num_rows)
            tasks_left[task.shard] -= 1
            if tasks_left[task.shard] == 0:
                done = sorted(parts.pop(task.shard).items())
                batches = [batch for _, batch in done]
                rows = [row for index, _ in done for row in rows_of_tasks[index][1]]
                writes.append(writer.submit(_timed_write, generator, out, todo[task.shard], batches, rows))
            _collect_writes(writes, records, report, wait=False)
        _collect_writes(writes, records, report, wait=True)


def _timed_write(
    generator: Generator, out: Path, shard: ShardPlan, batches: list[pa.RecordBatch], rows: Sequence[int]
) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    return _write_shard(generator, out, shard, batches, rows), time.perf_counter() - started


def _collect_writes(
    writes: deque[Future[tuple[dict[str, Any], float]]],
    records: dict[str, dict[str, Any]],
    report: RunReport,
    wait: bool,
) -> None:
    """Record the finished shard writes, in order (all of them if `wait`); a failed write raises."""
    while writes and (wait or writes[0].done()):
        record, seconds = writes.popleft().result()
        records[record["path"]] = record
        report.stage_seconds["write"] += seconds
        report.rows_rendered += record["rows"]
        report.shards_written += 1


def task_rows(generator: Generator, shard: ShardPlan) -> list[tuple[int, ...]]:
    """The shard's row numbers cut into tasks of at most `rows_per_task`: in shard order, except
    that rows which share work (`Generator.shared_work`) are sent together."""
    groups: dict[Hashable, list[int]] = {}
    for row, spec in enumerate(shard.specs):
        shared = generator.shared_work(shard.config, spec)
        groups.setdefault(("row", row) if shared is None else ("shared", shared), []).append(row)
    size = generator.rows_per_task
    tasks: list[tuple[int, ...]] = []
    task: list[int] = []
    for rows in groups.values():
        for piece in (rows[start : start + size] for start in range(0, len(rows), size)):
            if len(task) + len(piece) > size:
                tasks.append(tuple(task))
                task = []
            task.extend(piece)
    if task:
        tasks.append(tuple(task))
    return tasks


def _write_shard(
    generator: Generator, out: Path, shard: ShardPlan, batches: list[pa.RecordBatch], rows: Sequence[int]
) -> dict[str, Any]:
    data, num_bytes = _encode_shard(generator, shard, batches, rows)
    atomic_write_bytes(out / shard.path, data)
    record = {
        "path": shard.path,
        "split": shard.split,
        "rows": sum(batch.num_rows for batch in batches),
        "bytes": len(data),
        "num_bytes": num_bytes,
        "sha256": hashlib.sha256(data).hexdigest(),
        "digest": shard.digest,
    }
    atomic_write_text(out / shard.record_path, json.dumps(record, sort_keys=True))
    return record


def _config_entry(
    generator: Generator,
    config: str,
    shards: list[ShardPlan],
    records: dict[str, dict[str, Any]],
    limit: int | None,
) -> dict[str, Any]:
    shard_records = [records[s.path] for s in shards]
    splits = {}
    for split in SPLITS:
        mine = [r for r in shard_records if r["split"] == split]
        if mine:
            splits[split] = {
                "num_examples": sum(r["rows"] for r in mine),
                "num_bytes": sum(r["num_bytes"] for r in mine),
                "download_bytes": sum(r["bytes"] for r in mine),
            }
    plan_digest = hashlib.sha256("".join(s.digest for s in shards).encode()).hexdigest()
    return {
        "limit": limit,
        "plan_sha256": plan_digest,
        "features": generator.features(config).to_dict(),
        "splits": splits,
        "shards": [
            {k: r[k] for k in ("path", "split", "rows", "bytes", "num_bytes", "sha256")}
            for r in shard_records
        ],
    }


def _remove_stale_files(out: Path, manifest: dict[str, Any]) -> None:
    """Delete shards and records that the manifest does not list (old plans, crashed runs)."""
    keep = {s["path"] for entry in manifest["configs"].values() for s in entry["shards"]}
    for path in out.rglob(".*.tmp-*"):  # left by a run killed inside an atomic write
        path.unlink()
    for path in (out / "data").rglob("*.parquet") if (out / "data").is_dir() else []:
        if path.relative_to(out).as_posix() not in keep:
            path.unlink()
    for path in (out / STATE_DIR / "shards").rglob("*.json"):
        shard_path = "data/" + path.relative_to(out / STATE_DIR / "shards").as_posix()[: -len(".json")]
        if shard_path not in keep:
            path.unlink()
    for folder in sorted((out / "data").glob("*"), reverse=True) if (out / "data").is_dir() else []:
        if folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder)
