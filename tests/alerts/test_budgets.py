"""Budget alerts from a `marts.fct_budget_status` of the contract's shape (the mart is built by another pass)."""

from __future__ import annotations

import json

from alerts import budgets, pipeline
from burnrate import config, warehouse

CONTRACT = """
create schema if not exists marts;
create or replace table marts.fct_budget_status (
    budget_id varchar, scope_type varchar, scope_value varchar, budget_name varchar,
    period_type varchar, period_start date, period_end date, as_of_date date,
    amount decimal(38, 12), spend_to_date decimal(38, 12), pct_used double,
    tier_reached varchar, warning_pct double, critical_pct double, emergency_pct double,
    forecast_spend decimal(38, 12), forecast_pct double, forecast_tier varchar, projected_breach_date date,
    token_quota bigint, tokens_to_date bigint, quota_pct double, quota_tier varchar
);
"""
ROW = "insert into marts.fct_budget_status values (?, ?, ?, ?, 'monthly', '2026-11-01', '2026-12-01', ?, ?, ?, ?, ?, 70, 90, 100, ?, ?, ?, ?, ?, ?, ?, ?)"


def _status(cfg, rows: list[list]) -> None:
    with warehouse.writer(cfg) as con:
        con.execute(CONTRACT)
        for r in rows:
            con.execute(ROW, r)


AGENTS = ["b-agents", "team", "agents", "Agents LLM", "2026-11-19", 1150, 1080, 93.9, "critical", 1700, 147.8, "emergency", "2026-11-24", None, None, None, "none"]  # fmt: skip
GROWTH = ["b-growth", "team", "growth", "Growth LLM", "2026-11-19", 150, 80, 53.3, "none", 120, 80.0, "warning", None, 1_000_000, 900_000, 90.0, "warn"]  # fmt: skip
GLOBAL = ["b-all", "global", "all", "All AI", "2026-11-19", 10000, 3000, 30.0, "none", 4800, 48.0, "none", None, None, None, None, "none"]  # fmt: skip


def _outbox(cfg) -> dict[str, dict]:
    with warehouse.reader(cfg, live=True) as con:
        cur = con.execute("select * from alerts.alert_outbox order by seq")
        names = [d[0] for d in cur.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def test_tiers_quotas_and_forecasts_alert_once_each(wh):
    _status(wh, [AGENTS, GROWTH, GLOBAL])
    cycle = pipeline.run_cycle(wh, steps=("detect",))
    assert cycle.status == "ok", cycle.errors
    rows = _outbox(wh)
    budget_keys = {k for k in rows if not k.startswith("anomaly:")}
    assert budget_keys == {
        "budget:b-agents:2026-11-01:critical",
        "forecast:b-agents:2026-11-01",
        "budget:b-growth:2026-11-01:warn",
    }
    forecast = json.loads(rows["forecast:b-agents:2026-11-01"]["payload"])
    assert "forecast to exceed on 24 Nov" in forecast["text"]
    assert (
        rows["budget:b-agents:2026-11-01:critical"]["dashboard_url"]
        == "http://127.0.0.1:8501/budgets?budget=b-agents"
    )
    assert rows["budget:b-agents:2026-11-01:critical"]["severity"] == "high"

    # the same status again: nothing new; crossing the next tier: exactly one new alert
    assert pipeline.run_cycle(wh, steps=("detect",)).rows["detect"]["alerts_queued"] == 0
    emergency = AGENTS.copy()
    emergency[6:9] = [1160, 100.9, "emergency"]
    with warehouse.writer(wh) as con:
        con.execute("delete from marts.fct_budget_status where budget_id = 'b-agents'")
        con.execute(ROW, emergency)
    assert pipeline.run_cycle(wh, steps=("detect",)).rows["detect"]["alerts_queued"] == 1
    assert "budget:b-agents:2026-11-01:emergency" in _outbox(wh)


def test_anomalies_under_a_critical_budget_are_escalated(wh, monkeypatch):
    monkeypatch.setenv("BURNRATE_ALERTS_RECENT_HOURS", "100000")
    cfg = config.load()
    _status(cfg, [AGENTS, GROWTH, GLOBAL])
    pipeline.run_cycle(cfg, steps=("detect",))
    with warehouse.reader(cfg, live=True) as con:
        rows = con.execute(
            "select scope_type, scope_value, severity, is_escalated, anomaly_id from alerts.anomalies"
        ).fetchall()
        team_of = {}
        from alerts import buckets

        lo, hi = buckets.data_range(con)
        buckets.load_cells(con, lo, hi)
        team_of = buckets.team_of(con)
    in_agents = [r for r in rows if r[1] == "agents" or team_of.get((r[0], r[1])) == "agents"]
    elsewhere = [r for r in rows if r not in in_agents and r[0] != "model"]
    assert in_agents and all(r[3] for r in in_agents)
    assert all(r[2] != "low" for r in in_agents)  # raised one level
    assert elsewhere and not any(r[3] for r in elsewhere)
    payloads = _outbox(cfg)
    escalated = [
        p
        for k, p in payloads.items()
        if k.startswith("anomaly:") and p["subject_id"] in {r[4] for r in in_agents}
    ]
    assert all(
        "94% of Agents LLM" in json.loads(p["payload"])["blocks"][1]["fields"][4]["text"] for p in escalated
    )


def test_without_the_budget_mart_budget_alerts_are_skipped_with_a_note(wh):
    cycle = pipeline.run_cycle(wh, steps=("detect",))
    assert cycle.status == "ok"
    assert budgets.NOT_BUILT in cycle.notes
    assert not any(k.startswith(("budget:", "forecast:")) for k in _outbox(wh))
