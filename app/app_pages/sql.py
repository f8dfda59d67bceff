"""SQL: read-only ad-hoc queries over the published marts, with a schema browser from the dbt docs.

Every statement goes through `burnrate.sqlguard` (the same guard as `burnrate sql`): refused unless it
only reads, run on a locked-down read-only connection with a row limit and a timeout.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import charts
from app.chrome import context, csv_button
from app.data import schema
from burnrate import sqlguard, warehouse
from burnrate.errors import BurnrateError

EXAMPLE = """select team_id, sum(effective_cost) as spend, count(*) as requests
from fct_llm_requests
group by team_id
order by spend desc"""

view = context()
st.title("SQL")
if view.snap is None:
    charts.empty("No warehouse snapshot is published yet: run `burnrate run` (or `burnrate demo`).")
else:
    cfg = view.cfg
    browse, editor = st.columns([1, 2])
    with browse:
        st.subheader("Tables")
        tables = schema.tables(view.snap)
        for row in tables.iter_rows(named=True):
            with st.expander(f"{row['schema_name']}.{row['table_name']} · {row['rows']:,} rows"):
                if row["description"]:
                    st.caption(row["description"])
                cols = schema.columns(view.snap, row["schema_name"], row["table_name"])
                st.dataframe(
                    cols,
                    hide_index=True,
                    column_config={"description": st.column_config.TextColumn(width="large")},
                )
    with editor:
        text = st.text_area(
            "Query",
            value=view.page.get("q") or EXAMPLE,
            height=220,
            key="sql_text",
            help="read-only: SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN",
        )
        run = st.button("Run", type="primary", icon=":material/play_arrow:")
        st.caption(
            f"At most {cfg.serve.row_limit:,} rows, {cfg.serve.query_timeout_seconds:g} s. "
            "Unqualified names resolve in marts, then alerts."
        )
        if run or view.page.get("q"):
            if text != view.page.get("q"):
                view.set(q=text)
            try:
                with warehouse.reader(cfg) as con:
                    sqlguard.lock_down(con)
                    result = sqlguard.run(
                        con, text, row_limit=cfg.serve.row_limit, timeout=cfg.serve.query_timeout_seconds
                    )
            except sqlguard.Refused as exc:
                st.error(f"Refused: {exc}")
            except BurnrateError as exc:
                st.error(str(exc))
            else:
                frame: pl.DataFrame = result.frame
                note = " (row limit reached: more rows exist)" if result.truncated else ""
                st.caption(f"{frame.height:,} rows in {result.seconds * 1000:,.0f} ms{note}")
                st.dataframe(frame, hide_index=True)
                csv_button(frame, "query", "csv_query")
