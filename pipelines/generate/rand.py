"""Deterministic random streams: one child generator per named purpose."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator that depends only on the seed and the purpose's name (never on call order)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])
