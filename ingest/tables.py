"""Every raw table, created empty when no ingest has written it yet.

The dbt staging views select from the raw tables, so a warehouse that has only some sources loaded (or none:
a first `burnrate build`) still has to have all of them. `burnrate build` calls `ensure_raw_tables` before dbt
runs; the DDL is the ingest modules' own (their `TableSpec`s), so a table created here is the same table an
ingest creates.
"""

from __future__ import annotations

import duckdb

from ingest import billing, billing_load, dcgm_samples, landing
from ingest.helicone import REQUESTS
from ingest.langfuse import OBSERVATIONS, TRACES_SPEC

SPECS = (OBSERVATIONS, TRACES_SPEC, REQUESTS)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    landing.ensure_meta(con)  # creates schemas raw and meta
    for spec in SPECS:
        con.execute(spec.ddl())
    dcgm_samples.ensure_table(con)
    for module in billing.FORMATS.values():
        billing_load.ensure_table(con, module.LAYOUT)
