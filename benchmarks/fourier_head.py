"""Fourier head speed against the literal implementation and a plain linear head; the density figure.

    python benchmarks/fourier_head.py                  # forward+backward table, batch 4096, in 256 (~3 min)
    python benchmarks/fourier_head.py --quick          # two sizes, including the target N = 64, 4096 bins
    python benchmarks/fourier_head.py --figure docs/img/fourier-head-densities.png

Each step is the training loss (cross-entropy, plus the penalty at γ = 1e-6 for the Fourier head) and its
backward pass, for: a plain nn.Linear head; the Fourier head with `loss(head(x), target)`; the same loss
through `fused_loss(x, target)`; the literal implementation (`reference_forward`). They run side by side
in one process, in rotating order, and the table gives the fastest of the rounds. The figure fits a
linear and a Fourier head to the same 1,000 samples of a two-component Gaussian mixture and plots what
each learnt.
"""

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from synthsuite.baselines.fourier import FourierHead, reference_forward

BATCH, IN_FEATURES, GAMMA = 4096, 256, 1e-6
SIZES = [(50, 8), (50, 16), (1024, 64), (1024, 256), (4096, 8), (4096, 64), (4096, 550)]
QUICK_SIZES = [(50, 8), (4096, 64)]


def training_steps(num_bins: int, num_frequencies: int) -> dict[str, Callable[[], None]]:
    """One forward+backward closure per head, on the same inputs and targets."""
    x = torch.randn(BATCH, IN_FEATURES)
    target = torch.randint(num_bins, (BATCH,))
    linear = nn.Linear(IN_FEATURES, num_bins)
    fourier = FourierHead(IN_FEATURES, num_bins, num_frequencies, regularization_gamma=GAMMA)

    def linear_step() -> None:
        linear.zero_grad()
        F.cross_entropy(linear(x), target).backward()

    def fourier_step() -> None:
        fourier.zero_grad()
        fourier.loss(fourier(x), target).backward()

    def fused_step() -> None:
        fourier.zero_grad()
        fourier.fused_loss(x, target).backward()

    def reference_step() -> None:
        fourier.zero_grad()
        log_probs, penalty = reference_forward(fourier, x)
        (F.cross_entropy(log_probs, target) + penalty).backward()

    return {"linear": linear_step, "fourier": fourier_step, "fused": fused_step, "reference": reference_step}


def best_milliseconds(steps: dict[str, Callable[[], None]], rounds: int) -> dict[str, float]:
    """The fastest of `rounds` runs of each step: on a shared machine, the run least disturbed by others."""
    for step in steps.values():  # warm-up: allocator, FFT plans
        step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for round_index in range(rounds):
        for name in names[round_index % len(names) :] + names[: round_index % len(names)]:
            started = time.perf_counter()
            steps[name]()
            times[name].append(1000 * (time.perf_counter() - started))
    return {name: min(values) for name, values in times.items()}


def benchmark(sizes: list[tuple[int, int]], rounds: int) -> None:
    threads = torch.get_num_threads()
    print(f"batch {BATCH}, in_features {IN_FEATURES}, {threads} thread(s), torch {torch.__version__}")
    print(
        "| bins | N | linear ms | Fourier ms | literal ms | literal / Fourier | Fourier / linear "
        "| fused loss ms | fused / linear |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for num_bins, num_frequencies in sizes:
        torch.manual_seed(0)
        ms = best_milliseconds(training_steps(num_bins, num_frequencies), rounds)
        print(
            f"| {num_bins} | {num_frequencies} | {ms['linear']:.1f} | {ms['fourier']:.1f} | "
            f"{ms['reference']:.1f} | {ms['reference'] / ms['fourier']:.2f}x | "
            f"{ms['fourier'] / ms['linear']:.2f}x | {ms['fused']:.1f} | {ms['fused'] / ms['linear']:.2f}x |",
            flush=True,
        )


def mixture_density(z: torch.Tensor) -> torch.Tensor:
    """0.6·N(-0.45, 0.12²) + 0.4·N(0.3, 0.2²), not yet renormalised to [-1, 1]."""
    components = [(0.6, -0.45, 0.12), (0.4, 0.3, 0.2)]
    return sum(
        weight * torch.exp(-0.5 * ((z - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))
        for weight, mean, std in components
    )


def mixture_samples(count: int) -> torch.Tensor:
    samples = torch.cat([torch.randn(count) * 0.12 - 0.45, torch.randn(count) * 0.2 + 0.3])
    first = torch.rand(count) < 0.6
    samples = torch.where(first, samples[:count], samples[count:])
    return samples[samples.abs() < 1]


def fit(head: nn.Module, labels: torch.Tensor, steps: int) -> torch.Tensor:
    """Full-batch Adam on a constant input, so the head learns the marginal; returns its bin probabilities."""
    features = torch.ones(len(labels), 1)
    optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
    for _ in range(steps):
        log_probs = head(features)
        is_fourier = isinstance(head, FourierHead)
        loss = head.loss(log_probs, labels) if is_fourier else F.cross_entropy(log_probs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return torch.softmax(head(features[:1]), dim=-1)[0]


def plot_densities(path: Path, num_bins: int = 100, num_frequencies: int = 16, steps: int = 2000) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    torch.manual_seed(0)
    samples = mixture_samples(1000)
    edges = torch.linspace(-1, 1, num_bins + 1)
    labels = torch.bucketize(samples, edges[1:-1])
    fourier = FourierHead(1, num_bins, num_frequencies, regularization_gamma=GAMMA)
    started = time.perf_counter()
    learnt = {
        "linear head": fit(nn.Linear(1, num_bins), labels, steps),
        f"Fourier head, N = {num_frequencies}": fit(fourier, labels, steps),
    }
    seconds = time.perf_counter() - started
    centres = fourier.bin_centers
    truth = mixture_density(centres)
    truth_probs = truth / truth.sum()
    to_density = num_bins / 2  # probability per bin of width 2/num_bins -> density

    figure, axes = plt.subplots(figsize=(8, 4))
    grid = torch.linspace(-1, 1, 801)
    axes.plot(grid, mixture_density(grid) / (truth.sum() * 2 / num_bins), color="black", lw=2, label="true")
    for (label, probs), colour in zip(learnt.items(), ["tab:orange", "tab:blue"], strict=True):
        kl = (truth_probs * (truth_probs / probs).log()).sum().item()
        print(f"{label}: KL(true || learnt) = {kl:.4f}")
        axes.step(centres, probs * to_density, where="mid", color=colour, label=f"{label} (KL {kl:.3f})")
    axes.set(xlabel="z", ylabel="density", xlim=(-1, 1))
    axes.set_title(f"{len(samples):,} samples, {num_bins} bins, {steps} full-batch Adam steps each")
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    print(f"trained both heads in {seconds:.1f} s; wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"only {QUICK_SIZES} (bins, N), 3 rounds")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per head and size (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: steadier)")
    parser.add_argument("--figure", type=Path, metavar="PNG", help="fit both heads, write the density plot")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.figure:
        plot_densities(args.figure)
        return
    benchmark(QUICK_SIZES if args.quick else SIZES, 3 if args.quick else args.rounds)


if __name__ == "__main__":
    main()
