"""The simulated brand's master data: catalogue, network, channels and fees together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.generate.catalog import Catalog, build_catalog
from pipelines.generate.fees import FeeSchedule, read_fee_schedule
from pipelines.generate.network import Network, build_network
from pipelines.generate.rand import stream
from pipelines.generate.scales import Scale


@dataclass(frozen=True)
class Brand:
    catalog: Catalog
    network: Network
    fees: FeeSchedule
    store_assortment: np.ndarray  # bool per product: sold in stores

    def master_frames(self) -> dict[str, pl.DataFrame]:
        """The structural master data (channel_controls and stock_locks come from the simulation)."""
        return {
            "products": self.catalog.frame,
            "bundle_components": self.catalog.bundle_frame,
            "locations": self.network.locations,
            "location_coverage": self.network.coverage,
            "channels": self.network.channels,
            "supply_rules": self.network.supply_rules,
        }


def store_assortment(catalog: Catalog, share: float = 0.6) -> np.ndarray:
    """Best sellers (and their successors) are in every store; a gift set when all its parts are."""
    base = (~catalog.is_bundle) & (catalog.predecessor < 0)
    ranked = np.flatnonzero(base)[np.argsort(-catalog.popularity[base], kind="stable")]
    carried = np.zeros(catalog.n, dtype=bool)
    carried[ranked[: int(len(ranked) * share)]] = True
    has_successor = carried & (catalog.successor >= 0)
    carried[catalog.successor[has_successor]] = True
    for b in np.flatnonzero(catalog.is_bundle):
        parts = np.flatnonzero(catalog.bom[b])
        carried[b] = bool(carried[parts].all())
    return carried


def build_brand(scale: Scale, seed: int) -> Brand:
    catalog = build_catalog(scale.n_base_skus, scale.n_successors, scale.n_bundles, stream(seed, "catalog"))
    network = build_network(scale.n_stores, stream(seed, "network"))
    return Brand(catalog, network, read_fee_schedule(network.channel_ids), store_assortment(catalog))
