"""The quality configuration (cadences.yml) and the quality clock ("now")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from pipelines.quality.freshness import Cadence
from pipelines.quality.severity import Severity
from pipelines.quality.volume import VolumeConfig

DEFAULT_CONFIG = Path(__file__).with_name("cadences.yml")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: str | int | float) -> timedelta:
    """'30m', '2h', '1d', '7d', '1w' (a bare number is seconds)."""
    if isinstance(value, (int, float)):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"not a duration: {value!r} (use e.g. 30m, 2h, 1d)")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


@dataclass(frozen=True)
class FreshnessRule:
    source: str
    column: str
    cadence: Cadence
    by: str | None = None
    platforms: Mapping[str, Cadence] = field(default_factory=dict)

    def cadence_for(self, platform: str | None) -> Cadence:
        return self.platforms.get(platform or "", self.cadence)


@dataclass(frozen=True)
class ExpectedSource:
    """A source that must not be empty: always, or while rows of another source need it (`when`).

    `when` rows count when (optional) their `status` is one of `statuses` and their `column` is at
    least `older_than` before the quality clock's "now" (e.g. orders delivered two weeks ago need a payout),
    and their channel is not one of `except_channels` (channel_id) nor of a kind in `except_channel_kinds`
    (channels.kind: a brand's own POS and mini program are settled by no platform)."""

    source: str
    when: str | None = None
    statuses: tuple[str, ...] = ()
    column: str | None = None
    older_than: timedelta = timedelta(0)
    except_channels: tuple[str, ...] = ()
    except_channel_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class QualityConfig:
    now: str = "data_as_of"
    raw_lookback_days: int = 14
    freshness: Mapping[str, FreshnessRule] = field(default_factory=dict)
    volume: VolumeConfig = VolumeConfig()
    min_rows: Mapping[str, int] = field(default_factory=dict)
    expected_sources: tuple[ExpectedSource, ...] = ()
    redelivery_min_share: float = (
        0.5  # a re-delivery with fewer valid rows than this share of the version loaded is held
    )


def _cadence(spec: Mapping, default: Cadence | None = None) -> Cadence:
    return Cadence(
        every=parse_duration(spec["every"]) if "every" in spec else default.every,  # type: ignore[union-attr]
        grace=parse_duration(spec["grace"]) if "grace" in spec else (default.grace if default else timedelta(0)),
        severity=Severity.parse(spec["severity"])
        if "severity" in spec
        else (default.severity if default else Severity.WARN),
        required=bool(spec["required"]) if "required" in spec else (default.required if default else True),
    )


def parse_config(raw: Mapping) -> QualityConfig:
    rules = {}
    for source, spec in (raw.get("freshness") or {}).items():
        cadence = _cadence(spec)
        platforms = {name: _cadence(p, cadence) for name, p in (spec.get("platforms") or {}).items()}
        rules[source] = FreshnessRule(source, spec["column"], cadence, spec.get("by"), platforms)
    volume = VolumeConfig(**(raw.get("volume") or {}))
    return QualityConfig(
        now=str(raw.get("now") or "data_as_of"),
        raw_lookback_days=int(raw.get("raw_lookback_days", 14)),
        freshness=rules,
        volume=volume,
        min_rows={k: int(v) for k, v in (raw.get("min_rows") or {}).items()},
        expected_sources=tuple(
            _expected(name, spec or {}) for name, spec in (raw.get("expected_sources") or {}).items()
        ),
        redelivery_min_share=_share((raw.get("redelivery") or {}).get("min_share", 0.5)),
    )


def _expected(source: str, spec: Mapping) -> ExpectedSource:
    when = spec.get("when") or {}
    if isinstance(when, str):
        when = {"source": when}
    return ExpectedSource(
        source=source,
        when=when.get("source"),
        statuses=tuple(str(s) for s in when.get("status") or ()),
        column=when.get("column"),
        older_than=parse_duration(when["older_than"]) if "older_than" in when else timedelta(0),
        except_channels=tuple(str(c) for c in spec.get("except_channels") or ()),
        except_channel_kinds=tuple(str(k) for k in spec.get("except_channel_kinds") or ()),
    )


def _share(value: object) -> float:
    share = float(value)  # type: ignore[arg-type]
    if not 0 <= share <= 1:
        raise ValueError(f"redelivery.min_share must be between 0 and 1, not {value!r}")
    return share


def config_path(data_dir: Path, configured: str | Path | None = None) -> Path:
    """`configured` (the `quality_config` setting, OMNISTOCK_QUALITY_CONFIG), else
    <data>/quality/cadences.yml if present, else the repository's cadences.yml."""
    if configured:
        return Path(configured).expanduser()
    local = data_dir / "quality" / "cadences.yml"
    return local if local.is_file() else DEFAULT_CONFIG


def load_config(data_dir: Path, configured: str | Path | None = None) -> QualityConfig:
    path = config_path(data_dir, configured)
    with path.open() as handle:
        return parse_config(yaml.safe_load(handle) or {})


def resolve_now(
    setting: str, data_as_of: datetime | None, wall_clock: datetime, override: str | None = None
) -> datetime:
    """The quality clock: `override` (the `quality_now` setting, OMNISTOCK_QUALITY_NOW), else
    `setting` (cadences.yml: data_as_of | wall_clock | a timestamp).

    data_as_of falls back to the wall clock when the warehouse has no as-of yet. Naive
    local time, like every timestamp in the contract."""
    choice = (override or setting or "data_as_of").strip()
    if choice == "data_as_of":
        return data_as_of or wall_clock
    if choice == "wall_clock":
        return wall_clock
    try:
        return datetime.fromisoformat(choice)
    except ValueError as exc:
        raise ValueError(f"quality 'now' must be data_as_of, wall_clock or a timestamp, not {choice!r}") from exc
