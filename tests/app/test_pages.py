"""Every page through Streamlit's AppTest: with and without filters, on the LLM-only warehouse, on one with
every contracted mart, and with nothing published. No exception; the numbers shown equal direct SQL."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app.charts import Currency
from app.filters import Filters
from burnrate import warehouse

APP = str(Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py")
PAGES = ["overview", "explore", "budgets", "anomalies", "gpus", "reconciliation", "efficiency", "sql"]
usd = Currency()


def run(page: str, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def one(cfg, text, params=()):
    with duckdb.connect(str(warehouse.current_snapshot(cfg)), read_only=True) as con:
        return con.execute(text, list(params)).fetchone()


def window(cfg, table="marts.fct_llm_requests", column="request_date", days=30):
    as_of = one(cfg, f"select max({column}) from {table}")[0]
    return Filters().window(as_of)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.metric] + [m.value for m in at.markdown] + [m.value for m in at.caption]
    parts += [h.value for h in at.subheader] + [i.value for i in at.info] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_what_to_run_without_a_snapshot(empty_cfg, use_cfg, page):
    use_cfg(empty_cfg)
    at = run(page)
    assert "burnrate run" in texts(at)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("warehouse_fixture", ["built_cfg", "llm_only_cfg"])
def test_every_page_loads_on_the_pipeline_warehouse(request, warehouse_fixture, use_cfg, page):
    """The pipeline's warehouse, and one from before the integration marts: a page says a mart is missing
    exactly when it is."""
    built_cfg = request.getfixturevalue(warehouse_fixture)
    use_cfg(built_cfg)
    at = run(page)
    missing = {
        "budgets": "fct_budget_status",
        "anomalies": "alerts.anomalies",
        "gpus": "fct_gpu_usage_hourly",
        "reconciliation": "fct_reconciliation_monthly",
    }
    if page not in missing:
        return
    schema, _, table = missing[page].rpartition(".")
    built = one(
        built_cfg,
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        (schema or "marts", table),
    )[0]
    says_missing = f"{missing[page]}` is not built yet" in texts(at)
    assert says_missing == (not built), (page, built)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("filtered", [False, True])
def test_every_page_loads_with_every_mart_with_and_without_filters(full_cfg, use_cfg, page, filtered):
    use_cfg(full_cfg)
    params = {"team": "search", "period": "7d"} if filtered else {}
    at = run(page, **params)
    assert at.title[0].value.lower() == page if page not in ("gpus", "sql") else True
    assert "not built yet" not in texts(at)


def test_overview_shows_the_spend_coverage_and_budget(full_cfg, use_cfg):
    use_cfg(full_cfg)
    start, end = window(full_cfg, "marts.fct_costs_daily", "charge_date")
    at = run("overview")
    spend, attributed = one(
        full_cfg,
        "select sum(effective_cost)::double, sum(effective_cost) filter (where team_id <> 'unattributed')::double "
        "from marts.fct_costs_daily where charge_date between ? and ?",
        [start, end],
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Spend in period"] == usd(spend)
    assert metrics["Allocated to a team"] == f"{attributed / spend * 100:,.1f} %"
    used, amount = one(
        full_cfg,
        "select spend_to_date::double, amount::double from marts.fct_budget_status where budget_id = 'global'",
    )
    assert metrics["Budget used"] == f"{used / amount * 100:,.0f} %"
    assert len([p for p in at.get("page_link") if "explore" in p.proto.page]) >= 5  # movers link to Explore


def test_overview_with_a_team_filter(full_cfg, use_cfg):
    use_cfg(full_cfg)
    start, end = window(full_cfg, "marts.fct_costs_daily", "charge_date")
    at = run("overview", team="search")
    spend = one(
        full_cfg,
        "select sum(effective_cost)::double from marts.fct_costs_daily where team_id = 'search' and charge_date between ? and ?",
        [start, end],
    )[0]
    assert {m.label: m.value for m in at.metric}["Spend in period"] == usd(spend)


def test_explore_totals_every_source_on_the_pipeline_warehouse(built_cfg, use_cfg):
    """With fct_costs_daily built, Explore's top level is every dollar (bills, GPUs, LLM logs), not the log."""
    use_cfg(built_cfg)
    start, end = window(built_cfg, "marts.fct_costs_daily", "charge_date")
    at = run("explore")
    total = one(
        built_cfg,
        "select sum(effective_cost)::double from marts.fct_costs_daily where charge_date between ? and ?",
        [start, end],
    )[0]
    assert f"Teams: {usd(total)}" in texts(at)
    assert not at.exception


