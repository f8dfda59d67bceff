"""Langfuse observations (v2 data model): blob-storage export files and v2 API response pages.

Two projects: `PROJECT_EXPORT` is delivered as a scheduled blob-storage export (OBSERVATIONS_V2, daily,
gzip JSONL, snake_case columns), `PROJECT_API` as pages of `GET /api/public/v2/observations`.

Messy on purpose, like real Langfuse data:
- `usageDetails` key conventions differ by SDK/integration (see CONVENTIONS). All but `raw` use disjoint
  buckets that sum to `total`; `raw` (LlamaIndex/CrewAI/Gemini style) has inclusive `input`/`output` and
  `prompt_details.*` / `completion_details.*` sub-counts, with total = input + output.
- Late updates: some generations of the last hour of a day are first seen unfinished (no endTime, no
  usage, no cost) and again, complete, with a newer `updatedAt` in the next day's export file and on a
  later API page. Dedupe on `id`, keep the max `updatedAt`.
- Unpriced models (self-hosted, a fine-tuned model genai-prices lacks): `costDetails` {} and totalCost 0.
- Input/output text is never written (export: null; API: io field group not requested).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import polars as pl

from burnrate.generate import ids
from burnrate.generate.catalog import FEATURES, MODELS
from burnrate.generate.jsonl import NULL, jbool, jiso, jnum, jstr, jstr_list, obj, sparse_obj
from burnrate.generate.pricing import rate_card
from burnrate.generate.traffic import DAY_MS, HOUR_MS
from burnrate.generate.writers import GzipLines, cursor, encode_in_slices, json_page

PROJECT_EXPORT = "cm4acmecore0000prodlf001"
PROJECT_API = "cm4acmeapps0000prodlf002"
PAGE_SIZE = 1000
LATE_SHARE = 0.25  # of generations started in the last hour of a day
API_OVERLAP_MS = HOUR_MS  # each daily API pull re-reads the previous day's last hour

# key, buckets summed into it, when present ("always" | "nonzero" | "reasoning" model only)
CONVENTIONS: dict[str, list[tuple[str, tuple[str, ...], str]]] = {
    "openai": [
        ("input", ("input",), "always"),
        ("input_cached_tokens", ("cache_read",), "always"),
        ("input_audio_tokens", ("input_audio",), "nonzero"),
        ("output", ("output",), "always"),
        ("output_reasoning_tokens", ("reasoning",), "reasoning"),
        ("output_audio_tokens", ("output_audio",), "nonzero"),
        ("total", (), "always"),
    ],
    "anthropic": [
        ("input", ("input",), "always"),
        ("cache_read_input_tokens", ("cache_read",), "always"),
        ("cache_creation_input_tokens", ("cache_write",), "always"),
        ("output", ("output", "reasoning"), "always"),
        ("total", (), "always"),
    ],
    "otel": [
        ("input", ("input", "input_audio"), "always"),
        ("input_cached_tokens", ("cache_read",), "nonzero"),
        ("input_cache_creation", ("cache_write",), "nonzero"),
        ("output", ("output",), "always"),
        ("output_reasoning_tokens", ("reasoning",), "nonzero"),
        ("output_audio_tokens", ("output_audio",), "nonzero"),
        ("total", (), "always"),
    ],
    "langchain": [
        ("input", ("input",), "always"),
        ("output", ("output",), "always"),
        ("total", (), "always"),
        ("input_audio", ("input_audio",), "always"),
        ("input_cache_read", ("cache_read",), "always"),
        ("input_cache_creation", ("cache_write",), "nonzero"),
        ("output_audio", ("output_audio",), "always"),
        ("output_reasoning", ("reasoning",), "always"),
    ],
    "raw": [
        ("input", ("input", "cache_read", "cache_write", "input_audio"), "always"),
        ("prompt_details.cache_read", ("cache_read",), "always"),
        ("prompt_details.audio", ("input_audio",), "always"),
        ("output", ("output", "reasoning", "output_audio"), "always"),
        ("completion_details.reasoning", ("reasoning",), "always"),
        ("completion_details.audio", ("output_audio",), "always"),
        ("total", (), "always"),
    ],
    "minimal": [
        ("input", ("input", "cache_read", "cache_write", "input_audio"), "always"),
        ("output", ("output", "reasoning", "output_audio"), "always"),
        ("total", (), "always"),
    ],
}
ROUTE_CONVENTION = {
    "openai": "openai",
    "anthropic": "anthropic",
    "aws_bedrock": "otel",
    "azure_openai": "openai",
    "gcp_vertex": "raw",
    "self_hosted": "openai",
}
PROVIDER_NAMES = {
    "openai": "openai",
    "anthropic": "anthropic",
    "aws_bedrock": "aws-bedrock",
    "azure_openai": "azure-openai",
    "gcp_vertex": "vertex-ai",
    "self_hosted": "vllm",
}
_ALL = ("input", "cache_read", "cache_write", "output", "reasoning", "input_audio", "output_audio")


def convention(feature_key: str, model_key: str) -> str:
    f = next(x for x in FEATURES if x.key == feature_key)
    m = next(x for x in MODELS if x.key == model_key)
    return f.usage_keys or ROUTE_CONVENTION[m.route]


def _details(conv: str, prefix: str, costs: bool) -> pl.Expr:
    entries = []
    for key, buckets, when in CONVENTIONS[conv]:
        if costs and "details." in key:
            continue  # like real data: the subset keys carry no cost
        summed = sum((pl.col(f"{prefix}{b}") for b in (buckets or _ALL)), pl.lit(0))
        if costs:
            summed = summed.round(12)  # no float noise in sums of already-rounded bucket costs
        value = jnum(summed)
        if when == "nonzero":
            value = pl.when(summed > 0).then(value)
        elif when == "reasoning":
            value = pl.when(pl.col("reasoning_model")).then(value)
        entries.append((key, value))
    return sparse_obj(entries)


def _by_convention(prefix: str, costs: bool) -> pl.Expr:
    expr = pl.when(pl.col("empty_usage") | (costs & ~pl.col("priced"))).then(pl.lit("{}"))
    for conv in CONVENTIONS:
        expr = expr.when(pl.col("conv") == conv).then(_details(conv, prefix, costs))
    return expr.otherwise(pl.lit("{}"))


def _fields() -> list[tuple[str, str, pl.Expr, str]]:
    """(camelCase, snake_case, JSON value, where: both | api | export) in export column order."""
    c = pl.col
    secs = lambda e: jnum(e / 1000.0)  # noqa: E731 - tiny local helper
    metadata = sparse_obj(
        [
            ("team", pl.when(c("tagged")).then(jstr(c("team")))),
            ("feature", pl.when(c("tagged")).then(jstr(c("feature")))),
            ("route", jstr(c("route"))),
            ("provider", jstr(c("route").cast(pl.String).replace_strict(PROVIDER_NAMES))),
            ("api_key_id", pl.when(c("api_key_id").is_not_null()).then(jstr(c("api_key_id")))),
            ("helicone_request_id", pl.when(c("linked")).then(jstr(c("request_id")))),
            ("processing", pl.when(c("batch")).then(pl.lit('"batch"'))),
        ]
    )
    tags = jstr_list(
        [
            pl.when(c("tagged")).then(pl.concat_str([pl.lit("team:"), c("team")])),
            pl.when(c("tagged")).then(pl.concat_str([pl.lit("feature:"), c("feature")])),
            c("environment"),
        ]
    )
    return [
        ("id", "id", jstr(c("obs_id")), "both"),
        ("traceId", "trace_id", jstr(c("trace_id")), "both"),
        ("projectId", "project_id", jstr(c("project_id")), "both"),
        ("environment", "environment", jstr(c("environment")), "both"),
        ("type", "type", pl.lit('"GENERATION"'), "both"),
        ("parentObservationId", "parent_observation_id", jstr(c("parent_id")), "both"),
        ("isRootObservation", "is_root_observation", jbool(c("parent_id").is_null()), "both"),
        ("name", "name", jstr(pl.concat_str([c("feature"), pl.lit(".llm")])), "both"),
        ("level", "level", jstr(pl.when(c("partial")).then(pl.lit("DEFAULT")).otherwise(c("level"))), "both"),
        (
            "statusMessage",
            "status_message",
            jstr(pl.when(c("partial")).then(None).otherwise(c("status_message"))),
            "both",
        ),
        ("version", "version", jstr(c("app_version")), "both"),
        ("bookmarked", "bookmarked", pl.lit("false"), "both"),
        ("public", "public", pl.lit("false"), "both"),
        ("userId", "user_id", jstr(c("user_id")), "both"),
        ("sessionId", "session_id", jstr(c("session_id")), "both"),
        ("traceName", "trace_name", jstr(c("feature")), "both"),
        ("startTime", "start_time", jiso(c("ts_ms")), "both"),
        ("endTime", "end_time", pl.when(c("partial")).then(NULL).otherwise(jiso(c("end_ms"))), "both"),
        (
            "completionStartTime",
            "completion_start_time",
            pl.when(c("partial")).then(NULL).otherwise(jiso(c("ts_ms") + c("ttft_ms"))),
            "both",
        ),
        ("createdAt", "created_at", jiso(c("created_ms")), "both"),
        ("updatedAt", "updated_at", jiso(c("updated_ms")), "both"),
        ("providedModelName", "provided_model_name", jstr(c("model")), "both"),
        ("internalModelId", "internal_model_id", jstr(c("lf_model_id")), "both"),
        ("modelId", "model_id", jstr(c("lf_model_id")), "both"),
        ("modelParameters", "model_parameters", c("model_parameters"), "both"),
        ("providedUsageDetails", "provided_usage_details", c("usage_json"), "export"),
        ("usageDetails", "usage_details", c("usage_json"), "both"),
        ("providedCostDetails", "provided_cost_details", pl.lit("{}"), "export"),
        ("costDetails", "cost_details", c("cost_json"), "both"),
        ("totalCost", "total_cost", pl.when(c("partial")).then(NULL).otherwise(jnum(c("cost"))), "both"),
        ("usagePricingTierId", "usage_pricing_tier_id", NULL, "export"),
        ("usagePricingTierName", "usage_pricing_tier_name", jstr(c("tier_name")), "both"),
        (
            "promptId",
            "prompt_id",
            jstr(
                pl.concat_str(
                    [pl.lit("prm_"), c("prompt_name"), pl.lit("_v"), c("prompt_version").cast(pl.String)]
                )
            ),
            "both",
        ),
        ("promptName", "prompt_name", jstr(c("prompt_name")), "both"),
        ("promptVersion", "prompt_version", jnum(c("prompt_version")), "both"),
        ("input", "input", NULL, "export"),
        ("output", "output", NULL, "export"),
        ("metadata", "metadata", metadata, "both"),
        ("tags", "tags", tags, "both"),
        ("release", "release", jstr(c("release")), "both"),
        ("latency", "latency", pl.when(c("partial")).then(NULL).otherwise(secs(c("latency_ms"))), "both"),
        (
            "timeToFirstToken",
            "time_to_first_token",
            pl.when(c("partial")).then(NULL).otherwise(secs(c("ttft_ms"))),
            "both",
        ),
        ("inputPrice", "input_price", jstr(c("input_price")), "both"),
        ("outputPrice", "output_price", jstr(c("output_price")), "both"),
        ("totalPrice", "total_price", NULL, "both"),
    ]


def record_expr(style: str) -> pl.Expr:
    """One ObservationV2 JSON object per row: style `api` (camelCase) or `export` (snake_case)."""
    fields = _fields()
    if style == "api":
        return obj([(camel, value) for camel, _s, value, where in fields if where != "export"])
    return obj([(snake, value) for _c, snake, value, where in fields if where != "api"])


def _model_tables(day) -> tuple[list, list, list]:
    """Langfuse model id and per-token prices per catalogue model (None where Langfuse has no price)."""
    lf_ids, inp, outp = [], [], []
    for m in MODELS:
        card = None if m.route == "self_hosted" else rate_card(m.key, day, False)
        lf_ids.append(None if card is None else "lfm_" + hashlib.sha256(m.key.encode()).hexdigest()[:20])
        inp.append(None if card is None else card.input_price)
        outp.append(None if card is None else card.output_price)
    return lf_ids, inp, outp


def _conventions() -> dict[str, str]:
    """`feature|model index` -> usage-key convention."""
    return {f"{f.key}|{mi}": convention(f.key, m.key) for f in FEATURES for mi, m in enumerate(MODELS)}


def observations(
    req: pl.DataFrame, project_id: str, day, rng: np.random.Generator, linked_teams: list[str]
) -> pl.DataFrame:
    """Observation columns (before JSON) for the requests one project logged on one day.

    Requests of `linked_teams` also went through Helicone: their metadata carries the Helicone request id.
    """
    n = req.height
    lf_ids, inp, outp = _model_tables(day)
    idx = req["model_idx"].to_numpy()
    c = pl.col
    agentic = c("feature").is_in([f.key for f in FEATURES if f.kind in ("agent", "rag")])
    frame = req.with_columns(
        pl.concat_str([c("feature"), pl.lit("|"), c("model_idx").cast(pl.String)])
        .replace_strict(_conventions())
        .alias("conv"),
        pl.lit(project_id).alias("project_id"),
        pl.Series("lf_model_id", lf_ids, dtype=pl.String).gather(idx),
        pl.Series("input_price", inp, dtype=pl.String).gather(idx),
        pl.Series("output_price", outp, dtype=pl.String).gather(idx),
        pl.Series("reasoning_model", np.array([m.reasoning for m in MODELS])[idx]),
        pl.when(pl.col("band") > 0)
        .then(pl.lit("Large Context"))
        .otherwise(pl.lit("Standard"))
        .alias("tier_name"),
        ids.hex_ids(rng, n, 8, "parent_id"),
        pl.Series("created_ms", req["ts_ms"].to_numpy() + rng.integers(300, 2_500, n)),
        pl.Series("updated_ms", req["end_ms"].to_numpy() + rng.integers(500, 5_000, n)),
        pl.col("team").is_in(linked_teams).alias("linked"),
        pl.lit(False).alias("partial"),
    )
    return frame.with_columns(
        pl.when(c("lf_model_id").is_null()).then(None).otherwise(c("tier_name")).alias("tier_name"),
        pl.when(agentic).then(c("parent_id")).otherwise(None).alias("parent_id"),
        c("lf_model_id").is_not_null().alias("priced"),
        pl.from_epoch("ts_ms", time_unit="ms").dt.strftime("%G-W%V").alias("release"),
        pl.concat_str([pl.lit("app-"), pl.from_epoch("ts_ms", time_unit="ms").dt.strftime("%Y.%m")]).alias(
            "app_version"
        ),
        pl.when(c("model_idx").is_in([i for i, m in enumerate(MODELS) if m.reasoning]))
        .then(pl.lit('{"reasoning_effort":"medium","max_completion_tokens":16000}'))
        .otherwise(pl.lit('{"temperature":0.2,"max_tokens":4096}'))
        .alias("model_parameters"),
    )


def with_details(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the usageDetails / costDetails JSON (empty for 429s and for not-yet-finished versions)."""
    return frame.with_columns(
        (pl.col("partial") | (pl.col("status") == 429)).alias("empty_usage")
    ).with_columns(
        _by_convention("t_", costs=False).alias("usage_json"),
        _by_convention("c_", costs=True).alias("cost_json"),
    )


