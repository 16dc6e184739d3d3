"""Training throughput of the fourier-forecast model, tokens per second, for each head side by side.

    python benchmarks/timeseries_training.py                       # cpu size, 10 steps per head, ~2 min
    python benchmarks/timeseries_training.py --steps 30 --size mini
    python benchmarks/timeseries_training.py --logs results/fourier-forecast   # the experiment's own logs

The heads train on the same batches (random KernelSynth windows, the baseline's tokenizer and batch
settings), in rotating order, one step each per round, on one thread. A token is one encoder input
or decoder label position (context_length + 1 + prediction_length + 1 per window). CPU seconds are
printed beside wall seconds: on a loaded machine the CPU figure is the one that compares.
`--logs` prints the tokens/s each run of the experiment logged (its *.training.json files) instead.
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from synthsuite.baselines.timeseries.model import build_model, head_penalty, parameter_count, parse_head
from synthsuite.baselines.timeseries.tokenizer import chronos_config, make_tokenizer
from synthsuite.baselines.timeseries.train import TrainSettings, tokenize, training_windows
from synthsuite.datasets_src.timeseries import kernels


def measure(args: argparse.Namespace) -> None:
    torch.set_num_threads(1)
    settings = TrainSettings(size=args.size)
    tokenizer = make_tokenizer(
        settings.binning, chronos_config(settings.context_length, settings.prediction_length)
    )
    rng = np.random.default_rng(0)
    corpus = [kernels.kernel_synth(rng, length=512)[0].astype(np.float32) for _ in range(8)]
    models, optimizers = {}, {}
    for name in args.head:
        torch.manual_seed(0)
        models[name] = build_model(args.size, parse_head(name))
        optimizers[name] = torch.optim.AdamW(models[name].parameters(), lr=1e-3)
    wall = dict.fromkeys(models, 0.0)
    cpu = dict.fromkeys(models, 0.0)
    tokens = 0
    load = os.getloadavg()[0]
    for step in range(args.steps + 1):  # the first round warms up and is not counted
        batch = tokenize(tokenizer, *training_windows(rng, [corpus, corpus], settings))
        order = list(models)[step % len(models) :] + list(models)[: step % len(models)]
        for name in order:
            model, optimizer = models[name], optimizers[name]
            started, started_cpu = time.perf_counter(), time.process_time()
            loss = model(**batch).loss + head_penalty(model)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if step:
                wall[name] += time.perf_counter() - started
                cpu[name] += time.process_time() - started_cpu
        if step:
            tokens += batch["input_ids"].numel() + batch["labels"].numel()
    print(
        f"size {args.size}, batch {settings.batch_size} x ({settings.context_length}+1 context, "
        f"{settings.prediction_length}+1 label) tokens, {args.steps} steps, one thread, load {load:.1f}"
    )
    print(f"{'head':<14}{'parameters':>12}{'tokens/s (CPU)':>16}{'tokens/s (wall)':>17}{'vs linear':>11}")
    base = tokens / cpu[args.head[0]]
    for name, model in models.items():
        rate = tokens / cpu[name]
        print(
            f"{name:<14}{parameter_count(model):>12,}{rate:>16,.0f}"
            f"{tokens / wall[name]:>17,.0f}{rate / base:>11.2f}"
        )


def logs(folder: Path) -> None:
    print(
        f"{'head':<14}{'seed':>5}{'steps':>7}{'tokens/s (wall)':>17}{'train s':>9}{'load before, after':>20}"
    )
    for path in sorted(folder.glob("*/seed-*.training.json")):
        log = json.loads(path.read_text())
        before, after = log["load_average"]
        print(
            f"{path.parent.name:<14}{path.name.split('.')[0].removeprefix('seed-'):>5}"
            f"{log['settings']['steps']:>7}{log['tokens_per_second']:>17,.0f}{log['train_seconds']:>9.0f}"
            f"{before:>12.1f}, {after:.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--head", action="append", help="heads (default: linear, fourier-64, fourier-550)")
    parser.add_argument("--size", default="cpu", choices=("cpu", "mini"))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument(
        "--logs", type=Path, help="print the tokens/s of an experiment's training logs instead"
    )
    args = parser.parse_args()
    if args.logs:
        logs(args.logs)
        return
    args.head = args.head or ["linear", "fourier-64", "fourier-550"]
    measure(args)


if __name__ == "__main__":
    main()
