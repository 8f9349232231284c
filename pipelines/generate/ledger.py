"""Collectors for what the WMS reports: movement rows and count snapshots, as numpy chunks."""

from __future__ import annotations

import numpy as np

from pipelines.contract import MOVEMENT_DOC_TYPES

DOC = {name: i for i, name in enumerate(MOVEMENT_DOC_TYPES)}


class MovementLog:
    """Movements as (time, lot, status, qty_delta, doc_type, doc_ref); doc_ref is resolved to an id on writing."""

    FIELDS = ("t", "lot", "status", "qty", "doc_type", "doc_ref")

    def __init__(self) -> None:
        self._chunks: dict[str, list[np.ndarray]] = {f: [] for f in self.FIELDS}

    def add(self, t, lot, status, qty, doc_type: str, doc_ref) -> None:
        lot = np.asarray(lot, np.int64)
        n = lot.size
        if n == 0:
            return
        for name, value in zip(self.FIELDS, (t, lot, status, qty, DOC[doc_type], doc_ref)):
            self._chunks[name].append(np.broadcast_to(np.asarray(value, np.int64), (n,)).copy())

    def arrays(self) -> dict[str, np.ndarray]:
        return {f: np.concatenate(c) if c else np.zeros(0, np.int64) for f, c in self._chunks.items()}


class SnapshotLog:
    """Count snapshots as (time, lot, status, qty): every lot and status with stock at that moment."""

    FIELDS = ("t", "lot", "status", "qty")

    def __init__(self) -> None:
        self._chunks: dict[str, list[np.ndarray]] = {f: [] for f in self.FIELDS}

    def add(self, t: int, bal: np.ndarray, lots: np.ndarray) -> None:
        sub = bal[lots]
        li, st = np.nonzero(sub > 0)
        for name, value in zip(self.FIELDS, (np.full(li.size, t), lots[li], st, sub[li, st])):
            self._chunks[name].append(np.asarray(value, np.int64))

    def arrays(self) -> dict[str, np.ndarray]:
        return {f: np.concatenate(c) if c else np.zeros(0, np.int64) for f, c in self._chunks.items()}
