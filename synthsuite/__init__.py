"""synthsuite: synthetic datasets for generative models, with baselines, evaluators and a leaderboard.

The pillars are imported as `synthsuite.datasets_src`, `synthsuite.baselines`,
`synthsuite.evaluation` and `synthsuite.leaderboard`; the shared kernel is `synthsuite.kernel`.
"""

from typing import Any

from synthsuite.kernel.version import __version__

# The public API, imported on first use so that `import synthsuite` stays cheap (no datasets, torch,
# pyarrow): name -> "module:attribute".
_API = {
    "evaluate": "synthsuite.api:evaluate",
    "load_model": "synthsuite.api:load_model",
    "get_task": "synthsuite.evaluation.tasks:get_task",
    "list_tasks": "synthsuite.evaluation.tasks:list_tasks",
    "open_dataset": "synthsuite.datasets_src.access:open_dataset",
    "write_predictions": "synthsuite.evaluation.predictions:write_predictions",
    "evaluate_predictions": "synthsuite.evaluation.evaluator:evaluate_predictions",
    "AudioEmbedder": "synthsuite.evaluation.syntheory.models:AudioEmbedder",
    "DensityModel": "synthsuite.evaluation.fourier.synthetic.models:DensityModel",
    "Policy": "synthsuite.evaluation.fourier.minatar.evaluator:Policy",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'synthsuite' has no attribute {name!r}")
    import importlib

    module, _, attribute = _API[name].partition(":")
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value
