"""Where stock sits and where it is sold: warehouses, stores, channels and supply rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.contract import SOURCES

# province code -> (name, population weight, nearest domestic warehouse)
PROVINCES: dict[str, tuple[str, float, str]] = {
    "CN-SH": ("Shanghai", 6.0, "WH-EAST"),
    "CN-ZJ": ("Zhejiang", 7.0, "WH-EAST"),
    "CN-JS": ("Jiangsu", 8.0, "WH-EAST"),
    "CN-AH": ("Anhui", 3.5, "WH-EAST"),
    "CN-BJ": ("Beijing", 5.0, "WH-EAST"),
    "CN-TJ": ("Tianjin", 2.0, "WH-EAST"),
    "CN-HE": ("Hebei", 3.5, "WH-EAST"),
    "CN-SD": ("Shandong", 6.0, "WH-EAST"),
    "CN-LN": ("Liaoning", 2.5, "WH-EAST"),
    "CN-JL": ("Jilin", 1.2, "WH-EAST"),
    "CN-HL": ("Heilongjiang", 1.5, "WH-EAST"),
    "CN-SX": ("Shanxi", 1.5, "WH-EAST"),
    "CN-NM": ("Inner Mongolia", 1.0, "WH-EAST"),
    "CN-HA": ("Henan", 4.0, "WH-EAST"),
    "CN-HB": ("Hubei", 3.5, "WH-EAST"),
    "CN-JX": ("Jiangxi", 2.0, "WH-SOUTH"),
    "CN-FJ": ("Fujian", 3.5, "WH-SOUTH"),
    "CN-GD": ("Guangdong", 10.0, "WH-SOUTH"),
    "CN-GX": ("Guangxi", 2.0, "WH-SOUTH"),
    "CN-HI": ("Hainan", 0.8, "WH-SOUTH"),
    "CN-HN": ("Hunan", 3.0, "WH-SOUTH"),
    "CN-SC": ("Sichuan", 4.5, "WH-SOUTH"),
    "CN-CQ": ("Chongqing", 2.5, "WH-SOUTH"),
    "CN-YN": ("Yunnan", 2.0, "WH-SOUTH"),
    "CN-GZ": ("Guizhou", 1.3, "WH-SOUTH"),
    "CN-SN": ("Shaanxi", 2.2, "WH-SOUTH"),
    "CN-GS": ("Gansu", 0.8, "WH-SOUTH"),
    "CN-QH": ("Qinghai", 0.3, "WH-SOUTH"),
    "CN-NX": ("Ningxia", 0.3, "WH-SOUTH"),
    "CN-XJ": ("Xinjiang", 0.8, "WH-SOUTH"),
    "CN-XZ": ("Tibet", 0.2, "WH-SOUTH"),
}
CROSS_BORDER_REGIONS = ("SG", "MY")
CITIES = (  # city, IATA city code (unique: it names the store), province, lat, lon
    ("Shanghai", "SHA", "CN-SH", 31.23, 121.47),
    ("Beijing", "BJS", "CN-BJ", 39.90, 116.40),
    ("Guangzhou", "CAN", "CN-GD", 23.13, 113.26),
    ("Shenzhen", "SZX", "CN-GD", 22.54, 114.06),
    ("Hangzhou", "HGH", "CN-ZJ", 30.27, 120.15),
    ("Chengdu", "CTU", "CN-SC", 30.57, 104.07),
    ("Nanjing", "NKG", "CN-JS", 32.06, 118.80),
    ("Wuhan", "WUH", "CN-HB", 30.59, 114.31),
    ("Chongqing", "CKG", "CN-CQ", 29.56, 106.55),
    ("Suzhou", "SZV", "CN-JS", 31.30, 120.58),
    ("Xi'an", "XIY", "CN-SN", 34.34, 108.94),
    ("Tianjin", "TSN", "CN-TJ", 39.34, 117.36),
    ("Changsha", "CSX", "CN-HN", 28.23, 112.94),
    ("Qingdao", "TAO", "CN-SD", 36.07, 120.38),
    ("Xiamen", "XMN", "CN-FJ", 24.48, 118.09),
    ("Zhengzhou", "CGO", "CN-HA", 34.75, 113.63),
    ("Shenyang", "SHE", "CN-LN", 41.81, 123.43),
    ("Kunming", "KMG", "CN-YN", 25.04, 102.71),
    ("Hefei", "HFE", "CN-AH", 31.82, 117.23),
    ("Ningbo", "NGB", "CN-ZJ", 29.87, 121.54),
    ("Fuzhou", "FOC", "CN-FJ", 26.07, 119.30),
    ("Jinan", "TNA", "CN-SD", 36.65, 117.12),
)
OWNER = "OMNIBEAUTY-CN"
WAREHOUSES = (  # id, physical site, owner, region, lat, lon, ship methods
    ("WH-EAST", "SITE-JIAXING-DC", OWNER, "CN-ZJ", 30.75, 120.76, "express"),
    ("WH-SOUTH", "SITE-NANSHA-PARK", OWNER, "CN-GD", 22.80, 113.53, "express"),
    ("WH-BONDED", "SITE-NANSHA-PARK", "OMNIBEAUTY-HK", "CN-GD", 22.80, 113.53, "express"),
)
# channel_id, platform, kind, payment timeout, min shelf life, low-stock threshold, order share
CHANNELS = (
    ("tmall", "Tmall", "third_party", 30, 180, 5, 0.29),
    ("jd", "JD", "third_party", 30, 180, 5, 0.15),
    ("douyin", "Douyin", "third_party", 15, 180, 3, 0.17),
    ("xiaohongshu", "Xiaohongshu", "third_party", 30, 180, 3, 0.07),
    ("shopee_sg", "Shopee", "third_party", 60, 270, 3, 0.04),
    ("lazada_my", "Lazada", "third_party", 60, 270, 3, 0.04),
    ("wechat_cloud", "WeChat Mini Program", "self_operated", 15, 90, 2, 0.09),
    ("pos", "Offline POS", "self_operated", 5, 30, 1, 0.15),
)
MARKETPLACE_RATIO = {"tmall": 0.6, "jd": 0.4, "douyin": 0.5, "xiaohongshu": 0.3}


@dataclass(frozen=True)
class Network:
    location_ids: np.ndarray  # str; warehouses first, then stores
    is_store: np.ndarray
    region: np.ndarray  # province code of each location
    owner: np.ndarray
    store_dc: np.ndarray  # for stores: index of the warehouse that replenishes them (-1 for warehouses)
    channel_ids: np.ndarray
    channel_share: np.ndarray
    timeout_minutes: np.ndarray
    locations: pl.DataFrame
    coverage: pl.DataFrame
    channels: pl.DataFrame
    supply_rules: pl.DataFrame

    def loc(self, location_id: str) -> int:
        return int(np.flatnonzero(self.location_ids == location_id)[0])

    def channel(self, channel_id: str) -> int:
        return int(np.flatnonzero(self.channel_ids == channel_id)[0])


def build_network(n_stores: int, rng: np.random.Generator) -> Network:
    rows = [
        dict(
            location_id=w[0],
            type="warehouse",
            physical_site=w[1],
            owner=w[2],
            region=w[3],
            lat=w[4],
            lon=w[5],
            ship_methods=w[6],
        )
        for w in WAREHOUSES
    ]
    per_city: dict[str, int] = {}
    for i in range(n_stores):
        city, code, prov, lat, lon = CITIES[i % len(CITIES)]
        per_city[city] = per_city.get(city, 0) + 1
        rows.append(
            dict(
                location_id=f"ST-{code}-{per_city[city]:02d}",
                type="store",
                physical_site=f"SITE-{code}-{per_city[city]:02d}",
                owner=OWNER,
                region=prov,
                lat=round(lat + float(rng.normal(0, 0.03)), 4),
                lon=round(lon + float(rng.normal(0, 0.03)), 4),
                ship_methods="same_city|pickup",
            )
        )
    locations = pl.DataFrame(rows, schema=SOURCES["locations"].schema)
    cov = [(w, p) for w in ("WH-EAST", "WH-SOUTH") for p in PROVINCES] + [
        ("WH-BONDED", r) for r in CROSS_BORDER_REGIONS
    ]
    cov += [(r["location_id"], r["region"]) for r in rows[3:]]
    coverage = (
        pl.DataFrame(cov, schema=SOURCES["location_coverage"].schema, orient="row")
        .unique()
        .sort("location_id", "region")
    )
    channels = pl.DataFrame([c[:6] for c in CHANNELS], schema=SOURCES["channels"].schema, orient="row")
    stores = [r["location_id"] for r in rows[3:]]
    rules = [(c, w, "express", r) for c, r in MARKETPLACE_RATIO.items() for w in ("WH-EAST", "WH-SOUTH")]
    rules += [("shopee_sg", "WH-BONDED", "express", 0.5), ("lazada_my", "WH-BONDED", "express", 0.5)]
    rules += [("wechat_cloud", w, "express", 0.2) for w in ("WH-EAST", "WH-SOUTH")]
    rules += [("wechat_cloud", s, m, 1.0) for s in stores for m in ("same_city", "pickup")]
    rules += [("pos", s, "pickup", 1.0) for s in stores]
    supply = pl.DataFrame(rules, schema=SOURCES["supply_rules"].schema, orient="row").sort(
        "channel_id", "location_id", "ship_method"
    )
    ids = locations["location_id"].to_numpy().astype(str)
    region = locations["region"].to_numpy().astype(str)
    dc = np.array([-1, -1, -1] + [0 if PROVINCES[r][2] == "WH-EAST" else 1 for r in region[3:]])
    return Network(
        location_ids=ids,
        is_store=np.arange(len(ids)) >= 3,
        region=region,
        owner=locations["owner"].to_numpy().astype(str),
        store_dc=dc,
        channel_ids=np.array([c[0] for c in CHANNELS]),
        channel_share=np.array([c[6] for c in CHANNELS]),
        timeout_minutes=np.array([c[3] for c in CHANNELS]),
        locations=locations,
        coverage=coverage,
        channels=channels,
        supply_rules=supply,
    )
