"""`synthsuite list`, `generate`, `info` and `publish`: the datasets of every suite."""

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from synthsuite.commands.conventions import add_json, add_progress, emit, show_progress
from synthsuite.kernel.errors import UserError

if TYPE_CHECKING:
    from synthsuite.datasets_src.generator import Generator


def register(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser(
        "list",
        help="suites, datasets, configs and planned rows per profile",
        description="List every dataset, its configs and planned rows per profile.",
    )
    add_json(listing)

    gen = commands.add_parser(
        "generate",
        help="render a dataset into a Hub-layout folder (resumable)",
        description="Plan, render and write a dataset as parquet shards with a dataset card and "
        "manifest. Run the same command again after an interruption: finished shards are kept "
        "(their hashes are checked) and only the rest is rendered.",
    )
    gen.add_argument("dataset", help="dataset name (see `synthsuite list`)")
    gen.add_argument(
        "--config", action="append", metavar="C", help="config to generate (repeatable; default: all)"
    )
    gen.add_argument(
        "--profile",
        default="tiny",
        help="tiny (tests, seconds), small (demo, minutes) or paper (full size); default tiny",
    )
    gen.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="at most N rows per config (a spread-out subset); a warning names any split it leaves empty",
    )
    gen.add_argument("--seed", type=int, default=0, help="dataset seed (default 0)")
    gen.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes or Ray tasks in parallel (default: all cores)",
    )
    gen.add_argument("--executor", default="local", help="local (processes, default) or ray")
    gen.add_argument("--ray-address", metavar="ADDR", help="Ray cluster to join (default: start a local one)")
    gen.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="generator option, e.g. sample_rate=22050 or channels=2 (repeatable)",
    )
    gen.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default: $SYNTHSUITE_HUB/local/<dataset>[-<profile>])",
    )
    add_progress(gen)
    add_json(gen)

    info = commands.add_parser(
        "info",
        help="configs, splits, rows and bytes of a dataset folder; verify it",
        description="Show a dataset folder's configs, splits, rows and bytes, "
        "and verify every shard against the manifest.",
    )
    info.add_argument("folder", help="dataset folder, or ORG/NAME in the local hub")
    info.add_argument("--load", action="store_true", help="also load every config with datasets.load_dataset")
    info.add_argument(
        "--streaming", action="store_true", help="load every config in streaming mode (implies --load)"
    )
    add_json(info)

    pub = commands.add_parser(
        "publish",
        help="push a dataset folder to the Hugging Face Hub (or the local hub)",
        description="Verify a dataset folder against its manifest, then push it to the Hugging "
        "Face Hub (token from `hf auth login` or HF_TOKEN) and print the commit sha, or copy it "
        "into the local hub with --local.",
    )
    pub.add_argument("folder", type=Path, help="dataset folder written by `synthsuite generate`")
    pub.add_argument("--repo-id", required=True, metavar="ORG/NAME", help="dataset repo id")
    pub.add_argument("--local", action="store_true", help="publish into the local hub ($SYNTHSUITE_HUB)")
    pub.add_argument("--revision", help="branch to push to (created if missing)")
    pub.add_argument("--create-pr", action="store_true", help="open a pull request instead of pushing")
    pub.add_argument("--private", action="store_true", help="create the repo as private")
    add_json(pub)

    for name, handler in (
        ("list", _list),
        ("generate", _generate),
        ("info", _info),
        ("publish", _publish),
    ):
        commands.choices[name].set_defaults(handler=handler)


def _options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--set {pair!r} is not KEY=VALUE", "write it as e.g. --set sample_rate=22050")
        options[key] = value
    return options


def _list(args: argparse.Namespace) -> None:
    from synthsuite.datasets_src.generator import PROFILES, get_generator
    from synthsuite.kernel.suites import suites

    datasets = []
    for suite in suites().values():
        for name in suite.generators:
            generator = get_generator(name)
            configs = {c: {p: generator.rows(c, p) for p in PROFILES} for c in generator.configs}
            datasets.append(
                {"dataset": name, "version": generator.version, "suite": suite.name, "rows": configs}
            )

    def text() -> None:
        for entry in datasets:
            print(f"{entry['dataset']} {entry['version']} (suite {entry['suite']})")
            totals = {p: sum(counts[p] for counts in entry["rows"].values()) for p in PROFILES}
            width = max(10, *(len(f"{t:,}") + 2 for t in totals.values()))
            print(f"  {'config':<20}" + "".join(f"{p:>{width}}" for p in PROFILES))
            for config, counts in [*entry["rows"].items(), ("total", totals)]:
                print(f"  {config:<20}" + "".join(f"{counts[p]:>{width},}" for p in PROFILES))

    emit(args, datasets, text)


