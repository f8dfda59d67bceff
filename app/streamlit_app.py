"""Burnrate's dashboard: the router and shared chrome only (`streamlit run app/streamlit_app.py`).

Pages live in `app/app_pages/` (thin: layout and charts); every query is in `app/data/`; the period,
currency and filters are kept in the URL by `app/chrome.py`, so any view is a link. The dashboard reads
the published read-only snapshot only: it never blocks the writer and never meets its lock.
Configuration comes from `burnrate.toml` / `BURNRATE_*` like every command (`burnrate serve` passes
`BURNRATE_CONFIG` through).
"""

from __future__ import annotations

import streamlit as st

from app import auth
from app.chrome import sidebar
from app.data.core import render
from burnrate import config

PAGES = [
    ("overview", "Overview", ":material/dashboard:"),
    ("explore", "Explore", ":material/account_tree:"),
    ("budgets", "Budgets", ":material/savings:"),
    ("anomalies", "Anomalies", ":material/crisis_alert:"),
    ("gpus", "GPUs", ":material/memory:"),
    ("reconciliation", "Reconciliation", ":material/receipt_long:"),
    ("efficiency", "Efficiency", ":material/speed:"),
    ("sql", "SQL", ":material/terminal:"),
]

st.set_page_config(page_title="Burnrate", page_icon=":material/local_fire_department:", layout="wide")
cfg = config.load()
auth.gate(cfg)


def _home() -> None:
    """`/` opens the Overview at its own address, `/overview`, keeping the query parameters."""
    st.switch_page(
        "app_pages/overview.py", query_params={k: st.query_params.get_all(k) for k in st.query_params}
    )


nav = st.navigation(
    [
        st.Page(_home, title="Burnrate", url_path="home", default=True, visibility="hidden"),
        *(
            st.Page(f"app_pages/{path}.py", title=title, icon=icon, url_path=path)
            for path, title, icon in PAGES
        ),
    ]
)
if nav.url_path in ("", "home"):
    nav.run()  # redirects to /overview
else:
    with render(cfg):  # one short-lived read-only connection for this run's queries (opened on a cache miss)
        st.session_state["_burnrate_view"] = sidebar(cfg, nav.url_path)
        nav.run()
