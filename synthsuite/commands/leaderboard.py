"""`synthsuite submit`, `synthsuite model-card` and `synthsuite leaderboard build|serve`."""

import argparse
import os
import shutil
import time
from pathlib import Path

from synthsuite.commands.conventions import add_json, bare_help, emit
from synthsuite.kernel.errors import UserError
from synthsuite.leaderboard.store import DEFAULT_HUB_REPO, REFERENCE_ENV, RESULTS_ENV

STORE_HELP = f"results store folder (default: ${RESULTS_ENV} or ~/.cache/synthsuite/results)"
STORES_HELP = (
    f"results store folder, repeatable (default: ${RESULTS_ENV} or ~/.cache/synthsuite/results, "
    "when it exists); the reference store is always read too, unless --no-reference"
)


def register(commands: argparse._SubParsersAction) -> None:
    submit = commands.add_parser(
        "submit",
        help="check a submission; add it to the results store or open a Hub pull request",
        description="Check a submission (model.json plus results JSON files from `synthsuite evaluate`, "
        "each optionally with the predictions file it was scored from) against the registered tasks and "
        "the results already stored, then add it to the local results store, or open a pull request on "
        "the results dataset repo with --hub. Results with predictions are scored again on the task's "
        "pinned split and refused when a score differs (verified entries). A rejected submission writes "
        "nothing.",
        epilog="examples:\n"
        "  synthsuite submit my-submission/\n"
        "  synthsuite submit --results results/ --model-card model.json\n"
        "  synthsuite submit --results results/ --model-card model.json --hub",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    submit.add_argument("folder", type=Path, nargs="?", help="submission folder (see docs/leaderboard.md)")
    submit.add_argument(
        "--results",
        type=Path,
        action="append",
        metavar="DIR",
        help="instead of a folder: results files, or folders holding results.json / *.results.json "
        "(with the predictions file each names beside it); repeatable",
    )
    submit.add_argument("--model-card", type=Path, metavar="FILE", help="the model.json of --results")
    submit.add_argument(
        "--hub",
        nargs="?",
        const=DEFAULT_HUB_REPO,
        metavar="REPO_ID",
        help=f"open a pull request on this Hub dataset repo (default {DEFAULT_HUB_REPO}) instead",
    )
    submit.add_argument("--store", type=Path, metavar="DIR", help=STORE_HELP)
    add_json(submit)
    submit.set_defaults(handler=_submit)

    card = commands.add_parser(
        "model-card",
        help="write a model.json for a submission",
        description="Write a checked model.json: the model's name (as in its results files), link, "
        "license, parameter count and whether its training data included synthetic music-theory clips.",
    )
    card.add_argument("--name", required=True, help="the model's name, as `model.name` in its results")
    card.add_argument("--license", required=True, help="e.g. MIT, CC-BY-4.0, proprietary")
    card.add_argument("--link", help="an http(s) page of the model or its code")
    card.add_argument("--parameters", type=int, help="trainable parameters (default: unknown)")
    seen = card.add_mutually_exclusive_group(required=True)
    seen.add_argument("--saw-synthetic-data", dest="saw", action="store_true", help="it did")
    seen.add_argument("--no-synthetic-data", dest="saw", action="store_false", help="it did not")
    card.add_argument(
        "--out", type=Path, default=Path("model.json"), help="file to write (default model.json)"
    )
    add_json(card)
    card.set_defaults(handler=_model_card)

    board = commands.add_parser(
        "leaderboard",
        help="build the static leaderboard site, or serve the Gradio app",
        description="Aggregate the reference results store and your results stores into a parquet "
        "table, a static site or a Gradio app.",
    )
    actions = board.add_subparsers(dest="action", metavar="ACTION")
    bare_help(board)
    build = actions.add_parser(
        "build",
        help="write leaderboard.parquet and the static site",
        description="Check every stored result again (each entry alone, with bounds: a bad one is listed "
        "as invalid with its reason) and write the table (leaderboard.parquet), index.html with one "
        "sortable table per suite, plots and a copy of every result into --out.",
    )
    _add_stores(build)
    build.add_argument("--out", type=Path, required=True, metavar="DIR", help="site folder (replaced)")
    build.add_argument(
        "--verify",
        action="store_true",
        help="recompute every score that has a predictions file (needs each task's pinned dataset)",
    )
    add_json(build)
    build.set_defaults(handler=_build)
    serve = actions.add_parser(
        "serve",
        help="serve the Gradio leaderboard app",
        description="Serve the leaderboard as a Gradio app with filters by suite, task and model "
        "property, from the results stores or from a built leaderboard.parquet.",
    )
    _add_stores(serve)
    serve.add_argument("--table", type=Path, metavar="FILE", help="a leaderboard.parquet written by build")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    serve.set_defaults(handler=_serve)


def _add_stores(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, action="append", metavar="DIR", help=STORES_HELP)
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help=f"leave out the reference results (reference/store/ of the repository, or ${REFERENCE_ENV})",
    )


def _store(path: Path | None, *, must_exist: bool):
    from synthsuite.leaderboard.store import ResultsStore, default_root

    root = path or default_root()
    if must_exist and not root.is_dir():
        raise UserError(f"no results store at {root}", f"pass --store DIR or set {RESULTS_ENV}")
    return ResultsStore(root)


