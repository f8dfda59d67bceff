"""The data module against real snapshots: every function's numbers equal a direct SQL query."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from app.data import anomalies, core, efficiency, finance, gpus, schema, spend, usage
from app.filters import Filters
from burnrate import warehouse


def sql(cfg, text, params=()):
    with duckdb.connect(str(warehouse.current_snapshot(cfg)), read_only=True) as con:
        return con.execute(text, list(params)).fetchall()


@pytest.fixture(scope="module")
def llm(llm_only_cfg):
    """The LLM marts only (a warehouse from before the integration marts): the request-log fallbacks."""
    return core.open_snapshot(llm_only_cfg, cached=False)


@pytest.fixture(scope="module")
def pipeline(built_cfg):
    """Every mart the pipeline builds."""
    return core.open_snapshot(built_cfg, cached=False)


@pytest.fixture(scope="module")
def full(full_cfg):
    return core.open_snapshot(full_cfg, cached=False)


def window(snap):
    as_of = spend.as_of(snap)
    return (*Filters().window(as_of), as_of)


def test_no_snapshot_says_what_to_run(empty_cfg):
    assert core.open_snapshot(empty_cfg, cached=False) is None
    assert "burnrate run" in core.missing(None, "fct_costs_daily")


def test_missing_tables_name_the_command(llm, pipeline, full):
    assert "not built yet: run `burnrate build`" in core.missing(llm, "fct_costs_daily")
    assert "run `burnrate detect`" in core.missing(llm, "anomalies")
    assert core.missing(pipeline, "fct_costs_daily") is None  # the pipeline builds it
    assert core.missing(full, "fct_costs_daily") is None and core.missing(full, "anomalies") is None


def test_the_pipeline_fct_costs_daily_serves_every_source(pipeline, built_cfg):
    """On the real mart: not LLM-only, the environment filter applies to it, and the total is the mart's."""
    src = spend.spend_source(pipeline, Filters(dims={"env": ("staging",)}))
    assert src.relation == "marts.fct_costs_daily" and not src.llm_only
    start, end, _ = window(pipeline)
    expected = sql(
        built_cfg,
        "select sum(effective_cost)::double from marts.fct_costs_daily where charge_date between ? and ?",
        [start, end],
    )[0][0]
    assert spend.summary(pipeline, Filters(), start, end)["spend"] == pytest.approx(expected)


def test_without_fct_costs_daily_spend_comes_from_the_request_log(llm, built_cfg):
    src = spend.spend_source(llm, Filters())
    assert src.llm_only and "fct_costs_daily" in src.note
    start, end, as_of = window(llm)
    total = spend.summary(llm, Filters(), start, end)["spend"]
    expected = sql(
        built_cfg,
        "select sum(effective_cost)::double from marts.fct_llm_requests where request_date between ? and ?",
        [start, end],
    )[0][0]
    assert total == pytest.approx(expected)
    assert as_of == sql(built_cfg, "select max(request_date) from marts.fct_llm_requests")[0][0]


def test_with_fct_costs_daily_every_source_counts_and_env_falls_back(full, full_cfg):
    assert spend.spend_source(full, Filters()).note is None
    start, end, _ = window(full)
    totals = spend.summary(full, Filters(), start, end)
    by_source = {
        r[0]: r[1]
        for r in sql(
            full_cfg,
            "select spend_category, sum(effective_cost)::double from marts.fct_costs_daily where charge_date between ? and ? group by 1",
            [start, end],
        )
    }
    assert set(by_source) == {"llm_api", "gpu", "other_cloud"}
    assert totals["spend"] == pytest.approx(sum(by_source.values()))
    unattributed = sql(
        full_cfg,
        "select sum(effective_cost)::double from marts.fct_costs_daily where charge_date between ? and ? and team_id = 'unattributed'",
        [start, end],
    )[0][0]
    assert totals["team_coverage"] == pytest.approx(1 - unattributed / totals["spend"])
    coverage = spend.coverage(full, Filters(), start, end)
    assert coverage["spend"].sum() == pytest.approx(totals["spend"])
    daily = spend.daily_by(full, Filters(), start, end, "spend_category")
    assert daily["spend"].sum() == pytest.approx(totals["spend"])
    # environment exists only on requests: filtering by it reads the LLM log, and says so
    staging = Filters(dims={"env": ("staging",)})
    assert spend.spend_source(full, staging).llm_only
    env_total = spend.summary(full, staging, start, end)["spend"]
    assert env_total == pytest.approx(
        sql(
            full_cfg,
            "select sum(effective_cost)::double from marts.fct_llm_requests where environment = 'staging' and request_date between ? and ?",
            [start, end],
        )[0][0]
    )


