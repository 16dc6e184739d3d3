"""The SynTheory suite's commands: `synthsuite baseline syntheory`, probes of frozen audio features
on the seven music-theory concepts."""

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from synthsuite.commands.conventions import add_json, add_progress, emit, help_when_bare, note, show_progress
from synthsuite.commands.key_values import parse_key_values
from synthsuite.kernel.errors import UserError

if TYPE_CHECKING:
    from synthsuite.evaluation.results import Result
    from synthsuite.evaluation.tasks import TaskMetadata

PROFILES = {"paper": "syntheory", "tiny": "syntheory-tiny"}  # profile -> task name prefix
ALL_HANDMADE = "all-handmade"


def register(commands: argparse._SubParsersAction, baselines: argparse._SubParsersAction) -> None:
    """The SynTheory suite's baseline: `synthsuite baseline syntheory` (probes on frozen audio features)."""
    _add_syntheory(baselines)


def _add_syntheory(baselines: argparse._SubParsersAction) -> None:
    syntheory = baselines.add_parser(
        "syntheory",
        help="probe frozen audio features on the SynTheory concepts",
        description="Extract frozen features (cached), fit a probe on every layer (train split,\n"
        "early-stopped on validation), keep the layer best on validation and score its test\n"
        "predictions. Writes OUT/<task>/<features>/predictions.parquet and results.json.",
        epilog="examples:\n"
        "  synthsuite baseline syntheory --features chroma --task syntheory/notes\n"
        "  synthsuite baseline syntheory --features all-handmade --all --probe linear\n"
        "  synthsuite baseline syntheory --features crepe --features-option hop_ms=20 --all --profile tiny\n"
        "  synthsuite baseline syntheory --model-class my_model:MyAudioModel --all --profile tiny",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    syntheory.add_argument(
        "--features",
        action="append",
        metavar="NAME",
        help="feature extractor (repeatable): mel, chroma, mfcc, handcrafted, basic-pitch, crepe, "
        f"musicgen, or {ALL_HANDMADE} for the first four",
    )
    syntheory.add_argument(
        "--model-class",
        metavar="MODULE:CLASS",
        help="probe your own audio model instead of --features: an AudioEmbedder (sample_rate, "
        "embed(audio) -> {layer: array}); MODULE:CLASS or path/to/file.py:CLASS",
    )
    syntheory.add_argument(
        "--model-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keyword argument for the model's constructor (repeatable)",
    )
    syntheory.add_argument(
        "--model", metavar="NAME", help="with --model-class: its name (default: the model's)"
    )
    syntheory.add_argument(
        "--model-revision", metavar="REV", help="with --model-class: its revision (default: the model's)"
    )
    syntheory.add_argument(
        "--task", action="append", metavar="TASK", help="task, e.g. syntheory/notes (repeatable)"
    )
    syntheory.add_argument("--all", action="store_true", help="every SynTheory task of --profile")
    syntheory.add_argument(
        "--profile", help="with --all: paper (tasks syntheory/*, default) or tiny (syntheory-tiny/*)"
    )
    syntheory.add_argument(
        "--dataset", help="dataset folder or ORG/NAME (default: each task's repo in the local hub)"
    )
    syntheory.add_argument("--probe", default="mlp", help="mlp (the paper's, default) or linear (fast)")
    syntheory.add_argument("--seed", type=int, default=0, help="probe seed (default 0)")
    syntheory.add_argument(
        "--workers", type=int, metavar="N", help="feature extraction processes (default: all cores)"
    )
    syntheory.add_argument(
        "--out", type=Path, default=Path("results"), metavar="DIR", help="output folder (default: results/)"
    )
    syntheory.add_argument(
        "--features-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extractor option, e.g. hop_ms=20 or model=DIR, given to every --features (repeatable)",
    )
    add_progress(syntheory)
    add_json(syntheory)
    help_when_bare(syntheory)
    syntheory.set_defaults(handler=_syntheory)


def _syntheory(args: argparse.Namespace) -> None:
    """Check every input before anything is computed or written, then run each (task, features)."""
    from synthsuite.baselines.syntheory import run
    from synthsuite.baselines.syntheory.features import get_extractor
    from synthsuite.baselines.syntheory.probe import probe_settings

    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}", "pass --workers 1 or more")
    tasks = _tasks(args.task or [], args.all, args.profile)
    settings = probe_settings(args.probe, args.seed)
    if args.model_class is not None:
        _probe_model(args, tasks)
        return
    for flag in ("model_option", "model", "model_revision"):
        if getattr(args, flag):
            raise UserError(
                f"--{flag.replace('_', '-')} goes with --model-class", "drop it, or add --model-class"
            )
    options = parse_key_values(args.features_option, "--features-option", "hop_ms=20")
    extractors = [get_extractor(name, **options) for name in _feature_names(args.features or [])]
    for extractor in extractors:  # finds model files and their hashes now, not after other runs
        extractor.identity()
        extractor.layers()
    for task in tasks:
        run.open_task_source(task, args.dataset)

    results = []
    for task in tasks:
        for extractor in extractors:
            out = run.output_dir(args.out, task.name, extractor.name)
            result = run.run(
                task,
                extractor,
                settings,
                out=out,
                dataset=args.dataset,
                workers=args.workers,
                progress=show_progress(args),
            )
            note(
                args, f"{task.name} {extractor.name}: {task.main_score} {result.main_score:.4f}, wrote {out}"
            )
            results.append((task, extractor.name, result))
    emit(
        args,
        [
            {
                "results": str(run.output_dir(args.out, t.name, f) / "results.json"),
                **r.model_dump(mode="json"),
            }
            for t, f, r in results
        ],
        lambda: _print_table(results, settings.kind),
    )


