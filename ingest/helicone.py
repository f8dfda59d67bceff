"""Helicone: requests from the query API or from `@helicone/export` files.

API (`pull`): `POST /v1/request/query-clickhouse` with `Authorization: Bearer $HELICONE_API_KEY`, each
filter leaf wrapped in `request_response_rmt` (unwrapped leaves silently match nothing), a bounded
`[request_created_at gte start, lt end)` window, `sort: {created_at: asc}`, `includeInputs: false`, and
offset paging inside the window (limit ≤ 1000). Offsets are kept under 10,000 (the cap Helicone enforces on
its request queries): a window deeper than that continues from the last row's `request_created_at`
(keyset), so any volume pulls. Scope of the watermark: the API base URL (US or EU), as a key sees one org.

Files (`ingest_files`): `@helicone/export` JSONL (one HeliconeRequest per line), JSON (an array), saved
`query-clickhouse` response pages (`{"data": [...], "error": null}`), and the export's CSV, which lacks
`request_id`, cache and reasoning tokens and `updated_at`, and names latency `latency` (empty in practice):
CSV rows are therefore keyed by `response_id`. Prefer JSONL; do not load CSV and JSONL of the same period.

Raw table `raw.helicone_requests` (one row per `request_id`, the latest version by `updated_at`; HeliconeRequest
fields as the API names them):
  request_id VARCHAR · request_created_at TIMESTAMP (UTC) · request_path · request_user_id ·
  request_properties JSON (Helicone-Property-* headers: team, feature, …) · properties JSON (the same map) ·
  request_model · response_model · model_override · model · provider (OPENAI, ANTHROPIC, … or gateway
  lower-case names) · target_url · helicone_user · response_id · response_created_at TIMESTAMP ·
  response_status BIGINT (HTTP status) · delay_ms DOUBLE (latency, ms) · time_to_first_token DOUBLE ms ·
  total_tokens · prompt_tokens · prompt_cache_write_tokens · prompt_cache_read_tokens · completion_tokens ·
  reasoning_tokens · prompt_audio_tokens · completion_audio_tokens BIGINT · cost DECIMAL(38,12) USD (0 for
  models Helicone cannot price) · costUSD DECIMAL(38,12) (older Postgres-path field) · prompt_id ·
  prompt_version · feedback_created_at TIMESTAMP · feedback_id · feedback_rating BOOLEAN · country_code ·
  scores JSON · asset_ids / assets VARCHAR[] · cache_enabled BOOLEAN · cache_reference_id (not the zero
  UUID ⇒ served from Helicone's cache) · updated_at TIMESTAMP · request_referrer · ai_gateway_body_mapping ·
  storage_location.
  Not kept: `request_body`, `response_body`, `llmSchema` (prompt text), `signed_body_url`, `asset_urls`
  (pre-signed links that grant access to bodies).
Lineage: `_source` (api | export_jsonl | export_json | api_page | export_csv), `_batch_id`, `_location`,
`_line`, `_ingested_at`.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path

import duckdb

from burnrate import secrets
from burnrate.config import Config
from burnrate.errors import BurnrateError, ConfigError, InputError
from ingest import apipull, filesource, landing, rawload
from ingest.http import ApiClient
from ingest.records import Field, TableSpec

SOURCE = "helicone"
QUERY = "/v1/request/query-clickhouse"
OFFSET_CAP = 10_000
TOKENS = (
    "total_tokens", "prompt_tokens", "prompt_cache_write_tokens", "prompt_cache_read_tokens", "completion_tokens",
    "reasoning_tokens", "prompt_audio_tokens", "completion_audio_tokens",
)  # fmt: skip

REQUESTS = TableSpec(
    table="raw.helicone_requests",
    id="request_id",
    version="updated_at",
    required=("request_id", "request_created_at"),
    fields=(
        Field("request_id", "str"),
        Field("request_created_at", "ts"),
        Field("request_path", "str"),
        Field("request_user_id", "str"),
        Field("request_properties", "json"),
        Field("properties", "json"),
        Field("request_model", "str"),
        Field("response_model", "str"),
        Field("model_override", "str"),
        Field("model", "str"),
        Field("provider", "str"),
        Field("target_url", "str"),
        Field("helicone_user", "str"),
        Field("response_id", "str"),
        Field("response_created_at", "ts"),
        Field("response_status", "int"),
        Field("delay_ms", "float", alt=("latency",)),
        Field("time_to_first_token", "float"),
        *(Field(name, "int") for name in TOKENS),
        Field("cost", "money"),
        Field("costUSD", "money"),
        Field("prompt_id", "str"),
        Field("prompt_version", "str"),
        Field("feedback_created_at", "ts"),
        Field("feedback_id", "str"),
        Field("feedback_rating", "bool"),
        Field("country_code", "str"),
        Field("scores", "json"),
        Field("asset_ids", "tags"),
        Field("assets", "tags"),
        Field("cache_enabled", "bool"),
        Field("cache_reference_id", "str"),
        Field("updated_at", "ts"),
        Field("request_referrer", "str"),
        Field("ai_gateway_body_mapping", "str"),
        Field("storage_location", "str"),
    ),
)
# The export's CSV has no request_id: its rows are keyed by response_id (one per request too).
CSV_REQUESTS = dataclasses.replace(REQUESTS, id="response_id", required=("response_id", "request_created_at"))
SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz", ".ndjson", ".ndjson.gz", ".csv", ".csv.gz")


# files -----------------------------------------------------------------------------------------------
def detect(con: duckdb.DuckDBPyConnection, path: Path) -> rawload.Plan | None:
    fmt = filesource.container(path)
    keys = rawload.peek_keys(con, path, fmt)
    if keys is None:
        return None
    if "request_created_at" not in keys or not {"request_id", "response_id"} & set(keys):
        raise InputError(
            f"{path}: not a Helicone requests file (no request_id/response_id and request_created_at)"
        )
    if fmt == "csv":
        spec = REQUESTS if "request_id" in keys else CSV_REQUESTS
        return rawload.Plan(spec, "export", fmt, "export_csv")
    tag = {"ndjson": "export_jsonl", "array": "export_json", "envelope": "api_page"}[fmt]
    return rawload.Plan(REQUESTS, "export", fmt, tag)


def ingest_files(con: duckdb.DuckDBPyConnection, cfg: Config, paths, *, progress=None) -> landing.Summary:
    """Load @helicone/export files (folders and globs are searched); unchanged files are skipped."""
    return filesource.ingest(
        con, SOURCE, paths, SUFFIXES, detect, batch_mb=cfg.helicone.files_batch_mb, progress=progress
    )


# API -------------------------------------------------------------------------------------------------
def client(cfg: Config) -> ApiClient:
    key = secrets.get("HELICONE_API_KEY")
    if not key:
        raise ConfigError("helicone: set HELICONE_API_KEY to pull from the API (or use --from-files)")
    return ApiClient(SOURCE, cfg.helicone.base_url, cfg, headers={"Authorization": f"Bearer {key}"})


def _leaf(op: str, when: str) -> dict:
    return {"request_response_rmt": {"request_created_at": {op: when}}}


def query_body(start: str, end: str, offset: int, limit: int) -> dict:
    """RequestQueryParams for one page of `[start, end)`."""
    return {
        "filter": {"left": _leaf("gte", start), "operator": "and", "right": _leaf("lt", end)},
        "offset": offset,
        "limit": limit,
        "sort": {"created_at": "asc"},
        "isCached": False,
        "includeInputs": False,
    }


def _next_cursor(rows: list, frm: str, offset: int, limit: int) -> str:
    """Offset paging, switching to keyset (the last row's timestamp) before the offset cap."""
    offset += len(rows)
    if offset + limit <= OFFSET_CAP:
        return json.dumps({"from": frm, "offset": offset})
    try:
        last = apipull.parse_ts(rows[-1]["request_created_at"])
        same = sum(1 for r in rows if apipull.parse_ts(r["request_created_at"]) == last)
    except (KeyError, TypeError, ValueError):
        return json.dumps({"from": frm, "offset": offset})
    if last <= apipull.parse_ts(frm):  # the whole page shares one timestamp: keep counting
        return json.dumps({"from": frm, "offset": offset})
    return json.dumps({"from": apipull.iso(last), "offset": same})


def stream(api: ApiClient, limit: int) -> apipull.Stream:
    limit = max(1, min(limit, 1000))

    def fetch(window: apipull.Window, cursor: str | None):
        c = json.loads(cursor) if cursor else {"from": apipull.iso(window.start), "offset": 0}
        what = f"POST {QUERY} {window} offset {c['offset']}"
        body = api.post_json(
            QUERY, body=query_body(c["from"], apipull.iso(window.end), c["offset"], limit), what=what
        )
        if not isinstance(body, dict) or body.get("error") or not isinstance(body.get("data"), list):
            error = body.get("error") if isinstance(body, dict) else None
            raise BurnrateError(
                f"helicone: {what}: the API answered with an error: {error or 'no data list'}"
            )
        rows = body["data"]
        return rows, (_next_cursor(rows, c["from"], c["offset"], limit) if len(rows) >= limit else None)

    return apipull.Stream(f"POST {QUERY}", rawload.Plan(REQUESTS, "export", "array", "api"), fetch)


def pull(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress=None,
) -> landing.Summary:
    """Pull requests incrementally from the Helicone query API (see the module docstring)."""
    hc = cfg.helicone
    with client(cfg) as api:
        scope = hc.base_url.rstrip("/")
        start, end = apipull.plan_range(
            con,
            SOURCE,
            scope,
            since=since,
            until=until,
            lag_minutes=hc.lag_minutes,
            backfill_days=hc.backfill_days,
        )
        return apipull.run(
            con, SOURCE, scope, [stream(api, hc.page_limit)], start, end, hc.window_hours,
            summary=landing.Summary(SOURCE), progress=progress,
        )  # fmt: skip
