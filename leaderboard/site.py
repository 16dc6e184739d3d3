"""The static leaderboard site: index.html, the parquet table, plots and a copy of every result.

    <out>/index.html              one sortable table per benchmark, its plots, the results not ranked
    <out>/leaderboard.parquet     the table (table.SCHEMA), which the Gradio app and app.py read
    <out>/results/<store path>    each result JSON as stored: the provenance every score links to
    <out>/plots/<benchmark>/      a bar chart per task; per-layer curves where results have layers
    <out>/style.css, sort.js      no CDN, so the site works offline and from file://

Everything a submitter wrote (model names, licenses, links, folder names) is HTML-escaped;
links are rendered only when they are http(s). The page's Content-Security-Policy allows only
its own files, so even text that slipped past escaping could not run a script. The site is built
in a sibling folder and renamed over `out`, so a failed build leaves the previous site intact.
"""

import html
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from synthsuite.evaluation.tasks import registry
from synthsuite.kernel.errors import UserError
from synthsuite.leaderboard import plots
from synthsuite.leaderboard.assets import SORT_JS, STYLE_CSS
from synthsuite.leaderboard.model_card import is_web_link
from synthsuite.leaderboard.table import (
    BOARD_COLUMNS,
    INVALID,
    RANKED,
    STALE,
    benchmarks,
    board,
    higher_is_better,
    write_table,
)

MARKER = ".synthsuite-site"  # marks a folder this module wrote, which a rebuild may replace
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'"


@dataclass(frozen=True)
class SiteReport:
    results: int
    ranked: int
    stale: int
    invalid: int
    plots: int


def build_site(table: pd.DataFrame, store_root: Path, out: Path, *, version: str) -> SiteReport:
    """Write the site for `table` (collected from the store at `store_root`) into `out`."""
    _check_replaceable(out)
    staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        (staging / MARKER).write_text("built by `synthsuite leaderboard build`; rebuilt in place\n")
        (staging / "style.css").write_text(STYLE_CSS)
        (staging / "sort.js").write_text(SORT_JS)
        write_table(table, staging / "leaderboard.parquet")
        _copy_results(table, store_root, staging / "results")
        figures = {b: _plots(table, b, store_root, staging) for b in benchmarks(table)}
        built = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        (staging / "index.html").write_text(render_page(table, figures, version=version, built=built))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _replace(out, staging)
    counts = table["status"].value_counts()
    return SiteReport(
        results=len(table),
        ranked=int(counts.get(RANKED, 0)),
        stale=int(counts.get(STALE, 0)),
        invalid=int(counts.get(INVALID, 0)),
        plots=sum(len(f) for f in figures.values()),
    )


def _check_replaceable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file", "pass a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UserError(
            f"{out} is not empty and was not written by `synthsuite leaderboard build`",
            "pass a new or empty folder (or one an earlier build wrote)",
        )


def _replace(out: Path, staging: Path) -> None:
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _copy_results(table: pd.DataFrame, store_root: Path, target: Path) -> None:
    """Copy each readable result (those with a sha256: no links, nothing oversized) as stored."""
    for path in table.loc[table["result_sha256"].notna(), "result_path"]:
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(store_root / path, destination)


def _labels(rows: pd.DataFrame) -> pd.Series:
    """Model names, with the revision added where one name has several revisions among `rows`."""
    models = rows.drop_duplicates("model_key")
    repeated = models.loc[models["model"].duplicated(keep=False), "model"]
    return rows["model"].where(~rows["model"].isin(repeated), rows["model"] + " @ " + rows["model_revision"])


def _plots(table: pd.DataFrame, benchmark: str, store_root: Path, site: Path) -> list[tuple[str, str]]:
    """Draw the benchmark's figures; return (path relative to the site, caption) of each."""
    ranked = table[(table["status"] == RANKED) & (table["benchmark"] == benchmark)]
    ranked = ranked.assign(label=_labels(ranked))
    tasks = registry()
    figures = []
    for concept, rows in ranked.groupby("concept"):  # in name order
        task = tasks[f"{benchmark}/{concept}"]
        metric = task.main_score
        best_first = rows.sort_values("main_score", ascending=not task.metric(metric).higher_is_better)
        relative = f"plots/{benchmark}/{concept}.svg"
        plots.bar_chart(
            list(zip(best_first["label"], best_first["main_score"], strict=True)),
            title=f"{task.name}: {metric} on {task.eval_split}",
            metric=metric,
            path=site / relative,
        )
        figures.append((relative, f"{task.name}: {metric} of the best {plots.MAX_BARS} models"))
        layered = best_first[best_first["has_layers"]].head(plots.MAX_CURVES)
        if not layered.empty:
            curves = {
                row.label: _layer_points(store_root / row.result_path, task.eval_split, metric)
                for row in layered.itertuples()
            }
            relative = f"plots/{benchmark}/{concept}-layers.svg"
            plots.layer_curves(
                curves, title=f"{task.name}: {metric} per layer", metric=metric, path=site / relative
            )
            figures.append((relative, f"{task.name}: {metric} at each layer"))
    return figures


def _layer_points(path: Path, split: str, metric: str) -> list[tuple[int | str, float]]:
    layers = json.loads(path.read_text())["layers"]
    numbered = all(name.isdigit() for name in layers)
    order = sorted(layers, key=int) if numbered else list(layers)
    return [
        (int(name) if numbered else name, layers[name][split][metric])
        for name in order
        if metric in layers[name].get(split, {})
    ]


# --- HTML ---------------------------------------------------------------------------------------

