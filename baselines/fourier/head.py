"""The Fourier head: a drop-in replacement for the `nn.Linear` that feeds a softmax over ordered bins.

A linear map gives complex amplitudes a_0..a_N; their autocorrelation c_k = Σ_t a_{t+k}·conj(a_t) are the
Fourier coefficients of the density p(z) = |Σ_t a_t e^{iπtz}|² / (2c_0) on [-1, 1], which is non-negative
and integrates to 1. The head returns log(p(b_j)/Σ_i p(b_i) + eps) at the bin centres b_j. Because the bin
centres are equally spaced, all of them come out of one inverse real FFT of the phase-shifted c_k/c_0
instead of an N x num_bins table product. The autocorrelation, the bins and the head's own cross-entropy
have their backwards written out (autograd's would add passes over the (..., num_bins) output and
zero-filled spectra). docs/fourier-head.md has the details and the benchmark.
"""

import math
import warnings
from collections.abc import Callable
from typing import Self

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

PAPER_EPS = 1e-5  # the paper's offset before the log ("const_inverse_softmax"), kept so numbers match
_BLOCK_ELEMENTS = 1 << 18  # (row, bin) elements per block of the m-sized passes, see `_row_blocks`


class UnusedPenaltyWarning(UserWarning):
    """A training forward replaced a regularisation penalty that nobody took."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _fft_length(minimum: int) -> int:
    """The smallest even 2^a·3^b·5^c >= minimum: sizes FFT libraries transform fastest, real ones included
    (odd lengths such as 1125 = 3²·5³ were slower for the real transforms of the power spectrum)."""
    best = 1 << max(minimum - 1, 1).bit_length()
    power_of_5 = 1
    while power_of_5 < best:
        power_of_3_and_5 = power_of_5
        while power_of_3_and_5 < best:
            candidate = 2 * power_of_3_and_5
            while candidate < minimum:
                candidate *= 2
            best = min(best, candidate)
            power_of_3_and_5 *= 3
        power_of_5 *= 5
    return best


def autocorrelate(amplitudes: Tensor) -> Tensor:
    """c_k = Σ_t a_{t+k}·conj(a_t) for k = 0..L-1, over the last dimension of complex amplitudes (..., L).

    Computed as the inverse FFT of the power spectrum, zero-padded to at least 2L-1 points so that the
    circular correlation equals the linear one: O(L log L) per row, forwards and backwards.
    """
    return _Autocorrelation.apply(amplitudes)


class _Autocorrelation(torch.autograd.Function):
    """`autocorrelate` with its backward written out: a real FFT of the gradient, a product, an inverse FFT.

    For an incoming gradient G (PyTorch's convention for complex tensors, ∂L/∂Re + i·∂L/∂Im),
    grad a_s = Σ_k [conj(G_k)·a_{s+k} + G_k·a_{s-k}]: a circular convolution of a with the Hermitian
    sequence w (w_k = G_k, w_{-k} = conj(G_k), w_0 = 2·Re G_0), whose DFT is real. So it is the inverse
    FFT of hfft(w)·FFT(a), with FFT(a) kept from the forward. Autograd's own backward of the same forward
    makes a dozen further passes (zero-filled slices, complex views of the squared modulus).
    """

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, amplitudes: Tensor) -> Tensor:
        size = amplitudes.shape[-1]
        spectrum = torch.fft.fft(amplitudes, n=_fft_length(2 * size - 1))
        # not addcmul: inductor would fuse it into an FMA and round differently from eager
        power = spectrum.real.square().add_(spectrum.imag.square())
        ctx.save_for_backward(spectrum)
        return torch.fft.rfft(power, norm="forward")[..., :size].conj_physical()  # ihfft, conjugate resolved

    @staticmethod
    @once_differentiable
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: Tensor) -> Tensor:
        (spectrum,) = ctx.saved_tensors
        weights = grad.clone(memory_format=torch.contiguous_format)
        weights[..., 0] = 2 * grad[..., 0].real  # hfft reads the constant term's real part, once
        kernel = torch.fft.hfft(weights, n=spectrum.shape[-1])  # the DFT of w, real
        product = torch.view_as_complex(torch.view_as_real(spectrum) * kernel.unsqueeze(-1))
        return torch.fft.ifft(product)[..., : grad.shape[-1]]


def _shifted_ratios_backward(grad: Tensor, coefficients: Tensor, phase: Tensor) -> Tensor:
    """The gradient of c from that of d_k = c_k·φ_k/c_0 (k = 1..N; c_0 is read as real): (..., N+1).

    grad c_k = grad d_k·conj(φ_k)/c_0, and grad c_0 = -Σ_k Re(grad c_k·conj(c_k))/c_0.
    """
    inverse_total = coefficients[..., :1].real.reciprocal()
    result = torch.empty_like(coefficients)
    result[..., 1:] = grad * phase.conj()
    result[..., 1:] *= inverse_total
    dot = (torch.view_as_real(result[..., 1:]) * torch.view_as_real(coefficients[..., 1:])).sum((-2, -1))
    result[..., 0] = -dot * inverse_total[..., 0]
    return result


def _row_blocks(rows: int, num_bins: int) -> list[slice]:
    """Slices of about _BLOCK_ELEMENTS (row, bin) elements: a block's half-spectrum and output stay in
    cache between the transform and the elementwise passes, and its buffers are reused (faster than one
    block of all rows at 4096 bins, side by side, on one thread). One block when compiling (the compiler
    plans memory) and with several intra-op threads: every operation on a block would then be a parallel
    region of its own, and their synchronisation cost more than the cache saved."""
    one_block = torch.compiler.is_compiling() or torch.get_num_threads() > 1
    step = rows if one_block else max(1, min(rows, _BLOCK_ELEMENTS // num_bins))
    return [slice(start, min(start + step, rows)) for start in range(0, rows, step)]


class _LogBinProbabilities(torch.autograd.Function):
    """log(y + eps) at the m bin centres from the coefficients c_0..c_N (N < m/2), see `FourierHead.forward`.

    y + eps = irfft([1 + m·eps, d_1, ..., d_N, 0, ...]) with d_k = c_k·φ_k/c_0 written straight into a
    half-spectrum buffer that is zeroed once and reused block after block of rows; the log writes the
    output. The backward needs 1/(y + eps) = exp(-output), so only the output and c are kept; the gradient
    of d_k is 2/m times the real FFT of grad/(y + eps) at k, again block by block. The node also keeps c
    for `FourierHead.loss`, which then skips this backward altogether (`_TargetCrossEntropy`).
    """

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx,
        coefficients: Tensor,
        phase: Tensor,
        num_bins: int,
        direct_current: float,
    ) -> Tensor:
        size = coefficients.shape[-1]
        flat = coefficients.reshape(-1, size)
        inverse_total = flat[:, :1].real.reciprocal()
        log_probs = flat.real.new_empty(flat.shape[0], num_bins)
        blocks = _row_blocks(flat.shape[0], num_bins)
        buffer = flat.new_zeros(blocks[0].stop, num_bins // 2 + 1) if blocks else flat.new_zeros(0, 1)
        buffer[:, 0] = direct_current
        for rows in blocks:
            spectrum = buffer[: rows.stop - rows.start]
            spectrum[:, 1:size] = flat[rows, 1:] * phase
            spectrum[:, 1:size] *= inverse_total[rows]
            torch.log(torch.fft.irfft(spectrum, n=num_bins), out=log_probs[rows])  # irfft's out= copies
        log_probs = log_probs.reshape(*coefficients.shape[:-1], num_bins)
        ctx.save_for_backward(log_probs, coefficients, phase)
        if coefficients.requires_grad and not torch.compiler.is_compiling():
            ctx.coefficients, ctx.phase = coefficients, phase
        return log_probs

    @staticmethod
    @once_differentiable
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: Tensor) -> tuple[Tensor, None, None, None]:
        log_probs, coefficients, phase = ctx.saved_tensors
        num_bins, size = log_probs.shape[-1], coefficients.shape[-1]
        flat_log_probs, flat_grad = log_probs.reshape(-1, num_bins), grad.reshape(-1, num_bins)
        shifted_grad = coefficients.new_empty(flat_log_probs.shape[0], size - 1)
        blocks = _row_blocks(flat_log_probs.shape[0], num_bins)
        scaled = log_probs.new_empty(blocks[0].stop if blocks else 0, num_bins)
        for rows in blocks:
            block = scaled[: rows.stop - rows.start]
            torch.exp(flat_log_probs[rows], out=block)  # y + eps
            torch.div(flat_grad[rows], block, out=block)
            shifted_grad[rows] = torch.fft.rfft(block)[:, 1:size]
        shifted_grad *= 2 / num_bins
        shifted_grad = shifted_grad.reshape(*coefficients.shape[:-1], size - 1)
        return _shifted_ratios_backward(shifted_grad, coefficients, phase), None, None, None


class _TargetCrossEntropy(torch.autograd.Function):
    """F.cross_entropy of `_LogBinProbabilities`' output, differentiated with respect to its c directly.

    With l = log(y + eps) and S = Σ_j (y_j + eps), the mean cross-entropy over K kept rows has
    ∂/∂y_j = 1/(K·S) - [j = t]/(K·(y_t + eps)). The constant part reaches only the DC term of the inverse
    FFT, which is fixed (Σ_j y_j = 1 whatever d is), so each row's gradient is a spike at its target, and
    the real FFT of a spike at t is e^{-2πitk/m}: ∂/∂d_k = -(2/m)·e^{-2πitk/m} / (K·(y_t + eps)). O(N) per
    row instead of two passes and an FFT over all m bins. The value is F.cross_entropy's own, to the bit.
    """

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx,
        coefficients: Tensor,
        phase: Tensor,
        log_probs: Tensor,
        target: Tensor,
        ignore_index: int,
    ) -> Tensor:
        ctx.save_for_backward(coefficients, phase, log_probs, target)
        ctx.ignore_index = ignore_index
        return F.cross_entropy(log_probs, target, ignore_index=ignore_index)

    @staticmethod
    @once_differentiable
    def backward(
        ctx: torch.autograd.function.FunctionCtx, grad: Tensor
    ) -> tuple[Tensor, None, None, None, None]:
        coefficients, phase, log_probs, target = ctx.saved_tensors
        num_bins = log_probs.shape[-1]
        kept = target != ctx.ignore_index
        bins = torch.where(kept, target, 0)
        offset = log_probs.gather(-1, bins[:, None]).squeeze(-1).exp()  # y_t + eps
        scale = torch.where(kept, (-2 / num_bins) * grad / (kept.sum() * offset), 0)
        frequencies = torch.arange(1, coefficients.shape[-1], device=bins.device)
        angles = torch.arange(num_bins, device=bins.device, dtype=torch.float64) * (-2 * math.pi / num_bins)
        twiddles = torch.polar(torch.ones_like(angles), angles).to(coefficients.dtype)
        shifted_grad = twiddles[bins[:, None] * frequencies % num_bins] * scale[:, None]
        return _shifted_ratios_backward(shifted_grad, coefficients, phase), None, None, None, None


class FourierLayer(nn.Module):
    """What both heads share: the linear map to amplitudes, the regulariser, and the constant tables.

    Constant tables are non-persistent buffers: they follow `.to()` and `.cuda()`, stay out of the
    `state_dict` (they are a function of the constructor arguments, so a checkpoint holds only the learnt
    weights and cannot carry tables that disagree with them), and are rebuilt after every move or cast, in
    float32 or the weights' dtype if wider: a phase table rounded to bfloat16 can make probabilities negative.
    """

    def __init__(
        self,
        in_features: int,
        num_frequencies: int,
        regularization_gamma: float,
        init_weight_divisor: float,
        init_bias_divisor: float,
        device: torch.device | str | None,
        dtype: torch.dtype | None,
    ) -> None:
        super().__init__()
        _require(
            isinstance(num_frequencies, int) and num_frequencies >= 1,
            f"num_frequencies must be an integer >= 1, got {num_frequencies!r}",
        )
        _require(regularization_gamma >= 0, f"regularization_gamma must be >= 0, got {regularization_gamma}")
        _require(
            init_weight_divisor > 0 and init_bias_divisor > 0,
            f"init divisors must be > 0, got weight {init_weight_divisor!r}, bias {init_bias_divisor!r}",
        )
        self.num_frequencies = num_frequencies
        self.regularization_gamma = float(regularization_gamma)
        self.init_weight_divisor = init_weight_divisor
        self.init_bias_divisor = init_bias_divisor
        self.linear = nn.Linear(in_features, 2 * (num_frequencies + 1), device=device, dtype=dtype)
        self._pending_penalty: Tensor | None = None
        self.reset_parameters()

    @property
    def in_features(self) -> int:
        return self.linear.in_features

    def reset_parameters(self) -> None:
        """PyTorch's default `nn.Linear` init divided by the init divisors (100, 100 in the paper's code)."""
        self.linear.reset_parameters()
        with torch.no_grad():
            self.linear.weight.div_(self.init_weight_divisor)
            self.linear.bias.div_(self.init_bias_divisor)

    def amplitudes(self, x: Tensor) -> Tensor:
        """The complex amplitudes a_0..a_N, shape (..., N+1), for inputs (..., in_features)."""
        return self._amplitudes_from(self.linear(x))

    def _amplitudes_from(self, linear_output: Tensor) -> Tensor:
        """Real parts are the first N+1 outputs, imaginary parts the last N+1, as in the reference code.

        The spectral part runs in float32 at least: bfloat16 has no FFT and too few bits for a density.
        """
        compute_dtype = torch.promote_types(linear_output.dtype, torch.float32)
        real, imaginary = linear_output.to(compute_dtype).chunk(2, dim=-1)
        return torch.complex(real, imaginary)

    def _hold_penalty(self, coefficients: Tensor) -> None:
        """Keep γ·mean over rows of 2·Σ_k 2π²k²|c_k|² (unnormalised c_k) for `take_penalty`.

        Only training forwards with autograd on hold one. A penalty still held at the next such forward was
        forgotten: warn, then replace it (which also frees the old forward's graph). The check needs Python,
        so compiled forwards skip it.
        """
        if not self._penalty_due():
            return
        if not torch.compiler.is_compiling() and self._pending_penalty is not None:
            warnings.warn(
                f"{type(self).__name__}: the regularisation penalty of the previous training forward was "
                "never taken; add head.take_penalty() to the loss after each forward, or use head.loss(...)",
                UnusedPenaltyWarning,
                stacklevel=2,
            )
        self._pending_penalty = self.regularization_gamma * self._penalty_rows(coefficients).mean()

    def _penalty_rows(self, coefficients: Tensor) -> Tensor:
        power = coefficients.real.square() + coefficients.imag.square()
        return (power * self.penalty_weights).sum(-1)

    def _penalty_due(self) -> bool:
        return self.regularization_gamma > 0 and self.training and torch.is_grad_enabled()

    def take_penalty(self) -> Tensor:
        """The regularisation penalty of the last training forward (a 0-dim tensor; zero if none), cleared."""
        penalty, self._pending_penalty = self._pending_penalty, None
        if penalty is None:
            return torch.zeros((), device=self.linear.weight.device, dtype=self._table_dtype())
        return penalty

    def _table_dtype(self) -> torch.dtype:
        return torch.promote_types(self.linear.weight.dtype, torch.float32)

    def _tables(self, device: torch.device, dtype: torch.dtype) -> dict[str, Tensor | None]:
        """Constant tables by buffer name; subclasses add theirs."""
        frequencies = torch.arange(self.num_frequencies + 1, device=device)
        # 2·2π²k²: the paper's 2π²k² per coefficient, doubled as in the reference code
        penalty_weights = 4 * math.pi**2 * frequencies.to(torch.float64).square()
        return {"frequencies": frequencies, "penalty_weights": penalty_weights.to(dtype)}

    def _register_tables(self) -> None:
        for name, table in self._tables(self.linear.weight.device, self._table_dtype()).items():
            self.register_buffer(name, table, persistent=False)

    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Self:
        super()._apply(fn, recurse)
        self._register_tables()
        return self


class FourierHead(FourierLayer):
    """Inputs (..., in_features) -> log-probabilities (..., num_bins) over equal bins of [-1, 1].

    Use it where an `nn.Linear(in_features, num_bins)` feeds a softmax or `F.cross_entropy`. The output is
    log(y + eps) with y the bin probabilities (eps = 1e-5 as in the paper), in the dtype `nn.Linear` would
    return. With `regularization_gamma` > 0, every training forward holds a penalty: add `take_penalty()` to
    the loss, or use `loss(log_probs, target)`, which does; a penalty left untaken until the next training
    forward raises an `UnusedPenaltyWarning`.

    `num_frequencies` >= num_bins/2 is allowed with a warning: frequencies above num_bins/2 alias onto lower
    ones at the bin centres, so they add parameters but no expressiveness, and the paper's theory
    (1 << N < num_bins/2) no longer applies; its own Atari runs used N up to 32 for 18 actions.
    """

    def __init__(
        self,
        in_features: int,
        num_bins: int,
        num_frequencies: int,
        regularization_gamma: float = 0.0,
        *,
        eps: float = PAPER_EPS,
        init_weight_divisor: float = 100.0,
        init_bias_divisor: float = 100.0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        _require(
            isinstance(num_bins, int) and num_bins >= 2, f"num_bins must be an integer >= 2, got {num_bins!r}"
        )
        _require(eps > 0, f"eps must be > 0, got {eps!r}")
        super().__init__(
            in_features,
            num_frequencies,
            regularization_gamma,
            init_weight_divisor,
            init_bias_divisor,
            device,
            dtype,
        )
        self.num_bins = num_bins
        self.eps = eps
        self.aliased = 2 * num_frequencies >= num_bins
        if self.aliased:
            warnings.warn(
                f"FourierHead: num_frequencies={num_frequencies} >= num_bins/2={num_bins / 2:g}; frequencies "
                "above num_bins/2 alias onto lower ones at the bin centres (more parameters, no more "
                "expressiveness) and the paper's theory assumes 1 << N < num_bins/2",
                UserWarning,
                stacklevel=2,
            )
        self._register_tables()

    def _tables(self, device: torch.device, dtype: torch.dtype) -> dict[str, Tensor | None]:
        bins, frequencies = self.num_bins, self.num_frequencies
        k = torch.arange(1, frequencies + 1, dtype=torch.float64)
        # e^{iπ k b_0} with b_0 = (1 - m)/m turns the Fourier series at b_j into a DFT over j; the angle is
        # reduced modulo 2π in integers first so that large k lose no precision.
        phase_steps = torch.remainder(k * (1 - bins), 2 * bins)
        phase = torch.polar(torch.ones_like(k), math.pi * phase_steps / bins)
        centers = (2 * torch.arange(bins, dtype=torch.float64) - bins + 1) / bins
        # the frequencies k = q·m that alias onto the constant: e^{iπ k b_0} = (-1)^{q(m-1)} at them
        multiples = torch.arange(1, frequencies // bins + 1)
        return {
            **super()._tables(device, dtype),
            "bin_centers": centers.to(device, dtype),
            "bin_phase": torch.view_as_real(phase).to(device, dtype),
            "alias_index": (torch.arange(1, frequencies + 1) % bins).to(device) if self.aliased else None,
            "alias_signs": (1 - 2 * (multiples * (bins - 1) % 2)).to(device, dtype) if self.aliased else None,
        }

    def forward(self, x: Tensor) -> Tensor:
        """log(y + eps), shape (..., num_bins); on training forwards, also holds the penalty.

        p(b_j) = 1/2 + Re Σ_k d_k ω^{jk} with d_k = (c_k/c_0)·e^{iπk b_0} and ω = e^{2πi/m}. For N < m/2
        every k has its own slot of a length-m real inverse FFT, the p(b_j) sum to exactly m/2, and
        irfft([1, d_1, ..., d_N]) is y itself; a DC term of 1 + m·eps adds the eps to every bin without
        another pass over the output (`_LogBinProbabilities`). Otherwise frequencies fold onto k mod m and a
        complex inverse FFT evaluates the sum, followed by an explicit renormalisation.
        """
        linear_output = self.linear(x)
        coefficients = autocorrelate(self._amplitudes_from(linear_output))
        self._hold_penalty(coefficients)
        phase = torch.view_as_complex(self.bin_phase)
        if self.aliased:
            log_probs = torch.log(self._aliased_offset_probabilities(coefficients, phase))
        else:
            direct_current = 1 + self.num_bins * self.eps
            log_probs = _LogBinProbabilities.apply(coefficients, phase, self.num_bins, direct_current)
        return log_probs.to(linear_output.dtype)

    def _aliased_offset_probabilities(self, coefficients: Tensor, phase: Tensor) -> Tensor:
        """y_j + eps for N >= m/2: each d_k added to slot k mod m, a complex inverse FFT, renormalised."""
        shifted = coefficients[..., 1:] / coefficients[..., :1].real * phase
        folded = shifted.new_zeros(*shifted.shape[:-1], self.num_bins)
        folded = folded.index_add(-1, self.alias_index, shifted)
        density = 0.5 + torch.fft.ifft(folded, norm="forward").real
        return density / density.sum(-1, keepdim=True) + self.eps

    def loss(self, log_probs: Tensor, target: Tensor, ignore_index: int = -100) -> Tensor:
        """Mean cross-entropy of the head's output against bin indices, plus the held penalty (taken).

        Cross-entropy, not NLL, on log(y + eps), as the paper trains: softmax(log(y + eps)) is
        (y + eps)/(1 + num_bins·eps), so the loss differs from -log y_target by at most log(1 + num_bins·eps).
        """
        flat_target = target.reshape(-1)
        node = log_probs.grad_fn
        if isinstance(node, _LogBinProbabilities._backward_cls) and hasattr(node, "coefficients"):
            # the head's own output, untouched: differentiate through its coefficients, not its m bins
            coefficients = node.coefficients.reshape(-1, node.coefficients.shape[-1])
            flat = log_probs.detach().reshape(-1, self.num_bins)
            cross_entropy = _TargetCrossEntropy.apply(
                coefficients, node.phase, flat, flat_target, ignore_index
            )
        else:
            cross_entropy = F.cross_entropy(
                log_probs.reshape(-1, self.num_bins), flat_target, ignore_index=ignore_index
            )
        return cross_entropy + self.take_penalty()

    def fused_loss(self, x: Tensor, target: Tensor, ignore_index: int = -100) -> Tensor:
        """`loss(self(x), target)` without computing the (..., num_bins) log-probabilities: O(N) per row.

        The cross-entropy of log(y + eps) needs y only at the target bin, because Σ_j (y_j + eps) is
        1 + m·eps by construction; y at bin j is |Σ_t a_t e^{iπt b_j}|² / (2c_0) divided by the known
        normaliser Σ_i p(b_i). The penalty of this forward is included; nothing is held for `take_penalty`.
        """
        amplitudes = self.amplitudes(x).reshape(-1, self.num_frequencies + 1)
        target = target.reshape(-1)
        kept = target != ignore_index
        bins = torch.where(kept, target, 0)
        # π·k·b_j with b_j = (2j + 1 - m)/m, reduced modulo 2π in integers so that large k lose no precision
        steps = torch.remainder((2 * bins + 1 - self.num_bins)[:, None] * self.frequencies, 2 * self.num_bins)
        angles = (math.pi / self.num_bins) * steps.to(amplitudes.real.dtype)
        series = (amplitudes * torch.polar(torch.ones_like(angles), angles)).sum(-1)
        total_power = (amplitudes.real.square() + amplitudes.imag.square()).sum(-1)  # c_0
        density = (series.real.square() + series.imag.square()) / (2 * total_power)  # p(b_target)
        penalty = torch.zeros((), device=density.device, dtype=density.dtype)
        normaliser = self.num_bins / 2  # Σ_j p(b_j) when no frequency is a multiple of num_bins
        if self.aliased or self.regularization_gamma > 0:
            coefficients = autocorrelate(amplitudes)
            penalty = self.regularization_gamma * self._penalty_rows(coefficients).mean()
            if self.aliased:  # each frequency k = q·m adds m·Re(c_k/c_0)·e^{iπ k b_0} to the sum
                ratios = coefficients[..., self.num_bins :: self.num_bins].real / coefficients[..., :1].real
                normaliser = self.num_bins * (0.5 + (ratios * self.alias_signs).sum(-1))
        log_probs = torch.log(density / normaliser + self.eps) - math.log1p(self.num_bins * self.eps)
        return -log_probs[kept].mean() + penalty

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, num_bins={self.num_bins}, "
            f"num_frequencies={self.num_frequencies}, regularization_gamma={self.regularization_gamma:g}"
        )


def reference_forward(head: FourierHead, x: Tensor) -> tuple[Tensor, Tensor]:
    """The head's math written out literally, slowly: (log-probs, penalty) for inputs (..., in_features).

    Complex `conv1d` for the autocorrelation, an N x num_bins table of e^{iπk b_j} built on every call (its
    angles in float64; float32 angles alone would cost up to 3e-4 in log-probability at N = 64), an explicit
    sum to renormalise. It is the specification that tests and benchmarks hold the fast forward to; it
    reads the head's weights and leaves its held penalty alone.
    """
    size = head.num_frequencies + 1
    linear_output = head.linear(x)
    amplitudes = torch.complex(linear_output[..., :size], linear_output[..., size:]).reshape(-1, size)
    padded = F.pad(amplitudes, (0, size - 1)).unsqueeze(0)  # (1, rows, 2N+1): one conv group per row
    coefficients = F.conv1d(padded, amplitudes.conj().unsqueeze(1), groups=amplitudes.shape[0]).squeeze(0)
    frequencies = torch.arange(1, size, dtype=torch.float64, device=x.device)
    angles = math.pi * frequencies[:, None] * head.bin_centers.double()[None, :]
    table = torch.polar(torch.ones_like(angles), angles).to(amplitudes.dtype)
    density = 0.5 + ((coefficients[:, 1:] / coefficients[:, :1].real) @ table).real
    log_probs = torch.log(density / density.sum(-1, keepdim=True) + head.eps)
    weights = 2 * math.pi**2 * torch.arange(size, device=x.device, dtype=torch.float64) ** 2
    penalty = head.regularization_gamma * 2 * (weights * coefficients.abs() ** 2).sum(-1).mean()
    return log_probs.reshape(*x.shape[:-1], head.num_bins), penalty
