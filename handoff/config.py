"""handoff/config.yml: opening hours, availability, and topics with money or access at stake."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Optional, Tuple

import yaml

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Span = Tuple[dt.time, dt.time]


class HandoffConfigError(ValueError):
    """handoff/config.yml cannot be used; the message names the file and the setting."""


@dataclass(frozen=True)
class HandoffConfig:
    """The settings of handoff/config.yml (defaults when a key is absent)."""

    timezone: str = "Europe/Copenhagen"
    hours: Dict[str, Optional[Span]] = field(default_factory=dict)
    agent_online_seconds: int = 120
    expected_wait_minutes: int = 15
    money_at_stake: FrozenSet[str] = frozenset()
    access_at_stake: FrozenSet[str] = frozenset()

    @classmethod
    def from_file(cls, path: Path) -> HandoffConfig:
        """Read and check ``path``; raises HandoffConfigError naming the problem."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise HandoffConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise HandoffConfigError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise HandoffConfigError(f"{path}: expected a mapping of settings")
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Dict[str, Any], where: str = "handoff config") -> HandoffConfig:
        """Check the settings of a parsed file."""
        known = {
            "timezone",
            "hours",
            "agent_online_seconds",
            "expected_wait_minutes",
            "money_at_stake",
            "access_at_stake",
        }
        for key in data:
            if key not in known:
                raise HandoffConfigError(f"{where}: unknown setting {key!r}")
        timezone = str(data.get("timezone", cls.timezone))
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise HandoffConfigError(f"{where}: unknown time zone {timezone!r}") from None
        raw_hours = data.get("hours") or {}
        if not isinstance(raw_hours, dict):
            raise HandoffConfigError(f"{where}: hours must map mon..sun to 'HH:MM-HH:MM'")
        hours: Dict[str, Optional[Span]] = {}
        for day, value in raw_hours.items():
            if day not in DAYS:
                raise HandoffConfigError(f"{where}: hours.{day}: days are {', '.join(DAYS)}")
            hours[day] = _span(value, f"{where}: hours.{day}")
        numbers = {}
        for key, low, high in (
            ("agent_online_seconds", 10, 3600),
            ("expected_wait_minutes", 1, 1440),
        ):
            value = data.get(key, getattr(cls, key))
            if not isinstance(value, int) or not low <= value <= high:
                raise HandoffConfigError(f"{where}: {key} must be a whole number {low}-{high}")
            numbers[key] = value
        topics = {}
        for key in ("money_at_stake", "access_at_stake"):
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise HandoffConfigError(f"{where}: {key} must be a list of entry ids")
            topics[key] = frozenset(value)
        return cls(timezone=timezone, hours=hours, **numbers, **topics)  # type: ignore[arg-type]

    @property
    def zone(self) -> dt.tzinfo:
        """The opening hours' time zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    def is_open(self, when: dt.datetime) -> bool:
        """Whether the team works at ``when`` (an aware datetime)."""
        local = when.astimezone(self.zone)
        span = self.hours.get(DAYS[local.weekday()])
        return span is not None and span[0] <= local.time() < span[1]

    def next_opening(self, when: dt.datetime) -> Optional[dt.datetime]:
        """When the team is next at work after ``when``; None when it never is."""
        local = when.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + dt.timedelta(days=offset)
            span = self.hours.get(DAYS[day.weekday()])
            if span is None:
                continue
            opening = dt.datetime.combine(day, span[0], tzinfo=self.zone)
            if opening > local:
                return opening
        return None


def _span(value: Any, where: str) -> Optional[Span]:
    if value in (None, "closed", False):
        return None
    match = _SPAN.match(str(value))
    if not match:
        raise HandoffConfigError(f"{where}: expected 'HH:MM-HH:MM' or closed, got {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        raise HandoffConfigError(f"{where}: {value!r} is not a time of day") from None
    if end <= start:
        raise HandoffConfigError(f"{where}: closes before it opens ({value})")
    return start, end
