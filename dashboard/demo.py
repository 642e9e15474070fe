"""Demo data: a year of a small home-goods store, written as the canonical tables.

`generate(out_dir, orders, seed, end)` writes one CSV per canonical table (contract columns in
contract order). Same seed and orders give byte-identical files. Orders are generated in chunks
of `CHUNK_ORDERS` with NumPy and appended to the CSVs, so memory stays bounded at any size.

The model
---------
- Time. The year is the 52 ISO weeks ending on `end` (a Sunday), in the store time zone
  `DEMO_TIMEZONE`. The export is taken at the end of `end`: nothing later is in the files (open
  lines have no shipped_at/canceled_at, POs in transit no received_at, later notices, contacts
  and receipts do not exist). Order i of N is placed at the inverse CDF of an hourly intensity
  at (i + u) / N: a daily curve, weekly seasonality (Monday high, Saturday low), a holiday bump
  (Black Friday to Cyber Monday, December until the 23rd, a November ramp) and slight growth.
  Order times are therefore sorted by order number, and every chunk covers its own time range.
- Catalog. ~300 SKUs in 10 families from 4 suppliers, Zipf-like popularity. `Holiday Decor` is
  the seasonal family: its demand is ~10x in November and December.
- Replenishment. Per SKU a cycle of POs (created on its supplier's weekly order day every
  35-63 days, supplier_eta = created + quoted lead time, received_at = eta + slip). Before a
  receipt the SKU may be out of stock: the stock-out window starts `base` days before the
  eta (0 in 78% of the cycles, 2-9 days in 20%, 15-35 days in 2%; longer and more often when
  the eta falls in the holiday season, most for the seasonal family) and ends at the receipt,
  so a late receipt makes a longer window. A line ordered in a window is backordered and waits
  for that receipt; its supplier_eta is the PO's eta (or a revised one once that has passed)
  and its promise that eta plus a 3-5 day receiving buffer.
- Lines. Backordered lines ship after the receipt (most within 1.5 days, some passed over for
  1.5-5 days), or are canceled: each has a Weibull(1.6) patience, so the longer the wait, the
  likelier the cancel. Orders are `split` (in-stock lines ship first, each backordered line in
  its own later shipment, unless filled before the first parcel left) or `hold_complete` (one
  shipment when everything is resolved; the order's backorder promise is then set on all its
  lines). A few orders (`_P_ORDER_CANCEL`) are canceled within hours (fraud, customer request).
  Notices (driven by the order's first backordered line: a backorder_notice with
  next_update_by = +7 days, weekly eta_updates, an options_offer near day 28, shipped, apology
  when late), contacts and shipments are derived per order from the lines.

Where the stories live
----------------------
1. Slipping supplier `Northwind Trading` (`_SLIP_SUPPLIER`): its slip grows from ~3 to ~18 days
   over the year (`_purchase_orders`); its windows, hence its backorders, last longer.
2. Over the cap: the most popular capped SKU gets a tight cap (~6 days of demand) and one
   ~5-week stock-out in late summer (`cap_sku` in `_build_world`, `_purchase_orders`); the
   other caps are ~40 days of peak demand and rarely reached.
3. Amazon sync: amazon lines of in-stock SKUs are backordered with reason `inventory_sync` with
   probability `_P_SYNC`, promised within the 2 handling days, and ship 2-8 days later.
4. Inversions: after a receipt, new in-stock orders ship within hours while `_P_PASSED_OVER`
   of the waiting backorders ship 1.5-5 days later (`_chunk_lines`).
5. Silent: `_P_SILENT` of backordered orders get one backorder_notice (with next_update_by)
   and no eta_update or options_offer afterwards (`_chunk_notices`).
6. Split cost: `split` orders ship each backordered line in its own shipment, each with
   shipping_cost and handling_cost (`_chunk_shipments`).
7. Contacts: wismo contacts per backordered order ~ Poisson(0.08 + 0.04 x days waited),
   orders without a backorder ~ Poisson(0.04) contacts of any topic (`_chunk_contacts`).
8. Cancels: patience ~ Weibull(1.6), scale `_CANCEL_SCALE_DAYS`; reasons mostly
   backorder_delay.
9. No buffer: `_P_NO_BUFFER` of window backorders are promised 0-1 day after the supplier eta.
10. No reason: `_P_NO_REASON` of backordered lines carry no backorder_reason.
Also: `_P_NO_OFFER` of long waits get no options_offer; waits over two weeks get a second
eta_update; the windows open at `end` fill every age bucket; `_N_INELIGIBLE` SKUs with
backorder_eligible=false still take backorders (reason policy_exception).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from dashboard.contract import CODES, TABLES

DEMO_TIMEZONE = "America/New_York"
DEMO_CURRENCY = "USD"

CHUNK_ORDERS = 50_000
DAY = 86_400
HOUR = 3_600
NEVER = np.int64(2**62)  # "does not happen" time
_EPOCH = date(1970, 1, 1)
_ORDER_BASE = 100_001

CHANNELS = ("web", "amazon", "wholesale")
_CHANNEL_P = (0.62, 0.28, 0.10)
_EXTRA_LINES = (1.25, 1.25, 2.5)  # lines per order = 1 + Poisson(this)
_P_SPLIT = (0.6, 1.0, 0.35)  # amazon ships what it can (marketplace rules)

_SLIP_SUPPLIER = "Northwind Trading"
# supplier: (code, quoted lead days, weekly PO weekday Mon=0)
_SUPPLIERS = {
    "Acme Housewares": ("ACM", 21, 1),
    "Blue Ridge Goods": ("BRG", 14, 2),
    _SLIP_SUPPLIER: ("NWT", 28, 0),
    "Pacific Crafts": ("PAC", 35, 3),
}
# family: (sku prefix, supplier, price range, items)
_FAMILIES = {
    "Cookware": ("CKW", "Acme Housewares", (25, 120), ("Skillet", "Saucepan", "Dutch Oven")),
    "Kitchen Tools": ("KTL", "Acme Housewares", (6, 30), ("Spatula", "Whisk", "Peeler", "Tongs")),
    "Tableware": ("TBL", "Blue Ridge Goods", (12, 60), ("Plate Set", "Bowl Set", "Mug")),
    "Bedding": ("BED", _SLIP_SUPPLIER, (30, 150), ("Duvet Cover", "Sheet Set", "Pillowcase")),
    "Bath": ("BTH", "Acme Housewares", (10, 45), ("Bath Towel", "Bath Mat", "Robe")),
    "Lighting": ("LGT", "Pacific Crafts", (20, 110), ("Table Lamp", "Pendant", "String Lights")),
    "Storage": ("STO", "Blue Ridge Goods", (8, 40), ("Basket", "Bin", "Shelf Box")),
    "Candles": ("CND", "Pacific Crafts", (9, 35), ("Pillar Candle", "Jar Candle", "Tealights")),
    "Garden": ("GRD", "Blue Ridge Goods", (15, 80), ("Planter", "Watering Can", "Hose Reel")),
    "Holiday Decor": ("HOL", "Pacific Crafts", (8, 70), ("Wreath", "Ornament Set", "Garland")),
}
_SEASONAL_FAMILY = "Holiday Decor"
_VARIANTS = ("Natural", "Slate", "Ivory", "Sage", "Charcoal", "Terracotta", "Navy", "Oat")
_SIZES = ("Small", "Medium", "Large", "XL")

_P_SYNC = 0.12  # amazon in-stock line oversold by the lagging stock sync
_P_MISC = 0.004  # damaged/miscounted stock on any channel
_P_PASSED_OVER = 0.15  # backorders left waiting while newer orders take the receipt
_P_NO_BUFFER = 0.12
_P_NO_REASON = 0.07
_P_NO_PROMISE = 0.02
_P_SUBSTITUTE = 0.015
_P_SILENT = 0.3
_P_NO_OFFER = 0.15
_P_ORDER_CANCEL = 0.007
_CANCEL_SCALE_DAYS = 55.0
_N_INELIGIBLE = 6

_CARRIERS = ("USPS", "UPS", "FedEx", "UPS Freight")
_CARRIER_P = {0: (0.55, 0.35, 0.10, 0.0), 1: (0.45, 0.55, 0.0, 0.0), 2: (0.0, 0.4, 0.2, 0.4)}

_TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _codes(table: str, column: str) -> dict[int, str]:
    return dict(enumerate(CODES[(table, column)]))


_REASON = {c: i for i, c in enumerate(CODES[("order_lines", "backorder_reason")])}
_CANCEL = {c: i for i, c in enumerate(CODES[("order_lines", "cancel_reason")])}
_LABEL = {c: i for i, c in enumerate(CODES[("order_lines", "status_label")])}
_TOPIC = {c: i for i, c in enumerate(CODES[("contacts", "topic")])}
_KIND = {c: i for i, c in enumerate(CODES[("notices", "kind")])}


# ---------------------------------------------------------------------------------------------
# time zone


class _Clock:
    """UTC offsets of the store zone as arrays: UTC epoch seconds <-> local dates."""

    def __init__(self, tz: str, first: date, last: date) -> None:
        zone = ZoneInfo(tz)

        def offset(t: int) -> int:
            return int(datetime.fromtimestamp(t, zone).utcoffset().total_seconds())

        t0 = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
        days = (last - first).days + 1
        starts, offsets = [t0 - 400 * DAY], [offset(t0)]
        for d in range(days):
            t = t0 + d * DAY
            if offset(t + DAY) != offset(t):
                h = next(h for h in range(1, 25) if offset(t + h * HOUR) != offset(t))
                starts.append(t + h * HOUR)
                offsets.append(offset(t + h * HOUR))
        self.starts = np.array(starts, dtype=np.int64)
        self.offsets = np.array(offsets, dtype=np.int64)

    def offset(self, t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(self.starts, t, side="right") - 1
        return self.offsets[np.clip(i, 0, None)]

    def local_day(self, t: np.ndarray) -> np.ndarray:
        """Local calendar date as days since 1970-01-01."""
        return (t + self.offset(t)) // DAY

    def to_utc(self, local: np.ndarray) -> np.ndarray:
        """Local wall-clock seconds -> UTC seconds (nearest hour around a DST switch)."""
        return local - self.offset(local - self.offset(local))


def _days(d: date) -> int:
    return (d - _EPOCH).days


def _thanksgiving(year: int) -> date:
    nov1 = date(year, 11, 1)
    return nov1 + timedelta(days=(3 - nov1.weekday()) % 7 + 21)


def _day_factor(d: date) -> float:
    """Holiday bump for one calendar date."""
    tg = _thanksgiving(d.year)
    if tg <= d <= tg + timedelta(days=4):  # Thanksgiving to Cyber Monday
        return 2.3
    if tg < d <= date(d.year, 12, 20):
        return 1.5
    if date(d.year, 12, 21) <= d <= date(d.year, 12, 23):
        return 1.2
    if date(d.year, 12, 24) <= d <= date(d.year, 12, 26):
        return 0.55
    if date(d.year, 11, 1) <= d < tg:
        return 1.0 + 0.3 * (d.day / 30)
    return 1.0


def _seasonal_factor(d: date) -> float:
    if d.month == 11 or (d.month == 12 and d.day <= 24):
        return 4.0
    if d.month == 10:
        return 1.2
    return 0.35


_DOW = np.array([1.12, 1.06, 1.0, 0.98, 0.94, 0.78, 0.86])
_HOURLY = np.array(
    [0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.55, 0.8, 0.95, 1.0, 1.05]
    + [1.1, 1.1, 1.0, 0.95, 0.95, 1.0, 1.15, 1.3, 1.4, 1.3, 0.9, 0.5]
)


# ---------------------------------------------------------------------------------------------
# catalog and purchase orders


@dataclass
class _World:
    seed: int
    orders: int
    start_day: int  # first local date, days since epoch
    t_end: int  # UTC seconds of the end of the last local day (export time)
    clock: _Clock
    cdf: np.ndarray  # order-time inverse CDF: cumulative share at each hour edge
    grid: np.ndarray  # local seconds at each hour edge
    sku_cdf: np.ndarray  # per week, cumulative sku shares, offset by the week number
    n_sku: int
    price: np.ndarray
    family: np.ndarray
    eligible: np.ndarray
    # receipts sorted by (sku, received): the window ending at each receipt
    rec_key: np.ndarray
    rec_sku: np.ndarray
    rec_recv: np.ndarray
    rec_eta: np.ndarray  # local day
    rec_wstart: np.ndarray  # UTC seconds
    t_ref: int


def _catalog(rng: np.random.Generator) -> pl.DataFrame:
    rows = []
    sizes = 30 + rng.permutation(np.array([-4, -3, -2, -1, 0, 0, 1, 2, 3, 4]))  # 300 skus
    for (fam, (prefix, supplier, (lo, hi), items)), n in zip(_FAMILIES.items(), sizes, strict=True):
        for k in range(n):
            item = items[k % len(items)]
            title = f"{item} {_VARIANTS[(k // len(items)) % len(_VARIANTS)]}"
            if k >= len(items) * len(_VARIANTS):
                title += f" {_SIZES[k % len(_SIZES)]}"
            price = round(float(np.exp(rng.uniform(np.log(lo), np.log(hi)))), 0) - 0.01
            lead = _SUPPLIERS[supplier][1] + int(rng.integers(-3, 8))
            rows.append((f"{prefix}-{1001 + k}", title, fam, supplier, price, lead))
    n = len(rows)
    rank = rng.permutation(n)
    weight = 1.0 / (rank + 6.0) ** 0.95
    cost_share = rng.uniform(0.38, 0.55, n)
    return pl.DataFrame(
        {
            "sku": [r[0] for r in rows],
            "title": [r[1] for r in rows],
            "family": [r[2] for r in rows],
            "supplier": [r[3] for r in rows],
            "price": [r[4] for r in rows],
            "unit_cost": np.round(np.array([r[4] for r in rows]) * cost_share, 2),
            "seasonal": [r[2] == _SEASONAL_FAMILY for r in rows],
            "lead_time_days": [r[5] for r in rows],
            "weight": weight,
        }
    )


def _build_world(orders: int, seed: int, end: date) -> tuple[_World, pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng([seed, 0])
    first = end - timedelta(days=363)
    clock = _Clock(DEMO_TIMEZONE, first - timedelta(days=200), end + timedelta(days=400))
    start_day = _days(first)
    t_start = int(clock.to_utc(np.array([start_day * DAY]))[0])
    t_end = int(clock.to_utc(np.array([(_days(end) + 1) * DAY]))[0])

    # order intensity per local hour
    dates = [first + timedelta(days=d) for d in range(364)]
    growth = np.linspace(0.92, 1.08, 364)
    daily = np.array([_day_factor(d) for d in dates]) * _DOW[[d.weekday() for d in dates]] * growth
    hourly = (daily[:, None] * _HOURLY[None, :]).ravel()
    cdf = np.concatenate([[0.0], np.cumsum(hourly)])
    cdf /= cdf[-1]
    grid = start_day * DAY + np.arange(364 * 24 + 1, dtype=np.int64) * HOUR

    # sku choice per week
    cat = _catalog(rng)
    n_sku = cat.height
    weight = cat["weight"].to_numpy()
    seasonal = cat["seasonal"].to_numpy()
    week_mid = [first + timedelta(days=7 * w + 3) for w in range(52)]
    season = np.array([_seasonal_factor(d) for d in week_mid])
    w_sku = np.where(seasonal[None, :], weight[None, :] * season[:, None], weight[None, :])
    share = w_sku / w_sku.sum(axis=1, keepdims=True)  # week x sku
    cum = np.cumsum(share, axis=1)
    cum[:, -1] = 1.0
    sku_cdf = (np.arange(52)[:, None] + cum).ravel()

    # expected units per sku per day, for PO sizes and caps
    week_volume = daily.reshape(52, 7).sum(axis=1) / daily.sum()
    lines_per_order = sum(p * (1 + x) for p, x in zip(_CHANNEL_P, _EXTRA_LINES, strict=True))
    p_ws = _CHANNEL_P[2] * (1 + _EXTRA_LINES[2]) / lines_per_order
    units_per_line = (1 - p_ws) * (1 / 0.75) + p_ws * 13.5
    units_week = orders * lines_per_order * units_per_line * week_volume[:, None] * share
    units_day = units_week.sum(axis=0) / 364
    peak_day = units_week.max(axis=0) / 7

    suppliers = cat["supplier"].to_numpy()
    fams = cat["family"].to_numpy()
    slipper = suppliers == _SLIP_SUPPLIER
    # caps: about a third of the steady (non-seasonal, reliable) skus carry a generous cap
    cap = np.full(n_sku, -1, dtype=np.int64)
    cap_ok = ~slipper & ~seasonal
    has_cap = cap_ok & (rng.random(n_sku) < 0.35)
    floor = rng.choice([30, 40, 50, 60], n_sku)
    generous = np.maximum(np.ceil(peak_day * 40 / 5) * 5, floor).astype(np.int64)
    cap[has_cap] = generous[has_cap]
    cap_sku = int(np.argmax(np.where(cap_ok, weight, -1.0)))
    cap[cap_sku] = max(int(np.ceil(units_day[cap_sku] * 6)), 4)
    eligible = np.ones(n_sku, dtype=bool)
    mid = np.argsort(-weight)[15:80]
    mid = mid[~slipper[mid] & ~seasonal[mid] & (mid != cap_sku)]
    eligible[rng.choice(mid, _N_INELIGIBLE, replace=False)] = False

    skus = cat.select(
        "sku", "title", "family", "supplier", "price", "unit_cost", "seasonal"
    ).with_columns(
        backorder_eligible=pl.Series(eligible),
        oversell_cap=pl.Series(cap).replace(-1, None),
        lead_time_days=cat["lead_time_days"],
    )

    po = _purchase_orders(
        rng, clock, cat, units_day, seasonal, slipper, cap_sku, start_day, t_start, t_end
    )
    order = np.lexsort((po["received"], po["sku"]))
    rec = {k: v[order] for k, v in po.items()}
    t_ref = t_start - 200 * DAY
    rec_key = rec["sku"] * (np.int64(1) << 32) + (rec["received"] - t_ref)
    world = _World(
        seed=seed,
        orders=orders,
        start_day=start_day,
        t_end=t_end,
        clock=clock,
        cdf=cdf,
        grid=grid,
        sku_cdf=sku_cdf,
        n_sku=n_sku,
        price=cat["price"].to_numpy(),
        family=np.unique(fams, return_inverse=True)[1],
        eligible=eligible,
        rec_key=rec_key,
        rec_sku=rec["sku"],
        rec_recv=rec["received"],
        rec_eta=rec["eta"],
        rec_wstart=rec["wstart"],
        t_ref=t_ref,
    )
    inbound = _inbound_table(po, cat, t_start, t_end)
    return world, skus, inbound


def _purchase_orders(
    rng, clock, cat, units_day, seasonal, slipper, cap_sku, start_day, t_start, t_end
) -> dict[str, np.ndarray]:
    n_sku = cat.height
    lead = cat["lead_time_days"].to_numpy()
    sup_names = cat["supplier"].to_numpy()
    weekday = np.array([_SUPPLIERS[s][2] for s in sup_names])
    cycle = rng.integers(35, 64, n_sku)
    phase = rng.integers(0, 63, n_sku)
    n_po = (364 + 400) // 35 + 2
    k = np.arange(n_po)
    # created: weekly order day of the supplier, 10:00 local, from ~180 days before the year
    day0 = start_day - 180 + phase[:, None] + k[None, :] * cycle[:, None]
    day0 = day0 - ((day0 - 4 - weekday[:, None]) % 7)  # 1970-01-01 was a Thursday
    sku = np.broadcast_to(np.arange(n_sku)[:, None], day0.shape).ravel()
    day0 = day0.ravel()
    created = clock.to_utc(day0 * DAY + 10 * HOUR + rng.integers(0, 4 * HOUR, day0.size))
    eta = day0 + lead[sku] + rng.integers(-2, 4, day0.size)
    year_frac = np.clip((eta - start_day) / 364, 0, 1)
    slip = np.clip(np.round(rng.normal(0.0, 1.2, eta.size)), -3, 5)
    slip_bad = np.clip(np.round(rng.normal(3 + 15 * year_frac, 3)), -2, 30)
    slip = np.where(slipper[sku], slip_bad, slip).astype(np.int64)
    recv_day = eta + slip
    received = clock.to_utc(recv_day * DAY + 9 * HOUR + rng.integers(0, 8 * HOUR, eta.size))
    # stock-out window before the receipt
    u = rng.random(eta.size)
    base = np.select(
        [u < 0.78, u < 0.98], [0, rng.integers(2, 10, eta.size)], rng.integers(15, 36, eta.size)
    )
    # holiday demand outruns the plan: more and longer stock-outs, most for the seasonal family
    holiday = np.array([_seasonal_factor(_EPOCH + timedelta(int(d))) for d in eta]) > 2
    surge = holiday & (rng.random(eta.size) < np.where(seasonal[sku], 0.8, 0.5))
    base = base + np.where(surge, rng.integers(5, 22, eta.size), 0)
    # the capped story sku: one long stock-out in late summer
    story = np.flatnonzero(sku == cap_sku)
    target = start_day + 270
    s = story[np.argmin(np.abs(eta[story] - target))]
    base[s] = 30
    received[s] += 6 * DAY
    wstart = clock.to_utc((eta - base) * DAY)
    wstart = np.minimum(wstart, received)
    cycle_units = units_day[sku] * cycle[sku]
    qty = np.maximum(np.round(cycle_units * rng.uniform(0.9, 1.4, eta.size)), 6).astype(np.int64)
    short = rng.random(eta.size) < 0.06
    qty_received = np.where(short, np.round(qty * rng.uniform(0.7, 0.95, eta.size)), qty)
    return {
        "sku": sku.astype(np.int64),
        "created": created,
        "eta": eta,
        "received": received,
        "wstart": wstart,
        "qty": qty,
        "qty_received": qty_received.astype(np.int64),
        "supplier_day": day0,
    }


def _inbound_table(po, cat, t_start, t_end) -> pl.DataFrame:
    keep = (po["created"] <= t_end) & (po["received"] >= t_start)
    sup_names = cat["supplier"].to_numpy()[po["sku"][keep]]
    code = np.array([_SUPPLIERS[s][0] for s in sup_names])
    received = po["received"][keep]
    arrived = received <= t_end
    df = pl.DataFrame(
        {
            "code": code,
            "day": po["supplier_day"][keep],
            "sku_i": po["sku"][keep],
            "sku": cat["sku"].to_numpy()[po["sku"][keep]],
            "supplier": sup_names,
            "qty": po["qty"][keep],
            "created_at": po["created"][keep],
            "supplier_eta": po["eta"][keep],
            "received_at": np.where(arrived, received, -1),
            "qty_received": np.where(arrived, po["qty_received"][keep], -1),
        }
    )
    # one PO per supplier and order day, holding several skus
    df = df.sort("day", "code", "sku_i").with_columns(
        po_id=pl.format(
            "PO-{}-{}",
            pl.col("code"),
            pl.col("day").cast(pl.Int32).cast(pl.Date).dt.strftime("%y%m%d"),
        )
    )
    return df.select(
        "po_id",
        "sku",
        "supplier",
        "qty",
        _ts("created_at"),
        _date("supplier_eta"),
        _ts("received_at"),
        pl.when(pl.col("qty_received") >= 0).then(pl.col("qty_received")).alias("qty_received"),
    )


# ---------------------------------------------------------------------------------------------
# one chunk of orders


def _uniform(rng, lo, hi, n) -> np.ndarray:
    return (lo + (hi - lo) * rng.random(n)).astype(np.int64)


def _rank_within(group: np.ndarray) -> np.ndarray:
    """1-based position of each row within its run of equal, sorted group values."""
    n = group.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = group[1:] != group[:-1]
    first = np.flatnonzero(new)
    return np.arange(n) - np.repeat(first, np.diff(np.append(first, n))) + 1


def _chunk_lines(w: _World, ci: int, o0: int, o1: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([w.seed, 1, ci])
    n = o1 - o0
    oi = np.arange(o0, o1, dtype=np.int64)
    t_local = np.interp((oi + rng.random(n)) / w.orders, w.cdf, w.grid).astype(np.int64)
    t = w.clock.to_utc(t_local)
    ch = rng.choice(3, n, p=_CHANNEL_P)
    nl = 1 + rng.poisson(np.array(_EXTRA_LINES)[ch])
    split = rng.random(n) < np.array(_P_SPLIT)[ch]
    handle = t + _uniform(rng, 4 * HOUR, 40 * HOUR, n)  # in-stock lines ship then
    n_cust = max(200, int(w.orders * 0.55))
    cust = np.where(
        ch == 2,
        rng.integers(0, 40 + w.orders // 400, n),
        (n_cust * rng.random(n) ** 2).astype(np.int64) + 10_000,
    )

    starts = np.cumsum(nl) - nl
    ol = np.repeat(np.arange(n), nl)
    L = ol.size
    line_no = np.arange(L) - starts[ol] + 1
    t_ord = t[ol]
    chl = ch[ol]

    week = np.clip((t_local[ol] // DAY - w.start_day) // 7, 0, 51)
    sku = (
        np.searchsorted(w.sku_cdf, week + rng.random(L) * (1 - 1e-12), side="right")
        - week * w.n_sku
    )
    sku = np.clip(sku, 0, w.n_sku - 1)
    qty = np.where(chl == 2, rng.integers(3, 25, L), rng.geometric(0.75, L))
    disc = np.where(rng.random(L) < 0.2, rng.uniform(0.8, 0.9, L), 1.0)
    unit_price = np.round(w.price[sku] * np.where(chl == 2, 0.6, disc), 2)

    # stock-out window of the sku at order time
    key = sku * (np.int64(1) << 32) + (t_ord - w.t_ref)
    j = np.minimum(np.searchsorted(w.rec_key, key, side="right"), w.rec_key.size - 1)
    in_win = (w.rec_sku[j] == sku) & (w.rec_key[j] > key) & (t_ord >= w.rec_wstart[j])
    recv = w.rec_recv[j]
    eta = w.rec_eta[j]

    is_sync = (chl == 1) & ~in_win & (rng.random(L) < _P_SYNC)
    is_misc = ~in_win & ~is_sync & (rng.random(L) < _P_MISC)
    bo = in_win | is_sync | is_misc
    b_at = np.select(
        [in_win, is_sync, is_misc],
        [
            t_ord,
            t_ord + _uniform(rng, HOUR, 18 * HOUR, L),
            t_ord + _uniform(rng, HOUR // 2, 6 * HOUR, L),
        ],
        -1,
    )
    # found out after the export: not backordered yet in the data
    late_find = b_at > w.t_end
    bo &= ~late_find
    is_sync &= ~late_find
    is_misc &= ~late_find
    b_at = np.where(bo, b_at, -1)
    partial = (qty >= 2) & (rng.random(L) < 0.3)
    bo_qty = np.where(
        bo, np.where(partial, 1 + (rng.random(L) * (qty - 1)).astype(np.int64), qty), 0
    )
    b_day = w.clock.local_day(b_at)
    late_po = w.clock.local_day(recv) > eta
    inelig = ~w.eligible[sku]
    reason = np.select(
        [is_sync, is_misc, in_win & inelig, in_win & (rng.random(L) < 0.04), in_win & late_po],
        [
            _REASON["inventory_sync"],
            _REASON["other"],
            _REASON["policy_exception"],
            _REASON["other"],
            _REASON["supplier_delay"],
        ],
        _REASON["inbound_shortage"],
    )
    reason = np.where(bo & (rng.random(L) >= _P_NO_REASON), reason, -1)

    # the eta known when promising: the PO's, or a revised one once it has passed
    known_eta = np.maximum(eta, b_day + rng.integers(2, 6, L))
    buffer = np.where(rng.random(L) < _P_NO_BUFFER, rng.integers(0, 2, L), rng.integers(3, 6, L))
    supplier_eta = np.where(in_win, known_eta, -1)
    t_day = w.clock.local_day(t_ord)
    promised = np.select([in_win, is_sync, is_misc], [known_eta + buffer, t_day + 2, b_day + 3], -1)
    promised = np.where(bo & (rng.random(L) < _P_NO_PROMISE), -1, promised)

    # when a backordered line is ready to ship
    passed_over = rng.random(L) < _P_PASSED_OVER
    after_receipt = np.where(
        passed_over,
        _uniform(rng, 3 * DAY // 2, 5 * DAY, L),
        _uniform(rng, DAY // 5, 3 * DAY // 2, L),
    )
    substitute = in_win & (rng.random(L) < _P_SUBSTITUTE)
    ready_bo = np.select(
        [substitute, in_win, is_sync],
        [
            b_at + _uniform(rng, DAY, 4 * DAY, L),
            recv + after_receipt,
            b_at + _uniform(rng, 2 * DAY, 8 * DAY, L),
        ],
        b_at + _uniform(rng, DAY, 5 * DAY, L),
    )
    sub_sku = (sku + rng.integers(1, 40, L)) % w.n_sku
    same_family = w.family[sub_sku] == w.family[sku]
    sub_sku = np.where(
        same_family,
        sub_sku,
        np.where(
            w.family[(sku + 1) % w.n_sku] == w.family[sku], (sku + 1) % w.n_sku, (sku - 1) % w.n_sku
        ),
    )
    sub_sku = np.where(substitute, sub_sku, -1)

    # patience: the longer the wait, the likelier the cancel
    patience = (_CANCEL_SCALE_DAYS * DAY * rng.weibull(1.6, L)).astype(np.int64)
    bo_cancel = bo & ~substitute & (b_at + patience < ready_bo)
    bo_reason = rng.choice(
        [_CANCEL["backorder_delay"], _CANCEL["customer_request"], _CANCEL["unavailable"]],
        L,
        p=(0.74, 0.18, 0.08),
    )
    o_cancel = rng.random(n) < _P_ORDER_CANCEL
    o_cancel_at = t + _uniform(rng, HOUR // 3, 8 * HOUR, n)
    o_reason = np.where(rng.random(n) < 0.4, _CANCEL["fraud"], _CANCEL["customer_request"])
    cancel = np.where(o_cancel[ol], o_cancel_at[ol], np.where(bo_cancel, b_at + patience, NEVER))
    cancel_reason = np.where(o_cancel[ol], o_reason[ol], np.where(bo_cancel, bo_reason, -1))

    # a backorder filled before the order's first parcel leaves goes with it
    together = bo & (ready_bo <= handle[ol])
    ready = np.where(bo & ~together, ready_bo, handle[ol])
    # hold_complete: everything ships when the last line is resolved
    resolved = np.where(cancel < NEVER, cancel + DAY // 4, ready)
    last = np.maximum.reduceat(resolved, starts)
    hold = ~split[ol]
    ship = np.where(hold, last[ol], ready)
    canceled = cancel <= w.t_end
    shipped = (cancel == NEVER) & (ship <= w.t_end)
    order_promise = np.maximum.reduceat(np.where(bo, promised, -1), starts)
    promised = np.where(hold & ~bo & (order_promise[ol] >= 0), order_promise[ol], promised)
    group = np.where(hold | ~bo | together, 0, line_no)

    # status label and review date of backordered lines
    wait_days = (
        np.minimum(np.where(shipped, ship, np.where(canceled, cancel, w.t_end)), w.t_end) - b_at
    ) / DAY
    in_stock_lines = np.add.reduceat((~bo).astype(np.int64), starts) > 0
    label = np.select(
        [
            substitute,
            ~hold & in_stock_lines[ol] & (rng.random(L) < 0.7),
            is_sync | (reason < 0),
            wait_days > 21,
            rng.random(L) < 0.55,
        ],
        [
            _LABEL["substitution_offered"],
            _LABEL["split_approved"],
            _LABEL["awaiting_inbound_confirmation"],
            _LABEL["escalation_required"],
            _LABEL["customer_notified"],
        ],
        _LABEL["backordered_eta"],
    )
    label = np.where(bo, label, -1)
    review = np.where(promised >= 0, np.minimum(promised - 1, b_day + 7), b_day + 7)
    review = np.where(bo, np.maximum(review, b_day + 1), -1)

    return {
        "n": n,
        "o": oi[ol],
        "ol": ol,
        "starts": starts,
        "line_no": line_no,
        "t_ord": t_ord,
        "sku": sku,
        "qty": qty,
        "unit_price": unit_price,
        "channel": chl,
        "customer": cust[ol],
        "channel_o": ch,
        "bo": bo,
        "bo_qty": bo_qty,
        "b_at": b_at,
        "reason": reason,
        "promised": promised,
        "supplier_eta": supplier_eta,
        "shipped_at": np.where(shipped, ship, -1),
        "canceled_at": np.where(canceled, cancel, -1),
        "cancel_at_all": cancel,
        "cancel_reason": np.where(canceled, cancel_reason, -1),
        "sub_sku": sub_sku,
        "label": label,
        "review": review,
        "split": split[ol],
        "group": group,
        "t_order": t,
        "wholesale": ch == 2,
    }


def _chunk_shipments(w: _World, ci: int, c: dict) -> tuple[np.ndarray, pl.DataFrame]:
    """Shipments of the chunk, and the shipment number of every line (0 = none)."""
    rng = np.random.default_rng([w.seed, 2, ci])
    s = np.flatnonzero(c["shipped_at"] >= 0)
    order = s[np.lexsort((c["group"][s], c["ol"][s]))]
    key = c["ol"][order] * 10_000 + c["group"][order]
    new = np.empty(order.size, dtype=bool)
    new[:1] = True
    new[1:] = key[1:] != key[:-1]
    first = np.flatnonzero(new)
    shipped_at = np.maximum.reduceat(c["shipped_at"][order], first) if first.size else first
    units = np.add.reduceat(c["qty"][order], first) if first.size else first
    o_local = c["ol"][order][first]
    ch = c["channel_o"][o_local]
    m = first.size
    shipping = (
        rng.uniform(4.9, 8.9, m) + 0.55 * np.minimum(units, 40) + np.where(ch == 2, 12.0, 0.0)
    )
    handling = 1.25 + 0.35 * np.minimum(units, 12) + rng.uniform(0, 0.5, m)
    u = rng.random(m)
    carrier = np.zeros(m, dtype=np.int64)
    for chan, p in _CARRIER_P.items():
        carrier = np.where(ch == chan, np.searchsorted(np.cumsum(p), u, side="right"), carrier)
    number = c["group"][order][first] + 1
    df = pl.DataFrame(
        {
            "o": c["o"][order][first],
            "number": number,
            "shipped_at": shipped_at,
            "shipping_cost": np.round(shipping, 2),
            "handling_cost": np.round(handling, 2),
            "carrier": np.minimum(carrier, len(_CARRIERS) - 1),
        }
    )
    line_number = np.zeros(c["o"].size, dtype=np.int64)
    line_number[s] = c["group"][s] + 1
    return line_number, df


def _chunk_notices(w: _World, ci: int, c: dict) -> pl.DataFrame:
    """Notices per backordered order, driven by its first backordered line."""
    rng = np.random.default_rng([w.seed, 3, ci])
    bo = c["bo"]
    cs = np.cumsum(bo)
    before = np.concatenate([[0], cs])[c["starts"]]
    p = np.flatnonzero(bo & (cs - before[c["ol"]] == 1))
    m = p.size
    o = c["o"][p]
    b = c["b_at"][p]
    res = np.where(c["shipped_at"][p] >= 0, c["shipped_at"][p], c["cancel_at_all"][p])
    stop = np.minimum(res, w.t_end)
    day = w.clock.local_day
    rows_o, rows_t, rows_k, rows_n = [], [], [], []

    def add(mask, sent, kind, nub):
        # messages about the wait stop at the resolution; all stop at the export
        limit = w.t_end if kind in (_KIND["shipped"], _KIND["apology"]) else stop
        keep = mask & (sent <= limit)
        rows_o.append(o[keep])
        rows_t.append(sent[keep])
        rows_k.append(np.full(int(keep.sum()), kind))
        rows_n.append(nub[keep] if nub is not None else np.full(int(keep.sum()), -1))

    delay = np.where(
        rng.random(m) < 0.1,
        _uniform(rng, DAY, 3 * DAY, m),
        (rng.exponential(7 * HOUR, m)).astype(np.int64),
    )
    s0 = b + delay
    add(np.ones(m, dtype=bool), s0, _KIND["backorder_notice"], day(s0) + 7)
    notified = s0 <= stop
    silent = rng.random(m) < _P_SILENT
    # weekly eta updates until resolved or the export
    n_up = np.where(notified & ~silent, np.clip((stop - s0) // (7 * DAY), 0, 60), 0)
    rep = np.repeat(np.arange(m), n_up)
    k = _rank_within(rep)
    sent = s0[rep] + k * 7 * DAY - _uniform(rng, 0, DAY, rep.size)
    keep = sent <= stop[rep]
    rows_o.append(o[rep][keep])
    rows_t.append(sent[keep])
    rows_k.append(np.full(int(keep.sum()), _KIND["eta_update"]))
    rows_n.append(day(sent[keep]) + 7)
    # the way out once the wait nears the statutory 30 days
    offer = c["t_ord"][p] + _uniform(rng, 25 * DAY, 29 * DAY, m)
    add(
        notified & ~silent & (rng.random(m) >= _P_NO_OFFER),
        offer,
        _KIND["options_offer"],
        day(offer) + 7,
    )
    shipped = c["shipped_at"][p]
    sent_ship = shipped + _uniform(rng, HOUR // 2, 3 * HOUR, m)
    add(shipped >= 0, sent_ship, _KIND["shipped"], None)
    late = (shipped >= 0) & (c["promised"][p] >= 0) & (day(shipped) > c["promised"][p])
    add(late & (rng.random(m) < 0.4), sent_ship + HOUR, _KIND["apology"], None)

    df = pl.DataFrame(
        {
            "o": np.concatenate(rows_o),
            "sent_at": np.concatenate(rows_t),
            "kind": np.concatenate(rows_k),
            "next_update_by": np.concatenate(rows_n),
        }
    ).sort("o", "sent_at", "kind")
    return df.with_columns(k=pl.Series(_rank_within(df["o"].to_numpy())))


def _chunk_contacts(w: _World, ci: int, c: dict) -> pl.DataFrame:
    """Support contacts: wismo rises with the wait; a few on orders without backorders."""
    rng = np.random.default_rng([w.seed, 4, ci])
    n = c["n"]
    starts = c["starts"]
    has_bo = np.maximum.reduceat(c["bo"].astype(np.int64), starts) > 0
    big = np.int64(2**62)
    b_first = np.minimum.reduceat(np.where(c["bo"], c["b_at"], big), starts)
    res_line = np.where(
        c["shipped_at"] >= 0,
        c["shipped_at"],
        np.where(c["canceled_at"] >= 0, c["canceled_at"], w.t_end),
    )
    res_last = np.maximum.reduceat(np.where(c["bo"], res_line, 0), starts)
    wait = np.where(has_bo, np.maximum(res_last - b_first, 0), 0)
    wait_days = wait / DAY
    lam = np.where(has_bo, 0.08 + 0.04 * wait_days, 0.0)
    n_w = np.minimum(rng.poisson(lam), 8)
    n_c = np.where(has_bo, np.minimum(rng.poisson(0.006 * wait_days), 3), 0)
    n_base = np.where(has_bo, 0, rng.poisson(0.04, n))
    t_order = c["t_order"]
    parts = []
    for count, topic in ((n_w, "wismo"), (n_c, "complaint")):
        r = np.repeat(np.arange(n), count)
        at = b_first[r] + (wait[r] * rng.uniform(0.1, 1.0, r.size)).astype(np.int64)
        parts.append((r, at, np.full(r.size, _TOPIC[topic])))
    # a cancel request before a backorder is canceled by the customer
    cr = np.flatnonzero(
        c["bo"]
        & (c["canceled_at"] >= 0)
        & np.isin(c["cancel_reason"], [_CANCEL["backorder_delay"], _CANCEL["customer_request"]])
    )
    cr = cr[rng.random(cr.size) < 0.5]
    at = np.maximum(c["canceled_at"][cr] - _uniform(rng, HOUR, 24 * HOUR, cr.size), c["b_at"][cr])
    parts.append((c["ol"][cr], at, np.full(cr.size, _TOPIC["cancel_request"])))
    r = np.repeat(np.arange(n), n_base)
    at = t_order[r] + _uniform(rng, DAY // 5, 6 * DAY, r.size)
    topic = rng.choice(4, r.size, p=(0.5, 0.1, 0.1, 0.3))
    parts.append((r, at, topic))
    ol = np.concatenate([x[0] for x in parts])
    at = np.concatenate([x[1] for x in parts])
    top = np.concatenate([x[2] for x in parts])
    keep = at <= w.t_end
    df = pl.DataFrame({"o": c["o"][starts][ol[keep]], "created_at": at[keep], "topic": top[keep]})
    df = df.sort("o", "created_at", "topic")
    return df.with_columns(k=pl.Series(_rank_within(df["o"].to_numpy())))


# ---------------------------------------------------------------------------------------------
# formatting


def _ts(name: str) -> pl.Expr:
    col = pl.col(name)
    return pl.when(col >= 0).then(pl.from_epoch(col, time_unit="s")).alias(name)


def _date(name: str) -> pl.Expr:
    col = pl.col(name)
    return pl.when(col >= 0).then(col.cast(pl.Int32).cast(pl.Date)).alias(name)


def _pick(name: str, values) -> pl.Expr:
    """Index column -> its text value; -1 -> null."""
    col = pl.col(name)
    text = pl.lit(pl.Series(list(values), dtype=pl.String))
    return pl.when(col >= 0).then(text.gather(col.clip(0))).alias(name)


def _code(name: str, table: str, column: str | None = None) -> pl.Expr:
    return _pick(name, CODES[(table, column or name)])


def _order_id(col: str = "o") -> pl.Expr:
    return pl.format("#{}", pl.col(col) + _ORDER_BASE)


def _frames(w: _World, ci: int, c: dict, sku_names: list[str]) -> dict[str, pl.DataFrame]:
    line_ship, ships = _chunk_shipments(w, ci, c)
    notices = _chunk_notices(w, ci, c)
    contacts = _chunk_contacts(w, ci, c)
    lines = pl.DataFrame(
        {
            "o": c["o"],
            "line_id": c["line_no"],
            "ordered_at": c["t_ord"],
            "sku_i": c["sku"],
            "qty": c["qty"],
            "unit_price": c["unit_price"],
            "channel": c["channel"],
            "customer": c["customer"],
            "wholesale": c["channel"] == 2,
            "backordered_qty": c["bo_qty"],
            "backordered_at": c["b_at"],
            "backorder_reason": c["reason"],
            "promised_ship_date": c["promised"],
            "supplier_eta": c["supplier_eta"],
            "shipped_at": c["shipped_at"],
            "ship_no": line_ship,
            "canceled_at": c["canceled_at"],
            "cancel_reason": c["cancel_reason"],
            "sub_i": c["sub_sku"],
            "status_label": c["label"],
            "next_review_at": c["review"],
            "split": c["split"],
        }
    )
    lines = lines.select(
        order_id=_order_id(),
        line_id=pl.col("line_id").cast(pl.String),
        ordered_at=_ts("ordered_at"),
        sku=_pick("sku_i", sku_names),
        qty=pl.col("qty"),
        unit_price=pl.col("unit_price"),
        channel=_pick("channel", CHANNELS),
        customer_id=pl.when(pl.col("wholesale"))
        .then(pl.format("W{}", pl.col("customer") + 1001))
        .otherwise(pl.format("C{}", pl.col("customer"))),
        backordered_qty=pl.col("backordered_qty"),
        backordered_at=_ts("backordered_at"),
        backorder_reason=_code("backorder_reason", "order_lines"),
        promised_ship_date=_date("promised_ship_date"),
        supplier_eta=_date("supplier_eta"),
        shipped_at=_ts("shipped_at"),
        shipment_id=pl.when(pl.col("ship_no") > 0).then(
            pl.format("SH{}-{}", pl.col("o") + _ORDER_BASE, pl.col("ship_no"))
        ),
        canceled_at=_ts("canceled_at"),
        cancel_reason=_code("cancel_reason", "order_lines"),
        substituted_sku=_pick("sub_i", sku_names),
        status_label=_code("status_label", "order_lines"),
        next_review_at=_date("next_review_at"),
        ship_policy=pl.when(pl.col("split"))
        .then(pl.lit("split"))
        .otherwise(pl.lit("hold_complete")),
    )
    shipments = ships.select(
        shipment_id=pl.format("SH{}-{}", pl.col("o") + _ORDER_BASE, pl.col("number")),
        order_id=_order_id(),
        shipped_at=_ts("shipped_at"),
        shipping_cost=pl.col("shipping_cost"),
        handling_cost=pl.col("handling_cost"),
        carrier=_pick("carrier", _CARRIERS),
    )
    notices = notices.select(
        notice_id=pl.format("N{}-{}", pl.col("o") + _ORDER_BASE, pl.col("k")),
        order_id=_order_id(),
        sent_at=_ts("sent_at"),
        kind=_code("kind", "notices"),
        next_update_by=_date("next_update_by"),
    )
    contacts = contacts.select(
        contact_id=pl.format("T{}-{}", pl.col("o") + _ORDER_BASE, pl.col("k")),
        order_id=_order_id(),
        created_at=_ts("created_at"),
        topic=_code("topic", "contacts"),
    )
    return {"order_lines": lines, "shipments": shipments, "notices": notices, "contacts": contacts}


def _write(df: pl.DataFrame, fh, header: bool) -> None:
    df.write_csv(
        fh,
        include_header=header,
        datetime_format=_TS_FORMAT,
        date_format="%Y-%m-%d",
        float_precision=2,
    )


def generate(
    out_dir: Path,
    orders: int = 20_000,
    seed: int = 7,
    end: date = date(2026, 11, 22),
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Path]:
    """Write the demo year as one CSV per canonical table; return {table: path}."""
    if orders < 1:
        raise ValueError("orders must be >= 1")
    if end.weekday() != 6:
        raise ValueError(f"end must be a Sunday, got {end:%A} {end}")
    report = progress or (lambda fraction, message: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"{name}.csv" for name in TABLES}

    report(0.0, "building catalog and purchase orders")
    world, skus, inbound = _build_world(orders, seed, end)
    for name, df in (("skus", skus), ("inbound", inbound)):
        with paths[name].open("wb") as fh:
            _write(df.select(TABLES[name].column_names), fh, header=True)

    sku_names = skus["sku"].to_list()
    chunked = ("order_lines", "shipments", "notices", "contacts")
    handles = {name: paths[name].open("wb") for name in chunked}
    try:
        n_chunks = -(-orders // CHUNK_ORDERS)
        for ci in range(n_chunks):
            o0, o1 = ci * CHUNK_ORDERS, min(orders, (ci + 1) * CHUNK_ORDERS)
            c = _chunk_lines(world, ci, o0, o1)
            for name, df in _frames(world, ci, c, sku_names).items():
                _write(df.select(TABLES[name].column_names), handles[name], header=ci == 0)
            report((ci + 1) / n_chunks, f"orders {o1:,} of {orders:,}")
    finally:
        for fh in handles.values():
            fh.close()
    return paths
