"""Anomalies: impact, pattern and root cause; one selected shows its series with the window highlighted
and the contributing dimension (window vs baseline)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from app import charts
from app.chrome import context, csv_button, link_params, ready
from app.data import anomalies as data

view = context()
st.title("Anomalies")
if ready(view, "anomalies"):
    snap, f, cur = view.snap, view.filters, view.cur
    chosen_id = view.page.get("anomaly")
    chosen = data.anomaly(snap, chosen_id) if chosen_id else None
    found = data.anomalies(snap, f, view.start, view.end)
    if chosen_id and chosen is None:
        st.warning(f"Anomaly {chosen_id} is not in the current snapshot (it may have been re-scored away).")
    if found.height == 0 and chosen is None:
        st.success("No anomalies detected in this period.")
    if found.height:
        k1, k2, k3 = st.columns(3)
        k1.metric("Anomalies", f"{found.height}")
        k2.metric("Impact", cur(found["impact_usd"].sum()))
        k3.metric("Patterns", ", ".join(sorted(set(found["pattern"].drop_nulls().to_list()))) or "–")
        shown = found.select(
            "anomaly_id",
            "window_start",
            "window_end",
            "severity",
            "pattern",
            "scope_type",
            "scope_value",
            "impact_usd",
            "impact_pct",
            "root_cause",
        )
        event = st.dataframe(
            shown,
            hide_index=True,
            on_select="rerun",
            selection_mode="single-row",
            key="anomaly_table",
            column_config={
                "anomaly_id": None,
                "impact_usd": cur.column("Impact"),
                "impact_pct": st.column_config.NumberColumn("Impact %", format="percent"),
                "root_cause": st.column_config.TextColumn("Root cause", width="large"),
            },
        )
        rows = event.selection.rows if event and event.selection else []
        if rows and shown["anomaly_id"][rows[0]] != chosen_id:
            view.set(anomaly=shown["anomaly_id"][rows[0]])
            st.rerun()
        ids = found["anomaly_id"].to_list()
        st.selectbox(
            "Show anomaly",
            ids,
            index=ids.index(chosen_id) if chosen_id in ids else None,
            key="pick_anomaly",
            format_func=lambda i: (
                lambda r: (
                    f"{r['window_start']:%d %b %H:%M} {r['pattern']} on {r['scope_type']} "
                    f"{r['scope_value']} ({cur(r['impact_usd'])})"
                )
            )(found.row(ids.index(i), named=True)),
            on_change=lambda: view.set(anomaly=st.session_state.get("pick_anomaly")),
            placeholder="choose an anomaly",
        )
        csv_button(found, f"anomalies_{view.start}_{view.end}", "csv_anomalies")
    if chosen is not None:
        a = chosen
        st.subheader(f"{a['pattern']} on {a['scope_type']} {a['scope_value']}")
        st.markdown(
            f"**{a['severity']}** · {a['window_start']:%d %b %H:%M} – {a['window_end']:%d %b %H:%M} UTC · "
            f"impact **{cur(a['impact'])}** ({charts.signed_pct(a['impact_pct'])}) · "
            f"{cur(a['actual'])} actual vs {cur(a['expected'])} expected"
        )
        st.info(a["root_cause"] or "No root cause recorded.", icon=":material/troubleshoot:")
        series = data.series(snap, a)
        if series.height:
            data_ = cur.scale(series, ["spend"])
            fig = go.Figure(
                go.Scatter(
                    x=data_["bucket"], y=data_["spend"], mode="lines", name="Spend", line={"color": "#5c6bc0"}
                )
            )
            fig.add_vrect(
                x0=a["window_start"],
                x1=a["window_end"],
                fillcolor="#c62828",
                opacity=0.15,
                line_width=0,
                annotation_text="anomaly",
                annotation_position="top left",
            )
            st.plotly_chart(charts.layout(fig, cur), key="anomaly_series")
        kind = a.get("top_contributor_type") or "user"
        st.markdown(
            f"**Contributing {kind}**: {a.get('top_contributor_value') or '–'}"
            + (
                f" ({charts.pct(a.get('top_contributor_share'))} of the impact)"
                if a.get("top_contributor_share")
                else ""
            )
        )
        contrib = data.contributors(snap, a)
        if contrib.height:
            st.plotly_chart(
                charts.bars(
                    contrib.head(8),
                    "value",
                    ["baseline_spend", "window_spend"],
                    cur,
                    barmode="group",
                    names={
                        "baseline_spend": "Baseline (same length before)",
                        "window_spend": "Anomaly window",
                    },
                ),
                key="contributors",
            )
        filters = f
        if a["scope_type"] in ("team", "feature", "model"):
            filters = filters.with_dim(a["scope_type"], [a["scope_value"]])
        page = {}
        if kind in ("user", "prompt") and a.get("top_contributor_value"):
            page = {"by": kind, kind: a["top_contributor_value"]}
        elif kind in ("team", "feature", "model") and a.get("top_contributor_value"):
            filters = filters.with_dim(kind, [a["top_contributor_value"]])
        start = a["window_start"].date()
        end = a["window_end"].date()
        from dataclasses import replace as _replace

        filters = _replace(filters, period="custom", start=start, end=end)
        st.page_link(
            "app_pages/explore.py",
            label="Explore the requests behind it",
            icon=":material/account_tree:",
            query_params=link_params(view, filters, **page),
        )
