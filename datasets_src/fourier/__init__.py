"""The Fourier suite's datasets: `fourier-synthetic` (synthetic/, known densities) and
`minatar-replay` (minatar/, DQN replay of the MinAtar games for the Decision Transformer)."""
