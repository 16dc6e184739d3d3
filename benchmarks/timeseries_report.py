"""The fourier-forecast experiment's shipped summary and the figure of predicted distributions.

    python benchmarks/timeseries_report.py summarize results/  # -> reference/runs/timeseries/
    python benchmarks/timeseries_report.py figure results/     # -> docs/img/timeseries-distributions.png

`summarize` reads the results of `synthsuite baseline fourier-forecast` (OUT/<task>/<head>/results.json
and OUT/fourier-forecast/<head>/seed-*.training.json) into one small JSON file that ships with the
repository; docs/timeseries.md's tables are generated from that file only
(benchmarks/timeseries_tables.py, through benchmarks/docs_tables.py).
"""

import argparse
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = ROOT / "reference" / "runs" / "timeseries" / "fourier-forecast.json"
FIGURE = ROOT / "docs" / "img" / "timeseries-distributions.png"
TASKS = ("timeseries/real", "timeseries/synthetic")
# Table 3 of the Fourier Head paper (zero-shot Benchmark II, 20 datasets): the shared reference sheet
PAPER = {
    "linear": {"mase_relative": "0.883", "wql_relative": "0.750", "smoothness": "0.1689 ± 0.1087"},
    "fourier-550": {"mase_relative": "0.852", "wql_relative": "0.749", "smoothness": "0.0283 ± 0.0224"},
    "fourier-128": {"mase_relative": "< 0.883", "wql_relative": "0.767", "smoothness": "—"},
    "fourier-64": {"mase_relative": "< 0.883", "wql_relative": "0.798", "smoothness": "0.0032"},
}


def summarize(args: argparse.Namespace) -> None:
    results: dict[str, dict] = {}
    for task in TASKS:
        for path in sorted((args.results / task).glob("*/results.json")):
            result = json.loads(path.read_text())
            settings = result["settings"]
            results.setdefault(task, {})[path.parent.name] = {
                "seeds": result["seeds"],
                "mean": result["scores"]["test"],
                "std_over_seeds": settings["std_over_seeds"],
                "ci95_half_width": settings["ci95_half_width"],
                "per_seed": settings["per_seed"],
                "dataset_revision": result["dataset"]["revision"],
            }
    training: dict[str, list] = {}
    settings: dict = {}
    for path in sorted((args.results / "fourier-forecast").glob("*/seed-*.training.json")):
        log = json.loads(path.read_text())
        settings = log["settings"]
        training.setdefault(path.parent.name, []).append(
            {
                "seed": int(path.name.split(".")[0].removeprefix("seed-")),
                "parameters": log["parameters"],
                "tokens_per_second": round(log["tokens_per_second"], 1),
                "train_seconds": round(log["train_seconds"], 1),
                "load_average_before_after": [round(x, 2) for x in log["load_average"]],
                "final_loss": round(log["curve"][-1]["loss"], 4),
            }
        )
    summary = {"settings": settings, "results": results, "training": training, "paper_table_3": PAPER}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    print(f"wrote {args.out}")


def figure(args: argparse.Namespace) -> None:
    """Step-1 distributions of linear and Fourier-550 (seed 0) on four series, around Fourier's mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pyarrow.parquet as pq

    series = [
        ("timeseries/real", "seattle-temps/temp"),
        ("timeseries/real", "macrodata/realgdp"),
        ("timeseries/real", "sunspots-monthly/sunspots"),
        ("timeseries/synthetic", "kernel-synth-00000"),
    ]
    fig, axes = plt.subplots(1, len(series), figsize=(4 * len(series), 3.2))
    for axis, (task, key) in zip(axes, series, strict=True):
        for head, colour in (("linear", "tab:blue"), ("fourier-550", "tab:orange")):
            table = pq.read_table(args.results / task / head / "seed-0.parquet").to_pylist()
            row = next(r for r in table if r["sample_id"] == key)
            pmf = np.asarray(row["pmf"]).reshape(row["horizon"], -1)[0]
            axis.plot(np.arange(len(pmf)), pmf, color=colour, lw=0.8, label=head)
        mode = int(np.argmax(pmf))  # the last head's (Fourier's) mode, and 250 tokens either side
        axis.set_xlim(max(0, mode - 250), min(len(pmf) - 1, mode + 250))
        axis.set_title(key, fontsize=9)
        axis.set_xlabel("token (mixed bins)")
    axes[0].set_ylabel("probability, first forecast step")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("summarize")
    one.add_argument("results", type=Path)
    one.add_argument("--out", type=Path, default=SUMMARY)
    one.set_defaults(handler=summarize)
    three = commands.add_parser("figure")
    three.add_argument("results", type=Path)
    three.add_argument("--out", type=Path, default=FIGURE)
    three.set_defaults(handler=figure)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
