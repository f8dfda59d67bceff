"""The outbox on its own (small, fast): keys are unique, order is kept, an incident is alerted once."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from alerts import notify, outbox
from burnrate import warehouse


def _anomaly(anomaly_id: str, event_id: str, primary: bool, scope: str = "coding-agent") -> dict:
    return {
        "anomaly_id": anomaly_id,
        "event_id": event_id,
        "is_primary": primary,
        "scope_type": "feature",
        "scope_value": scope,
        "grain": "hour",
        "window_start": datetime(2026, 11, 19, 10),
        "window_end": datetime(2026, 11, 19, 12),
        "severity": "medium",
        "is_escalated": False,
        "actual_spend": 12.0,
        "expected_spend": 2.0,
        "impact_usd": 10.0,
        "impact_usd_per_hour": 5.0,
        "impact_pct": 500.0,
        "pattern": "token_spike",
        "root_cause": "Tokens per request on feature coding-agent 9.0× the usual; impact $10.00.",
    }


def test_keys_are_unique_and_order_is_kept(cfg):
    with warehouse.writer(cfg) as con:
        assert outbox.enqueue(con, "digest:2026-11-18", "digest", "low", {"text": "a"}, "u")
        assert outbox.enqueue(con, "digest:2026-11-19", "digest", "low", {"text": "b"}, "u")
        assert not outbox.enqueue(con, "digest:2026-11-18", "digest", "low", {"text": "again"}, "u")
        assert [a["alert_key"] for a in outbox.pending(con)] == ["digest:2026-11-18", "digest:2026-11-19"]
        outbox.mark_sent(con, "digest:2026-11-18", "slack")
        assert [a["alert_key"] for a in outbox.pending(con)] == ["digest:2026-11-19"]


def test_an_incident_regrouped_under_another_primary_is_not_alerted_twice(cfg):
    newest = datetime(2026, 11, 19, 23)
    first = pl.DataFrame([_anomaly("a1", "a1", True), _anomaly("a2", "a1", False, "reply-suggest")])
    # the next run sees the same incident, now led by a2 (a longer window), a1 still a member
    later = pl.DataFrame([_anomaly("a1", "a2", False), _anomaly("a2", "a2", True, "reply-suggest")])
    other = pl.DataFrame([_anomaly("b1", "b1", True, "ad-copy")])
    with warehouse.writer(cfg) as con:
        assert notify.queue_anomalies(con, cfg, first, newest, [], {}) == 1
        assert notify.queue_anomalies(con, cfg, later, newest, [], {}) == 0
        assert notify.queue_anomalies(con, cfg, other, newest, [], {}) == 1
        keys = [a["alert_key"] for a in outbox.pending(con)]
    assert keys == ["anomaly:a1", "anomaly:b1"]


def test_old_and_minor_anomalies_are_recorded_not_alerted(cfg, monkeypatch):
    monkeypatch.setenv("BURNRATE_ALERTS_MIN_SEVERITY", "high")
    from burnrate import config

    strict = config.load()
    found = pl.DataFrame([_anomaly("c1", "c1", True)])
    fresh, days_later = datetime(2026, 11, 19, 23), datetime(2026, 11, 25)
    with warehouse.writer(strict) as con:
        assert notify.queue_anomalies(con, strict, found, fresh, [], {}) == 0  # medium < high
    with warehouse.writer(cfg) as con:
        assert notify.queue_anomalies(con, cfg, found, days_later, [], {}) == 0  # ended days before
        assert notify.queue_anomalies(con, cfg, found, fresh, [], {}) == 1
