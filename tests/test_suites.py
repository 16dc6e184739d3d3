"""Every suite is whole: its record names parts that exist, every pillar uses the same name, and
nothing registers itself outside a record.

A suite is one name: `datasets_src/<package>/`, `evaluation/<package>/`, `baselines/<package>/`,
`synthsuite/commands/<package>.py`, `docs/<name>*.md`, `tests/test_<package>_*.py`,
`benchmarks/<package>_*.py` (docs/design.md, "Adding a suite").
"""

import argparse
from pathlib import Path

import pytest

from synthsuite.commands import baselines as baseline_command
from synthsuite.datasets_src.generator import Generator, generator_names
from synthsuite.evaluation.scoring import CORE_SCORERS, Scorer, scorer_classes
from synthsuite.evaluation.tasks import CORE_KINDS, TaskMetadata, prediction_kinds, registry
from synthsuite.kernel.suites import Suite, load, suites

ROOT = Path(__file__).resolve().parent.parent
PILLARS = ("datasets_src", "evaluation", "baselines")
SUITES = list(suites().values())


def test_there_are_suites_and_their_names_are_one_scheme():
    assert {"syntheory", "fourier", "force"} <= set(suites())
    for suite in SUITES:
        assert suite.name == suite.name.lower() and " " not in suite.name
        assert suite.package.isidentifier(), suite.name


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_the_record_names_parts_that_exist_and_agree(suite: Suite):
    for name, reference in suite.generators.items():
        generator = load(reference)
        assert issubclass(generator, Generator)
        assert generator.name == name, f"{reference} is named {generator.name!r}, the record says {name!r}"
        assert reference.startswith(f"synthsuite.datasets_src.{suite.package}"), reference
    if suite.tasks is not None:
        assert suite.tasks.startswith(f"synthsuite.evaluation.{suite.package}"), suite.tasks
        tasks = load(suite.tasks)
        assert tasks and all(isinstance(t, TaskMetadata) and t.suite == suite.name for t in tasks)
    for kind, reference in suite.scorers.items():
        scorer = load(reference)
        assert issubclass(scorer, Scorer) and scorer.kind == kind, reference
        assert reference.startswith(f"synthsuite.evaluation.{suite.package}"), reference
    if suite.cli is not None:
        assert suite.cli == f"synthsuite.commands.{suite.package}"
    assert bool(suite.cli) == bool(suite.baselines or suite.commands), "a cli module registers something"


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_the_cli_module_registers_exactly_what_the_record_declares(suite: Suite):
    if suite.cli is None:
        return
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers()
    baselines = commands.add_parser("baseline").add_subparsers()
    load(suite.cli).register(commands, baselines)
    assert set(baselines.choices) == set(suite.baselines)
    assert set(commands.choices) - {"baseline"} == set(suite.commands)


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_the_suite_has_its_folders_docs_and_tests(suite: Suite):
    if suite.generators:
        assert (ROOT / "datasets_src" / suite.package / "__init__.py").is_file()
    if suite.tasks or suite.scorers:
        assert (ROOT / "evaluation" / suite.package / "__init__.py").is_file()
    if suite.baselines:
        assert (ROOT / "baselines" / suite.package / "__init__.py").is_file() or suite.name == "syntheory"
    assert list((ROOT / "docs").glob(f"{suite.name}*.md")), f"no docs/{suite.name}*.md"
    assert list((ROOT / "tests").glob(f"test_{suite.package}_*.py")), f"no tests/test_{suite.package}_*.py"
    assert list((ROOT / "benchmarks").glob(f"{suite.package}_*.py")), f"no benchmarks/{suite.package}_*.py"


def test_every_suite_folder_in_a_pillar_belongs_to_a_suite():
    packages = {s.package for s in SUITES}
    for pillar in PILLARS:
        folders = {p.name for p in (ROOT / pillar).iterdir() if (p / "__init__.py").is_file()}
        unknown = sorted(folders - packages)
        assert not unknown, f"{pillar}/ holds {unknown}, which no suite record names"
    commands = {p.stem for p in (ROOT / "synthsuite" / "commands").glob("*.py")}
    shared = {"__init__", "datasets", "evaluation", "baselines", "leaderboard", "key_values", "conventions"}
    assert commands - shared <= packages, sorted(commands - shared - packages)


def test_registries_are_the_union_of_the_records():
    assert generator_names() == sorted(n for s in SUITES for n in s.generators)
    builtin = {t.name for s in SUITES if s.tasks for t in load(s.tasks)}
    assert builtin == set(registry())
    assert set(prediction_kinds()) == set(CORE_KINDS) | {k for s in SUITES for k in s.scorers}
    assert set(scorer_classes()) == set(prediction_kinds())
    assert set(CORE_SCORERS) == set(CORE_KINDS)
    for task in registry().values():
        assert task.predictions.kind in scorer_classes(), task.name


def test_baseline_command_lists_every_suites_baselines():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers()
    baseline_command.register(commands)
    baselines = commands.choices["baseline"]._subparsers._group_actions[0].choices
    assert set(baselines) == {b for s in SUITES for b in s.baselines}


def test_an_online_task_tells_how_it_is_scored(tmp_path):
    from conftest import run_cli

    online = [t for t in registry().values() if scorer_classes()[t.predictions.kind].online]
    assert online, "the MinAtar tasks are scored online"
    predictions = tmp_path / "p.parquet"
    predictions.write_bytes(b"not read")
    result = run_cli("evaluate", str(predictions), "--task", online[0].name)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "scored online" in result.stderr
    assert "synthsuite baseline decision-transformer" in result.stderr and "regenerate" not in result.stderr
