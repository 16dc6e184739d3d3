"""Running a grid of arms × seeds: generation 0 once per seed, then every arm, in parallel processes,
and one results JSON with the per-generation metrics of every run.

Work happens in jobs that write only their own journal (loop.py), so the grid can be killed at any
moment and the same command resumes it; a finished run is read back, not redone.
"""

import contextlib
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from synthsuite.baselines.self_consuming.loop import (
    Arm,
    LoopSpec,
    RunRecord,
    claim_folder,
    finished_generations,
    read_generation_zero,
    run_arm,
    run_folder,
    train_generation_zero,
    write_generation_zero,
)
from synthsuite.datasets_src.executors import make_executor
from synthsuite.evaluation.results import environment
from synthsuite.kernel.atomic import atomic_write_text
from synthsuite.kernel.version import __version__

RESULTS = "results.json"


@dataclass(frozen=True)
class Job:
    spec: LoopSpec
    seed: int
    arm: Arm | None  # None: generation 0 of the seed
    generations: int
    out: Path


def run_job(job: Job) -> RunRecord | None:
    """One job in a worker: generation 0 of a seed (written to disk), or one arm to `generations`."""
    with _threads(job.spec):
        if job.arm is None:
            folder = run_folder(job.out, job.spec)
            if read_generation_zero(folder, job.seed) is None:
                step = train_generation_zero(job.spec.build(job.seed), job.spec, job.seed)
                write_generation_zero(folder, job.seed, step)
            return None
        return run_arm(job.spec, job.arm, job.seed, job.generations, job.out)


@contextlib.contextmanager
def _threads(spec: LoopSpec) -> Iterator[None]:
    if not spec.uses_torch:
        yield
        return
    from synthsuite.datasets_src.executors import one_torch_thread

    with one_torch_thread():
        yield


def run_grid(
    spec: LoopSpec,
    arms: Sequence[Arm],
    seeds: Sequence[int],
    generations: int,
    out: Path,
    *,
    workers: int = 1,
    progress: bool = True,
) -> dict[str, Any]:
    """Run every arm of every seed to `generations`; write and return OUT/<experiment>/<slug>/results.json."""
    folder = run_folder(out, spec)
    claim_folder(folder, spec)
    zero_jobs = [Job(spec, seed, None, generations, out) for seed in seeds]
    arm_jobs = [Job(spec, seed, arm, generations, out) for seed in seeds for arm in arms]
    total = len(seeds) + len(arm_jobs) * generations
    records: dict[tuple[str, int], RunRecord] = {}
    with _Progress(total, spec, out, arm_jobs, progress) as bar:
        executor = make_executor("local", max(1, min(workers, len(zero_jobs))))
        for _ in executor.map_unordered(run_job, zero_jobs):
            bar.zero_done += 1
        executor = make_executor("local", max(1, min(workers, len(arm_jobs))))
        for index, record in executor.map_unordered(run_job, arm_jobs):
            job = arm_jobs[index]
            records[job.arm.key, job.seed] = record
    runs = [records[job.arm.key, job.seed] for job in arm_jobs]  # in grid order, whatever finished first
    results = {
        "experiment": spec.experiment,
        "settings": dict(spec.settings),
        "generations": generations,
        "seeds": list(seeds),
        "arms": [arm.describe() for arm in arms],
        "synthsuite_version": __version__,
        "environment": environment(),
        "runs": [run.to_json() for run in runs],
    }
    atomic_write_text(folder / RESULTS, _dumps(results))
    return results


def _dumps(value: Any, indent: str = "") -> str:
    """JSON with one item per line, except that a list or object of plain values stays on one line."""
    inner = indent + " "
    if isinstance(value, dict) and any(isinstance(v, dict | list) for v in value.values()):
        items = [f"{inner}{json.dumps(k)}: {_dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}" + ("\n" if not indent else "")
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        items = [f"{inner}{_dumps(v, inner)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    return json.dumps(value)


class _Progress:
    """A generations bar fed by the journals on disk (workers write only their journals)."""

    def __init__(self, total: int, spec: LoopSpec, out: Path, jobs: list[Job], enabled: bool) -> None:
        self.bar = tqdm(
            total=total, unit="gen", desc=spec.experiment, disable=not enabled, dynamic_ncols=True
        )
        self.spec, self.out, self.jobs = spec, out, jobs
        self.zero_done = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "_Progress":
        if not self.bar.disable:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()
        self._update()
        self.bar.close()

    def _poll(self) -> None:
        while not self.stop.wait(1.0):
            self._update()

    def _update(self) -> None:
        done = self.zero_done + sum(
            min(job.generations, finished_generations(self.out, self.spec, job.arm, job.seed))
            for job in self.jobs
            if job.arm is not None
        )
        self.bar.update(done - self.bar.n)