def test_breakdown_levels_add_up_and_follow_filters(full, full_cfg):
    start, end, _ = window(full)
    teams = spend.breakdown(full, Filters(), start, end, "team")
    assert teams["spend"].sum() == pytest.approx(spend.summary(full, Filters(), start, end)["spend"])
    top = teams["key"][0]
    f = Filters(dims={"team": (top,)})
    assert spend.level_of(f, {}) == "feature"
    features = spend.breakdown(full, f, start, end, "feature")
    assert features["spend"].sum() == pytest.approx(teams["spend"][0])
    assert features["share"].sum() == pytest.approx(1.0)
    expected = sql(
        full_cfg,
        "select feature_id, sum(effective_cost)::double from marts.fct_costs_daily where team_id = ? and charge_date between ? and ? group by 1",
        [top, start, end],
    )
    assert dict(zip(features["key"], features["spend"], strict=True)) == pytest.approx(dict(expected))


def test_level_order_and_direct_jumps():
    assert spend.level_of(Filters(), {}) == "team"
    assert (
        spend.level_of(Filters(dims={"feature": ("f",)}), {}) == "model"
    )  # a picked feature goes to its models
    assert spend.level_of(Filters(dims={"team": ("t",), "feature": ("f",), "model": ("m",)}), {}) == "user"
    assert (
        spend.level_of(Filters(dims={"team": ("t",), "feature": ("f",), "model": ("m",)}), {"by": "prompt"})
        == "prompt"
    )
    assert spend.level_of(Filters(), {"user": "u"}) == "requests"
    assert spend.level_of(Filters(), {"request": "r"}) == "requests"


def test_movers_compare_the_last_two_weeks(full, full_cfg):
    _, _, as_of = window(full)
    movers = spend.movers(full, Filters(), as_of, limit=50)
    row = movers.filter(movers["dim"] == "team").row(0, named=True)
    this, last = sql(
        full_cfg,
        "select sum(effective_cost) filter (where charge_date > ?)::double, sum(effective_cost) filter (where charge_date <= ?)::double "
        "from marts.fct_costs_daily where team_id = ? and charge_date between ? and ?",
        [
            as_of - timedelta(days=7),
            as_of - timedelta(days=7),
            row["value"],
            as_of - timedelta(days=13),
            as_of,
        ],
    )[0]
    assert (row["this_week"], row["last_week"]) == pytest.approx((this or 0, last or 0))
    changes = movers["change"].abs().to_list()
    assert changes == sorted(changes, reverse=True)


