"""The Chronos tokenizer: uniform (chronos-forecasting's own) and the paper's mixed binning."""

import numpy as np
import pytest
import torch

from synthsuite.baselines.timeseries.tokenizer import BINNINGS, N_TOKENS, chronos_config, make_tokenizer


@pytest.fixture(scope="module")
def config():
    return chronos_config(context_length=64, prediction_length=8)


@pytest.mark.parametrize("binning", BINNINGS)
@pytest.mark.parametrize("scale", [0.01, 1.0, 250.0])
def test_values_round_trip_within_half_a_bin(config, binning, scale):
    tokenizer = make_tokenizer(binning, config)
    centres = tokenizer.centers.double().numpy()
    values = torch.linspace(-15, 15, 20_001, dtype=torch.float64)[None] * scale
    ids, _, _ = tokenizer._input_transform(values, scale=torch.tensor([scale]))
    decoded = tokenizer.output_transform(ids[:, None, :], torch.tensor([scale]))[0, 0].double().numpy()
    assert ids.min() >= 3 and ids.max() <= N_TOKENS - 1  # never a special token, never the unused id 2
    # half the gap to the neighbouring centre on the value's side, in the series' units
    index = ids[0].numpy() - 3
    right = np.diff(centres, append=np.inf)[index]
    left = np.diff(centres, prepend=-np.inf)[index]
    half_bin = np.where(values[0].numpy() / scale >= centres[index], right, left) / 2 * scale
    assert np.all(np.abs(decoded - values[0].numpy()) <= half_bin * (1 + 1e-5) + 1e-6 * scale)


def test_the_mixed_layout_is_the_paper_s(config):
    centres = make_tokenizer("mixed", config).centers.double().numpy()
    assert len(centres) == N_TOKENS - 3  # as chronos's uniform binning: 4,093 centres for ids 3..4095
    assert np.sum(centres <= -1) == 600 and np.sum((centres > -1) & (centres <= 10)) == 3278
    assert np.sum(centres > 10) == 215
    dense = np.diff(centres[(centres > -1) & (centres <= 10)])
    assert np.allclose(dense, 11 / 3278, rtol=1e-3)  # 7x finer than uniform's 30/4092
    uniform = make_tokenizer("uniform", config).centers.double().numpy()
    assert np.allclose(np.diff(uniform), 30 / 4092, rtol=1e-3)


def test_mean_scaling_ignores_missing_values_and_zero_scale_is_one(config):
    tokenizer = make_tokenizer("mixed", config)
    context = torch.tensor([[np.nan, 2.0, -4.0, 6.0], [0.0, 0.0, 0.0, 0.0]])
    ids, mask, scale = tokenizer.context_input_transform(context)
    assert scale.tolist() == [4.0, 1.0]
    assert ids[0, 0] == 0 and not mask[0, 0]  # padding for the missing value
    assert ids[:, -1].tolist() == [1, 1]  # EOS appended
    labels, _ = tokenizer.label_input_transform(torch.tensor([[4.0] * 8, [0.0] * 8]), scale)
    decoded = tokenizer.output_transform(labels[:, None, :-1], scale)
    assert torch.allclose(decoded[0, 0], torch.full((8,), 4.0), atol=4 * 11 / 3278)
