"""The product catalogue: stock SKUs, new-formula successors and gift-set bundles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.contract import SOURCES

LINES = (
    "Hydra",
    "Jade",
    "Camellia",
    "Peony",
    "Silk",
    "Rose",
    "Ginseng",
    "Pearl",
    "Sakura",
    "Lotus",
    "Bamboo",
    "Orchid",
)
# category, code, product types, (cost low, high), price markup, shelf life days, case pack
CATEGORIES = (
    (
        "skincare",
        "SK",
        ("Serum 30ml", "Cream 50ml", "Toner 150ml", "Essence 100ml", "Eye Cream 15ml", "Cleanser 120ml"),
        (35, 160),
        3.6,
        1095,
        24,
    ),
    ("suncare", "SC", ("Sunscreen SPF50 50ml", "Sun Milk 60ml"), (28, 70), 3.4, 1095, 48),
    ("masks", "MK", ("Sheet Mask x5", "Sleeping Mask 80ml", "Clay Mask 100ml"), (18, 60), 3.5, 1095, 48),
    (
        "makeup",
        "MU",
        ("Lipstick", "Cushion", "Foundation 30ml", "Eyeshadow Palette", "Mascara", "Lip Glaze"),
        (25, 110),
        3.8,
        1095,
        24,
    ),
    ("fragrance", "FR", ("Eau de Parfum 50ml", "Eau de Toilette 100ml"), (90, 260), 3.2, 1825, 12),
    ("bodycare", "BC", ("Body Lotion 250ml", "Hand Cream 50ml", "Shower Gel 300ml"), (15, 55), 3.0, 1095, 24),
)
SHARE = np.array([0.42, 0.08, 0.12, 0.22, 0.06, 0.10])


@dataclass(frozen=True)
class Catalog:
    skus: np.ndarray  # str, index = product index
    category: np.ndarray
    unit_cost: np.ndarray
    list_price: np.ndarray
    shelf_life: np.ndarray
    case_pack: np.ndarray
    moq: np.ndarray
    successor: np.ndarray  # product index of the successor, -1 if none
    predecessor: np.ndarray  # product index of the SKU this one replaces, -1 if none
    is_bundle: np.ndarray
    popularity: np.ndarray  # relative demand weight (0 for successors: they inherit demand)
    bom: np.ndarray  # (n_products, n_products) units of component per unit ordered; identity for stock SKUs
    frame: pl.DataFrame  # contract: products
    bundle_frame: pl.DataFrame  # contract: bundle_components

    @property
    def n(self) -> int:
        return len(self.skus)


def build_catalog(n_base: int, n_successors: int, n_bundles: int, rng: np.random.Generator) -> Catalog:
    counts = np.maximum(1, np.round(SHARE / SHARE.sum() * n_base).astype(int))
    counts[0] += n_base - counts.sum()
    rows: list[dict] = []
    for (cat, code, types, (lo, hi), markup, life, pack), k in zip(CATEGORIES, counts):
        for i in range(int(k)):
            kind = types[i % len(types)]
            line = LINES[(i // len(types)) % len(LINES)]
            shade = (
                f" #{i // (len(types) * len(LINES)) + 1:02d}" if i >= len(types) * len(LINES) or cat == "makeup" else ""
            )
            cost = round(float(rng.uniform(lo, hi)), 2)
            rows.append(
                dict(
                    sku=f"{code}{len(rows) + 1:04d}",
                    name=f"{line} {kind}{shade}",
                    category=cat,
                    unit_cost=cost,
                    list_price=float(np.round(cost * markup / 10) * 10 - 1),
                    shelf_life_days=life,
                    case_pack=pack,
                    moq=pack * int(rng.choice([2, 4, 5])),
                    successor_sku=None,
                )
            )
    base = len(rows)
    popularity = list(rng.pareto(1.3, base) + 0.2)
    successor = [-1] * base
    predecessor = [-1] * base
    old = np.sort(rng.choice(base, size=n_successors, replace=False))
    for o in old:
        new = dict(rows[o])
        new.update(
            sku=f"{rows[o]['sku']}N",
            name=f"{rows[o]['name']} (New Formula)",
            unit_cost=round(rows[o]["unit_cost"] * 1.05, 2),
            list_price=rows[o]["list_price"] + 10,
        )
        rows[o]["successor_sku"] = new["sku"]
        successor[o] = len(rows)
        successor.append(-1)
        predecessor.append(int(o))
        popularity.append(0.0)
        rows.append(new)
    stock_n = len(rows)
    bom = np.zeros((stock_n + n_bundles, stock_n + n_bundles), dtype=np.int64)
    bom[np.arange(stock_n), np.arange(stock_n)] = 1
    # components come from a pool of best sellers so several sets share components
    ranked = np.argsort(-np.array(popularity[:base]), kind="stable")
    pool = ranked[~np.isin(ranked, old)][: max(6, n_bundles)]  # never a SKU that is being replaced
    components: list[dict] = []
    for b in range(n_bundles):
        idx = stock_n + b
        k = int(rng.integers(2, 5))
        parts = np.sort(rng.choice(pool, size=k, replace=False))
        qty = np.where(rng.random(k) < 0.2, 2, 1)
        cost = float(sum(rows[p]["unit_cost"] * q for p, q in zip(parts, qty)))
        price = float(sum(rows[p]["list_price"] * q for p, q in zip(parts, qty)))
        rows.append(
            dict(
                sku=f"GS{b + 1:04d}",
                name=f"{LINES[b % len(LINES)]} Gift Set {b + 1}",
                category="gift_set",
                unit_cost=round(cost, 2),
                list_price=float(np.floor(price * 0.85)) - 1.0,
                shelf_life_days=int(min(rows[p]["shelf_life_days"] for p in parts)),
                case_pack=6,
                moq=6,
                successor_sku=None,
            )
        )
        successor.append(-1)
        predecessor.append(-1)
        popularity.append(float(rng.uniform(0.8, 2.5)))
        for p, q in zip(parts, qty):
            bom[idx, p] = q
            components.append(dict(bundle_sku=rows[idx]["sku"], component_sku=rows[p]["sku"], qty=int(q)))
    frame = pl.DataFrame(rows, schema=SOURCES["products"].schema)
    bundle_frame = pl.DataFrame(components, schema=SOURCES["bundle_components"].schema).sort(
        "bundle_sku", "component_sku"
    )
    return Catalog(
        skus=frame["sku"].to_numpy().astype(str),
        category=frame["category"].to_numpy().astype(str),
        unit_cost=frame["unit_cost"].to_numpy(),
        list_price=frame["list_price"].to_numpy(),
        shelf_life=frame["shelf_life_days"].to_numpy(),
        case_pack=frame["case_pack"].to_numpy(),
        moq=frame["moq"].to_numpy(),
        successor=np.array(successor),
        predecessor=np.array(predecessor),
        is_bundle=np.arange(len(rows)) >= stock_n,
        popularity=np.array(popularity),
        bom=bom,
        frame=frame,
        bundle_frame=bundle_frame,
    )
