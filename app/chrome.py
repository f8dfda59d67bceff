"""Shared chrome: the sidebar (period, currency, global filters) and the `View` every page reads.

The URL is the source of truth. Each run reads `st.query_params` into `Filters` plus page-only keys,
sets the sidebar widgets' state from it, and the widgets' callbacks write their new values back to the
URL — so what you see is always what the link says. Global filters are also remembered in the session,
so moving between pages through the navigation (which starts a page with a bare URL) keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import streamlit as st

from app import charts
from app.data import core, spend
from app.filters import DIMENSIONS, PERIODS, Filters, from_params, page_params
from burnrate.config import Config

_SAVED = "_burnrate_filters"
_PAGE = "_burnrate_page"
_WINDOW = "_burnrate_window"


@dataclass
class View:
    """What a page needs: config, snapshot (None before the first publish), filters, period, currency."""

    cfg: Config
    snap: core.Snapshot | None
    filters: Filters
    page: dict[str, str]
    as_of: date | None = None
    start: date | None = None
    end: date | None = None
    cur: charts.Currency = field(default_factory=charts.Currency)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, dim: str, value: str | None) -> str:
        if value is None:
            return "–"
        name = self.labels.get(dim, {}).get(value)
        return f"{name} ({value})" if name and name != value else value

    def set(self, filters: Filters | None = None, **page: str | None) -> None:
        """Change the view: new filters and/or page keys (None removes a key); writes the URL."""
        merged = {**self.page, **page}
        write_url(filters or self.filters, {k: v for k, v in merged.items() if v})


def url_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def write_url(filters: Filters, page: dict[str, str]) -> None:
    """Replace the URL's query parameters with this view (global filters, then page keys)."""
    st.query_params.from_dict({**filters.to_params(), **page})
    st.session_state[_SAVED] = filters.to_params()


def _current() -> tuple[Filters, dict[str, str]]:
    params = url_params()
    page = st.session_state.get(_PAGE, "overview")
    saved = st.session_state.get(_SAVED)
    global_keys = {"period", "start", "end", "cur", *DIMENSIONS}
    if saved and not global_keys & set(params):
        params = {**{k: v if isinstance(v, list) else [v] for k, v in saved.items()}, **params}
    return from_params(params), page_params(params, page)


def _from_widgets() -> Filters:
    state = st.session_state
    start = end = None
    if state.get("w_period") == "custom":
        chosen = state.get("w_range") or ()
        if len(chosen) == 2:
            start, end = chosen
    dims = {dim: tuple(state.get(f"w_{dim}") or ()) for dim in DIMENSIONS}
    return Filters(
        period=state.get("w_period", "30d"),
        start=start,
        end=end,
        currency=state.get("w_cur", "USD"),
        dims={k: v for k, v in dims.items() if v},
    )


def _on_change() -> None:
    f, page = _current()
    new = _from_widgets()
    if new.period == "custom" and not (new.start and new.end):
        # just switched to a custom range, or its second date is still being picked: keep the dates shown
        start, end = (f.start, f.end) if f.start else st.session_state.get(_WINDOW, (None, None))
        if not (start and end):
            return
        new = replace(new, start=start, end=end)
    write_url(new, page)


def _reset() -> None:
    f, page = _current()
    write_url(Filters(period=f.period, start=f.start, end=f.end, currency=f.currency), {})


def sidebar(cfg: Config, page_path: str) -> View:
    """Render the sidebar from the URL and return the View of page `page_path`."""
    st.session_state[_PAGE] = page_path
    filters, page = _current()
    if url_params() != {
        k: v if isinstance(v, list) else [v] for k, v in {**filters.to_params(), **page}.items()
    }:
        write_url(filters, page)  # drop keys of other pages, restore remembered filters, normalise
    currencies = charts.currencies(cfg.serve.currency_rates)
    snap = core.open_snapshot(cfg)
    view = View(
        cfg=cfg,
        snap=snap,
        filters=filters,
        page=page,
        cur=currencies.get(filters.currency, charts.Currency()),
    )
    if snap is not None:
        view.as_of = spend.as_of(snap)
        view.labels = spend.labels(snap) if snap.has("dim_teams") and snap.has("dim_features") else {}
    if view.as_of:
        view.start, view.end = filters.window(view.as_of)
        st.session_state[_WINDOW] = (view.start, view.end)
    options = spend.options(snap) if snap is not None and view.as_of else {d: [] for d in DIMENSIONS}

    state = st.session_state
    state["w_period"] = filters.period
    state["w_cur"] = view.cur.code
    for dim in DIMENSIONS:
        state[f"w_{dim}"] = list(filters.values(dim))
    with st.sidebar:
        st.selectbox("Period", list(PERIODS), format_func=PERIODS.get, key="w_period", on_change=_on_change)
        if filters.period == "custom" and view.start and view.end:
            st.date_input("Dates", value=(view.start, view.end), key="w_range", on_change=_on_change)
        if view.start and view.end:
            st.caption(f"{view.start:%d %b %Y} – {view.end:%d %b %Y} (data through {view.as_of:%d %b %Y})")
        for dim, label in DIMENSIONS.items():
            choices = sorted(set(options.get(dim, [])) | set(filters.values(dim)))
            st.multiselect(
                label,
                choices,
                key=f"w_{dim}",
                on_change=_on_change,
                format_func=lambda v, d=dim: view.label(d, v),
                placeholder="All",
            )
        st.selectbox(
            "Currency",
            list(currencies),
            key="w_cur",
            on_change=_on_change,
            help="Amounts are stored in USD; other currencies use the fixed rates in serve.currency_rates.",
        )
        if any(filters.values(d) for d in DIMENSIONS):
            st.button("Clear filters", on_click=_reset, icon=":material/filter_alt_off:", width="stretch")
    return view


def context() -> View:
    """The View the router computed for this run (pages call this first)."""
    view = st.session_state.get("_burnrate_view")
    if view is None:
        raise RuntimeError("app pages run inside app/streamlit_app.py (the router), not on their own")
    return view


def ready(view: View, *tables: str) -> bool:
    """True when the snapshot has data and every table; otherwise show what to run and return False."""
    if view.snap is None or view.as_of is None:
        charts.empty(
            core.missing(view.snap, "fct_llm_requests")
            or "The warehouse has no spend yet: run `burnrate run`."
        )
        return False
    for table in tables:
        why = core.missing(view.snap, table)
        if why:
            charts.empty(why)
            return False
    return True


def link_params(view: View, filters: Filters | None = None, **page: str) -> dict[str, str | list[str]]:
    """Query parameters of a link to another view (global filters kept, page keys given)."""
    return {**(filters or view.filters).to_params(), **{k: v for k, v in page.items() if v}}


def csv_button(frame, name: str, key: str) -> None:
    """Download a table as CSV (the numbers as shown, in USD)."""
    st.download_button(
        "Download CSV",
        frame.write_csv(),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )
