"""Alert delivery against a local Slack incoming webhook: payloads, outages, rate limits, rejections, no webhook."""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.blocks import ActionsBlock, Block, HeaderBlock, SectionBlock

from alerts import outbox, pipeline
from burnrate import warehouse
from tests.fakes.slack_webhook import FakeSlackWebhook


@pytest.fixture
def slack(monkeypatch):
    with FakeSlackWebhook() as srv:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", srv.webhook_url)
        yield srv


def _outbox(cfg) -> list[dict]:
    with warehouse.reader(cfg, live=True) as con:
        cur = con.execute("select * from alerts.alert_outbox order by seq")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _keys(messages: list[dict]) -> list[str]:
    """The alert key each message carries in its footer."""
    out = []
    for m in messages:
        context = [b for b in m["blocks"] if b["type"] == "context"][-1]
        out.append(context["elements"][0]["text"].split("`")[1])
    return out


def test_payloads_are_block_kit_with_what_where_how_much_and_a_link(queued):
    rows = _outbox(queued)
    anomaly_rows = [r for r in rows if r["kind"] == "anomaly"]
    assert anomaly_rows
    for row in anomaly_rows:
        payload = json.loads(row["payload"])
        blocks = [Block.parse(b) for b in payload["blocks"]]
        assert isinstance(blocks[0], HeaderBlock) and isinstance(blocks[1], SectionBlock)
        assert any(isinstance(b, ActionsBlock) for b in blocks)
        for b in blocks:
            b.validate_json()
        anomaly_id = row["subject_id"]
        assert row["dashboard_url"] == f"http://127.0.0.1:8501/anomalies?anomaly={anomaly_id}"
        button = next(b for b in payload["blocks"] if b["type"] == "actions")["elements"][0]
        assert button["url"] == row["dashboard_url"]
        fields = " ".join(f["text"] for f in payload["blocks"][1]["fields"])
        for what in ("*Scope*", "*Impact*", "*Budget*", "*When*"):
            assert what in fields
        assert "$" in payload["text"] and row["dashboard_url"] in payload["text"]
        with warehouse.reader(queued, live=True) as con:
            scope, grain, cause = con.execute(
                "select scope_value, grain, root_cause from alerts.anomalies where anomaly_id = ?",
                [anomaly_id],
            ).fetchall()[0]
        assert scope in payload["blocks"][0]["text"]["text"] and cause in payload["blocks"][1]["text"]["text"]
        if grain == "hour":
            assert "/h)" in fields


def test_slack_down_two_cycles_then_up_delivers_each_alert_once_in_order(queued, slack):
    expected = [r["alert_key"] for r in _outbox(queued)]
    slack.down = True
    for _ in range(2):
        cycle = pipeline.run_cycle(queued, steps=("alert",))
        assert cycle.status == "failed" and cycle.exit_code == 4
        assert all(r["status"] == "pending" for r in _outbox(queued))
    assert slack.messages == []
    first = _outbox(queued)[0]
    assert first["attempts"] >= 2 and "503" in first["last_error"]

    slack.down = False
    cycle = pipeline.run_cycle(queued, steps=("alert",))
    assert cycle.status == "ok", cycle.errors
    assert _keys(slack.messages) == expected
    rows = _outbox(queued)
    assert all(r["status"] == "sent" and r["channel"] == "slack" and r["sent_at"] for r in rows)

    again = pipeline.run_cycle(queued, steps=("alert",))
    assert again.rows["alert"]["sent"] == 0 and len(slack.messages) == len(expected)


def test_429_waits_retry_after_within_the_budget_else_stays_pending(queued, slack):
    slack.faults.add("429", retry_after=1)
    cycle = pipeline.run_cycle(queued, steps=("alert",))
    assert cycle.status == "ok"
    rows = _outbox(queued)
    assert rows[0]["attempts"] == 2 and all(r["status"] == "sent" for r in rows)
    assert _keys(slack.messages) == [r["alert_key"] for r in rows]


def test_429_longer_than_the_budget_leaves_alerts_pending(queued, slack):
    slack.faults.add("429", retry_after=60)
    cycle = pipeline.run_cycle(queued, steps=("alert",))
    assert cycle.exit_code == 4
    rows = _outbox(queued)
    assert all(r["status"] == "pending" for r in rows) and "429" in rows[0]["last_error"]
    assert slack.messages == []
    pipeline.run_cycle(queued, steps=("alert",))  # the next run delivers them
    assert len(slack.messages) == len(rows)


def test_timeouts_leave_alerts_pending(queued, slack):
    slack.faults.add("slow", seconds=3, times=5)
    cycle = pipeline.run_cycle(queued, steps=("alert",))
    assert cycle.exit_code == 4
    rows = _outbox(queued)
    assert rows[0]["status"] == "pending" and "unreachable" in rows[0]["last_error"]


def test_invalid_payload_is_marked_failed_and_the_rest_go_out(queued, slack):
    with warehouse.writer(queued) as con:
        outbox.enqueue(con, "anomaly:broken", "anomaly", "low", {"blocks": [{"text": "no type"}]}, "http://x")
    cycle = pipeline.run_cycle(queued, steps=("alert",))
    assert cycle.status == "ok"
    rows = {r["alert_key"]: r for r in _outbox(queued)}
    assert rows["anomaly:broken"]["status"] == "failed"
    assert (
        "400" in rows["anomaly:broken"]["last_error"]
        and "invalid_blocks" in rows["anomaly:broken"]["last_error"]
    )
    assert sum(r["status"] == "sent" for r in rows.values()) == len(rows) - 1
    assert len(slack.messages) == len(rows) - 1


def test_a_wrong_webhook_url_keeps_everything_pending(queued, monkeypatch):
    with FakeSlackWebhook() as srv:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", srv.url + "/services/T0/B0/wrong")
        cycle = pipeline.run_cycle(queued, steps=("alert",))
    assert cycle.exit_code == 4 and any("404" in e for e in cycle.errors)
    assert all(r["status"] == "pending" for r in _outbox(queued))


def test_without_a_webhook_alerts_print_once_and_a_later_webhook_replays_nothing(queued, capsys, monkeypatch):
    cycle = pipeline.run_cycle(queued, steps=("alert",))
    assert cycle.status == "ok"
    rows = _outbox(queued)
    assert all(r["status"] == "sent" and r["channel"] == "console" for r in rows)
    printed = capsys.readouterr().out
    assert all(r["alert_key"] in printed for r in rows)
    with FakeSlackWebhook() as srv:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", srv.webhook_url)
        pipeline.run_cycle(queued, steps=("alert",))
        assert srv.messages == []


def test_daily_digest_is_queued_once_and_sent(queued, slack):
    from datetime import date

    from alerts import notify

    with warehouse.writer(queued) as con:
        assert notify.queue_digest(con, queued, date(2026, 11, 19))
        assert not notify.queue_digest(con, queued, date(2026, 11, 19))
    pipeline.run_cycle(queued, steps=("alert",))
    digest = next(m for m in slack.messages if m["text"].startswith("Burnrate digest 2026-11-19"))
    blocks = [Block.parse(b) for b in digest["blocks"]]
    assert isinstance(blocks[0], HeaderBlock) and "Thu 19 Nov 2026" in digest["blocks"][0]["text"]["text"]
    fields = " ".join(f["text"] for f in digest["blocks"][1]["fields"])
    assert "*LLM spend*\n$" in fields and "*Requests*" in fields
    assert any("not built yet" in json.dumps(b) for b in digest["blocks"])  # budgets: the mart is not there
    assert digest["blocks"][-2]["elements"][0]["url"].endswith("/anomalies?date=2026-11-19")
