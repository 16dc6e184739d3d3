"""Task registry, evaluators and the results schema. Never imports baselines."""
