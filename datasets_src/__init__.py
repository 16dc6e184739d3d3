"""Dataset generators and the machinery every suite shares.

The flow of one dataset (see docs/design.md): a generator *plans* every sample's spec, the engine
groups specs into shards that workers *render*, each shard is written atomically, and the
finished folder is a Hugging Face Hub dataset repo (parquet shards, dataset card, manifest) that
`datasets.load_dataset` reads and `synthsuite publish` pushes.
"""
