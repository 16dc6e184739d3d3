"""The leaderboard as people read it, in a real headless Chromium at two widths: a full-width table whose
model column stays put while the scores scroll, filters and search, the metric and its direction in
every header, ranks only among comparable rows, downloads, one per-layer figure per model; the Gradio
app's links, numbers and start-up lines; and a build that is atomic and cleans up after itself.

The models of test_leaderboard.py are submitted for real, plus two: `partial-probe` (two of the three
tasks) and a model whose name and layer names are mathtext (`$...$`). The table is then given a second
board of another suite (tempos moved to `lbfour`, suite `fourier`), as a store with two suites has.
"""

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from synthsuite.evaluation.tasks import TASKS_ENV
from synthsuite.kernel.errors import UserError
from synthsuite.leaderboard import site as site_module
from synthsuite.leaderboard.app import build_app, display, launch, link_markdown, view
from synthsuite.leaderboard.site import MARKER, build_site
from synthsuite.leaderboard.store import ResultsStore, model_key
from synthsuite.leaderboard.submission import read_submission, submit_local
from synthsuite.leaderboard.table import collect, write_table
from tests.test_leaderboard import (  # noqa: F401  (the *_fixture names register fixtures here)
    BENCHMARK,
    CARDS,
    make_submission,
    real_results_fixture,
    tasks_file_fixture,
)
from tests.test_leaderboard_browser import browser  # noqa: F401  (a fixture)

MATH = r"$\frac{1}{$ model"
MATH_LAYERS = (r"$x^", "block_1", "block_2", "head")  # for the four layers of noisy-probe
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(name="page")
def page_fixture(browser):  # noqa: F811  (the browser fixture)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert errors == []


def _edited_result(source: Path, target: Path, name: str, layers: tuple[str, ...] | None = None) -> None:
    """A copy of a results file for another model name (and its layers renamed, in order)."""
    result = json.loads(source.read_text())
    result["model"]["name"] = name
    if layers is not None:
        renamed = dict(zip(result["layers"], layers, strict=True))
        result["layers"] = {renamed[old]: scores for old, scores in result["layers"].items()}
        result["selected_layer"] = renamed[result["selected_layer"]]
    target.write_text(json.dumps(result))


@pytest.fixture(scope="module")
def built(real_results, tasks_file, tmp_path_factory) -> tuple[pd.DataFrame, Path, Path]:
    """(the table, the store root, the built site)."""
    root = tmp_path_factory.mktemp("layout")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TASKS_ENV, str(tasks_file))
        store = ResultsStore(root / "store")
        for i, model in enumerate(CARDS):
            submit_local(read_submission(make_submission(root / f"sub{i}", real_results, model)), store)
        partial = root / "partial"
        partial.mkdir()
        for concept in ("chords", "tempos"):
            _edited_result(
                real_results["oracle-probe"][concept], partial / f"{concept}.json", "partial-probe"
            )
        card = {**CARDS["oracle-probe"], "name": "partial-probe", "parameters": 1536, "link": "https://x.org/p"}
        (partial / "model.json").write_text(json.dumps(card))
        submit_local(read_submission(partial), store)
        math = root / "math"
        math.mkdir()
        for concept in ("chords", "notes", "tempos"):
            _edited_result(real_results["noisy-probe"][concept], math / f"{concept}.json", MATH, MATH_LAYERS)
        (math / "model.json").write_text(json.dumps({**CARDS["noisy-probe"], "name": MATH}))
        submit_local(read_submission(math), store)
        table = collect(store)
        moved = table["concept"] == "tempos"
        table.loc[moved, "benchmark"] = "lbfour"
        table.loc[moved, "suite"] = "fourier"
        build_site(table, store.root, root / "site", version="test")
    return table, store.root, root / "site"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_table_uses_the_width_and_keeps_the_model_column_in_place(built, page: Page, width, tmp_path):
    _, _, site = built
    page.set_viewport_size({"width": width, "height": 900})
    page.goto((site / "index.html").as_uri())
    page.screenshot(path=str(tmp_path / f"site-{width}.png"), full_page=True)
    assert (tmp_path / f"site-{width}.png").stat().st_size > 20_000
    viewport = page.evaluate("window.innerWidth")
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= viewport
    )  # the page never scrolls sideways
    box = page.locator(f"#board-{BENCHMARK}").bounding_box()
    holder = page.locator(f"#{BENCHMARK} .scroll")
    frame = holder.bounding_box()
    assert frame["width"] >= viewport - 60  # full width, less the page's margins
    overflow = holder.evaluate("e => e.scrollWidth - e.clientWidth")
    if width >= 1280:
        assert box["width"] >= frame["width"] - 1
    else:
        assert overflow > 100  # the score columns scroll inside the board, not off the page
    holder.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    model = page.locator(f"#board-{BENCHMARK} tbody td.model").first
    expect(model).to_be_visible()
    if overflow > 0:
        assert abs(model.bounding_box()["x"] - frame["x"]) <= 2  # stuck to the left edge while scrolled
    page.screenshot(path=str(tmp_path / f"site-{width}-scrolled.png"))


