"""The demo generator: deterministic, contract-shaped, consistent, and carrying its stories.

Every check reads the generated CSV files back with polars, the way a reviewer would.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from dashboard.contract import CODES, TABLES
from dashboard.demo import DEMO_TIMEZONE, generate

END = date(2026, 11, 22)
ORDERS = 20_000
TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TIMESTAMPS = {
    "order_lines": ("ordered_at", "backordered_at", "shipped_at", "canceled_at"),
    "shipments": ("shipped_at",),
    "inbound": ("created_at", "received_at"),
    "contacts": ("created_at",),
    "notices": ("sent_at",),
    "skus": (),
}
DATES = {
    "order_lines": ("promised_ship_date", "supplier_eta", "next_review_at"),
    "inbound": ("supplier_eta",),
    "notices": ("next_update_by",),
}
SLIPPING_SUPPLIER = "Northwind Trading"


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("demo"), orders=ORDERS, seed=7, end=END)


def _read(path: Path, name: str) -> pl.DataFrame:
    text = {c: pl.String for c in TABLES[name].column_names}
    df = pl.read_csv(path, schema_overrides=text, infer_schema_length=0)
    casts = [
        pl.col(c).str.to_datetime(TS_FORMAT, time_zone="UTC").alias(c) for c in TIMESTAMPS[name]
    ]
    casts += [pl.col(c).str.to_date("%Y-%m-%d").alias(c) for c in DATES.get(name, ())]
    return df.with_columns(casts)


@pytest.fixture(scope="module")
def t(paths) -> dict[str, pl.DataFrame]:
    """The generated tables, typed: timestamps UTC, dates, numbers."""
    tables = {name: _read(path, name) for name, path in paths.items()}
    ints = {"order_lines": ("qty", "backordered_qty"), "inbound": ("qty", "qty_received")}
    for name, cols in ints.items():
        tables[name] = tables[name].with_columns(pl.col(c).cast(pl.Int64) for c in cols)
    tables["shipments"] = tables["shipments"].with_columns(
        pl.col("shipping_cost", "handling_cost").cast(pl.Float64)
    )
    tables["order_lines"] = tables["order_lines"].with_columns(
        pl.col("unit_price").cast(pl.Float64)
    )
    tables["skus"] = tables["skus"].with_columns(
        pl.col("oversell_cap").cast(pl.Int64),
        pl.col("seasonal", "backorder_eligible") == "true",
    )
    return tables


def local_date(col: str) -> pl.Expr:
    return pl.col(col).dt.convert_time_zone(DEMO_TIMEZONE).dt.date()


def export_time() -> pl.Expr:
    end = datetime(2026, 11, 23, tzinfo=ZoneInfo(DEMO_TIMEZONE)).astimezone(UTC)
    return pl.lit(end, dtype=pl.Datetime("us", "UTC"))


def backordered(t) -> pl.DataFrame:
    """Backordered lines with sku attributes, resolution and wait (days, open ones to the end)."""
    return (
        t["order_lines"]
        .filter(pl.col("backordered_qty") > 0)
        .join(t["skus"], on="sku", how="left")
        .with_columns(resolved_at=pl.coalesce("shipped_at", "canceled_at"))
        .with_columns(
            wait_days=(pl.coalesce("resolved_at", export_time()) - pl.col("backordered_at"))
            .dt.total_seconds()
            .truediv(86_400)
        )
    )


# --- shape ------------------------------------------------------------------------------------


def test_same_seed_and_orders_give_identical_bytes(tmp_path):
    first = generate(tmp_path / "a", orders=3_000, seed=11)
    second = generate(tmp_path / "b", orders=3_000, seed=11)
    result = {name: first[name].read_bytes() == second[name].read_bytes() for name in TABLES}
    expected = dict.fromkeys(TABLES, True)
    assert result == expected


def test_other_seed_gives_other_data(tmp_path):
    first = generate(tmp_path / "a", orders=3_000, seed=11)
    second = generate(tmp_path / "b", orders=3_000, seed=12)
    result = first["order_lines"].read_bytes() == second["order_lines"].read_bytes()
    assert result is False


def test_progress_reaches_one(tmp_path):
    calls = []
    generate(tmp_path, orders=500, progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    result = (fractions[0], fractions[-1], fractions == sorted(fractions))
    expected = (0.0, 1.0, True)
    assert result == expected


def test_header_is_the_contract_columns_in_order(paths):
    result = {name: path.read_text().split("\n", 1)[0].split(",") for name, path in paths.items()}
    expected = {name: table.column_names for name, table in TABLES.items()}
    assert result == expected


def test_every_column_has_values(t):
    result = {
        (name, c) for name, df in t.items() for c in df.columns if df[c].null_count() == df.height
    }
    expected = set()
    assert result == expected


def test_formats(paths):
    lines = paths["order_lines"].read_text().splitlines()[1:200]
    row = next(r.split(",") for r in lines if r.split(",")[13])
    ts = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    money = re.compile(r"^\d+\.\d\d$")
    result = (bool(ts.match(row[2])), bool(ts.match(row[13])), bool(money.match(row[5])))
    expected = (True, True, True)
    assert result == expected
    skus = paths["skus"].read_text().splitlines()[1].split(",")
    assert skus[6] in ("true", "false")


def test_year_ends_at_the_export(t):
    end = export_time()
    lines = t["order_lines"]
    ordered = lines.select(
        first=local_date("ordered_at").min(), last=local_date("ordered_at").max()
    ).row(0)
    assert ordered == (END - timedelta(days=363), END)
    result = {
        name: df.select(pl.any_horizontal(pl.col(c) >= end for c in TIMESTAMPS[name]).sum()).item()
        for name, df in t.items()
        if TIMESTAMPS[name]
    }
    expected = dict.fromkeys(result, 0)
    assert result == expected


def test_volume(t):
    lines = t["order_lines"]
    orders = lines["order_id"].n_unique()
    result = (orders, round(lines.height / orders, 1), t["skus"].height // 100)
    expected = (ORDERS, 2.4, 3)
    assert result == expected
    assert 3 <= t["skus"]["supplier"].n_unique() <= 4
    assert 8 <= t["skus"]["family"].n_unique() <= 12


def test_weekly_seasonality_and_holiday_bump(t):
    daily = t["order_lines"].group_by("order_id").agg(d=local_date("ordered_at").min())
    by_dow = daily.group_by(pl.col("d").dt.weekday()).len().sort("d")["len"].to_list()
    assert by_dow[0] > by_dow[5] * 1.2  # Monday above Saturday
    cyber_week = daily.filter(pl.col("d").is_between(date(2025, 11, 27), date(2025, 12, 1)))
    march = daily.filter(pl.col("d").is_between(date(2026, 3, 2), date(2026, 3, 6)))
    assert cyber_week.height > 1.8 * march.height


# --- invariants -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TABLES))
def test_keys_unique(t, name):
    key = list(TABLES[name].key)
    result = t[name].select(key).is_duplicated().sum()
    expected = 0
    assert result == expected


def test_line_invariants(t):
    lines = t["order_lines"]
    result = lines.select(
        bo_over_qty=(pl.col("backordered_qty") > pl.col("qty")).sum(),
        bo_negative=(pl.col("backordered_qty") < 0).sum(),
        qty_below_1=(pl.col("qty") < 1).sum(),
        shipped_and_canceled=(
            pl.col("shipped_at").is_not_null() & pl.col("canceled_at").is_not_null()
        ).sum(),
        shipped_before_ordered=(pl.col("shipped_at") < pl.col("ordered_at")).sum(),
        backordered_before_ordered=(pl.col("backordered_at") < pl.col("ordered_at")).sum(),
        canceled_before_ordered=(pl.col("canceled_at") < pl.col("ordered_at")).sum(),
        bo_without_time=(
            (pl.col("backordered_qty") > 0) & pl.col("backordered_at").is_null()
        ).sum(),
        time_without_bo=(
            (pl.col("backordered_qty") == 0) & pl.col("backordered_at").is_not_null()
        ).sum(),
        shipped_without_shipment=(
            pl.col("shipped_at").is_null() != pl.col("shipment_id").is_null()
        ).sum(),
        reason_without_cancel=(
            pl.col("cancel_reason").is_not_null() & pl.col("canceled_at").is_null()
        ).sum(),
    ).row(0, named=True)
    expected = dict.fromkeys(result, 0)
    assert result == expected


def test_shipment_links(t):
    lines = t["order_lines"].filter(pl.col("shipment_id").is_not_null())
    carried = lines.group_by("shipment_id").agg(
        pl.col("order_id").n_unique().alias("orders"),
        pl.col("order_id").first(),
        pl.col("shipped_at").max().alias("last_line"),
    )
    joined = carried.join(t["shipments"], on="shipment_id", how="full", suffix="_s")
    result = joined.select(
        missing_shipment=pl.col("shipped_at").is_null().sum(),
        shipment_without_lines=pl.col("last_line").is_null().sum(),
        several_orders=(pl.col("orders") > 1).sum(),
        other_order=(pl.col("order_id") != pl.col("order_id_s")).sum(),
        other_time=(pl.col("last_line") != pl.col("shipped_at")).sum(),
    ).row(0, named=True)
    expected = dict.fromkeys(result, 0)
    assert result == expected


def test_links_to_orders_and_skus(t):
    orders = t["order_lines"].select("order_id").unique()
    skus = t["skus"].select("sku")
    result = {
        "contacts": t["contacts"].join(orders, on="order_id", how="anti").height,
        "notices": t["notices"].join(orders, on="order_id", how="anti").height,
        "lines": t["order_lines"].join(skus, on="sku", how="anti").height,
        "inbound": t["inbound"].join(skus, on="sku", how="anti").height,
        "substitutes": t["order_lines"]
        .filter(pl.col("substituted_sku").is_not_null())
        .join(skus, left_on="substituted_sku", right_on="sku", how="anti")
        .height,
    }
    expected = dict.fromkeys(result, 0)
    assert result == expected


@pytest.mark.parametrize(("table", "column"), list(CODES))
def test_codes_valid(t, table, column):
    result = set(t[table][column].drop_nulls().unique()) - set(CODES[(table, column)])
    expected = set()
    assert result == expected


def test_inbound_consistent(t):
    inbound = t["inbound"]
    result = inbound.select(
        received_without_qty=(
            pl.col("received_at").is_null() != pl.col("qty_received").is_null()
        ).sum(),
        over_received=(pl.col("qty_received") > pl.col("qty")).sum(),
        received_before_created=(pl.col("received_at") < pl.col("created_at")).sum(),
    ).row(0, named=True)
    expected = dict.fromkeys(result, 0)
    assert result == expected
    assert inbound["received_at"].null_count() > 0  # some POs still in transit


# --- stories ----------------------------------------------------------------------------------


def test_story_1_one_supplier_slips_more_and_more(t):
    received = (
        t["inbound"]
        .filter(pl.col("received_at").is_not_null())
        .with_columns(
            slip=(local_date("received_at") - pl.col("supplier_eta")).dt.total_days(),
            quarter=local_date("received_at").dt.quarter(),
        )
    )
    by_supplier = dict(received.group_by("supplier").agg(pl.col("slip").median()).iter_rows())
    worst = max(by_supplier, key=by_supplier.get)
    others = max(v for k, v in by_supplier.items() if k != worst)
    assert (worst, by_supplier[worst] > others + 3) == (SLIPPING_SUPPLIER, True)
    slipping = received.filter(pl.col("supplier") == SLIPPING_SUPPLIER)
    by_quarter = dict(slipping.group_by("quarter").agg(pl.col("slip").median()).iter_rows())
    # the year runs Nov 2025 - Nov 2026: calendar Q1 2026 early, Q3 2026 late
    assert by_quarter[3] > by_quarter[1] + 5
    waits = (
        backordered(t)
        .group_by(pl.col("supplier") == SLIPPING_SUPPLIER)
        .agg(pl.col("wait_days").median())
    )
    wait = dict(waits.iter_rows())
    assert wait[True] > 1.3 * wait[False]


def test_story_2_a_sku_stays_over_its_cap_for_weeks(t):
    bo = backordered(t).filter(pl.col("oversell_cap").is_not_null())
    events = pl.concat(
        [
            bo.select("sku", "oversell_cap", at="backordered_at", units="backordered_qty"),
            bo.filter(pl.col("resolved_at").is_not_null()).select(
                "sku", "oversell_cap", at="resolved_at", units=-pl.col("backordered_qty")
            ),
        ]
    ).sort("sku", "at", "units", descending=[False, False, True])
    walk = events.with_columns(
        outstanding=pl.col("units").cum_sum().over("sku"),
        until=pl.col("at").shift(-1).over("sku"),
    )
    above = (
        walk.filter(pl.col("outstanding") > pl.col("oversell_cap"))
        .group_by("sku")
        .agg(days=(pl.col("until").fill_null(export_time()) - pl.col("at")).sum().dt.total_days())
        .sort("days", descending=True)
    )
    assert above["days"][0] >= 21
    # the other capped skus stay mostly within their caps
    assert above.filter(pl.col("days") >= 7).height <= 3


def test_story_3_amazon_oversells_through_stock_sync(t):
    lines = t["order_lines"]
    rate = dict(lines.group_by("channel").agg((pl.col("backordered_qty") > 0).mean()).iter_rows())
    assert rate["amazon"] > 1.5 * max(rate["web"], rate["wholesale"])
    bo = lines.filter(pl.col("backordered_qty") > 0)
    sync = dict(
        bo.group_by("channel")
        .agg((pl.col("backorder_reason") == "inventory_sync").mean())
        .iter_rows()
    )
    assert (sync["amazon"] > 0.3, sync["web"], sync["wholesale"]) == (True, 0.0, 0.0)
    # channel_sla late_shipment_rate as of the last day: orders resolved, shipped in 30 days
    end = pl.lit(END)
    judged = lines.with_columns(
        late=local_date("shipped_at")
        > pl.coalesce("promised_ship_date", local_date("ordered_at") + pl.duration(days=2)),
    )
    orders = (
        judged.group_by("channel", "order_id")
        .agg(
            resolved=pl.coalesce("shipped_at", "canceled_at").is_not_null().all(),
            last_ship=local_date("shipped_at").max(),
            late=pl.col("late").any(),
        )
        .filter(
            pl.col("resolved"),
            pl.col("last_ship").is_between(end - pl.duration(days=29), end),
        )
    )
    late = dict(orders.group_by("channel").agg(pl.col("late").mean()).iter_rows())
    assert late["amazon"] > 0.04
    assert (late["amazon"] > 2 * late["web"], late["amazon"] > late["wholesale"]) == (True, True)
    # and the sync oversells are what makes amazon late
    sync_orders = lines.filter(pl.col("backorder_reason") == "inventory_sync").select("order_id")
    late_amazon = orders.filter(pl.col("channel") == "amazon", pl.col("late"))
    assert late_amazon.join(sync_orders.unique(), on="order_id").height > 0.5 * late_amazon.height


def test_story_4_newer_orders_ship_before_older_backorders(t):
    lines = t["order_lines"]
    a = lines.filter(pl.col("backordered_qty") > 0).select(
        "sku",
        a_id=pl.concat_str("order_id", "line_id"),
        a_b="backordered_at",
        a_ship="shipped_at",
        a_cancel="canceled_at",
    )
    b = lines.filter(pl.col("shipped_at").is_not_null()).select(
        "sku", b_ordered="ordered_at", b_ship="shipped_at"
    )
    pairs = a.join(b, on="sku").filter(
        pl.col("b_ordered") > pl.col("a_b"),
        pl.col("a_b") <= pl.col("b_ship"),
        pl.col("a_ship").is_null() | (pl.col("a_ship") > pl.col("b_ship")),
        pl.col("a_cancel").is_null() | (pl.col("a_cancel") > pl.col("b_ship")),
    )
    passed_over = pairs["a_id"].n_unique()
    skus = pairs["sku"].n_unique()
    assert (passed_over > 0.2 * a.height, skus > 100) == (True, True)


def test_story_5_backorders_go_silent_after_one_notice(t):
    notices = (
        t["notices"]
        .group_by("order_id")
        .agg(
            count=pl.len(),
            kind=pl.col("kind").first(),
            next_update_by=pl.col("next_update_by").first(),
        )
    )
    # open on the last day, backordered over a week ago, and the only notice's promised next
    # update has passed
    open_old = backordered(t).filter(pl.col("resolved_at").is_null(), pl.col("wait_days") > 8)
    silent = open_old.join(notices, on="order_id").filter(
        pl.col("count") == 1,
        pl.col("kind") == "backorder_notice",
        pl.col("next_update_by") < END,
    )
    assert silent.height >= 15
    assert silent.height < 0.5 * open_old.height


def test_story_6_split_shipments_cost_extra(t):
    ships = (
        t["shipments"]
        .sort("order_id", "shipped_at", "shipment_id")
        .with_columns(n=pl.int_range(pl.len()).over("order_id"))
    )
    extra = ships.filter(pl.col("n") > 0)
    orders = (
        t["order_lines"]
        .group_by("order_id")
        .agg(
            policy=pl.col("ship_policy").first(),
            has_bo=(pl.col("backordered_qty") > 0).any(),
        )
    )
    split = orders.join(extra.select("order_id").unique(), on="order_id")
    result = split.select(pl.col("policy").eq("split").mean(), pl.col("has_bo").mean()).row(0)
    expected = (1.0, 1.0)
    assert result == expected
    assert split.height > 0.03 * orders.height
    cost = extra.select((pl.col("shipping_cost") + pl.col("handling_cost")).sum()).item()
    assert cost > 5 * extra.height
    # the first shipment carries the in-stock lines, a later one the backordered line
    lines = t["order_lines"].join(ships.select("shipment_id", "n"), on="shipment_id")
    later = lines.filter(pl.col("n") > 0)
    first = lines.filter(pl.col("n") == 0).join(split.select("order_id"), on="order_id")
    assert (later["backordered_qty"] > 0).all()
    assert (first["backordered_qty"] == 0).mean() > 0.5


def test_story_7_contacts_rise_with_delay(t):
    contacts = (
        t["contacts"].group_by("order_id").agg(n=pl.len(), wismo=(pl.col("topic") == "wismo").sum())
    )
    lines = t["order_lines"].with_columns(
        resolved=pl.coalesce("shipped_at", "canceled_at").is_not_null()
    )
    orders = (
        lines.group_by("order_id")
        .agg(
            has_bo=(pl.col("backordered_qty") > 0).any(),
            resolved=pl.col("resolved").all(),
            wait=(pl.coalesce("shipped_at", "canceled_at") - pl.col("backordered_at"))
            .max()
            .dt.total_days(),
        )
        .filter(pl.col("resolved"))
        .join(contacts, on="order_id", how="left")
        .with_columns(pl.col("n", "wismo").fill_null(0))
    )
    per_order = dict(orders.group_by("has_bo").agg(pl.col("n").mean()).iter_rows())
    assert per_order[True] > 3 * per_order[False]
    bucket = pl.when(pl.col("wait") < 7).then(0).when(pl.col("wait") < 21).then(1).otherwise(2)
    by_wait = (
        orders.filter(pl.col("has_bo"))
        .group_by(bucket.alias("b"))
        .agg(pl.col("wismo").mean())
        .sort("b")["wismo"]
        .to_list()
    )
    assert by_wait == sorted(by_wait)
    assert by_wait[2] > 3 * by_wait[0]


def test_story_8_cancellations_rise_with_age(t):
    # cancel hazard by age: cancels within an age band per backorder-day waited in the band
    bo = backordered(t)
    bands = [(0, 7), (7, 21), (21, 60)]
    hazard = []
    for lo, hi in bands:
        at_risk = bo.filter(pl.col("wait_days") >= lo)
        exposure = at_risk.select((pl.col("wait_days").clip(upper_bound=hi) - lo).sum()).item()
        canceled = at_risk.filter(
            pl.col("canceled_at").is_not_null(), pl.col("wait_days") < hi
        ).height
        hazard.append(canceled / exposure)
    assert hazard == sorted(hazard)
    assert hazard[2] > 2 * hazard[0]
    canceled = bo.filter(pl.col("canceled_at").is_not_null())
    assert (canceled["cancel_reason"] == "backorder_delay").mean() > 0.6


def test_story_9_promises_without_receiving_buffer(t):
    bo = backordered(t).filter(pl.col("supplier_eta").is_not_null())
    share = bo.select(
        (pl.col("promised_ship_date") < pl.col("supplier_eta") + pl.duration(days=2)).mean()
    ).item()
    assert 0.08 < share < 0.35


def test_story_10_backorders_without_reason(t):
    share = backordered(t)["backorder_reason"].is_null().mean()
    assert 0.03 < share < 0.15


# --- the smaller patterns ---------------------------------------------------------------------


def test_long_waits_without_options_offer(t):
    offered = t["notices"].filter(pl.col("kind") == "options_offer").select("order_id").unique()
    past_30 = backordered(t).filter(
        (pl.coalesce("shipped_at", export_time()) - pl.col("ordered_at")).dt.total_days() > 30,
        pl.col("canceled_at").is_null(),
    )
    without = past_30.join(offered, on="order_id", how="anti")
    assert 3 <= without.height < 0.7 * past_30.height


def test_second_eta_update(t):
    updates = t["notices"].filter(pl.col("kind") == "eta_update").group_by("order_id").len()
    assert updates.filter(pl.col("len") >= 2).height >= 20


def test_open_backorders_fill_every_age_bucket(t):
    ages = (
        backordered(t)
        .filter(pl.col("resolved_at").is_null())
        .with_columns(age=(pl.lit(END) - local_date("backordered_at")).dt.total_days())
    )
    bucket = (
        pl.when(pl.col("age") <= 3)
        .then(pl.lit("0-3"))
        .when(pl.col("age") <= 7)
        .then(pl.lit("4-7"))
        .when(pl.col("age") <= 14)
        .then(pl.lit("8-14"))
        .otherwise(pl.lit("15+"))
    )
    counts = dict(ages.group_by(bucket.alias("b")).len().iter_rows())
    assert min(counts.get(b, 0) for b in ("0-3", "4-7", "8-14", "15+")) >= 5


def test_ineligible_skus_still_backordered(t):
    bo = backordered(t).filter(~pl.col("backorder_eligible"))
    assert bo["sku"].n_unique() >= 3
    assert (bo["backorder_reason"] == "policy_exception").mean() > 0.5


def test_seasonal_family_peaks_at_the_holidays(t):
    lines = t["order_lines"].join(t["skus"].select("sku", "seasonal"), on="sku")
    month = local_date("ordered_at").dt.month()
    share = dict(
        lines.group_by(month.is_in([11, 12]).alias("holidays"))
        .agg(pl.col("seasonal").mean())
        .iter_rows()
    )
    assert share[True] > 4 * share[False]
    assert t["skus"].filter(pl.col("seasonal"))["family"].n_unique() == 1
