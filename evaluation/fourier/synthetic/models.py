"""The model protocol of the fourier-synthetic tasks: a density head, i.e. a model that maps (x, y) to
a PMF over the task's bins of z (a Fourier head, a linear head, a mixture, ...).

    class MyDensityModel:
        name = "my-lab/fourier-mlp"     # optional (else name=)
        revision = "v1"                 # optional (else revision=)

        def fit(self, inputs, targets):   # optional: called first, with the train split
            ...                           # inputs: {"x", "y", "x_bin", "y_bin"} arrays; targets: z_bin
        def predict_pmf(self, inputs):    # the scored split's inputs -> (rows, bins) PMFs
            ...

The runner asks for the scored split's PMFs, writes them as a predictions file and scores it with
the code behind `synthsuite evaluate` (KL divergence to the true PMF, smoothness, MSE). A model that
has a `fit` method is trained by the runner on the train split first; one without is used as given.
"""

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from synthsuite.datasets_src.access import open_dataset
from synthsuite.evaluation.evaluator import evaluate_predictions
from synthsuite.evaluation.fourier.synthetic.scoring import check_bins, write_pmf_predictions
from synthsuite.evaluation.models import ModelRunner, RunnerSettings
from synthsuite.evaluation.results import ModelInfo, Result
from synthsuite.evaluation.tasks import TaskMetadata
from synthsuite.kernel.errors import UserError

INPUTS = ("x", "y", "x_bin", "y_bin")  # what a model may read (never z, z_bin or true_pmf)
TARGET = "z_bin"


class DensityModel(Protocol):
    """`predict_pmf(inputs) -> (rows, bins)` PMFs of z given (x, y); an optional `fit(inputs, targets)`."""

    def predict_pmf(self, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        """{x, y, x_bin, y_bin} arrays of n rows -> (n, bins) probabilities, each row summing to 1."""
        ...


def read_inputs(table: Any) -> dict[str, np.ndarray]:
    return {column: table.column(column).to_numpy() for column in INPUTS}


class DensityRunner(ModelRunner):
    """fourier-synthetic: the model's PMFs of the test split, scored against the true PMFs."""

    name = "density"
    protocol = DensityModel
    settings = RunnerSettings

    def accepts(self, task: TaskMetadata) -> bool:
        return task.suite == "fourier" and task.predictions.kind == "distribution"

    def run(
        self,
        task: TaskMetadata,
        model: Any,
        *,
        identity: ModelInfo,
        dataset: str | Path | None,
        out: Path,
        settings: RunnerSettings,
        progress: bool,
    ) -> Result:
        started = time.perf_counter()
        config = task.dataset.config
        source = open_dataset(dataset or task.dataset.repo_id, configs=[config])
        bins = check_bins(task, source)
        fit = getattr(model, "fit", None)
        if callable(fit):
            train = source.read(config, "train", [*INPUTS, TARGET])
            fit(read_inputs(train), train.column(TARGET).to_numpy().astype(np.int64))
        test = source.read(config, task.eval_split, [task.predictions.id_column, *INPUTS])
        pmfs = model.predict_pmf(read_inputs(test))
        if hasattr(pmfs, "detach"):  # a torch tensor
            pmfs = pmfs.detach().cpu().numpy()
        pmfs = np.asarray(pmfs, dtype=np.float64)
        if pmfs.shape != (test.num_rows, bins):
            raise UserError(
                f"{identity.name}: predict_pmf gave an array of shape {pmfs.shape} for {test.num_rows} rows",
                f"return one PMF over the task's {bins} bins per row: shape ({test.num_rows}, {bins})",
            )
        (out / "results.json").unlink(missing_ok=True)  # never left beside predictions it did not score
        path = out / "predictions.parquet"
        ids = test.column(task.predictions.id_column).to_pylist()
        write_pmf_predictions(path, task, ids, pmfs, identity.model_dump())
        scored = evaluate_predictions(task, path, dataset=dataset, model=identity)
        result = scored.model_copy(update={"wall_seconds": time.perf_counter() - started})
        result.write(out / "results.json")
        return result
