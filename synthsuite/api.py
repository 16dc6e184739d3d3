"""The Python front door: evaluate your own model on any task, as the command line does.

    import synthsuite

    results = synthsuite.evaluate(MyAudioModel(), tasks=["syntheory-tiny/notes"], revision="v1")

For each task, the task's suite record names the runners that can run a model on it
(`Suite.models`, evaluation/models.py); the first that accepts the task and whose protocol the model
implements runs it and writes `<out>/<task>/<model>/results.json` (and the predictions it scored),
ready for `synthsuite submit`. Every input is checked (tasks, protocols, settings, datasets) before
any task runs. `synthsuite evaluate --model-class MODULE:CLASS` is this function on the command line.
See docs/evaluate-your-model.md.
"""

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from synthsuite.evaluation.models import ModelRunner, RunnerSettings, output_dir
from synthsuite.evaluation.results import ModelInfo, Result
from synthsuite.evaluation.tasks import TaskMetadata, get_task
from synthsuite.kernel.errors import UserError, did_you_mean
from synthsuite.kernel.suites import get_suite, load

GUIDE = "see docs/evaluate-your-model.md"


@dataclass(frozen=True)
class Plan:
    """One task of an evaluation: the runner chosen for the model, its settings, where it writes."""

    task: TaskMetadata
    runner: ModelRunner
    settings: RunnerSettings
    out: Path


def evaluate(
    model: Any,
    tasks: str | TaskMetadata | Sequence[str | TaskMetadata],
    *,
    name: str | None = None,
    revision: str | None = None,
    dataset: str | Path | None = None,
    out: str | Path = "results",
    progress: bool | None = None,
    **settings: Any,
) -> list[Result]:
    """Run `model` on each task by the task's protocol and write its results; return them in task order.

    `name`, `revision`: the model's identity on the leaderboard (default: the model's `name` and
    `revision` attributes; a revision is required: a commit, a version or the weights' sha256).
    `dataset`: a folder or ORG/NAME for every task (default: each task's own dataset, looked up by
    the one rule of synthsuite.datasets_src.access.resolve). `settings`: the runners' settings, e.g.
    `probe="linear"` for SynTheory or `episodes=20` for MinAtar. `progress`: bars (default: on a
    terminal).
    """
    identity, plans = plan(
        model, tasks, settings, name=name, revision=revision, dataset=dataset, out=Path(out)
    )
    return execute(model, identity, plans, dataset=dataset, progress=progress)


def execute(
    model: Any,
    identity: ModelInfo,
    plans: Sequence[Plan],
    *,
    dataset: str | Path | None,
    progress: bool | None,
    done: Callable[[Plan, Result], None] | None = None,
) -> list[Result]:
    """Run the checked plans in order; `done(plan, result)` after each (the CLI's progress lines)."""
    from synthsuite.commands.conventions import show_progress

    results = []
    for step in plans:
        step.out.mkdir(parents=True, exist_ok=True)
        result = step.runner.run(
            step.task,
            model,
            identity=identity,
            dataset=dataset,
            out=step.out,
            settings=step.settings,
            progress=show_progress(asked=progress),
        )
        if done is not None:
            done(step, result)
        results.append(result)
    return results


def plan(
    model: Any,
    tasks: str | TaskMetadata | Sequence[str | TaskMetadata],
    settings: Mapping[str, Any],
    *,
    name: str | None,
    revision: str | None,
    dataset: str | Path | None,
    out: Path,
) -> tuple[ModelInfo, list[Plan]]:
    """Check everything an evaluation needs, before any of it runs: the tasks, that the model
    implements their protocol, its identity, the settings, the datasets. The model's identity and the
    plan of each task."""
    from synthsuite.datasets_src.access import open_dataset

    chosen = [(task, choose_runner(task, model)) for task in _tasks(tasks)]
    identity = model_identity(model, name, revision)
    known = {field for _, runner in chosen for field in runner.settings.model_fields}
    for key in settings:
        if key not in known:
            close = did_you_mean(key, sorted(known))
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            accepted = ", ".join(sorted(known)) or "none"
            raise UserError(f"unknown setting {key!r} for these tasks", f"{hint}the settings are: {accepted}")
    plans = []
    for task, runner in chosen:
        given = {k: v for k, v in settings.items() if k in runner.settings.model_fields}
        try:
            options = runner.settings.model_validate(given)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            raise UserError(f"setting {where!r}: {error['msg']}", f"fix it; {GUIDE}") from None
        runner.check(task, model, options)
        source = open_dataset(dataset or task.dataset.repo_id, configs=[task.dataset.config])
        source.splits(task.dataset.config)  # one line now when the config is missing, not later
        plans.append(Plan(task, runner, options, output_dir(out, task.name, identity.name)))
    return identity, plans