def _generate(args: argparse.Namespace) -> None:
    from synthsuite.datasets_src import engine, hub
    from synthsuite.datasets_src.executors import make_executor
    from synthsuite.datasets_src.generator import get_generator

    generator = get_generator(args.dataset, _options(args.set))
    executor = make_executor(args.executor, args.workers, args.ray_address)
    out = args.out or hub.default_output(generator.name, args.profile)
    configs = args.config or list(generator.configs)
    warnings = limit_warnings(generator, configs, args.profile, args.seed, args.limit)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    report = engine.generate(
        generator,
        out,
        configs=configs,
        profile=args.profile,
        seed=args.seed,
        limit=args.limit,
        executor=executor,
        command="synthsuite " + shlex.join(args.argv),
        progress=show_progress(args),
    )
    configs_built = report.manifest["configs"]
    rows = sum(s["num_examples"] for e in configs_built.values() for s in e["splits"].values())
    rate = report.rows_rendered / report.wall_seconds if report.wall_seconds else 0.0
    data = {
        "folder": str(out),
        "dataset": generator.name,
        "profile": args.profile,
        "rows": rows,
        "splits": {
            config: {split: sizes["num_examples"] for split, sizes in entry["splits"].items()}
            for config, entry in configs_built.items()
        },
        "rows_rendered": report.rows_rendered,
        "shards_written": report.shards_written,
        "shards_reused": report.shards_reused,
        "wall_seconds": round(report.wall_seconds, 3),
        "warnings": warnings,
    }
    emit(
        args,
        data,
        f"{out}: {rows:,} rows in {len(configs_built)} configs; rendered "
        f"{report.rows_rendered:,} rows ({report.shards_written} shards, {rate:.1f} rows/s), "
        f"reused {report.shards_reused} finished shards",
    )


def limit_warnings(
    generator: "Generator", configs: list[str], profile: str, seed: int, limit: int | None
) -> list[str]:
    """What `--limit` would leave out entirely: a split of a config that gets no row.

    The subset is the engine's (`engine.select_limit`: the first N specs in hash order, splits kept),
    so the smallest limit that keeps every split is found by asking it. Inputs the engine refuses
    (unknown config or profile, a limit below 1) give no warning; the engine names them.
    """
    from synthsuite.datasets_src.generator import PROFILES

    if limit is None or limit < 1 or profile not in PROFILES:
        return []
    warnings = []
    for config in dict.fromkeys(configs):
        if config not in generator.configs:
            return []
        specs = generator.plan(config, profile, seed)
        salt = f"{config}/limit/{seed}"  # engine.plan_shards' salt
        empty = _empty_splits(specs, limit, salt)
        if not empty:
            continue
        low, high = limit, len(specs)  # nothing is empty at len(specs): every spec is kept
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if _empty_splits(specs, middle, salt) else (low, middle)
        warnings.append(
            f"--limit {limit} leaves config {config!r} with no {' and no '.join(empty)} rows; "
            f"--limit {high} is the smallest that keeps every split"
        )
    return warnings


def _empty_splits(specs: list, limit: int, salt: str) -> list[str]:
    from collections import Counter

    from synthsuite.datasets_src.engine import select_limit

    kept = Counter(spec.split for spec in select_limit(specs, limit, salt))
    return [split for split in dict.fromkeys(spec.split for spec in specs) if not kept[split]]


