"""What makes a result rankable on its task: the same checks at submission and at every build.

A result is *stale* when it was computed on another dataset revision or task version than the
task now pins (it was fine once; it is never merged with current results), and *invalid* when it
names another dataset repo than its task's, or when its scores are wrong in themselves (not
finite, out of the metric's range, unknown metrics, a main score that is not the scored split's
main metric).
"""

from synthsuite.evaluation.results import Result, Scores
from synthsuite.evaluation.tasks import TaskMetadata


def provenance_problem(result: Result, task: TaskMetadata) -> str | None:
    """Why `result` does not say it was computed on the task's own dataset repo, or None."""
    if result.dataset.repo_id != task.dataset.repo_id:
        named = result.dataset.repo_id[:100]
        return f"dataset.repo_id {named!r} is not {task.name}'s {task.dataset.repo_id!r}"
    return None


def pin_problem(result: Result, task: TaskMetadata) -> str | None:
    """Why `result` was not computed on what `task` pins now, or None."""
    if result.task.version != task.version:
        return f"task version {result.task.version} is not {task.name}'s current version {task.version}"
    if result.dataset.config != task.dataset.config:
        return f"dataset config {result.dataset.config!r} is not {task.name}'s {task.dataset.config!r}"
    if result.dataset.revision != task.dataset.revision:
        return (
            f"dataset revision {result.dataset.revision[:12]} is not the revision {task.name} pins "
            f"({task.dataset.revision[:12]})"
        )
    return None


def score_problem(result: Result, task: TaskMetadata) -> str | None:
    """Why the scores of `result` are not valid scores of `task`, or None."""
    if task.eval_split not in result.scores:
        return (
            f"no scores on {task.name}'s scored split {task.eval_split!r} "
            f"(it has {', '.join(sorted(result.scores)) or 'none'})"
        )
    for split, scores in result.scores.items():
        problem = _split_problem(task, split, scores, complete=True)
        if problem:
            return f"scores.{split}: {problem}"
    for layer, splits in (result.layers or {}).items():
        for split, scores in splits.items():
            problem = _split_problem(task, split, scores, complete=False)
            if problem:
                return f"layers.{layer}.{split}: {problem}"
    if result.selected_layer is not None and result.selected_layer not in (result.layers or {}):
        return f"selected_layer {result.selected_layer!r} is not one of the result's layers"
    main = result.scores[task.eval_split][task.main_score]
    if result.main_score != main:
        return f"main_score {result.main_score!r} is not {task.main_score} on {task.eval_split} ({main!r})"
    return None


def _split_problem(task: TaskMetadata, split: str, scores: Scores, *, complete: bool) -> str | None:
    """`complete`: every metric of the task must be there (per-layer scores may hold a subset)."""
    if split not in task.splits:
        return f"{split!r} is not a split of {task.name} ({', '.join(task.splits)})"
    names = {m.name for m in task.metrics}
    unknown = sorted(set(scores) - names)
    if unknown:
        return f"unknown metric {unknown[0]!r} (the task's metrics: {', '.join(sorted(names))})"
    missing = sorted(names - set(scores))
    if complete and missing:
        return f"metric {missing[0]!r} is missing"
    for metric in task.metrics:
        problem = metric.check(scores[metric.name]) if metric.name in scores else None
        if problem:
            return problem
    return None
