"""The Gradio leaderboard: the site's boards, with filters by suite, task and model property.

It needs only the leaderboard table (a DataFrame with table.SCHEMA), so the Space entry
(`app.py` at the repository root) can serve a prebuilt `leaderboard.parquet` without the store.
User text reaches the page only through Dataframe cells of type "str", which Gradio renders as
text, never as HTML or markdown; links are shown as text too.
"""

import math
from functools import lru_cache

import gradio as gr
import pandas as pd

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
API_NAME = "leaderboard"  # POST /gradio_api/call/leaderboard: the filtered board as JSON


def _in_ranges(parameters: pd.Series, ranges: list[str]) -> pd.Series:
    keep = pd.Series(False, index=parameters.index)
    for label in ranges:
        bounds = PARAMETER_RANGES.get(label)
        if bounds is None:
            keep |= parameters.isna()
        else:
            keep |= (parameters >= bounds[0]) & (parameters < bounds[1])
    return keep


def view(
    table: pd.DataFrame,
    suite: str | None,
    tasks: list[str] | None = None,
    saw_synthetic_data: str = ANY,
    licenses: list[str] | None = None,
    parameter_ranges: list[str] | None = None,
) -> pd.DataFrame:
    """The board of `suite` as displayed: filtered, ranked, rounded; empty filters keep everything."""
    if suite not in benchmarks(table):
        return pd.DataFrame({"Model": []})
    wide = board(table, suite, tasks or None)
    if saw_synthetic_data != ANY:
        wide = wide[wide["saw_synthetic_data"] == (saw_synthetic_data == "yes")]
    if licenses:
        wide = wide[wide["license"].isin(licenses)]
    if parameter_ranges is not None:
        wide = wide[_in_ranges(wide["parameters"].astype("float64"), parameter_ranges)]
    concepts = list(wide.columns[len(BOARD_COLUMNS) :])
    shown = pd.DataFrame(
        {
            "#": range(1, len(wide) + 1),
            "Model": wide["model"],
            "Revision": wide["model_revision"],
            "Link": wide["link"].fillna(""),
            "License": wide["license"],
            "Parameters (M)": (wide["parameters"].astype("float64") / 1e6).round(1),
            "Saw synthetic data": wide["saw_synthetic_data"].map({True: "yes", False: "no"}),
            "Mean": wide["mean"].round(4),
            "Tasks": wide["tasks"].astype("int64"),
            **{concept: wide[concept].round(4) for concept in concepts},
        }
    )
    return shown.astype(object).where(shown.notna(), None)


def _datatypes(frame: pd.DataFrame) -> list[str]:
    text = {"Model", "Revision", "Link", "License", "Saw synthetic data"}
    return ["str" if column in text else "number" for column in frame.columns]


def build_app(table: pd.DataFrame) -> gr.Blocks:
    suites = benchmarks(table)
    first = suites[0] if suites else None
    ranked = table[table["status"] == RANKED]
    concepts = {s: sorted(ranked.loc[ranked["benchmark"] == s, "concept"].unique()) for s in suites}

    def concepts_of(suite: str | None) -> list[str]:
        return concepts.get(suite, [])

    @lru_cache(maxsize=1024)
    def cached_view(
        suite: str | None,
        tasks: tuple[str, ...],
        saw: str,
        licenses: tuple[str, ...],
        ranges: tuple[str, ...],
    ) -> gr.Dataframe:
        """The board for one combination of filters, as rows Gradio sends without converting them.

        The table does not change while the app runs, so each combination is computed once.
        """
        frame = view(table, suite, list(tasks), saw, list(licenses), list(ranges))
        rows = {"headers": list(frame.columns), "data": frame.to_dict(orient="split")["data"]}
        return gr.Dataframe(value=rows, datatype=_datatypes(frame))

    def show(
        suite: str | None,
        tasks: list[str] | None,
        saw: str,
        licenses: list[str] | None,
        ranges: list[str] | None,
    ) -> gr.Dataframe:
        tasks = tuple(t for t in tasks or [] if t in concepts_of(suite))  # the suite may just have changed
        return cached_view(suite, tasks, saw, tuple(licenses or []), tuple(ranges or []))

    with gr.Blocks(title="synthsuite leaderboard") as app:
        gr.Markdown(
            "# synthsuite leaderboard\n"
            f"{len(table)} results, {len(ranked)} ranked. A model's mean is over the suite's tasks "
            "(or the tasks chosen below) and given only when it has all of them. Results on another "
            "dataset revision or task version than the task pins are not ranked."
        )
        with gr.Row():
            suite = gr.Dropdown(suites, value=first, label="Suite", elem_id="suite")
            tasks = gr.Dropdown(
                concepts_of(first), value=[], multiselect=True, label="Tasks (none: all)", elem_id="tasks"
            )
            saw = gr.Radio(
                [ANY, "no", "yes"], value=ANY, label="Saw synthetic data in training", elem_id="saw"
            )
        with gr.Row():
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
        initial = view(table, first)
        grid = gr.Dataframe(
            value=initial, datatype=_datatypes(initial), interactive=False, elem_id="board", max_height=800
        )
        filters = [suite, tasks, saw, licenses, ranges]
        suite.change(
            lambda s: gr.Dropdown(choices=concepts_of(s), value=[]), suite, tasks, api_visibility="private"
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
    The theme uses system fonts, so the page fetches nothing from a font CDN.
    """
    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )
    app.launch(
        server_name=host,
        server_port=port,
        theme=theme,
        footer_links=["api"],
        prevent_thread_lock=not block,
        quiet=not block,
    )
