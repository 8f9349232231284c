"""Order volume anomalies per channel: the last hours against the same hours of earlier weeks.

For each channel, the order count in the evaluation window (the last `window_hours`
complete hours before `now`) is compared with the counts in the same window (same
hours of the week) in each of the previous `weeks` weeks: median m and median absolute
deviation (MAD) of those counts give a robust z-score

    z = (observed - m) / max(1.4826 * MAD, sqrt(max(m, 1)))

(the floor sqrt(m) is the Poisson noise of a count, so a channel with a steady history
does not flag every small wobble). Findings:

- silent: nothing observed while m >= `silent_min_expected`    -> critical
- drop:   z <= -`z_threshold`                                   -> warn
- spike:  z >= `z_threshold`                                    -> info
A channel with fewer than `min_weeks` weeks of history before the window is not judged.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipelines.quality.severity import Severity

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class VolumeConfig:
    window_hours: int = 6
    weeks: int = 4
    min_weeks: int = 2
    z_threshold: float = 3.0
    silent_min_expected: float = 5.0


@dataclass(frozen=True)
class VolumeFinding:
    channel_id: str
    window_start: datetime
    window_end: datetime
    observed: int
    history: tuple[int, ...]  # counts of the same window, 1 week ago first
    median: float
    mad: float
    z: float
    kind: str  # ok | silent | drop | spike | insufficient_history
    severity: Severity

    @property
    def anomalous(self) -> bool:
        return self.kind in ("silent", "drop", "spike")

    def message(self) -> str:
        window = f"{self.window_start:%Y-%m-%d %H:%M}..{self.window_end:%H:%M}"
        if self.kind == "insufficient_history":
            return f"{self.channel_id}: {self.observed} orders in {window}; too little history to judge"
        described = {
            "silent": "SILENT: no orders",
            "drop": "orders DROPPED",
            "spike": "orders SPIKED",
            "ok": "normal",
        }[self.kind]
        return (
            f"{self.channel_id}: {described} — {self.observed} orders in {window} against a median of "
            f"{self.median:g} (MAD {self.mad:g}, z {self.z:+.1f}) in the same hours of the last {len(self.history)} "
            "weeks"
        )


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def robust_z(observed: float, history: Iterable[float]) -> tuple[float, float, float]:
    """(median, MAD, z) of `observed` against `history` (see the module docstring)."""
    values = list(history)
    median = float(statistics.median(values))
    mad = float(statistics.median(abs(v - median) for v in values))
    scale = max(1.4826 * mad, math.sqrt(max(median, 1.0)))
    return median, mad, (observed - median) / scale


def window_count(hourly: Mapping[datetime, int], start: datetime, end: datetime) -> int:
    """Orders in [start, end) from counts keyed by the hour they start."""
    total = 0
    hour = start
    while hour < end:
        total += hourly.get(hour, 0)
        hour += timedelta(hours=1)
    return total


def detect_volume_anomalies(
    hourly_counts: Mapping[str, Mapping[datetime, int]],
    first_seen: Mapping[str, datetime],
    now: datetime,
    config: VolumeConfig = VolumeConfig(),
) -> list[VolumeFinding]:
    """One finding per channel in `first_seen` (channels known to have sold before), sorted by channel.

    `hourly_counts[channel][hour_start]` = orders created in that hour (missing hours are 0);
    `first_seen[channel]` = the channel's first order, so weeks before it are not counted as zeros."""
    end = floor_hour(now)
    start = end - timedelta(hours=config.window_hours)
    findings: list[VolumeFinding] = []
    for channel in sorted(first_seen):
        hourly = hourly_counts.get(channel, {})
        observed = window_count(hourly, start, end)
        history = tuple(
            window_count(hourly, start - k * WEEK, end - k * WEEK)
            for k in range(1, config.weeks + 1)
            if first_seen[channel] <= start - k * WEEK
        )
        if len(history) < config.min_weeks:
            findings.append(
                VolumeFinding(
                    channel,
                    start,
                    end,
                    observed,
                    history,
                    math.nan,
                    math.nan,
                    0.0,
                    "insufficient_history",
                    Severity.INFO,
                )
            )
            continue
        median, mad, z = robust_z(observed, history)
        if observed == 0 and median >= config.silent_min_expected:
            kind, severity = "silent", Severity.CRITICAL
        elif z <= -config.z_threshold:
            kind, severity = "drop", Severity.WARN
        elif z >= config.z_threshold:
            kind, severity = "spike", Severity.INFO
        else:
            kind, severity = "ok", Severity.INFO
        findings.append(VolumeFinding(channel, start, end, observed, history, median, mad, z, kind, severity))
    return findings
