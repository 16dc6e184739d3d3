"""Every task of the Fourier suite: `fourier-synthetic/<density>` and `minatar/<game>`."""

from synthsuite.evaluation.fourier.minatar.tasks import TASKS as MINATAR
from synthsuite.evaluation.fourier.synthetic.tasks import TASKS as SYNTHETIC

TASKS = [*SYNTHETIC, *MINATAR]
