"""The data dictionary inside the warehouse: dbt's descriptions as tables readers can query.

`burnrate build` calls `write(con)` after a successful `dbt build`: it reads `target/manifest.json` and
replaces `docs.tables` (one row per model or seed: schema, name, description — a mart's description
starts with its grain) and `docs.columns` (one row per documented column). Schema `docs` is published
with the marts, so the dashboard's schema browser and `burnrate sql` users see the same dictionary as
`dbt docs`, without access to the dbt project.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import polars as pl

log = logging.getLogger(__name__)


def manifest_rows(manifest_path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(tables, columns) frames from a dbt manifest: models and seeds with their descriptions."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tables, columns = [], []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") not in {"model", "seed"}:
            continue
        schema, name = node.get("schema", ""), node.get("alias") or node.get("name", "")
        tables.append(
            {
                "schema_name": schema,
                "table_name": name,
                "resource_type": node["resource_type"],
                "description": (node.get("description") or "").strip(),
            }
        )
        for column in node.get("columns", {}).values():
            columns.append(
                {
                    "schema_name": schema,
                    "table_name": name,
                    "column_name": column.get("name", ""),
                    "description": (column.get("description") or "").strip(),
                }
            )
    table_schema = {
        "schema_name": pl.String,
        "table_name": pl.String,
        "resource_type": pl.String,
        "description": pl.String,
    }
    column_schema = {
        "schema_name": pl.String,
        "table_name": pl.String,
        "column_name": pl.String,
        "description": pl.String,
    }
    return pl.DataFrame(tables, schema=table_schema), pl.DataFrame(columns, schema=column_schema)


def write(con: duckdb.DuckDBPyConnection, manifest_path: Path) -> int:
    """Replace `docs.tables` and `docs.columns` from the manifest; returns the number of tables documented."""
    if not manifest_path.is_file():
        log.warning("no dbt manifest at %s: the data dictionary (schema docs) is not updated", manifest_path)
        return 0
    tables, columns = manifest_rows(manifest_path)
    con.execute("CREATE SCHEMA IF NOT EXISTS docs")
    con.register("_doc_tables", tables.to_arrow())
    con.register("_doc_columns", columns.to_arrow())
    try:
        con.execute("CREATE OR REPLACE TABLE docs.tables AS SELECT * FROM _doc_tables ORDER BY 1, 2")
        con.execute("CREATE OR REPLACE TABLE docs.columns AS SELECT * FROM _doc_columns ORDER BY 1, 2, 3")
    finally:
        con.unregister("_doc_tables")
        con.unregister("_doc_columns")
    return tables.height
