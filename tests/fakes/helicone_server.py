"""A fake Helicone API: `POST /v1/request/query-clickhouse` (Bearer auth, filter trees whose leaves must be
wrapped in `request_response_rmt`, offset/limit ≤ 1000 paging, sort by created_at) and the legacy
`POST /v1/request/query` (leaves `request.created_at`, offset ≤ 10,000), plus the fault plan of
`base.FakeServer`.

    with FakeHelicone([request(i, t0) for i in range(3000)]) as hc:
        hc.url, hc.api_key
        hc.update("req-00007", cost=0.5)       # a newer version (updated_at moves forward)
        hc.duplicate_across_pages = True       # each page repeats the previous page's last row
        hc.max_offset = 10_000                 # the offset cap (None: no cap)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes.base import FakeServer, iso, parse_iso

ZERO_UUID = "00000000-0000-0000-0000-000000000000"
TS_OPS = {
    "gte": lambda a, b: a >= b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "lt": lambda a, b: a < b,
    "equals": lambda a, b: a == b,
}


def request(i: int, start: datetime, *, minutes: float = 1.0, **over) -> dict:
    """A realistic HeliconeRequest number `i`, created `i * minutes` after `start`."""
    t = start + timedelta(minutes=i * minutes)
    props = {"Team": f"team-{i % 3}", "Feature": "chat", "Environment": "production"}
    rec = {
        "response_id": f"resp-{i:05d}", "response_created_at": iso(t + timedelta(seconds=1.4)),
        "response_body": {"choices": [{"message": {"content": f"COMPLETION TEXT {i}"}}]}, "response_status": 200,
        "response_model": "gpt-4o-2024-08-06", "request_id": f"req-{i:05d}", "request_created_at": iso(t),
        "request_body": {"messages": [{"role": "user", "content": f"PROMPT TEXT {i}"}]},
        "request_path": "/v1/chat/completions", "request_user_id": f"user-{i % 11}", "request_properties": props,
        "request_model": "gpt-4o", "model_override": None, "helicone_user": None, "provider": "OPENAI",
        "delay_ms": 1400, "time_to_first_token": 310, "total_tokens": 150 + i % 9, "prompt_tokens": 120,
        "prompt_cache_write_tokens": 0, "prompt_cache_read_tokens": i % 4, "completion_tokens": 30 + i % 9,
        "reasoning_tokens": 0, "prompt_audio_tokens": 0, "completion_audio_tokens": 0,
        "cost": round(120 * 2.5e-6 + (30 + i % 9) * 1e-5, 12), "prompt_id": None, "prompt_version": None,
        "feedback_created_at": None, "feedback_id": None, "feedback_rating": None,
        "signed_body_url": f"https://bodies.example/req-{i:05d}?X-Amz-Signature=abc", "llmSchema": None,
        "country_code": "US", "asset_ids": None, "asset_urls": None, "scores": {"helpful": 1}, "costUSD": None,
        "properties": props, "assets": [], "target_url": "https://api.openai.com/v1/chat/completions",
        "model": "gpt-4o", "cache_reference_id": ZERO_UUID, "cache_enabled": False,
        "updated_at": iso(t + timedelta(seconds=3)), "request_referrer": None, "ai_gateway_body_mapping": None,
        "storage_location": "s3",
    }  # fmt: skip
    return rec | over


class FakeHelicone(FakeServer):
    def __init__(self, records=(), *, api_key: str = "sk-helicone-test"):
        super().__init__()
        self.records = {r["request_id"]: dict(r) for r in records}
        self.api_key = api_key
        self.duplicate_across_pages = False
        self.max_offset: int | None = 10_000

    def update(self, request_id: str, **changes) -> dict:
        with self.lock:
            rec = self.records[request_id]
            newer = max(parse_iso(rec["updated_at"]) + timedelta(seconds=1), datetime.now(UTC))
            rec.update(changes, updated_at=iso(newer))
            return dict(rec)

    def handle(self, method, path, query, body, headers):
        if method != "POST" or path not in ("/v1/request/query-clickhouse", "/v1/request/query"):
            return 404, {"error": "Not found"}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"error": "Unauthorized"}
        if not isinstance(body, dict) or "filter" not in body:
            return 400, {"data": None, "error": "filter is required"}
        limit, offset = body.get("limit", 100), body.get("offset", 0)
        if not 0 <= limit <= 1000:
            return 500, {"data": None, "error": "invalid limit"}
        if self.max_offset is not None and offset > self.max_offset:
            return 500, {"data": None, "error": "unsupport offset value"}
        table = "request_response_rmt" if path.endswith("clickhouse") else "request"
        with self.lock:
            rows = [r for r in self.records.values() if _matches(body["filter"], r, table)]
            desc = (body.get("sort") or {}).get("created_at") == "desc"
            rows.sort(key=lambda r: (parse_iso(r["request_created_at"]), r["request_id"]), reverse=desc)
            start = offset
            if self.duplicate_across_pages and offset > 0:
                start -= 1
            return 200, {"data": [dict(r) for r in rows[start : start + limit]], "error": None}


def _matches(node, rec: dict, table: str) -> bool:
    """Evaluate a RequestFilterNode; leaves outside `table` match nothing (as the real API does)."""
    if node == "all" or node == {}:
        return True
    if "operator" in node:
        left, right = _matches(node["left"], rec, table), _matches(node["right"], rec, table)
        return left and right if node["operator"] == "and" else left or right
    if table not in node:
        return False
    for column, ops in node[table].items():
        name = "request_created_at" if column in ("request_created_at", "created_at") else column
        for op, value in ops.items():
            have = rec.get(name)
            if name.endswith("created_at"):
                if have is None or not TS_OPS[op](parse_iso(have), parse_iso(value)):
                    return False
            elif op == "equals" and have != value:
                return False
    return True
