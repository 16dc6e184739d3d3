"""The Fourier suite's generated doc tables (see benchmarks/docs_tables.py), from reference/runs/fourier/.

fourier-synthetic: `synthetic/<config>/<head>/results.json`, the over-seeds results of
`synthsuite baseline fourier-synthetic --all --seeds 1 ... 10` (each holds every seed's scores and
weights' sha256), and `synthetic/run.json` (the command, its wall time and the machine's load),
copied there by `python benchmarks/fourier_synthetic.py report --results DIR`; `synthetic/floor.json`,
written by `python benchmarks/fourier_synthetic.py floor --frequencies 4 8 12 16 20 --write`.
"""

import json
from functools import cache
from pathlib import Path

from synthsuite.kernel.stats import Interval, difference_interval, mean_interval

CONFIGS = ("gaussian", "gmm2", "beta")
METRICS = ("kl_divergence", "smoothness", "mse")
LABELS = {"kl_divergence": "KL", "smoothness": "smoothness", "mse": "MSE"}
DIGITS = {"kl_divergence": 3, "smoothness": 3, "mse": 4}
FREQUENCIES = tuple(range(2, 21, 2))

# The paper's numbers: the official repository's committed results, mean (± sample std) over seeds
# 1, 2, 3, 42 (/work/shared/reference; the smoothness std is over the test PMFs, MSE has none).
PAPER = {
    ("gaussian", "linear"): {
        "kl_divergence": (0.170, 0.052),
        "smoothness": (0.116, 0.050),
        "mse": (0.0106, None),
    },
    ("gaussian", "gmm"): {
        "kl_divergence": (0.026, 0.011),
        "smoothness": (0.068, 0.012),
        "mse": (0.0104, None),
    },
    ("gaussian", "fourier-12"): {
        "kl_divergence": (0.116, 0.043),
        "smoothness": (0.057, 0.011),
        "mse": (0.0124, None),
    },
    ("gmm2", "linear"): {
        "kl_divergence": (0.238, 0.032),
        "smoothness": (0.068, 0.022),
        "mse": (0.1265, None),
    },
    ("gmm2", "gmm"): {"kl_divergence": (0.030, 0.006), "smoothness": (0.043, 0.009), "mse": (0.1198, None)},
    ("gmm2", "fourier-12"): {
        "kl_divergence": (0.146, 0.033),
        "smoothness": (0.038, 0.007),
        "mse": (0.1229, None),
    },
    ("beta", "linear"): {
        "kl_divergence": (0.234, 0.032),
        "smoothness": (0.127, 0.044),
        "mse": (0.2758, None),
    },
    ("beta", "gmm"): {"kl_divergence": (0.407, 0.012), "smoothness": (0.061, 0.003), "mse": (0.2733, None)},
    ("beta", "fourier-12"): {
        "kl_divergence": (0.191, 0.016),
        "smoothness": (0.076, 0.021),
        "mse": (0.2749, None),
    },
}
PAPER_BEST_N = {"gaussian": (18, 0.087), "gmm2": (6, 0.129), "beta": (16, 0.159)}


@cache
def _result(runs: Path, config: str, head: str) -> dict:
    return json.loads((runs / "fourier" / "synthetic" / config / head / "results.json").read_text())


def _values(runs: Path, config: str, head: str, metric: str) -> list[float]:
    per_seed = _result(runs, config, head)["settings"]["per_seed"]
    return [scores[metric] for _, scores in sorted(per_seed.items(), key=lambda item: int(item[0]))]


def _interval(runs: Path, config: str, head: str, metric: str) -> Interval:
    return mean_interval(_values(runs, config, head, metric))


def _cell(interval: Interval, digits: int) -> str:
    return f"{interval.mean:.{digits}f} [{interval.low:.{digits}f}, {interval.high:.{digits}f}]"


def _paper_cell(metric: str, paper: tuple[float, float | None]) -> str:
    mean, std = paper
    digits = DIGITS[metric]
    return f"{mean:.{digits}f}" + (f" ± {std:.{digits}f}" if std is not None else "")


def _seeds(runs: Path) -> list[int]:
    return _result(runs, "gaussian", "linear")["seeds"]