def test_explore_drills_from_team_to_one_request(llm_only_cfg, use_cfg):
    """The drill down to one request, on the request log (the first pills of a full warehouse may be GPU or
    cloud dollars, which have no users; the browser test drills through LLM spend on the full one)."""
    built_cfg = use_cfg(llm_only_cfg)
    start, end = window(built_cfg)
    at = run("explore")
    total = one(
        built_cfg,
        "select sum(effective_cost)::double from marts.fct_llm_requests where request_date between ? and ?",
        [start, end],
    )[0]
    assert f"Teams: {usd(total)}" in texts(at)
    for level in ("team", "feature", "model", "user"):
        pills = at.pills[0]
        assert pills.label == f"Drill into a {level}"
        pills.set_value(pills.options[0]).run()
        assert not at.exception
    params = {k: v if isinstance(v, str) else v[0] for k, v in at.query_params.items()}
    assert {"team", "feature", "model", "user"} <= set(params)
    n = one(
        built_cfg,
        "select count(*) from marts.fct_llm_requests where team_id = ? and feature_id = ? and coalesce(model_id, model_requested) = ? "
        "and user_id = ? and request_date between ? and ?",
        [params["team"], params["feature"], params["model"], params["user"], start, end],
    )[0]
    assert f"{min(n, 500):,} shown" in texts(at)
    box = next(s for s in at.selectbox if s.label.startswith("Open a request"))
    box.select_index(0).run()
    request = at.query_params["request"]
    cost = one(
        built_cfg, "select effective_cost::double from marts.fct_llm_requests where request_id = ?", [request]
    )[0]
    assert {m.label: m.value for m in at.metric}["Effective cost"] == usd(cost, 6)
    at.button(key="back").click().run()
    assert "request" not in at.query_params and "user" in at.query_params
    at.button(key="crumb_1").click().run()  # back to the team
    assert set(at.query_params) == {"team"}


def test_explore_link_from_a_url_reproduces_the_view(built_cfg, use_cfg):
    use_cfg(built_cfg)
    at = run("explore", team="search", period="7d")
    assert at.pills[0].label == "Drill into a feature"
    assert (at.query_params["team"], at.query_params["period"]) == ("search", "7d")


def test_budgets_page_selects_the_linked_budget(full_cfg, use_cfg):
    use_cfg(full_cfg)
    at = run("budgets", budget="team-search")
    name, spent = one(
        full_cfg,
        "select budget_name, spend_to_date::double from marts.fct_budget_status where budget_id = 'team-search'",
    )
    assert any(h.value.startswith(name) for h in at.subheader)
    assert {m.label: m.value for m in at.metric}["Spend to date"] == usd(spent)
    assert len(at.get("plotly_chart")) == 1


def test_anomalies_page_opens_the_linked_anomaly(full_cfg, use_cfg):
    use_cfg(full_cfg)
    at = run("anomalies", anomaly="anom-team-1")
    root_cause = one(full_cfg, "select root_cause from alerts.anomalies where anomaly_id = 'anom-team-1'")[0]
    assert root_cause in texts(at)
    assert len(at.get("plotly_chart")) == 2  # the series with the window, the contributors
    assert any("explore" in p.proto.page for p in at.get("page_link"))


def test_reconciliation_and_gpus_show_the_mart_totals(full_cfg, use_cfg):
    use_cfg(full_cfg)
    start, _ = window(full_cfg)
    at = run("reconciliation")
    billed = one(
        full_cfg,
        "select sum(billed_cost)::double from marts.fct_reconciliation_monthly where billing_month >= ?",
        [start.replace(day=1)],
    )[0]
    assert {m.label: m.value for m in at.metric}["Billed"] == usd(billed)
    at = run("gpus", period="7d")
    alloc, idle = one(
        full_cfg, "select sum(allocated_cost)::double, sum(idle_cost)::double from marts.fct_gpu_usage_hourly"
    )
    assert {m.label: m.value for m in at.metric}["GPU cost"] == usd(alloc + idle)


def test_efficiency_what_if_shows_a_monthly_saving(built_cfg, use_cfg):
    use_cfg(built_cfg)
    at = run("efficiency")
    labels = [m.label for m in at.metric]
    assert "Monthly saving" in labels
    at.selectbox(key="whatif_model").select_index(1).run()
    assert not at.exception and at.query_params["target_model"]


def test_sql_page_runs_reads_and_refuses_writes(built_cfg, use_cfg):
    use_cfg(built_cfg)
    at = run("sql")
    assert any(e.label.startswith("marts.fct_llm_requests") for e in at.expander)
    at.text_area(key="sql_text").input("select count(*) as n from fct_llm_requests").run()
    at.button[0].click().run()
    n = one(built_cfg, "select count(*) from marts.fct_llm_requests")[0]
    assert at.dataframe[-1].value.iloc[0, 0] == n
    at.text_area(key="sql_text").input("copy fct_llm_requests to '/tmp/x.csv'").run()
    at.button[0].click().run()
    assert any("Refused" in e.value for e in at.error)


def test_period_and_currency_are_in_the_url_and_convert_the_numbers(built_cfg, use_cfg, monkeypatch):
    use_cfg(built_cfg)
    monkeypatch.setenv("BURNRATE_SERVE_CURRENCY_RATES", "EUR=0.5")
    start, end = window(built_cfg, "marts.fct_costs_daily", "charge_date")
    at = run("overview")
    spend = one(
        built_cfg,
        "select sum(effective_cost)::double from marts.fct_costs_daily where charge_date between ? and ?",
        [start, end],
    )[0]
    at.sidebar.selectbox(key="w_cur").select("EUR").run()
    assert at.query_params["cur"] == "EUR"
    assert {m.label: m.value for m in at.metric}["Spend in period"] == Currency("EUR", 0.5)(spend)
    at.sidebar.selectbox(key="w_period").select("custom").run()  # starts from the dates shown
    assert (at.query_params["period"], at.query_params["start"], at.query_params["end"]) == (
        "custom",
        start.isoformat(),
        end.isoformat(),
    )
    at.sidebar.date_input(key="w_range").set_value((end, end)).run()
    one_day = one(
        built_cfg,
        "select sum(effective_cost)::double from marts.fct_costs_daily where charge_date = ?",
        [end],
    )[0]
    assert {m.label: m.value for m in at.metric}["Spend in period"] == Currency("EUR", 0.5)(one_day)
    assert not at.exception
