"""`synthsuite tasks` and `synthsuite evaluate` (a predictions file, or your own model)."""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthsuite.commands.conventions import add_json, add_progress, emit, help_when_bare, note
from synthsuite.commands.key_values import parse_key_values
from synthsuite.kernel.errors import UserError

if TYPE_CHECKING:
    from synthsuite.evaluation.results import Result
    from synthsuite.evaluation.tasks import TaskMetadata

EVALUATE_EPILOG = """examples:
  synthsuite evaluate predictions.parquet --task syntheory/notes
  synthsuite evaluate preds.parquet --task syntheory/tempos --model my-model --model-revision 3f2a9c1
  synthsuite evaluate --model-class my_model:MyAudioModel --task syntheory-tiny/notes --set probe=linear
  synthsuite evaluate --model-class my_density.py:FourierMLP --task fourier-synthetic/gaussian \\
      --model-option frequencies=12 --model-revision v1
"""


def register(commands: argparse._SubParsersAction) -> None:
    tasks = commands.add_parser(
        "tasks",
        help="the registered evaluation tasks",
        description="List every task: its dataset config, pinned revision, scored split and main score.",
    )
    tasks.add_argument(
        "--suite",
        help="only this suite's tasks (e.g. syntheory; a task prefix such as syntheory-tiny works too)",
    )
    add_json(tasks)
    tasks.set_defaults(handler=_tasks)

    ev = commands.add_parser(
        "evaluate",
        help="score a predictions file, or run your own model, on tasks; write results JSON",
        description="Score a predictions parquet (columns sample_id, prediction) against a task's split, "
        "or run your own model (--model-class) on tasks by their protocol (SynTheory: probes on its "
        "layers; fourier-synthetic: its PMFs; MinAtar: played). Results JSON files carry the dataset "
        "revision, the model and the environment. See docs/evaluate-your-model.md.",
        epilog=EVALUATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ev.add_argument("predictions", type=Path, nargs="?", help="predictions parquet file")
    ev.add_argument(
        "--task",
        action="append",
        metavar="TASK",
        help="task name (see `synthsuite tasks`); repeatable with --model-class",
    )
    ev.add_argument(
        "--model-class",
        metavar="MODULE:CLASS",
        help="your model, instead of a predictions file: MODULE:CLASS or path/to/file.py:CLASS",
    )
    ev.add_argument(
        "--model-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keyword argument for the model's constructor (repeatable; JSON values: 12, true, ...)",
    )
    ev.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="setting of the tasks' protocol (repeatable): SynTheory probe=mlp|linear, seed, workers, "
        "cache=true; MinAtar episodes, seed",
    )
    ev.add_argument(
        "--dataset",
        help="dataset folder or ORG/NAME (default: each task's dataset, by the lookup rule of "
        "docs/publishing.md: $SYNTHSUITE_HUB, the checkout's .hub/, ~/.cache/synthsuite/hub, the Hub)",
    )
    ev.add_argument("--split", help="split to score (predictions file; default: the task's eval split)")
    ev.add_argument(
        "--model", metavar="NAME", help="model name (default: the file's metadata or the model's)"
    )
    ev.add_argument(
        "--model-revision",
        metavar="REV",
        help="model commit, version or weights sha256 (default: the model's)",
    )
    ev.add_argument(
        "--out",
        type=Path,
        help="results file (default: PREDICTIONS with .results.json); with --model-class, the output "
        "folder (default: results/)",
    )
    add_progress(ev)
    add_json(ev)
    help_when_bare(ev)
    ev.set_defaults(handler=_evaluate)


def _tasks(args: argparse.Namespace) -> None:
    from synthsuite.evaluation.tasks import list_tasks, registry
    from synthsuite.kernel.suites import suites

    prefix = None
    if args.suite is not None and args.suite not in suites():
        boards = {name.split("/")[0]: task.suite for name, task in registry().items()}
        if args.suite in boards:  # `--suite syntheory-tiny`: show what was meant, and say so
            prefix = args.suite
            print(
                f"note: {prefix} is not a suite but a task prefix of suite {boards[prefix]!r}; "
                f"listing the tasks {prefix}/*",
                file=sys.stderr,
            )
    tasks = list_tasks(None if prefix else args.suite)
    if prefix:
        tasks = [t for t in tasks if t.name.split("/")[0] == prefix]

    def text() -> None:
        print(f"{'task':<36}{'dataset':<46}{'revision':<14}{'split':<7}main score")
        for task in tasks:
            ref = task.dataset
            print(
                f"{task.name:<36}{ref.repo_id + ':' + ref.config:<46}{ref.revision[:12]:<14}"
                f"{task.eval_split:<7}{task.main_score}"
            )

    emit(args, [t.model_dump(mode="json") for t in tasks], text)


