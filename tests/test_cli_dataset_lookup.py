"""The one rule for where a dataset is found (datasets_src/access.py `resolve`): an explicit folder;
`$SYNTHSUITE_HUB` alone when set, else the checkout's `.hub/` and then ~/.cache/synthsuite/hub, each as
ORG/NAME or as the build `generate` left in local/NAME; else the Hub. Errors name the exact fix.
"""

import json
import shutil
import subprocess
import sys

import pytest

from synthsuite.datasets_src import access
from synthsuite.datasets_src.access import hub_roots, open_dataset, resolve
from synthsuite.datasets_src.engine import MANIFEST_NAME
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.predictions import write_predictions
from synthsuite.evaluation.scoring import scorer_for
from synthsuite.evaluation.tasks import get_task
from synthsuite.kernel.errors import UserError
from tests.conftest import run_cli


def _hubs_in_a_plain_shell(home, extra_env=None) -> list[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), **(extra_env or {})}
    code = (
        "import json; from synthsuite.datasets_src.access import hub_roots; "
        "print(json.dumps([str(h) for h in hub_roots()]))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_local_hubs_and_their_order(tmp_path):
    checkout = access.checkout_hub()  # the `.hub/` of this repository, if `make demo` ran here
    user = str(tmp_path / ".cache" / "synthsuite" / "hub")
    assert _hubs_in_a_plain_shell(tmp_path) == ([str(checkout)] if checkout else []) + [user]
    mine = str(tmp_path / "mine")
    assert _hubs_in_a_plain_shell(tmp_path, {"SYNTHSUITE_HUB": mine}) == [mine]  # explicit: the only one


@pytest.fixture()
def plain_shell(tmp_path, monkeypatch):
    """No SYNTHSUITE_HUB, a fresh home, and a checkout (at tmp/checkout) whose `.hub/` may be filled."""
    monkeypatch.delenv("SYNTHSUITE_HUB")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    checkout = tmp_path / "checkout"
    (checkout / ".hub").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    monkeypatch.setattr(access, "CHECKOUT", checkout)
    return checkout / ".hub"


def test_after_make_demo_the_tiny_tasks_find_the_demo_hub(plain_shell, tiny_dataset, tmp_path):
    """`make demo` leaves synthsuite/syntheory-tiny in the checkout's .hub/; a plain shell finds it."""
    shutil.copytree(tiny_dataset, plain_shell / "synthsuite" / "syntheory-tiny")
    task = get_task("syntheory-tiny/chords")
    source = open_dataset(task.dataset.repo_id)
    assert source.folder == plain_shell / "synthsuite" / "syntheory-tiny"
    assert source.repo_id == "synthsuite/syntheory-tiny" and source.pinned("chords", task.dataset.revision)
    references = scorer_for(task).references(task, source, task.eval_split)
    predictions = tmp_path / "p.parquet"
    write_predictions(predictions, task, references.ids, references.values, {"name": "m", "revision": "1"})
    result = evaluate_predictions(task, predictions)
    assert result.main_score == 1.0 and result.dataset.repo_id == "synthsuite/syntheory-tiny"


def test_a_generated_build_is_found_without_publishing(plain_shell, tiny_dataset):
    user_hub = hub_roots()[1]
    shutil.copytree(tiny_dataset, user_hub / "local" / "syntheory-tiny")  # where `generate` writes
    folder, repo_id = resolve("synthsuite/syntheory-tiny")
    assert folder == user_hub / "local" / "syntheory-tiny" and repo_id == "synthsuite/syntheory-tiny"
    shutil.copytree(tiny_dataset, plain_shell / "local" / "syntheory-tiny")  # an earlier hub wins
    assert resolve("synthsuite/syntheory-tiny")[0] == plain_shell / "local" / "syntheory-tiny"
    shutil.copytree(tiny_dataset, user_hub / "synthsuite" / "syntheory-tiny")  # ORG/NAME before local/
    # the hubs' order comes first: the checkout's local/ build before the user hub's ORG/NAME
    assert resolve("synthsuite/syntheory-tiny")[0] == plain_shell / "local" / "syntheory-tiny"
    explicit = user_hub / "synthsuite" / "syntheory-tiny"
    assert resolve(explicit) == (explicit, "synthsuite/syntheory-tiny")  # a folder is that folder


def test_a_finished_copy_wins_over_an_unfinished_one(plain_shell, tiny_dataset):
    unfinished = plain_shell / "synthsuite" / "syntheory-tiny"
    shutil.copytree(tiny_dataset, unfinished)
    (unfinished / MANIFEST_NAME).unlink()  # a `generate` still running
    shutil.copytree(tiny_dataset, hub_roots()[1] / "synthsuite" / "syntheory-tiny")
    assert resolve("synthsuite/syntheory-tiny")[0] == hub_roots()[1] / "synthsuite" / "syntheory-tiny"


def test_a_missing_dataset_names_the_exact_fix(tmp_path):
    with pytest.raises(UserError) as error:
        open_dataset("synthsuite/syntheory-tiny")
    assert "no local hub" in error.value.problem and str(hub_roots()[0]) in error.value.problem
    assert "HF_HUB_OFFLINE" in error.value.problem
    fix = error.value.fix
    assert "synthsuite generate syntheory --profile tiny" in fix
    assert "--dataset" in fix and "SYNTHSUITE_HUB" in fix
    predictions = tmp_path / "p.parquet"
    predictions.write_bytes(b"")
    done = run_cli("evaluate", str(predictions), "--task", "syntheory-tiny/notes")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--dataset DIR" in done.stderr and "SYNTHSUITE_HUB" in done.stderr
    with pytest.raises(UserError, match="not a repo id ORG/NAME"):
        open_dataset(str(tmp_path / "no" / "such" / "folder"))
