from synthsuite.kernel.suites import Suite

SUITE = Suite(
    name="motion",
    title="Self-correcting loops, human motion: physically valid motions and a physics corrector",
    reference=(
        "Gillman, Freeman, Aggarwal, Hsu, Luo, Tian, Sun. Self-Correcting Self-Consuming Loops for "
        "Generative Model Training. ICML 2024."
    ),
    generators={"motion-correction": "synthsuite.datasets_src.motion.generator:MotionCorrectionGenerator"},
    tasks="synthsuite.evaluation.motion.tasks:TASKS",
    scorers={
        "motion": "synthsuite.evaluation.motion.scoring:MotionScorer",
        # generated motions (issue 12, evaluation/motion/generation.py)
        "motion-generation": "synthsuite.evaluation.motion.generation:MotionGenerationScorer",
    },
    cli="synthsuite.commands.motion",
    commands=("correct",),
)