def test_user_and_request_levels_read_the_requests(llm, built_cfg):
    start, end, _ = window(llm)
    team, feature, model = sql(
        built_cfg,
        "select team_id, feature_id, coalesce(model_id, model_requested) from marts.fct_llm_requests group by all order by sum(effective_cost) desc limit 1",
    )[0]
    f = Filters(dims={"team": (team,), "feature": (feature,), "model": (model,)})
    users, daily = usage.requests_by(llm, f, start, end, "user")
    assert daily["spend"].sum() == pytest.approx(users["spend"].sum())  # every user, top ones and 'other'
    assert daily["key"].n_unique() <= 9
    expected = sql(
        built_cfg,
        "select count(*) from marts.fct_llm_requests where team_id = ? and feature_id = ? and coalesce(model_id, model_requested) = ? and request_date between ? and ?",
        [team, feature, model, start, end],
    )[0][0]
    assert users["requests"].sum() == expected
    user = users["key"][0]
    requests = usage.request_list(llm, f, start, end, {"user": user})
    assert requests.height == min(500, users["requests"][0])
    detail = usage.request_detail(llm, requests["request_id"][0], requests["request_date"][0])
    assert detail["user_id"] == user and detail["team_id"] == team
    # a link to a request outside the current view (day unknown) still finds it
    assert usage.request_detail(llm, requests["request_id"][0])["user_id"] == user
    assert usage.request_detail(llm, "no-such-request", start) is None
    daily = usage.requests_daily(llm, f, start, end, {"user": user})
    assert daily["requests"].sum() == users["requests"][0]
    prompts, _ = usage.requests_by(llm, f, start, end, "prompt")
    assert prompts["requests"].sum() == expected


def test_budgets_and_their_daily_lines(full, full_cfg):
    _, _, as_of = window(full)
    rows = finance.budgets(full, Filters(), as_of)
    assert rows.height == sql(full_cfg, "select count(distinct budget_id) from marts.fct_budget_status")[0][0]
    only_team = finance.budgets(full, Filters(dims={"team": ("search",)}), as_of)
    assert set(only_team["budget_id"]) == {"global", "team-search"}
    daily = finance.budget_daily(
        full, "global", rows.filter(rows["budget_id"] == "global")["period_start"][0]
    )
    last_actual = daily.drop_nulls("cumulative_actual")["cumulative_actual"][-1]
    assert last_actual == pytest.approx(rows.filter(rows["budget_id"] == "global")["spend_to_date"][0])
    assert daily["cumulative_forecast"].is_sorted()


def test_reconciliation_rolls_up_by_provider(full, full_cfg):
    start, end, _ = window(full)
    providers = finance.reconciliation_by_provider(full, Filters(), start, end)
    billed = sql(
        full_cfg,
        "select sum(billed_cost)::double from marts.fct_reconciliation_monthly where billing_month >= ?",
        [start.replace(day=1)],
    )[0][0]
    assert providers["billed_cost"].sum() == pytest.approx(billed)
    assert providers["realized_discount"].max() < 1
    assert finance.reconciliation_daily(full, Filters(), start, end)["billed_cost"].sum() > 0
    assert finance.reconciliation_monthly(full, Filters(dims={"provider": ("OPENAI",)}), start, end)[
        "provider_name"
    ].unique().to_list() == ["openai"]


def test_anomaly_series_highlights_its_window(full, full_cfg):
    start, end, _ = window(full)
    found = anomalies.anomalies(full, Filters(), start, end)
    assert set(found["anomaly_id"]) == {"anom-team-1", "anom-feature-2"}
    a = anomalies.anomaly(full, "anom-team-1")
    series = anomalies.series(full, a)
    inside = series.filter(series["in_window"])
    assert inside.height == 4  # 4 hourly buckets
    expected = sql(
        full_cfg,
        "select sum(effective_cost)::double from marts.fct_llm_requests where team_id = ? and requested_at >= ? and requested_at < ?",
        [a["scope_value"], a["window_start"], a["window_end"]],
    )[0][0]
    assert inside["spend"].sum() == pytest.approx(expected)
    contributors = anomalies.contributors(full, a, limit=1000)
    assert contributors["window_spend"].sum() == pytest.approx(expected)
    assert contributors["change"].is_sorted(descending=True)
    assert anomalies.pending_alerts(full) == 1


