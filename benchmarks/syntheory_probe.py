"""Probe training time per SynTheory concept, linear and MLP, on cached features.

    python benchmarks/syntheory_probe.py                          # paper tasks, handcrafted features
    python benchmarks/syntheory_probe.py --profile tiny --features chroma mel
    python benchmarks/syntheory_probe.py --concept notes --concept tempos --workers 2

Features come from the embedding cache ($SYNTHSUITE_CACHE); missing ones are extracted first
(that time is reported apart). Timed: standardising, fitting with early stopping and predicting
validation and test, for every layer, in this process on the probe's own thread setting.
"""

import argparse
import time

import numpy as np

from synthsuite.baselines.syntheory import run
from synthsuite.baselines.syntheory.embeddings import embed
from synthsuite.baselines.syntheory.features import get_extractor
from synthsuite.baselines.syntheory.probe import PROBES, probe_settings, train_probe
from synthsuite.evaluation.metrics import accuracy
from synthsuite.evaluation.syntheory.tasks import CONCEPT_LABELS
from synthsuite.evaluation.tasks import get_task

PREFIX = {"paper": "syntheory", "tiny": "syntheory-tiny"}


def warm_up() -> None:
    """One small fit first, so the first row is not charged for torch's lazy initialisation."""
    x, y = np.random.default_rng(0).normal(size=(64, 8)).astype(np.float32), np.arange(64) % 2
    for kind in PROBES:
        train_probe((x, y), (x, y), 2, probe_settings(kind), accuracy)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", default="paper", choices=list(PREFIX))
    parser.add_argument("--dataset", help="dataset folder or ORG/NAME (default: the tasks' repo)")
    parser.add_argument("--features", nargs="+", default=["handcrafted"])
    parser.add_argument("--concept", action="append", choices=list(CONCEPT_LABELS), help="default: all")
    parser.add_argument("--workers", type=int, help="extraction processes for features not yet cached")
    args = parser.parse_args()

    print(
        "| concept | features | train / validation rows | dim | layers | probe | steps (mean) "
        "| seconds per layer | best validation score |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    totals = dict.fromkeys(PROBES, 0.0)
    warm_up()
    for concept in args.concept or list(CONCEPT_LABELS):
        task = get_task(f"{PREFIX[args.profile]}/{concept}")
        source = run.open_task_source(task, args.dataset)
        for name in args.features:
            extractor = get_extractor(name)
            started = time.perf_counter()
            embeddings = embed(
                str(source.folder), concept, task.splits, extractor, workers=args.workers, progress=True
            )
            extract_seconds = time.perf_counter() - started
            rows = {split: run.scored_rows(task, source, split, embeddings[split]) for split in task.splits}
            layers = extractor.layers()
            dim = rows["train"].features(layers[0]).shape[1]
            for kind in PROBES:
                started = time.perf_counter()
                fits = [run.probe_layer(task, rows, layer, probe_settings(kind)) for layer in layers]
                seconds = time.perf_counter() - started
                totals[kind] += seconds
                best = max(fit.scores["validation"][task.main_score] for fit in fits)
                steps = sum(fit.steps for fit in fits) / len(fits)
                print(
                    f"| {concept} | {name} | {len(rows['train'].ids):,} / {len(rows['validation'].ids):,} "
                    f"| {dim} | {len(layers)} | {kind} | {steps:,.0f} | {seconds / len(layers):.2f} "
                    f"| {best:.3f} |",
                    flush=True,
                )
            if extract_seconds > 5:
                print(f"<!-- {concept} {name}: features extracted in {extract_seconds:.0f} s -->", flush=True)
    print("\ntotal probe seconds: " + ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in totals.items()))


if __name__ == "__main__":
    main()
