"""The cycle for real: the scheduler with second-level intervals, SIGTERM, SIGKILL mid-cycle then `burnrate run`,
and SIGKILL mid-send. Subprocesses of the real CLI; the warehouse is a private copy of the session's workload."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from burnrate import warehouse
from tests.alerts.conftest import subprocess_env
from tests.fakes.slack_webhook import FakeSlackWebhook

pytestmark = pytest.mark.slow


def _start(cfg, args: list[str], log: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "burnrate", *args],
        env=subprocess_env(cfg, **env),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_for(
    predicate, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None
):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}" + (f"\n{log.read_text()[-3000:]}" if log else ""))


def _published_runs(cfg) -> list[tuple]:
    try:
        with warehouse.reader(cfg) as con:
            return con.execute(
                "select trigger, status, step from alerts.run_history order by started_at"
            ).fetchall()
    except (warehouse.NoSnapshotYet, duckdb.Error):
        return []


def _live(cfg, sql: str) -> list[tuple]:
    with warehouse.reader(cfg, live=True) as con:
        return con.execute(sql).fetchall()


def _sources(built) -> dict[str, str]:
    gen = built[1]
    return {
        "BURNRATE_LANGFUSE_EXPORT_PATHS": str(gen / "langfuse"),
        "BURNRATE_HELICONE_EXPORT_PATHS": str(gen / "helicone" / "export"),
        "BURNRATE_DCGM_PATHS": str(gen / "dcgm" / "snapshots"),
    }


def test_run_does_one_full_cycle(wh, built, tmp_path):
    log = tmp_path / "run.log"
    proc = _start(wh, ["run"], log, **_sources(built))
    assert proc.wait(timeout=600) == 0, log.read_text()[-3000:]
    text = log.read_text()
    assert ": ok in" in text and all(f"{step}:" in text for step in ("ingest", "build", "detect", "alert"))
    (trigger, status, error, rows), *more = _live(
        wh, "select trigger, status, error, rows from alerts.run_history"
    )
    assert (trigger, status, error, more) == ("manual", "ok", None, [])
    assert set(json.loads(rows)) == {"ingest", "build", "detect", "alert"}
    assert _live(wh, "select count(*) from raw.dcgm_samples")[0][0] > 0  # a source the build had not seen
    assert _live(wh, "select count(*) from alerts.anomalies")[0][0] > 0
    with warehouse.reader(wh) as con:  # published for the dashboard, with the run's outcome
        assert con.execute("select status from alerts.run_history").fetchall() == [("ok",)]


def test_scheduler_killed_mid_cycle_restarts_completes_the_work_and_stops_on_sigterm(wh, built, tmp_path):
    cron = {"BURNRATE_SCHEDULE_CYCLE_CRON": "*/2 * * * * *", **_sources(built)}
    log = tmp_path / "killed.log"
    proc = _start(wh, ["schedule"], log, **cron)
    try:
        _wait_for(lambda: "─ build" in log.read_text(), 300, "the build step", proc, log)
        time.sleep(2)  # dbt is writing models now
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    # the restarted scheduler marks the dead run, completes a cycle, then stops cleanly on SIGTERM
    log2 = tmp_path / "restart.log"
    proc = _start(wh, ["schedule"], log2, **cron)
    try:
        _wait_for(
            lambda: ("schedule", "ok", "alert") in _published_runs(wh), 300, "a finished cycle", proc, log2
        )
        _wait_for(lambda: "─ build" in log2.read_text().split(": ok")[-1], 120, "the next build", proc, log2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=300) == 0, log2.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = log2.read_text()
    assert "had been interrupted" in text and "received SIGTERM" in text and "scheduler stopped" in text
    runs = _live(wh, "select trigger, status, error, rows from alerts.run_history order by started_at")
    assert [s for _, s, _, _ in runs] == ["interrupted", "ok", "interrupted"]
    assert all(t == "schedule" for t, _, _, _ in runs)
    assert "stopped before the run finished" in runs[0][2] and runs[1][2] is None
    assert set(json.loads(runs[1][3])) == {"ingest", "build", "detect", "alert"}
    # consistent and complete: every source loaded once, marts built, anomalies detected, alerts unique
    assert _live(wh, "select count(*) from raw.dcgm_samples")[0][0] > 0
    assert _live(wh, "select count(*) - count(distinct (source, path)) from meta.ingest_files")[0][0] == 0
    assert _live(wh, "select count(*) from marts.fct_llm_requests")[0][0] > 0
    assert _live(wh, "select count(*) from alerts.anomalies")[0][0] > 0
    assert _live(wh, "select count(*) - count(distinct alert_key) from alerts.alert_outbox")[0][0] == 0


def test_sigkill_while_sending_loses_nothing_and_duplicates_at_most_one(queued, tmp_path):
    expected = [r[0] for r in _live(queued, "select alert_key from alerts.alert_outbox order by seq")]
    with FakeSlackWebhook() as slack:
        slack.faults.add("delay_all", seconds=0.4)
        env = {"SLACK_WEBHOOK_URL": slack.webhook_url}
        log = tmp_path / "alert.log"
        proc = _start(queued, ["alert"], log, **env)
        try:
            _wait_for(lambda: len(slack.requests) >= 4, 120, "a few alerts in flight", proc, log)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        before = len(slack.messages)
        assert 0 < before < len(expected)
        log2 = tmp_path / "alert2.log"
        again = _start(queued, ["alert"], log2, **env)
        assert again.wait(timeout=300) == 0, log2.read_text()[-3000:]
        received = [json.loads(json.dumps(m)) for m in slack.messages]
    keys = [
        next(b for b in m["blocks"][::-1] if b["type"] == "context")["elements"][0]["text"].split("`")[1]
        for m in received
    ]
    assert set(keys) == set(expected)
    assert len(keys) - len(set(keys)) <= 1  # only the alert in flight at the kill may arrive twice
    assert list(dict.fromkeys(keys)) == expected  # and in order
    statuses = _live(queued, "select status, count(*) from alerts.alert_outbox group by 1")
    assert statuses == [("sent", len(expected))]


def test_scheduler_digest_job_queues_and_delivers_the_digest(queued):
    from datetime import date

    from alerts.schedule import Scheduler

    scheduler = Scheduler(queued)
    assert {job.id for job in scheduler.scheduler.get_jobs()} == {"cycle", "digest"}
    scheduler.digest(date(2026, 11, 19))
    rows = _live(
        queued, "select status, channel from alerts.alert_outbox where alert_key = 'digest:2026-11-19'"
    )
    assert rows == [("sent", "console")]
    assert _live(
        queued, "select trigger, status, step from alerts.run_history where trigger = 'schedule'"
    ) == [("schedule", "ok", "alert")]


@pytest.mark.parametrize("cron", ["every minute", "* * *", "61 * * * *"])
def test_a_bad_schedule_is_a_configuration_error(cron):
    from alerts.schedule import cron_trigger
    from burnrate.errors import ConfigError

    with pytest.raises(ConfigError, match="schedule.cycle_cron"):
        cron_trigger(cron, "UTC")
