"""The zero-shot forecasting tasks: `timeseries/real` (20 real series of six frequencies shipped in
Python packages) and `timeseries/synthetic` (64 held-out KernelSynth series).

Each pins the content revision of a config of the paper-profile build
`synthsuite generate timeseries-zero-shot --profile paper` (seed 0); generation is deterministic, so
that command reproduces the pins with the numpy, BLAS and package files of the manifest's environment.
"""

from synthsuite.evaluation.tasks import DatasetRef, Metric, PredictionFormat, TaskMetadata

PAPER_REPO = "synthsuite/timeseries-zero-shot"
REFERENCE = (
    "Gillman, Aggarwal, Freeman, Singh, Sun. Fourier Head: Helping Large Language Models Learn Complex "
    "Probability Distributions. ICLR 2025, Table 3 (Chronos with a Fourier head)."
)
PAPER_REVISIONS = {
    "real": "47d441bf92b7d045ccbf7d9e29549ca2eac3bfcdbe852778edeb8b69e43831f7",
    "synthetic": "26cd03c01c8e71ad3f5a0f3ca634ddb3630db49c260d2e5e7c148d6660429f3f",
}
UNBOUNDED = 1e12  # MASE and WQL have no upper bound; this only rejects absurd values

METRICS = (
    Metric(name="mase_relative", higher_is_better=False, range=(0.0, UNBOUNDED)),
    Metric(name="wql_relative", higher_is_better=False, range=(0.0, UNBOUNDED)),
    Metric(name="mase", higher_is_better=False, range=(0.0, UNBOUNDED)),
    Metric(name="wql", higher_is_better=False, range=(0.0, UNBOUNDED)),
    # ‖y − G∗y‖₂ ≤ 2 for a PMF and the σ weights sum to less than 1
    Metric(name="smoothness", higher_is_better=False, range=(0.0, 2.0)),
)
DESCRIPTIONS = {
    "real": "20 real series (hourly, daily, weekly, monthly, quarterly, yearly) shipped by statsmodels and "
    "vega_datasets, none in the training corpora",
    "synthetic": "64 held-out KernelSynth series of 1,024 points",
}


def forecast_task(config: str, *, name: str, repo_id: str, revision: str, profile: str) -> TaskMetadata:
    return TaskMetadata(
        name=name,
        suite="timeseries",
        description=(
            f"Forecast the last `horizon` points of each of {DESCRIPTIONS[config]}, zero-shot, as sample "
            "paths or quantiles, with each step's predicted distribution; scored by MASE and WQL relative "
            "to Seasonal Naive (geometric mean over source datasets) and smoothness."
        ),
        dataset=DatasetRef(repo_id=repo_id, config=config, revision=revision, profile=profile),
        splits=("test",),
        eval_split="test",
        input="`context` (and `frequency`, `season_length`, `horizon`); never `target`",
        predictions=PredictionFormat(kind="forecast", label_column="target"),
        metrics=METRICS,
        main_score="mase_relative",
        version="1.0.0",
        reference=REFERENCE,
    )


TASKS = [
    forecast_task(c, name=f"timeseries/{c}", repo_id=PAPER_REPO, revision=PAPER_REVISIONS[c], profile="paper")
    for c in ("real", "synthetic")
]
