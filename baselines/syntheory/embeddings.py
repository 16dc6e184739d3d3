"""Frozen features of a SynTheory dataset, computed in parallel and cached on disk.

`embed(source, config, splits, extractor)` returns, per split, the sample ids in the dataset's
row order (shards sorted by path) and one float32 [n, dim] array per layer of the extractor.

Clips are read straight from the parquet shards (FLAC bytes decoded with soundfile), mixed to
mono, resampled to the extractor's rate with soxr (librosa's "soxr_hq"), peak-normalised as the
SynTheory paper does, and handed to the extractor one at a time, so a clip's features do not
depend on which worker computed it or on how many there were. Workers are spawned processes, each
building its extractor once and running single-threaded (BLAS, OpenMP, torch); a script that calls
embed() with workers > 1 must do so under `if __name__ == "__main__":` (spawn re-imports it).

Cache: `<cache_root>/<extractor>/<identity key>/<config>/<data revision>/<split>/<layer>.npy`
with a `<layer>.json` record written after it, holding the full key (extractor identity, audio
preparation, layer, config, data revision, split), the shape, the sha256 of the array's bytes and
of the ids. An entry is used only if its record matches the key and its array matches the record;
anything else (missing, partial, corrupt, stale) is recomputed. Writes are atomic (temporary file,
fsync, rename). A miss computes the extractor's whole `family()` and stores every member.
"""

import hashlib
import io
import json
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.parquet as pq
from tqdm import tqdm

from synthsuite.baselines.syntheory.features import Extractor
from synthsuite.datasets_src.executors import one_torch_thread
from synthsuite.kernel.atomic import atomic_write_text
from synthsuite.kernel.errors import UserError

if TYPE_CHECKING:
    from synthsuite.datasets_src.access import DatasetSource

# synthsuite.datasets_src.access imports Hugging Face datasets (~1 s): it is imported where used, so
# that spawned workers, which only read parquet and extract, start faster.

# Part of every cache key: change it whenever the audio handed to extractors changes.
AUDIO_PREPARATION = "flac->mono mean->soxr_hq->peak normalised (v1)"
ROWS_PER_TASK = 16  # clips per worker task: fine-grained progress, little re-reading of row groups
CACHE_FORMAT = 1

LayerArrays = dict[str, np.ndarray]


@dataclass
class SplitEmbeddings:
    ids: list[str]  # sample_id, in the dataset's row order (shards sorted by path)
    layers: dict[str, np.ndarray]  # layer -> float32 [n, dim]


def default_cache_root() -> Path:
    return Path(os.environ.get("SYNTHSUITE_CACHE") or Path.home() / ".cache" / "synthsuite" / "embeddings")


# ---------------------------------------------------------------------------------------------
# The dataset: verified shards, ids, clips


def read_ids(source: "DatasetSource", config: str, split: str) -> list[str]:
    """The split's sample ids in row order, from verified shards that hold audio."""
    table = source.read(config, split, ["sample_id"])
    for path in source.shard_paths(config, split):
        if "audio" not in pq.read_schema(path).names:
            raise UserError(f"{path} has no audio column", "use a SynTheory dataset written by synthsuite")
    return table.column("sample_id").to_pylist()


@dataclass(frozen=True)
class ClipRange:
    """Rows [start, stop) of one row group of one parquet file: one worker task."""

    path: str
    row_group: int
    start: int
    stop: int


def clip_ranges(paths: list[Path]) -> list[ClipRange]:
    ranges = []
    for path in paths:
        metadata = pq.ParquetFile(path).metadata
        for group in range(metadata.num_row_groups):
            rows = metadata.row_group(group).num_rows
            ranges += [
                ClipRange(str(path), group, start, min(start + ROWS_PER_TASK, rows))
                for start in range(0, rows, ROWS_PER_TASK)
            ]
    return ranges


def read_flac(clips: ClipRange) -> list[bytes]:
    table = pq.ParquetFile(clips.path).read_row_group(clips.row_group, columns=["audio"])
    audio = table.column("audio").combine_chunks().field("bytes")
    out = []
    for row in range(clips.start, clips.stop):
        data = audio[row].as_py()
        if data is None:
            raise UserError(
                f"row {row} of row group {clips.row_group} of {clips.path} has no embedded audio bytes",
                "use a dataset written by synthsuite (audio embedded in the parquet)",
            )
        out.append(data)
    return out


