"""SynTheory probing scores as an `evaluate` metric: config_name is a synthsuite task name."""

import datasets
import evaluate
import numpy

from synthsuite.evaluation.metrics import METRICS
from synthsuite.evaluation.tasks import get_task

_DESCRIPTION = """Scores predictions of a SynTheory concept the way `synthsuite evaluate` does:
accuracy and macro-F1 for class labels (indices into the task's class names), R² for tempo."""
_KWARGS = """
Args:
    predictions: class indices (int) or, for syntheory/tempos, BPM values (float).
    references: the dataset's label column for the same rows.
Returns:
    {metric: value} for every metric of the task (config_name), e.g. {"accuracy": 0.9, "macro_f1": 0.88}.
"""


class SyntheoryProbe(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        task = get_task(self.config_name)
        kind = "float64" if task.predictions.kind == "value" else "int64"
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=task.reference or "",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value(kind), "references": datasets.Value(kind)}
            ),
        )

    def _compute(self, predictions, references):
        task = get_task(self.config_name)
        refs = numpy.asarray(references)
        preds = numpy.asarray(predictions)
        return {m.name: METRICS[m.name](refs, preds) for m in task.metrics}