def _info(args: argparse.Namespace) -> None:
    from synthsuite.datasets_src.access import open_dataset

    source = open_dataset(args.folder)
    folder, manifest = source.folder, source.verify()
    data = {
        "folder": str(folder),
        "dataset": manifest["dataset"],
        "generator_version": manifest["generator_version"],
        "profile": manifest["profile"],
        "seed": manifest["seed"],
        "revision": source.source_revision,
        "configs": {
            config: {
                "data_revision": source.data_revision(config),
                "splits": {
                    split: {
                        "rows": sizes["num_examples"],
                        "shards": sum(s["split"] == split for s in entry["shards"]),
                        "bytes": sizes["download_bytes"],
                    }
                    for split, sizes in entry["splits"].items()
                },
            }
            for config, entry in manifest["configs"].items()
        },
        "verified": True,
        "loaded": None,
    }
    if args.load or args.streaming:
        data["loaded"] = _load_every_config(folder, manifest, streaming=args.streaming)

    def text() -> None:
        print(
            f"{folder}: {data['dataset']} {data['generator_version']}, profile {data['profile']}, "
            f"seed {data['seed']}, revision {data['revision'][:12]}"
        )
        print(f"  {'config':<20}{'split':<12}{'rows':>9}{'shards':>8}{'MB on disk':>12}")
        for config, entry in data["configs"].items():
            for split, sizes in entry["splits"].items():
                print(
                    f"  {config:<20}{split:<12}{sizes['rows']:>9,}{sizes['shards']:>8}"
                    f"{sizes['bytes'] / 1e6:>12.1f}"
                )
        print("  all shards match the manifest")
        for config, splits in (data["loaded"] or {}).items():
            rows = ", ".join(f"{split} {count:,}" for split, count in splits.items())
            print(f"  load_dataset({folder.name!r}, {config!r}): {rows}")

    emit(args, data, text)


def _load_every_config(folder: Path, manifest: dict, *, streaming: bool) -> dict[str, dict[str, int]]:
    """Load each config with `datasets.load_dataset` and check its row counts against the manifest."""
    from datasets import disable_progress_bars, load_dataset

    disable_progress_bars()  # one summary line per config instead of one bar per split
    loaded = {}
    for config, entry in manifest["configs"].items():
        dataset = load_dataset(str(folder), config, streaming=streaming)
        loaded[config] = {}
        for split, sizes in entry["splits"].items():
            rows = sum(1 for _ in dataset[split]) if streaming else dataset[split].num_rows
            if rows != sizes["num_examples"]:
                raise UserError(
                    f"load_dataset read {rows} rows of {config}/{split}, the manifest says "
                    f"{sizes['num_examples']}",
                    "regenerate the dataset",
                )
            loaded[config][split] = rows
    return loaded


def _publish(args: argparse.Namespace) -> None:
    from synthsuite.datasets_src import hub

    if not args.folder.is_dir():
        raise UserError(f"no dataset folder {args.folder}", "pass a folder written by `synthsuite generate`")
    from synthsuite.leaderboard.publish import is_results_store, publish_results

    if is_results_store(args.folder):  # a results store (e.g. reference/store) goes up like a dataset
        if args.local or args.private:
            raise UserError("--local and --private apply to datasets, not results stores", "drop them")
        sha, pr_url = publish_results(
            args.folder, args.repo_id, revision=args.revision, create_pr=args.create_pr
        )
        data = {"repo_id": args.repo_id, "commit": sha, "pull_request": pr_url}
        emit(args, data, f"pushed results {args.repo_id}: {sha}" + (f", PR {pr_url}" if pr_url else ""))
        return
    if args.local:
        if args.revision or args.create_pr or args.private:
            raise UserError(
                "--revision, --create-pr and --private apply to the Hub, not --local",
                "drop them or drop --local",
            )
        target, revision = hub.publish_local(args.folder, args.repo_id)
        data = {"repo_id": args.repo_id, "local": str(target), "revision": revision}
        emit(args, data, f"published {args.repo_id} to the local hub at {target} (revision {revision[:12]})")
        return
    sha, pr_url = hub.publish_hub(
        args.folder, args.repo_id, revision=args.revision, create_pr=args.create_pr, private=args.private
    )
    data = {"repo_id": args.repo_id, "commit": sha, "pull_request": pr_url}
    emit(args, data, f"pushed {args.repo_id}: commit {sha}" + (f", pull request {pr_url}" if pr_url else ""))
