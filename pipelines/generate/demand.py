"""Customer demand: every order the brand will receive, with its intended lifecycle.

Times are whole seconds since the first simulated midnight. The stock simulation then
decides which orders can be allocated and when stock moves; orders.py turns the
result into the OMS's order versions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.generate.brand import Brand
from pipelines.generate.network import PROVINCES
from pipelines.generate.promotions import Calendar, day_multiplier, hourly_profile
from pipelines.generate.scales import Scale

DAY = 86_400
HOUR = 3_600
TIERS = np.array(["none", "silver", "gold", "vip"])
TIER_SHARE = [0.55, 0.25, 0.14, 0.06]
EXPRESS, SAME_CITY, PICKUP = 0, 1, 2
LINES_PER_ORDER = [0.62, 0.26, 0.09, 0.03]
RATES = {  # lifecycle rates (see docs/generator.md)
    "unpaid": 0.06,  # never paid (of which 75% are cancelled at the timeout, the rest stay `created`)
    "delayed_allocation": 0.03,  # paid orders that wait 2-30 hours for allocation
    "refund_before_ship": 0.012,
    "intercepted": 0.006,  # cancelled after allocation, before shipping
    "returned": 0.025,  # of delivered warehouse orders
}


@dataclass
class Demand:
    # orders
    day: np.ndarray
    channel: np.ndarray
    customer: np.ndarray  # -1: walk-in
    tier: np.ndarray
    region: np.ndarray  # str
    method: np.ndarray
    store: np.ndarray  # location index for store orders, else -1
    created: np.ndarray
    paid: np.ndarray  # -1: never paid
    cancel_unpaid: np.ndarray  # -1: stays `created`
    alloc: np.ndarray  # intended allocation time (-1 when unpaid)
    ship_lag: np.ndarray
    deliver_lag: np.ndarray
    refund_at: np.ndarray  # refund before shipping (-1: none)
    intercept_at: np.ndarray  # cancel after allocation before shipping (-1: none)
    return_lag: np.ndarray  # after delivery (-1: none)
    promo: np.ndarray
    # lines
    line_order: np.ndarray
    line_no: np.ndarray
    line_sku: np.ndarray
    line_qty: np.ndarray
    unit_price: np.ndarray
    discount: np.ndarray
    phase_out_day: np.ndarray  # per product: day from which demand moves to the successor (large: never)

    @property
    def n(self) -> int:
        return len(self.day)


def base_orders_per_day(scale: Scale) -> float:
    from datetime import timedelta

    total = sum(
        day_multiplier(scale.default_start + timedelta(days=i), scale.default_start)[0]
        for i in range(scale.default_days)
    )
    return scale.target_orders / total


def _open_work_at_the_end(
    rng, days, day, is_pos, timeout, method, created, paid, cancel_unpaid, alloc, refund_at, intercept_at, return_lag
) -> None:
    """Guarantee open work at the end: a few orders still in checkout (unpaid, held) and a few paid ones
    waiting for allocation (in place; scales with volume, at least 3 of each)."""
    end = days * DAY - 1
    last_day = np.flatnonzero((day == days - 1) & ~is_pos & (created < end - 2 * HOUR))
    k = min(last_day.size // 2, max(3, last_day.size // 40))
    held = rng.choice(last_day, k, replace=False)
    created[held] = end - (rng.uniform(0.05, 0.9, k) * timeout[held]).astype(np.int64)
    paid[held] = end + rng.integers(60, 600, k)
    cancel_unpaid[held] = -1
    payers = np.setdiff1d(last_day[(paid[last_day] >= 0) & (method[last_day] == EXPRESS)], held)
    waiting = rng.choice(payers, min(k, payers.size), replace=False)
    alloc[waiting] = end + rng.integers(HOUR, 20 * HOUR, waiting.size)
    for arr in (refund_at, intercept_at, return_lag):
        arr[held] = -1
        arr[waiting] = -1


def generate_demand(brand: Brand, scale: Scale, cal: Calendar, rng: np.random.Generator) -> Demand:
    cat, net, fees = brand.catalog, brand.network, brand.fees
    days = len(cal.days)
    n_ch = len(net.channel_ids)
    provinces = np.array(list(PROVINCES))
    prov_w = np.array([v[1] for v in PROVINCES.values()])
    cust_region = provinces[rng.choice(len(provinces), scale.n_customers, p=prov_w / prov_w.sum())]
    cust_tier = rng.choice(4, scale.n_customers, p=TIER_SHARE)
    stores = np.flatnonzero(net.is_store)
    counts = rng.poisson(base_orders_per_day(scale) * cal.multiplier)
    n = int(counts.sum())
    day = np.repeat(np.arange(days), counts)
    # channel mix: Douyin triples on live-stream days
    share = np.tile(net.channel_share, (days, 1))
    share[:, net.channel("douyin")] *= np.where(cal.live_stream, 3.0, 1.0)
    share /= share.sum(axis=1, keepdims=True)
    cum = np.cumsum(share, axis=1)[day]
    channel = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), n_ch - 1)
    # time of day from the hourly profile of that day
    profiles = np.stack([hourly_profile(bool(p), bool(live)) for p, live in zip(cal.peak, cal.live_stream)])
    hour = (rng.random(n)[:, None] > np.cumsum(profiles, axis=1)[day]).sum(axis=1)
    created = day * DAY + np.minimum(hour, 23) * HOUR + rng.integers(0, HOUR, n)
    order = np.lexsort((channel, created))
    day, channel, created = day[order], channel[order], created[order]

    pos, wechat = net.channel("pos"), net.channel("wechat_cloud")
    cross = np.isin(channel, [net.channel("shopee_sg"), net.channel("lazada_my")])
    customer = np.minimum((scale.n_customers * rng.random(n) ** 1.8).astype(np.int64), scale.n_customers - 1)
    region = cust_region[customer].astype("<U5")
    region[channel == net.channel("shopee_sg")] = "SG"
    region[channel == net.channel("lazada_my")] = "MY"
    tier = cust_tier[customer]
    u = rng.random(n)
    method = np.where(
        channel == pos,
        PICKUP,
        np.where(channel == wechat, np.select([u < 0.22, u < 0.32], [SAME_CITY, PICKUP], EXPRESS), EXPRESS),
    )
    store = np.where(method != EXPRESS, stores[rng.integers(0, len(stores), n)], -1)
    region = np.where(store >= 0, net.region[np.maximum(store, 0)], region)
    walk_in = (channel == pos) & (rng.random(n) < 0.5)
    customer = np.where(walk_in, -1, np.where(cross, customer + 10_000_000, customer))
    tier = np.where(walk_in, 0, tier)

    # lifecycle: payment, allocation, shipping, delivery, refunds, interceptions, returns
    timeout = net.timeout_minutes[channel] * 60
    unpaid = (rng.random(n) < RATES["unpaid"]) & (channel != pos)
    paid = np.where(
        unpaid,
        -1,
        created + np.where(channel == pos, 0, np.minimum(rng.exponential(90, n).astype(np.int64) + 5, timeout - 5)),
    )
    cancel_unpaid = np.where(unpaid & (rng.random(n) < 0.75), created + timeout + rng.integers(0, 600, n), -1)
    delayed = rng.random(n) < RATES["delayed_allocation"]
    alloc_delay = np.where(delayed, rng.integers(2 * HOUR, 30 * HOUR, n), rng.integers(60, 900, n))
    alloc = np.where(unpaid, -1, np.where(channel == pos, paid, paid + alloc_delay))
    peak = cal.peak[day]
    ship_lag = np.select(
        [channel == pos, method == SAME_CITY, method == PICKUP],
        [0, rng.integers(HOUR // 2, 3 * HOUR, n), rng.integers(2 * HOUR, 48 * HOUR, n)],
        (rng.integers(3 * HOUR, 30 * HOUR, n) * np.where(peak, 2.5, 1.0)).astype(np.int64),
    )
    deliver_lag = np.select(
        [method == PICKUP, method == SAME_CITY, cross],
        [0, rng.integers(HOUR, 4 * HOUR, n), rng.integers(4 * DAY, 10 * DAY, n)],
        rng.integers(20 * HOUR, 96 * HOUR, n),
    )
    fate = rng.random(n)
    eligible = ~unpaid & (channel != pos)
    refund_at = np.where(
        eligible & (fate < RATES["refund_before_ship"]),
        paid + (rng.uniform(0.1, 0.9, n) * (alloc - paid + ship_lag)).astype(np.int64),
        -1,
    )
    is_intercept = (
        eligible & (fate >= RATES["refund_before_ship"]) & (fate < RATES["refund_before_ship"] + RATES["intercepted"])
    )
    intercept_at = np.where(is_intercept, alloc + (rng.uniform(0.1, 0.9, n) * ship_lag).astype(np.int64) + 1, -1)
    returns = (
        eligible & (method == EXPRESS) & (refund_at < 0) & (intercept_at < 0) & (rng.random(n) < RATES["returned"])
    )
    return_lag = np.where(returns, rng.integers(3 * DAY, 12 * DAY, n), -1)

    _open_work_at_the_end(
        rng,
        days,
        day,
        channel == pos,
        timeout,
        method,
        created,
        paid,
        cancel_unpaid,
        alloc,
        refund_at,
        intercept_at,
        return_lag,
    )

    # lines: SKUs by popularity (stores sell their assortment), successors after phase-out
    n_lines = rng.choice(4, n, p=LINES_PER_ORDER) + 1
    line_order = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    promo_line = cal.promo[day][line_order]
    weights = np.where(cat.is_bundle, cat.popularity * 1.0, cat.popularity)
    store_line = store[line_order] >= 0
    sku = np.empty(len(line_order), np.int64)
    for mask, w in (
        (~store_line & ~promo_line, weights),
        (~store_line & promo_line, np.where(cat.is_bundle, weights * 3, weights)),
        (store_line, weights * brand.store_assortment),
    ):
        sku[mask] = rng.choice(cat.n, int(mask.sum()), p=w / w.sum())
    phase_out = np.full(cat.n, 10**6)
    old = np.flatnonzero(cat.successor >= 0)
    phase_out[old] = rng.integers(int(days * 0.15), max(int(days * 0.6), int(days * 0.15) + 1), len(old))
    switch = (cat.successor[sku] >= 0) & (day[line_order] >= phase_out[sku]) & (rng.random(len(sku)) < 0.5)
    sku = np.where(switch, cat.successor[sku], sku)
    qty = rng.choice([1, 1, 1, 1, 1, 1, 2, 2, 3], len(sku))
    unit_price = np.round(cat.list_price[sku] * fees.fx[channel[line_order]], 2)
    discounted = rng.random(len(sku)) < np.where(promo_line, 0.9, 0.25)
    rate = np.clip(rng.normal(cal.discount_rate[day][line_order], 0.04), 0.0, 0.5) * discounted
    discount = np.round(unit_price * qty * rate, 2)
    return Demand(
        day=day,
        channel=channel,
        customer=customer,
        tier=tier,
        region=region,
        method=method,
        store=store,
        created=created,
        paid=paid,
        cancel_unpaid=cancel_unpaid,
        alloc=alloc,
        ship_lag=ship_lag,
        deliver_lag=deliver_lag,
        refund_at=refund_at,
        intercept_at=intercept_at,
        return_lag=return_lag,
        promo=cal.promo[day],
        line_order=line_order,
        line_no=line_no,
        line_sku=sku,
        line_qty=qty,
        unit_price=unit_price,
        discount=discount,
        phase_out_day=phase_out,
    )
