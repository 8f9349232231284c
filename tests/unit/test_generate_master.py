"""Master data of the simulated brand meets the counts the scales promise."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from pipelines.generate import build_master_data
from pipelines.generate.fees import read_fee_schedule
from pipelines.generate.network import CHANNELS


@pytest.fixture(scope="module")
def default() -> dict[str, pl.DataFrame]:
    return build_master_data("default", seed=7)


def test_default_catalogue_has_successors_and_shared_bundle_components(default: dict[str, pl.DataFrame]) -> None:
    products, bundles = default["products"], default["bundle_components"]
    assert 280 <= products.height <= 320
    assert products["sku"].n_unique() == products.height
    assert bundles["bundle_sku"].n_unique() >= 20
    assert set(bundles["bundle_sku"]) <= set(products["sku"]) and set(bundles["component_sku"]) <= set(products["sku"])
    assert bundles.group_by("component_sku").len()["len"].max() >= 3  # components shared by several bundles
    successors = products.filter(pl.col("successor_sku").is_not_null())
    assert successors.height >= 10 and set(successors["successor_sku"]) <= set(products["sku"])
    assert (products["shelf_life_days"] > 0).all() and (products["moq"] >= products["case_pack"]).all()


def test_default_network_has_a_bonded_warehouse_stores_and_a_shared_site(default: dict[str, pl.DataFrame]) -> None:
    locations, coverage = default["locations"], default["location_coverage"]
    warehouses = locations.filter(pl.col("type") == "warehouse")
    assert warehouses.height == 3 and locations.filter(pl.col("type") == "store").height >= 30
    bonded = set(coverage.filter(pl.col("location_id") == "WH-BONDED")["region"])
    assert bonded == {"SG", "MY"}
    assert locations.group_by("physical_site").len()["len"].max() >= 2
    assert set(coverage["location_id"]) == set(locations["location_id"])


def test_default_channels_and_supply_rules(default: dict[str, pl.DataFrame]) -> None:
    channels, rules = default["channels"], default["supply_rules"]
    assert channels.height >= 8
    assert {"Tmall", "JD", "Douyin", "Xiaohongshu", "Shopee", "Lazada", "WeChat Mini Program", "Offline POS"} <= set(
        channels["platform"]
    )
    own = channels.filter(pl.col("kind") == "self_operated")["channel_id"].to_list()
    assert sorted(own) == ["pos", "wechat_cloud"]
    assert set(rules["channel_id"]) == set(channels["channel_id"])
    assert rules.filter(pl.col("channel_id").is_in(["shopee_sg", "lazada_my"]))["location_id"].unique().to_list() == [
        "WH-BONDED"
    ]
    assert rules["max_ratio"].is_between(0, 1).all()


def test_small_scale_is_small_but_complete() -> None:
    small = build_master_data("small", seed=3)
    products, bundles = small["products"], small["bundle_components"]
    assert 35 <= products.height <= 45
    assert bundles["bundle_sku"].n_unique() >= 3 and products["successor_sku"].drop_nulls().len() >= 3
    assert small["locations"].filter(pl.col("type") == "store").height == 4
    assert small["locations"].filter(pl.col("type") == "warehouse").height == 3
    assert small["channels"].height == len(CHANNELS)


def test_the_fee_schedule_seed_covers_every_channel() -> None:
    fees = read_fee_schedule(np.array([c[0] for c in CHANNELS]))
    assert set(fees.currency) == {"CNY", "SGD", "MYR"}
    assert (fees.commission_rate < 0.2).all() and (fees.lag_days >= 1).all()


@pytest.mark.parametrize("scale", ["small", "default", "double11"])
def test_master_data_keys_are_unique_at_every_scale(scale: str) -> None:
    """Every master source is unique on its contract key (two cities once shared a store code)."""
    from pipelines.contract import SOURCES

    for name, frame in build_master_data(scale, seed=7).items():
        keys = list(SOURCES[name].keys)
        assert frame.select(keys).is_duplicated().sum() == 0, f"{name}: duplicate {keys}"
