"""The leaderboard in a real headless Chromium (Debian's, driven by playwright): the static site
sorts, the Gradio app filters, and a model named `<script>...` is shown as text and runs nothing.

The four models of test_leaderboard.py are submitted for real; the table is then given a
`javascript:` link for the script-named model, as a hand-edited store or table could (submission
refuses such links; the pages must not depend on that).
"""

import socket
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from synthsuite.evaluation.tasks import TASKS_ENV
from synthsuite.leaderboard.app import build_app, launch
from synthsuite.leaderboard.site import build_site
from synthsuite.leaderboard.store import ResultsStore
from synthsuite.leaderboard.submission import read_submission, submit_local
from synthsuite.leaderboard.table import board, collect
from tests.test_leaderboard import (  # noqa: F401  (the *_fixture names register fixtures here)
    BENCHMARK,
    CARDS,
    XSS_NAME,
    make_submission,
    real_results_fixture,
    tasks_file_fixture,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCRIPT_LINK = "javascript:window.__pwned=1"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh user-data-dir
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        yield context
        context.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert errors == []


@pytest.fixture(scope="module")
def leaderboard(real_results, tasks_file, tmp_path_factory) -> tuple[pd.DataFrame, Path]:
    """(the table, the built site folder)."""
    root = tmp_path_factory.mktemp("leaderboard")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TASKS_ENV, str(tasks_file))
        store = ResultsStore(root / "store")
        for i, model in enumerate(CARDS):
            submit_local(read_submission(make_submission(root / f"sub{i}", real_results, model)), store)
        table = collect(store)
        table.loc[table["model"] == XSS_NAME, "link"] = SCRIPT_LINK
        build_site(table, store.root, root / "site", version="test")
    return table, root / "site"


def _stable_sort(models: list[str], key: dict[str, float | None], *, descending: bool) -> list[str]:
    """What the page's sort gives: stable (ties keep their order), missing values last either way."""
    present = sorted(
        (m for m in models if key[m] is not None), key=lambda m: -key[m] if descending else key[m]
    )
    return present + [m for m in models if key[m] is None]


def test_static_site_sorts_by_the_clicked_column(leaderboard, page: Page):
    table, site = leaderboard
    wide = board(table, BENCHMARK)
    page.goto((site / "index.html").as_uri())
    models = page.locator(f"#board-{BENCHMARK} tbody td.model .name")
    default = wide["model"].tolist()
    assert models.all_inner_texts() == default  # best mean first
    notes = dict(zip(wide["model"], wide["notes"], strict=True))
    header = page.locator(f'#board-{BENCHMARK} th[data-task="{BENCHMARK}/notes"]')

    header.click()  # scores sort best first
    expect(header).to_have_attribute("aria-sort", "descending")
    descending = _stable_sort(default, notes, descending=True)
    assert models.all_inner_texts() == descending
    header.click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    ascending = _stable_sort(descending, notes, descending=False)
    assert models.all_inner_texts() == ascending and ascending != default

    by_size = page.locator(f"#board-{BENCHMARK} th", has_text="Parameters")
    by_size.click()  # numbers, largest first (1.5B, 50M, 0); the model with no count stays last both ways
    assert models.all_inner_texts() == ["oracle-probe", XSS_NAME, "majority-probe", "noisy-probe"]
    by_size.click()
    assert models.all_inner_texts() == ["majority-probe", XSS_NAME, "oracle-probe", "noisy-probe"]

    score_link = page.locator(f"#board-{BENCHMARK} tbody tr").first.locator("td a[href^='results/']").first
    assert (site / score_link.get_attribute("href")).is_file()  # provenance: the result file itself


def test_static_site_shows_a_script_name_as_text(leaderboard, page: Page):
    _, site = leaderboard
    page.goto((site / "index.html").as_uri())
    cell = page.locator(f"#board-{BENCHMARK} td.model .name", has_text=XSS_NAME)
    expect(cell).to_be_visible()
    assert cell.inner_text() == XSS_NAME
    expect(page.get_by_role("cell", name="<b>bold</b>")).to_be_visible()  # the license, as text
    assert page.locator("td b").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0  # the script link is not a link
    cell.click()
    page.locator(f"#board-{BENCHMARK} th", has_text="Model").click()
    assert page.evaluate("typeof window.__pwned") == "undefined"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gradio_app_renders_filters_and_shows_a_script_name_as_text(leaderboard, page: Page):
    table, _ = leaderboard
    app = build_app(table)
    port = _free_port()
    launch(app, "127.0.0.1", port, block=False)
    try:
        wide = board(table, BENCHMARK)
        saw, counted = wide["saw_synthetic_data"].astype(bool), wide["parameters"].notna()
        page.goto(f"http://127.0.0.1:{port}/")
        models = page.locator('#board [role="gridcell"][data-col="1"]')
        expect(models).to_have_text(wide["model"].tolist())
        expect(models.filter(has_text=XSS_NAME)).to_be_visible()
        assert page.locator("#board a[href^='javascript']").count() == 0  # the script link is no link
        expect(page.locator("#board a[href='https://example.org/oracle'] >> visible=true")).to_have_count(1)

        page.locator("#saw").get_by_text("yes", exact=True).click()
        expect(models).to_have_text(wide.loc[saw, "model"].tolist())
        page.locator("#saw").get_by_text("no", exact=True).click()
        expect(models).to_have_text(wide.loc[~saw, "model"].tolist())
        page.locator("#parameters").get_by_text("unknown", exact=True).click()  # drop models with no count
        expect(models).to_have_text(wide.loc[~saw & counted, "model"].tolist())
        assert len(wide.loc[~saw & counted]) == 2
        assert page.evaluate("typeof window.__pwned") == "undefined"
    finally:
        app.close()
