"""The self-consuming suite's command: `synthsuite baseline self-consuming`, the loops of "Self-Correcting
Self-Consuming Loops for Generative Model Training" on the Gaussian toy, the 8×8 digits and motions."""

import argparse
import os
from pathlib import Path
from typing import Any

from synthsuite.commands.conventions import add_json, add_progress, emit, note, show_progress
from synthsuite.commands.key_values import parse_key_values
from synthsuite.kernel.errors import UserError, check_choice

EPILOG = """examples:
  synthsuite baseline self-consuming --experiment gaussian
  synthsuite baseline self-consuming --experiment gaussian --gamma 0 1 5 --generations 100 --seeds 0 1
  synthsuite baseline self-consuming --experiment digits --ratio 0.5 1.5 --generations 20
  synthsuite baseline self-consuming --experiment motion --n 64 --ratio 1.0 --seeds 10 --generations 20

Run the same command again after an interruption (Ctrl-C, a kill): every arm resumes from its last
finished generation. Results: OUT/self-consuming/<experiment>/<n>/results.json.
"""
ARMS = ("real-only", "self-consuming", "self-correcting")


def register(commands: argparse._SubParsersAction, baselines: argparse._SubParsersAction) -> None:
    parser = baselines.add_parser(
        "self-consuming",
        help="self-consuming loops with and without self-correction (Gaussian toy, digits, motion)",
        description="Iterative fine-tuning on real plus synthetic data, generation after generation: the "
        "real-only, self-consuming and self-correcting arms of each seed, with per-generation metrics "
        "(W2 for the Gaussian toy; FID, diversity, ... for digits and motion) written as results JSON.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--experiment",
        required=True,
        metavar="NAME",
        help="gaussian, digits or motion; or MODULE:FUNCTION returning a LoopSpec (your own model)",
    )
    parser.add_argument(
        "--ratio",
        type=float,
        nargs="+",
        metavar="λ",
        help="synthetic points per real point, in (0, 10] (default: the original's; gaussian 0.5, digits "
        "0.2 0.5 1.0 1.5, motion 0.25 0.5 0.75 1.0)",
    )
    parser.add_argument(
        "--gamma",
        type=float,
        nargs="+",
        metavar="γ",
        help="correction strengths >= 0, gaussian only (default: the original's 0 0.01 0.03 0.1 0.3 1 2 5)",
    )
    parser.add_argument(
        "--generations", type=int, help="generations after generation 0 (default: gaussian 500, others 20)"
    )
    parser.add_argument(
        "--seeds", type=int, nargs="+", metavar="S", help="default: gaussian 0-3, digits 0-2, motion 10 42 47"
    )
    parser.add_argument("--arms", nargs="+", metavar="ARM", help=f"default: all of {', '.join(ARMS)}")
    parser.add_argument(
        "--n", type=int, help="real training points (default: gaussian 50, digits the train split, motion 64)"
    )
    parser.add_argument("--dataset", help="digits or motion data: a folder or ORG/NAME (default: the task's)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="model or training setting of digits or motion (repeatable; see docs/self-consuming.md)",
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes in parallel (default: all cores)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("results"), metavar="DIR", help="output folder (default: results/)"
    )
    add_progress(parser)
    add_json(parser)
    parser.set_defaults(handler=_self_consuming)


def _self_consuming(args: argparse.Namespace) -> None:
    """Check every input, then run; a bad input writes nothing."""
    from synthsuite.baselines.self_consuming import experiments, grid, loop

    defaults = experiments.defaults(args.experiment)
    if args.gamma is not None and defaults.gammas is None:
        raise UserError(
            f"--gamma applies to the gaussian experiment; {args.experiment}'s corrector has no strength",
            "drop --gamma",
        )
    ratios = list(dict.fromkeys(args.ratio or defaults.ratios))
    gammas = list(dict.fromkeys(args.gamma if args.gamma is not None else defaults.gammas or ()))
    generations = defaults.generations if args.generations is None else args.generations
    loop.check_loop_settings(ratios, gammas, generations)
    seeds = list(defaults.seeds) if args.seeds is None else args.seeds
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise UserError(f"--seeds must be distinct numbers >= 0, got {seeds}", "e.g. --seeds 0 1 2")
    kinds = list(dict.fromkeys(args.arms or ARMS))
    for kind in kinds:
        check_choice("arm", kind, ARMS)
    if args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}", "pass --workers 1 or more")
    settings = parse_key_values(args.set, "--set", "steps=200")
    progress = show_progress(args)
    spec = experiments.spec(
        args.experiment, n=args.n, dataset=args.dataset, settings=settings, progress=progress
    )
    arms = list(loop.iter_arms(kinds, ratios, gammas or [None]))
    out = args.out / "self-consuming"
    note(args, f"{args.experiment}: {len(arms)} arms x {len(seeds)} seeds x {generations} generations")
    results = grid.run_grid(spec, arms, seeds, generations, out, workers=args.workers, progress=progress)
    path = loop.run_folder(out, spec) / grid.RESULTS
    metric = defaults.main_metric or next(iter(results["runs"][0]["metrics"]))
    summary = summarise(results, metric)
    emit(args, {"results": str(path), "summary": summary}, lambda: _print(summary, metric, path))


def summarise(results: dict[str, Any], metric: str) -> list[dict[str, Any]]:
    """Per arm: the metric at generation 0 and at the last generation, mean and 95% interval over seeds."""
    from synthsuite.kernel.stats import mean_interval

    rows: dict[str, list[dict[str, Any]]] = {}
    for run in results["runs"]:
        rows.setdefault(run["key"], []).append(run)
    summary = []
    for key, runs in rows.items():
        last = mean_interval([r["metrics"][metric][-1] for r in runs])
        first = mean_interval([r["metrics"][metric][0] for r in runs])
        seconds = [s for r in runs for s in r["seconds"][1:]]
        summary.append(
            {
                "arm": key,
                "seeds": len(runs),
                f"{metric}_generation_0": first.mean,
                metric: last.mean,
                "low": last.low,
                "high": last.high,
                "seconds_per_generation": sum(seconds) / len(seconds) if seconds else 0.0,
            }
        )
    return summary


def _print(summary: list[dict[str, Any]], metric: str, path: Path) -> None:
    print(f"\n{'arm':<40}{'seeds':>6}{'gen 0':>10}{'last gen':>10}  95% interval{'s/gen':>12}")
    for row in summary:
        interval = f"[{row['low']:.4g}, {row['high']:.4g}]"
        print(
            f"{row['arm']:<40}{row['seeds']:>6}{row[f'{metric}_generation_0']:>10.4g}{row[metric]:>10.4g}"
            f"  {interval:<22}{row['seconds_per_generation']:>8.3f}"
        )
    print(f"({metric}; wrote {path})")
