"""Efficiency: cost per request p50/p95/p99 by feature, caching, failures and retries, and a what-if:
move a feature to a cheaper model and see the monthly saving."""

from __future__ import annotations

import streamlit as st

from app import charts
from app.chrome import context, csv_button, ready
from app.data import efficiency

view = context()
st.title("Efficiency")
if ready(view, "fct_feature_efficiency_daily"):
    snap, f, cur, start, end = view.snap, view.filters, view.cur, view.start, view.end
    if any(f.values(d) for d in ("provider", "model", "env")):
        st.caption("Provider, model and environment filters do not apply here (the mart is feature × day).")
    table = efficiency.by_feature(snap, f, start, end)
    if table.height == 0:
        charts.empty("No requests in this period for these filters.")
    else:
        k1, k2, k3, k4 = st.columns(4)
        k1.metric("Cache savings", cur(table["cache_savings"].sum()))
        k2.metric("Spend on failed requests", cur(table["failed_request_cost"].sum()))
        k3.metric("Spend on retries", cur(table["retry_cost"].sum()))
        k4.metric(
            "Cost per successful request", cur(table["spend"].sum() / max(1, table["requests"].sum()), 4)
        )
        st.caption("Percentiles per feature are request-weighted means of the daily percentiles.")
        named = table.with_columns(
            table["feature_id"]
            .map_elements(lambda v: view.label("feature", v), return_dtype=str)
            .alias("feature")
        )
        st.dataframe(
            named.drop("feature_id").select(
                "feature", *[c for c in named.columns if c not in ("feature", "feature_id")]
            ),
            hide_index=True,
            column_config={
                "spend": cur.column("Spend"),
                "p50": cur.column("p50", 5),
                "p95": cur.column("p95", 5),
                "p99": cur.column("p99", 5),
                "cost_per_successful_request": cur.column("Per successful", 5),
                "cache_hit_rate": st.column_config.ProgressColumn(
                    "Cache hits", format="percent", min_value=0, max_value=1
                ),
                "cache_savings": cur.column("Cache savings"),
                "failure_rate": st.column_config.NumberColumn("Failures", format="percent"),
                "failed_request_cost": cur.column("On failures"),
                "retry_cost": cur.column("On retries"),
            },
        )
        csv_button(table, f"efficiency_{start}_{end}", "csv_efficiency")
        top = table["feature_id"].head(5).to_list()
        daily = efficiency.daily(snap, f, start, end, top)
        if daily.height:
            st.subheader("Daily p95 cost per request, top features")
            st.plotly_chart(charts.lines(daily, "request_date", "p95", "feature_id", cur), key="p95")

        st.subheader("What if a feature used another model?")
        features = table["feature_id"].to_list()
        chosen = view.page.get("feature_whatif")
        c1, c2 = st.columns(2)
        feature = c1.selectbox(
            "Feature",
            features,
            index=features.index(chosen) if chosen in features else 0,
            format_func=lambda v: view.label("feature", v),
            key="whatif_feature",
            on_change=lambda: view.set(feature_whatif=st.session_state.get("whatif_feature")),
        )
        models = efficiency.candidate_models(snap)
        keys = models["model_key"].to_list()
        wanted = view.page.get("target_model")
        target = c2.selectbox(
            "Move it to",
            keys,
            index=keys.index(wanted) if wanted in keys else 0,
            key="whatif_model",
            on_change=lambda: view.set(target_model=st.session_state.get("whatif_model")),
        )
        mix, result = efficiency.what_if(snap, feature, target, start, end)
        if result and result.get("requests"):
            saving = result["monthly_saving"]
            m1, m2, m3 = st.columns(3)
            m1.metric("Now, per month", cur(result["monthly_current"]))
            m2.metric(f"On {target}, per month", cur(result["monthly_target"]))
            m3.metric(
                "Monthly saving",
                cur(saving),
                charts.signed_pct(-saving / result["monthly_current"] if result["monthly_current"] else None),
                delta_color="inverse",
            )
            st.caption(
                f"The feature's own token mix in the period (below), priced at {target}'s current list prices "
                "(before negotiated discounts), scaled to 30 days."
            )
        st.dataframe(
            mix,
            hide_index=True,
            column_config={
                "effective_cost": cur.column("Effective"),
                "list_cost": cur.column("List"),
                "target_cost": cur.column(f"On {target}"),
            },
        )
