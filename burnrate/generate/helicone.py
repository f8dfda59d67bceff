"""Helicone requests (`HeliconeRequest`): `@helicone/export` JSONL files and `query-clickhouse` pages.

Token fields as this generator writes them (Helicone does not document whether `prompt_tokens` includes
cache tokens; we pick the reading of its newer cost code): `prompt_tokens` = uncached text input,
`prompt_cache_read_tokens` / `prompt_cache_write_tokens` separate, `completion_tokens` excludes reasoning,
`reasoning_tokens` separate, audio separate; `total_tokens` = prompt + completion + reasoning, the formula
of Helicone's ClickHouse query (so it excludes cache and audio tokens). `cost` is USD; 0 for models
Helicone cannot price (self-hosted, the fine-tuned model). 429s carry no usage. Bodies are never written
(`request_body` is required by the schema and is null).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from burnrate.generate import ids
from burnrate.generate.catalog import MODELS
from burnrate.generate.jsonl import NULL, jiso, jnum, jstr, obj, sparse_obj
from burnrate.generate.writers import encode_in_slices, json_page, write_lines

PAGE_SIZE = 1000
# Teams calling through Helicone's AI gateway report lower-case provider names; the proxy upper-case.
GATEWAY_TEAMS = ("agents",)
_PROXY = {
    "openai": "OPENAI",
    "anthropic": "ANTHROPIC",
    "aws_bedrock": "BEDROCK",
    "azure_openai": "AZURE",
    "gcp_vertex": "GOOGLE",
    "self_hosted": "CUSTOM",
}
_GATEWAY = {
    "openai": "openai",
    "anthropic": "anthropic",
    "aws_bedrock": "bedrock",
    "azure_openai": "azure",
    "gcp_vertex": "vertex",
    "self_hosted": "CUSTOM",
}


def _target(m) -> str:
    if m.route == "openai":
        return "https://api.openai.com/v1/" + ("embeddings" if "embedding" in m.name else "chat/completions")
    if m.route == "anthropic":
        return "https://api.anthropic.com/v1/messages"
    if m.route == "aws_bedrock":
        return f"https://bedrock-runtime.us-east-1.amazonaws.com/model/{m.name}/converse"
    if m.route == "azure_openai":
        return (
            f"https://acme-openai-eastus2.openai.azure.com/openai/deployments/{m.name}/chat/completions"
            "?api-version=2025-04-01-preview"
        )
    if m.route == "gcp_vertex":
        return (
            "https://us-central1-aiplatform.googleapis.com/v1/projects/acme-prod/locations/us-central1/"
            f"publishers/google/models/{m.name}:generateContent"
        )
    return "http://vllm-router.llm-serving.svc.cluster.local:8000/v1/chat/completions"


def _path(url: str) -> str:
    rest = url.split("://", 1)[1]
    return "/" + rest.split("/", 1)[1].split("?")[0]


def requests(req: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Helicone-specific columns for one day's requests."""
    idx = req["model_idx"].to_numpy()
    gateway = req["team"].is_in(GATEWAY_TEAMS).to_numpy()
    proxy_names = np.array([_PROXY[m.route] for m in MODELS], dtype=object)[idx]
    gateway_names = np.array([_GATEWAY[m.route] for m in MODELS], dtype=object)[idx]
    targets = [_target(m) for m in MODELS]
    return req.with_columns(
        pl.Series("provider", np.where(gateway, gateway_names, proxy_names).astype(str)),
        pl.Series("target_url", targets, dtype=pl.String).gather(idx),
        pl.Series("request_path", [_path(t) for t in targets], dtype=pl.String).gather(idx),
        pl.Series("response_model", [m.response_model or m.name for m in MODELS], dtype=pl.String).gather(
            idx
        ),
        ids.uuids(rng, req.height, "response_id"),
        pl.Series("updated_delay", rng.integers(800, 6_000, req.height)),
        pl.Series("gateway", gateway),
    )


