"""`synthsuite list`, `generate`, `info` and `publish`: the datasets of every suite."""

import argparse
import os
import shlex
from pathlib import Path

from synthsuite.kernel.errors import UserError


def register(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "list",
        help="suites, datasets, configs and planned rows per profile",
        description="List every dataset, its configs and planned rows per profile.",
    )

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
    gen.add_argument("--limit", type=int, metavar="N", help="at most N rows per config (a spread-out subset)")
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
    gen.add_argument("--no-progress", action="store_true", help="no progress bar")

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

    for name, handler in (
        ("list", lambda a: _list()),
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


def _list() -> None:
    from synthsuite.datasets_src.generator import PROFILES, get_generator
    from synthsuite.kernel.suites import suites

    for suite in suites().values():
        for name in suite.generators:
            generator = get_generator(name)
            print(f"{name} {generator.version} (suite {suite.name})")
            print(f"  {'config':<20}" + "".join(f"{p:>10}" for p in PROFILES))
            totals = dict.fromkeys(PROFILES, 0)
            for config in generator.configs:
                counts = [len(generator.plan(config, p, 0)) for p in PROFILES]
                for profile, count in zip(PROFILES, counts, strict=True):
                    totals[profile] += count
                print(f"  {config:<20}" + "".join(f"{c:>10,}" for c in counts))
            print(f"  {'total':<20}" + "".join(f"{totals[p]:>10,}" for p in PROFILES))


def _generate(args: argparse.Namespace) -> None:
    from synthsuite.datasets_src import engine, hub
    from synthsuite.datasets_src.executors import make_executor
    from synthsuite.datasets_src.generator import get_generator

    generator = get_generator(args.dataset, _options(args.set))
    executor = make_executor(args.executor, args.workers, args.ray_address)
    out = args.out or hub.default_output(generator.name, args.profile)
    report = engine.generate(
        generator,
        out,
        configs=args.config or list(generator.configs),
        profile=args.profile,
        seed=args.seed,
        limit=args.limit,
        executor=executor,
        command="synthsuite " + shlex.join(args.argv),
        progress=not args.no_progress,
    )
    rows = sum(s["num_examples"] for e in report.manifest["configs"].values() for s in e["splits"].values())
    rate = report.rows_rendered / report.wall_seconds if report.wall_seconds else 0.0
    print(
        f"{out}: {rows:,} rows in {len(report.manifest['configs'])} configs; rendered "
        f"{report.rows_rendered:,} rows ({report.shards_written} shards, {rate:.1f} rows/s), "
        f"reused {report.shards_reused} finished shards"
    )


def _info(args: argparse.Namespace) -> None:
    from synthsuite.datasets_src.access import open_dataset

    source = open_dataset(args.folder)
    folder, manifest = source.folder, source.verify()
    print(
        f"{folder}: {manifest['dataset']} {manifest['generator_version']}, profile "
        f"{manifest['profile']}, seed {manifest['seed']}, revision {source.source_revision[:12]}"
    )
    print(f"  {'config':<20}{'split':<12}{'rows':>9}{'shards':>8}{'MB on disk':>12}")
    for config, entry in manifest["configs"].items():
        for split, sizes in entry["splits"].items():
            shards = sum(s["split"] == split for s in entry["shards"])
            print(
                f"  {config:<20}{split:<12}{sizes['num_examples']:>9,}{shards:>8}"
                f"{sizes['download_bytes'] / 1e6:>12.1f}"
            )
    print("  all shards match the manifest")
    if args.load or args.streaming:
        from datasets import disable_progress_bars, load_dataset

        disable_progress_bars()  # one summary line per config instead of one bar per split

        for config, entry in manifest["configs"].items():
            loaded = load_dataset(str(folder), config, streaming=args.streaming)
            for split, sizes in entry["splits"].items():
                rows = sum(1 for _ in loaded[split]) if args.streaming else loaded[split].num_rows
                if rows != sizes["num_examples"]:
                    raise UserError(
                        f"load_dataset read {rows} rows of {config}/{split}, the manifest says "
                        f"{sizes['num_examples']}",
                        "regenerate the dataset",
                    )
            print(
                f"  load_dataset({folder.name!r}, {config!r}): "
                + ", ".join(f"{s} {entry['splits'][s]['num_examples']:,}" for s in entry["splits"])
            )


def _publish(args: argparse.Namespace) -> None:
    from synthsuite.datasets_src import hub

    if not args.folder.is_dir():
        raise UserError(f"no dataset folder {args.folder}", "pass a folder written by `synthsuite generate`")
    if args.local:
        if args.revision or args.create_pr or args.private:
            raise UserError(
                "--revision, --create-pr and --private apply to the Hub, not --local",
                "drop them or drop --local",
            )
        target, revision = hub.publish_local(args.folder, args.repo_id)
        print(f"published {args.repo_id} to the local hub at {target} (revision {revision[:12]})")
        return
    sha, pr_url = hub.publish_hub(
        args.folder, args.repo_id, revision=args.revision, create_pr=args.create_pr, private=args.private
    )
    print(f"pushed {args.repo_id}: commit {sha}" + (f", pull request {pr_url}" if pr_url else ""))


