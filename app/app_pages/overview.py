"""Overview: spend and forecast vs budget, trend by source, top movers, allocation coverage, open anomalies."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import charts
from app.chrome import context, link_params, ready
from app.data import anomalies, finance, spend

view = context()
st.title("Overview")
if ready(view):
    snap, f, cur, start, end = view.snap, view.filters, view.cur, view.start, view.end
    source = spend.spend_source(snap, f)
    if source.note:
        st.caption(source.note)
    totals = spend.summary(snap, f, start, end)
    budgets = finance.budgets(snap, f, view.as_of) if snap.has("fct_budget_status") else None
    found = anomalies.anomalies(snap, f, start, end) if snap.has("alerts.anomalies") else None

    k1, k2, k3, k4 = st.columns(4)
    change = None
    if totals["previous_spend"]:
        change = (totals["spend"] or 0) / totals["previous_spend"] - 1
    k1.metric(
        "Spend in period",
        cur(totals["spend"]),
        charts.signed_pct(change),
        delta_color="inverse",
        help="vs the previous period of the same length",
    )
    if budgets is not None and budgets.height:
        current = budgets.filter(pl.col("period_start") <= view.as_of)
        scope = current.filter(pl.col("scope_type") == "global")
        scope = scope if scope.height else current
        amount, to_date, forecast = (
            scope["amount"].sum(),
            scope["spend_to_date"].sum(),
            scope["forecast_spend"].sum(),
        )
        k2.metric(
            "Budget used",
            charts.pct(to_date / amount if amount else None),
            help=f"{cur(to_date)} of {cur(amount)} across {scope.height} budget(s), current period",
        )
        k3.metric(
            "Forecast at period end",
            cur(forecast),
            charts.signed_pct(forecast / amount - 1 if amount else None),
            delta_color="inverse",
            help="seasonality-aware forecast from fct_budget_status, vs budget",
        )
    else:
        k2.metric("Budget used", "–", help="fct_budget_status is not built yet: run `burnrate build`")
        k3.metric(
            "Forecast at period end", "–", help="fct_budget_status is not built yet: run `burnrate build`"
        )
    k4.metric(
        "Allocated to a team",
        charts.pct(totals["team_coverage"], 1),
        help=f"{charts.pct(totals['feature_coverage'], 1)} allocated to a feature",
    )

    left, right = st.columns([3, 2])
    with left:
        st.subheader("Spend by source")
        daily = spend.daily_by(snap, f, start, end, "spend_category").with_columns(
            pl.col("key").replace(spend.CATEGORY_LABELS)
        )
        if daily.height:
            st.plotly_chart(
                charts.stacked_area(daily, "charge_date", "spend", "key", cur, charts.SOURCE_COLOURS)
            )
        else:
            charts.empty("No spend in this period for these filters.")
    with right:
        st.subheader("Allocation coverage")
        cov = spend.coverage(snap, f, start, end).with_columns(
            source=pl.col("spend_category").replace(spend.CATEGORY_LABELS),
            team=1 - pl.col("unattributed_team") / pl.col("spend"),
            feature=1 - pl.col("unattributed_feature") / pl.col("spend"),
        )
        st.dataframe(
            cov.select("source", "spend", "unattributed_team", "team", "feature"),
            hide_index=True,
            column_config={
                "spend": cur.column("Spend"),
                "unattributed_team": cur.column("Unattributed"),
                "team": st.column_config.ProgressColumn(
                    "To a team", format="percent", min_value=0, max_value=1
                ),
                "feature": st.column_config.NumberColumn("To a feature", format="percent"),
            },
        )
        st.page_link(
            "app_pages/explore.py",
            label="Unattributed spend in Explore",
            icon=":material/help:",
            query_params=link_params(view, f.with_dim("team", ["unattributed"])),
        )

    left, right = st.columns(2)
    with left:
        st.subheader("Top movers, week over week")
        st.caption(f"Last 7 days to {view.as_of:%d %b} vs the 7 days before")
        movers = spend.movers(snap, f, view.as_of)
        for row in movers.iter_rows(named=True):
            arrow = ":red[▲]" if row["change"] > 0 else ":green[▼]"
            pct = charts.signed_pct(row["change_pct"]) or "new"
            st.page_link(
                "app_pages/explore.py",
                label=f"{arrow} {row['dim']} **{view.label(row['dim'], row['value'])}**: "
                f"{cur(row['change'])} ({pct}) → {cur(row['this_week'])} this week",
                query_params=link_params(view, f.with_dim(row["dim"], [row["value"]])),
            )
    with right:
        st.subheader("Anomalies in period")
        if found is None:
            charts.empty("`alerts.anomalies` is not built yet: run `burnrate detect`.")
        elif found.height == 0:
            st.success("No anomalies detected in this period.")
        else:
            st.metric(
                "Impact of anomalies",
                cur(found["impact_usd"].sum()),
                f"{found.height} anomalies",
                delta_color="off",
            )
            for row in found.sort("impact_usd", descending=True).head(6).iter_rows(named=True):
                st.page_link(
                    "app_pages/anomalies.py",
                    label=f"**{row['severity']}** {row['pattern']} on {row['scope_type']} {row['scope_value']}: "
                    f"{cur(row['impact_usd'])} ({row['window_start']:%d %b %H:%M})",
                    query_params=link_params(view, anomaly=row["anomaly_id"]),
                )

    if budgets is not None and budgets.height:
        st.subheader("Budgets")
        for row in budgets.head(8).iter_rows(named=True):
            c1, c2 = st.columns([1, 3])
            c1.page_link(
                "app_pages/budgets.py",
                label=row["budget_name"] or row["budget_id"],
                query_params=link_params(view, budget=row["budget_id"]),
            )
            c2.markdown(charts.progress_bar(row["pct_used"], row["tier_reached"]), unsafe_allow_html=True)
            c2.caption(
                f"{cur(row['spend_to_date'])} of {cur(row['amount'])} ({(row['pct_used'] or 0):.0f} %), "
                f"forecast {cur(row['forecast_spend'])}"
            )
