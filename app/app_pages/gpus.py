"""GPUs: utilization by node and GPU over time, allocated vs idle cost, self-hosted cost per 1 M tokens."""

from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from app import charts
from app.chrome import context, csv_button, ready
from app.data import gpus

view = context()
st.title("GPUs")
if ready(view, "fct_gpu_usage_hourly"):
    snap, cur, start, end = view.snap, view.cur, view.start, view.end
    teams = view.filters.values("team")
    fleet = gpus.nodes(snap, start, end, teams)
    if fleet.height == 0:
        charts.empty(
            "No GPU usage in this period: ingest DCGM metrics (`burnrate ingest dcgm`), then `burnrate build`."
        )
    else:
        allocated, idle = fleet["allocated_cost"].sum(), fleet["idle_cost"].sum()
        hours = fleet["gpu_hours"].sum()
        util = (fleet["utilization"] * fleet["gpu_hours"]).sum() / hours if hours else None
        k1, k2, k3, k4 = st.columns(4)
        k1.metric("GPU cost", cur(allocated + idle))
        k2.metric(
            "Idle cost",
            cur(idle),
            charts.pct(idle / (allocated + idle) if allocated + idle else None) + " of GPU cost",
            delta_color="off",
        )
        k3.metric("Utilization", charts.pct(util), help="GPU-hour-weighted (DCGM engine activity)")
        k4.metric("Nodes under 70 %", f"{fleet.filter(pl.col('utilization') < 0.7).height} of {fleet.height}")

        left, right = st.columns(2)
        with left:
            st.subheader("Utilization by node")
            series = gpus.utilization(snap, start, end, teams)
            fig = charts.lines(series, "bucket", "utilization", "hostname", cur, money=False)
            fig.update_yaxes(tickformat=".0%", range=[0, 1])
            fig.add_hline(
                y=0.7, line={"dash": "dot", "color": charts.TIER_COLOURS["warning"]}, annotation_text="70 %"
            )
            st.plotly_chart(fig, key="util")
        with right:
            st.subheader("Allocated vs idle cost")
            daily = gpus.cost_daily(snap, start, end, teams)
            st.plotly_chart(
                charts.bars(
                    daily,
                    "day",
                    ["allocated_cost", "idle_cost"],
                    cur,
                    names={"allocated_cost": "Allocated", "idle_cost": "Idle"},
                ),
                key="cost",
            )
        st.dataframe(
            fleet,
            hide_index=True,
            column_config={
                "allocated_cost": cur.column("Allocated"),
                "idle_cost": cur.column("Idle"),
                "utilization": st.column_config.ProgressColumn(
                    "Utilization", format="percent", min_value=0, max_value=1
                ),
                "idle_share": st.column_config.NumberColumn("Idle share", format="percent"),
                "gpu_hours": st.column_config.NumberColumn("GPU-hours", format="%.0f"),
            },
        )
        csv_button(fleet, f"gpu_nodes_{start}_{end}", "csv_nodes")

        node = st.selectbox("GPUs of node", fleet["hostname"].to_list(), key="gpu_node")
        heat = gpus.gpu_heatmap(snap, start, end, node)
        if heat.height:
            grid = heat.pivot(on="day", index="gpu_uuid", values="utilization", sort_columns=True)
            fig = px.imshow(
                grid.drop("gpu_uuid").to_numpy(),
                x=[str(c) for c in grid.columns[1:]],
                y=grid["gpu_uuid"].to_list(),
                color_continuous_scale="RdYlGn",
                zmin=0,
                zmax=1,
                aspect="auto",
                labels={"color": "utilization"},
            )
            fig.update_layout(height=80 + 28 * grid.height, margin={"l": 10, "r": 10, "t": 10, "b": 10})
            st.plotly_chart(fig, key="heat")

        st.subheader("Self-hosted cost per 1 M tokens vs an API")
        apis = gpus.api_models(snap)
        keys = apis["model_key"].to_list()
        target = (
            st.selectbox("Compare with", keys, index=0 if keys else None, key="gpu_compare") if keys else None
        )
        units = gpus.unit_costs(snap, start, end, target)
        if units.height == 0:
            charts.empty(
                "No self-hosted requests in this period (provider `self_hosted` in the request logs)."
            )
        else:
            if not units["per_model"][0]:
                st.caption(
                    "The GPU mart does not say which model a workload served: the fleet's cost is spread over all "
                    "self-hosted tokens (an upper bound: batch jobs on the fleet are included)."
                )
            else:
                st.caption(
                    "GPU cost = the allocated cost of the pods serving each model; idle GPU time is shown apart."
                )
            st.dataframe(
                units.drop("per_model"),
                hide_index=True,
                column_config={
                    "gpu_cost": cur.column("GPU cost"),
                    "gpu_cost_per_mtok": cur.column("GPU cost / 1M tokens"),
                    "internal_price_per_mtok": cur.column("Internal price / 1M"),
                    "api_cost_per_mtok": cur.column(f"{target} / 1M"),
                    "api_cost": cur.column(f"Same tokens on {target}"),
                },
            )
