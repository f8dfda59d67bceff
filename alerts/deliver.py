"""Delivering pending alerts: to Slack through an incoming webhook, or to the console without one.

**Slack** (`SLACK_WEBHOOK_URL`, through `slack_sdk.webhook.WebhookClient`, our own bounded retry): alerts go
out one at a time in queue order. 200 marks the alert sent. 429 waits what `Retry-After` asks when that
fits in the run's budget (`alerts.send_budget_seconds`), else the run stops. 5xx, timeouts and refused
connections are retried with backoff inside the budget, then the run stops. Stopping keeps the failing
alert and everything after it pending, so the next run delivers them in the original order. A 400
(`invalid_payload`, `no_text`…) marks that one alert `failed` with Slack's error and moves on; other 4xx
(`invalid_token`, `no_service`, `channel_is_archived`) mean the webhook itself is wrong: nothing is marked,
and the run reports it.

**Console** (no webhook configured): each pending alert is printed and marked sent with channel `console`.
That is the least surprising behaviour: an alert is delivered once, to whatever channel exists at the time,
and configuring a webhook later does not replay history into Slack.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
from dataclasses import dataclass, field

import duckdb

from alerts import outbox
from burnrate import secrets
from burnrate.config import Config

log = logging.getLogger(__name__)

BACKOFF = (1.0, 2.0, 4.0)


@dataclass
class Delivery:
    channel: str
    sent: int = 0
    failed: int = 0
    pending: int = 0
    unreachable: str | None = None  # why the run stopped early (Slack down, rate limited, webhook wrong)
    sent_keys: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"alerts: {self.sent} sent ({self.channel}), {self.failed} failed, {self.pending} pending"]
        if self.unreachable:
            parts.append(self.unreachable)
        return "; ".join(parts)


class _Stop(Exception):
    """Stop this run's delivery; the alert stays pending."""


def deliver(
    con: duckdb.DuckDBPyConnection, cfg: Config, *, stop: threading.Event | None = None, console=None
) -> Delivery:
    """Send every pending alert (see the module docstring). `stop` ends the run between two alerts."""
    webhook = secrets.get("SLACK_WEBHOOK_URL")
    queue = outbox.pending(con)
    if webhook is None:
        return _to_console(con, queue, console, stop)
    from slack_sdk.webhook import WebhookClient

    client = WebhookClient(webhook, timeout=max(1, int(cfg.http.timeout_seconds)), retry_handlers=[])
    result = Delivery("slack")
    deadline = time.monotonic() + float(cfg.alerts.send_budget_seconds)
    for n, alert in enumerate(queue):
        if stop is not None and stop.is_set():
            result.pending = len(queue) - n
            return result
        try:
            if _send(con, client, alert, deadline):
                result.sent += 1
                result.sent_keys.append(alert["alert_key"])
            else:
                result.failed += 1
        except _Stop as exc:
            outbox.note_error(con, alert["alert_key"], str(exc))
            result.unreachable = f"Slack: {exc}; {len(queue) - n} alerts stay pending for the next run"
            result.pending = len(queue) - n
            return result
    return result


def _send(con, client, alert: dict, deadline: float) -> bool:
    """Deliver one alert: True sent, False rejected (failed); raises _Stop to end the run."""
    body = json.loads(alert["payload"]) if isinstance(alert["payload"], str) else alert["payload"]
    retries = 0
    while True:
        outbox.mark_attempt(con, alert["alert_key"])
        try:
            response = client.send_dict(body)
            status, text = response.status_code, (response.body or "").strip()
            headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            status, text, headers = 0, f"unreachable ({type(getattr(exc, 'reason', exc)).__name__})", {}
        if status == 200:
            outbox.mark_sent(con, alert["alert_key"], "slack")
            return True
        if status == 400:
            outbox.mark_failed(con, alert["alert_key"], f"HTTP 400: {secrets.redact(text)[:300]}")
            log.warning("Slack rejected alert %s: %s", alert["alert_key"], text)
            return False
        if status == 429:
            wait = _retry_after(headers.get("retry-after"))
            if time.monotonic() + wait > deadline:
                raise _Stop(f"rate limited (HTTP 429, Retry-After {wait:.0f}s beyond this run's budget)")
            log.info("Slack rate limit: waiting %.1fs (Retry-After)", wait)
            time.sleep(wait)
            continue
        if status and 400 < status < 500:
            raise _Stop(
                f"the webhook was refused (HTTP {status}: {secrets.redact(text)[:100]}); check SLACK_WEBHOOK_URL"
            )
        # 5xx or no answer: back off inside the budget
        what = f"HTTP {status}: {text[:100]}" if status else text
        if retries >= len(BACKOFF) or time.monotonic() + BACKOFF[retries] > deadline:
            raise _Stop(f"{what} after {retries + 1} attempts")
        time.sleep(BACKOFF[retries])
        retries += 1


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 1.0
    except ValueError:
        return 1.0


def _to_console(con, queue: list[dict], console, stop) -> Delivery:
    from rich.panel import Panel

    from burnrate.console import out

    console = console or out
    result = Delivery("console")
    for n, alert in enumerate(queue):
        if stop is not None and stop.is_set():
            result.pending = len(queue) - n
            break
        body = json.loads(alert["payload"]) if isinstance(alert["payload"], str) else alert["payload"]
        style = {"critical": "red", "high": "red", "medium": "yellow"}.get(alert["severity"], "blue")
        console.print(
            Panel(
                body.get("text", ""), title=f"{alert['severity']} · {alert['alert_key']}", border_style=style
            )
        )
        outbox.mark_sent(con, alert["alert_key"], "console")
        result.sent += 1
        result.sent_keys.append(alert["alert_key"])
    return result
