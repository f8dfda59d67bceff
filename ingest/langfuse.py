"""Langfuse: observations (and legacy traces) from the public API or from blob-storage export files.

API (`pull`): `GET /api/public/v2/observations` (HTTP Basic with the project's key pair, `type=GENERATION`,
`[fromStartTime, toStartTime)` windows, `limit` ≤ 1000, opaque cursor paging, field groups
`core,basic,time,metadata,model,usage,prompt,metrics,trace_context`: never `io`, so prompt and completion
text is never even fetched). Self-hosted v3 servers without v2 (404) fall back to the v1
`GET /api/public/observations` (page/limit ≤ 100) plus `GET /api/public/traces` (`fields=core`) for the
user, session and tags that v1 observations lack. Scope of the watermark: the project id of the key
(`GET /api/public/projects`).

Files (`ingest_files`): blob-storage exports (`observations_v2`; legacy `observations` and `traces`) as
JSONL, JSON, CSV or Parquet, gzip or not; saved v2 API response pages (`{"data": [...], "meta": …}`)
too. The table and the field spelling (camelCase API, snake_case export) are recognised from the first
record's keys, so folder names do not matter.

Raw tables (one row per id: the latest version by `updated_at`, ties to the later batch):

`raw.langfuse_observations` (camelCase API names renamed to the export's snake_case):
  id VARCHAR (observation id) · trace_id · project_id · environment · type (GENERATION) ·
  parent_observation_id · is_root_observation BOOLEAN · name · level (DEBUG|DEFAULT|WARNING|ERROR) ·
  status_message · version · bookmarked BOOLEAN · public BOOLEAN · user_id · session_id · trace_name ·
  start_time / end_time / completion_start_time / created_at / updated_at TIMESTAMP (UTC) ·
  provided_model_name (v1 and old docs: `model`) · internal_model_id · model_id · model_parameters JSON ·
  provided_usage_details / usage_details JSON (usage key → units; keys vary by SDK, see the reference) ·
  provided_cost_details / cost_details JSON (cost key → USD) · total_cost DECIMAL(38,12) USD (v1:
  `calculatedTotalCost`) · usage_pricing_tier_id · usage_pricing_tier_name · prompt_id · prompt_name ·
  prompt_version BIGINT · metadata JSON (API values truncated to 200 chars by Langfuse) · tags VARCHAR[] ·
  release · latency DOUBLE seconds · time_to_first_token DOUBLE seconds · input_price / output_price /
  total_price DECIMAL(38,12) USD per unit.
  Not kept: `input`, `output` (prompt text), `tool_*` (tool call arguments), v1's deprecated `usage`,
  `unit`, `promptTokens`…, `calculatedInputCost`/`OutputCost` (duplicates of usage/cost details).

`raw.langfuse_traces` (legacy traces export, v1 API): id · timestamp TIMESTAMP · name · environment ·
  project_id · metadata JSON · user_id · session_id · release · version · public BOOLEAN · bookmarked
  BOOLEAN · tags VARCHAR[] · created_at / updated_at TIMESTAMP. For joining user and tags onto legacy
  observations in the dbt staging layer. Not kept: `input`, `output`.

Lineage on both: `_source` (api_v2 | api_v1 | export_observations_v2 | export_observations |
export_traces | api_page_v2 | export_*_camel), `_batch_id`, `_location` (endpoint + window, or the file's
absolute path), `_line` (JSONL line, CSV/Parquet row or JSON array element, 1-based; null for API
rows), `_ingested_at` (UTC).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import httpx

from burnrate import secrets
from burnrate.config import Config
from burnrate.errors import ConfigError, InputError
from ingest import apipull, filesource, landing, rawload
from ingest.http import ApiClient, HttpError
from ingest.records import Field, TableSpec

SOURCE = "langfuse"
V2 = "/api/public/v2/observations"
V1 = "/api/public/observations"
TRACES = "/api/public/traces"
FIELD_GROUPS = "core,basic,time,metadata,model,usage,prompt,metrics,trace_context"
V1_LIMIT = 100

OBSERVATIONS = TableSpec(
    table="raw.langfuse_observations",
    id="id",
    version="updated_at",
    required=("id", "start_time"),
    fields=(
        Field("id", "str"),
        Field("trace_id", "str", "traceId"),
        Field("project_id", "str", "projectId"),
        Field("environment", "str"),
        Field("type", "str"),
        Field("parent_observation_id", "str", "parentObservationId"),
        Field("is_root_observation", "bool", "isRootObservation"),
        Field("name", "str"),
        Field("level", "str"),
        Field("status_message", "str", "statusMessage"),
        Field("version", "str"),
        Field("bookmarked", "bool"),
        Field("public", "bool"),
        Field("user_id", "str", "userId"),
        Field("session_id", "str", "sessionId"),
        Field("trace_name", "str", "traceName"),
        Field("start_time", "ts", "startTime"),
        Field("end_time", "ts", "endTime"),
        Field("completion_start_time", "ts", "completionStartTime"),
        Field("created_at", "ts", "createdAt"),
        Field("updated_at", "ts", "updatedAt"),
        Field("provided_model_name", "str", "providedModelName", alt=("model",)),
        Field("internal_model_id", "str", "internalModelId"),
        Field("model_id", "str", "modelId"),
        Field("model_parameters", "json", "modelParameters"),
        Field("provided_usage_details", "json", "providedUsageDetails"),
        Field("usage_details", "json", "usageDetails"),
        Field("provided_cost_details", "json", "providedCostDetails"),
        Field("cost_details", "json", "costDetails"),
        Field("total_cost", "money", "totalCost", alt=("calculatedTotalCost", "calculated_total_cost")),
        Field("usage_pricing_tier_id", "str", "usagePricingTierId"),
        Field("usage_pricing_tier_name", "str", "usagePricingTierName"),
        Field("prompt_id", "str", "promptId"),
        Field("prompt_name", "str", "promptName"),
        Field("prompt_version", "int", "promptVersion"),
        Field("metadata", "json"),
        Field("tags", "tags"),
        Field("release", "str"),
        Field("latency", "float"),
        Field("time_to_first_token", "float", "timeToFirstToken"),
        Field("input_price", "money", "inputPrice"),
        Field("output_price", "money", "outputPrice"),
        Field("total_price", "money", "totalPrice"),
    ),
)

TRACES_SPEC = TableSpec(
    table="raw.langfuse_traces",
    id="id",
    version="updated_at",
    required=("id", "timestamp"),
    fields=(
        Field("id", "str"),
        Field("timestamp", "ts"),
        Field("name", "str"),
        Field("environment", "str"),
        Field("project_id", "str", "projectId"),
        Field("metadata", "json"),
        Field("user_id", "str", "userId"),
        Field("session_id", "str", "sessionId"),
        Field("release", "str"),
        Field("version", "str"),
        Field("public", "bool"),
        Field("bookmarked", "bool"),
        Field("tags", "tags"),
        Field("created_at", "ts", "createdAt"),
        Field("updated_at", "ts", "updatedAt"),
    ),
)
SUFFIXES = (
    ".jsonl",
    ".jsonl.gz",
    ".json",
    ".json.gz",
    ".ndjson",
    ".ndjson.gz",
    ".csv",
    ".csv.gz",
    ".parquet",
)


# files -----------------------------------------------------------------------------------------------
def detect(con: duckdb.DuckDBPyConnection, path: Path) -> rawload.Plan | None:
    """Which table, spelling and container a Langfuse file holds; None for a file without records."""
    fmt = filesource.container(path)
    keys = rawload.peek_keys(con, path, fmt)
    if keys is None:
        return None
    if "startTime" in keys or "start_time" in keys:
        spec = OBSERVATIONS
    elif "timestamp" in keys:
        spec = TRACES_SPEC
    else:
        raise InputError(
            f"{path}: not a Langfuse observations or traces file (no start_time or timestamp field)"
        )
    naming = "api" if "startTime" in keys or "traceId" in keys or "projectId" in keys else "export"
    if fmt == "envelope":
        tag = "api_page_v2" if "providedModelName" in keys or "isRootObservation" in keys else "api_page"
    elif spec is TRACES_SPEC:
        tag = "export_traces"
    else:
        tag = (
            "export_observations_v2"
            if {"is_root_observation", "user_id", "isRootObservation"} & set(keys)
            else "export_observations"
        )
    return rawload.Plan(spec, naming, fmt, tag + ("_camel" if naming == "api" and fmt != "envelope" else ""))


def ingest_files(con: duckdb.DuckDBPyConnection, cfg: Config, paths, *, progress=None) -> landing.Summary:
    """Load Langfuse export files (folders and globs are searched); unchanged files are skipped."""
    return filesource.ingest(
        con, SOURCE, paths, SUFFIXES, detect, batch_mb=cfg.langfuse.files_batch_mb, progress=progress
    )


# API -------------------------------------------------------------------------------------------------
def client(cfg: Config) -> ApiClient:
    pk, sk = secrets.get("LANGFUSE_PUBLIC_KEY"), secrets.get("LANGFUSE_SECRET_KEY")
    if not (pk and sk):
        raise ConfigError(
            "langfuse: set LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY to pull from the API (or use --from-files)"
        )
    return ApiClient(SOURCE, cfg.langfuse.host, cfg, auth=httpx.BasicAuth(pk, sk))


def project_id(api: ApiClient, host: str) -> str:
    """The project the key belongs to (the watermark's scope); the host when the server cannot say."""
    try:
        body = api.get_json("/api/public/projects", what="GET /api/public/projects")
    except HttpError as exc:
        if exc.status in (401, 403):
            raise
        return host
    data = body.get("data") if isinstance(body, dict) else None
    return str(data[0]["id"]) if data and isinstance(data[0], dict) and data[0].get("id") else host


def _window_params(window: apipull.Window) -> dict:
    return {
        "type": "GENERATION",
        "fromStartTime": apipull.iso(window.start),
        "toStartTime": apipull.iso(window.end),
    }


def _envelope(body, what: str) -> list:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise InputError(f"langfuse: {what}: the response has no `data` list")
    return body["data"]


def v2_stream(api: ApiClient, limit: int) -> apipull.Stream:
    def fetch(window: apipull.Window, cursor: str | None):
        params = _window_params(window) | {"limit": min(limit, 1000), "fields": FIELD_GROUPS}
        if cursor:
            params["cursor"] = cursor
        what = f"GET {V2} {window}"
        body = api.get_json(V2, params=params, what=what)
        nxt = (body.get("meta") or {}).get("cursor") if isinstance(body, dict) else None
        return _envelope(body, what), nxt or None

    return apipull.Stream(f"GET {V2}", rawload.Plan(OBSERVATIONS, "api", "array", "api_v2"), fetch)


def _paged(api: ApiClient, path: str, spec: TableSpec, params_for, limit: int) -> apipull.Stream:
    def fetch(window: apipull.Window, cursor: str | None):
        page = int(cursor or 1)
        what = f"GET {path} {window} page {page}"
        body = api.get_json(path, params=params_for(window) | {"page": page, "limit": limit}, what=what)
        total = ((body.get("meta") or {}).get("totalPages") or 0) if isinstance(body, dict) else 0
        return _envelope(body, what), (str(page + 1) if page < total else None)

    return apipull.Stream(f"GET {path}", rawload.Plan(spec, "api", "array", "api_v1"), fetch)


def v1_streams(api: ApiClient, limit: int) -> list[apipull.Stream]:
    limit = min(limit, V1_LIMIT)

    def traces(w):
        return {
            "fromTimestamp": apipull.iso(w.start),
            "toTimestamp": apipull.iso(w.end),
            "fields": "core",
        }  # noqa: E731

    return [
        _paged(api, V1, OBSERVATIONS, _window_params, limit),
        _paged(api, TRACES, TRACES_SPEC, traces, limit),
    ]


def pull(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    progress=None,
) -> landing.Summary:
    """Pull observations incrementally from the Langfuse API (see the module docstring)."""
    lf = cfg.langfuse
    summary = landing.Summary(SOURCE)
    with client(cfg) as api:
        scope = project_id(api, lf.host)
        start, end = apipull.plan_range(
            con,
            SOURCE,
            scope,
            since=since,
            until=until,
            lag_minutes=lf.lag_minutes,
            backfill_days=lf.backfill_days,
        )

        def run(streams: list[apipull.Stream]) -> landing.Summary:
            return apipull.run(
                con, SOURCE, scope, streams, start, end, lf.window_hours, summary=summary, progress=progress
            )

        if lf.api == "v1":
            return run(v1_streams(api, lf.page_limit))
        try:
            return run([v2_stream(api, lf.page_limit)])
        except HttpError as exc:
            # A self-hosted v3 server without the v2 endpoint answers 404 on the very first page.
            if lf.api == "v2" or exc.status not in (404, 405) or summary.counts != landing.Counts():
                raise
        return run(v1_streams(api, lf.page_limit))
