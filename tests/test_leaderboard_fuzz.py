"""Property-based fuzzing (hypothesis) of every reader of user input the leaderboard relies on.

Whatever bytes arrive, a reader either returns a valid value or raises its one error type with a
single line; it never raises anything else, never accepts what the strict rules refuse (NaN,
repeated keys, line separators, numbers out of bounds), and a store holding the fuzzed bytes is
listed, not crashed on, and left unchanged.
"""

import json
import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthsuite.evaluation.predictions import MODEL_KEY, open_predictions
from synthsuite.evaluation.results import parse_result
from synthsuite.evaluation.syntheory.tasks import TASKS
from synthsuite.kernel.errors import UserError
from synthsuite.kernel.strict_json import FORBIDDEN, MAX_DEPTH, MAX_NUMBER, StrictJSONError, loads
from synthsuite.leaderboard.model_card import parse_model_card
from synthsuite.leaderboard.store import ResultsStore
from synthsuite.leaderboard.table import INVALID, collect
from synthsuite.leaderboard.verify import read_record

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TASK = next(t for t in TASKS if t.name == "syntheory-tiny/notes")

RESULT = {
    "schema_version": 1,
    "task": {"name": "syntheory-tiny/notes", "version": "1.0.0"},
    "dataset": {
        "repo_id": "synthsuite/syntheory-tiny",
        "config": "notes",
        "revision": TASK.dataset.revision,
        "source_revision": "0" * 64,
    },
    "model": {"name": "m", "revision": "v1", "details": {}},
    "main_score": 0.5,
    "scores": {"test": {"accuracy": 0.5, "macro_f1": 0.4}},
    "layers": None,
    "selected_layer": None,
    "seeds": [0],
    "synthsuite_version": "0.1.0",
    "environment": {"python": "3.11"},
    "wall_seconds": 1.0,
    "settings": {},
}
CARD = {"name": "m", "link": None, "license": "MIT", "parameters": 3, "saw_synthetic_data": True}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def single_line(exc: Exception) -> None:
    text = str(exc)
    assert "\n" not in text and "\r" not in text and "\u2028" not in text and "\u2029" not in text


def accepted(value, depth: int = 1) -> bool:
    """What the strict reader accepts, written independently of it."""
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return abs(value) <= MAX_NUMBER
    if isinstance(value, float):
        return math.isfinite(value) and abs(value) <= MAX_NUMBER
    if isinstance(value, str):
        return not FORBIDDEN.search(value)
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, list):
        return all(accepted(v, depth + 1) for v in value)
    return all(accepted(k) and accepted(v, depth + 1) for k, v in value.items())


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_give_one_strict_error(data):
    try:
        value = loads(data)
    except StrictJSONError as exc:
        single_line(exc)
        return
    assert accepted(value)


@FUZZ
@given(values)
def test_json_values_round_trip_exactly_when_the_rules_allow_them(value):
    data = json.dumps(value, allow_nan=True).encode()
    if accepted(value):
        assert loads(data) == value or (value != value)  # nothing is coerced
    else:
        with pytest.raises(StrictJSONError):
            loads(data)


@FUZZ
@given(st.text(max_size=6), values, values)
def test_a_repeated_key_is_always_refused(key, first, second):
    data = b'{"' + json.dumps(key)[1:-1].encode() + b'": ' + json.dumps(first).encode()
    data += b', "' + json.dumps(key)[1:-1].encode() + b'": ' + json.dumps(second).encode() + b"}"
    with pytest.raises(StrictJSONError):
        loads(data)


