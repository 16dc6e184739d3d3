"""KernelSynth series per second against raw numpy GP sampling, side by side in one run.

    python benchmarks/timeseries_kernel_synth.py            # 12 series of each, ~1 min of one core
    python benchmarks/timeseries_kernel_synth.py --series 40

Three ways to draw 1,024-point series from Gaussian processes, interleaved round by round so that a
shared machine's load hits them alike, all on one BLAS thread:

- `kernel-synth`: synthsuite's KernelSynth (a random composition of up to 5 bank kernels, its
  covariance, then an eigendecomposition: datasets_src/timeseries/kernels.py);
- `numpy mvn`: numpy's `Generator.multivariate_normal` on a fixed RBF(0.1) covariance (its default
  SVD factorisation): raw numpy GP sampling, without building any kernel;
- `sklearn sample_y`: what Chronos's script calls, `GaussianProcessRegressor(kernel).sample_y`, on a
  random KernelSynth composition as sklearn kernel objects (skipped when scikit-learn is missing).

CPU seconds per series are printed beside wall seconds: on a loaded machine the CPU time is the
figure that compares. The ratio column is series per CPU second relative to `numpy mvn`.
"""

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from synthsuite.datasets_src.timeseries import kernels


def numpy_mvn() -> Callable[[np.random.Generator], np.ndarray]:
    covariance = kernels.kernel_matrix(kernels.Kernel("rbf", 0.1, ""))
    mean = np.zeros(kernels.LENGTH)
    return lambda rng: rng.multivariate_normal(mean, covariance)


def sklearn_sample_y() -> Callable[[np.random.Generator], np.ndarray] | None:
    try:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process import kernels as sk
    except ImportError:
        return None

    def to_sklearn(kernel: kernels.Kernel):
        if kernel.kind == "periodic":
            return sk.ExpSineSquared(periodicity=kernel.value)
        if kernel.kind == "linear":
            return sk.DotProduct(sigma_0=kernel.value)
        if kernel.kind == "rbf":
            return sk.RBF(length_scale=kernel.value)
        if kernel.kind == "rational_quadratic":
            return sk.RationalQuadratic(alpha=kernel.value)
        if kernel.kind == "white":
            return sk.WhiteKernel(noise_level=kernel.value)
        return sk.ConstantKernel()

    x = np.linspace(0, 1, kernels.LENGTH)[:, None]

    def draw(rng: np.random.Generator) -> np.ndarray:
        composition = kernels.random_composition(rng)
        kernel = to_sklearn(kernels.KERNEL_BANK[composition.kernels[0]])
        for index, operator in zip(composition.kernels[1:], composition.operators, strict=True):
            other = to_sklearn(kernels.KERNEL_BANK[index])
            kernel = kernel + other if operator == "+" else kernel * other
        seed = int(rng.integers(2**31))
        return GaussianProcessRegressor(kernel=kernel).sample_y(x, random_state=seed)

    return draw


def timings(series: int) -> tuple[dict[str, float], dict[str, float]]:
    """(CPU seconds, wall seconds) per method for `series` draws each, interleaved, on one BLAS thread."""
    methods: dict[str, Callable[[np.random.Generator], object]] = {
        "kernel-synth": lambda rng: kernels.kernel_synth(rng),
        "numpy mvn": numpy_mvn(),
    }
    sklearn = sklearn_sample_y()
    if sklearn is not None:
        methods["sklearn sample_y"] = sklearn
    cpu, wall = dict.fromkeys(methods, 0.0), dict.fromkeys(methods, 0.0)
    with threadpool_limits(limits=1):
        for index in range(series):
            for name, draw in methods.items():
                rng = np.random.default_rng(index)
                started, started_cpu = time.perf_counter(), time.process_time()
                draw(rng)
                wall[name] += time.perf_counter() - started
                cpu[name] += time.process_time() - started_cpu
    return cpu, wall


def quick() -> list[tuple[str, str, str, float, str]]:
    """Rows for benchmarks/bench.py: KernelSynth's CPU time per series over numpy's raw GP sampling."""
    cpu, _ = timings(4)
    return [
        (
            "KernelSynth: CPU per 1,024-point series over numpy's raw GP sampling",
            f"{cpu['kernel-synth'] / 4:.3f} s",
            f"{cpu['numpy mvn'] / 4:.3f} s numpy mvn",
            cpu["kernel-synth"] / cpu["numpy mvn"],
            "<= 1",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--series", type=int, default=12, help="series drawn by each method (default 12)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    cpu, wall = timings(args.series)
    print(f"{args.series} series of {kernels.LENGTH} points per method, one BLAS thread, load {load:.1f}")
    print(f"{'method':<18}{'CPU s/series':>14}{'wall s/series':>15}{'series/CPU s':>14}{'ratio':>8}")
    base = args.series / cpu["numpy mvn"]
    for name in cpu:
        rate = args.series / cpu[name]
        print(
            f"{name:<18}{cpu[name] / args.series:>14.3f}{wall[name] / args.series:>15.3f}"
            f"{rate:>14.2f}{rate / base:>8.2f}"
        )


if __name__ == "__main__":
    main()
