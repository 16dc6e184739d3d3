"""The Gradio leaderboard: the site's boards, with filters by suite, board, task and model property.

It needs only the leaderboard table (a DataFrame with table.SCHEMA), so the Space entry
(`app.py` at the repository root) can serve a prebuilt `leaderboard.parquet` without the store.

What it shows is what the static site shows (display.py): every score column names its metric and
direction, scores of a column share one number format, parameters read as 1.5B / 50M / 0, ranks
count only comparable rows (a mean exists only for a model with every chosen task), and links are
clickable. User text reaches the page only through cells of type "str", which Gradio renders as
text; the one markdown column, `Link`, holds a fixed word whose target is a checked http(s) URL,
so no name, license or link text is ever read as markdown or HTML.
"""

import math
from functools import lru_cache

import gradio as gr
import pandas as pd

from synthsuite.leaderboard.display import (
    format_count,
    format_score,
    metric_label,
    ranks,
    score_decimals,
    yes_no,
)
from synthsuite.leaderboard.model_card import is_web_link
from synthsuite.leaderboard.table import BOARD_COLUMNS, RANKED, benchmarks, board

ANY = "any"
# label -> [low, high) in parameters; None: the card gives no count
PARAMETER_RANGES: dict[str, tuple[float, float] | None] = {
    "< 10M": (0, 1e7),
    "10M-100M": (1e7, 1e8),
    "100M-1B": (1e8, 1e9),
    ">= 1B": (1e9, math.inf),
    "unknown": None,
}
VERIFIED_CHOICES = (ANY, "verified", "self-reported")
API_NAME = "leaderboard"  # POST /gradio_api/call/leaderboard: the filtered board as JSON
TEXT_COLUMNS = {"Model", "Revision", "License", "Saw synthetic data", "Verified"}
# markdown-sensitive characters of a URL, percent-encoded so a link target can never close the markdown
_URL_ESCAPES = str.maketrans({c: f"%{ord(c):02X}" for c in "()<>\"'`\\[] "})


def _in_ranges(parameters: pd.Series, ranges: list[str]) -> pd.Series:
    keep = pd.Series(False, index=parameters.index)
    for label in ranges:
        bounds = PARAMETER_RANGES.get(label)
        if bounds is None:
            keep |= parameters.isna()
        else:
            keep |= (parameters >= bounds[0]) & (parameters < bounds[1])
    return keep


def link_markdown(link: object) -> str:
    """`[page](url)` for an http(s) link, else empty: the only markdown the app renders."""
    if not isinstance(link, str) or not is_web_link(link):
        return ""
    return f"[page]({link.translate(_URL_ESCAPES)})"


def suites_of(table: pd.DataFrame) -> dict[str, list[str]]:
    """Suite record -> its boards (task-name prefixes), in name order."""
    from synthsuite.leaderboard.site import suite_of

    found: dict[str, list[str]] = {}
    for name in benchmarks(table):
        found.setdefault(suite_of(table, name), []).append(name)
    return dict(sorted(found.items()))