def record_expr() -> pl.Expr:
    c = pl.col
    no_usage = c("status") == 429

    def tokens(e: pl.Expr) -> pl.Expr:
        return pl.when(no_usage).then(NULL).otherwise(jnum(e))

    props = sparse_obj(
        [
            ("Environment", jstr(c("environment"))),
            ("Team", pl.when(c("tagged")).then(jstr(c("team")))),
            ("Feature", pl.when(c("tagged")).then(jstr(c("feature")))),
            ("Helicone-Session-Id", pl.when(c("session_id").is_not_null()).then(jstr(c("session_id")))),
            ("Api-Key-Id", pl.when(c("api_key_id").is_not_null()).then(jstr(c("api_key_id")))),
            ("Processing", pl.when(c("batch")).then(pl.lit('"batch"'))),
        ]
    )
    return obj(
        [
            ("response_id", jstr(c("response_id"))),
            ("response_created_at", jiso(c("end_ms"))),
            ("response_status", jnum(c("status"))),
            ("response_model", jstr(c("response_model"))),
            ("request_id", jstr(c("request_id"))),
            ("request_created_at", jiso(c("ts_ms"))),
            ("request_body", NULL),
            ("request_path", jstr(c("request_path"))),
            ("request_user_id", jstr(c("user_id"))),
            ("request_properties", props),
            ("request_model", jstr(c("model"))),
            ("model_override", NULL),
            ("helicone_user", NULL),
            ("provider", jstr(c("provider"))),
            ("delay_ms", jnum(c("latency_ms"))),
            ("time_to_first_token", jnum(c("ttft_ms"))),
            ("total_tokens", tokens(c("t_input") + c("t_output") + c("t_reasoning"))),
            ("prompt_tokens", tokens(c("t_input"))),
            ("prompt_cache_write_tokens", tokens(c("t_cache_write"))),
            ("prompt_cache_read_tokens", tokens(c("t_cache_read"))),
            ("completion_tokens", tokens(c("t_output"))),
            ("reasoning_tokens", tokens(c("t_reasoning"))),
            ("prompt_audio_tokens", tokens(c("t_input_audio"))),
            ("completion_audio_tokens", tokens(c("t_output_audio"))),
            ("cost", jnum(c("cost"))),
            ("prompt_id", jstr(c("prompt_name"))),
            ("prompt_version", jstr(c("prompt_version").cast(pl.String))),
            ("llmSchema", NULL),
            ("country_code", pl.lit('"US"')),
            ("asset_ids", NULL),
            ("asset_urls", NULL),
            ("scores", NULL),
            ("properties", props),
            ("assets", pl.lit("[]")),
            ("target_url", jstr(c("target_url"))),
            ("model", jstr(c("model"))),
            ("cache_reference_id", pl.lit('"00000000-0000-0000-0000-000000000000"')),
            ("cache_enabled", pl.lit("false")),
            ("updated_at", jiso(c("end_ms") + c("updated_delay"))),
            ("request_referrer", NULL),
            ("ai_gateway_body_mapping", pl.when(c("gateway")).then(pl.lit('"OPENAI"')).otherwise(NULL)),
            ("storage_location", pl.lit('"s3"')),
            ("signed_body_url", NULL),
        ]
    )


class ExportSink:
    """`helicone/export/helicone_export_<YYYY-MM-DD>.jsonl`: what `npx @helicone/export` writes, per day."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "helicone" / "export"
        self.files = 0
        self.rows = 0

    def write_day(self, frame: pl.DataFrame, day: str) -> None:
        path = self.dir / f"helicone_export_{day}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        for lines in encode_in_slices(frame, record_expr()):
            write_lines(path, lines, mode="ab")
            self.rows += len(lines)
        self.files += 1


class ApiSink:
    """`POST /v1/request/query-clickhouse` pages: one time window per day, offset paging, oldest first."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "helicone" / "api"
        self.pages = 0
        self.rows = 0

    def write_day(self, frame: pl.DataFrame) -> None:
        for lines in encode_in_slices(frame, record_expr()):
            for off in range(0, len(lines), PAGE_SIZE):
                self.pages += 1
                page = lines.slice(off, PAGE_SIZE)
                json_page(self.dir / f"query_clickhouse_page_{self.pages:05d}.json", page, '"error":null')
                self.rows += len(page)
