"""A fake Langfuse public API: v2 observations (cursor paging, field groups), v1 observations and traces
(page/limit ≤ 100), `GET /api/public/projects`, HTTP Basic auth, and the fault plan of `base.FakeServer`.

Records are full `ObservationV2` objects (camelCase, every field group, including `input`/`output` so a
test can prove the client never asks for them). `observation(i, start)` makes realistic ones.

    with FakeLangfuse([observation(i, t0) for i in range(2500)], v2=True) as lf:
        lf.url, lf.public_key, lf.secret_key
        lf.update("obs-00007", totalCost=0.5)     # a newer version (updatedAt moves forward)
        lf.duplicate_across_pages = True          # each next page repeats the previous page's last row
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta

from tests.fakes.base import FakeServer, iso, parse_iso

GROUPS = {
    "core": ("id", "traceId", "startTime", "endTime", "projectId", "parentObservationId", "type"),
    "basic": (
        "name", "level", "statusMessage", "version", "environment", "bookmarked", "public", "userId",
        "sessionId", "isRootObservation",
    ),
    "time": ("completionStartTime", "createdAt", "updatedAt"),
    "io": ("input", "output"),
    "metadata": ("metadata",),
    "model": ("providedModelName", "internalModelId", "modelParameters"),
    "usage": ("usageDetails", "costDetails", "totalCost", "usagePricingTierName"),
    "prompt": ("promptId", "promptName", "promptVersion"),
    "metrics": ("latency", "timeToFirstToken"),
    "trace_context": ("traceName", "tags", "release"),
}  # fmt: skip
PRICES = ("modelId", "inputPrice", "outputPrice", "totalPrice")  # always present, filled with `model`
DEPRECATION = {"message": "This endpoint is deprecated; use GET /api/public/v2/observations.",
               "replacement": "GET /api/public/v2/observations"}  # fmt: skip


def observation(i: int, start: datetime, *, project: str = "proj-1", minutes: float = 1.0, **over) -> dict:
    """A realistic GENERATION observation number `i`, started `i * minutes` after `start`."""
    t = start + timedelta(minutes=i * minutes)
    inp, out = 100 + i % 50, 20 + i % 7
    cost_in, cost_out = round(inp * 2.5e-6, 12), round(out * 1e-5, 12)
    rec = {
        "id": f"obs-{i:05d}", "traceId": f"trace-{i // 3:05d}", "startTime": iso(t),
        "endTime": iso(t + timedelta(seconds=1.2)), "projectId": project, "parentObservationId": None,
        "type": "GENERATION", "name": "chat.llm", "level": "DEFAULT", "statusMessage": None, "version": "app-1",
        "environment": "production", "bookmarked": False, "public": False, "userId": f"user-{i % 11}",
        "sessionId": f"sess-{i % 5}", "isRootObservation": True, "completionStartTime": iso(t + timedelta(seconds=0.3)),
        "createdAt": iso(t + timedelta(seconds=2)), "updatedAt": iso(t + timedelta(seconds=3)),
        "input": f"PROMPT TEXT {i}", "output": f"COMPLETION TEXT {i}",
        "metadata": {"team": f"team-{i % 3}", "feature": "chat", "helicone_request_id": f"hreq-{i:05d}"},
        "providedModelName": "gpt-4o", "internalModelId": "lfm-gpt-4o", "modelParameters": {"temperature": 0.2},
        "usageDetails": {"input": inp, "input_cached_tokens": i % 4, "output": out, "total": inp + out + i % 4},
        "costDetails": {"input": cost_in, "output": cost_out, "total": round(cost_in + cost_out, 12)},
        "totalCost": round(cost_in + cost_out, 12), "usagePricingTierName": "Standard",
        "promptId": "prm-1", "promptName": "support", "promptVersion": 3, "latency": 1.2, "timeToFirstToken": 0.3,
        "traceName": "chat", "tags": [f"team:team-{i % 3}", "feature:chat"], "release": "2026.11",
        "modelId": "lfm-gpt-4o", "inputPrice": "0.0000025", "outputPrice": "0.00001", "totalPrice": None,
    }  # fmt: skip
    return rec | over


def _encode(payload: dict) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


class FakeLangfuse(FakeServer):
    def __init__(self, records=(), *, v2: bool = True, public_key="pk-lf-test", secret_key="sk-lf-test"):
        super().__init__()
        self.records = {r["id"]: dict(r) for r in records}
        self.v2 = v2
        self.public_key, self.secret_key = public_key, secret_key
        self.duplicate_across_pages = False

    # data -------------------------------------------------------------------------------------------
    def update(self, obs_id: str, **changes) -> dict:
        """A newer version of an observation: apply `changes` and move `updatedAt` forward."""
        with self.lock:
            rec = self.records[obs_id]
            newer = max(parse_iso(rec["updatedAt"]) + timedelta(seconds=1), datetime.now(UTC))
            rec.update(changes, updatedAt=iso(newer))
            return dict(rec)

    def _select(self, query: dict, *, frm: str, to: str, time_of) -> list[dict]:
        lo, hi = (query.get(frm) or [None])[0], (query.get(to) or [None])[0]
        rows = list(self.records.values())
        if "type" in query:
            rows = [r for r in rows if r["type"] == query["type"][0]]
        if lo:
            rows = [r for r in rows if time_of(r) >= parse_iso(lo)]
        if hi:
            rows = [r for r in rows if time_of(r) < parse_iso(hi)]
        return sorted(rows, key=lambda r: (time_of(r), r.get("traceId") or "", r["id"]), reverse=True)

    # HTTP -------------------------------------------------------------------------------------------
    def _authorized(self, headers) -> bool:
        token = base64.b64encode(f"{self.public_key}:{self.secret_key}".encode()).decode()
        return headers.get("Authorization") == f"Basic {token}"

    def handle(self, method, path, query, body, headers):
        if not self._authorized(headers):
            return 401, {"message": "Invalid authorization header"}
        with self.lock:
            if path == "/api/public/projects":
                return 200, {"data": [{"id": "proj-1", "name": "Fake project", "metadata": {}}]}
            if path == "/api/public/v2/observations" and self.v2:
                return self._v2(query)
            if path == "/api/public/observations":
                return self._v1(query)
            if path == "/api/public/traces":
                return self._traces(query)
        return 404, {"message": "Not found"}

    def _limit(self, query: dict, default: int, maximum: int) -> int | None:
        limit = int((query.get("limit") or [default])[0])
        return limit if 1 <= limit <= maximum else None

    def _v2(self, query: dict):
        limit = self._limit(query, 50, 1000)
        if limit is None:
            return 400, {"message": "limit must be between 1 and 1000"}
        if (query.get("parseIoAsJson") or ["false"])[0] == "true":
            return 400, {"message": "parseIoAsJson is deprecated"}
        groups = {"core", *((query.get("fields") or ["core,basic"])[0].split(","))}
        rows = self._select(
            query, frm="fromStartTime", to="toStartTime", time_of=lambda r: parse_iso(r["startTime"])
        )
        if "cursor" in query:
            try:
                c = json.loads(base64.b64decode(query["cursor"][0]))
                last = (parse_iso(c["lastStartTimeTo"]), c["lastTraceId"], c["lastId"])
            except (ValueError, KeyError, binascii.Error):
                return 400, {"message": "Invalid cursor"}
            rows = [r for r in rows if (parse_iso(r["startTime"]), r.get("traceId") or "", r["id"]) < last]
        page = rows[:limit]
        cursor = None
        if len(rows) > limit:
            anchor = page[-2] if self.duplicate_across_pages and len(page) > 1 else page[-1]
            cursor = _encode(
                {
                    "lastStartTimeTo": anchor["startTime"],
                    "lastTraceId": anchor.get("traceId") or "",
                    "lastId": anchor["id"],
                }
            )
        fields = [f for g in GROUPS if g in groups for f in GROUPS[g]]
        data = [
            {f: r.get(f) for f in fields} | {p: (r.get(p) if "model" in groups else None) for p in PRICES}
            for r in page
        ]
        return 200, {"data": data, "meta": {"cursor": cursor}}

    def _v1(self, query: dict):
        limit = self._limit(query, 50, 100)
        if limit is None:
            return 400, {"message": "limit must be between 1 and 100"}
        page = int((query.get("page") or [1])[0])
        rows = self._select(
            query, frm="fromStartTime", to="toStartTime", time_of=lambda r: parse_iso(r["startTime"])
        )
        chunk = rows[(page - 1) * limit : page * limit]
        data = []
        for r in chunk:
            u, c = r.get("usageDetails") or {}, r.get("costDetails") or {}
            data.append(
                {k: r.get(k) for k in GROUPS["core"] + GROUPS["prompt"] + GROUPS["metrics"] + GROUPS["io"]}
                | {k: r.get(k) for k in ("name", "level", "statusMessage", "version", "environment", "metadata")}
                | {k: r.get(k) for k in ("completionStartTime", "modelParameters", "usageDetails", "costDetails")}
                | {"model": r.get("providedModelName"), "modelId": r.get("modelId"),
                   "inputPrice": float(r["inputPrice"]) if r.get("inputPrice") else None,
                   "outputPrice": float(r["outputPrice"]) if r.get("outputPrice") else None, "totalPrice": None,
                   "calculatedInputCost": c.get("input"), "calculatedOutputCost": c.get("output"),
                   "calculatedTotalCost": c.get("total"), "unit": "TOKENS", "promptTokens": u.get("input", 0),
                   "completionTokens": u.get("output", 0), "totalTokens": u.get("total", 0),
                   "usage": {"input": u.get("input", 0), "output": u.get("output", 0), "total": u.get("total", 0),
                             "unit": "TOKENS"}}
            )  # fmt: skip
        return 200, {"data": data, "meta": _meta(page, limit, len(rows)), "_deprecation": DEPRECATION}

    def _traces(self, query: dict):
        limit = self._limit(query, 50, 100)
        if limit is None:
            return 400, {"message": "limit must be between 1 and 100"}
        page = int((query.get("page") or [1])[0])
        by_trace: dict[str, dict] = {}
        for r in sorted(self.records.values(), key=lambda r: r["startTime"]):
            t = by_trace.setdefault(
                r["traceId"],
                {"id": r["traceId"], "timestamp": r["startTime"], "name": r.get("traceName"), "input": None,
                 "output": None, "sessionId": r.get("sessionId"), "release": r.get("release"),
                 "version": r.get("version"), "userId": r.get("userId"), "metadata": None, "tags": r.get("tags") or [],
                 "public": False, "environment": r.get("environment") or "default",
                 "htmlPath": f"/project/proj-1/traces/{r['traceId']}", "latency": -1, "totalCost": -1,
                 "observations": [], "scores": []},
            )  # fmt: skip
            t["observations"].append(r["id"])
        lo, hi = (query.get("fromTimestamp") or [None])[0], (query.get("toTimestamp") or [None])[0]
        rows = [
            t
            for t in by_trace.values()
            if (not lo or parse_iso(t["timestamp"]) >= parse_iso(lo))
            and (not hi or parse_iso(t["timestamp"]) < parse_iso(hi))
        ]
        rows.sort(key=lambda t: (t["timestamp"], t["id"]), reverse=True)
        if (query.get("fields") or [""])[0] == "core":
            rows = [t | {"observations": [], "scores": []} for t in rows]
        chunk = rows[(page - 1) * limit : page * limit]
        return 200, {"data": chunk, "meta": _meta(page, limit, len(rows)), "_deprecation": DEPRECATION}


def _meta(page: int, limit: int, total: int) -> dict:
    return {"page": page, "limit": limit, "totalItems": total, "totalPages": (total + limit - 1) // limit}