def test_gpu_fleet_costs_and_unit_costs(full, full_cfg):
    _, _, as_of = window(full)
    start, end = as_of - timedelta(days=6), as_of
    fleet = gpus.nodes(full, start, end)
    alloc, idle = sql(
        full_cfg, "select sum(allocated_cost)::double, sum(idle_cost)::double from marts.fct_gpu_usage_hourly"
    )[0]
    assert (fleet["allocated_cost"].sum(), fleet["idle_cost"].sum()) == pytest.approx((alloc, idle))
    assert gpus.cost_daily(full, start, end)["idle_cost"].sum() == pytest.approx(idle)
    assert gpus.utilization(full, start, end).height > 0
    assert gpus.gpu_heatmap(full, start, end, "node-a")["gpu_uuid"].n_unique() == 2
    compare = gpus.api_models(full)["model_key"][0]
    units = gpus.unit_costs(full, start, end, compare)
    llama = units.filter(units["model"].str.starts_with("meta-llama")).row(0, named=True)
    assert llama["gpu_cost"] == pytest.approx(alloc)  # the allocated cost of the pods serving it
    assert llama["gpu_cost_per_mtok"] == pytest.approx(alloc / llama["tokens"] * 1e6)
    assert (
        units.filter(units["model"].str.starts_with("Qwen"))["gpu_cost"].is_null().all()
    )  # no pod serves it
    assert (units["api_cost_per_mtok"] > 0).all()


def test_efficiency_and_the_what_if(llm, built_cfg):
    start, end, _ = window(llm)
    table = efficiency.by_feature(llm, Filters(), start, end)
    assert table["spend"].sum() == pytest.approx(
        sql(
            built_cfg,
            "select sum(effective_cost)::double from marts.fct_feature_efficiency_daily where request_date between ? and ?",
            [start, end],
        )[0][0]
    )
    feature = table["feature_id"][0]
    cheapest = efficiency.candidate_models(llm)["model_key"][0]
    mix, result = efficiency.what_if(llm, feature, cheapest, start, end)
    assert result["effective_cost"] == pytest.approx(table["spend"][0])
    days = (end - start).days + 1
    assert result["monthly_current"] == pytest.approx(result["effective_cost"] * 30 / days)
    assert result["monthly_saving"] == pytest.approx(result["monthly_current"] - result["monthly_target"])
    assert result["monthly_target"] < result["monthly_current"]  # the cheapest catalog model costs less
    assert mix["requests"].sum() == result["requests"]
    assert mix["target_cost"].sum() == pytest.approx(result["target_cost"])


def test_schema_browser_has_descriptions_from_dbt(llm):
    tables = schema.tables(llm)
    row = tables.filter(tables["table_name"] == "fct_llm_requests").row(0, named=True)
    assert row["description"].lower().startswith("grain: one row per")
    cols = schema.columns(llm, "marts", "fct_llm_requests")
    assert cols.filter(cols["column_name"] == "effective_cost")["description"][0]


def test_the_usage_mart_and_the_request_log_give_the_same_answers(llm, full):
    """The user/prompt level, the what-if and self-hosted tokens read fct_llm_usage_daily when it is published
    (the full snapshot) and the request log otherwise (the LLM-only one): same numbers either way."""
    assert usage.usage_relation(full) == "marts.fct_llm_usage_daily"
    assert usage.usage_relation(llm) == usage.USAGE_FROM_REQUESTS
    start, end, _ = window(llm)
    f = Filters(dims={"team": ("search",)})
    for by in ("user", "prompt"):
        from_log, daily_log = usage.requests_by(llm, f, start, end, by)
        from_mart, daily_mart = usage.requests_by(full, f, start, end, by)
        assert from_log.drop("first_request", "last_request").equals(
            from_mart.drop("first_request", "last_request")
        )
        assert daily_log["spend"].sum() == pytest.approx(daily_mart["spend"].sum())
    feature = efficiency.by_feature(llm, Filters(), start, end)["feature_id"][0]
    target = efficiency.candidate_models(llm)["model_key"][0]
    assert efficiency.what_if(llm, feature, target, start, end)[1]["target_cost"] == pytest.approx(
        efficiency.what_if(full, feature, target, start, end)[1]["target_cost"]
    )
    user = usage.requests_by(llm, f, start, end, "user")[0]["key"][0]
    assert usage.requests_daily(llm, f, start, end, {"user": user}).equals(
        usage.requests_daily(full, f, start, end, {"user": user})
    )
