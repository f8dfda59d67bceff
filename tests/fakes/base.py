"""A small threaded HTTP server for fake vendor APIs, with an injectable fault plan.

Subclasses implement `handle(method, path, query, body, headers) -> (status, payload)`; the payload is
JSON-encoded, except a `str` payload, which is sent as text/plain (Slack webhooks answer `ok`). Faults are consumed in order by matching requests:

    with FakeLangfuse(records) as srv:            # starts on a free 127.0.0.1 port, stops on exit
        srv.faults.add("429", retry_after=1)      # next matching request gets 429 + Retry-After
        srv.faults.add("500", times=2)
        srv.faults.add("slow", seconds=0.5)       # answer normally, after a delay
        srv.faults.add("reset")                   # drop the connection without an answer
        srv.faults.add("malformed")               # 200 with a truncated JSON body
        srv.faults.add("delay_all", seconds=0.2)  # every request is slow (stays in force)

`srv.requests` logs (method, path, query, body) of every request, for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    kind: str
    times: int = 1
    path: str = ""  # applies to requests whose path starts with this
    retry_after: float | None = None
    seconds: float = 0.0


class FaultPlan:
    def __init__(self):
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self, kind: str, *, times: int = 1, path: str = "", retry_after=None, seconds: float = 0.0
    ) -> None:
        with self._lock:
            self._faults.append(Fault(kind, times, path, retry_after, seconds))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str) -> list[Fault]:
        """The standing faults plus the next one-off fault matching `path` (consumed)."""
        with self._lock:
            hits = [f for f in self._faults if f.kind == "delay_all" and path.startswith(f.path)]
            for f in self._faults:
                if f.kind != "delay_all" and path.startswith(f.path):
                    f.times -= 1
                    if f.times <= 0:
                        self._faults.remove(f)
                    return [*hits, f]
            return hits


class FakeServer:
    """Base: serve `handle` on 127.0.0.1 in a background thread."""

    def __init__(self):
        self.faults = FaultPlan()
        self.requests: list[tuple[str, str, dict, object]] = []
        self._httpd: ThreadingHTTPServer | None = None
        self.lock = threading.RLock()

    # to implement -----------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict, body, headers) -> tuple[int, object]:
        raise NotImplementedError

    # lifecycle --------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> FakeServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                query = parse_qs(parts.query, keep_blank_values=True)
                server.requests.append((method, parts.path, query, body))
                extra: dict[str, str] = {}
                for fault in server.faults.take(parts.path):
                    if fault.kind in ("slow", "delay_all"):
                        time.sleep(fault.seconds)
                    elif fault.kind == "reset":
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    elif fault.kind in ("429", "500", "503"):
                        if fault.retry_after is not None:
                            extra["Retry-After"] = str(fault.retry_after)
                        return self._send(int(fault.kind), b'{"message":"fault injected"}', extra)
                    elif fault.kind == "malformed":
                        return self._send(200, b'{"data": [{"id": "trunc', extra)
                status, payload = server.handle(method, parts.path, query, body, self.headers)
                if isinstance(payload, str):
                    return self._send(status, payload.encode(), content_type="text/plain; charset=utf-8")
                self._send(status, json.dumps(payload).encode())

            def _send(
                self,
                status: int,
                data: bytes,
                headers: dict | None = None,
                content_type: str = "application/json",
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def iso(ts) -> str:
    """ISO 8601 with milliseconds and Z, as both vendors write timestamps."""
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str):
    from datetime import UTC, datetime

    ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
