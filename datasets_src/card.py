"""The dataset card (README.md): YAML the Hub and `datasets` read, then the generator's prose."""

import json
from pathlib import Path
from typing import Any

import yaml
from datasets import DatasetInfo, Features

from synthsuite.datasets_src.generator import SPLITS, Generator
from synthsuite.kernel.atomic import atomic_write_text


def write_card(
    folder: Path, manifest: dict[str, Any], generator: Generator, repo_id: str = "ORG/NAME"
) -> None:
    """Write README.md atomically (a new file, never in place: published copies may be hard links).

    `repo_id` fills the card's loading examples; `synthsuite publish` passes the real one."""
    configs, infos = [], []
    for name, entry in manifest["configs"].items():
        configs.append(
            {
                "config_name": name,
                "data_files": [
                    {"split": split, "path": f"data/{name}/{split}-*.parquet"} for split in entry["splits"]
                ],
            }
        )
        features = Features.from_dict(entry["features"])
        infos.append(
            {
                "config_name": name,
                "features": _features_yaml(features),
                "splits": [
                    {"name": split, "num_bytes": sizes["num_bytes"], "num_examples": sizes["num_examples"]}
                    for split, sizes in entry["splits"].items()
                ],
                "download_size": sum(s["download_bytes"] for s in entry["splits"].values()),
                "dataset_size": sum(s["num_bytes"] for s in entry["splits"].values()),
            }
        )
    rows = sum(s["num_examples"] for e in manifest["configs"].values() for s in e["splits"].values())
    metadata = {
        **generator.card_metadata(),
        "size_categories": [_size_category(rows)],
        "configs": configs,
        "dataset_info": infos,
    }
    front = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=1000)
    body = generator.card_sections().format(repo_id=repo_id, **_card_facts(manifest))
    atomic_write_text(folder / "README.md", f"---\n{front}---\n\n{body}")


def _features_yaml(features: Any) -> list[dict[str, Any]]:
    """The `dataset_info.features` list in the form the Hub and `datasets` read from cards."""
    return DatasetInfo(features=features)._to_yaml_dict()["features"]


def _size_category(rows: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if rows < limit:
            return label
    return "1M<n<10M"


def _card_facts(manifest: dict[str, Any]) -> dict[str, Any]:
    rows = {c: sum(s["num_examples"] for s in e["splits"].values()) for c, e in manifest["configs"].items()}
    table = "\n".join(
        f"| `{c}` | "
        + " | ".join(str(e["splits"].get(s, {}).get("num_examples", 0)) for s in SPLITS)
        + f" | {rows[c]} |"
        for c, e in manifest["configs"].items()
    )
    return {
        "command": manifest["command"],
        "generator_version": manifest["generator_version"],
        "synthsuite_version": manifest["synthsuite_version"],
        "profile": manifest["profile"],
        "seed": manifest["seed"],
        "options": json.dumps(manifest["options"], sort_keys=True),
        "environment": json.dumps(manifest["environment"], sort_keys=True),
        "split_table": "| config | train | validation | test | total |\n|---|---|---|---|---|\n" + table,
    }