def _mutations(base: dict) -> st.SearchStrategy[bytes]:
    """A valid document with one field replaced by any value, or its bytes cut or flipped."""
    encoded = json.dumps(base).encode()

    def replace(path_value):
        (path, value) = path_value
        document = json.loads(json.dumps(base))
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return json.dumps(document, allow_nan=True).encode()

    paths = st.sampled_from(
        [p for p in (("main_score",), ("scores", "test", "accuracy"), ("model", "name"), ("schema_version",),
                     ("wall_seconds",), ("seeds",), ("settings",), ("name",), ("parameters",),
                     ("saw_synthetic_data",), ("link",), ("license",)) if p[0] in base]
    )  # fmt: skip
    cut = st.integers(0, len(encoded)).map(lambda n: encoded[:n])
    flip = st.tuples(st.integers(0, len(encoded) - 1), st.integers(0, 255)).map(
        lambda t: encoded[: t[0]] + bytes([t[1]]) + encoded[t[0] + 1 :]
    )
    return st.tuples(paths, values).map(replace) | cut | flip


@FUZZ
@given(_mutations(RESULT))
def test_results_reader_returns_a_result_or_one_user_error(data):
    try:
        result = parse_result(data, "fuzzed.json")
    except UserError as exc:
        single_line(exc)
        return
    assert isinstance(result.main_score, float) and math.isfinite(result.main_score)
    assert result.schema_version == 1 and not isinstance(result.wall_seconds, bool)


@FUZZ
@given(_mutations(CARD))
def test_model_card_reader_returns_a_card_or_one_user_error(data):
    try:
        card = parse_model_card(data, "model.json")
    except UserError as exc:
        single_line(exc)
        return
    assert card.parameters is None or (type(card.parameters) is int and 0 <= card.parameters <= 10**15)
    assert type(card.saw_synthetic_data) is bool and not FORBIDDEN.search(card.name + card.license)


@FUZZ
@given(st.binary(max_size=200) | _mutations({"schema_version": 1, "synthsuite_version": "x", "entries": {}}))
def test_verification_reader_returns_a_record_or_one_user_error(data):
    try:
        read_record(data, "verification.json")
    except UserError as exc:
        single_line(exc)


@pytest.fixture(scope="module")
def predictions_file(tmp_path_factory) -> bytes:
    ids = [f"notes-{i:05d}" for i in range(8)]
    table = pa.table({"sample_id": ids, "prediction": pa.array(list(range(8)), pa.int64())})
    table = table.replace_schema_metadata({MODEL_KEY: json.dumps({"name": "m", "revision": "v"}).encode()})
    path = tmp_path_factory.mktemp("fuzz") / "p.parquet"
    pq.write_table(table, path)
    return path.read_bytes()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_predictions_reader_returns_columns_or_one_user_error(predictions_file, tmp_path, data):
    position = data.draw(st.integers(0, len(predictions_file) - 1))
    byte = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(position + 1, len(predictions_file)))
    mutated = predictions_file[:position] + bytes([byte]) + predictions_file[position + 1 : cut]
    path = tmp_path / "p.parquet"
    path.write_bytes(mutated)
    try:
        ids, column, _ = open_predictions(path, TASK, max_rows=100)
    except UserError as exc:
        single_line(exc)
        return
    assert len(ids) == len(column) <= 100


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_mutations(RESULT), _mutations(CARD))
def test_a_store_of_fuzzed_files_is_listed_and_left_unchanged(tmp_path_factory, result, card):
    root = tmp_path_factory.mktemp("fuzzed-store")
    folder = root / "m__v1-0000000000" / "20250101T000000Z-00000000"
    (folder / "syntheory-tiny").mkdir(parents=True)
    (folder / "model.json").write_bytes(card)
    (folder / "syntheory-tiny" / "notes.json").write_bytes(result)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    table = collect(ResultsStore(root))
    assert len(table) == 1
    row = table.iloc[0]
    assert row["status"] == INVALID  # the folder is not the model's key, whatever the bytes say
    assert "\n" not in row["reason"]
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_fuzzing_reaches_both_outcomes():
    """The generators above produce accepted and refused documents (a fuzzer that only ever
    produced one kind would prove nothing)."""
    valid = json.dumps(RESULT).encode()
    assert parse_result(valid, "x").main_score == 0.5
    with pytest.raises(UserError):
        parse_result(valid.replace(b"0.5", b"NaN", 1), "x")
