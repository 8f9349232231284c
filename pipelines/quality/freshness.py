"""Freshness: is the latest event of a source (or of one channel of it) older than its cadence allows?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pipelines.quality.severity import Severity


@dataclass(frozen=True)
class Cadence:
    """How often data is expected (`every`), how late it may be on top (`grace`), and how bad late is."""

    every: timedelta
    grace: timedelta
    severity: Severity = Severity.WARN
    required: bool = True  # a source (or subject) with no rows at all is late when required

    @property
    def max_age(self) -> timedelta:
        return self.every + self.grace


@dataclass(frozen=True)
class FreshnessResult:
    subject: str
    latest: datetime | None
    now: datetime
    max_age: timedelta
    late: bool
    severity: Severity  # the cadence's severity when late, info otherwise

    @property
    def age(self) -> timedelta | None:
        return None if self.latest is None else self.now - self.latest

    @property
    def deadline(self) -> datetime:
        """The oldest latest-event time that still counts as fresh."""
        return self.now - self.max_age

    def message(self) -> str:
        if self.latest is None:
            return f"{self.subject}: no data at all (expected every {_fmt(self.max_age)} at most)"
        state = "LATE" if self.late else "fresh"
        return (
            f"{self.subject}: {state}, latest event {self.latest:%Y-%m-%d %H:%M:%S} is {_fmt(self.age)} old "
            f"at {self.now:%Y-%m-%d %H:%M:%S} (allowed {_fmt(self.max_age)})"
        )


def assess_freshness(subject: str, latest: datetime | None, now: datetime, cadence: Cadence) -> FreshnessResult:
    """Late when the latest event is older than every + grace at `now` (or missing, when required).

    An event in the future (clock skew) counts as fresh."""
    if latest is None:
        late = cadence.required
    else:
        late = now - latest > cadence.max_age
    return FreshnessResult(subject, latest, now, cadence.max_age, late, cadence.severity if late else Severity.INFO)


def _fmt(delta: timedelta | None) -> str:
    if delta is None:
        return "?"
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days}d{hours}h"
    if hours:
        return f"{sign}{hours}h{minutes:02d}m"
    return f"{sign}{minutes}m"
