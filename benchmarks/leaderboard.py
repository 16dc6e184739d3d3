"""Leaderboard figures for docs/leaderboard.md: build time at 10,000 results, clean and with 100
hostile entries planted in the store, and app latency under load.

    python -m benchmarks.leaderboard              # 10,000 results (+100 hostile), 50 clients x 10 requests
    python -m benchmarks.leaderboard --results 2000 --clients 20 --requests 5

(Run it as a module from the repository root: run as a file, its own name would shadow the
`leaderboard` package.)

1. Synthesises valid results (random scores inside each metric's range; one model in five has
   per-layer scores) for the built-in `syntheory-tiny/*` tasks at their pinned revisions, one
   submission per model, in a temporary store.
2. Times `synthsuite leaderboard build` on it in-process: reading and checking every result
   (the table), then the site (parquet, copied results, plots, index.html), after one untimed
   warm-up build. Then plants 100
   hostile entries (FIFOs, links to /dev/zero and out of the store, deeply nested, truncated,
   oversized, non-UTF-8 and NaN files, repeated keys, huge integers, folders named like results)
   and times the same build again: each is listed as invalid, none stops or slows the build.
3. Serves the table with `synthsuite leaderboard serve --table` in a subprocess, waits until it
   answers, and sends it load from N concurrent clients on loopback, each making R requests one
   after another: the filter API, then, separately, the page itself. Prints median, p99 and max
   latency. The load is bounded (N x R requests, and every request has a timeout); the server is
   stopped at the end. The API is measured twice: through Gradio's queue (POST
   /gradio_api/call/..., then its event stream), as gradio_client and the page's own filters use
   it, and as one direct POST (/gradio_api/run/...), which skips the queue.
"""

import argparse
import asyncio
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from synthsuite.evaluation.results import DatasetRevision, ModelInfo, Result, TaskRef
from synthsuite.evaluation.tasks import TaskMetadata, list_tasks
from synthsuite.leaderboard.app import API_NAME, PARAMETER_RANGES
from synthsuite.leaderboard.model_card import MODEL_CARD
from synthsuite.leaderboard.site import build_site
from synthsuite.leaderboard.store import ResultsStore, model_key
from synthsuite.leaderboard.table import INVALID, collect_stores, write_table

LICENSES = ("MIT", "Apache-2.0", "CC-BY-4.0", "proprietary")
LAYERS = 24


def synthesise(root: Path, results: int, seed: int = 0) -> None:
    """Write `results` valid results (rounded up to whole models) into a store at `root`."""
    tasks = [t for t in list_tasks("syntheory") if t.name.startswith("syntheory-tiny/")]
    rng = np.random.default_rng(seed)
    store = ResultsStore(root)
    now = datetime.now(UTC)
    for m in range(math.ceil(results / len(tasks))):
        name, revision = f"model-{m:05d}", f"r{m % 3}"
        card = {
            "name": name,
            "link": f"https://example.org/{name}",
            "license": LICENSES[m % len(LICENSES)],
            "parameters": int(10 ** rng.uniform(5, 10)) if m % 7 else None,
            "saw_synthetic_data": bool(m % 4 == 0),
        }
        files = {MODEL_CARD: json.dumps(card).encode()}
        skill = rng.uniform(0.1, 0.95)
        for task in tasks:
            result = _result(task, name, revision, skill, rng, layered=m % 5 == 0)
            files[f"{task.name}.json"] = result.model_dump_json(indent=1).encode()
        store.add(f"{model_key(name, revision)}/{now:%Y%m%dT%H%M%SZ}-{m:08x}", files)


