"""What every figure is asked for: a period, filters and the settings the spec names."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    """Calendar dates [from_date, to_date) in the store time zone."""

    from_date: date
    to_date: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.to_date <= self.from_date:
            raise ValueError(f"empty period: {self.from_date} to {self.to_date}")

    @property
    def as_of(self) -> date:
        """A period's as-of day is its last day (for a week: its Sunday)."""
        return self.to_date - timedelta(days=1)

    @classmethod
    def week(cls, text: str) -> Period:
        """ISO week, `2026-W47`."""
        m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text.strip(), re.IGNORECASE)
        if not m:
            raise ValueError(f"not an ISO week: {text!r} (expected like 2026-W47)")
        start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return cls(start, start + timedelta(days=7), f"{m[1]}-W{int(m[2]):02d}")

    @classmethod
    def week_of(cls, day: date) -> Period:
        year, week, _ = day.isocalendar()
        return cls.week(f"{year}-W{week:02d}")

    @classmethod
    def quarter(cls, text: str) -> Period:
        """`2026-Q3`."""
        m = re.fullmatch(r"(\d{4})-?Q([1-4])", text.strip(), re.IGNORECASE)
        if not m:
            raise ValueError(f"not a quarter: {text!r} (expected like 2026-Q3)")
        year, q = int(m[1]), int(m[2])
        start = date(year, 3 * q - 2, 1)
        end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
        return cls(start, end, f"{year}-Q{q}")

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        return cls.quarter(f"{day.year}-Q{(day.month - 1) // 3 + 1}")

    def previous(self) -> Period:
        """The week or quarter before; otherwise the same number of days before."""
        if re.fullmatch(r"\d{4}-W\d{2}", self.label):
            return Period.week_of(self.from_date - timedelta(days=7))
        if re.fullmatch(r"\d{4}-Q\d", self.label):
            return Period.quarter_of(self.from_date - timedelta(days=1))
        days = self.to_date - self.from_date
        return Period(self.from_date - days, self.from_date)

    def __str__(self) -> str:
        return self.label or f"{self.from_date} to {self.as_of}"


@dataclass(frozen=True)
class Filters:
    """Each empty tuple means no filter on that attribute; several values are OR-ed."""

    channel: tuple[str, ...] = ()
    supplier: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    sku: tuple[str, ...] = ()

    def bound(self) -> dict[str, list[str] | None]:
        """As SQL parameters: `$channels`, `$suppliers`, `$families`, `$skus` (NULL = all)."""
        return {
            "channels": list(self.channel) or None,
            "suppliers": list(self.supplier) or None,
            "families": list(self.family) or None,
            "skus": list(self.sku) or None,
        }

    def __bool__(self) -> bool:
        return any((self.channel, self.supplier, self.family, self.sku))


@dataclass(frozen=True)
class ChannelRules:
    """A marketplace's seller-fulfilled rules (metrics.md, channel_sla), settable per channel."""

    handling_days: int = 2
    late_shipment_threshold: float = 0.04
    late_shipment_window_days: int = 30
    seller_cancel_threshold: float = 0.025
    seller_cancel_window_days: int = 7


@dataclass(frozen=True)
class Settings:
    """Every setting the spec names, with its default. Kept in the state database."""

    timezone: str = "UTC"
    currency: str = "USD"
    silence_days: int = 7
    receiving_buffer_days: int = 2
    statutory_days: int = 30
    review_cancel_rate: float = 0.10
    review_slip_days: float = 3.0
    channel_default: ChannelRules = field(default_factory=ChannelRules)
    channel_overrides: tuple[tuple[str, ChannelRules], ...] = ()

    def rules_for(self, channel: str) -> ChannelRules:
        return dict(self.channel_overrides).get(channel, self.channel_default)

    def bound(self) -> dict[str, object]:
        """As SQL parameters. `$channel_rules` lists the default first, as channel '*'."""
        rules = [("*", self.channel_default), *self.channel_overrides]
        return {
            "tz": self.timezone,
            "silence_days": self.silence_days,
            "receiving_buffer_days": self.receiving_buffer_days,
            "statutory_days": self.statutory_days,
            "review_cancel_rate": self.review_cancel_rate,
            "review_slip_days": self.review_slip_days,
            "channel_rules": [{"channel": ch, **dataclasses.asdict(r)} for ch, r in rules],
        }