def split_late(obs: pl.DataFrame, day_ms: int, is_last_day: bool, rng: np.random.Generator) -> pl.DataFrame:
    """Add an unfinished first version for some generations of the day's last hour (late updates).

    The first version is updated ~1 s after start; the final one 30-120 min after midnight, so it lands in
    the next export file and is first seen by the next day's API pull.
    """
    if is_last_day or obs.height == 0:
        return obs
    last_hour = (obs["ts_ms"] >= day_ms + DAY_MS - HOUR_MS).to_numpy()
    late = last_hour & (rng.random(obs.height) < LATE_SHARE) & (obs["status"] != 429).to_numpy()
    next_midnight = day_ms + DAY_MS
    final_update = next_midnight + rng.integers(30 * 60_000, 120 * 60_000, obs.height)
    obs = obs.with_columns(
        pl.when(pl.Series(late))
        .then(pl.Series(final_update))
        .otherwise(pl.col("updated_ms"))
        .alias("updated_ms")
    )
    first = obs.filter(pl.Series(late)).with_columns(
        pl.lit(True).alias("partial"),
        (pl.col("ts_ms") + 900).alias("updated_ms"),
        (pl.col("ts_ms") + 600).alias("created_ms"),
    )
    return pl.concat([obs, first])


class ExportSink:
    """Daily blob-storage export files: `<project>/observations_v2/<window end>.jsonl.gz`.

    A file holds the rows whose `updatedAt` falls in the day before its timestamp (the export cut); rows
    updated after a cut are carried to the next file.
    """

    def __init__(self, root: Path, project_id: str) -> None:
        self.dir = root / "langfuse" / "export" / project_id / "observations_v2"
        self.carry: pl.DataFrame | None = None
        self.files = 0
        self.rows = 0

    def write_day(self, obs: pl.DataFrame, day_ms: int, is_last_day: bool = False) -> None:
        """Write the day's file; `is_last_day` is accepted for symmetry with ApiSink (the cut decides)."""
        cut = day_ms + DAY_MS
        later = pl.col("updated_ms") >= cut
        parts = [obs] if self.carry is None else [self.carry, obs]  # yesterday's stragglers lead the file
        name = pl.select(pl.from_epoch(pl.lit(cut), time_unit="ms").dt.strftime("%Y-%m-%dT%H-%M-%SZ")).item()
        self._write(parts, cut, name)
        self.carry = pl.concat([p.filter(later) for p in parts], how="diagonal_relaxed")

    def _write(self, parts: list[pl.DataFrame], cut: int, name: str) -> None:
        """Write the rows updated before `cut`, filtered slice by slice (no whole-day copies)."""
        sink = GzipLines(self.dir / f"{name}.jsonl.gz")
        for frame in parts:
            keep = lambda part: with_details(part.filter(pl.col("updated_ms") < cut))  # noqa: E731
            for lines in encode_in_slices(frame, record_expr("export"), keep):
                sink.write(lines)
        sink.close()
        self.files += 1
        self.rows += sink.rows

    def close(self, end_ms: int) -> None:
        if self.carry is not None and self.carry.height:
            cut = max(int(self.carry["updated_ms"].max()) // DAY_MS * DAY_MS + DAY_MS, end_ms + DAY_MS)
            name = pl.select(
                pl.from_epoch(pl.lit(cut), time_unit="ms").dt.strftime("%Y-%m-%dT%H-%M-%SZ")
            ).item()
            self._write([self.carry], cut, name)
        self.carry = None


class ApiSink:
    """`GET /api/public/v2/observations` pages: one pull per day, newest first, `limit=1000`.

    The pull for day D runs after midnight and covers [D - 1h, D + 1d): the previous day's last hour is
    read again (a trailing re-pull, as robust ingesters do), which is where late updates show up complete.
    """

    def __init__(self, root: Path, project_id: str) -> None:
        self.dir = root / "langfuse" / "api" / project_id
        self.tail: pl.DataFrame | None = None
        self.pages = 0
        self.rows = 0

    def write_day(self, obs: pl.DataFrame, day_ms: int, is_last_day: bool = False) -> None:
        finals = obs.filter(~pl.col("partial"))
        visible = (
            obs if is_last_day else obs.filter(pl.col("partial") | (pl.col("updated_ms") < day_ms + DAY_MS))
        )
        frame = visible if self.tail is None else pl.concat([self.tail, visible], how="diagonal_relaxed")
        self.tail = finals.filter(pl.col("ts_ms") >= day_ms + DAY_MS - API_OVERLAP_MS)
        frame = frame.sort(["ts_ms", "obs_id"], descending=True)
        offset = 0
        for lines in encode_in_slices(frame, record_expr("api"), with_details):  # slices hold whole pages
            for off in range(0, len(lines), PAGE_SIZE):
                page = lines.slice(off, PAGE_SIZE)
                end = offset + off + len(page)
                token = None
                if end < frame.height:
                    last = frame.row(end - 1, named=True)
                    token = cursor(
                        {
                            "lastStartTimeTo": _iso_ms(last["ts_ms"]),
                            "lastTraceId": last["trace_id"],
                            "lastId": last["obs_id"],
                        }
                    )
                self.pages += 1
                tail = '"meta":{"cursor":' + (f'"{token}"' if token else "null") + "}"
                json_page(self.dir / f"observations_v2_page_{self.pages:05d}.json", page, tail)
                self.rows += len(page)
            offset += len(lines)


def _iso_ms(ms: int) -> str:
    return pl.select(pl.from_epoch(pl.lit(ms), time_unit="ms").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")).item()
