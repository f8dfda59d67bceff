"""Reconciliation: logged vs billed by provider and month, untracked spend, realized discount."""

from __future__ import annotations

import streamlit as st

from app import charts
from app.chrome import context, csv_button, ready
from app.data import finance

view = context()
st.title("Reconciliation")
st.caption(
    "What the request logs priced vs what the invoices billed: coverage, spend no log saw, discount realized."
)
if ready(view, "fct_reconciliation_monthly"):
    snap, f, cur, start, end = view.snap, view.filters, view.cur, view.start, view.end
    providers = finance.reconciliation_by_provider(snap, f, start, end)
    if providers.height == 0:
        charts.empty(
            "No billed AI usage in these months: ingest the cloud bills (`burnrate ingest billing`), then `burnrate build`."
        )
    else:
        billed, logged, untracked = (
            providers["billed_cost"].sum(),
            providers["logged_cost"].sum(),
            providers["untracked_cost"].sum(),
        )
        k1, k2, k3, k4 = st.columns(4)
        k1.metric("Billed", cur(billed))
        k2.metric("Logged (effective)", cur(logged))
        k3.metric(
            "Untracked",
            cur(untracked),
            charts.pct(untracked / billed if billed else None, 1) + " of billed",
            delta_color="off",
        )
        k4.metric("Gap billed − logged", cur(billed - logged))
        st.plotly_chart(
            charts.bars(
                providers.sort("billing_month"),
                "provider_name",
                ["logged_cost", "untracked_cost"],
                cur,
                names={"logged_cost": "Logged", "untracked_cost": "Untracked"},
            ),
            key="by_provider",
        )
        st.subheader("By provider and month")
        st.dataframe(
            providers,
            hide_index=True,
            column_config={
                "billing_month": st.column_config.DateColumn("Month", format="MMM YYYY"),
                "logged_cost": cur.column("Logged"),
                "billed_cost": cur.column("Billed"),
                "untracked_cost": cur.column("Untracked"),
                "gap": cur.column("Gap"),
                "token_coverage": st.column_config.ProgressColumn(
                    "Token coverage", format="percent", min_value=0, max_value=1
                ),
                "realized_discount": st.column_config.NumberColumn("Realized discount", format="percent"),
            },
        )
        csv_button(providers, f"reconciliation_by_provider_{start}_{end}", "csv_providers")
        if snap.has("fct_reconciliation_daily"):
            daily = finance.reconciliation_daily(snap, f, start, end)
            if daily.height:
                st.subheader("Daily")
                st.plotly_chart(
                    charts.bars(
                        daily,
                        "charge_date",
                        ["logged_cost", "untracked_cost"],
                        cur,
                        names={"logged_cost": "Logged", "untracked_cost": "Untracked"},
                    ),
                    key="daily",
                )
        st.subheader("By model")
        models = finance.reconciliation_monthly(snap, f, start, end)
        st.dataframe(
            models,
            hide_index=True,
            column_config={
                "billing_month": st.column_config.DateColumn("Month", format="MMM YYYY"),
                **{
                    c: cur.column(c.replace("_", " ").capitalize())
                    for c in models.columns
                    if c.endswith("cost")
                },
                "token_coverage": st.column_config.NumberColumn("Token coverage", format="percent"),
                "realized_discount": st.column_config.NumberColumn("Realized discount", format="percent"),
            },
        )
        csv_button(models, f"reconciliation_by_model_{start}_{end}", "csv_models")
