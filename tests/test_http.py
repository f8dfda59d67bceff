"""Vendor HTTP: retries on 429 (Retry-After), 5xx, resets and bad JSON; clear errors; no secrets."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from burnrate.errors import SourceUnavailable
from ingest.http import ApiClient, HttpError, parse_retry_after


class Script:
    """Responses to play in order: (status, headers, body) or 'reset' to drop the connection."""

    def __init__(self, steps):
        self.steps = list(steps)
        self.seen = []


@pytest.fixture
def server():
    script = Script([])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            script.seen.append((time.monotonic(), self.path, dict(self.headers)))
            step = script.steps.pop(0) if script.steps else (200, {}, '{"ok": true}')
            if step == "reset":
                self.connection.shutdown(2)
                return
            status, headers, body = step
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()


def _client(url, cfg, **kw):
    return ApiClient("testvendor", url, cfg, auth=("pk-lf-FAKEPUB", "sk-lf-FAKESECRET"), **kw)


def test_retries_429_with_retry_after_then_5xx_then_reset(server, cfg):
    url, script = server
    script.steps = [
        (429, {"Retry-After": "1"}, "slow down"),
        (503, {}, "busy"),
        "reset",
        (200, {}, '{"data": [1]}'),
    ]
    with _client(url, cfg) as c:
        assert c.get_json("/x", what="GET /x") == {"data": [1]}
    times = [t for t, _, _ in script.seen]
    assert len(times) == 4
    assert times[1] - times[0] >= 0.95  # honoured Retry-After
    assert script.seen[0][2]["Authorization"].startswith("Basic ")


def test_bad_json_is_retried(server, cfg):
    url, script = server
    script.steps = [(200, {}, '{"data": [1'), (200, {}, '{"data": []}')]
    with _client(url, cfg) as c:
        assert c.get_json("/x", what="GET /x") == {"data": []}


def test_gives_up_with_a_clear_error(server, cfg, monkeypatch, caplog):
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-lf-FAKESECRET")
    cfg = type(cfg)(dict(cfg._values, **{"http.retry_max_attempts": 3}), cfg._origins, None)
    url, script = server
    script.steps = [(500, {}, "oops")] * 5
    with _client(url, cfg) as c, pytest.raises(SourceUnavailable) as err:
        c.get_json("/x", what="GET /x window 2026-11-01..2026-11-02")
    msg = str(err.value)
    assert msg.startswith("testvendor: GET /x window 2026-11-01..2026-11-02: unreachable after 3 attempts")
    assert "HTTP 500" in msg
    assert "FAKESECRET" not in msg + caplog.text


def test_non_retryable_4xx_explains(server, cfg):
    url, script = server
    script.steps = [(401, {}, "no")]
    with _client(url, cfg) as c, pytest.raises(HttpError, match="HTTP 401: authentication failed") as err:
        c.get_json("/x", what="GET /x")
    assert err.value.status == 401 and len(script.seen) == 1


def test_parse_retry_after():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") <= 0


def test_4xx_quotes_the_vendors_own_error_message(server, cfg):
    """Prometheus (and others) put the actionable part of a 4xx in the JSON body: show it."""
    url, script = server
    body = '{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points"}'
    script.steps = [(400, {}, body)]
    with _client(url, cfg) as c, pytest.raises(HttpError) as err:
        c.get_json("/api/v1/query_range", what="query_range X")
    assert str(err.value) == (
        "testvendor: query_range X: HTTP 400: Bad Request (exceeded maximum resolution of 11,000 points)"
    )
