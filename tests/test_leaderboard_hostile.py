"""Hostile and broken input, as an attacker or a careless user would send it, across `submit`,
`evaluate`, `leaderboard build` and `serve`.

Every refused input gets exactly one line `error: <problem>; fix: <fix>` and exit status 2, and the
results store is left byte for byte as it was. A bad entry already *in* a store (a hand-merged pull
request, a clone with odd files) never stops `build` or `serve`: it is listed as invalid with a
one-line reason, and nothing in the store is changed or followed.

Real pieces throughout: the tiny SynTheory build published into the test's local hub as
`synthsuite/syntheory-tiny` (its bytes are the pinned ones), predictions scored by the real
evaluator, the real CLI in this process.
"""

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthsuite.cli import main
from synthsuite.datasets_src import hub
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.predictions import MODEL_KEY, write_predictions
from synthsuite.evaluation.scoring import scorer_for
from synthsuite.evaluation.tasks import TASKS_ENV, get_task
from synthsuite.leaderboard.model_card import MODEL_CARD
from synthsuite.leaderboard.store import REFERENCE_ENV, RESULTS_ENV, ResultsStore, model_key
from synthsuite.leaderboard.table import INVALID, RANKED, collect
from synthsuite.leaderboard.verify import VERIFICATION

TASKS = ("syntheory-tiny/notes", "syntheory-tiny/tempos")
CARD = {"name": "probe", "link": None, "license": "MIT", "parameters": 10, "saw_synthetic_data": False}
MODEL = {"name": "probe", "revision": "v1"}


@pytest.fixture(scope="module")
def published(tiny_dataset, tmp_path_factory) -> Path:
    """The tiny build in a local hub of its own, where the tiny tasks look for their dataset."""
    root = tmp_path_factory.mktemp("hostile-hub")
    os.environ["SYNTHSUITE_HUB"] = str(root)
    try:
        hub.publish_local(tiny_dataset, "synthsuite/syntheory-tiny")
    finally:
        del os.environ["SYNTHSUITE_HUB"]
    return root


@pytest.fixture(autouse=True)
def _environment(published, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHSUITE_HUB", str(published))
    monkeypatch.delenv(TASKS_ENV, raising=False)
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "store"))
    monkeypatch.setenv(REFERENCE_ENV, str(tmp_path / "no-reference"))


@pytest.fixture(scope="module")
def template(published, tmp_path_factory) -> Path:
    """A valid verified submission: the card, and for each task the oracle's results and predictions."""
    folder = tmp_path_factory.mktemp("template")
    os.environ["SYNTHSUITE_HUB"] = str(published)
    try:
        for name in TASKS:
            task = get_task(name)
            source = scorer_for(task)
            refs = source.references(task, _source(task), task.eval_split)
            stem = name.split("/")[1]
            write_predictions(folder / f"{stem}.parquet", task, refs.ids, refs.values, MODEL)
            evaluate_predictions(task, folder / f"{stem}.parquet").write(folder / f"{stem}.json")
    finally:
        del os.environ["SYNTHSUITE_HUB"]
    (folder / MODEL_CARD).write_text(json.dumps(CARD))
    return folder


def _source(task):
    from synthsuite.datasets_src.access import open_dataset

    return open_dataset(task.dataset.repo_id, configs=[task.dataset.config])


def listing(root: Path) -> dict[str, bytes]:
    """Every file of a store and its bytes (links by their target), so that any change shows."""
    found = {}
    if root.exists():
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[relative] = os.readlink(path).encode()
            elif path.is_file():
                found[relative] = path.read_bytes()
    return found


def one_error_line(code: int, err: str) -> str:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "; fix: " in lines[0], err
    return lines[0]


