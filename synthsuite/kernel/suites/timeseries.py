from synthsuite.kernel.suites import Suite

SUITE = Suite(
    name="timeseries",
    title="Fourier head for time-series forecasting: KernelSynth, TSMixup, zero-shot forecasts",
    reference=(
        "Gillman, Aggarwal, Freeman, Singh, Sun. Fourier Head: Helping Large Language Models Learn "
        "Complex Probability Distributions. ICLR 2025 (its Chronos experiment); Ansari et al. Chronos: "
        "Learning the Language of Time Series. TMLR 2024."
    ),
    generators={
        "kernel-synth": "synthsuite.datasets_src.timeseries.kernel_synth:KernelSynthGenerator",
        "tsmixup": "synthsuite.datasets_src.timeseries.tsmixup:TSMixupGenerator",
        "timeseries-zero-shot": "synthsuite.datasets_src.timeseries.zero_shot:ZeroShotGenerator",
    },
    tasks="synthsuite.evaluation.timeseries.tasks:TASKS",
    scorers={"forecast": "synthsuite.evaluation.timeseries.scoring:ForecastScorer"},
    cli="synthsuite.commands.timeseries",
    baselines=("fourier-forecast",),
)