def synthetic_results(runs: Path) -> str:
    seeds = _seeds(runs)
    lines = [
        f"Ours: mean over {len(seeds)} seeds [95% t interval of the mean]. Paper: mean ± standard deviation "
        "over its 4 seeds (smoothness: over its test PMFs).",
        "",
        "| dataset | head | KL ↓ (ours) | KL (paper) | smoothness ↓ (ours) | smoothness (paper) "
        "| MSE ↓ (ours) | MSE (paper) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for config in CONFIGS:
        for head in ("linear", "gmm", "fourier-12"):
            cells = []
            for metric in METRICS:
                cells.append(_cell(_interval(runs, config, head, metric), DIGITS[metric]))
                cells.append(_paper_cell(metric, PAPER[config, head][metric]))
            lines.append(f"| {config} | {head} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _verdict(difference: Interval, what: str) -> str:
    if difference.high < 0:
        return f"Fourier-12 lower {what}"
    if difference.low > 0:
        return f"linear lower {what}"
    return "not resolved (the interval holds 0)"


def synthetic_versus_linear(runs: Path) -> str:
    lines = [
        "Fourier-12 minus linear: difference of the means [95% Welch interval], and the change relative "
        "to linear (negative: Fourier-12 is lower, i.e. better). Paper: its relative change.",
        "",
        "| dataset | metric | Fourier-12 − linear | relative | paper relative | what the interval supports |",
        "|---|---|---|---|---|---|",
    ]
    for config in CONFIGS:
        for metric in ("kl_divergence", "smoothness"):
            fourier, linear = (_values(runs, config, head, metric) for head in ("fourier-12", "linear"))
            difference = difference_interval(fourier, linear)
            relative = difference.mean / mean_interval(linear).mean
            paper = PAPER[config, "fourier-12"][metric][0] / PAPER[config, "linear"][metric][0] - 1
            digits = DIGITS[metric]
            lines.append(
                f"| {config} | {LABELS[metric]} | {_cell(difference, digits)} | {relative:+.0%} "
                f"| {paper:+.0%} | {_verdict(difference, LABELS[metric])} |"
            )
    return "\n".join(lines)


def synthetic_paper_gaps(runs: Path) -> str:
    lines = [
        "Our mean against the paper's, relative ((ours − paper) / paper), and whether the paper's value lies "
        "inside our 95% interval.",
        "",
        "| dataset | head | KL | inside? | smoothness | inside? | MSE | inside? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for config in CONFIGS:
        for head in ("linear", "gmm", "fourier-12"):
            cells = []
            for metric in METRICS:
                ours, paper = _interval(runs, config, head, metric), PAPER[config, head][metric][0]
                cells += [f"{ours.mean / paper - 1:+.0%}", "no" if ours.excludes(paper) else "yes"]
            lines.append(f"| {config} | {head} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def synthetic_best_n(runs: Path) -> str:
    lines = [
        "The Fourier head with the lowest mean KL per dataset and γ, and every N whose 95% interval overlaps "
        "the best one's (the N the seeds cannot tell apart from it).",
        "",
        "| dataset | γ | best N | its KL | N not resolved from it | paper's best N (KL) |",
        "|---|---|---|---|---|---|",
    ]
    for config in CONFIGS:
        for gamma in ("0", "1e-06"):
            suffix = "" if gamma == "0" else f"-gamma{gamma}"
            kl = {n: _interval(runs, config, f"fourier-{n}{suffix}", "kl_divergence") for n in FREQUENCIES}
            best = min(kl, key=lambda n: kl[n].mean)
            close = [n for n in FREQUENCIES if kl[n].low <= kl[best].high and kl[best].low <= kl[n].high]
            paper_n, paper_kl = PAPER_BEST_N[config]
            lines.append(
                f"| {config} | {gamma} | {best} | {_cell(kl[best], 3)} | {', '.join(map(str, close))} "
                f"| {paper_n} ({paper_kl:.3f}) |"
            )
    return "\n".join(lines)


def synthetic_run(runs: Path) -> str:
    run = json.loads((runs / "fourier" / "synthetic" / "run.json").read_text())
    seeds = _seeds(runs)
    models = sum(
        len(_result(runs, config, path.name)["seeds"])
        for config in CONFIGS
        for path in (runs / "fourier" / "synthetic" / config).iterdir()
    )
    minutes = run["wall_seconds"] / 60
    return (
        f"`{run['command']}` trained {models} models (3 datasets × 22 heads × {len(seeds)} seeds: "
        f"{', '.join(map(str, seeds))}) in {minutes:.0f} min of wall time on the {run['cores']}-core machine "
        f"at `nice -n 10`, shared with other work: load average {run['load_min']:.1f}–{run['load_max']:.1f} "
        f"(mean {run['load_mean']:.1f}, sampled every minute)."
    )


def synthetic_epochs(runs: Path) -> str:
    """Linear against Fourier-12 after 20 epochs (reference/runs/fourier/synthetic-20-epochs/)."""
    folder = runs / "fourier" / "synthetic-20-epochs"
    lines = [
        "KL after 20 epochs: mean [95% interval] over the seeds, and Fourier-12 minus linear [95% Welch "
        "interval]. The same comparison after 500 epochs is in Results.",
        "",
        "| dataset | linear | Fourier-12 | Fourier-12 − linear | what the interval supports |",
        "|---|---|---|---|---|",
    ]
    for config in CONFIGS:
        values = {}
        for head in ("linear", "fourier-12"):
            per_seed = json.loads((folder / config / head / "results.json").read_text())["settings"][
                "per_seed"
            ]
            values[head] = [per_seed[seed]["kl_divergence"] for seed in sorted(per_seed, key=int)]
        difference = difference_interval(values["fourier-12"], values["linear"])
        linear, fourier = (_cell(mean_interval(values[head]), 3) for head in ("linear", "fourier-12"))
        lines.append(
            f"| {config} | {linear} | {fourier} | {_cell(difference, 3)} | {_verdict(difference, 'KL')} |"
        )
    return "\n".join(lines)


def synthetic_label_checks(runs: Path) -> str:
    checks = json.loads((runs / "fourier" / "synthetic" / "label-checks.json").read_text())
    lines = [
        "| config | rows | KS p: z given (x, y) | KS p: x ~ U(−0.8, 0.8) | max abs(true_pmf − scipy) "
        "| z_bin = clip(floor) |",
        "|---|---|---|---|---|---|",
    ]
    for config in CONFIGS:
        c = checks[config]
        lines.append(
            f"| {config} | {c['rows']:,} | {c['ks_pvalue_z_given_xy']:.2f} | {c['ks_pvalue_x_uniform']:.2f} "
            f"| {c['max_abs_true_pmf_minus_scipy']:.1e} | {c['z_bin_matches_digitize']:,} of {c['rows']:,} |"
        )
    return "\n".join(lines)


def synthetic_floor(runs: Path) -> str:
    floor = json.loads((runs / "fourier" / "synthetic" / "floor.json").read_text())
    frequencies = list(floor["kl"]["gaussian"])
    lines = [
        "| config | " + " | ".join(f"N = {n}" for n in frequencies) + " |",
        "|---|" + "---|" * len(frequencies),
    ]
    for config in CONFIGS:
        cells = [
            f"{floor['kl'][config][n]:.2g}"
            if floor["kl"][config][n] < 0.01
            else f"{floor['kl'][config][n]:.3f}"
            for n in frequencies
        ]
        lines.append(f"| {config} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _dt_curves(runs: Path) -> dict[tuple[str, str], list[dict]]:
    """(task, head) -> its curves by seed: every seed-*.curve.json under reference/runs/fourier/
    decision-transformer/. A run shipped twice (e.g. by the leaderboard's reference results) must agree."""
    found: dict[tuple[str, str, int], dict] = {}
    for path in sorted((runs / "fourier" / "decision-transformer").glob("**/seed-*.curve.json")):
        curve = json.loads(path.read_text())
        key = (curve["task"], curve["head"], curve["seed"])
        if key in found and (found[key]["final"], found[key]["points"]) != (curve["final"], curve["points"]):
            raise ValueError(f"two different runs of {key}: {path} and another")
        found[key] = curve
    if not found:
        raise FileNotFoundError("no seed-*.curve.json under reference/runs/fourier/decision-transformer/")
    grouped: dict[tuple[str, str], list[dict]] = {}
    for (task, head, _), curve in sorted(found.items()):
        grouped.setdefault((task, head), []).append(curve)
    return grouped


def _dt_cell(values: list[float], digits: int) -> str:
    """The mean [95% t interval] over seeds; a single seed's value alone (it has no interval)."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return _cell(mean_interval(values), digits)


def _dt_steps(group: list[dict]) -> str:
    steps = sorted({c["config"]["steps"] for c in group})
    return ", ".join(f"{s:,}" for s in steps)


def dt_results(runs: Path) -> str:
    curves = _dt_curves(runs)
    lines = [
        "Per task and head: the seeds that ran, the training steps, and the mean [95% t interval of the "
        'mean] over those seeds (a single seed: its value, no interval). "Best curve point" is the best of '
        "the evaluations during training, per seed (the paper's way; it selects on the evaluation episodes, "
        "so it is optimistic). Final scores: the last model on 100 episodes.",
        "",
        "| task | head | seeds | steps | normalised return (final) | best curve point | mean return "
        "| smoothness ↓ |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (task, head), group in curves.items():
        final = {
            m: _dt_cell([c["final"][m] for c in group], digits)
            for m, digits in (("normalized_return", 1), ("mean_return", 2), ("smoothness", 3))
        }
        best = _dt_cell([max(p["normalized_return"] for p in c["points"]) for c in group], 1)
        seeds = ", ".join(str(c["seed"]) for c in group)
        lines.append(
            f"| {task} | {head} | {seeds} | {_dt_steps(group)} | {final['normalized_return']} | {best} "
            f"| {final['mean_return']} | {final['smoothness']} |"
        )
    return "\n".join(lines)


def dt_versus_linear(runs: Path) -> str:
    curves = _dt_curves(runs)
    lines = [
        "Fourier minus linear: the difference of the means over the seeds, with its 95% Welch interval when "
        "both heads have at least two seeds (with one seed there is no interval, and nothing is concluded).",
        "",
        "| task | seeds (linear; Fourier) | normalised return (final) | smoothness "
        "| what the intervals support |",
        "|---|---|---|---|---|",
    ]
    for task in sorted({task for task, _ in curves}):
        others = [(h, v) for (t, h), v in curves.items() if t == task and h != "linear"]
        if (task, "linear") not in curves or len(others) != 1:
            continue  # a comparison needs the linear head and one other
        linear, fourier = curves[task, "linear"], others[0][1]
        seeds = f"{', '.join(str(c['seed']) for c in linear)}; {', '.join(str(c['seed']) for c in fourier)}"
        cells, findings = [], []
        for name, metric, digits in (("return", "normalized_return", 1), ("smoothness", "smoothness", 3)):
            a, b = [c["final"][metric] for c in fourier], [c["final"][metric] for c in linear]
            if min(len(a), len(b)) < 2:
                difference = sum(a) / len(a) - sum(b) / len(b)
                cells.append(f"{difference:+.{digits}f} (no interval)")
                continue
            interval = difference_interval(a, b)
            cells.append(_cell(interval, digits))
            if interval.excludes(0.0):
                findings.append(f"{name}: {'Fourier' if interval.mean > 0 else 'linear'} higher")
            else:
                findings.append(f"{name}: not resolved")
        verdict = "; ".join(findings) if findings else "one seed: not tested"
        lines.append(f"| {task} | {seeds} | {cells[0]} | {cells[1]} | {verdict} |")
    return "\n".join(lines)


def dt_normalisation(runs: Path) -> str:
    """The tasks' normalisation constants, from the code that pins them (evaluation/fourier/minatar)."""
    from synthsuite.evaluation.fourier.minatar.tasks import NORMALIZATION

    lines = ["| game | random | reference (the data's DQN) |", "|---|---|---|"]
    lines += [
        f"| {game} | {random:g} | {reference:g} |" for game, (random, reference) in NORMALIZATION.items()
    ]
    return "\n".join(lines)


TABLES = {
    "fourier-dt-normalisation": dt_normalisation,
    "fourier-dt-results": dt_results,
    "fourier-dt-versus-linear": dt_versus_linear,
    "fourier-synthetic-label-checks": synthetic_label_checks,
    "fourier-synthetic-epochs": synthetic_epochs,
    "fourier-synthetic-floor": synthetic_floor,
    "fourier-synthetic-results": synthetic_results,
    "fourier-synthetic-versus-linear": synthetic_versus_linear,
    "fourier-synthetic-paper-gaps": synthetic_paper_gaps,
    "fourier-synthetic-best-n": synthetic_best_n,
    "fourier-synthetic-run": synthetic_run,
}
