"""A local Slack incoming webhook: POST a JSON message to a `/services/T…/B…/…` URL, as Slack documents it.

Answers like Slack: `200 ok` (text/plain); `400 invalid_payload` for a body that is not JSON,
`400 no_text` for a message with neither `text` nor `blocks`, `400 invalid_blocks` for blocks that are not
objects with a `type`; `404 no_service` for an unknown path; `429` with `Retry-After` and `500` through the
fault plan of `tests.fakes.base` (`srv.faults.add("429", retry_after=2)`, `srv.faults.add("500", times=3)`,
`srv.faults.add("slow", seconds=5)` for a timeout). `srv.down = True` answers every POST with
`503 service_unavailable` until set back.

Accepted messages are kept in `srv.messages` in arrival order, for exactly-once assertions.
"""

from __future__ import annotations

from tests.fakes.base import FakeServer

PATH = "/services/T0BURNRATE/B0ALERTS/abcdefabcdefabcdefabcdef"


class FakeSlackWebhook(FakeServer):
    def __init__(self):
        super().__init__()
        self.messages: list[dict] = []
        self.down = False

    @property
    def webhook_url(self) -> str:
        return self.url + PATH

    def handle(self, method, path, query, body, headers):
        if method != "POST" or path != PATH:
            return 404, "no_service"
        if self.down:
            return 503, "service_unavailable"
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        if not body.get("text") and not body.get("blocks"):
            return 400, "no_text"
        blocks = body.get("blocks") or []
        if not isinstance(blocks, list) or any(not isinstance(b, dict) or "type" not in b for b in blocks):
            return 400, "invalid_blocks"
        with self.lock:
            self.messages.append(body)
        return 200, "ok"
