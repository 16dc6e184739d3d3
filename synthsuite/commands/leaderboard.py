"""`synthsuite submit` and `synthsuite leaderboard build|serve`."""

import argparse
import time
from pathlib import Path

from synthsuite.kernel.errors import UserError
from synthsuite.leaderboard.store import DEFAULT_HUB_REPO, RESULTS_ENV

STORE_HELP = f"results store folder (default: ${RESULTS_ENV} or ~/.cache/synthsuite/results)"


def register(commands: argparse._SubParsersAction) -> None:
    submit = commands.add_parser(
        "submit",
        help="check a submission folder; add it to the results store or open a Hub pull request",
        description="Check a submission folder (model.json plus results JSON files from `synthsuite "
        "evaluate`) against the registered tasks and the results already stored, then add it to the "
        "local results store, or open a pull request on the results dataset repo with --hub. "
        "A rejected submission writes nothing.",
    )
    submit.add_argument("folder", type=Path, help="submission folder (see docs/leaderboard.md)")
    submit.add_argument(
        "--hub",
        nargs="?",
        const=DEFAULT_HUB_REPO,
        metavar="REPO_ID",
        help=f"open a pull request on this Hub dataset repo (default {DEFAULT_HUB_REPO}) instead",
    )
    submit.add_argument("--store", type=Path, metavar="DIR", help=STORE_HELP)
    submit.set_defaults(handler=_submit)

    board = commands.add_parser(
        "leaderboard",
        help="build the static leaderboard site, or serve the Gradio app",
        description="Aggregate the results store into a parquet table, a static site or a Gradio app.",
    )
    actions = board.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="write leaderboard.parquet and the static site",
        description="Check every stored result again and write the table (leaderboard.parquet), "
        "index.html with one sortable table per suite, plots and a copy of every result into --out.",
    )
    build.add_argument("--store", type=Path, metavar="DIR", help=STORE_HELP)
    build.add_argument("--out", type=Path, required=True, metavar="DIR", help="site folder (replaced)")
    build.set_defaults(handler=_build)
    serve = actions.add_parser(
        "serve",
        help="serve the Gradio leaderboard app",
        description="Serve the leaderboard as a Gradio app with filters by suite, task and model "
        "property, from the results store or from a built leaderboard.parquet.",
    )
    source = serve.add_mutually_exclusive_group()
    source.add_argument("--store", type=Path, metavar="DIR", help=STORE_HELP)
    source.add_argument("--table", type=Path, metavar="FILE", help="a leaderboard.parquet written by build")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    serve.set_defaults(handler=_serve)


def _store(path: Path | None, *, must_exist: bool):
    from synthsuite.leaderboard.store import ResultsStore, default_root

    root = path or default_root()
    if must_exist and not root.is_dir():
        raise UserError(f"no results store at {root}", f"pass --store DIR or set {RESULTS_ENV}")
    return ResultsStore(root)


def _submit(args: argparse.Namespace) -> None:
    from synthsuite.leaderboard.submission import open_pull_request, read_submission, submit_local

    if args.hub and args.store:
        raise UserError("--hub and --store name two different destinations", "pass one of them")
    submission = read_submission(args.folder)
    who = f"{submission.card.name} ({submission.model_revision})"
    if args.hub:
        url = open_pull_request(submission, args.hub)
        print(f"opened a pull request on {args.hub} with {len(submission.results)} results of {who}: {url}")
    else:
        folder = submit_local(submission, _store(args.store, must_exist=False))
        print(f"accepted {len(submission.results)} results of {who} into {folder}")
    for item in submission.results:
        print(f"  {item.task.name}: {item.task.main_score} {item.result.main_score:.4f}")


def _build(args: argparse.Namespace) -> None:
    from synthsuite import __version__
    from synthsuite.leaderboard.site import build_site
    from synthsuite.leaderboard.table import collect

    started = time.perf_counter()
    store = _store(args.store, must_exist=True)
    report = build_site(collect(store), store.root, args.out, version=__version__)
    print(
        f"{args.out}: {report.results} results ({report.ranked} ranked, {report.stale} stale, "
        f"{report.invalid} invalid), {report.plots} plots in {time.perf_counter() - started:.1f} s; "
        f"open {args.out / 'index.html'}"
    )


def _serve(args: argparse.Namespace) -> None:
    from synthsuite.leaderboard.app import build_app, launch
    from synthsuite.leaderboard.table import collect, read_table

    table = read_table(args.table) if args.table else collect(_store(args.store, must_exist=True))
    launch(build_app(table), args.host, args.port)
