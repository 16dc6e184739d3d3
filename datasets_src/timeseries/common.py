"""What the time-series generators share: the numeric environment their bytes depend on."""

from importlib.metadata import version
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info


def numeric_environment() -> dict[str, str]:
    """numpy and its BLAS (version and the CPU kernel it picked): a GP draw is an eigendecomposition,
    whose last bits depend on both. Other packages (scipy, torch) load BLAS libraries of their own, in
    an order that differs between the driver and a worker, so numpy's is the one its wheel ships in
    `numpy.libs/` (a numpy linked to a system BLAS: the first BLAS loaded)."""
    loaded = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    numpy_libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    own = [i for i in loaded if Path(i.get("filepath", "")).resolve().parent == numpy_libs]
    blas = (own or loaded or [{}])[0]
    return {
        "numpy": np.__version__,
        "threadpoolctl": version("threadpoolctl"),
        "blas": f"{blas.get('internal_api', '?')} {blas.get('version', '?')} {blas.get('architecture', '?')}",
    }