def test_every_score_column_names_its_metric_and_direction(built, page: Page):
    _, _, site = built
    page.goto((site / "index.html").as_uri())
    headers = page.locator(f"#board-{BENCHMARK} th.score")
    assert headers.count() == 3  # Mean, chords, notes
    labels = {
        h.get_attribute("data-task") or "mean": h.locator(".metric").inner_text() for h in headers.all()
    }
    assert labels == {
        "mean": "accuracy ↑",
        f"{BENCHMARK}/chords": "accuracy ↑",
        f"{BENCHMARK}/notes": "accuracy ↑",
    }
    assert page.locator("#board-lbfour th.score .metric").all_inner_texts() == ["R² ↑", "R² ↑"]


def _ranks(page: Page, board: str = BENCHMARK) -> dict[str, str]:
    rows = page.locator(f"#board-{board} tbody tr:not([hidden])")
    return {
        row.locator("td.model .name").inner_text(): row.locator("td.rank").inner_text() for row in rows.all()
    }


def test_ranks_count_only_comparable_rows(built, page: Page):
    _, _, site = built
    page.goto((site / "index.html").as_uri())
    ranks = _ranks(page)
    assert ranks["partial-probe"] == ""  # no mean without every task: not ranked against the others
    assert ranks["oracle-probe"] == "1"
    assert ranks["majority-probe"] == ranks["<script>window.__pwned=1</script>"]  # equal means share a rank
    numbers = sorted(int(r) for r in ranks.values() if r)
    assert numbers[0] == 1 and len(numbers) == len(ranks) - 1
    page.locator(f'#board-{BENCHMARK} th[data-task="{BENCHMARK}/chords"]').click()  # rank by chords
    by_chords = _ranks(page)
    assert by_chords["partial-probe"] == "1" == by_chords["oracle-probe"]  # both perfect: a tie
    page.locator("#search").fill("-probe")  # ranks close up among the rows still shown
    shown = _ranks(page)
    assert set(shown) == {"oracle-probe", "partial-probe", "majority-probe", "noisy-probe"}
    assert sorted(int(r) for r in shown.values()) == [1, 1, 3, 4]


def test_filters_and_search(built, page: Page):
    _, _, site = built
    page.goto((site / "index.html").as_uri())
    everyone = set(_ranks(page))
    page.locator("#search").fill("NOISY")
    assert set(_ranks(page)) == {"noisy-probe"}
    page.locator("#search").fill("")
    page.locator("#license").select_option("MIT")
    assert set(_ranks(page)) == {"oracle-probe", "partial-probe"}
    page.locator("#license").select_option("")
    page.locator("#synthetic").select_option("yes")
    assert set(_ranks(page)) == {"oracle-probe", "partial-probe"}
    page.locator("#synthetic").select_option("")
    page.locator("#verified").select_option("yes")  # none of these results carries its predictions
    assert _ranks(page) == {}
    expect(page.locator(f"#{BENCHMARK} .empty")).to_be_visible()
    page.locator("#verified").select_option("")
    page.locator("#suite").select_option("fourier")
    expect(page.locator(f"section#{BENCHMARK}")).to_be_hidden()
    expect(page.locator("section#lbfour")).to_be_visible()
    page.locator("#suite").select_option("")
    page.locator("#task").select_option(f"{BENCHMARK}/notes")
    assert set(_ranks(page)) == everyone - {"partial-probe"}  # it has no notes result
    expect(page.locator("section#lbfour")).to_be_hidden()
    assert page.locator("#shown").inner_text().startswith(f"{len(everyone) - 1} of ")


def test_the_table_downloads_as_csv_and_json(built):
    table, _, site = built
    assert len(pd.read_csv(site / "leaderboard.csv")) == len(table)
    assert len(json.loads((site / "leaderboard.json").read_text())) == len(table)
    board = json.loads((site / "boards" / f"{BENCHMARK}.json").read_text())
    assert board["suite"] == "syntheory" and [t["metric"] for t in board["tasks"]] == ["accuracy", "accuracy"]
    rows = {row["model"]: row for row in board["rows"]}
    assert rows["oracle-probe"]["rank"] == 1 and rows["partial-probe"]["rank"] is None
    assert (
        rows["oracle-probe"]["notes (accuracy ↑)"] == 1.0
        and rows["partial-probe"]["notes (accuracy ↑)"] is None
    )
    csv = pd.read_csv(site / "boards" / f"{BENCHMARK}.csv")
    assert list(csv.columns[:6]) == [
        "rank",
        "model",
        "revision",
        "mean (accuracy ↑)",
        "tasks",
        "chords (accuracy ↑)",
    ]
    html = (site / "index.html").read_text()
    assert 'href="leaderboard.csv" download' in html and f'href="boards/{BENCHMARK}.json" download' in html


