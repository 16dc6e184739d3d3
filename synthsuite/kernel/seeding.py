"""Randomness derived from names, never from order or worker.

Every sample's generator is seeded from (dataset, config, sample key, seed), so a sample's bytes
do not depend on which worker renders it, in which order, or how many samples came before.
"""

import hashlib

import numpy as np


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from the string forms of `parts` (stable across runs and machines)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def sample_rng(dataset: str, config: str, key: str, seed: int) -> np.random.Generator:
    return np.random.default_rng(derive_seed(dataset, config, key, seed))


def hash_order(key: str, *salt: object) -> str:
    """A sort key that shuffles deterministically: the hex digest of the key and a salt."""
    return hashlib.sha256("\x1f".join([key, *map(str, salt)]).encode()).hexdigest()