def _tasks(tasks: str | TaskMetadata | Sequence[str | TaskMetadata]) -> list[TaskMetadata]:
    items = [tasks] if isinstance(tasks, str | TaskMetadata) else list(tasks)
    if not items:
        raise UserError("no tasks given", "pass e.g. tasks=['syntheory-tiny/notes'] (see `synthsuite tasks`)")
    found = [item if isinstance(item, TaskMetadata) else get_task(item) for item in items]
    return list({task.name: task for task in found}.values())


@cache
def runners(suite: str) -> list[ModelRunner]:
    """The runners a suite's record names, in record order."""
    return [load(reference)() for reference in get_suite(suite).models.values()]


def choose_runner(task: TaskMetadata, model: Any) -> ModelRunner:
    """The first runner of the task's suite that takes the task and whose protocol `model` implements."""
    candidates = [runner for runner in runners(task.suite) if runner.accepts(task)]
    if not candidates:
        raise UserError(
            f"task {task.name} takes no model directly (its suite declares no model protocol for it)",
            "write a predictions file and score it with `synthsuite evaluate PREDICTIONS --task "
            f"{task.name}` (docs/evaluation.md)",
        )
    for runner in candidates:
        if runner.implemented_by(model):
            return runner
    wanted = " or ".join(runner.describe() for runner in candidates)
    raise UserError(
        f"{type(model).__name__} does not implement the model protocol of task {task.name}",
        f"implement {wanted}; {GUIDE}",
    )


def model_identity(model: Any, name: str | None = None, revision: str | None = None) -> ModelInfo:
    """The name and revision results carry: given, else the model's attributes `name` and `revision`."""
    name = name if name is not None else _attribute(model, "name")
    revision = revision if revision is not None else _attribute(model, "revision")
    kind = type(model)
    if name is None:
        name = kind.__name__
    if not revision:
        raise UserError(
            f"model {name!r} has no revision",
            "pass revision= (--model-revision on the command line) or give the model a `revision` "
            "attribute: a commit, a version or the weights' sha256, so its results can be told apart",
        )
    try:
        return ModelInfo(name=str(name), revision=str(revision), details={"class": _qualified(kind)})
    except ValidationError as exc:
        raise UserError(f"model name {name!r}: {exc.errors()[0]['msg']}", "pass a shorter name=") from None


def _attribute(model: Any, key: str) -> str | None:
    value = getattr(model, key, None)
    return value if isinstance(value, str) and value else None


def _qualified(kind: type) -> str:
    return f"{kind.__module__}:{kind.__qualname__}"


def load_model(reference: str, options: Mapping[str, Any] | None = None) -> Any:
    """Build the model `MODULE:CLASS` (or `path/to/file.py:CLASS`) names, with keyword `options`.

    A module is imported from the current folder first, as `python -m` would, so `my_model:MyModel`
    finds ./my_model.py from the console script too.
    """
    module_name, sep, attribute = reference.rpartition(":")
    if not sep or not module_name or not attribute.isidentifier():
        raise UserError(
            f"--model-class {reference!r} is not MODULE:CLASS",
            "write e.g. --model-class my_model:MyAudioModel",
        )
    module = _import(module_name)
    target = getattr(module, attribute, None)
    if target is None:
        names = [n for n, v in vars(module).items() if inspect.isclass(v) and not n.startswith("_")]
        close = did_you_mean(attribute, names)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise UserError(
            f"{module_name} has no {attribute!r}", f"{hint}its classes: {', '.join(names) or 'none'}"
        )
    if not callable(target):
        raise UserError(f"{reference} is not a class or function", "name the model's class")
    try:
        return target(**dict(options or {}))
    except TypeError as exc:
        raise UserError(f"cannot build {reference} ({exc})", "check --model-option KEY=VALUE") from None


def _import(module_name: str) -> Any:
    if module_name.endswith(".py"):
        path = Path(module_name)
        if not path.is_file():
            raise UserError(f"no file {path}", "pass path/to/file.py:CLASS or MODULE:CLASS")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault(path.stem, module)
        spec.loader.exec_module(module)
        return module
    here = str(Path.cwd())
    if here not in sys.path:
        sys.path.insert(0, here)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UserError(
            f"cannot import {module_name!r} ({exc})",
            "run from the folder that holds it, set PYTHONPATH, or pass path/to/file.py:CLASS",
        ) from None