def test_each_model_with_layers_gets_its_own_figure_on_its_own_layers(built):
    _, _, site = built
    figures = sorted(p.name for p in (site / "plots" / BENCHMARK).glob("layers-*.svg"))
    assert figures == sorted(f"layers-{model_key(m, 'v1')}.svg" for m in ("noisy-probe", MATH))
    math = (site / "plots" / BENCHMARK / f"layers-{model_key(MATH, 'v1')}.svg").read_text()
    assert all(layer in math for layer in MATH_LAYERS) and r"\frac{1}{" in math  # drawn as plain text
    noisy = (site / "plots" / BENCHMARK / f"layers-{model_key('noisy-probe', 'v1')}.svg").read_text()
    assert "block_1" not in noisy  # one model's layers never share an axis with another's
    assert "Per-layer scores, one figure per model" in (site / "index.html").read_text()


def test_the_build_is_atomic_cleans_up_and_keeps_out_of_the_store(built, tmp_path):
    table, store, site = built
    out = tmp_path / "site"
    shutil.copytree(site, out)
    before = (out / "index.html").read_bytes()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        for name in (".site.tmp-999999999", ".site.old-999999999", f".site.tmp-{sleeper.pid}"):
            (tmp_path / name).mkdir()
            (tmp_path / name / MARKER).write_text("")
        broken = table.copy()
        broken.loc[broken.index[0], "result_path"] = "no/such/result.json"  # fails halfway through
        with pytest.raises(FileNotFoundError):
            build_site(broken, store, out, version="test")
        assert (out / "index.html").read_bytes() == before  # the old site is still whole
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == [
            f".site.tmp-{sleeper.pid}"  # a live build's folder is never touched
        ]
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        (tmp_path / "a" / "x").write_text("a")
        assert site_module._exchange(tmp_path / "a", tmp_path / "b")  # this system swaps in one step
        assert (tmp_path / "b" / "x").read_text() == "a" and not (tmp_path / "a" / "x").exists()
        build_site(table, store, out, version="test")
        assert (out / MARKER).exists() and sorted(p.name for p in tmp_path.iterdir() if p.name[0] == ".") == [
            f".site.tmp-{sleeper.pid}"
        ]
    finally:
        sleeper.kill()
    with pytest.raises(UserError, match="inside \\(or holds\\) the results store"):
        build_site(table, store, store / "site", version="test")
    assert not (store / "site").exists()


def test_the_app_shows_links_counts_and_numbers_as_people_read_them(built):
    table, _, _ = built
    frame = view(table, BENCHMARK)
    shown = display(frame)
    rows = {row[1]: dict(zip(shown["headers"], values, strict=True)) for row, values in
            zip(shown["data"], shown["metadata"]["display_value"], strict=True)}  # fmt: skip
    assert rows["oracle-probe"]["Parameters"] == "1.5B" and rows["majority-probe"]["Parameters"] == "0"
    assert rows["<script>window.__pwned=1</script>"]["Parameters"] == "50M"
    assert rows["noisy-probe"]["Parameters"] == "" and rows["partial-probe"]["Parameters"] == "1.54k"
    assert rows["oracle-probe"]["chords · accuracy ↑"] == "1.000" and rows["partial-probe"]["#"] == ""
    scores = [row["notes · accuracy ↑"] for row in rows.values() if row["notes · accuracy ↑"]]
    assert all(len(s.split(".")[1]) == 3 for s in scores)  # one format per column
    raw = dict(zip(frame["Model"], frame["Parameters"], strict=True))
    assert raw["oracle-probe"] == 1_500_000_000  # the exact count sorts; the short one shows
    assert link_markdown("https://example.org/a(b)") == "[page](https://example.org/a%28b%29)"
    assert link_markdown("javascript:alert(1)") == "" and link_markdown(None) == ""
    assert view(table, BENCHMARK, search="ORACLE")["Model"].tolist() == ["oracle-probe"]
    assert view(table, BENCHMARK, verified="verified").empty


def test_serve_prints_its_address_and_no_share_hint(built, tmp_path):
    table, _, _ = built
    parquet = tmp_path / "leaderboard.parquet"
    write_table(table, parquet)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "synthsuite",
        "leaderboard",
        "serve",
        "--table",
        str(parquet),
        "--port",
        str(port),
    ]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, lines = time.monotonic() + 120, []
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            lines.append(line)
            if "serving the leaderboard on" in line or not line:
                break
        assert f"serving the leaderboard on http://127.0.0.1:{port}" in "".join(lines), lines
    finally:
        server.terminate()
        rest = server.communicate(timeout=30)[0]
    assert "share" not in "".join(lines) + rest


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_app_fits_the_screen_and_links_are_clickable(built, page: Page, width, tmp_path):
    table, _, _ = built
    app = build_app(table)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    launch(app, "127.0.0.1", port, block=False)
    try:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/")
        expect(page.locator('#board [role="gridcell"]').first).to_be_visible(timeout=30_000)
        page.screenshot(path=str(tmp_path / f"app-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
        if width >= 1280:  # the Link column is in view
            link = page.locator("#board a[href='https://example.org/oracle'] >> visible=true")
            expect(link).to_have_count(1)
        headers = page.locator("#board th").all_inner_texts()  # the first board: lbfour
        assert "Mean · R² ↑" in headers and "tempos · R² ↑" in headers
    finally:
        app.close()
