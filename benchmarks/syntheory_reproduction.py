"""The hand-made SynTheory baselines on the seven paper tasks, beside the paper's Table 2.

    python benchmarks/syntheory_reproduction.py                     # mel, chroma, mfcc, handcrafted; MLP
    python benchmarks/syntheory_reproduction.py --probe linear --out results/reproduction-linear
    python benchmarks/syntheory_reproduction.py --features crepe basic-pitch   # layered: also a plot

Runs `synthsuite.baselines.syntheory.run` for every (task, features) on the local hub's
`synthsuite/syntheory` (the full paper build; --dataset for another copy) and writes
OUT/<task>/<features>/{predictions.parquet, results.json} exactly as `synthsuite baseline syntheory`.
Resumable: a (task, features) whose results.json exists (same probe and seed) is read, not
recomputed, and features already extracted come from the embedding cache. Prints a markdown table
to stdout; for extractors with more than one layer it also draws the per-layer curves (--plot).

Our numbers are test-split scores of the layer chosen on validation; the paper reports the best
validation score of a hyperparameter sweep, with another tempo split. See docs/syntheory-baselines.md.
"""

import argparse
from pathlib import Path

from syntheory_tables import CONCEPTS, HEADERS, PAPER_ROW, PAPER_TABLE_2  # benchmarks/, this script's folder

from synthsuite.baselines.syntheory import run
from synthsuite.baselines.syntheory.features import get_extractor
from synthsuite.baselines.syntheory.probe import probe_settings
from synthsuite.evaluation.results import Result, read_result
from synthsuite.evaluation.tasks import get_task

PREFIX = {"paper": "syntheory", "tiny": "syntheory-tiny"}


def results_for(args: argparse.Namespace, features: str) -> dict[str, Result]:
    """concept -> result, run now or read back from an earlier run."""
    extractor = get_extractor(features)
    settings = probe_settings(args.probe, args.seed)
    results = {}
    for concept in CONCEPTS:
        task = get_task(f"{PREFIX[args.profile]}/{concept}")
        out = run.output_dir(args.out, task.name, features)
        done = read_result(out / "results.json") if (out / "results.json").is_file() else None
        if done and done.model.name == f"probe-{args.probe}/{features}" and done.seeds == [args.seed]:
            results[concept] = done
            continue
        results[concept] = run.run(
            task, extractor, settings, out=out, dataset=args.dataset, workers=args.workers
        )
        print(f"<!-- {task.name} {features}: {results[concept].main_score:.3f}, wrote {out} -->", flush=True)
    return results


def row(label: str, scores: list[float]) -> str:
    return (
        f"| {label} | " + " | ".join(f"{s:.3f}" for s in scores) + f" | **{sum(scores) / len(scores):.3f}** |"
    )


def table(runs: dict[str, dict[str, Result]], probe: str) -> str:
    lines = ["| representation | " + " | ".join(HEADERS) + " | Mean |", "|---" * (len(HEADERS) + 2) + "|"]
    for features, results in runs.items():
        lines.append(row(f"ours: {features} ({probe})", [results[c].main_score for c in CONCEPTS]))
        if features in PAPER_ROW:
            lines.append(row(f"paper: {PAPER_ROW[features]}", list(PAPER_TABLE_2[PAPER_ROW[features]])))
    shown = {PAPER_ROW.get(features) for features in runs}
    lines += [
        row(f"paper: {name}", list(scores)) for name, scores in PAPER_TABLE_2.items() if name not in shown
    ]
    return "\n".join(lines)


def plot(runs: dict[str, dict[str, Result]], path: Path) -> bool:
    """Per-layer validation (solid) and test (dotted) curves of every layered extractor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    layered = {f: r for f, r in runs.items() if len(r[CONCEPTS[0]].layers or {}) > 1}
    if not layered:
        return False
    figure, axes = plt.subplots(1, len(layered), figsize=(6 * len(layered), 4), squeeze=False)
    for axis, (features, results) in zip(axes[0], layered.items(), strict=True):
        layers = list(results[CONCEPTS[0]].layers or {})
        for index, (concept, result) in enumerate(results.items()):
            metric = "r2" if concept == "tempos" else "accuracy"
            for split, style in (("validation", "-"), ("test", ":")):
                values = [(result.layers or {})[layer][split][metric] for layer in layers]
                label = concept if split == "validation" else None
                axis.plot(range(len(layers)), values, style, color=f"C{index}", label=label)
        axis.set_xticks(range(len(layers)), layers, rotation=60, fontsize=7)
        axis.set_ylim(top=1.02)
        axis.set_title(f"{features}: accuracy (tempo: R²); validation solid, test dotted", fontsize=9)
    axes[0][0].legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--features", nargs="+", default=list(run.HANDMADE))
    parser.add_argument("--probe", default="mlp", choices=["mlp", "linear"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="paper", choices=list(PREFIX), help="tiny: a quick dry run")
    parser.add_argument("--dataset", help="dataset folder or ORG/NAME (default: the tasks' repo)")
    parser.add_argument("--workers", type=int, help="feature extraction processes (default: all cores)")
    parser.add_argument("--out", type=Path, default=Path("results/reproduction"))
    parser.add_argument("--plot", type=Path, default=Path("docs/img/syntheory-layers.png"))
    args = parser.parse_args()

    runs = {features: results_for(args, features) for features in args.features}
    print(table(runs, args.probe))
    if plot(runs, args.plot):
        print(f"\nper-layer curves: {args.plot}")


if __name__ == "__main__":
    main()
