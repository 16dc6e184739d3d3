"""Fourier-head toy tasks: predict the distribution of z given (x, y), one task per dataset config.

Each task pins the content revision (`synthsuite.datasets_src.access.data_revision`) of the
paper-profile build `synthsuite generate fourier-synthetic --profile paper` (seed 0, 50 bins). Generation is
byte-deterministic, so that command reproduces the pin with the same numpy and pyarrow versions
(the manifest's `environment`); a build with other bytes is scored with a warning and never ranked.
"""

from synthsuite.datasets_src.fourier.synthetic.densities import CONFIGS, PAPER_BINS, bin_centers
from synthsuite.evaluation.tasks import DatasetRef, Metric, PredictionFormat, TaskMetadata

PAPER_REPO = "synthsuite/fourier-synthetic"
REFERENCE = (
    "Gillman, Aggarwal, Freeman, Singh, Sun. Fourier Head: Helping Large Language Models Learn "
    "Complex Probability Distributions. ICLR 2025."
)
BIN_NAMES = tuple(f"{c:.2f}" for c in bin_centers(PAPER_BINS))  # the bin centres, "-0.98" ... "0.98"

METRICS = (
    # a row's KL is at most -log(1e-10) < 24 (the offset bounds the log of the prediction)
    Metric(name="kl_divergence", higher_is_better=False, range=(0.0, 24.0)),
    # ‖y − G∗y‖₂ ≤ 2 for a PMF and the σ weights sum to less than 1
    Metric(name="smoothness", higher_is_better=False, range=(0.0, 2.0)),
    Metric(name="mse", higher_is_better=False, range=(0.0, 4.0)),
)

# data_revision of each config of the paper-profile build
PAPER_REVISIONS = {
    "gaussian": "d063e167f15cceca900b558a03281a02e13d50b1e04a490567a11ce8d9c23fd5",
    "gmm2": "9a4a6d5b452f7fd6768cece474d7246a169eece5b304e38f1fe40660f1acbea7",
    "beta": "e736e1f4836fb178ad450f112fd0f7dce4205711bea3578a41f8cd61ac468a09",
}


def density_task(config: str, *, name: str, repo_id: str, revision: str, profile: str) -> TaskMetadata:
    return TaskMetadata(
        name=name,
        suite="fourier",
        description=(
            f"Predict the distribution of z given (x, y) on the `{config}` density as a PMF over "
            f"{PAPER_BINS} equal bins of [-1, 1]; scored against the true PMF (`true_pmf`) of each test row."
        ),
        dataset=DatasetRef(repo_id=repo_id, config=config, revision=revision, profile=profile),
        splits=("train", "test"),
        eval_split="test",
        input="x and y (the paper's model reads x_bin and y_bin); never z, z_bin or true_pmf",
        predictions=PredictionFormat(kind="distribution", label_column="z_bin", classes=BIN_NAMES),
        metrics=METRICS,
        main_score="kl_divergence",
        version="1.0.0",
        reference=REFERENCE,
    )


TASKS = [
    density_task(
        c, name=f"fourier-synthetic/{c}", repo_id=PAPER_REPO, revision=PAPER_REVISIONS[c], profile="paper"
    )
    for c in CONFIGS
]
