"""The Fourier head layer: distribution properties, agreement with the literal implementation, dtypes and
devices, torch.compile, the regulariser and its safeguard, the continuous variant, and a small fit."""

import copy
import math
import warnings

import pytest
import torch
import torch.nn.functional as F

from synthsuite.baselines.fourier import (
    FourierDensity,
    FourierHead,
    FourierMLEHead,
    UnusedPenaltyWarning,
    autocorrelate,
    reference_forward,
)

# (num_bins, num_frequencies): small, odd bin count, the paper's Chronos-like size, aliased (N >= m/2)
CONFIGS = [(50, 8), (17, 8), (1024, 64), (18, 32)]


@pytest.fixture(autouse=True)
def _seeded_single_thread():
    """One thread: these tensors are small, and on a busy machine OpenMP barriers cost more than they save."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


def make_head(num_bins: int, num_frequencies: int, in_features: int = 32, **kwargs) -> FourierHead:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the N >= num_bins/2 warning has its own test
        return FourierHead(in_features, num_bins, num_frequencies, **kwargs)


def randomise(module: torch.nn.Module, scale: float = 1.0) -> None:
    """Weights far from the gentle init: peaked densities with near-zero regions."""
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.normal_(0.0, scale)


def bin_probabilities(log_probs: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    return log_probs.exp() - eps


def loss_and_gradients(head: FourierHead, log_probs: torch.Tensor, penalty: torch.Tensor, target):
    head.zero_grad()
    loss = F.cross_entropy(log_probs.reshape(-1, head.num_bins), target.reshape(-1)) + penalty
    loss.backward()
    return torch.cat([head.linear.weight.grad.flatten(), head.linear.bias.grad])


def relative_error(actual: torch.Tensor, expected: torch.Tensor) -> float:
    return ((actual - expected).norm() / expected.norm()).item()


# --- the categorical head -----------------------------------------------------------------------------


@pytest.mark.parametrize(("num_bins", "num_frequencies"), CONFIGS)
def test_bin_probabilities_are_a_distribution(num_bins, num_frequencies):
    head = make_head(num_bins, num_frequencies, dtype=torch.float64)
    randomise(head)
    probs = bin_probabilities(head(torch.randn(64, 32, dtype=torch.float64)))
    assert torch.allclose(probs.sum(-1), torch.ones(64, dtype=torch.float64), atol=1e-12)
    assert probs.min() >= -1e-15
    assert probs.max() > 2 / num_bins  # random weights give peaked, not uniform, distributions


@pytest.mark.parametrize(("num_bins", "num_frequencies"), CONFIGS)
def test_matches_the_literal_implementation_in_float64(num_bins, num_frequencies):
    head = make_head(num_bins, num_frequencies, regularization_gamma=1e-3, dtype=torch.float64)
    x = torch.randn(2, 3, 32, dtype=torch.float64)  # extra leading dimensions
    target = torch.randint(num_bins, (2, 3))
    log_probs = head(x)
    penalty = head.take_penalty()
    expected_log_probs, expected_penalty = reference_forward(head, x)
    assert log_probs.shape == (2, 3, num_bins)
    assert (log_probs - expected_log_probs).abs().max() < 1e-10
    assert abs(penalty.item() - expected_penalty.item()) < 1e-10 * expected_penalty.item()
    gradients = loss_and_gradients(head, log_probs, penalty, target)
    expected = loss_and_gradients(head, expected_log_probs, expected_penalty, target)
    assert relative_error(gradients, expected) < 1e-10


@pytest.mark.parametrize(("num_bins", "num_frequencies"), CONFIGS)
def test_matches_the_literal_implementation_in_float32(num_bins, num_frequencies):
    """Probabilities within 1e-5 of the uniform probability 1/m; compared as log(y + 1e-5) instead, rounding
    at near-empty bins is magnified up to 1e5 times, in both implementations alike (docs/fourier-head.md)."""
    head = make_head(num_bins, num_frequencies, regularization_gamma=1e-3)
    x = torch.randn(256, 32)
    target = torch.randint(num_bins, (256,))
    log_probs = head(x)
    penalty = head.take_penalty()
    expected_log_probs, expected_penalty = reference_forward(head, x)
    worst = (bin_probabilities(log_probs) - bin_probabilities(expected_log_probs)).abs().max()
    assert worst * num_bins < 1e-5
    assert abs(penalty.item() - expected_penalty.item()) < 1e-5 * expected_penalty.item()
    gradients = loss_and_gradients(head, log_probs, penalty, target)
    expected = loss_and_gradients(head, expected_log_probs, expected_penalty, target)
    assert relative_error(gradients, expected) < 1e-4


@pytest.mark.parametrize(("num_bins", "num_frequencies"), CONFIGS)
def test_fused_loss_equals_the_loss_of_the_forward(num_bins, num_frequencies):
    head = make_head(num_bins, num_frequencies, dtype=torch.float64)
    randomise(head, scale=0.3)
    x = torch.randn(3, 40, 32, dtype=torch.float64)
    target = torch.randint(num_bins, (3, 40))
    target[0, :5] = -100  # ignored rows
    fused = head.fused_loss(x, target)
    expected = head.loss(head(x), target)
    assert fused.item() == pytest.approx(expected.item(), rel=1e-12)
    [fused_gradient] = torch.autograd.grad(fused, head.linear.weight)
    [expected_gradient] = torch.autograd.grad(expected, head.linear.weight)
    assert relative_error(fused_gradient, expected_gradient) < 1e-10

    head.regularization_gamma = 1e-3
    _, penalty = reference_forward(head, x)
    assert head.fused_loss(x, target).item() == pytest.approx(fused.item() + penalty.item(), rel=1e-12)
    assert head.take_penalty().item() == 0.0  # the fused loss holds nothing

    single = make_head(num_bins, num_frequencies)
    x, target = x.float(), target.clamp_min(0)
    expected = single.loss(single(x), target).item()
    assert single.fused_loss(x, target).item() == pytest.approx(expected, rel=1e-5)


def test_single_input_without_batch_dimension():
    head = make_head(50, 8)
    x = torch.randn(32)
    assert torch.equal(head(x), head(x[None])[0])


def test_casts_moves_and_state_dict_round_trip():
    head = make_head(50, 8)
    x = torch.randn(16, 32)
    reference = head(x).detach()
    assert set(head.state_dict()) == {"linear.weight", "linear.bias"}  # tables are not persistent

    double = copy.deepcopy(head).to(torch.float64)
    assert {buffer.dtype for buffer in double.buffers() if buffer.is_floating_point()} == {torch.float64}
    assert double(x.double()).dtype == torch.float64
    assert (double(x.double()) - reference).abs().max() < 1e-3  # float32 rounding near empty bins only

    half = copy.deepcopy(head).to(torch.bfloat16)
    assert half.bin_phase.dtype == torch.float32  # tables rebuilt, not rounded to bfloat16
    log_probs = half(x.bfloat16())
    assert log_probs.dtype == torch.bfloat16 and log_probs.isfinite().all()
    assert (bin_probabilities(log_probs.float()) - bin_probabilities(reference)).abs().max() < 0.05 / 50
    with torch.autocast("cpu", dtype=torch.bfloat16):
        autocast = head(x)
    assert autocast.dtype == torch.bfloat16  # what nn.Linear returns under autocast
    assert (bin_probabilities(autocast.float()) - bin_probabilities(reference)).abs().max() < 0.05 / 50

    meta = copy.deepcopy(head).to("meta")
    assert {buffer.device.type for buffer in meta.buffers()} == {"meta"}
    assert meta(x.to("meta")).shape == (16, 50)

    fresh = make_head(50, 8)
    assert not torch.equal(fresh(x), reference)
    fresh.load_state_dict(head.state_dict())
    assert torch.equal(fresh(x), reference)
    assert torch.equal(fresh.bin_centers, (2 * torch.arange(50) - 49) / 50)


@pytest.mark.slow
def test_torch_compile_fullgraph_matches_eager():
    head = make_head(50, 8, in_features=8, regularization_gamma=1e-3)
    compiled = torch.compile(head, fullgraph=True)
    x = torch.randn(4, 3, 8)
    target = torch.randint(50, (4, 3))
    eager = head(x)
    eager_penalty = head.take_penalty()
    eager_gradients = loss_and_gradients(head, eager, eager_penalty, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # inductor: "no code generation for complex operators"
        out = compiled(x)
        penalty = head.take_penalty()
        gradients = loss_and_gradients(head, out, penalty, target)
    assert (out - eager).abs().max() < 1e-5
    assert abs(penalty.item() - eager_penalty.item()) < 1e-6 * eager_penalty.item()
    assert relative_error(gradients, eager_gradients) < 1e-5


# --- the hand-written backwards -----------------------------------------------------------------------


def test_autocorrelation_gradient_matches_finite_differences():
    amplitudes = torch.randn(2, 3, 6, dtype=torch.complex128, requires_grad=True)
    assert torch.autograd.gradcheck(autocorrelate, (amplitudes,))


@pytest.mark.parametrize(("num_bins", "num_frequencies"), [(17, 5), (16, 7), (18, 32)])
def test_log_probabilities_gradient_matches_finite_differences(num_bins, num_frequencies):
    """Every output bin, any upstream gradient: the backward used when the head's output feeds anything
    other than `head.loss` (F.cross_entropy, a KL, a model's own loss)."""
    head = make_head(num_bins, num_frequencies, in_features=4, dtype=torch.float64)
    randomise(head, scale=0.3)
    x = torch.randn(3, 4, dtype=torch.float64)

    def log_probs(weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        parameters = {"linear.weight": weight, "linear.bias": bias}
        return torch.func.functional_call(head, parameters, (x,))

    weight = head.linear.weight.detach().clone().requires_grad_()
    bias = head.linear.bias.detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(log_probs, (weight, bias))


def reaches(node, name: str) -> bool:
    """Whether the backward graph from `node` runs a node of the given class name."""
    seen, stack = set(), [node]
    while stack:
        current = stack.pop()
        if current is None or current in seen:
            continue
        seen.add(current)
        if type(current).__name__ == name:
            return True
        stack.extend(next_node for next_node, _ in current.next_functions)
    return False


def test_loss_of_the_heads_own_output_skips_the_backward_over_all_bins():
    """`head.loss(head(x), t)` differentiates the cross-entropy through the coefficients (O(N) per row);
    its value is F.cross_entropy's to the bit and its gradient the same as through all the bins."""
    head = make_head(64, 9, regularization_gamma=1e-3, dtype=torch.float64)
    randomise(head, scale=0.3)
    x = torch.randn(2, 7, 32, dtype=torch.float64)
    target = torch.randint(64, (2, 7))
    target[1, :3] = -100  # ignored rows
    log_probs = head(x)
    loss = head.loss(log_probs, target)
    assert not reaches(loss.grad_fn, "_LogBinProbabilitiesBackward")
    assert reaches(loss.grad_fn, "_TargetCrossEntropyBackward")
    head.zero_grad()
    loss.backward()
    fast = torch.cat([head.linear.weight.grad.flatten(), head.linear.bias.grad])

    log_probs = head(x)
    penalty = head.take_penalty()
    plain = F.cross_entropy(log_probs.reshape(-1, 64), target.reshape(-1)) + penalty
    assert torch.equal(loss.detach(), plain.detach())
    assert reaches(plain.grad_fn, "_LogBinProbabilitiesBackward")
    head.zero_grad()
    plain.backward()
    assert relative_error(fast, torch.cat([head.linear.weight.grad.flatten(), head.linear.bias.grad])) < 1e-12

    changed = head(x) * 1.0  # not the head's own output any more: the plain cross-entropy
    changed_loss = head.loss(changed, target)
    assert reaches(changed_loss.grad_fn, "_LogBinProbabilitiesBackward")
    assert torch.equal(changed_loss.detach(), loss.detach())


# --- the regulariser ----------------------------------------------------------------------------------


def direct_penalty(head, x, gamma: float) -> float:
    """γ·2·mean over rows of Σ_k 2π²k²|c_k|², with c_k = Σ_t a_{t+k}·conj(a_t) summed term by term."""
    amplitudes = head.amplitudes(x).detach().reshape(-1, head.num_frequencies + 1).tolist()
    size = head.num_frequencies + 1
    rows = []
    for row in amplitudes:  # Python complex numbers
        coefficients = [sum(row[t + k] * row[t].conjugate() for t in range(size - k)) for k in range(size)]
        rows.append(sum(2 * math.pi**2 * k**2 * abs(c) ** 2 for k, c in enumerate(coefficients)))
    return gamma * 2 * sum(rows) / len(rows)


def test_penalty_matches_the_formula_and_is_zero_without_gamma():
    x = torch.randn(5, 32)
    head = make_head(50, 6, regularization_gamma=1e-2, dtype=torch.float64)
    randomise(head, scale=0.1)
    head(x.double())
    penalty = head.take_penalty()
    assert penalty.requires_grad
    assert penalty.item() == pytest.approx(direct_penalty(head, x.double(), 1e-2), rel=1e-10)
    assert head.take_penalty().item() == 0.0  # taking clears

    plain = make_head(50, 6)
    target = torch.randint(50, (5,))
    plain(x)
    assert plain.take_penalty().item() == 0.0
    log_probs = plain(x)
    assert torch.equal(plain.loss(log_probs, target), F.cross_entropy(log_probs, target))


def test_loss_adds_the_penalty():
    head = make_head(50, 6, regularization_gamma=1e-2)
    randomise(head, scale=0.1)
    x, target = torch.randn(8, 32), torch.randint(50, (8,))
    log_probs = head(x)
    _, expected_penalty = reference_forward(head, x)
    loss = head.loss(log_probs, target)
    assert loss.item() == pytest.approx(F.cross_entropy(log_probs, target).item() + expected_penalty.item())
    assert expected_penalty.item() > 1e-3 * loss.item()  # large enough to be seen in the sum


def test_untaken_penalty_warns_at_the_next_training_forward():
    head = make_head(50, 6, regularization_gamma=1e-6)
    x, target = torch.randn(8, 32), torch.randint(50, (8,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the documented ways of taking it never warn
        for _ in range(2):
            head.loss(head(x), target).backward()
        for _ in range(2):
            (F.cross_entropy(head(x), target) + head.take_penalty()).backward()
        head.eval()
        head(x)
        head(x)
        head.train()
        with torch.no_grad():
            head(x)
            head(x)
    F.cross_entropy(head(x), target).backward()  # penalty forgotten
    with pytest.warns(UnusedPenaltyWarning, match="never taken"):
        head(x)


# --- the continuous variant ---------------------------------------------------------------------------


def random_density(num_frequencies: int = 10, batch: int = 3) -> FourierDensity:
    head = FourierMLEHead(4, num_frequencies, dtype=torch.float64)
    randomise(head)
    return head(torch.randn(batch, 4, dtype=torch.float64))


def test_density_is_non_negative_and_integrates_to_one():
    density = random_density()
    grid = torch.linspace(-1, 1, 20001, dtype=torch.float64)
    values = density.log_prob(grid[:, None]).exp()  # (points, batch)
    assert values.min() >= 0
    assert values.max() > 1  # twice the uniform density: the check below is not about a flat one
    integrals = torch.trapezoid(values, grid, dim=0)
    assert torch.allclose(integrals, torch.ones(3, dtype=torch.float64), atol=1e-6)


def test_categorical_head_is_the_density_at_bin_centres():
    """Two independent evaluations: the head's inverse FFT of c_k, the density's |Σ a_t e^{iπtz}|²."""
    categorical = make_head(40, 7, in_features=4, dtype=torch.float64)
    continuous = FourierMLEHead(4, 7, dtype=torch.float64)
    randomise(categorical)
    continuous.load_state_dict(categorical.state_dict())
    x = torch.randn(6, 4, dtype=torch.float64)
    at_centres = continuous(x).log_prob(categorical.bin_centers[:, None]).exp().T  # (batch, bins)
    expected = at_centres / at_centres.sum(-1, keepdim=True)
    assert (bin_probabilities(categorical(x)) - expected).abs().max() < 1e-12


def test_cdf_endpoints_derivative_and_inverse():
    density = random_density()
    assert density.cdf(torch.full((3,), -1.0, dtype=torch.float64)).abs().max() < 1e-12
    assert (density.cdf(torch.ones(3, dtype=torch.float64)) - 1).abs().max() < 1e-12
    z = torch.linspace(-0.99, 0.99, 199, dtype=torch.float64)[:, None]
    step = 1e-6
    slope = (density.cdf(z + step) - density.cdf(z - step)) / (2 * step)
    assert (slope - density.log_prob(z).exp()).abs().max() < 1e-6
    u = torch.rand(100, 3, dtype=torch.float64)
    assert (density.cdf(density.icdf(u)) - u).abs().max() < 1e-12


def kolmogorov_smirnov(samples: torch.Tensor, cdf) -> float:
    ordered = samples.sort().values
    n = len(ordered)
    model = cdf(ordered)
    above = torch.arange(1, n + 1, dtype=model.dtype) / n - model
    below = model - torch.arange(n, dtype=model.dtype) / n
    return max(above.max().item(), below.max().item())


def test_samples_follow_the_density():
    density = random_density(batch=1)
    n = 20000
    samples = density.sample((n,), generator=torch.Generator().manual_seed(1))[:, 0]
    assert samples.shape == (n,) and samples.min() >= -1 and samples.max() <= 1
    bound = 1.63 / math.sqrt(n)  # Kolmogorov-Smirnov critical value at the 1% level
    assert kolmogorov_smirnov(samples, lambda z: density.cdf(z[:, None])[:, 0]) < bound
    uniform = torch.rand(n, dtype=torch.float64) * 2 - 1  # the same test rejects the wrong distribution
    assert kolmogorov_smirnov(uniform, lambda z: density.cdf(z[:, None])[:, 0]) > bound


def test_mle_head_loss_penalty_and_validation():
    head = FourierMLEHead(4, 6, regularization_gamma=1e-2)
    randomise(head, scale=0.1)
    x, target = torch.randn(8, 4), torch.rand(8) * 2 - 1
    density = head(x)
    assert density.batch_shape == (8,)
    per_row = (2 * math.pi**2 * torch.arange(7) ** 2 * autocorrelate(head.amplitudes(x)).abs() ** 2).sum(-1)
    expected_penalty = 1e-2 * 2 * per_row.mean()
    loss = head.loss(density, target)
    assert loss.item() == pytest.approx(-density.log_prob(target).mean().item() + expected_penalty.item())
    loss.backward()
    assert head.linear.weight.grad.abs().sum() > 0
    head(x)
    with pytest.warns(UnusedPenaltyWarning):
        head(x)
    # explicit validate_args: once torch.compile has run, dynamo turns torch.distributions' default off
    checked = FourierDensity(head.amplitudes(x), validate_args=True)
    with pytest.raises(ValueError, match="support"):
        checked.log_prob(torch.full((8,), 1.5))


# --- hyperparameters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_frequencies": 0}, "num_frequencies must be an integer >= 1"),
        ({"num_bins": 1}, "num_bins must be an integer >= 2"),
        ({"regularization_gamma": -1.0}, "regularization_gamma must be >= 0"),
        ({"eps": 0.0}, "eps must be > 0"),
        ({"init_weight_divisor": 0.0}, "init divisors must be > 0"),
    ],
)
def test_bad_hyperparameters_raise(kwargs, message):
    arguments = {"in_features": 8, "num_bins": 50, "num_frequencies": 8, **kwargs}
    with pytest.raises(ValueError, match=message):
        FourierHead(**arguments)


def test_frequencies_at_half_the_bins_warn():
    with pytest.warns(UserWarning, match="alias"):
        FourierHead(8, 18, 9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FourierHead(8, 18, 8)


# --- learning -----------------------------------------------------------------------------------------


def test_training_lowers_the_kl_to_a_smooth_target():
    """Fit the unconditional distribution of a two-component Gaussian mixture folded into 50 bins."""
    num_bins = 50
    head = FourierHead(4, num_bins, 12, regularization_gamma=1e-6)
    centres = head.bin_centers
    mixture = 0.6 * torch.exp(-0.5 * ((centres + 0.4) / 0.15) ** 2) + 0.4 * torch.exp(
        -0.5 * ((centres - 0.35) / 0.1) ** 2
    )
    target_probs = mixture / mixture.sum()
    features = torch.ones(4)

    def kl() -> float:
        with torch.no_grad():
            model = bin_probabilities(head(features)).clamp_min(1e-12)
        return (target_probs * (target_probs / model).log()).sum().item()

    initial = kl()
    optimizer = torch.optim.Adam(head.parameters(), lr=3e-3)
    for _ in range(300):
        labels = torch.multinomial(target_probs, 256, replacement=True)
        loss = head.loss(head(features.expand(256, 4)), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert kl() < 0.1 * initial