def view(
    table: pd.DataFrame,
    board_name: str | None,
    tasks: list[str] | None = None,
    saw_synthetic_data: str = ANY,
    licenses: list[str] | None = None,
    parameter_ranges: list[str] | None = None,
    verified: str = ANY,
    search: str = "",
) -> pd.DataFrame:
    """The board as displayed (raw values; `display` formats them): filtered, ranked among
    comparable rows, one column per chosen task named with its metric and direction."""
    if board_name not in benchmarks(table):
        return pd.DataFrame({"Model": []})
    wide = board(table, board_name, tasks or None)
    ranked = table[(table["status"] == RANKED) & (table["benchmark"] == board_name)]
    concepts = list(wide.columns[len(BOARD_COLUMNS) :])
    if "verified" in ranked:
        all_verified = ranked.groupby("model_key")["verified"].agg(lambda v: bool(v.fillna(False).all()))
        wide = wide.assign(verified=all_verified.reindex(wide.index).fillna(False))
    else:
        wide = wide.assign(verified=False)
    if saw_synthetic_data != ANY:
        wide = wide[wide["saw_synthetic_data"] == (saw_synthetic_data == "yes")]
    if licenses:
        wide = wide[wide["license"].isin(licenses)]
    if parameter_ranges is not None:
        wide = wide[_in_ranges(wide["parameters"].astype("float64"), parameter_ranges)]
    if verified != ANY:
        wide = wide[wide["verified"] == (verified == "verified")]
    if search and search.strip():
        query = search.strip().lower()
        text = (wide["model"] + " " + wide["model_revision"]).str.lower()
        wide = wide[text.str.contains(query, regex=False)]
    first = ranked.drop_duplicates("concept").set_index("concept")
    labels = {
        c: metric_label([first.loc[c, "main_metric"]], bool(first.loc[c, "higher_is_better"]))
        for c in concepts
    }
    directions = {bool(first.loc[c, "higher_is_better"]) for c in concepts}
    mean_higher = directions.pop() if len(directions) == 1 else None
    mean_label = metric_label([first.loc[c, "main_metric"] for c in concepts], mean_higher)
    means = list(wide["mean"])
    shown = pd.DataFrame(
        {
            "#": ranks(means, bool(mean_higher)) if mean_higher is not None else [None] * len(wide),
            "Model": wide["model"],
            "Revision": wide["model_revision"],
            "Link": [link_markdown(link) for link in wide["link"]],
            f"Mean · {mean_label}" if mean_higher is not None else "Mean": wide["mean"],
            "Tasks": wide["tasks"].astype("int64"),
            **{f"{concept} · {labels[concept]}": wide[concept] for concept in concepts},
            "Parameters": wide["parameters"],
            "License": wide["license"],
            "Saw synthetic data": [yes_no(x) for x in wide["saw_synthetic_data"]],
            "Verified": ["yes" if x else "no" for x in wide["verified"]],
        }
    )
    return shown.astype(object).where(shown.notna(), None)


def _datatypes(frame: pd.DataFrame) -> list[str]:
    return ["markdown" if c == "Link" else "str" if c in TEXT_COLUMNS else "number" for c in frame.columns]


def display(frame: pd.DataFrame) -> dict:
    """The Dataframe value: raw numbers (which sort), shown through one format per column."""
    rows = frame.to_dict(orient="split")["data"]
    formats = []
    for column in frame.columns:
        if column == "Parameters":
            formats.append(format_count)
        elif column in ("#", "Tasks"):
            formats.append(lambda v: "" if v is None else str(int(v)))
        elif column in TEXT_COLUMNS or column == "Link":
            formats.append(lambda v: "" if v is None else str(v))
        else:
            decimals = score_decimals(frame[column])
            formats.append(lambda v, d=decimals: format_score(v, d))
    shown = [[fmt(value) for fmt, value in zip(formats, row, strict=True)] for row in rows]
    return {
        "headers": list(frame.columns),
        "data": rows,
        "metadata": {"display_value": shown, "styling": None},
    }


