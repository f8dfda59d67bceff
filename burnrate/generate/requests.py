"""Finish requests: what errors do to usage, latency, list cost, ids; as one polars frame per day.

The frame is the generator's canonical request table (one row per LLM call, disjoint token buckets);
the Langfuse and Helicone writers render it in their vendors' shapes.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from burnrate.generate import ids
from burnrate.generate.catalog import FEATURES, MODELS
from burnrate.generate.company import TEAM_INDEX, TEAMS, users
from burnrate.generate.pricing import BUCKETS, bucket_costs, costs_and_bands
from burnrate.generate.traffic import Catalog

STREAMING_KINDS = {"rag", "chat", "agent", "voice", "generation"}
_BATCH = np.array([f.batch for f in FEATURES])


def effective_tokens(cols: dict) -> np.ndarray:
    """Tokens a provider reports and bills: none for 429s, the prompt plus a partial answer for 500s."""
    tok = cols["tokens"].copy()
    status = cols["status"]
    tok[status == 429] = 0
    cut = status == 500
    for b in (3, 4, 6):
        tok[cut, b] = np.rint(tok[cut, b] * cols["partial"][cut] * 0.6).astype(np.int64)
    return tok


def costs(cols: dict, day: date) -> np.ndarray:
    """List cost per request and bucket (n, 7)."""
    return bucket_costs(cols["model"], _BATCH[cols["feature"]], effective_tokens(cols), day)


def _latency(rng: np.random.Generator, cols: dict, tok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latency and time to first token in ms (ttft < 0 means: not streamed)."""
    n = len(cols["ts"])
    model = cols["model"]
    base = np.array([m.base_latency_s for m in MODELS])[model]
    tps = np.array([m.tokens_per_s for m in MODELS])[model]
    total_in = tok[:, 0] + tok[:, 1] + tok[:, 2] + tok[:, 5]
    total_out = tok[:, 3] + tok[:, 4] + tok[:, 6]
    first = base * rng.uniform(0.6, 1.0, n) + total_in * 3e-6 + tok[:, 4] / tps
    latency = (
        first
        + base * 0.3 * rng.lognormal(0, 0.3, n)
        + (total_out - tok[:, 4]) / tps * rng.lognormal(0, 0.2, n)
    )
    status = cols["status"]
    latency = np.where(status == 429, rng.uniform(0.05, 0.4, n), latency)
    latency = np.where(status == 500, first + rng.uniform(2, 30, n), latency)
    streamed = np.isin(np.array([f.kind for f in FEATURES])[cols["feature"]], list(STREAMING_KINDS))
    ttft = np.where(streamed & (status != 429), first, -1.0)
    return np.rint(latency * 1000).astype(np.int64), np.rint(ttft * 1000).astype(np.int64)


def _lookup(name: str, values: list, idx: np.ndarray, missing: int | None = None) -> pl.Series:
    """Names for integer codes, as a polars Enum (4 bytes a row instead of a string per row)."""
    dtype = pl.Enum(sorted({v for v in values if v is not None}))
    s = pl.Series(name, values, dtype=dtype)
    if missing is None:
        return s.gather(idx)
    return s.gather(np.where(idx == missing, 0, idx)).scatter(np.flatnonzero(idx == missing), None)


def finish(rng: np.random.Generator, cat: Catalog, cols: dict, day: date, day_index: int) -> pl.DataFrame:
    """The canonical request frame of one day (sorted by start time)."""
    n = len(cols["ts"])
    tok = effective_tokens(cols)
    cost, band = costs_and_bands(cols["model"], _BATCH[cols["feature"]], tok, day)
    cost = np.round(cost, 12)  # Langfuse stores Decimal64(12)
    latency_ms, ttft_ms = _latency(rng, cols, tok)
    truncated = (cols["status"] == 200) & (rng.random(n) < 0.01)
    all_users = users()
    user = cols["user"]
    user_ids = _lookup("user_id", [u.user_id for u in all_users], user, missing=-1)
    keys = np.where(user >= 0, cat.api_keys[np.maximum(user, 0)], "")
    feature = cols["feature"]
    team_idx = cat.feature_team[feature]
    user_team = np.array([TEAM_INDEX[u.team] if u.mapped else -1 for u in all_users])
    attributed = np.where(cols["tagged"], team_idx, np.where(user >= 0, user_team[np.maximum(user, 0)], -1))
    sessions = np.array([f.sessions for f in FEATURES])[feature]
    session_key = (np.maximum(user, 0) * 1_000 + feature) * 100_000 + (
        cols["ts"] // (3 * 3_600_000)
    ) % 100_000
    session_id = ids.keyed_hex(session_key, "session_id", 8)
    frame = pl.DataFrame(
        {
            "ts_ms": cols["ts"],
            "end_ms": cols["ts"] + latency_ms,
            "latency_ms": latency_ms,
            "ttft_ms": pl.Series(ttft_ms).set(pl.Series(ttft_ms < 0), None),
            "feature": _lookup("feature", [f.key for f in FEATURES], feature),
            "team": _lookup("team", [t.key for t in TEAMS], team_idx),
            "attributed_team": _lookup("attributed_team", [t.key for t in TEAMS], attributed, missing=-1),
            "model_idx": cols["model"],
            "model": _lookup("model", [m.name for m in MODELS], cols["model"]),
            "route": _lookup("route", [m.route for m in MODELS], cols["model"]),
            "user_id": user_ids,
            "api_key_id": pl.Series("api_key_id", keys, dtype=pl.String).replace("", None),
            "environment": pl.Series(np.where(cols["staging"], "staging", "production")).cast(
                pl.Enum(["production", "staging"])
            ),
            "tagged": cols["tagged"],
            **{f"t_{b}": tok[:, i] for i, b in enumerate(BUCKETS)},
            **{f"c_{b}": cost[:, i] for i, b in enumerate(BUCKETS)},
            "cost": np.round(cost.sum(axis=1), 12),
            "band": band,
            "base_cost": cols["base_cost"],
            "status": cols["status"],
            "truncated": truncated,
            "prompt_name": _lookup("prompt_name", [f.prompt or None for f in FEATURES], feature),
            "prompt_version": cols["prompt_version"],
            "batch": _BATCH[feature],
            "request_id": ids.uuids(rng, n, "request_id"),
            "obs_id": ids.hex_ids(rng, n, 8, "obs_id"),
            "trace_id": ids.hex_ids(rng, n, 16, "trace_id"),
            "session_id": session_id,
            "anomaly": cols["anomaly"],
            "retry_of": cols["retry_of"],
        }
    )
    status = pl.col("status")
    return frame.with_columns(
        pl.when(status != 200)
        .then(pl.lit("ERROR"))
        .when(pl.col("truncated"))
        .then(pl.lit("WARNING"))
        .otherwise(pl.lit("DEFAULT"))
        .alias("level"),
        pl.when(status == 429)
        .then(pl.concat_str([pl.lit("429 Too Many Requests: rate limit exceeded for "), pl.col("model")]))
        .when(status == 500)
        .then(pl.lit("500 Internal Server Error: upstream stream interrupted"))
        .when(pl.col("truncated"))
        .then(pl.lit("finish_reason=length: output truncated at max_tokens"))
        .otherwise(None)
        .alias("status_message"),
        pl.when(pl.Series(sessions)).then(pl.col("session_id")).otherwise(None).alias("session_id"),
        pl.when(pl.col("prompt_name").is_null())
        .then(None)
        .otherwise(pl.col("prompt_version"))
        .alias("prompt_version"),
        pl.lit(day_index).alias("day_index"),
    )
