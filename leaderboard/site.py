"""The static leaderboard site: index.html, the table in three formats, plots and a copy of every result.

    <out>/index.html                 one table per board, filters and search, plots, the results not ranked
    <out>/leaderboard.parquet        the whole table (table.SCHEMA), which the Gradio app and app.py read
    <out>/leaderboard.csv, .json     the same table, for a spreadsheet or a script
    <out>/boards/<board>.csv, .json  each board as the page shows it (ranks, scores, model properties)
    <out>/results/<store path>       each result JSON (and predictions file) as checked: the provenance
    <out>/plots/<board>/<task>.svg   the task's main score, best models first
    <out>/plots/<board>/layers-<model key>.svg   one model's main score at each of its layers, per task
    <out>/style.css, site.js         no CDN, so the site works offline and from file://

A board is the tasks sharing a name prefix (`syntheory-tiny/*`); boards are grouped by their suite
(the suite record: `syntheory`, `fourier`, ...). Every score column names its metric and direction;
ranks count only comparable rows (a mean exists only for a model with every task of the board).

Everything a submitter wrote (model names, licenses, links, folder names) is HTML-escaped; links are
rendered only when they are http(s). The page's Content-Security-Policy allows only its own files, so
even text that slipped past escaping could not run a script.

The build is atomic: the site is written in a sibling folder and swapped with the old one in one
step (`renameat2(RENAME_EXCHANGE)` where the system has it), so `out` always holds a complete site;
temporaries of killed builds are removed by the next one, and `out` may not be inside the store.
"""

import ctypes
import ctypes.util
import html
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from synthsuite.evaluation.tasks import registry
from synthsuite.kernel.errors import UserError
from synthsuite.leaderboard import plots
from synthsuite.leaderboard.assets import SITE_JS, STYLE_CSS
from synthsuite.leaderboard.display import (
    direction_words,
    format_count,
    format_score,
    metric_label,
    metric_name,
    ranks,
    score_decimals,
    yes_no,
)
from synthsuite.leaderboard.model_card import is_web_link
from synthsuite.leaderboard.table import (
    BOARD_COLUMNS,
    INVALID,
    RANKED,
    STALE,
    benchmarks,
    board,
    layer_points,
    write_table,
)

MARKER = ".synthsuite-site"  # marks a folder this module wrote, which a rebuild may replace
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'"
TEMPORARY = (".tmp-", ".old-")  # `.<out name>.tmp-<pid>`: a build in progress; `.old-<pid>`: a replaced site


@dataclass(frozen=True)
class SiteReport:
    results: int
    ranked: int
    stale: int
    invalid: int
    plots: int


# --- building -------------------------------------------------------------------------------------


