"""Recognizable fake keys through a whole cycle and its failures: none of them in any output, log, warehouse
table (quarantine, run history, alert outbox), or the published snapshot.

One `burnrate -vv run` pulls Langfuse (one record quarantined) and Helicone (answers 401) with Slack down,
then `burnrate -vv alert` meets a wrong webhook URL (404) and finally delivers."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import duckdb
import pytest

from burnrate import warehouse
from burnrate.build import project_dir
from tests.alerts.conftest import subprocess_env
from tests.fakes.helicone_server import FakeHelicone, request
from tests.fakes.langfuse_server import FakeLangfuse, observation
from tests.fakes.slack_webhook import PATH, FakeSlackWebhook

pytestmark = pytest.mark.slow

PK, SK = "pk-lf-BURNRATE-CANARY-PUBLIC-7f3a", "sk-lf-BURNRATE-CANARY-SECRET-7f3a"
HK = "sk-helicone-BURNRATE-CANARY-KEY-7f3a"
WRONG_HOOK = "/services/T0BURNRATE/B0ALERTS/CANARYWRONGWEBHOOKTOKEN7f3a"
SECRETS = (PK, SK, HK, PATH.rsplit("/", 1)[1], WRONG_HOOK.rsplit("/", 1)[1], "CANARY")


def _text_columns(path) -> list[str]:
    """Every text, JSON and list value of every table in a DuckDB file, as text."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        cols = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where data_type in ('VARCHAR', 'JSON') or data_type like '%[]' or data_type like 'STRUCT%'"
        ).fetchall()
        return [
            str(v) for s, t, c in cols for (v,) in con.execute(f'select "{c}" from "{s}"."{t}"').fetchall()
        ]
    finally:
        con.close()


def test_no_secret_reaches_output_logs_warehouse_or_snapshot(queued, tmp_path):
    t0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    records = [observation(i, t0.replace(hour=0), minutes=3) for i in range(20)]
    records[3]["promptVersion"] = "not a number"  # quarantined, with the record's text
    dbt_log = project_dir() / "target" / "logs" / "dbt.log"
    offset = dbt_log.stat().st_size if dbt_log.exists() else 0
    outputs = []
    with (
        FakeLangfuse(records, public_key=PK, secret_key=SK) as lf,
        FakeHelicone([request(i, t0) for i in range(5)], api_key="sk-helicone-the-right-one") as hc,
        FakeSlackWebhook() as slack,
    ):
        env = subprocess_env(
            queued,
            LANGFUSE_HOST=lf.url,
            LANGFUSE_PUBLIC_KEY=PK,
            LANGFUSE_SECRET_KEY=SK,
            HELICONE_BASE_URL=hc.url,
            HELICONE_API_KEY=HK,  # not the key the fake accepts: 401
            SLACK_WEBHOOK_URL=slack.webhook_url,
            BURNRATE_HTTP_RETRY_MAX_ATTEMPTS="2",
            BURNRATE_ALERTS_SEND_BUDGET_SECONDS="2",
        )
        slack.down = True

        def burnrate(*args: str, **extra: str) -> subprocess.CompletedProcess:
            proc = subprocess.run(
                [sys.executable, "-m", "burnrate", "-vv", *args],
                env=env | extra,
                capture_output=True,
                text=True,
                timeout=900,
            )
            outputs.append(proc.stdout + proc.stderr)
            return proc

        run = burnrate("run")
        assert run.returncode != 0 and "401" in outputs[-1], outputs[-1][-3000:]
        slack.down = False
        wrong = burnrate("alert", SLACK_WEBHOOK_URL=slack.url + WRONG_HOOK)
        assert wrong.returncode == 4  # 404 until the retry budget ends: the alerts stay pending
        assert burnrate("alert").returncode == 0 and slack.messages
    with warehouse.reader(queued, live=True) as con:
        quarantined = con.execute("select raw from meta.quarantine").fetchall()
        assert any("not a number" in r[0] for r in quarantined)  # we did look at real content
    texts = outputs + [dbt_log.read_bytes()[offset:].decode(errors="replace")]
    texts += _text_columns(queued.warehouse_path) + _text_columns(warehouse.current_snapshot(queued))
    blob = "\n".join(texts)
    assert "promptVersion" in blob or "prompt_version" in blob
    leaks = [s for s in SECRETS if s in blob]
    assert not leaks, [line for line in blob.splitlines() if any(s in line for s in leaks)][:5]