def _probe_model(args: argparse.Namespace, tasks: list["TaskMetadata"]) -> None:
    """`--model-class`: the user's AudioEmbedder through the same protocol (synthsuite.evaluate)."""
    from synthsuite.commands.evaluation import run_model

    if args.features or args.features_option:
        raise UserError("--features and --model-class name two representations", "pass one of them")
    settings = {"probe": args.probe, "seed": args.seed, "workers": args.workers or 1}
    run_model(args, tasks, settings, out=args.out)


def _tasks(names: list[str], every: bool, profile: str | None) -> list["TaskMetadata"]:
    from synthsuite.evaluation.tasks import get_task, list_tasks

    if every == bool(names):
        raise UserError("pass either --task (repeatable) or --all", "e.g. --task syntheory/notes, or --all")
    if profile is not None and not every:
        raise UserError("--profile chooses the tasks of --all", "drop --profile or use --all")
    if every:
        profile = profile or "paper"
        if profile not in PROFILES:
            raise UserError(f"unknown profile {profile!r}", f"choose one of: {', '.join(PROFILES)}")
        return [t for t in list_tasks("syntheory") if t.name.split("/")[0] == PROFILES[profile]]
    tasks = [get_task(name) for name in dict.fromkeys(names)]
    for task in tasks:
        if task.suite != "syntheory":
            raise UserError(
                f"task {task.name} is not a SynTheory task", "see `synthsuite tasks --suite syntheory`"
            )
    return tasks


def _feature_names(given: list[str]) -> list[str]:
    from synthsuite.baselines.syntheory.run import HANDMADE

    if not given:
        raise UserError("no --features given", f"pass e.g. --features chroma or --features {ALL_HANDMADE}")
    names = [n for name in given for n in (HANDMADE if name == ALL_HANDMADE else (name,))]
    return list(dict.fromkeys(names))


def _print_table(results: list[tuple["TaskMetadata", str, "Result"]], probe: str) -> None:
    print(
        f"\n{'task':<34}{'features':<14}{'probe':<8}{'layer':<14}{'metric':<10}{'validation':>11}{'test':>8}"
    )
    for task, features, result in results:
        validation = result.scores["validation"][task.main_score]
        print(
            f"{task.name:<34}{features:<14}{probe:<8}{result.selected_layer:<14}{task.main_score:<10}"
            f"{validation:>11.4f}{result.main_score:>8.4f}"
        )
