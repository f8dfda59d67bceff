"""Budget marts on the demo workload: the generator's team budgets check out against labels/budget_labels.csv."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest

# the generator forecasts MTD + last-7-day run rate x days left; the mart forecasts each day left from the same
# weekday's trailing average x trend: on an 8-day demo the two agree within this share
FORECAST_TOLERANCE = 0.15


def _labels(workload_root) -> list[dict]:
    with open(workload_root / "demo" / "labels" / "budget_labels.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _status(live) -> dict[str, dict]:
    cur = live.execute("select * from marts.fct_budget_status where is_current_period")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return {r["budget_id"]: r for r in rows}


def test_team_budgets_match_the_generator_labels(built, live, workload_root):
    status = _status(live)
    labels = _labels(workload_root)
    assert len(labels) == 8
    for label in labels:
        row = status[f"team-{label['team_id']}"]
        assert row["basis"] == label["basis"] == "llm_list_cost"
        assert row["period_start"].strftime("%Y-%m") == label["month"]
        # labels are as of end_date (exclusive): data through the day before
        assert row["as_of_date"] == date.fromisoformat(label["as_of"]) - timedelta(days=1)
        assert float(row["amount"]) == float(label["budget_usd"])
        assert float(row["spend_to_date"]) == pytest.approx(float(label["mtd_spend_usd"]), abs=1e-3)
        assert row["pct_used"] == pytest.approx(float(label["mtd_pct"]), abs=0.01)
        assert row["tier_reached"] == label["tier_reached"]
        assert float(row["forecast_spend"]) == pytest.approx(
            float(label["forecast_month_end_usd"]), rel=FORECAST_TOLERANCE
        )
        # the two forecasts differ by method, so their tiers may only differ near a tier threshold
        near = any(
            abs(float(label["forecast_pct"]) - threshold) <= FORECAST_TOLERANCE * threshold
            for threshold in (row["warning_pct"], row["critical_pct"], row["emergency_pct"])
        )
        assert row["forecast_tier"] == label["forecast_tier"] or near, label["team_id"]
        overrun = row["projected_breach_date"] is not None
        assert overrun == (label["on_track_to_overrun"] == "true") or near, label["team_id"]


def test_every_kind_of_budget_has_a_status(built, live):
    status = _status(live)
    kinds = {(r["scope_type"], r["period_type"]) for r in status.values()}
    assert {
        ("team", "monthly"),
        ("global", "monthly"),
        ("provider", "quarterly"),
        ("feature", "monthly"),
    } <= kinds
    quota = status["feature-rag-answer-monthly"]
    assert quota["token_quota"] > 0 and quota["tokens_to_date"] > 0
    assert quota["quota_pct"] == pytest.approx(100 * quota["tokens_to_date"] / quota["token_quota"])
    total = live.execute(
        "select sum(effective_cost) from marts.fct_costs_daily where charge_date between ? and ?",
        [status["global-all-monthly"]["period_start"], status["global-all-monthly"]["as_of_date"]],
    ).fetchone()[0]
    assert status["global-all-monthly"]["spend_to_date"] == total
    for row in status.values():
        assert row["forecast_spend"] >= row["spend_to_date"]
        assert row["pct_used"] == pytest.approx(100 * float(row["spend_to_date"]) / float(row["amount"]))


def test_budget_daily_lines_add_up_to_the_status(built, live):
    diffs = live.execute(
        """select s.budget_id from marts.fct_budget_status s
        join (select budget_id, period_start, sum(actual_spend) as actual,
                sum(coalesce(actual_spend, forecast_spend)) as projected
              from marts.fct_budget_daily group by all) d using (budget_id, period_start)
        where abs(d.actual - s.spend_to_date) > 0.000001 or abs(d.projected - s.forecast_spend) > 0.000001"""
    ).fetchall()
    assert diffs == []
