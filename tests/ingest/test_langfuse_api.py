"""Langfuse API pulls against the fake server: idempotent windows, updates, faults, v1 fallback, resume."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from burnrate.errors import SourceUnavailable
from ingest import landing, langfuse
from ingest.http import HttpError
from tests.ingest.conftest import T0, rows

UNTIL = T0 + timedelta(days=1)


def test_same_window_twice_adds_nothing_and_updates_are_picked_up(lf, load_cfg, con):
    cfg = load_cfg()
    first = langfuse.pull(con, cfg, since=T0, until=UNTIL)
    assert (first.counts.new, first.counts.quarantined) == (300, 0)
    snapshot = rows(con, "raw.langfuse_observations", "id")
    again = langfuse.pull(con, cfg, since=T0, until=UNTIL)
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, 300)
    assert rows(con, "raw.langfuse_observations", "id") == snapshot
    lf.update("obs-00042", totalCost=1.5, endTime="2026-11-01T00:43:00.000Z")
    later = langfuse.pull(con, cfg, since=T0, until=UNTIL)
    assert (later.counts.new, later.counts.updated) == (0, 1)
    assert con.execute(
        "select total_cost, count(*) over () from raw.langfuse_observations where id = 'obs-00042'"
    ).fetchone() == (Decimal("1.5"), 1)
    assert con.execute("select count(*) from raw.langfuse_observations").fetchone()[0] == 300


def test_requests_follow_the_documented_contract(lf, load_cfg, con):
    langfuse.pull(con, load_cfg(), since=T0, until=UNTIL)
    pages = [
        (q, path)
        for m, path, q, _ in lf.requests
        if path == "/api/public/v2/observations" and "fromStartTime" in q
    ]
    assert pages
    for q, _ in pages:
        assert q["type"] == ["GENERATION"] and q["limit"] == ["1000"]
        assert "io" not in q["fields"][0].split(",") and "usage" in q["fields"][0].split(",")
    lineage = con.execute(
        "select distinct _source, _location, _line from raw.langfuse_observations"
    ).fetchall()
    assert lineage == [
        (
            "api_v2",
            "GET /api/public/v2/observations [2026-11-01T00:00:00.000Z, 2026-11-02T00:00:00.000Z)",
            None,
        )
    ]
    assert landing.get_state(con, "langfuse", "proj-1", "watermark") == "2026-11-02T00:00:00.000Z"


def test_faults_are_survived_and_duplicates_across_pages_collapse(
    lf, load_cfg, con, fast_retries, monkeypatch
):
    monkeypatch.setenv("BURNRATE_LANGFUSE_PAGE_LIMIT", "50")
    monkeypatch.setenv("BURNRATE_HTTP_RETRY_MAX_ATTEMPTS", "8")
    monkeypatch.setenv("BURNRATE_HTTP_RETRY_MAX_SECONDS", "20")
    lf.duplicate_across_pages = True
    path = "/api/public/v2/observations"
    lf.faults.add("429", retry_after=1, path=path)
    lf.faults.add("500", path=path)
    lf.faults.add("reset", path=path)
    lf.faults.add("malformed", path=path)
    lf.faults.add("slow", seconds=0.3, path=path)
    s = langfuse.pull(con, load_cfg(), since=T0, until=UNTIL)
    assert s.counts.new == 300 and s.counts.unchanged > 0  # the repeated rows were seen again, not added
    assert con.execute("select count(*), count(distinct id) from raw.langfuse_observations").fetchone() == (
        300,
        300,
    )


def test_unreachable_names_source_and_window_and_keeps_committed_pages(
    lf, load_cfg, con, fast_retries, monkeypatch
):
    monkeypatch.setenv("BURNRATE_LANGFUSE_PAGE_LIMIT", "100")
    monkeypatch.setenv("BURNRATE_LANGFUSE_WINDOW_HOURS", "12")
    cfg = load_cfg()
    calls = {"n": 0}
    original = lf.handle

    def failing_after_two_pages(method, path, query, body, headers):
        if path.endswith("/v2/observations") and "fromStartTime" in query:
            calls["n"] += 1
            if calls["n"] > 2:
                return 503, {"message": "down"}
        return original(method, path, query, body, headers)

    lf.handle = failing_after_two_pages
    with pytest.raises(SourceUnavailable) as err:
        langfuse.pull(con, cfg, since=T0, until=UNTIL)
    assert (
        "langfuse: GET /api/public/v2/observations [2026-11-01T00:00:00.000Z, 2026-11-01T12:00:00.000Z)"
        in str(err.value)
    )
    assert "unreachable after" in str(err.value)
    assert con.execute("select count(*) from raw.langfuse_observations").fetchone()[0] == 200
    saved = json.loads(landing.get_state(con, "langfuse", "proj-1", "cursor"))
    assert saved["page"] == 2 and saved["cursor"]
    lf.handle = original
    done = langfuse.pull(con, cfg)  # no --since: resumes the window in progress from its cursor
    assert done.counts.new == 100
    assert con.execute("select count(*) from raw.langfuse_observations").fetchone()[0] == 300


def test_bad_credentials_fail_without_retrying(lf, load_cfg, con, monkeypatch):
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-lf-wrong")
    with pytest.raises(HttpError, match="HTTP 401: authentication failed"):
        langfuse.pull(con, load_cfg(), since=T0, until=UNTIL)


def test_v1_fallback_pulls_observations_and_traces(lf, load_cfg, con):
    lf.v2 = False
    s = langfuse.pull(con, load_cfg(), since=T0, until=UNTIL)
    assert s.counts.quarantined == 0
    assert con.execute("select count(*), min(_source) from raw.langfuse_observations").fetchone() == (
        300,
        "api_v1",
    )
    assert con.execute("select count(*) from raw.langfuse_traces").fetchone()[0] == 100
    v1 = [q for _, p, q, _ in lf.requests if p == "/api/public/observations"]
    assert v1 and all(int(q["limit"][0]) <= 100 for q in v1)
    joined = con.execute(
        "select o.total_cost, o.provided_model_name, t.user_id from raw.langfuse_observations o "
        "join raw.langfuse_traces t on t.id = o.trace_id where o.id = 'obs-00004'"
    ).fetchone()
    assert joined == (Decimal("0.0005"), "gpt-4o", "user-3")


def test_a_malformed_record_in_a_page_is_quarantined_with_its_window(lf, load_cfg, con):
    lf.records["obs-00005"]["promptVersion"] = "three"
    lf.records["obs-00006"]["usageDetails"] = (
        "PROMPT TEXT"  # a string where a JSON map belongs is kept as JSON
    )
    s = langfuse.pull(con, load_cfg(), since=T0, until=UNTIL)
    assert (s.counts.new, s.counts.quarantined) == (299, 1)
    loc, line, field, reason, raw = con.execute(
        "select location, line, field, reason, raw from meta.quarantine"
    ).fetchone()
    assert loc.startswith("GET /api/public/v2/observations [2026-11-01T00:00:00.000Z, ") and loc.endswith(
        " page 1"
    )
    assert (field, reason) == ("prompt_version", "prompt_version is not an integer: three")
    assert json.loads(raw)["id"] == "obs-00005" and line >= 1