_e = html.escape


def _count(n: float | None) -> str:
    if n is None or pd.isna(n):
        return ""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return str(int(n))


def _td(text: str, *, value: object = None, css: str = "", raw: bool = False) -> str:
    """A cell; `value` is what it sorts by, `raw` marks `text` as already-escaped HTML."""
    attrs = f' class="{css}"' if css else ""
    if value is not None:
        attrs += f' data-value="{_e("" if pd.isna(value) else str(value))}"'
    return f"<td{attrs}>{text if raw else _e(text)}</td>"


def _th(text: str, *, number: bool = False, first: str = "ascending") -> str:
    css = ' class="number"' if number else ""
    return f'<th scope="col"{css} data-first="{first}">{_e(text)}</th>'


def _model_cell(name: str, link: object) -> str:
    if isinstance(link, str) and is_web_link(link):
        return f'<a href="{_e(link)}" rel="nofollow noopener noreferrer">{_e(name)}</a>'
    return _e(name)


def _result_link(path: str, text: str) -> str:
    return f'<a href="results/{_e(quote(path))}">{_e(text)}</a>'


def _board_html(table: pd.DataFrame, benchmark: str) -> str:
    wide = board(table, benchmark)
    if wide.empty:
        return '<p class="muted">No ranked results yet.</p>'
    concepts = list(wide.columns[len(BOARD_COLUMNS) :])
    higher = higher_is_better(table, benchmark)
    best_first = {c: "descending" if higher[c] else "ascending" for c in concepts}
    mean_first = "ascending" if set(higher.values()) == {False} else "descending"
    ranked = table[(table["status"] == RANKED) & (table["benchmark"] == benchmark)]
    paths = ranked.set_index(["model_key", "concept"])["result_path"]
    head = [
        _th("#", number=True),
        _th("Model"),
        _th("Revision"),
        _th("Parameters", number=True, first="descending"),
        _th("License"),
        _th("Saw synthetic data"),
        _th("Mean", number=True, first=mean_first),
        _th("Tasks", number=True, first="descending"),
        *(_th(c, number=True, first=best_first[c]) for c in concepts),
    ]
    body = []
    for rank, (key, row) in enumerate(wide.iterrows(), start=1):
        cells = [
            _td(str(rank), value=rank, css="number"),
            _td(_model_cell(row["model"], row["link"]), css="model", raw=True),
            _td(row["model_revision"]),
            _td(_count(row["parameters"]), value=row["parameters"], css="number"),
            _td(row["license"] or ""),
            _td("yes" if row["saw_synthetic_data"] else "no"),
            _td("" if pd.isna(row["mean"]) else f"{row['mean']:.3f}", value=row["mean"], css="number"),
            _td(f"{row['tasks']}/{len(concepts)}", value=row["tasks"], css="number"),
        ]
        for concept in concepts:
            score = row[concept]
            text = "" if pd.isna(score) else _result_link(paths[(key, concept)], f"{score:.3f}")
            cells.append(_td(text, value=score, css="number", raw=True))
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table class="sortable board" id="board-{_e(benchmark)}">'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _not_ranked_html(table: pd.DataFrame) -> str:
    rows = table[table["status"] != RANKED].sort_values(["status", "benchmark", "task", "model"])
    if rows.empty:
        return ""
    head = "".join(_th(t) for t in ("Model", "Revision", "Task", "Status", "Reason"))
    body = "".join(
        "<tr>"
        + _td(row.model or "")
        + _td(row.model_revision or "")
        + _td(
            _result_link(row.result_path, row.task) if isinstance(row.result_sha256, str) else _e(row.task),
            raw=True,
        )
        + _td(row.status)
        + _td(row.reason or "")
        + "</tr>"
        for row in rows.itertuples()
    )
    return (
        '<section id="not-ranked"><h2>Not ranked</h2>'
        "<p>Stale results were computed on another dataset revision or task version than the task "
        "pins now; they are never merged with current ones. Invalid results fail a check.</p>"
        f'<table class="sortable" id="not-ranked-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></section>"
    )


def _figures_html(figures: Iterable[tuple[str, str]]) -> str:
    return "".join(
        f'<figure><img src="{_e(path)}" alt="{_e(caption)}"><figcaption>{_e(caption)}</figcaption></figure>'
        for path, caption in figures
    )


def render_page(
    table: pd.DataFrame, figures: dict[str, list[tuple[str, str]]], *, version: str, built: str
) -> str:
    counts = table["status"].value_counts()
    sections = "".join(
        f'<section id="{_e(b)}"><h2>{_e(b)}</h2>{_board_html(table, b)}{_figures_html(figures[b])}</section>'
        for b in benchmarks(table)
    )
    nav = " · ".join(f'<a href="#{_e(b)}">{_e(b)}</a>' for b in benchmarks(table))
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>synthsuite leaderboard</title>
<link rel="stylesheet" href="style.css">
<script src="sort.js" defer></script>
</head>
<body>
<h1>synthsuite leaderboard</h1>
<p class="muted">{len(table)} results: {counts.get(RANKED, 0)} ranked, {counts.get(STALE, 0)} stale,
{counts.get(INVALID, 0)} invalid. Built {_e(built)} with synthsuite {_e(version)}.
The whole table: <a href="leaderboard.parquet">leaderboard.parquet</a>. Each score links to its result
file. A model's mean is over the board's tasks and given only when it has all of them.
Click a column header to sort.</p>
<nav>{nav}</nav>
{sections}
{_not_ranked_html(table)}
</body>
</html>
"""
