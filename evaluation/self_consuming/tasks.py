"""Tasks for generated samples, so that anyone's generator can be ranked on what the loops measure.

- `self-consuming/gaussian`: points of a generator trained on the toy's 50 real points (for example
  after G generations of a self-consuming loop at ratio λ and strength γ: say which in the model card),
  scored by W2 to the target N(0, I₂) (gaussian.py).
- `digits/generation`: one 8×8 image per `test` row of the digits data, of that row's label, scored
  by FID, diversity and class accuracy in the pinned classifier's feature space (digits.py).

Each task pins the content revision (`synthsuite.datasets_src.access.data_revision`) of the paper
profile built here with seed 0 (`synthsuite generate gaussian-toy --profile paper`, `synthsuite generate
digits --profile paper`); generation is byte-deterministic, so those commands reproduce the pins with
the same numpy and pyarrow (and, for digits, scikit-learn's `digits.csv.gz`, whose sha256 the manifest
records).
"""

from synthsuite.evaluation.tasks import DatasetRef, Metric, PredictionFormat, TaskMetadata

REFERENCE = (
    "Gillman, Freeman, Aggarwal, Hsu, Luo, Tian, Sun. Self-Correcting Self-Consuming Loops for Generative "
    "Model Training. ICML 2024."
)
UNBOUNDED = 1e6  # distances have no natural upper bound; a metric's range must be finite

GAUSSIAN_REVISION = "910c29b6a47cbd16b670ebb29d707406c654009a6a5967e465566bdda82be66c"
DIGITS_REVISION = "b83e50f8d790d0f8eca4171d94590df3af046c0406c6ea33f598d86f128e2fd5"

GAUSSIAN = TaskMetadata(
    name="self-consuming/gaussian",
    suite="self-consuming",
    description=(
        "Generate one 2-D point per test row from a model trained on the 50 real points of the train split "
        "(the Gaussian toy of self-consuming loops: the original runs 500 generations at λ = 0.5). Scored by "
        "the W2 distance between the Gaussian fitted to the points and the target N(0, I2), and by the "
        "empirical W2 to the test split's target points."
    ),
    dataset=DatasetRef(repo_id="synthsuite/gaussian-toy", config="real", revision=GAUSSIAN_REVISION),
    splits=("train", "test"),
    eval_split="test",
    input="the 50 points of the train split; nothing of the test split",
    predictions=PredictionFormat(kind="points", label_column="x"),
    metrics=(
        Metric(name="w2", higher_is_better=False, range=(0.0, UNBOUNDED)),
        Metric(name="w2_empirical", higher_is_better=False, range=(0.0, UNBOUNDED)),
    ),
    main_score="w2",
    version="1.0.0",
    reference=REFERENCE,
)

DIGITS = TaskMetadata(
    name="digits/generation",
    suite="self-consuming",
    description=(
        "Generate one 8x8 digit (64 values in [0, 16]) per test row, of that row's label, with a model "
        "trained on the train split. Scored in the feature space of the pinned classifier digits-mlp-v1 "
        "(97.5% test accuracy): FID to the real test images (real train images score 0.74), diversity (the "
        "real test images: 24.3) and how often the classifier reads the requested label."
    ),
    dataset=DatasetRef(repo_id="synthsuite/digits", config="images", revision=DIGITS_REVISION),
    splits=("train", "validation", "test"),
    eval_split="test",
    input="the labels of the test rows (the images of the train and validation splits for training)",
    predictions=PredictionFormat(kind="digit-images", label_column="label"),
    metrics=(
        Metric(name="fid", higher_is_better=False, range=(0.0, UNBOUNDED)),
        Metric(name="diversity", higher_is_better=True, range=(0.0, UNBOUNDED)),
        Metric(name="class_accuracy", higher_is_better=True, range=(0.0, 1.0)),
    ),
    main_score="fid",
    version="1.0.0",
    reference=REFERENCE,
)

TASKS = [GAUSSIAN, DIGITS]
