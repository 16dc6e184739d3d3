"""Reference baselines: models that turn a dataset into predictions. One subpackage per suite."""