def build_site(table: pd.DataFrame, store_root: Path, out: Path, *, version: str) -> SiteReport:
    """Write the site for `table` (whose checked files lie under `store_root`) into `out`, atomically."""
    _check_out(out, store_root)
    _remove_leftovers(out)
    staging = out.with_name(f".{out.name}{TEMPORARY[0]}{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        (staging / MARKER).write_text("built by `synthsuite leaderboard build`; rebuilt in place\n")
        (staging / "style.css").write_text(STYLE_CSS)
        (staging / "site.js").write_text(SITE_JS)
        write_table(table, staging / "leaderboard.parquet")
        _write_downloads(table, staging)
        _copy_results(table, store_root, staging / "results")
        views = [board_view(table, name) for name in benchmarks(table)]
        figures = {view.name: _plots(table, view, store_root, staging) for view in views}
        built = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        (staging / "index.html").write_text(render_page(table, views, figures, version=version, built=built))
        _fsync_tree(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_in(staging, out)
    counts = table["status"].value_counts()
    return SiteReport(
        results=len(table),
        ranked=int(counts.get(RANKED, 0)),
        stale=int(counts.get(STALE, 0)),
        invalid=int(counts.get(INVALID, 0)),
        plots=sum(len(f) for f in figures.values()),
    )


def _check_out(out: Path, store_root: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file", "pass a folder for the site")
    target, store = out.resolve(), store_root.resolve()
    if target == store or store in target.parents or target in store.parents:
        raise UserError(
            f"--out {out} is inside (or holds) the results store {store_root}",
            "build the site into a folder outside the store",
        )
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UserError(
            f"{out} is not empty and was not written by `synthsuite leaderboard build`",
            "pass a new or empty folder (or one an earlier build wrote)",
        )


def _remove_leftovers(out: Path) -> None:
    """Remove what killed builds left beside `out` (their process is gone); never another's work."""
    if not out.parent.is_dir():
        return
    for kind in TEMPORARY:
        prefix = f".{out.name}{kind}"
        for path in out.parent.glob(f"{prefix}*"):
            pid = path.name.removeprefix(prefix)
            alive = pid.isdigit() and int(pid) != os.getpid() and Path(f"/proc/{pid}").exists()
            if path.is_dir() and not path.is_symlink() and (path / MARKER).exists() and not alive:
                shutil.rmtree(path, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where the system cannot."""
    library = ctypes.util.find_library("c")
    if library is None:
        return False
    libc = ctypes.CDLL(library, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


def _swap_in(staging: Path, out: Path) -> None:
    """Put the finished site at `out`: `out` never lacks a complete site, old or new."""
    if not out.exists():
        staging.rename(out)
        return
    old = out.with_name(f".{out.name}{TEMPORARY[1]}{os.getpid()}")
    if _exchange(staging, out):
        staging.rename(old)  # `staging` now holds the old site
    else:  # a short moment without a site, on systems without an atomic exchange
        out.rename(old)
        staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    _fsync(out.parent)


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _fsync_tree(folder: Path) -> None:
    """Make the new site durable before it replaces the old one."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        elif path.is_dir():
            _fsync(path)
    _fsync(folder)


def _copy_results(table: pd.DataFrame, store_root: Path, target: Path) -> None:
    """Copy each checked file (results, and predictions where a row has them) as stored."""
    for path_column, hash_column in (
        ("result_path", "result_sha256"),
        ("predictions_path", "predictions_sha256"),
    ):
        if path_column not in table or hash_column not in table:
            continue
        for path in table.loc[table[hash_column].notna(), path_column]:
            destination = target / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(store_root / path, destination)


# --- the boards -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    concept: str  # the task name after the board's prefix
    task: str
    metric: str
    higher_is_better: bool
    split: str
    decimals: int

    @property
    def label(self) -> str:
        return metric_label([self.metric], self.higher_is_better)


@dataclass
class BoardView:
    """One board as the site and the downloads show it."""

    name: str
    suite: str
    columns: list[Column]
    mean_label: str
    mean_higher: bool | None  # None: the tasks' metrics point both ways, so there is no mean
    mean_decimals: int
    rows: list[dict[str, Any]] = field(default_factory=list)


def suite_of(table: pd.DataFrame, name: str) -> str:
    """The suite record a board's tasks belong to."""
    rows = table[table["benchmark"] == name]
    if "suite" in rows:
        known = rows["suite"].dropna()
        known = known[known != ""]
        if not known.empty:
            return str(known.iloc[0])
    tasks = registry()
    found = [tasks[t].suite for t in rows["task"] if t in tasks]
    return found[0] if found else name


def board_view(table: pd.DataFrame, name: str) -> BoardView:
    wide = board(table, name)
    ranked = table[(table["status"] == RANKED) & (table["benchmark"] == name)]
    tasks = registry()
    columns = []
    for concept in wide.columns[len(BOARD_COLUMNS) :]:
        first = ranked[ranked["concept"] == concept].iloc[0]
        task = tasks.get(first["task"])
        columns.append(
            Column(
                concept=concept,
                task=str(first["task"]),
                metric=str(first["main_metric"]),
                higher_is_better=bool(first["higher_is_better"]),
                split=task.eval_split if task else "test",
                decimals=score_decimals(wide[concept]),
            )
        )
    directions = {c.higher_is_better for c in columns}
    mean_higher = directions.pop() if len(directions) == 1 else None
    view = BoardView(
        name=name,
        suite=suite_of(table, name),
        columns=columns,
        mean_label=metric_label([c.metric for c in columns], mean_higher) if mean_higher is not None else "",
        mean_higher=mean_higher,
        mean_decimals=score_decimals(wide["mean"]) if "mean" in wide else 3,
    )
    cells = ranked.set_index(["model_key", "concept"])
    positions = (
        ranks(list(wide["mean"]), bool(mean_higher)) if mean_higher is not None else [None] * len(wide)
    )
    for (key, row), rank in zip(wide.iterrows(), positions, strict=True):
        scores, verified = {}, []
        for column in columns:
            value = row[column.concept]
            if pd.isna(value):
                continue
            cell = cells.loc[[(key, column.concept)]].iloc[0]
            checked = _true(cell.get("verified"))
            verified.append(checked)
            scores[column.concept] = {"value": float(value), "path": cell["result_path"], "verified": checked}
        reference = ranked.loc[ranked["model_key"] == key]
        view.rows.append(
            {
                "rank": rank,
                "key": key,
                "model": _text(row["model"]),
                "revision": _text(row["model_revision"]),
                "link": row["link"] if isinstance(row["link"], str) else None,
                "license": _text(row["license"]),
                "parameters": None if pd.isna(row["parameters"]) else int(row["parameters"]),
                "saw_synthetic_data": yes_no(row["saw_synthetic_data"]),
                "verified": "yes" if verified and all(verified) else "no",
                "reference": "reference" in reference and any(_true(x) for x in reference["reference"]),
                "mean": None if pd.isna(row["mean"]) else float(row["mean"]),
                "tasks": int(row["tasks"]),
                "scores": scores,
            }
        )
    return view


def _text(value: object) -> str:
    """A text cell that may be missing (None, or NaN in pandas' string columns)."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _true(value: object) -> bool:
    """A boolean cell that may be missing (None, NA) or absent from an older table."""
    return value is not None and not pd.isna(value) and bool(value)


def board_records(view: BoardView) -> list[dict[str, Any]]:
    """The board as flat records (the CSV and JSON downloads): one per row of the page's table."""
    records = []
    for row in view.rows:
        record = {
            "rank": row["rank"],
            "model": row["model"],
            "revision": row["revision"],
            f"mean ({view.mean_label})" if view.mean_label else "mean": row["mean"],
            "tasks": row["tasks"],
        }
        for column in view.columns:
            score = row["scores"].get(column.concept)
            record[f"{column.concept} ({column.label})"] = score["value"] if score else None
        record.update(
            {
                "parameters": row["parameters"],
                "license": row["license"],
                "saw_synthetic_data": row["saw_synthetic_data"] == "yes",
                "verified": row["verified"] == "yes",
                "reference": row["reference"],
                "link": row["link"],
            }
        )
        records.append(record)
    return records


def _write_downloads(table: pd.DataFrame, site: Path) -> None:
    table.to_csv(site / "leaderboard.csv", index=False)
    (site / "leaderboard.json").write_text(table.to_json(orient="records", indent=1, force_ascii=False))
    for name in benchmarks(table):
        view = board_view(table, name)
        records = board_records(view)
        folder = site / "boards"
        folder.mkdir(exist_ok=True)
        pd.DataFrame.from_records(records).to_csv(folder / f"{name}.csv", index=False)
        document = {
            "board": name,
            "suite": view.suite,
            "tasks": [
                {"task": c.task, "metric": c.metric, "higher_is_better": c.higher_is_better, "split": c.split}
                for c in view.columns
            ],
            "rows": records,
        }
        (folder / f"{name}.json").write_text(json.dumps(document, indent=1, ensure_ascii=False))


# --- plots ----------------------------------------------------------------------------------------


def _labels(rows: pd.DataFrame) -> pd.Series:
    """Model names, with the revision added where one name has several revisions among `rows`."""
    models = rows.drop_duplicates("model_key")
    repeated = models.loc[models["model"].duplicated(keep=False), "model"]
    return rows["model"].where(~rows["model"].isin(repeated), rows["model"] + " @ " + rows["model_revision"])


def _plots(table: pd.DataFrame, view: BoardView, store_root: Path, site: Path) -> list[tuple[str, str]]:
    """Draw the board's figures; (path relative to the site, caption) of each."""
    ranked = table[(table["status"] == RANKED) & (table["benchmark"] == view.name)]
    ranked = ranked.assign(label=_labels(ranked))
    figures = []
    for column in view.columns:
        rows = ranked[ranked["concept"] == column.concept]
        best_first = rows.sort_values("main_score", ascending=not column.higher_is_better)
        relative = f"plots/{view.name}/{column.concept}.svg"
        words = f"{metric_name(column.metric)} on {column.split}, {direction_words(column.higher_is_better)}"
        plots.bar_chart(
            list(zip(best_first["label"], best_first["main_score"], strict=True)),
            title=f"{column.task}: {words}",
            metric=f"{metric_name(column.metric)} ({direction_words(column.higher_is_better)})",
            path=site / relative,
        )
        figures.append((relative, f"{column.task}: {words}; the best {plots.MAX_BARS} models"))
    figures += _layer_plots(ranked, view, store_root, site)
    return figures


def _layer_plots(
    ranked: pd.DataFrame, view: BoardView, store_root: Path, site: Path
) -> list[tuple[str, str]]:
    """One figure per model with per-layer scores (the best ranked first): its own layers on the axis,
    one line per task of the board."""
    if "has_layers" not in ranked:
        return []
    layered = set(ranked.loc[ranked["has_layers"].fillna(False).astype(bool), "model_key"])
    figures = []
    for row in [r for r in view.rows if r["key"] in layered][: plots.MAX_LAYER_PLOTS]:
        curves = {}
        for column in view.columns:
            cell = ranked[(ranked["model_key"] == row["key"]) & (ranked["concept"] == column.concept)]
            if cell.empty or not bool(cell["has_layers"].iloc[0]):
                continue
            try:
                points = layer_points(
                    (store_root / cell["result_path"].iloc[0]).read_bytes(), column.split, column.metric
                )
            except (OSError, UserError, KeyError, TypeError, ValueError):
                continue  # a checked result always has them; a plot is never worth a failed build
            if points:
                curves[f"{column.concept} ({column.label})"] = points
        if not curves:
            continue
        label = f"{row['model']} @ {row['revision']}"
        relative = f"plots/{view.name}/layers-{row['key']}.svg"
        plots.model_layers(
            curves,
            title=f"{label}: main score per layer ({view.name})",
            ylabel="main score",
            path=site / relative,
        )
        figures.append((relative, f"{label}: main score at each of its layers"))
    return figures


# --- HTML -----------------------------------------------------------------------------------------

_e = html.escape


def _model_cell(name: str, link: object) -> str:
    if isinstance(link, str) and is_web_link(link):
        return f'<a href="{_e(link)}" rel="nofollow noopener noreferrer">{_e(name)}</a>'
    return _e(name)


def _result_link(path: str, text: str) -> str:
    return f'<a href="results/{_e(quote(path))}">{_e(text)}</a>'


def _td(text: str, *, value: object = None, css: str = "", raw: bool = False) -> str:
    """A cell; `value` is what it sorts by, `raw` marks `text` as already-escaped HTML."""
    attrs = f' class="{css}"' if css else ""
    if value is not None:
        attrs += f' data-value="{_e("" if pd.isna(value) else str(value))}"'
    return f"<td{attrs}>{text if raw else _e(text)}</td>"


def _th(text: str, *, css: str = "", first: str = "ascending", extra: str = "", title: str = "") -> str:
    """A header cell: `text` is escaped HTML already (it may hold the metric's <span>)."""
    attrs = f' class="{css}"' if css else ""
    if title:
        attrs += f' title="{_e(title)}"'
    return f'<th scope="col"{attrs} data-first="{first}"{extra}>{text}</th>'


def _score_header(
    name: str, label: str, higher: bool | None, *, task: str = "", title: str = "", by: bool = False
) -> str:
    """A score column: `data-rank` gives its best-first order; `by`: the table is sorted by it."""
    first = "descending" if higher else "ascending"
    extra = f' data-rank="{first}"' if higher is not None else ""
    if by and higher is not None:
        extra += f' aria-sort="{first}"'
    if task:
        extra += f' data-task="{_e(task)}"'
    label_html = f'<span class="metric">{_e(label)}</span>' if label else ""
    return _th(f"{_e(name)}{label_html}", css="number score", first=first, extra=extra, title=title)


def _board_html(table: pd.DataFrame, name: str, view: BoardView | None = None) -> str:
    view = view or board_view(table, name)
    if not view.rows:
        return '<p class="muted">No ranked results yet.</p>'
    head = [
        _th("#", css="number rank", extra=" data-nosort"),
        _th("Model", css="model"),
        _score_header(
            "Mean",
            view.mean_label or "no mean: the metrics point both ways",
            view.mean_higher,
            title="mean of the main scores, only for models with every task of the board",
            by=True,
        ),
        _th("Tasks", css="number", first="descending"),
        *(
            _score_header(
                c.concept,
                c.label,
                c.higher_is_better,
                task=c.task,
                title=f"{c.task}: {metric_name(c.metric)} on {c.split}, "
                f"{direction_words(c.higher_is_better)}",
            )
            for c in view.columns
        ),
        _th("Parameters", css="number", first="descending"),
        _th("License"),
        _th("Saw synthetic data"),
        _th("Verified"),
    ]
    body = []
    for row in view.rows:
        model = f'<span class="name">{_model_cell(row["model"], row["link"])}</span>'
        model += f'<span class="revision">{_e(row["revision"])}</span>'
        if row["reference"]:
            model += '<span class="badge" title="from the project\'s reference results">reference</span>'
        cells = [
            _td("" if row["rank"] is None else str(row["rank"]), css="number rank"),
            _td(model, value=row["model"], css="model", raw=True),
            _td(format_score(row["mean"], view.mean_decimals), value=row["mean"], css="number"),
            _td(f"{row['tasks']}/{len(view.columns)}", value=row["tasks"], css="number"),
        ]
        for column in view.columns:
            score = row["scores"].get(column.concept)
            if score is None:
                cells.append(_td("", value=float("nan"), css="number"))
                continue
            text = _result_link(score["path"], format_score(score["value"], column.decimals))
            if score["verified"]:
                text += '<span class="check" title="verified: recomputed from its predictions">✓</span>'
            cells.append(_td(text, value=score["value"], css="number", raw=True))
        cells += [
            _td(format_count(row["parameters"]), value=row["parameters"], css="number"),
            _td(row["license"]),
            _td(row["saw_synthetic_data"]),
            _td(row["verified"]),
        ]
        attributes = {
            "data-model": f"{row['model']} {row['revision']}".lower(),
            "data-license": row["license"],
            "data-verified": row["verified"],
            "data-synthetic": row["saw_synthetic_data"],
            "data-tasks": " ".join(sorted(row["scores"])),
        }
        attrs = "".join(f' {k}="{_e(str(v))}"' for k, v in attributes.items())
        body.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table class="sortable board" id="board-{_e(name)}">'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        '<p class="muted empty" hidden>No model of this board matches the filters.</p>'
    )


def _not_ranked_html(table: pd.DataFrame) -> str:
    rows = table[table["status"] != RANKED].sort_values(["status", "benchmark", "task", "model"])
    if rows.empty:
        return ""
    head = "".join(_th(_e(t)) for t in ("Model", "Revision", "Task", "Status", "Reason"))
    body = "".join(
        "<tr>"
        + _td(_text(row.model))
        + _td(_text(row.model_revision))
        + _td(
            _result_link(row.result_path, _text(row.task))
            if isinstance(row.result_sha256, str)
            else _e(_text(row.task)),
            raw=True,
        )
        + _td(_text(row.status))
        + _td(_text(row.reason))
        + "</tr>"
        for row in rows.itertuples()
    )
    return (
        '<section id="not-ranked"><h2>Not ranked</h2>'
        "<p>Stale results were computed on another dataset revision or task version than the task "
        "pins now; they are never merged with current ones. Invalid results fail a check.</p>"
        f'<div class="scroll"><table class="sortable" id="not-ranked-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div></section>"
    )


def _figures_html(name: str, figures: list[tuple[str, str]]) -> str:
    def figure(path: str, caption: str) -> str:
        image = f'<img src="{_e(path)}" alt="{_e(caption)}">'
        return f"<figure>{image}<figcaption>{_e(caption)}</figcaption></figure>"

    per_task = [f for f in figures if "/layers-" not in f[0]]
    per_model = [f for f in figures if "/layers-" in f[0]]
    out = f'<div class="figures">{"".join(figure(*f) for f in per_task)}</div>' if per_task else ""
    if per_model:
        out += (
            f"<details><summary>Per-layer scores, one figure per model, each on its own layers "
            f"({len(per_model)})</summary>"
            f'<div class="figures">{"".join(figure(*f) for f in per_model)}</div></details>'
        )
    return out


def _filters_html(table: pd.DataFrame, views: list[BoardView]) -> str:
    ranked = table[table["status"] == RANKED]
    suites = sorted({view.suite for view in views})
    licenses = sorted({_text(x) for x in ranked["license"] if _text(x)})

    def options(values: list[tuple[str, str]]) -> str:
        return "".join(f'<option value="{_e(v)}">{_e(text)}</option>' for v, text in values)

    task_groups = "".join(
        f'<optgroup label="{_e(view.name)}">'
        + options([(c.task, f"{c.task} ({c.label})") for c in view.columns])
        + "</optgroup>"
        for view in views
        if view.columns
    )
    return (
        '<form id="filters" class="filters" role="search" aria-label="Filter the boards">'
        '<label>Search <input type="search" id="search" placeholder="model name or revision"></label>'
        f'<label>Suite <select id="suite"><option value="">all</option>{options([(s, s) for s in suites])}'
        "</select></label>"
        f'<label>Task <select id="task"><option value="">all</option>{task_groups}</select></label>'
        f'<label>License <select id="license"><option value="">all</option>'
        f"{options([(x, x) for x in licenses])}</select></label>"
        '<label>Verified <select id="verified"><option value="">any</option>'
        '<option value="yes">verified only</option><option value="no">self-reported</option></select></label>'
        '<label>Saw synthetic data <select id="synthetic"><option value="">any</option>'
        '<option value="no">no</option><option value="yes">yes</option></select></label>'
        '<output id="shown" aria-live="polite"></output>'
        "</form>"
    )


def render_page(
    table: pd.DataFrame,
    views: list[BoardView],
    figures: dict[str, list[tuple[str, str]]],
    *,
    version: str,
    built: str,
) -> str:
    counts = table["status"].value_counts()
    sections = "".join(
        f'<section class="board-section" id="{_e(v.name)}" data-suite="{_e(v.suite)}" '
        f'data-board="{_e(v.name)}">'
        f'<h2>{_e(v.name)} <span class="suite">suite {_e(v.suite)}</span></h2>'
        f'<p class="muted downloads">This board: <a href="boards/{_e(v.name)}.csv" download>CSV</a> · '
        f'<a href="boards/{_e(v.name)}.json" download>JSON</a></p>'
        f"{_board_html(table, v.name, v)}{_figures_html(v.name, figures[v.name])}</section>"
        for v in sorted(views, key=lambda v: (v.suite, v.name))
    )
    by_suite: dict[str, list[str]] = {}
    for v in sorted(views, key=lambda v: (v.suite, v.name)):
        by_suite.setdefault(v.suite, []).append(v.name)
    nav = " | ".join(
        f"{_e(suite)}: " + " · ".join(f'<a href="#{_e(b)}">{_e(b)}</a>' for b in names)
        for suite, names in by_suite.items()
    )
    verified = sum(_true(x) for x in table["verified"]) if "verified" in table else 0
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>synthsuite leaderboard</title>
<link rel="stylesheet" href="style.css">
<script src="site.js" defer></script>
</head>
<body>
<header>
<h1>synthsuite leaderboard</h1>
<p class="muted">{len(table)} results: {counts.get(RANKED, 0)} ranked ({verified} verified),
{counts.get(STALE, 0)} stale, {counts.get(INVALID, 0)} invalid.
Built {_e(built)} with synthsuite {_e(version)}.
Download the whole table: <a href="leaderboard.csv" download>CSV</a> ·
<a href="leaderboard.json" download>JSON</a> · <a href="leaderboard.parquet" download>parquet</a>.</p>
<p class="muted">Each column names its metric: ↑ higher is better, ↓ lower is better. A model's mean is
over every task of its board and given only when it has all of them; ranks (#) count only the models
that have a value in the column the table is sorted by. ✓ marks a score recomputed from its predictions
(verified); the others are self-reported. Each score links to its result file. Click a header to sort.</p>
{_filters_html(table, views)}
<nav>{nav}</nav>
</header>
<main>
{sections}
{_not_ranked_html(table)}
</main>
</body>
</html>
"""
