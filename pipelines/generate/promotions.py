"""The trading calendar: weekly seasonality, Double 11, 618 and other festivals, live streams.

Everything here is a pure function of the dates (and, for live streams, a random stream).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

WEEKDAY_FACTOR = np.array([0.92, 0.93, 0.95, 0.97, 1.05, 1.12, 1.08])  # Monday first
CHINESE_NEW_YEAR = (date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26))
YEARLY_GROWTH = 0.15

# (month, day) -> demand multiplier; windows are listed day by day
FESTIVAL_PEAKS: dict[tuple[int, int], float] = {
    (11, 11): 12.0,
    (11, 12): 2.2,
    (11, 13): 1.4,
    (10, 31): 2.6,
    (11, 1): 2.4,  # Double 11 first payment wave (presale balance)
    (6, 18): 5.0,
    (6, 19): 1.5,
    (6, 1): 1.8,
    (12, 12): 2.5,
    (3, 8): 2.0,
    (5, 20): 1.6,
    (9, 9): 1.5,
    (8, 8): 1.3,
}
BUILD_UPS: tuple[tuple[tuple[int, int], tuple[int, int], float], ...] = (
    ((10, 20), (11, 10), 1.35),  # Double 11 presale build-up
    ((6, 2), (6, 17), 1.3),  # 618 build-up
)

HOURLY = np.array(
    [
        2.0,
        1.0,
        0.5,
        0.3,
        0.2,
        0.3,
        0.6,
        1.2,
        2.2,
        3.4,
        4.2,
        4.3,
        4.0,
        3.8,
        3.9,
        4.0,
        4.0,
        3.9,
        3.8,
        4.3,
        5.4,
        6.2,
        6.0,
        4.0,
    ]
)
HOURLY_PEAK = HOURLY + np.array([40.0, 18.0, 6.0, 2.0] + [0.0] * 16 + [2.0, 4.0, 6.0, 8.0])
HOURLY_LIVE = HOURLY + np.array([0.0] * 19 + [6.0, 14.0, 16.0, 10.0, 3.0])  # evening live streams


@dataclass(frozen=True)
class Calendar:
    days: list[date]
    multiplier: np.ndarray  # expected orders relative to an ordinary day
    promo: np.ndarray  # bool: a promotion day (discounts, platform subsidies)
    discount_rate: np.ndarray  # mean discount on that day
    live_stream: np.ndarray  # bool: a Douyin live-stream spike that day
    peak: np.ndarray  # bool: a festival peak day (Double 11, 618 ...)


def _in_window(d: date, first: tuple[int, int], last: tuple[int, int]) -> bool:
    return first <= (d.month, d.day) <= last


def day_multiplier(d: date, origin: date) -> tuple[float, bool, bool]:
    """(multiplier, promo day, peak day) for one date."""
    m = float(WEEKDAY_FACTOR[d.weekday()]) * (1.0 + YEARLY_GROWTH) ** ((d - origin).days / 365.0)
    peak = FESTIVAL_PEAKS.get((d.month, d.day))
    promo = peak is not None
    if peak is not None:
        m *= peak
    for first, last, factor in BUILD_UPS:
        if _in_window(d, first, last) and peak is None:
            m *= factor
            promo = True
    for cny in CHINESE_NEW_YEAR:
        if -10 <= (d - cny).days <= 7:
            m *= 0.55
    return m, promo, peak is not None and peak >= 2.0


def build_calendar(start: date, days: int, rng: np.random.Generator) -> Calendar:
    dates = [start + timedelta(days=i) for i in range(days)]
    origin = date(2024, 11, 1)
    rows = [day_multiplier(d, origin) for d in dates]
    multiplier = np.array([r[0] for r in rows])
    promo = np.array([r[1] for r in rows], dtype=bool)
    peak = np.array([r[2] for r in rows], dtype=bool)
    live = (rng.random(days) < 0.1) | peak
    discount = np.where(peak, 0.22, np.where(promo, 0.12, 0.03))
    return Calendar(dates, multiplier, promo, discount, live, peak)


def hourly_profile(peak: bool, live: bool) -> np.ndarray:
    """Probability of an order in each hour of the day."""
    weights = HOURLY_PEAK if peak else (HOURLY_LIVE if live else HOURLY)
    return weights / weights.sum()