def _evaluate(args: argparse.Namespace) -> None:
    if (args.predictions is None) == (args.model_class is None):
        raise UserError(
            "pass either a predictions file or --model-class",
            "e.g. `synthsuite evaluate preds.parquet --task T` or "
            "`synthsuite evaluate --model-class my_model:MyModel --task T`",
        )
    if not args.task:
        raise UserError(
            "no --task given", "pass --task, e.g. --task syntheory/notes (see `synthsuite tasks`)"
        )
    if args.model_class is not None:
        _evaluate_model(args)
        return
    for flag, given in (("--model-option", args.model_option), ("--set", args.set)):
        if given:
            raise UserError(f"{flag} applies to --model-class", f"drop {flag}")
    if len(args.task) > 1:
        raise UserError("a predictions file is scored against one task", "pass one --task")
    _evaluate_file(args)


def _evaluate_file(args: argparse.Namespace) -> None:
    from synthsuite.evaluation.evaluator import evaluate_predictions
    from synthsuite.evaluation.results import ModelInfo
    from synthsuite.evaluation.tasks import get_task

    if (args.model is None) != (args.model_revision is None):
        raise UserError("--model and --model-revision go together", "pass both or neither")
    task = get_task(args.task[0])
    model = ModelInfo(name=args.model, revision=args.model_revision) if args.model else None
    result = evaluate_predictions(task, args.predictions, dataset=args.dataset, split=args.split, model=model)
    out = args.out or args.predictions.with_suffix(".results.json")
    result.write(out)
    scores = ", ".join(f"{k} {v:.4f}" for k, v in next(iter(result.scores.values())).items())
    emit(
        args,
        {"results": str(out), **result.model_dump(mode="json")},
        f"{task.name} on {result.dataset.repo_id}@{result.dataset.revision[:12]}: {scores}\nwrote {out}",
    )


def _evaluate_model(args: argparse.Namespace) -> None:
    if args.split is not None:
        raise UserError(
            "--split applies to a predictions file", "drop --split: a model is scored on the eval split"
        )
    settings = parse_key_values(args.set, "--set", "probe=linear")
    run_model(args, args.task, settings, out=args.out or Path("results"))


def run_model(args: argparse.Namespace, tasks: list, settings: dict[str, Any], *, out: Path) -> None:
    """`--model-class` of `evaluate` and `baseline syntheory`: build the model, check everything, run
    each task (a line per task), then print the results (or them as JSON)."""
    from synthsuite import api

    options = parse_key_values(args.model_option, "--model-option", "width=128")
    model = api.load_model(args.model_class, options)
    identity, plans = api.plan(
        model, tasks, settings, name=args.model, revision=args.model_revision, dataset=args.dataset, out=out
    )

    def done(step: "api.Plan", result: "Result") -> None:
        note(args, f"{step.task.name}: {step.task.main_score} {result.main_score:.4f}, wrote {step.out}")

    results = api.execute(model, identity, plans, dataset=args.dataset, progress=args.progress, done=done)
    emit(
        args,
        [
            {"results": str(step.out / "results.json"), **r.model_dump(mode="json")}
            for step, r in zip(plans, results, strict=True)
        ],
        lambda: print_results([(step.task, r) for step, r in zip(plans, results, strict=True)]),
    )


def print_results(results: list[tuple["TaskMetadata", "Result"]]) -> None:
    """The main scores of a model's results, one line per task (validation too, when it was scored)."""
    print(f"\n{'task':<34}{'model':<28}{'layer':<14}{'metric':<20}{'validation':>11}{'scored':>10}")
    for task, result in results:
        validation = result.scores.get("validation", {}).get(task.main_score)
        shown = f"{validation:>11.4f}" if validation is not None else f"{'':>11}"
        print(
            f"{task.name:<34}{result.model.name[:27]:<28}{result.selected_layer or '':<14}"
            f"{task.main_score:<20}{shown}{result.main_score:>10.4f}"
        )