def _result(
    task: TaskMetadata, name: str, revision: str, skill: float, rng: np.random.Generator, *, layered: bool
) -> Result:
    def scores(level: float) -> dict[str, float]:
        out = {}
        for metric in task.metrics:
            low, high = metric.range
            out[metric.name] = float(np.clip(low + (high - low) * (level + rng.normal(0, 0.05)), low, high))
        return out

    layers = None
    if layered:  # a curve that peaks in the middle layers, as the paper's probes do
        curve = [skill * (0.6 + 0.4 * math.sin(math.pi * k / (LAYERS - 1))) for k in range(LAYERS)]
        layers = {str(k): {task.eval_split: scores(level)} for k, level in enumerate(curve)}
        best = max(layers, key=lambda k: layers[k][task.eval_split][task.main_score])
        test = layers[best][task.eval_split]
    else:
        best, test = None, scores(skill)
    return Result(
        task=TaskRef(name=task.name, version=task.version),
        dataset=DatasetRevision(
            repo_id=task.dataset.repo_id,
            config=task.dataset.config,
            revision=task.dataset.revision,
            source_revision="0" * 64,
        ),
        model=ModelInfo(name=name, revision=revision),
        main_score=test[task.main_score],
        scores={task.eval_split: test},
        layers=layers,
        selected_layer=best,
        synthsuite_version="0.1.0",
        environment={"python": "3.11"},
        wall_seconds=1.0,
    )


HOSTILE_KINDS = (
    "fifo", "dev-zero", "linked-folder", "deep", "truncated", "oversized", "not-utf8", "nan",
    "repeated-key", "huge-int-card", "folder-result", "fifo-key",
)  # fmt: skip


def plant_hostile(root: Path, count: int) -> None:
    """Add `count` hostile entries to the store at `root`, cycling through HOSTILE_KINDS, each in a
    submission of its own (copied from a valid one) so that they add rows, not replace them."""
    template = ResultsStore(root).submission_folders()[0]
    for i in range(count):
        kind = HOSTILE_KINDS[i % len(HOSTILE_KINDS)]
        key = root / f"hostile-{i:03d}__v-{i:010d}"
        if kind == "fifo-key":
            os.mkfifo(key)
            continue
        folder = key / "20250101T000000Z-00000000"
        if kind == "linked-folder":
            key.mkdir()
            folder.symlink_to(template)
            continue
        shutil.copytree(template, folder)
        result, *others = sorted(folder.glob("*/*.json"))
        for other in others:  # one hostile entry, one row
            other.unlink()
        if kind == "fifo":
            result.unlink()
            os.mkfifo(result)
        elif kind == "dev-zero":
            result.unlink()
            result.symlink_to("/dev/zero")
        elif kind == "deep":
            result.write_bytes(b"[" * 50_000 + b"]" * 50_000)
        elif kind == "truncated":
            result.write_bytes(result.read_bytes()[:100])
        elif kind == "oversized":
            result.write_bytes(b" " * (4 << 20))
        elif kind == "not-utf8":
            result.write_bytes(b"\xff" + result.read_bytes())
        elif kind == "nan":
            result.write_text(result.read_text().replace('"main_score":', '"main_score": NaN, "x":', 1))
        elif kind == "repeated-key":
            result.write_text(
                result.read_text().replace('"main_score":', '"main_score": 1.0, "main_score":', 1)
            )
        elif kind == "huge-int-card":
            (folder / MODEL_CARD).write_text('{"name": "x", "parameters": 1' + "0" * 400 + "}")
        elif kind == "folder-result":
            result.unlink()
            result.mkdir()
            (result / "inner.json").write_text("{}")


def timed_build(root: Path, site: Path) -> tuple[float, float, pd.DataFrame]:
    """(seconds reading and checking, seconds in total, the table) of one build."""
    started = time.perf_counter()
    collected = collect_stores([ResultsStore(root)])
    read = time.perf_counter() - started
    sources = site.parent / f".{site.name}.sources"
    shutil.rmtree(sources, ignore_errors=True)
    collected.write_files(sources)
    build_site(collected.table, sources, site, version="benchmark")
    shutil.rmtree(sources)
    return read, time.perf_counter() - started, collected.table


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, limit_s: float = 120) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    server.terminate()
    sys.exit(f"the server did not answer within {limit_s:.0f} s")


