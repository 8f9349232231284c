"""Severity levels of quality findings: info < warn < critical."""

from __future__ import annotations

from enum import Enum


class Severity(str, Enum):  # noqa: UP042 — not StrEnum: str() and format() stay as they were
    INFO = "info"  # recorded in the alerts table and the log, never delivered, never blocks
    WARN = "warn"  # delivered; does not block
    CRITICAL = "critical"  # delivered; blocks publishing (Dagster blocking check, severity ERROR)

    @property
    def rank(self) -> int:
        return {"info": 0, "warn": 1, "critical": 2}[self.value]

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError as exc:
            raise ValueError(f"unknown severity {value!r}: use info, warn or critical") from exc


def worst(severities: list[Severity] | tuple[Severity, ...]) -> Severity | None:
    """The most severe of `severities`, or None when there are none."""
    return max(severities, key=lambda s: s.rank) if severities else None
