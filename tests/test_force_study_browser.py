"""The human-study form in a real headless Chromium (Debian's, driven by playwright): it opens from disk
with no server, shows every pair, and the answers a rater clicks download as the JSON `aggregate` reads."""

import json
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

from synthsuite.baselines.force.computed import write_video
from synthsuite.evaluation.force import study

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_a_rater_answers_in_the_form_and_the_download_aggregates(tmp_path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    rows = [
        {"sample_id": f"wind-{i:03d}", "scene_type": "fluid", "wind_angle": 10.0, "wind_speed": 0.5}
        for i in range(3)
    ]
    for model in ("a", "b"):
        (tmp_path / model).mkdir()
        for row in rows:
            frames = np.full((5, 32, 48, 3), 90 if model == "a" else 160, np.uint8)
            write_video(tmp_path / model / f"{row['sample_id']}.mp4", frames, 2.0)
    pairs = study.make_study(rows, tmp_path / "a", tmp_path / "b", tmp_path / "s", names=("a", "b"), seed=1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(accept_downloads=True)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((tmp_path / "s" / "index.html").as_uri())
        assert page.locator(".pair").count() == 3 and page.locator("video").count() == 6
        page.fill("#rater", "r7")
        for pair in pairs:  # model A on adherence, the right-hand video on the others
            page.check(
                f'input[name="{pair.pair}:adherence"][value="{"left" if pair.left == "A" else "right"}"]'
            )
            page.check(f'input[name="{pair.pair}:physics"][value="right"]')
            page.check(f'input[name="{pair.pair}:quality"][value="right"]')
        with page.expect_download() as download:
            page.click("#download")
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        browser.close()
    assert errors == [] and saved.name == "answers-r7.json"
    answers = json.loads(saved.read_text())
    assert answers["rater"] == "r7" and len(answers["answers"]) == 9
    table = study.aggregate(tmp_path / "s", [saved])["table"]["fluid"]
    assert table["adherence"]["percent_a"] == 100.0 and table["physics"]["n"] == 3
