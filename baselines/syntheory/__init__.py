"""SynTheory probing baselines: frozen audio features (features.py), their cache (embeddings.py), probes."""
