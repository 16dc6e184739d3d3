"""A small DDPM (Ho et al. 2020) with classifier-free guidance, shared by the digits and motion models.

The schedule is the original MNIST model's, β linear from 1e-4 to 0.02 over its 400 steps, discretised
into T steps (β scaled by 400 / T, so that fewer steps still end in noise; T = 400 is the original's).
Training draws t uniformly from 1..T and drops the condition with probability `drop` (it is then
replaced by the "no condition" value the network knows), so one network is both the conditional and
the unconditional model. A network either predicts the noise ε (`target="eps"`, as the original MNIST
model) or the clean sample x₀ (`target="x0"`, as MDM). Guided sampling combines the two predictions as
(1 + w)·conditional − w·unconditional, MDM's scale s being 1 + w.

Every random draw comes from a `torch.Generator` the caller seeds, on the CPU (then moved to the
network's device), so a CUDA run draws the same noise as a CPU run.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch

# net(x_t, t / T, condition, drop_mask) -> prediction; drop_mask (batch,) bool: use "no condition"
Network = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


REFERENCE_STEPS = 400


@dataclass(frozen=True)
class Schedule:
    steps: int
    beta_start: float = 1e-4
    beta_end: float = 0.02

    def tensors(self) -> dict[str, torch.Tensor]:
        t = torch.arange(0, self.steps + 1, dtype=torch.float64)
        scale = REFERENCE_STEPS / self.steps
        start, end = self.beta_start * scale, min(self.beta_end * scale, 0.999)
        beta = (end - start) * t / self.steps + start
        alpha = 1 - beta
        alpha_bar = torch.cumprod(alpha, 0)
        return {"beta": beta, "alpha": alpha, "alpha_bar": alpha_bar}


class DDPM:
    def __init__(
        self, schedule: Schedule, target: Literal["eps", "x0"] = "eps", drop: float = 0.1, device: str = "cpu"
    ) -> None:
        self.steps = schedule.steps
        self.target = target
        self.drop = drop
        self.device = torch.device(device)
        self.s = {k: v.float().to(self.device) for k, v in schedule.tensors().items()}

    def loss(
        self,
        net: Network,
        x0: torch.Tensor,
        condition: torch.Tensor,
        generator: torch.Generator,
        weight: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The mean squared error of the network's prediction at a random step (per-element `weight`,
        e.g. a mask of padded frames, optional)."""
        batch = x0.shape[0]
        t = torch.randint(1, self.steps + 1, (batch,), generator=generator).to(self.device)
        noise = torch.randn(x0.shape, generator=generator).to(self.device)  # drawn on the CPU: any device
        shape = (batch,) + (1,) * (x0.dim() - 1)
        alpha_bar = self.s["alpha_bar"][t].reshape(shape)
        xt = alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise
        dropped = (torch.rand(batch, generator=generator) < self.drop).to(self.device)
        prediction = net(xt, t.float() / self.steps, condition, dropped)
        error = (prediction - (noise if self.target == "eps" else x0)) ** 2
        if weight is None:
            return error.mean()
        return (error * weight).sum() / weight.expand_as(error).sum().clamp(min=1)

    @torch.no_grad()
    def sample(
        self,
        net: Network,
        shape: tuple[int, ...],
        condition: torch.Tensor,
        guide: float,
        generator: torch.Generator,
    ) -> torch.Tensor:
        """Ancestral sampling from T to 1, guided with weight `guide` (0: conditional only)."""
        batch = shape[0]
        x = torch.randn(shape, generator=generator).to(self.device)
        both = torch.cat([torch.zeros(batch, dtype=torch.bool), torch.ones(batch, dtype=torch.bool)]).to(
            self.device
        )
        condition = condition.to(self.device)
        doubled = torch.cat([condition, condition]) if guide else condition
        for i in range(self.steps, 0, -1):
            t = torch.full((batch,), i / self.steps, device=self.device)
            if guide:
                out = net(torch.cat([x, x]), torch.cat([t, t]), doubled, both)
                prediction = (1 + guide) * out[:batch] - guide * out[batch:]
            else:
                prediction = net(x, t, condition, both[:batch])
            x = self._step(x, prediction, i, generator)
        return x

    def _step(
        self, x: torch.Tensor, prediction: torch.Tensor, i: int, generator: torch.Generator
    ) -> torch.Tensor:
        beta, alpha, alpha_bar = self.s["beta"][i], self.s["alpha"][i], self.s["alpha_bar"][i]
        noise = torch.randn(x.shape, generator=generator).to(self.device) if i > 1 else torch.zeros_like(x)
        if self.target == "eps":
            mean = (x - prediction * beta / (1 - alpha_bar).sqrt()) / alpha.sqrt()
            return mean + beta.sqrt() * noise
        previous = self.s["alpha_bar"][i - 1]
        mean = (previous.sqrt() * beta * prediction + alpha.sqrt() * (1 - previous) * x) / (1 - alpha_bar)
        variance = beta * (1 - previous) / (1 - alpha_bar)  # the posterior's, as MDM samples
        return mean + variance.sqrt() * noise


def generator_from(rng) -> torch.Generator:
    """A torch generator seeded from a numpy one (the loop's per-generation randomness)."""
    return torch.Generator().manual_seed(int(rng.integers(0, 2**63 - 1)))


def sinusoidal(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of t in [0, 1] (scaled to 0..1000, as diffusion models index steps)."""
    half = dim // 2
    frequencies = torch.exp(-torch.arange(half, dtype=torch.float32) * (9.210340371976184 / (half - 1)))
    angles = (t.float() * 1000)[:, None] * frequencies[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)
