from synthsuite.kernel.suites import Suite

SUITE = Suite(
    name="self-consuming",
    title="Self-correcting self-consuming loops: the Gaussian toy, digits and motion",
    reference=(
        "Gillman, Freeman, Aggarwal, Hsu, Luo, Tian, Sun. Self-Correcting Self-Consuming Loops for "
        "Generative Model Training. ICML 2024."
    ),
    generators={
        "gaussian-toy": "synthsuite.datasets_src.self_consuming.gaussian:GaussianToyGenerator",
        "digits": "synthsuite.datasets_src.self_consuming.digits:DigitsGenerator",
    },
    tasks="synthsuite.evaluation.self_consuming.tasks:TASKS",
    scorers={
        "points": "synthsuite.evaluation.self_consuming.gaussian:PointsScorer",
        "digit-images": "synthsuite.evaluation.self_consuming.digits:DigitImagesScorer",
    },
    cli="synthsuite.commands.self_consuming",
    baselines=("self-consuming",),
)
