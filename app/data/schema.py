"""The SQL page's schema browser: every published table and column, with its type and its dbt description.

Types come from the snapshot's `information_schema`; descriptions from `docs.tables` / `docs.columns`,
the data dictionary `burnrate build` writes from dbt's manifest (absent in older snapshots: types only).
"""

from __future__ import annotations

import polars as pl

from app.data.core import Snapshot, query


def tables(snap: Snapshot) -> pl.DataFrame:
    """Published tables (marts and alerts) with their description and row count estimate."""
    docs = snap.has("docs.tables")
    description = "d.description" if docs else "null"
    join = (
        "left join docs.tables d on d.schema_name = t.schema_name and d.table_name = t.table_name"
        if docs
        else ""
    )
    return query(
        snap,
        f"""select t.schema_name, t.table_name, t.estimated_size as rows, {description} as description
        from duckdb_tables() t {join}
        where t.schema_name in ('marts', 'alerts') order by 1, 2""",
    )


def columns(snap: Snapshot, schema_name: str, table_name: str) -> pl.DataFrame:
    """One table's columns: name, type, description."""
    docs = snap.has("docs.columns")
    description = "d.description" if docs else "null"
    join = (
        "left join docs.columns d on d.schema_name = c.table_schema and d.table_name = c.table_name "
        "and d.column_name = c.column_name"
        if docs
        else ""
    )
    return query(
        snap,
        f"""select c.column_name, c.data_type, {description} as description
        from information_schema.columns c {join}
        where c.table_schema = ? and c.table_name = ? order by c.ordinal_position""",
        [schema_name, table_name],
    )
