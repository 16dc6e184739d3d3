from synthsuite.kernel.suites import Suite

SUITE = Suite(
    name="fourier",
    title="Fourier Head: smooth categorical distributions",
    reference=(
        "Gillman, Aggarwal, Freeman, Singh, Sun. Fourier Head: Helping Large Language Models Learn "
        "Complex Probability Distributions. ICLR 2025."
    ),
    generators={
        "fourier-synthetic": "synthsuite.datasets_src.fourier.synthetic:FourierSyntheticGenerator",
        "minatar-replay": "synthsuite.datasets_src.fourier.minatar:MinAtarReplayGenerator",
    },
    tasks="synthsuite.evaluation.fourier.tasks:TASKS",
    scorers={
        "distribution": "synthsuite.evaluation.fourier.synthetic.scoring:DistributionScorer",
        "policy": "synthsuite.evaluation.fourier.minatar.evaluator:PolicyScorer",
    },
    models={
        "density": "synthsuite.evaluation.fourier.synthetic.models:DensityRunner",
        "policy": "synthsuite.evaluation.fourier.minatar.models:PolicyRunner",
    },
    cli="synthsuite.commands.fourier",
    baselines=("fourier-synthetic", "decision-transformer"),
)
