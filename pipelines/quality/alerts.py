"""Alert states across runs: one alert per (check, asset, subject), opened, counted, resolved, re-opened.

Rules (`reconcile_alerts`), for the checks evaluated in one run (`scope`):
- a failing outcome with no alert yet opens one (count 1): notify;
- a failing outcome on an open alert counts again (count + 1, last_seen, message and
  severity updated): notify only when the severity went up;
- a failing outcome on a resolved alert re-opens it (count + 1, opened_at): notify;
- an open alert of a check in scope with no failing outcome (its check passed, or its
  subject is no longer reported) is resolved; alerts of checks outside the scope are untouched.
`count` is the number of evaluations that found the problem since the alert was first seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pipelines.quality.severity import Severity

OPEN = "open"
RESOLVED = "resolved"

ALERT_COLUMNS = (
    "alert_id",
    "check",
    "asset",
    "subject",
    "severity",
    "status",
    "first_seen",
    "last_seen",
    "count",
    "message",
    "opened_at",
    "resolved_at",
    "last_run_id",
)


@dataclass(frozen=True)
class CheckOutcome:
    """What one check found about one asset (and subject: a channel, or '' for the whole asset)."""

    check: str
    asset: str
    passed: bool
    severity: Severity
    message: str
    subject: str = ""

    @property
    def alert_id(self) -> str:
        return alert_id(self.check, self.asset, self.subject)


@dataclass(frozen=True)
class Alert:
    alert_id: str
    check: str
    asset: str
    subject: str
    severity: Severity
    status: str
    first_seen: datetime
    last_seen: datetime
    count: int
    message: str
    opened_at: datetime
    resolved_at: datetime | None = None
    last_run_id: str = ""

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def as_row(self) -> dict:
        row = {name: getattr(self, name) for name in ALERT_COLUMNS}
        row["severity"] = self.severity.value
        return row

    @classmethod
    def from_row(cls, row: dict) -> Alert:
        values = {name: row.get(name) for name in ALERT_COLUMNS}
        values["severity"] = Severity.parse(values["severity"])
        values["subject"] = values["subject"] or ""
        values["last_run_id"] = values["last_run_id"] or ""
        return cls(**values)


@dataclass(frozen=True)
class Notification:
    alert: Alert
    reason: str  # new | reopened | escalated


@dataclass(frozen=True)
class AlertUpdate:
    alerts: list[Alert]  # the whole new state, sorted by alert_id
    notify: list[Notification]
    resolved: list[Alert]


def alert_id(check: str, asset: str, subject: str = "") -> str:
    return hashlib.sha1(f"{check}\0{asset}\0{subject}".encode()).hexdigest()[:16]


def reconcile_alerts(
    existing: Iterable[Alert],
    outcomes: Sequence[CheckOutcome],
    now: datetime,
    scope: Iterable[tuple[str, str]] | None = None,
    run_id: str = "",
) -> AlertUpdate:
    """The alert state after one run's `outcomes` (see the module docstring).

    `scope`: the (check, asset) pairs evaluated in this run; default: those of `outcomes`."""
    state = {alert.alert_id: alert for alert in existing}
    evaluated = set(scope) if scope is not None else {(o.check, o.asset) for o in outcomes}
    failing = {o.alert_id: o for o in outcomes if not o.passed}
    notify: list[Notification] = []
    resolved: list[Alert] = []
    for key, outcome in failing.items():
        alert = state.get(key)
        if alert is None:
            alert = Alert(
                key,
                outcome.check,
                outcome.asset,
                outcome.subject,
                outcome.severity,
                OPEN,
                now,
                now,
                1,
                outcome.message,
                now,
                None,
                run_id,
            )
            notify.append(Notification(alert, "new"))
        elif alert.is_open:
            escalated = outcome.severity.rank > alert.severity.rank
            alert = replace(
                alert,
                severity=outcome.severity,
                last_seen=now,
                count=alert.count + 1,
                message=outcome.message,
                last_run_id=run_id,
            )
            if escalated:
                notify.append(Notification(alert, "escalated"))
        else:
            alert = replace(
                alert,
                severity=outcome.severity,
                status=OPEN,
                last_seen=now,
                count=alert.count + 1,
                message=outcome.message,
                opened_at=now,
                resolved_at=None,
                last_run_id=run_id,
            )
            notify.append(Notification(alert, "reopened"))
        state[key] = alert
    for key, alert in list(state.items()):
        if alert.is_open and key not in failing and (alert.check, alert.asset) in evaluated:
            alert = replace(alert, status=RESOLVED, resolved_at=now, last_run_id=run_id)
            state[key] = alert
            resolved.append(alert)
    return AlertUpdate(sorted(state.values(), key=lambda a: a.alert_id), notify, resolved)


def open_blocking_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """Open critical alerts: while any exists, nothing is cleared for publishing."""
    return [a for a in alerts if a.is_open and a.severity is Severity.CRITICAL]
