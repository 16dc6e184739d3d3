"""SynTheory evaluation: one task per concept (see tasks.py), scored by synthsuite.evaluation.evaluator.

The same scoring is offered as a local `evaluate` module: `evaluate.load(EVALUATE_MODULE,
config_name="syntheory/notes")`.
"""

from pathlib import Path

EVALUATE_MODULE = str(Path(__file__).parent / "evaluate_module" / "syntheory_probe")
