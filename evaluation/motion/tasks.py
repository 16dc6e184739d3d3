"""The motion suite's task: correct artifacted motions (`motion/correction`).

The task pins the content revision (`synthsuite.datasets_src.access.data_revision`) of the `pairs`
config of the small-profile build, `synthsuite generate motion-correction --profile small` (seed 0),
scored on its test split (36 motions: every artifact type on every family over the profiles).
Generation is byte-deterministic given the versions in the manifest's environment (MuJoCo,
dm-control's model file, numpy, pyarrow), so that command reproduces the pin; a build with other
bytes is scored with a warning and never ranked.
"""

from synthsuite.evaluation.tasks import DatasetRef, Metric, PredictionFormat, TaskMetadata

REPO = "synthsuite/motion-correction"
REFERENCE = (
    "Gillman, Freeman, Aggarwal, Hsu, Luo, Tian, Sun. Self-Correcting Self-Consuming Loops for "
    "Generative Model Training. ICML 2024."
)
# data_revision of `pairs` in the small-profile build
SMALL_PAIRS_REVISION = "fe409376ec14e41bc830da9ce222ba09162095b75ffd4f193acba06d0e3ccae0"
LARGE = 1e9

METRICS = (
    Metric(name="artifact_reduction", higher_is_better=True, range=(-100.0, 100.0)),
    Metric(name="mpjpe_to_clean", higher_is_better=False, range=(0.0, LARGE)),
    *(
        Metric(name=f"reduction_{m}", higher_is_better=True, range=(-1000.0, 100.0))
        for m in ("penetrate", "float", "skate", "jitter", "overspeed")
    ),
    *(
        Metric(name=m, higher_is_better=False, range=(0.0, LARGE))
        for m in ("penetrate", "float", "skate", "phys_err", "jitter", "overspeed")
    ),
)


def correction_task(*, name: str, repo_id: str, revision: str, profile: str) -> TaskMetadata:
    return TaskMetadata(
        name=name,
        suite="motion",
        description=(
            "Correct physically implausible motions (ground penetration, floating, foot skating, jitter, "
            "impossible speed, and mixes): for each artifacted motion of the `pairs` test split, predict "
            "a corrected motion with the same frames; scored by how much of each artifact's metric is "
            "removed and by the distance to the clean source."
        ),
        dataset=DatasetRef(repo_id=repo_id, config="pairs", revision=revision, profile=profile),
        splits=("train", "validation", "test"),
        eval_split="test",
        input="joints (and fps, caption); never clean_joints, the clean_* metrics, artifacts or magnitudes",
        predictions=PredictionFormat(kind="motion", label_column="clean_joints"),
        metrics=METRICS,
        main_score="artifact_reduction",
        version="1.0.0",
        reference=REFERENCE,
    )


TASKS = [
    correction_task(name="motion/correction", repo_id=REPO, revision=SMALL_PAIRS_REVISION, profile="small")
]


def _with_generation() -> None:
    """`motion/generation` (issue 12): generated motions, scored by evaluation/motion/generation.py."""
    from synthsuite.evaluation.motion.generation import MOTION_GENERATION

    TASKS.append(MOTION_GENERATION)


_with_generation()
