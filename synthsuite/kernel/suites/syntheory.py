from synthsuite.kernel.suites import Suite

SUITE = Suite(
    name="syntheory",
    title="SynTheory: music theory concepts",
    reference="Wei, Freeman, Donahue, Sun. Do Music Generation Models Encode Music Theory? ISMIR 2024.",
    generators={"syntheory": "synthsuite.datasets_src.syntheory:SynTheoryGenerator"},
    tasks="synthsuite.evaluation.syntheory.tasks:TASKS",
    models={"audio-embedding": "synthsuite.baselines.syntheory.models:AudioEmbeddingRunner"},
    cli="synthsuite.commands.syntheory",
    baselines=("syntheory",),
)
