"""Where render tasks run: this process, local worker processes, or Ray tasks.

Each executor maps one picklable function over tasks and yields (task index, result) as tasks
finish. Tasks are pure, so results do not depend on the executor or the worker count; all file
writes stay in the driver.
"""

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Protocol

from synthsuite.kernel.errors import UserError

EXECUTORS = ("local", "ray")


class Executor(Protocol):
    def map_unordered(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]: ...


def _bounded_map(
    submit: Callable[[Any], Any],
    wait_any: Callable[[dict[Any, int]], list[tuple[Any, Any]]],
    tasks: Sequence[Any],
    bound: int,
) -> Iterator[tuple[int, Any]]:
    """Keep at most `bound` tasks in flight; yield (index, result) as they finish."""
    pending: dict[Any, int] = {}
    queue = iter(enumerate(tasks))

    def refill() -> None:
        for index, task in queue:
            pending[submit(task)] = index
            if len(pending) >= bound:
                return

    refill()
    while pending:
        for handle, result in wait_any(pending):
            yield pending.pop(handle), result
        refill()


class InProcessExecutor:
    def map_unordered(self, fn, tasks):
        for index, task in enumerate(tasks):
            yield index, fn(task)


class LocalProcessExecutor:
    """A pool of spawned processes; at most 2 tasks per worker are in flight (bounded memory)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map_unordered(self, fn, tasks):
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.workers, mp_context=context) as pool:

            def wait_any(pending):
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                return [(future, future.result()) for future in done]

            yield from _bounded_map(lambda task: pool.submit(fn, task), wait_any, tasks, 2 * self.workers)


class RayExecutor:
    """Ray tasks on a running cluster (`address`) or a local one started here with `workers` CPUs."""

    def __init__(self, workers: int, address: str | None) -> None:
        try:
            import ray
        except ImportError:
            raise UserError(
                "the Ray executor needs the `ray` package",
                "pip install 'synthsuite[ray]'",
            ) from None
        self.ray = ray
        self.workers = workers
        self.address = address

    def map_unordered(self, fn, tasks):
        ray = self.ray
        started_here = not ray.is_initialized()
        if started_here:
            init: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
            if self.address:
                init["address"] = self.address
            else:
                init["num_cpus"] = self.workers
            ray.init(**init)
        try:
            remote_fn = ray.remote(num_cpus=1)(fn)
            capacity = max(1, int(ray.cluster_resources().get("CPU", self.workers)))

            def wait_any(pending):
                done, _ = ray.wait(list(pending), num_returns=1)
                return [(ref, ray.get(ref)) for ref in done]

            yield from _bounded_map(remote_fn.remote, wait_any, tasks, 2 * capacity)
        finally:
            if started_here:
                ray.shutdown()


def make_executor(kind: str, workers: int, ray_address: str | None = None) -> Executor:
    if workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}", "pass --workers 1 or more")
    if kind == "ray":
        return RayExecutor(workers, ray_address)
    if kind != "local":
        raise UserError(f"unknown executor {kind!r}", f"choose one of: {', '.join(EXECUTORS)}")
    if ray_address:
        raise UserError("--ray-address is only used with --executor ray", "add --executor ray")
    return InProcessExecutor() if workers == 1 else LocalProcessExecutor(workers)


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """torch on one thread, restored afterwards: results that do not depend on the core count (as
    in a worker process), and a fair share of a shared CPU. Imports torch only when entered."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
