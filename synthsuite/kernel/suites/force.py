from synthsuite.kernel.suites import Suite

SUITE = Suite(
    name="force",
    title="Force Prompting: videos that follow a physical force",
    reference=(
        "Gillman, Herrmann, Freeman, Aggarwal, Luo, D. Sun, C. Sun. Force Prompting: Video Generation "
        "Models Can Learn and Generalize Physics-based Control Signals. NeurIPS 2025."
    ),
    generators={
        "force-point": "synthsuite.datasets_src.force.generator:ForcePointGenerator",
        "force-wind": "synthsuite.datasets_src.force.generator:ForceWindGenerator",
        "force-benchmark": "synthsuite.datasets_src.force.benchmark_generator:ForceBenchmarkGenerator",
    },
    tasks="synthsuite.evaluation.force.tasks:TASKS",
    scorers={"video": "synthsuite.evaluation.force.scoring:VideoScorer"},
    cli="synthsuite.commands.force",
    baselines=("force-prompt", "force-computed"),
    commands=("force-study",),
)