def prepare_audio(flac: bytes, rate: int) -> np.ndarray:
    """FLAC bytes -> mono float32 at `rate`, peak-normalised (the SynTheory paper's preparation).

    Resampling is librosa's default, `librosa.resample(res_type="soxr_hq")`, called through soxr
    directly (same samples, same length) because importing librosa's audio module costs ~2 s per
    worker and the model extractors do not need it.
    """
    import soundfile
    import soxr

    frames, source_rate = soundfile.read(io.BytesIO(flac), dtype="float32", always_2d=True)
    audio = frames.mean(axis=1, dtype=np.float32)
    if source_rate != rate:
        length = int(np.ceil(len(audio) * rate / source_rate))
        audio = soxr.resample(audio, source_rate, rate, quality="soxr_hq")[:length]
        audio = np.pad(audio, (0, length - len(audio)))
    peak = float(np.abs(audio).max(initial=0.0))
    return (audio / peak if peak > 0 else audio).astype(np.float32, copy=False)


# ---------------------------------------------------------------------------------------------
# Extraction: one task = one ClipRange; results are stacked per family member and layer

_worker_extractor: Extractor | None = None


def _init_worker(extractor: Extractor) -> None:
    """Build the worker's state once: single-threaded, since all cores are used by processes."""
    global _worker_extractor
    from threadpoolctl import threadpool_limits

    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"  # for BLAS/OpenMP libraries loaded later (scipy's, torch's)
    threadpool_limits(limits=1)  # for those already loaded (numpy's)
    if extractor.uses_torch:
        import torch

        torch.set_num_threads(1)
    _worker_extractor = extractor


def _worker_task(clips: ClipRange) -> dict[str, LayerArrays]:
    assert _worker_extractor is not None, "worker not initialised"
    return extract_clips(_worker_extractor, clips)


def extract_clips(extractor: Extractor, clips: ClipRange) -> dict[str, LayerArrays]:
    """{family member: {layer: float32 [rows, dim]}} for one range of clips."""
    rows: dict[str, dict[str, list[np.ndarray]]] = {}
    for flac in read_flac(clips):
        for member, layers in extractor.extract_family(prepare_audio(flac, extractor.sample_rate)).items():
            for layer, vector in layers.items():
                rows.setdefault(member, {}).setdefault(layer, []).append(np.asarray(vector, np.float32))
    return {member: {layer: np.stack(v) for layer, v in layers.items()} for member, layers in rows.items()}


