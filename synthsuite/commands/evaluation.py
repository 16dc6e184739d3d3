"""`synthsuite tasks` and `synthsuite evaluate`."""

import argparse
import json
from pathlib import Path

from synthsuite.kernel.errors import UserError


def register(commands: argparse._SubParsersAction) -> None:
    tasks = commands.add_parser(
        "tasks",
        help="the registered evaluation tasks",
        description="List every task: its dataset config, pinned revision, scored split and main score.",
    )
    tasks.add_argument("--suite", help="only this suite's tasks (e.g. syntheory)")
    tasks.add_argument("--json", action="store_true", help="print the full task metadata as JSON")
    tasks.set_defaults(handler=_tasks)

    ev = commands.add_parser(
        "evaluate",
        help="score a predictions file against a task; write the results JSON",
        description="Validate a predictions parquet (columns sample_id, prediction) against a task's "
        "split, score it and write a results JSON with the dataset revision, the model and the "
        "environment.",
    )
    ev.add_argument("predictions", type=Path, help="predictions parquet file")
    ev.add_argument("--task", required=True, help="task name (see `synthsuite tasks`)")
    ev.add_argument(
        "--dataset", help="dataset folder or ORG/NAME (default: the task's repo in the local hub)"
    )
    ev.add_argument("--split", help="split to score (default: the task's eval split, test)")
    ev.add_argument("--model", help="model name (default: from the predictions file's metadata)")
    ev.add_argument("--model-revision", help="model commit, version or weights sha256 (with --model)")
    ev.add_argument("--out", type=Path, help="results file (default: PREDICTIONS with .results.json)")
    ev.set_defaults(handler=_evaluate)


def _tasks(args: argparse.Namespace) -> None:
    from synthsuite.evaluation.tasks import list_tasks

    tasks = list_tasks(args.suite)
    if args.json:
        print(json.dumps([t.model_dump(mode="json") for t in tasks], indent=1))
        return
    print(f"{'task':<36}{'dataset':<46}{'revision':<14}{'split':<7}main score")
    for task in tasks:
        ref = task.dataset
        print(
            f"{task.name:<36}{ref.repo_id + ':' + ref.config:<46}{ref.revision[:12]:<14}"
            f"{task.eval_split:<7}{task.main_score}"
        )


def _evaluate(args: argparse.Namespace) -> None:
    from synthsuite.evaluation.evaluator import evaluate_predictions
    from synthsuite.evaluation.results import ModelInfo
    from synthsuite.evaluation.tasks import get_task

    if (args.model is None) != (args.model_revision is None):
        raise UserError("--model and --model-revision go together", "pass both or neither")
    task = get_task(args.task)
    model = ModelInfo(name=args.model, revision=args.model_revision) if args.model else None
    result = evaluate_predictions(task, args.predictions, dataset=args.dataset, split=args.split, model=model)
    out = args.out or args.predictions.with_suffix(".results.json")
    result.write(out)
    scores = ", ".join(f"{k} {v:.4f}" for k, v in next(iter(result.scores.values())).items())
    print(f"{task.name} on {result.dataset.repo_id}@{result.dataset.revision[:12]}: {scores}")
    print(f"wrote {out}")