@pytest.fixture
def store(template, tmp_path, capsys) -> Path:
    """A store holding one accepted submission (another model), so that 'unchanged' means something."""
    first = tmp_path / "first"
    shutil.copytree(template, first)
    for name in ("notes", "tempos"):
        _edit_json(first / f"{name}.json", lambda r: r["model"].update(revision="v0"))
        (first / f"{name}.parquet").unlink()  # self-reported, so the other revision needs no predictions
    assert main(["submit", str(first)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return tmp_path / "store"


def _edit_json(path: Path, edit: Callable[[dict], None]) -> None:
    raw = json.loads(path.read_text())
    edit(raw)
    path.write_text(json.dumps(raw))


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (old, text[:300])
    path.write_text(text.replace(old, new, 1))


def _one_id_everywhere(length: int, rows: int) -> pa.DictionaryArray:
    """One long id referenced by every row: small on disk (a dictionary), huge once decoded."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)), pa.array(["i" * length]))


def _predictions(path: Path, ids, values, model=MODEL, **columns) -> None:
    table = pa.table({"sample_id": ids, "prediction": values, **columns})
    table = table.replace_schema_metadata({MODEL_KEY: json.dumps(model).encode()})
    pq.write_table(table, path)


# --- submit ---------------------------------------------------------------------------------------

SUBMIT: dict[str, tuple[Callable[[Path], None], str]] = {}


def submit_case(message: str):
    def register(change):
        SUBMIT[change.__name__] = (change, message)
        return change

    return register


notes, tempos, card = "notes.json", "tempos.json", MODEL_CARD


@submit_case("twice in one object")
def duplicate_key_in_results(f):
    _replace(f / notes, '"main_score":', '"main_score": 0.0, "main_score":')


@submit_case("the non-standard token NaN")
def nan_in_a_field_that_is_not_a_score(f):
    _replace(f / notes, '"wall_seconds":', '"wall_seconds": NaN, "x_wall":')


@submit_case("the non-standard token Infinity")
def infinity_in_settings(f):
    _edit_json(f / notes, lambda r: r["settings"].update(limit=float("inf")))


@submit_case("the non-standard token -Infinity")
def negative_infinity_score(f):
    _edit_json(f / tempos, lambda r: r["scores"]["test"].update(r2=float("-inf")))


@submit_case("field 'scores.test.accuracy': Input should be a valid number")
def score_written_as_string(f):
    _edit_json(f / notes, lambda r: r["scores"]["test"].update(accuracy="1.0"))


@submit_case("field 'scores.test.accuracy': Input should be a valid number")
def score_written_as_boolean(f):
    _edit_json(f / notes, lambda r: r["scores"]["test"].update(accuracy=True))


@submit_case("field 'main_score': Input should be a valid number")
def main_score_written_as_string(f):
    _edit_json(f / notes, lambda r: r.update(main_score="1"))


@submit_case("has schema_version True")
def schema_version_as_boolean(f):
    _edit_json(f / notes, lambda r: r.update(schema_version=True))


@submit_case("has schema_version 1.0")
def schema_version_as_float(f):
    _replace(f / notes, '"schema_version": 1', '"schema_version": 1.0')


@submit_case("has schema_version 2")
def future_schema_version(f):
    _edit_json(f / notes, lambda r: r.update(schema_version=2))


@submit_case("nested deeper than 32 levels")
def deeply_nested_settings(f):
    nested: dict = {}
    for _ in range(40):
        nested = {"a": nested}
    _edit_json(f / notes, lambda r: r["settings"].update(deep=nested))


@submit_case("out of bounds")
def huge_integer_in_settings(f):
    _replace(f / notes, '"settings": {', '"settings": {"big": 100000000000000000000000000000,')


@submit_case("U+2028")
def line_separator_in_model_name(f):
    for name in (notes, tempos):
        _edit_json(f / name, lambda r: r["model"].update(name="pro\u2028be"))
    _edit_json(f / card, lambda r: r.update(name="pro\u2028be"))


@submit_case("U+2029")
def paragraph_separator_in_settings(f):
    _edit_json(f / notes, lambda r: r["settings"].update(note="a\u2029b"))


@submit_case("U+202E")
def bidi_override_in_details(f):
    _edit_json(f / notes, lambda r: r["model"]["details"].update(x="abc\u202edef"))


@submit_case("U+0000")
def escaped_nul_in_environment(f):
    _edit_json(f / notes, lambda r: r["environment"].update(cpu="x\u0000y"))


@submit_case("U+D800")
def lone_surrogate(f):
    _replace(f / notes, '"settings": {', '"settings": {"s": "\\ud800",')


@submit_case("starts with a byte-order mark")
def byte_order_mark(f):
    (f / notes).write_bytes(b"\xef\xbb\xbf" + (f / notes).read_bytes())


@submit_case("not UTF-8")
def not_utf8(f):
    (f / notes).write_bytes((f / notes).read_bytes().replace(b'"probe"', b'"pr\xffbe"', 1))


@submit_case("holds more than one JSON value")
def trailing_garbage(f):
    (f / notes).write_bytes((f / notes).read_bytes() + b" {}")


@submit_case("is not a JSON object")
def top_level_array(f):
    (f / notes).write_text("[1, 2]")


@submit_case("is not valid JSON (line ")
def truncated_results(f):
    data = (f / notes).read_bytes()
    (f / notes).write_bytes(data[: len(data) // 2])


@submit_case("not valid JSON")
def empty_results(f):
    (f / notes).write_bytes(b"")


@submit_case("dataset.repo_id 'my-lab/elsewhere' is not syntheory-tiny/notes's 'synthsuite/syntheory-tiny'")
def dataset_of_another_repo(f):
    _edit_json(f / notes, lambda r: r["dataset"].update(repo_id="my-lab/elsewhere"))


@submit_case("is not the revision syntheory-tiny/notes pins")
def revision_bumped(f):
    _edit_json(f / notes, lambda r: r["dataset"].update(revision="ab" * 32))


@submit_case("task version 9.9.9 is not")
def task_version_bumped(f):
    _edit_json(f / notes, lambda r: r["task"].update(version="9.9.9"))


@submit_case("scores.test: accuracy is 1.0 in the result but")
def score_and_main_score_raised_with_predictions(f):
    table = pq.read_table(f / "notes.parquet")
    wrong = pa.array(np.where(np.arange(table.num_rows) == 0, 11, 0).astype(np.int64))
    _predictions(f / "notes.parquet", table.column("sample_id"), wrong)


@submit_case("the predictions file names model 'someone-else'")
def predictions_of_another_model(f):
    table = pq.read_table(f / "notes.parquet")
    _predictions(
        f / "notes.parquet",
        table.column("sample_id"),
        table.column("prediction"),
        {"name": "someone-else", "revision": "v1"},
    )


@submit_case("ids of the split are missing")
def predictions_missing_rows(f):
    table = pq.read_table(f / "notes.parquet").slice(1)
    _predictions(f / "notes.parquet", table.column("sample_id"), table.column("prediction"))


@submit_case("is not a readable parquet file")
def predictions_not_parquet(f):
    (f / "notes.parquet").write_bytes(b"PAR1 this is not parquet at all PAR1")


@submit_case("far more than syntheory-tiny/notes's scored split")
def predictions_with_millions_of_rows(f):
    rows = 3_000_000  # constant columns: a few kB on disk
    _predictions(f / "notes.parquet", pa.repeat("x", rows), pa.repeat(0, rows))


@submit_case("holds 60,000 values, over the")
def predictions_list_that_expands(f):
    table = pq.read_table(f / "notes.parquet")
    lists = pa.array([[0] * 10_000] * table.num_rows, pa.list_(pa.int64()))
    _predictions(f / "notes.parquet", table.column("sample_id")[:6], lists[:6])


@submit_case("text column expands to over")
def predictions_ids_that_expand(f):
    _predictions(f / "notes.parquet", _one_id_everywhere(700_000, 1000), pa.repeat(0, 1000))


@submit_case("is no results file's predictions")
def predictions_without_results(f):
    shutil.copyfile(f / "notes.parquet", f / "chords.parquet")


@submit_case("is written by `synthsuite submit`, not submitted")
def forged_verification_record(f):
    (f / VERIFICATION).write_text("{}")


@submit_case("is not a regular file")
def fifo_in_folder(f):
    os.mkfifo(f / "scales.json")


@submit_case("is a symbolic link")
def link_to_dev_zero(f):
    (f / notes).unlink()
    (f / notes).symlink_to("/dev/zero")


@submit_case("is a symbolic link")
def model_card_link_outside(f):
    outside = f.parent / "outside.json"
    outside.write_text(json.dumps(CARD))
    (f / card).unlink()
    (f / card).symlink_to(outside)


@submit_case("is a folder")
def folder_named_like_json(f):
    (f / "scales.json").mkdir()


@submit_case("is over the 1,048,576-byte limit")
def oversized_results(f):
    _edit_json(f / notes, lambda r: r["settings"].update(pad="x" * 90_000))
    (f / notes).write_bytes((f / notes).read_bytes() + b" " * (1 << 20))


@submit_case("out of bounds")
def card_parameters_beyond_int64(f):
    _replace(f / card, '"parameters": 10', '"parameters": 100000000000000000000000')


@submit_case("field 'parameters': Input should be less than or equal to 1000000000000000")
def card_parameters_beyond_any_model(f):
    _edit_json(f / card, lambda r: r.update(parameters=10**17))


@submit_case("field 'parameters': Input should be a valid integer")
def card_parameters_as_string(f):
    _edit_json(f / card, lambda r: r.update(parameters="1000"))


@submit_case("field 'parameters': Input should be a valid integer")
def card_parameters_as_float(f):
    _edit_json(f / card, lambda r: r.update(parameters=10.5))


@submit_case("field 'saw_synthetic_data': Input should be a valid boolean")
def card_boolean_as_string(f):
    _edit_json(f / card, lambda r: r.update(saw_synthetic_data="true"))


@submit_case("field 'saw_synthetic_data': Input should be a valid boolean")
def card_boolean_as_number(f):
    _edit_json(f / card, lambda r: r.update(saw_synthetic_data=1))


@submit_case("twice in one object")
def card_duplicate_key(f):
    _replace(
        f / card, '"saw_synthetic_data": false', '"saw_synthetic_data": false, "saw_synthetic_data": true'
    )


@submit_case("field 'link': Value error, must be an http:// or https:// URL")
def card_script_link(f):
    _edit_json(f / card, lambda r: r.update(link="javascript:window.__pwned=1"))


@submit_case("U+000A")
def card_link_with_newline(f):
    _edit_json(f / card, lambda r: r.update(link="https://example.org/\nx"))


@submit_case("field 'extra': Extra inputs are not permitted")
def card_unknown_key(f):
    _edit_json(f / card, lambda r: r.update(extra=1))


@submit_case("field 'name': String should have at least 1 character")
def card_empty_name(f):
    _edit_json(f / card, lambda r: r.update(name=""))


@submit_case("model.name 'probe' is not the name in model.json ('other')")
def model_name_differs(f):
    _edit_json(f / card, lambda r: r.update(name="other"))


@submit_case("are both results of syntheory-tiny/notes")
def two_results_for_one_task(f):
    shutil.copyfile(f / notes, f / "notes-again.json")


@submit_case("unknown task 'syntheory-tiny/keys'")
def unknown_task(f):
    _edit_json(f / notes, lambda r: r["task"].update(name="syntheory-tiny/keys"))


@submit_case("file name 'notes results.json'")
def space_in_name(f):
    (f / notes).rename(f / "notes results.json")


@submit_case("file name 'notes.json\\u2028'")
def line_separator_in_file_name(f):
    (f / notes).rename(f / "notes.json\u2028")


@submit_case("entries, over 200")
def too_many_files(f):
    for i in range(200):
        (f / f"x{i}.json").write_text("{}")


@submit_case("has no model.json")
def no_model_card(f):
    (f / card).unlink()


@submit_case("the non-standard token NaN")
def nan_in_a_layer_score(f):
    _replace(f / notes, '"layers": null', '"layers": {"0": {"test": {"accuracy": NaN}}}')


@submit_case("field 'wall_seconds': Input should be greater than or equal to 0")
def negative_wall_seconds(f):
    _edit_json(f / notes, lambda r: r.update(wall_seconds=-1))


@submit_case("selected_layer 'b' is not one of the result's layers")
def selected_layer_unknown(f):
    _edit_json(f / notes, lambda r: r.update(layers={"a": {"test": {"accuracy": 0.5}}}, selected_layer="b"))


@pytest.mark.parametrize("case", sorted(SUBMIT))
def test_submit_refuses_with_one_line_and_leaves_the_store(case, template, store, tmp_path, capsys):
    change, message = SUBMIT[case]
    folder = tmp_path / "sub"
    shutil.copytree(template, folder)
    before = listing(store)
    change(folder)
    code = main(["submit", str(folder)])
    line = one_error_line(code, capsys.readouterr().err)
    assert message in line
    assert listing(store) == before


def test_a_valid_submission_is_verified_and_stored_as_read(template, store, tmp_path, capsys):
    folder = tmp_path / "sub"
    shutil.copytree(template, folder)
    assert main(["submit", str(folder)]) == 0, capsys.readouterr().err
    assert "(2 verified)" in capsys.readouterr().out
    [stored] = (store / model_key("probe", "v1")).iterdir()
    for name in ("notes", "tempos"):
        assert (stored / "syntheory-tiny" / f"{name}.json").read_bytes() == (
            folder / f"{name}.json"
        ).read_bytes()
        assert (stored / "syntheory-tiny" / f"{name}.parquet").read_bytes() == (
            folder / f"{name}.parquet"
        ).read_bytes()
    table = collect(ResultsStore(store))
    mine = table[table["model_revision"] == "v1"]
    assert mine["verified"].all() and (mine["status"] == RANKED).all()
    assert not table[table["model_revision"] == "v0"]["verified"].any()


SUBMIT_COMMAND: dict[str, tuple[list[str], str]] = {
    "folder_and_results": (["FOLDER", "--results", "FOLDER"], "pass either a submission folder or --results"),
    "results_without_card": (["--results", "FOLDER"], "--results and --model-card go together"),
    "no_results_found": (["--results", "EMPTY", "--model-card", "CARD"], "no results.json or *.results.json"),
    "missing_folder": (["NOWHERE"], "no submission folder"),
    "hub_and_store": (["FOLDER", "--hub", "a/b", "--store", "STORE"], "two different destinations"),
}


@pytest.mark.parametrize("case", sorted(SUBMIT_COMMAND))
def test_submit_command_misuse(case, template, store, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    places = {
        "FOLDER": str(template),
        "EMPTY": str(tmp_path / "empty"),
        "CARD": str(template / MODEL_CARD),
        "NOWHERE": str(tmp_path / "nowhere"),
        "STORE": str(store),
    }
    argv, message = SUBMIT_COMMAND[case]
    before = listing(store)
    code = main(["submit", *(places.get(a, a) for a in argv)])
    assert message in one_error_line(code, capsys.readouterr().err)
    assert listing(store) == before


# --- evaluate -------------------------------------------------------------------------------------

EVALUATE: dict[str, tuple[Callable[[Path, Path], None], str]] = {}


def evaluate_case(message: str):
    def register(change):
        EVALUATE[change.__name__] = (change, message)
        return change

    return register


@evaluate_case("far more than syntheory-tiny/notes's scored split")
def tiny_file_with_millions_of_rows(path, good):
    rows = 5_000_000  # run-length encoded: a few kB on disk, 5 M rows once decoded
    _predictions(path, pa.repeat("x", rows), pa.repeat(0, rows))


@evaluate_case("text column expands to over")
def ids_that_expand_to_gigabytes(path, good):
    _predictions(path, _one_id_everywhere(900_000, 1000), pa.repeat(0, 1000))


@evaluate_case("values, over the")
def list_column_that_expands(path, good):
    ids = pq.read_table(good).column("sample_id")
    _predictions(path, ids, pa.array([[1] * 50_000] * len(ids), pa.list_(pa.int8())))


@evaluate_case("its footer claims 3,221,225,472 bytes")
def footer_that_claims_gigabytes(path, good):
    data = good.read_bytes()
    path.write_bytes(data[:-8] + (3 << 30).to_bytes(4, "little") + b"PAR1")


@evaluate_case("its parquet footer is over 4 MiB")
def footer_of_many_megabytes(path, good):
    rows = 25_000  # one row per row group: a footer of several MB, parsed before any bound applies
    table = pa.table({"sample_id": pa.repeat("x", rows), "prediction": pa.repeat(0, rows)})
    pq.write_table(table, path, row_group_size=1, write_statistics=True)


@evaluate_case("is not a readable parquet file")
def not_parquet(path, good):
    path.write_bytes(b"\x00" * 64)


@evaluate_case("parquet metadata 'synthsuite.model' is not accepted JSON")
def model_metadata_with_duplicate_keys(path, good):
    table = pq.read_table(good)
    table = table.replace_schema_metadata({MODEL_KEY: b'{"name": "a", "name": "b", "revision": "v1"}'})
    pq.write_table(table, path)


@evaluate_case("parquet metadata 'synthsuite.model' is not accepted JSON")
def model_metadata_with_nan(path, good):
    table = pq.read_table(good)
    pq.write_table(table.replace_schema_metadata({MODEL_KEY: b'{"name": NaN}'}), path)


@evaluate_case("column 'prediction' has type struct")
def struct_predictions(path, good):
    ids = pq.read_table(good).column("sample_id")
    _predictions(path, ids, pa.array([{"a": 1}] * len(ids)))


@evaluate_case("column 'sample_id' must hold strings")
def integer_ids(path, good):
    _predictions(path, pa.array(range(6)), pa.array(range(6)))


@evaluate_case("has no column 'prediction'")
def missing_column(path, good):
    pq.write_table(pa.table({"sample_id": ["a"]}), path)


@pytest.mark.parametrize("case", sorted(EVALUATE))
def test_evaluate_bounds_predictions_before_decoding(case, template, tmp_path, capsys):
    change, message = EVALUATE[case]
    path = tmp_path / "hostile.parquet"
    change(path, template / "notes.parquet")
    out = tmp_path / "out.json"
    argv = ["evaluate", str(path), "--task", "syntheory-tiny/notes", "--model", "m", "--model-revision", "v"]
    code = main([*argv, "--out", str(out)])
    assert message in one_error_line(code, capsys.readouterr().err)
    assert not out.exists()


# --- build and serve ------------------------------------------------------------------------------

BUILD: dict[str, tuple[Callable[[Path], str], str]] = {}


def build_case(message: str):
    """`change(submission folder) -> path of the bad entry relative to the store`."""

    def register(change):
        BUILD[change.__name__] = (change, message)
        return change

    return register


def _result(s: Path, name: str = "notes") -> Path:
    return s / "syntheory-tiny" / f"{name}.json"


@build_case("not a regular file")
def fifo_as_result(s):
    _result(s).unlink()
    os.mkfifo(_result(s))
    return _result(s)


@build_case("a symbolic link (not followed)")
def result_linked_to_dev_zero(s):
    _result(s).unlink()
    _result(s).symlink_to("/dev/zero")
    return _result(s)


@build_case("symbolic link")
def model_card_linked_outside(s):
    outside = s.parents[2] / "outside-card.json"
    outside.write_text(json.dumps(CARD))
    (s / MODEL_CARD).unlink()
    (s / MODEL_CARD).symlink_to(outside)
    return _result(s)


@build_case("a symbolic link (not followed) where a submission folder belongs")
def submission_folder_linked_outside(s):
    outside = s.parents[2] / "outside"
    shutil.copytree(s, outside)
    link = s.parent / "20990101T000000Z-linked00"
    link.symlink_to(outside)
    return link


@build_case("a special file (FIFO, socket or device) where a submission folder belongs")
def fifo_as_model_key(s):
    os.mkfifo(s.parents[1] / "fifo-key__v-0000000000")
    return s.parents[1] / "fifo-key__v-0000000000"


@build_case("not a results file of this layout")
def folder_named_like_a_result(s):
    (s / "syntheory-tiny" / "scales.json").mkdir()
    (s / "syntheory-tiny" / "scales.json" / "x").write_text("{}")
    return s / "syntheory-tiny" / "scales.json" / "x"


@build_case("not valid JSON")
def truncated_result(s):
    data = _result(s).read_bytes()
    _result(s).write_bytes(data[:40])
    return _result(s)


@build_case("not UTF-8")
def non_utf8_result(s):
    _result(s).write_bytes(b"\xff\xfe" + _result(s).read_bytes())
    return _result(s)


@build_case("nested deeper than 32 levels")
def deeply_nested_result(s):
    _result(s).write_bytes(b"[" * 100_000 + b"]" * 100_000)
    return _result(s)


@build_case("twice in one object")
def duplicate_keys_in_stored_result(s):
    _replace(_result(s), '"main_score":', '"main_score": 1.0, "main_score":')
    return _result(s)


@build_case("out of bounds")
def card_with_huge_parameters(s):
    (s / MODEL_CARD).write_text(
        '{"name": "probe", "link": null, "license": "MIT", '
        '"parameters": 99999999999999999999999, "saw_synthetic_data": false}'
    )
    return _result(s)


@build_case("U+2028")
def card_with_line_separator(s):
    (s / MODEL_CARD).write_text(json.dumps({**CARD, "license": "MIT\u2028<b>"}))
    return _result(s)


@build_case("is over the 1,048,576-byte limit")
def oversized_stored_result(s):
    _result(s).write_bytes(b" " * (2 << 20))
    return _result(s)


@build_case(f"{VERIFICATION} does not match the stored files")
def score_edited_after_verification(s):
    _edit_json(_result(s), lambda r: r["scores"]["test"].update(macro_f1=0.5))
    return _result(s)


@build_case("the non-standard token NaN")
def verification_record_with_nan(s):
    _replace(s / VERIFICATION, '"schema_version": 1', '"schema_version": NaN')
    return _result(s)


@build_case("holds over 1000 entries")
def a_million_files(s):
    for i in range(1001):
        (s / f"junk{i}").touch()
    return s


@build_case("is not syntheory-tiny/notes's 'synthsuite/syntheory-tiny'")
def stored_result_of_another_repo(s):
    _edit_json(_result(s), lambda r: r["dataset"].update(repo_id="my-lab/elsewhere"))
    return _result(s)


@build_case("a folder deeper than results lie")
def folders_nested_deep(s):
    deep = s / "syntheory-tiny" / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "notes.json").write_text("{}")
    return s / "syntheory-tiny" / "a" / "b"


@build_case("a submission folder without results files")
def empty_submission_folder(s):
    empty = s.parent / "20990101T000000Z-empty000"
    empty.mkdir()
    (empty / MODEL_CARD).write_text(json.dumps(CARD))
    return empty


@build_case("not a results file of this layout")
def stray_file_in_submission(s):
    (s / "notes.exe").write_bytes(b"MZ")
    return s / "notes.exe"


@pytest.fixture
def verified_store(template, tmp_path, capsys) -> Path:
    folder = tmp_path / "sub"
    shutil.copytree(template, folder)
    assert main(["submit", str(folder)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return tmp_path / "store"


@pytest.mark.parametrize("case", sorted(BUILD))
def test_build_lists_a_bad_entry_and_never_stops(case, verified_store, tmp_path, capsys):
    change, message = BUILD[case]
    [submission] = (verified_store / model_key("probe", "v1")).iterdir()
    bad = change(submission)
    before = listing(verified_store)
    site = tmp_path / "site"
    code = main(["leaderboard", "build", "--store", str(verified_store), "--out", str(site)])
    assert code == 0, capsys.readouterr().err
    table = collect(ResultsStore(verified_store))
    where = bad.relative_to(verified_store).as_posix()
    rows = table[table["result_path"].str.startswith(where) | (table["result_path"] == where)]
    assert not rows.empty, table[["result_path", "status", "reason"]]
    assert (rows["status"] == INVALID).all()
    reasons = rows["reason"].tolist()
    assert any(message in r for r in reasons), reasons
    assert all("\n" not in r and "\u2028" not in r for r in reasons)
    assert listing(verified_store) == before
    assert (site / "leaderboard.parquet").is_file()


def test_build_refuses_an_out_inside_the_store(verified_store, capsys):
    before = listing(verified_store)
    code = main(
        ["leaderboard", "build", "--store", str(verified_store), "--out", str(verified_store / "site")]
    )
    assert "is inside (or holds) the results store" in one_error_line(code, capsys.readouterr().err)
    assert listing(verified_store) == before


def test_serve_reads_a_hostile_store_and_a_broken_table(verified_store, tmp_path, capsys):
    from synthsuite.leaderboard.app import build_app, view

    [submission] = (verified_store / model_key("probe", "v1")).iterdir()
    for change in (
        fifo_as_model_key,
        submission_folder_linked_outside,
        folder_named_like_a_result,
        stray_file_in_submission,
        result_linked_to_dev_zero,
        card_with_line_separator,
    ):
        change(submission)
    table = collect(ResultsStore(verified_store))
    assert (table["status"] == INVALID).any()
    build_app(table)
    view(table, "syntheory-tiny")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1garbagePAR1")
    code = main(["leaderboard", "serve", "--table", str(broken)])
    assert "cannot read the leaderboard table" in one_error_line(code, capsys.readouterr().err)


def test_names_that_matplotlib_would_read_as_mathtext_are_drawn_as_text(template, tmp_path, capsys):
    """A model name and layer names with `$...$` and TeX commands: the build draws them, it does not
    parse them (a malformed formula used to fail every later build)."""
    folder = tmp_path / "sub"
    shutil.copytree(template, folder)
    name = r"$\frac{1}{$ probe"
    layers = {r"$\frac{": {"test": {"accuracy": 0.5}}, r"^_$x$": {"test": {"accuracy": 1.0}}}
    for stem in ("notes", "tempos"):
        (folder / f"{stem}.parquet").unlink()  # self-reported: the edited files are not verified
        _edit_json(folder / f"{stem}.json", lambda r: r["model"].update(name=name))
    _edit_json(folder / "notes.json", lambda r: r.update(layers=layers, selected_layer=r"^_$x$"))
    _edit_json(folder / MODEL_CARD, lambda r: r.update(name=name))
    assert main(["submit", str(folder)]) == 0, capsys.readouterr().err
    site = tmp_path / "site"
    assert main(["leaderboard", "build", "--out", str(site)]) == 0, capsys.readouterr().err
    table = collect(ResultsStore(tmp_path / "store"))
    assert (table["status"] == RANKED).all() and table["has_layers"].any()
    assert any(site.glob("plots/**/*.svg"))
