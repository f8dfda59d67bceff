"""Budgets: each budget's progress in its tier colour, the forecast line and the projected breach date."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from app import charts
from app.chrome import context, csv_button, ready
from app.data import finance


def budget_chart(daily: pl.DataFrame, row: dict, cur: charts.Currency) -> go.Figure:
    """Cumulative spend (solid), forecast to period end (dashed), the budget and its tier lines."""
    data = cur.scale(daily, ["cumulative_actual", "cumulative_forecast"])
    fig = go.Figure()
    fig.add_scatter(
        x=data["charge_date"],
        y=data["cumulative_forecast"],
        name="Forecast",
        line={"dash": "dash", "color": "#9e9e9e"},
    )
    fig.add_scatter(
        x=data["charge_date"],
        y=data["cumulative_actual"],
        name="Spend to date",
        line={"color": "#5c6bc0", "width": 3},
    )
    amount = (row["amount"] or 0) * cur.rate
    for tier in ("warning", "critical", "emergency"):
        level = row.get(f"{tier}_pct")
        if level:
            fig.add_hline(
                y=amount * level / 100,
                line={"color": charts.TIER_COLOURS[tier], "dash": "dot", "width": 1},
                annotation_text=f"{tier} {level:.0f} %",
                annotation_position="top left",
            )
    if row.get("projected_breach_date"):
        fig.add_vline(x=row["projected_breach_date"], line={"color": charts.TIER_COLOURS["emergency"]})
        fig.add_annotation(
            x=row["projected_breach_date"],
            y=amount,
            text=f"breach {row['projected_breach_date']:%d %b}",
            showarrow=False,
            yshift=12,
        )
    fig.update_traces(hovertemplate=f"%{{fullData.name}}: {cur.symbol}%{{y:,.2f}}<extra></extra>")
    return charts.layout(fig, cur)


view = context()
st.title("Budgets")
if ready(view, "fct_budget_status"):
    snap, cur = view.snap, view.cur
    budgets = finance.budgets(snap, view.filters, view.as_of)
    if budgets.height == 0:
        charts.empty(
            "No budgets for these filters: budgets are data in `seeds/budgets.csv` (then `burnrate build`)."
        )
    else:
        ids = budgets["budget_id"].to_list()
        chosen = view.page.get("budget") if view.page.get("budget") in ids else None
        for row in budgets.iter_rows(named=True):
            c1, c2, c3 = st.columns([2, 4, 2])
            label = f"{row['budget_name'] or row['budget_id']}"
            c1.button(
                label,
                key=f"b_{row['budget_id']}",
                type="primary" if row["budget_id"] == chosen else "tertiary",
                on_click=view.set,
                kwargs={"budget": row["budget_id"]},
            )
            c1.caption(
                f"{row['scope_type']} {row['scope_value'] or ''} · {row['period_type']} from {row['period_start']:%d %b}"
            )
            c2.markdown(charts.progress_bar(row["pct_used"], row["tier_reached"]), unsafe_allow_html=True)
            c2.caption(
                f"{cur(row['spend_to_date'])} of {cur(row['amount'])} · {(row['pct_used'] or 0):.0f} % · tier "
                f"**{row['tier_reached']}**"
            )
            breach = (
                f"breach {row['projected_breach_date']:%d %b}"
                if row["projected_breach_date"]
                else "no breach forecast"
            )
            c3.markdown(
                f"forecast {cur(row['forecast_spend'])} ({(row['forecast_pct'] or 0):.0f} %)  \n{breach}"
            )
        csv_button(budgets, f"budgets_{view.as_of}", "csv_budgets")
        chosen = chosen or ids[0]
        row = budgets.filter(pl.col("budget_id") == chosen).row(0, named=True)
        st.subheader(
            f"{row['budget_name'] or chosen}: {row['period_start']:%d %b} – {row['period_end']:%d %b %Y}"
        )
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(
            "Spend to date",
            cur(row["spend_to_date"]),
            f"{(row['pct_used'] or 0):.0f} % of {cur(row['amount'])}",
            delta_color="off",
        )
        m2.metric("Forecast", cur(row["forecast_spend"]), f"tier {row['forecast_tier']}", delta_color="off")
        m3.metric(
            "Projected breach",
            f"{row['projected_breach_date']:%d %b}" if row["projected_breach_date"] else "none",
        )
        if row.get("token_quota"):
            m4.metric(
                "Token quota", f"{(row['quota_pct'] or 0):.0f} %", f"{row['quota_tier']}", delta_color="off"
            )
        if snap.has("fct_budget_daily", ["budget_id", "charge_date", "actual_spend", "forecast_spend"]):
            daily = finance.budget_daily(snap, chosen, row["period_start"])
            if daily.height:
                st.plotly_chart(budget_chart(daily, row, cur), key="budget_chart")
        else:
            charts.empty(
                "`marts.fct_budget_daily` is not built yet (the daily forecast line): run `burnrate build`."
            )
        history = finance.budget_periods(snap, chosen)
        if history.height > 1:
            st.caption("Earlier periods")
            st.dataframe(
                history,
                hide_index=True,
                column_config={
                    "amount": cur.column("Budget"),
                    "spend_to_date": cur.column("Spend"),
                    "forecast_spend": cur.column("Forecast"),
                },
            )
