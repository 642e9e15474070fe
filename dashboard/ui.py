"""The one module that touches streamlit: cached connection and cached figures.

Pages call these; they never run SQL or reshape data themselves.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from dashboard import settings, store


def db() -> Path:
    return store.db_path().resolve()


@st.cache_resource(max_entries=2)
def _connection(path: str, version: tuple[int, int] | None) -> duckdb.DuckDBPyConnection:
    return store.connect(Path(path))


def connection() -> duckdb.DuckDBPyConnection:
    """A cursor on the current version of the database; a landed import gives a new one."""
    path = db()
    return _connection(str(path), store.version(path)).cursor()


def data_version() -> tuple[int, int] | None:
    return store.version(db())


@st.cache_data(max_entries=256, show_spinner=False)
def _loaded(path: str, version) -> pl.DataFrame:
    with store.connect(Path(path)) as con:
        return con.execute(
            """
            select 'order_lines' as table_name, count(*) as rows,
                   min(ordered_date) as first_day, max(ordered_date) as last_day
            from order_lines
            union all select 'shipments', count(*), min(shipped_date), max(shipped_date) from shipments
            union all select 'inbound', count(*), min(created_date), max(received_date) from inbound
            union all select 'contacts', count(*), min(created_date), max(created_date) from contacts
            union all select 'notices', count(*), min(sent_date), max(sent_date) from notices
            union all select 'skus', count(*), null, null from skus
            """
        ).pl()


def loaded_tables() -> pl.DataFrame:
    return _loaded(str(db()), data_version())


def current_settings():
    return settings.load(db())
