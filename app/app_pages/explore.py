"""Explore: drill down team → feature → model → user (or prompt) → a single request.

The drill path is the URL: a team, feature or model narrowed to one value is a level passed, then `user=`
(or `prompt=` with `by=prompt`), then `request=`. Breadcrumbs and Back pop levels; every table downloads
as CSV.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from app import charts
from app.chrome import View, context, csv_button, ready
from app.data import spend, usage

LEVEL_LABELS = {
    "team": "Teams",
    "feature": "Features",
    "model": "Models",
    "user": "Users",
    "prompt": "Prompts",
}


def crumbs(view: View) -> list[tuple[str, dict]]:
    """(label, view change) per level passed, from the top: clicking one goes back to that level."""
    f = view.filters
    top = f
    for dim in spend.LEVELS:
        top = top.with_dim(dim, [])
    out = [("All spend", {"filters": top, "by": None, "user": None, "prompt": None, "request": None})]
    for i, dim in enumerate(spend.LEVELS):
        value = f.pinned(dim)
        if value is None:
            continue
        target = f
        for deeper in spend.LEVELS[i + 1 :]:
            target = target.with_dim(deeper, [])
        out.append(
            (
                f"{dim} {view.label(dim, value)}",
                {"filters": target, "by": None, "user": None, "prompt": None, "request": None},
            )
        )
    by = view.page.get("by", "user")
    if view.page.get(by):
        out.append((f"{by} {view.page[by]}", {"request": None}))
    return out


def _clear_picks() -> None:
    for key in [k for k in st.session_state if str(k).startswith("pick_")]:
        del st.session_state[key]


def go(view: View, change: dict) -> None:
    """Callback of a breadcrumb or Back: apply the view change."""
    _clear_picks()
    filters = change.pop("filters", None)
    view.set(filters, **change)


def drill(view: View, key: str) -> None:
    """Callback of a pick: narrow to the picked value (the next level)."""
    value = st.session_state.get(key)
    _clear_picks()
    if not value:
        return
    level = spend.level_of(view.filters, view.page)
    if level in spend.LEVELS:
        view.set(view.filters.with_dim(level, [value]))
    elif level in ("user", "prompt"):
        view.set(by=None if level == "user" else level, **{level: value})
    else:
        view.set(request=value)


def picker(view: View, keys: list[str], level: str, fmt) -> None:
    st.pills(
        f"Drill into a {level}",
        keys[:12],
        key=f"pick_{level}",
        on_change=drill,
        args=(view, f"pick_{level}"),
        format_func=fmt,
    )
    if len(keys) > 12:
        st.selectbox(
            f"…or any {level}",
            keys,
            index=None,
            key=f"pick_any_{level}",
            on_change=drill,
            args=(view, f"pick_any_{level}"),
            format_func=fmt,
            placeholder=f"{len(keys)} {level}s",
        )


view = context()
st.title("Explore")
if ready(view):
    snap, f, cur, start, end, page = view.snap, view.filters, view.cur, view.start, view.end, view.page
    level = spend.level_of(f, page)
    trail = crumbs(view)
    with st.container(horizontal=True, vertical_alignment="center"):
        if len(trail) > 1 or page.get("request"):
            back = trail[-2][1] if not page.get("request") else {"request": None}
            st.button("Back", icon=":material/arrow_back:", on_click=go, args=(view, dict(back)), key="back")
        for i, (label, change) in enumerate(trail):
            st.button(
                label,
                on_click=go,
                args=(view, dict(change)),
                key=f"crumb_{i}",
                type="tertiary",
                icon=":material/chevron_right:" if i else ":material/home:",
            )
    source = spend.spend_source(snap, f)
    if level in spend.LEVELS and source.note:
        st.caption(source.note)
    elif level not in spend.LEVELS:
        st.caption("User, prompt and request levels read the LLM request log (`fct_llm_requests`).")

    if level in spend.LEVELS:
        table = spend.breakdown(snap, f, start, end, level)
        if table.height == 0:
            charts.empty("No spend in this period for these filters.")
        else:
            left, right = st.columns([2, 3])
            named = table.with_columns(
                name=pl.col("key").map_elements(lambda k: view.label(level, k), return_dtype=pl.String)
            )
            left.plotly_chart(charts.treemap(named, "name", "spend", cur, LEVEL_LABELS[level]), key="treemap")
            daily = spend.daily_by(snap, f, start, end, spend.SPEND_COLUMNS[level])
            right.plotly_chart(charts.lines(daily, "charge_date", "spend", "key", cur), key="series")
            picker(view, table["key"].to_list(), level, lambda k: view.label(level, k))
            st.subheader(f"{LEVEL_LABELS[level]}: {cur(table['spend'].sum())}")
            st.dataframe(
                table.select(
                    "key", "spend", "share", "previous_spend", "change_pct", "billed_cost", "list_cost"
                ),
                hide_index=True,
                column_config={
                    "key": LEVEL_LABELS[level][:-1],
                    "spend": cur.column("Spend"),
                    "share": st.column_config.ProgressColumn(
                        "Share", format="percent", min_value=0, max_value=1
                    ),
                    "previous_spend": cur.column("Previous period"),
                    "change_pct": st.column_config.NumberColumn("Change", format="percent"),
                    "billed_cost": cur.column("Billed"),
                    "list_cost": cur.column("At list price"),
                },
            )
            csv_button(table, f"spend_by_{level}_{start}_{end}", "csv_level")
    elif level in ("user", "prompt"):
        st.segmented_control(
            "Group requests by",
            ["user", "prompt"],
            default=level,
            key="by_toggle",
            on_change=lambda: view.set(by=st.session_state.get("by_toggle") or "user"),
        )
        table, daily = usage.requests_by(snap, f, start, end, level)
        if table.height == 0:
            charts.empty("No requests in this period for these filters.")
        else:
            st.plotly_chart(charts.lines(daily, "charge_date", "spend", "key", cur), key="series")
            picker(view, table["key"].to_list(), level, str)
            st.subheader(
                f"{LEVEL_LABELS[level]}: {cur(table['spend'].sum())}, {table['requests'].sum():,} requests"
            )
            st.dataframe(
                table,
                hide_index=True,
                column_config={
                    "key": level,
                    "spend": cur.column("Spend"),
                    "cost_per_request": cur.column("Per request", 4),
                    "share": st.column_config.ProgressColumn(
                        "Share", format="percent", min_value=0, max_value=1
                    ),
                },
            )
            csv_button(table, f"spend_by_{level}_{start}_{end}", "csv_level")
    else:
        by = page.get("by", "user")
        requests = usage.request_list(snap, f, start, end, page)
        daily = usage.requests_daily(snap, f, start, end, page)
        st.plotly_chart(charts.lines(daily, "charge_date", "spend", None, cur), key="series")
        if page.get("request"):
            listed = requests.filter(pl.col("request_id") == page["request"])
            day = listed["request_date"][0] if listed.height else None
            detail = usage.request_detail(snap, page["request"], day)
            if detail is None:
                charts.empty(f"Request {page['request']} is not in the warehouse snapshot.")
            else:
                st.subheader(f"Request {detail['request_id']}")
                a, b, c, d = st.columns(4)
                a.metric("Effective cost", cur(detail["effective_cost"], 6))
                b.metric("List cost", cur(detail["list_cost"], 6))
                c.metric("Tokens", f"{detail['total_tokens']:,}")
                d.metric("Latency", f"{detail['latency_ms'] or 0:,.0f} ms")
                rows = pl.DataFrame({"field": list(detail), "value": [str(v) for v in detail.values()]})
                st.dataframe(rows, hide_index=True, height=500)
                csv_button(rows, f"request_{page['request'].replace(':', '_')}", "csv_request")
        else:
            st.subheader(f"Requests of {by} {page.get(by)}: {len(requests):,} shown (most expensive first)")
            st.selectbox(
                "Open a request (most expensive first)",
                requests["request_id"].to_list(),
                index=None,
                key="pick_request",
                on_change=drill,
                args=(view, "pick_request"),
                placeholder="choose a request",
            )
            st.dataframe(
                requests,
                hide_index=True,
                column_config={
                    "effective_cost": cur.column("Effective", 5),
                    "list_cost": cur.column("List", 5),
                },
            )
            csv_button(requests, f"requests_{by}_{start}_{end}", "csv_requests")