def _stores(args: argparse.Namespace) -> list:
    """The reference store (unless --no-reference) and the user's stores, each with its label."""
    from synthsuite.leaderboard.store import REFERENCE, ResultsStore, default_root, reference_root

    given = args.store or []
    stores = []
    reference = None if args.no_reference else reference_root()
    if reference is not None:
        stores.append(ResultsStore(reference, REFERENCE))
    for i, root in enumerate(given or [default_root()]):
        if not root.is_dir():
            if given:
                raise UserError(f"no results store at {root}", f"pass --store DIR or set {RESULTS_ENV}")
            continue  # the default store exists once something was submitted
        if reference is not None and root.resolve() == reference.resolve():
            continue
        stores.append(ResultsStore(root, "local" if len(given) < 2 else f"local-{i + 1}"))
    if len(stores) == 1:  # one store: paths as in the store itself
        stores = [ResultsStore(stores[0].root, reference=stores[0].reference)]
    if not stores:
        raise UserError(
            f"no results store at {default_root()} and no reference store",
            f"submit results first, or pass --store DIR or set {RESULTS_ENV}",
        )
    return stores


def _submit(args: argparse.Namespace) -> None:
    from synthsuite.leaderboard.submission import (
        assemble_submission,
        open_pull_request,
        read_submission,
        submit_local,
    )

    if args.hub and args.store:
        raise UserError("--hub and --store name two different destinations", "pass one of them")
    if (args.folder is None) == (args.results is None):
        raise UserError(
            "pass either a submission folder or --results",
            "e.g. `synthsuite submit --results DIR --model-card FILE`",
        )
    if (args.results is None) != (args.model_card is None):
        raise UserError("--results and --model-card go together", "pass both (see `synthsuite model-card`)")
    if args.folder is not None:
        submission = read_submission(args.folder)
    else:
        submission = assemble_submission(args.results, args.model_card)
    who = f"{submission.card.name} ({submission.model_revision})"
    lines = []
    data = {"model": submission.card.name, "revision": submission.model_revision}
    if args.hub:
        url = open_pull_request(submission, args.hub)
        count = f"{len(submission.results)} results of {who}"
        lines.append(f"opened a pull request on {args.hub} with {count}: {url}")
        data["pull_request"] = url
    else:
        folder = submit_local(submission, _store(args.store, must_exist=False))
        count = f"{len(submission.results)} results of {who} ({submission.verified} verified)"
        lines.append(f"accepted {count} into {folder}")
        data["folder"] = str(folder)
    data["results"] = []
    for item in submission.results:
        how = "verified" if item.verified else "self-reported"
        lines.append(f"  {item.task.name}: {item.task.main_score} {item.result.main_score:.4f} ({how})")
        score = {"task": item.task.name, "metric": item.task.main_score, "score": item.result.main_score}
        data["results"].append({**score, "how": how})
    emit(args, data, "\n".join(lines))


def _model_card(args: argparse.Namespace) -> None:
    from pydantic import ValidationError

    from synthsuite.kernel.atomic import atomic_write_text
    from synthsuite.kernel.strict_json import first_error
    from synthsuite.leaderboard.model_card import ModelCard

    try:
        card = ModelCard(
            name=args.name,
            link=args.link,
            license=args.license,
            parameters=args.parameters,
            saw_synthetic_data=args.saw,
        )
    except ValidationError as exc:
        raise UserError(f"model card: {first_error(exc)}", "see docs/leaderboard.md") from None
    atomic_write_text(args.out, card.model_dump_json(indent=1) + "\n")
    emit(args, {"model_card": str(args.out), **card.model_dump(mode="json")}, f"wrote {args.out}")


def _build(args: argparse.Namespace) -> None:
    from synthsuite import __version__
    from synthsuite.leaderboard.site import build_site
    from synthsuite.leaderboard.table import collect_stores

    started = time.perf_counter()
    stores = _stores(args)
    out = args.out.resolve()
    for store in stores:
        root = store.root.resolve()
        if out == root or root in out.parents or out in root.parents:
            raise UserError(
                f"--out {args.out} is inside (or holds) the results store {store.root}",
                "build the site into a folder outside every store",
            )
    collected = collect_stores(stores, verify=args.verify)
    sources = _sources_folder(args.out)
    try:
        collected.write_files(sources)
        report = build_site(collected.table, sources, args.out, version=__version__)
    finally:
        shutil.rmtree(sources, ignore_errors=True)
    seconds = time.perf_counter() - started
    verified = int(collected.table["verified"].sum())
    emit(
        args,
        {"site": str(args.out), **vars(report), "verified": verified, "seconds": round(seconds, 3)},
        f"{args.out}: {report.results} results ({report.ranked} ranked, {report.stale} stale, "
        f"{report.invalid} invalid), {verified} verified, {report.plots} "
        f"plots in {seconds:.1f} s; open {args.out / 'index.html'}",
    )


def _sources_folder(out: Path) -> Path:
    """A private folder beside `out` for the checked bytes the site copies; leftovers of killed
    builds (whose process is gone) are removed first."""
    prefix = f".{out.name}.sources-"
    out.parent.mkdir(parents=True, exist_ok=True)
    for old in out.parent.glob(f"{prefix}*"):
        pid = old.name.removeprefix(prefix)
        if not pid.isdigit() or not Path(f"/proc/{pid}").exists():
            shutil.rmtree(old, ignore_errors=True)
    folder = out.parent / f"{prefix}{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    return folder


def _serve(args: argparse.Namespace) -> None:
    from synthsuite.leaderboard.app import build_app, launch
    from synthsuite.leaderboard.table import collect_stores, read_table

    if args.table and (args.store or args.no_reference):
        raise UserError("--table already holds the results", "drop --store and --no-reference, or --table")
    table = read_table(args.table) if args.table else collect_stores(_stores(args)).table
    launch(build_app(table), args.host, args.port)
