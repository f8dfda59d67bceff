"""A reverse proxy in front of a real Prometheus that can answer with Prometheus's own errors instead.

Real data, injected failures: `rule(path, params)` returns None to forward the request unchanged, or
`(status, errorType, error)` to answer the way Prometheus does (`{"status":"error","errorType":…,"error":…}`),
e.g. 422 `execution` when a query would load too many samples, 400 `bad_data` for a bad parameter.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx

Rule = Callable[[str, dict[str, list[str]]], tuple[int, str, str] | None]


class PrometheusProxy:
    def __init__(self, upstream: str, rule: Rule):
        self.seen: list[tuple[str, dict[str, list[str]], int]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                params = parse_qs(parts.query)
                verdict = rule(parts.path, params)
                if verdict is None:
                    response = httpx.get(upstream + self.path, timeout=30)
                    status, body = response.status_code, response.content
                else:
                    status, error_type, error = verdict
                    body = json.dumps({"status": "error", "errorType": error_type, "error": error}).encode()
                proxy.seen.append((parts.path, params, status))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> PrometheusProxy:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