async def _api_call(client: httpx.AsyncClient, payload: dict) -> None:
    started = await client.post(f"/gradio_api/call/{API_NAME}", json=payload)
    started.raise_for_status()
    event = started.json()["event_id"]
    async with client.stream("GET", f"/gradio_api/call/{API_NAME}/{event}") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event: error"):
                raise RuntimeError("the app answered with an error event")
            if line.startswith("event: complete"):
                return
    raise RuntimeError("the result stream ended without a result")


async def _api_run(client: httpx.AsyncClient, payload: dict) -> None:
    (await client.post(f"/gradio_api/run/{API_NAME}", json=payload)).raise_for_status()


async def _page(client: httpx.AsyncClient, _payload: dict) -> None:
    (await client.get("/")).raise_for_status()


async def load(base: str, request, payloads: list[dict], clients: int, requests: int) -> list[float]:
    """Latencies (s) of clients x requests requests, `clients` of them in flight at any time."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients)

    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def one_client(c: int) -> None:
            for r in range(requests):
                started = time.perf_counter()
                await request(client, payloads[(c + r) % len(payloads)])
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(one_client(c) for c in range(clients)))
    return latencies


def report(label: str, latencies: list[float], wall: float) -> None:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    median, worst = statistics.median(ordered), ordered[-1]
    print(
        f"  {label}: {len(ordered)} requests in {wall:.1f} s ({len(ordered) / wall:.0f}/s); latency "
        f"median {median * 1e3:.0f} ms, p99 {p99 * 1e3:.0f} ms, max {worst * 1e3:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--results", type=int, default=10_000, help="results to synthesise (default 10,000)")
    parser.add_argument("--hostile", type=int, default=100, help="hostile entries planted (default 100)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--requests", type=int, default=10, help="requests per client (default 10)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root, site = Path(tmp) / "store", Path(tmp) / "site"
        started = time.perf_counter()
        synthesise(root, args.results)
        print(f"synthesised {args.results:,} results in {time.perf_counter() - started:.1f} s")

        timed_build(root, site)  # warm-up: imports, font cache, the page cache of the store
        read, clean, table = timed_build(root, site)
        size = (site / "index.html").stat().st_size / 1e6
        print(
            f"leaderboard build, {len(table):,} results: {clean:.1f} s (reading and checking the store "
            f"{read:.1f} s, site {clean - read:.1f} s); index.html {size:.1f} MB"
        )
        plant_hostile(root, args.hostile)
        read, hostile, planted = timed_build(root, site)
        invalid = int((planted["status"] == INVALID).sum())
        print(
            f"leaderboard build, {len(planted):,} entries, {args.hostile} hostile ({invalid} invalid): "
            f"{hostile:.1f} s (reading and checking {read:.1f} s); {hostile / clean:.2f}x the clean build"
        )

        parquet = Path(tmp) / "leaderboard.parquet"
        write_table(table, parquet)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "synthsuite", "leaderboard", "serve", "--table", str(parquet)]
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
        server = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            print(f"app answered after {_wait_until_up(base + '/', server):.1f} s")
            ranges = list(PARAMETER_RANGES)
            payloads = [  # board, tasks, saw synthetic data, licenses, parameters, verified, search
                {"data": ["syntheory-tiny", [], "any", [], ranges, "any", ""]},
                {"data": ["syntheory-tiny", ["notes", "chords"], "no", [], ranges, "any", ""]},
                {"data": ["syntheory-tiny", [], "yes", ["MIT"], ranges[:2], "any", "model-0"]},
            ]
            print(f"{args.clients} concurrent clients x {args.requests} requests each, loopback:")
            for label, request in (
                ("filter API through the queue (/call, as gradio_client and the page)", _api_call),
                ("filter API without the queue (/run)", _api_run),
                ("page GET /", _page),
            ):
                started = time.perf_counter()
                latencies = asyncio.run(load(base, request, payloads, args.clients, args.requests))
                report(label, latencies, time.perf_counter() - started)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