def build_app(table: pd.DataFrame) -> gr.Blocks:
    by_suite = suites_of(table)
    boards = benchmarks(table)
    first_board = boards[0] if boards else None
    ranked = table[table["status"] == RANKED]
    concepts = {b: sorted(ranked.loc[ranked["benchmark"] == b, "concept"].unique()) for b in boards}
    verified_count = int(ranked["verified"].fillna(False).astype(bool).sum()) if "verified" in ranked else 0

    def concepts_of(name: str | None) -> list[str]:
        return concepts.get(name, [])

    @lru_cache(maxsize=1024)
    def cached_view(
        board_name: str | None,
        tasks: tuple[str, ...],
        saw: str,
        licenses: tuple[str, ...],
        ranges: tuple[str, ...],
        verified: str,
        search: str,
    ) -> gr.Dataframe:
        """The board for one combination of filters, as rows Gradio sends without converting them.

        The table does not change while the app runs, so each combination is computed once.
        """
        frame = view(table, board_name, list(tasks), saw, list(licenses), list(ranges), verified, search)
        return gr.Dataframe(value=display(frame), datatype=_datatypes(frame))

    def show(
        board_name: str | None,
        tasks: list[str] | None,
        saw: str,
        licenses: list[str] | None,
        ranges: list[str] | None,
        verified: str | None = ANY,
        search: str | None = "",
    ) -> gr.Dataframe:
        tasks = tuple(
            t for t in tasks or [] if t in concepts_of(board_name)
        )  # the board may just have changed
        query = (search or "").strip()[:200]
        return cached_view(
            board_name, tasks, saw, tuple(licenses or []), tuple(ranges or []), verified or ANY, query
        )

    def boards_of(suite: str | None) -> gr.Dropdown:
        choices = by_suite.get(suite, boards) if suite and suite != ANY else boards
        return gr.Dropdown(choices=choices, value=choices[0] if choices else None)

    with gr.Blocks(title="synthsuite leaderboard", fill_width=True) as app:
        gr.Markdown(
            "# synthsuite leaderboard\n"
            f"{len(table)} results, {len(ranked)} ranked ({verified_count} verified: recomputed from their "
            "predictions). Each column names its metric (↑ higher is better, ↓ lower is better). A model's "
            "mean is over the board's tasks (or the tasks chosen below) and given only when it has all of "
            "them; # ranks only those models. Results on another dataset revision or task version than "
            "the task pins are not ranked."
        )
        with gr.Row():
            suite = gr.Dropdown([ANY, *by_suite], value=ANY, label="Suite", elem_id="suite")
            board_box = gr.Dropdown(
                boards, value=first_board, label="Board (task prefix)", elem_id="board-name"
            )
            tasks = gr.Dropdown(
                concepts_of(first_board),
                value=[],
                multiselect=True,
                label="Tasks (none: all)",
                elem_id="tasks",
            )
            search = gr.Textbox(label="Search models", placeholder="name or revision", elem_id="search")
        with gr.Row():
            saw = gr.Radio(
                [ANY, "no", "yes"], value=ANY, label="Saw synthetic data in training", elem_id="saw"
            )
            verified = gr.Radio(list(VERIFIED_CHOICES), value=ANY, label="Scores", elem_id="verified")
            licenses = gr.Dropdown(
                sorted(ranked["license"].dropna().unique()),
                value=[],
                multiselect=True,
                label="License (none: all)",
                elem_id="licenses",
            )
            ranges = gr.CheckboxGroup(
                list(PARAMETER_RANGES), value=list(PARAMETER_RANGES), label="Parameters", elem_id="parameters"
            )
        initial = view(table, first_board)
        grid = gr.Dataframe(
            value=display(initial),
            datatype=_datatypes(initial),
            interactive=False,
            elem_id="board",
            max_height=800,
            latex_delimiters=[],
            pinned_columns=2,
        )
        filters = [board_box, tasks, saw, licenses, ranges, verified, search]
        suite.change(boards_of, suite, board_box, api_visibility="private")
        board_box.change(
            lambda b: gr.Dropdown(choices=concepts_of(b), value=[]),
            board_box,
            tasks,
            api_visibility="private",
        )
        for i, control in enumerate(filters):
            control.change(
                show,
                filters,
                grid,
                api_name=API_NAME if i == 0 else None,
                api_visibility="public" if i == 0 else "private",
                concurrency_limit=None,  # cached lookups: no need to run them one at a time
                show_progress="hidden",
            )
    return app


def launch(app: gr.Blocks, host: str | None = None, port: int | None = None, *, block: bool = True) -> None:
    """Serve the app (None: Gradio's defaults, which a Space sets through the environment).

    `block`: serve until interrupted; otherwise return once the server is up (tests, benchmarks).
    The theme uses system fonts, so the page fetches nothing from a font CDN. Gradio's own start-up
    lines are silenced (they suggest `share=True`, which a command-line user cannot pass); the
    address is printed instead.
    """
    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )
    app.launch(
        server_name=host,
        server_port=port,
        theme=theme,
        footer_links=["api"],
        prevent_thread_lock=True,
        quiet=True,
    )
    if block:
        print(f"serving the leaderboard on {app.local_url} (Ctrl-C stops it)", flush=True)
        app.block_thread()  # until Ctrl-C, which closes the server
