"""Ground truth: anomaly labels (four patterns, sane windows) and budget labels."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

import pytest

from burnrate.generate import anomalies, generate, traffic

COLUMNS = [
    "anomaly_id",
    "pattern",
    "scope_type",
    "scope_value",
    "start",
    "end",
    "top_contributor_type",
    "top_contributor_value",
    "description",
]


def _plan(days: int, seed: int = 1, rpd: int = 10_000):
    end = date(2026, 11, 20)
    start = end - timedelta(days=days)
    return start, anomalies.plan(start, days, seed, traffic.expected_counts(start, days, end, rpd))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_thirty_days_have_twelve_plus_anomalies_of_all_patterns(seed):
    start, plan = _plan(30, seed)
    assert len(plan) >= 12
    assert {a.pattern for a in plan} == set(anomalies.PATTERNS)
    spans = sorted((a.start_ms, a.end_ms) for a in plan)
    for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
        assert e1 <= s2  # never overlapping (so never on the same scope at once)
    for a in plan:
        assert 2 <= (a.end_ms - a.start_ms) / 3_600_000 <= 12
        assert a.start_ms >= traffic.epoch_ms(start + timedelta(days=1))
        assert a.scope_type in {"team", "feature", "model", "user"}
        assert a.top_contributor_type in {"user", "model", "feature", "prompt"}
    assert (spans[-1][0] - spans[0][0]) / 86_400_000 > 20  # spread over the period


def test_short_runs_scale_down_but_cover_all_patterns_from_seven_days():
    assert {a.pattern for a in _plan(7)[1]} == set(anomalies.PATTERNS)
    assert 1 <= len(_plan(3)[1]) < 4
    assert _plan(1)[1] == []


def test_labels_file(workload):
    with open(workload / "labels" / "anomaly_labels.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and list(rows[0])[: len(COLUMNS)] == COLUMNS
    assert {r["pattern"] for r in rows} == set(anomalies.PATTERNS)
    for r in rows:
        start = datetime.fromisoformat(r["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(r["end"].replace("Z", "+00:00"))
        assert start < end and r["start"].endswith("Z")
        assert int(r["affected_requests"]) > 0


def test_budget_labels_are_consistent(workload):
    with open(workload / "labels" / "budget_labels.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 8
    for r in rows:
        pct = float(r["mtd_pct"])
        expected = (
            "emergency" if pct >= 100 else "critical" if pct >= 90 else "warning" if pct >= 70 else "none"
        )
        assert r["tier_reached"] == expected
        assert (r["on_track_to_overrun"] == "true") == (
            float(r["forecast_month_end_usd"]) > float(r["budget_usd"])
        )


@pytest.mark.slow
def test_default_run_has_one_team_on_track_to_overrun(tmp_path):
    manifest = generate(tmp_path / "demo")
    assert manifest["artifacts"]["labels"]["over_budget_teams"] == ["agents"]
    assert manifest["artifacts"]["labels"]["anomalies"] >= 12
    with open(tmp_path / "demo" / "labels" / "budget_labels.csv", newline="") as fh:
        agents = next(r for r in csv.DictReader(fh) if r["team_id"] == "agents")
    assert agents["tier_reached"] in {"warning", "critical"} and agents["forecast_tier"] == "emergency"
    assert any(
        p["meta"]["cursor"]
        for p in [
            __import__("json").loads(x.read_text())
            for x in sorted((tmp_path / "demo" / "langfuse" / "api").rglob("*.json"))[:3]
        ]
    )