def _run(
    extractor: Extractor, tasks: list[ClipRange], workers: int, bar: tqdm
) -> list[dict[str, LayerArrays]]:
    """Results in task order, whatever order the workers finish in."""
    results: list[dict[str, LayerArrays] | None] = [None] * len(tasks)

    def done(index: int, result: dict[str, LayerArrays]) -> None:
        results[index] = result
        bar.update(tasks[index].stop - tasks[index].start)

    if workers == 1:
        from threadpoolctl import threadpool_limits

        with one_torch_thread() if extractor.uses_torch else nullcontext():
            for index, task in enumerate(tasks):
                with threadpool_limits(limits=1):  # per task: also covers libraries the first task loads
                    done(index, extract_clips(extractor, task))
    else:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(extractor,)
        )
        try:
            futures: dict[Future, int] = {pool.submit(_worker_task, task): i for i, task in enumerate(tasks)}
            while futures:
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(futures.pop(future), future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    assert all(result is not None for result in results), "a task returned no result"
    return results  # type: ignore[return-value]


def compute(
    extractor: Extractor, shards: dict[str, list[Path]], workers: int, progress: bool, description: str
) -> dict[str, dict[str, LayerArrays]]:
    """{split: {family member: {layer: float32 [n, dim]}}} for every clip of the given shards."""
    tasks = {split: clip_ranges(paths) for split, paths in shards.items()}
    flat = [task for split_tasks in tasks.values() for task in split_tasks]
    total = sum(task.stop - task.start for task in flat)
    with tqdm(total=total, unit="clip", desc=description, disable=not progress, dynamic_ncols=True) as bar:
        results = iter(_run(extractor, flat, max(1, min(workers, len(flat))), bar))
    out: dict[str, dict[str, LayerArrays]] = {}
    for split, split_tasks in tasks.items():
        parts = [next(results) for _ in split_tasks]
        out[split] = {
            member.name: {
                layer: _concatenate([part[member.name][layer] for part in parts], layer)
                for layer in member.layers()
            }
            for member in extractor.family()
        }
    return out


def _concatenate(blocks: list[np.ndarray], layer: str) -> np.ndarray:
    if not blocks:
        raise UserError(f"no clips to embed for layer {layer!r}", "choose a split that has rows")
    return np.ascontiguousarray(np.concatenate(blocks), dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# The cache


def _sha256(data: Any) -> str:
    return hashlib.sha256(data).hexdigest()


def _ids_sha256(ids: list[str]) -> str:
    return _sha256("\n".join(ids).encode())


@dataclass(frozen=True)
class CacheKey:
    identity: dict[str, str]
    config: str
    revision: str
    split: str

    def folder(self, root: Path) -> Path:
        identity_key = _sha256(json.dumps(self.identity_record(), sort_keys=True).encode())[:16]
        return root / self.identity["name"] / identity_key / self.config / self.revision[:16] / self.split

    def record(self, layer: str) -> dict[str, Any]:
        where = {"layer": layer, "config": self.config, "data_revision": self.revision, "split": self.split}
        return {**self.identity_record(), **where}

    def identity_record(self) -> dict[str, Any]:
        return {"format": CACHE_FORMAT, "identity": self.identity, "audio_preparation": AUDIO_PREPARATION}


def cache_load(root: Path, key: CacheKey, layers: list[str], ids: list[str]) -> LayerArrays | None:
    """Every layer of one (extractor, config, split), or None if any entry is missing or bad."""
    folder = key.folder(root)
    out = {}
    for layer in layers:
        array = _load_entry(folder, key.record(layer), layer, ids)
        if array is None:
            return None
        out[layer] = array
    return out


def _load_entry(folder: Path, expected: dict[str, Any], layer: str, ids: list[str]) -> np.ndarray | None:
    try:
        record = json.loads((folder / f"{layer}.json").read_text())
        if {k: record.get(k) for k in expected} != expected or record.get("ids_sha256") != _ids_sha256(ids):
            return None
        array = np.load(folder / f"{layer}.npy", allow_pickle=False)
    except (OSError, ValueError, EOFError):  # missing, truncated or unparsable files
        return None
    if array.dtype != np.float32 or array.ndim != 2 or list(array.shape) != record.get("shape"):
        return None
    if array.shape[0] != len(ids) or _sha256(np.ascontiguousarray(array).data) != record.get("sha256"):
        return None
    return array


def cache_store(root: Path, key: CacheKey, arrays: LayerArrays, ids: list[str]) -> None:
    folder = key.folder(root)
    identity_file = folder.parents[2] / "identity.json"
    if not identity_file.exists():  # for people browsing the cache; the records are authoritative
        atomic_write_text(identity_file, json.dumps(key.identity_record(), indent=2, sort_keys=True) + "\n")
    for layer, array in arrays.items():
        _atomic_save(folder / f"{layer}.npy", array)
        record = {
            **key.record(layer),
            "shape": list(array.shape),
            "dtype": "float32",
            "sha256": _sha256(array.data),
            "ids_sha256": _ids_sha256(ids),
        }
        atomic_write_text(folder / f"{layer}.json", json.dumps(record, indent=2, sort_keys=True) + "\n")


def _atomic_save(path: Path, array: np.ndarray) -> None:
    """np.save to a temporary name in the same folder, fsync, rename (no copy of a large array)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as handle:
            np.save(handle, array, allow_pickle=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------


def embed(
    source: "DatasetSource | str",
    config: str,
    splits: Sequence[str],
    extractor: Extractor,
    *,
    workers: int | None = None,
    cache_root: Path | None = None,
    progress: bool = True,
) -> dict[str, SplitEmbeddings]:
    """Features of every clip of `config`'s `splits`, from the cache or computed (and cached).

    `source`: an opened (verified) dataset, or a dataset folder, ORG/NAME in the local hub, or a Hub
    dataset repo to open.
    `workers`: processes (default: all cores; 1 computes in this process).
    `cache_root`: default `$SYNTHSUITE_CACHE`, else ~/.cache/synthsuite/embeddings.
    """
    from synthsuite.datasets_src.access import DatasetSource, open_dataset

    splits = list(dict.fromkeys(splits))
    if not splits:
        raise UserError("no split given", "pass e.g. splits=['train', 'validation', 'test']")
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise UserError(f"workers must be at least 1, got {workers}", "pass workers=1 or more")
    root = Path(cache_root) if cache_root is not None else default_cache_root()
    if not isinstance(source, DatasetSource):
        source = open_dataset(source, configs=[config])
    revision = source.data_revision(config)
    shards = {split: source.shard_paths(config, split) for split in splits}
    ids = {split: read_ids(source, config, split) for split in splits}

    def key(member: Extractor, split: str) -> CacheKey:
        return CacheKey(member.identity(), config, revision, split)

    found = {
        split: cache_load(root, key(extractor, split), extractor.layers(), ids[split]) for split in splits
    }
    missing = [split for split in splits if found[split] is None]
    if missing:
        computed = compute(
            extractor,
            {split: shards[split] for split in missing},
            workers,
            progress,
            f"{extractor.name} {config} {'+'.join(missing)}",
        )
        for split in missing:
            for member in extractor.family():
                cache_store(root, key(member, split), computed[split][member.name], ids[split])
            found[split] = computed[split][extractor.name]
    return {split: SplitEmbeddings(ids[split], dict(found[split] or {})) for split in splits}
