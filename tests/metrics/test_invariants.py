"""Invariants of every metric on the demo history (metrics issue): rates and shares within
[0, 1], the age buckets add up to the open backorders, counts never negative."""

import polars as pl
import pytest

from dashboard.metrics import REGISTRY, backorder_age, backorder_age_lines, is_unavailable
from dashboard.params import Period

PERIODS = [Period.week("2026-W47"), Period.week("2026-W30"), Period.quarter("2026-Q3")]


def is_share(column: str) -> bool:
    return column.endswith(("_rate", "_share")) or column in ("line_rate", "share_of_lines")


@pytest.mark.parametrize("period", PERIODS, ids=str)
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_rates_within_0_and_1_and_counts_not_negative(demo_con, name, period):
    frame = REGISTRY[name](demo_con, period)
    assert is_unavailable(frame) is None, f"{name}: the demo carries every column"
    for column, dtype in frame.schema.items():
        values = frame[column].drop_nulls()
        if is_share(column) and dtype.is_numeric():
            assert values.is_between(0, 1).all(), f"{name}.{column} outside [0, 1]"
        if column.startswith("count_") and dtype.is_numeric():
            assert (values >= 0).all(), f"{name}.{column} negative"


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_age_buckets_sum_to_the_open_backorders(demo_con, period):
    buckets = backorder_age(demo_con, period)
    lines = backorder_age_lines(demo_con, period)
    parts = buckets.filter(pl.col("bucket") != "total")
    total = buckets.filter(pl.col("bucket") == "total").row(0, named=True)
    assert parts["count_lines"].sum() == total["count_lines"] == lines.height
    assert parts["backordered_units"].sum() == total["backordered_units"]
    assert lines["backordered_qty"].sum() == total["backordered_units"]
