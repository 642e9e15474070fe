"""A what-if scenario: eligibility rules, oversell caps, promise buffer, recapture, window.

A scenario is plain data (a frozen dataclass) that round-trips through compact JSON, so it can
be saved in the state database and carried in the page URL. See docs/whatif.md.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl


@dataclass(frozen=True)
class Rule:
    """One eligibility rule: on or off, and its threshold (inclusive)."""

    enabled: bool = False
    threshold: float = 0.0


@dataclass(frozen=True)
class RuleDefinition:
    """What a rule tests: a feature column of sku_features and which side passes."""

    feature: str
    bound: Literal["min", "max", "exclude"]
    label: str
    unit: str


# Rule name -> its definition, in the order the page shows them.
RULES: dict[str, RuleDefinition] = {
    "replenishment_frequency": RuleDefinition(
        "receipts_per_90_days", "min", "Replenishment frequency", "receipts per 90 days"
    ),
    "lead_time_variability": RuleDefinition(
        "lead_time_cv", "max", "Lead-time variability", "coefficient of variation"
    ),
    "supplier_slip": RuleDefinition("median_slip_days", "max", "Supplier slip", "median days late"),
    "margin": RuleDefinition("margin", "min", "Margin", "share of price"),
    "seasonal": RuleDefinition("is_seasonal", "exclude", "Seasonal skus", "excluded"),
    "unit_price": RuleDefinition("unit_price", "min", "Unit price", "price"),
    "basket_share": RuleDefinition(
        "basket_share", "max", "Basket share", "share of orders with other skus"
    ),
    "cancel_rate": RuleDefinition(
        "backorder_cancel_rate", "max", "Historical backorder cancel rate", "canceled / resolved"
    ),
}

Caps = tuple[tuple[str, int | None], ...]


@dataclass(frozen=True)
class Scenario:
    """Rules and caps to replay history under. None caps mean "no cap"."""

    replenishment_frequency: Rule = Rule()
    lead_time_variability: Rule = Rule()
    supplier_slip: Rule = Rule()
    margin: Rule = Rule()
    seasonal: Rule = Rule()
    unit_price: Rule = Rule()
    basket_share: Rule = Rule()
    cancel_rate: Rule = Rule()
    cap_default: int | None = None
    family_caps: Caps = ()  # (family, cap or None = no cap)
    sku_caps: Caps = ()  # (sku, cap or None = no cap); the most specific level wins
    promise_buffer_days: int = 0
    recapture_share: float = 0.0
    from_date: date | None = None  # replay window [from, to); None = the last full quarter
    to_date: date | None = None

    def rule(self, name: str) -> Rule:
        if name not in RULES:
            raise KeyError(f"unknown rule {name!r}; rules: {', '.join(RULES)}")
        return getattr(self, name)

    def with_rule(self, name: str, rule: Rule) -> Scenario:
        self.rule(name)
        return dataclasses.replace(self, **{name: rule})

    def cap_for(self, sku: str, family: str | None) -> int | None:
        """The sku override, else the family override, else the default (None = no cap)."""
        sku_caps = dict(self.sku_caps)
        if sku in sku_caps:
            return sku_caps[sku]
        family_caps = dict(self.family_caps)
        if family is not None and family in family_caps:
            return family_caps[family]
        return self.cap_default

    def to_dict(self) -> dict[str, object]:
        """Only the fields that differ from the defaults (compact for URLs)."""
        default = Scenario()
        out: dict[str, object] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value == getattr(default, field.name):
                continue
            if isinstance(value, Rule):
                out[field.name] = [value.enabled, value.threshold]
            elif isinstance(value, date):
                out[field.name] = value.isoformat()
            elif field.name in ("family_caps", "sku_caps"):
                out[field.name] = dict(value)
            else:
                out[field.name] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> Scenario:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown scenario fields: {', '.join(sorted(unknown))}")
        kwargs: dict[str, object] = {}
        for name, value in values.items():
            if name in RULES:
                enabled, threshold = value
                kwargs[name] = Rule(bool(enabled), float(threshold))
            elif name in ("from_date", "to_date"):
                kwargs[name] = None if value is None else date.fromisoformat(value)
            elif name in ("family_caps", "sku_caps"):
                kwargs[name] = tuple(
                    (str(key), None if cap is None else int(cap)) for key, cap in value.items()
                )
            elif name in ("cap_default", "promise_buffer_days"):
                kwargs[name] = None if value is None else int(value)
            else:
                kwargs[name] = float(value)
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        return cls.from_dict(json.loads(text))


def caps_table(scenario: Scenario) -> pl.DataFrame:
    """The overrides as an editable table: level (`family` or `sku`), name, cap (empty = no
    cap). Families first."""
    rows = [("family", name, cap) for name, cap in scenario.family_caps] + [
        ("sku", name, cap) for name, cap in scenario.sku_caps
    ]
    return pl.DataFrame(
        {
            "level": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "cap": [r[2] for r in rows],
        },
        schema={"level": pl.String, "name": pl.String, "cap": pl.Int64},
    )


def with_caps_table(scenario: Scenario, table) -> Scenario:
    """The scenario with its overrides read back from `caps_table`'s layout (as edited: a
    polars or pandas frame). Rows without a level or a name are ignored; a negative cap is
    an error; a later row for the same level and name wins."""
    frame = table if isinstance(table, pl.DataFrame) else pl.from_pandas(table)
    family: dict[str, int | None] = {}
    sku: dict[str, int | None] = {}
    for row in frame.iter_rows(named=True):
        level, name, cap = row.get("level"), row.get("name"), row.get("cap")
        if level not in ("family", "sku") or name is None or not str(name).strip():
            continue
        if cap is not None and cap == cap and cap < 0:  # cap == cap: not NaN
            raise ValueError(f"a cap must be 0 or more (got {cap} for {level} {name})")
        value = None if cap is None or cap != cap else int(cap)
        (family if level == "family" else sku)[str(name).strip()] = value
    return dataclasses.replace(
        scenario, family_caps=tuple(family.items()), sku_caps=tuple(sku.items())
    )


def year_before(day: date) -> date:
    """The same calendar day a year earlier (29 February -> 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def last_full_quarter(last_day: date) -> tuple[date, date]:
    """The latest quarter [from, to) that ends on or before `last_day` (the data's last day)."""
    after = last_day + timedelta(days=1)
    start_month = 3 * ((after.month - 1) // 3) + 1
    to_date = date(after.year, start_month, 1)
    from_month = start_month - 3
    from_date = (
        date(to_date.year - 1, 10, 1) if from_month < 1 else date(to_date.year, from_month, 1)
    )
    return from_date, to_date
