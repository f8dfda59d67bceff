"""Anomaly detection: an isolation forest over per-scope time buckets, explained like a cost anomaly.

For each grain (hour, day):

1. `alerts.buckets` aggregates the trailing window of `marts.fct_llm_requests` per scope × bucket in DuckDB;
2. `alerts.features` turns each bucket into robust z-scores against its scope's seasonal baseline;
3. an `IsolationForest` (fixed `random_state`, so re-runs agree) is trained on the window's buckets (a
   uniform sample of 200,000 beyond that) and scores the buckets where some measure moved. Features are
   one-sided — only *rises* in spend, requests, tokens or cost per request, users, errors or the top user's
   share, and *drops* in cache hits, can make a bucket unusual — because a quiet hour is not a cost anomaly;
4. a bucket is flagged when its score reaches `detect.threshold` and some measure moved by ≥ 3 robust
   sigmas; consecutive flagged buckets of a scope merge into one window. Hysteresis: a window of a single
   bucket needs a score of `threshold + 0.1` and at least 5 requests, a sustained window (two buckets or
   more) the threshold — one odd hour in one scope is the commonest false alarm, real incidents persist;
5. a window is kept when it matters: its spend impact (actual − expected) reaches `detect.min_impact_usd`
   (by default 10 % of the company's median spend per bucket of that grain), or it is an error storm;
6. each window gets its pattern, root cause, severity and a stable id (`alerts.explain`, `alerts.store`).
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np
import polars as pl

from alerts import buckets, explain, features
from burnrate.config import Config

log = logging.getLogger(__name__)

MOVED_SIGMAS = 3.0
# one-sided view of each feature: +1 keeps rises, -1 keeps drops
DIRECTION = {
    "z_requests": 1,
    "z_spend": 1,
    "z_tokens_per_request": 1,
    "z_cost_per_request": 1,
    "z_error_rate": 1,
    "z_cache_hit_rate": -1,
    "z_users": 1,
    "z_top_user_share": 1,
}
SEVERITIES = ("low", "medium", "high", "critical")
# severity by the impact's share of a typical day's total spend
SEVERITY_SHARE_OF_DAY = {"critical": 0.5, "high": 0.2, "medium": 0.05}
MIN_FOREST_ROWS = 50
TRAIN_ROWS = 200_000  # buckets the forest is trained on (a uniform sample beyond that)
SLICE_ROWS = 500_000  # buckets of one scope type processed at a time
MOVED = pl.any_horizontal([pl.col(c) * s >= MOVED_SIGMAS for c, s in DIRECTION.items()])
# the columns kept per bucket after the features are computed
KEEP = (
    "scope_type", "scope_value", "bucket_start", "requests", "expected_requests", "spend", "expected_spend",
    "tokens", "expected_tokens_per_request", "errors", "p_error", "cache_hits", "p_cache", "top_user_requests",
    "p_top", *features.FEATURES,
)  # fmt: skip
# hysteresis: a window of one bucket needs threshold + STRONG_MARGIN, a run of SUSTAINED_BUCKETS the threshold
STRONG_MARGIN = 0.1
SUSTAINED_BUCKETS = 2
LONE_MIN_REQUESTS = 5  # a mean or rate over fewer requests is no evidence on its own
AUTO_MIN_IMPACT_SHARE = 0.10  # of the company's median spend per bucket


@dataclass
class Settings:
    window_days: float = 35.0
    grains: tuple[str, ...] = ("hour", "day")
    threshold: float = 0.55
    min_impact_usd: float = 0.0  # 0 = automatic
    random_state: int = 0

    @classmethod
    def from_config(cls, cfg: Config) -> Settings:
        d = cfg.detect
        return cls(float(d.window_days), tuple(d.grains), float(d.threshold), float(d.min_impact_usd))


def anomaly_id(scope_type: str, scope_value: str, grain: str, window_start: datetime) -> str:
    """Stable id: the same scope, grain and window start always give the same id."""
    key = f"{scope_type}\x1f{scope_value}\x1f{grain}\x1f{window_start.isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def one_sided(df: pl.DataFrame) -> np.ndarray:
    """The forest's input: each feature in its alarming direction, clipped to [0, 20]."""
    z = df.select(list(DIRECTION)).to_numpy()
    return np.clip(z * np.array(list(DIRECTION.values()), dtype=float), 0.0, 20.0)


def fit_forest(x: np.ndarray, random_state: int = 0):
    from sklearn.ensemble import IsolationForest

    return IsolationForest(
        n_estimators=200, max_samples=min(4096, len(x)), random_state=random_state, n_jobs=1
    ).fit(x)


def scored_candidates(
    con: duckdb.DuckDBPyConnection, grain: str, window_days: float, random_state: int = 0
) -> pl.DataFrame:
    """The buckets where some measure moved (the only ones that can be flagged), with forest scores.

    Scope types are processed in slices of at most `SLICE_ROWS` buckets (by scope, so baselines stay exact),
    keeping only compact columns: memory is bounded however many users and keys there are. The forest is
    trained on a uniform sample of all buckets (all of them up to `TRAIN_ROWS`, fixed seed), so it learns
    what ordinary buckets look like, and scores only the candidates.
    """
    counts = buckets.bucket_counts(con, grain)
    fraction = min(1.0, TRAIN_ROWS / max(sum(counts.values()), 1))
    train, candidates = [], []
    for scope in buckets.SCOPE_TYPES:
        parts = max(1, math.ceil(counts.get(scope, 0) / SLICE_ROWS))
        for k in range(parts):
            df = buckets.scope_buckets(con, grain, (scope,), (k, parts))
            if df.is_empty():
                continue
            df = features.with_features(df, grain, window_days).select(KEEP)
            train.append(one_sided(df if fraction >= 1 else df.sample(fraction=fraction, seed=random_state)))
            candidates.append(df.filter(MOVED))
    x = np.vstack(train) if train else np.zeros((0, len(DIRECTION)))
    cand = pl.concat(candidates) if candidates else pl.DataFrame()
    if len(x) < MIN_FOREST_ROWS or cand.is_empty():
        return cand.with_columns(pl.lit(0.0).alias("score")) if cand.width else cand
    return cand.with_columns(pl.Series("score", -fit_forest(x, random_state).score_samples(one_sided(cand))))


def flag(df: pl.DataFrame, threshold: float) -> pl.Expr:
    """Buckets worth a closer look: isolated by the forest, with at least one measure clearly up."""
    return (pl.col("score") >= threshold) & MOVED


def _windows(flagged: pl.DataFrame, step: timedelta) -> pl.DataFrame:
    """Group consecutive flagged buckets of each scope (a one-bucket gap is bridged) into windows."""
    return (
        flagged.sort(["scope_type", "scope_value", "bucket_start"])
        .with_columns(
            (
                (pl.col("bucket_start").diff().over(["scope_type", "scope_value"]) > step * 2)
                .fill_null(True)
                .cum_sum()
                .over(["scope_type", "scope_value"])
            ).alias("window_no")
        )
        .group_by(["scope_type", "scope_value", "window_no"], maintain_order=True)
        .agg(
            pl.col("bucket_start").min().alias("window_start"),
            (pl.col("bucket_start").max() + step).alias("window_end"),
            pl.col("score").max(),
            pl.len().alias("buckets"),
            pl.col("requests").sum(),
            pl.col("expected_requests").sum(),
            pl.col("spend").sum(),
            pl.col("expected_spend").sum(),
            pl.col("tokens").sum(),
            (pl.col("requests") * pl.col("expected_tokens_per_request")).sum().alias("expected_tokens"),
            pl.col("errors").sum(),
            (pl.col("requests") * pl.col("p_error")).sum().alias("expected_errors"),
            pl.col("cache_hits").sum(),
            (pl.col("requests") * pl.col("p_cache")).sum().alias("expected_cache_hits"),
            pl.col("top_user_requests").sum(),
            (pl.col("requests") * pl.col("p_top")).sum().alias("expected_top_user_requests"),
            *[pl.col(z).get(pl.col(z).abs().arg_max()).alias(z) for z in features.FEATURES],
        )
    )


def _window(row: dict) -> explain.Window:
    z = {name.removeprefix("z_"): row[name] for name in features.FEATURES}
    return explain.Window(
        requests=row["requests"],
        expected_requests=row["expected_requests"],
        spend=row["spend"],
        expected_spend=row["expected_spend"],
        tokens=row["tokens"],
        expected_tokens=row["expected_tokens"],
        errors=row["errors"],
        expected_errors=row["expected_errors"],
        cache_hits=row["cache_hits"],
        expected_cache_hits=row["expected_cache_hits"],
        top_user_requests=row["top_user_requests"],
        expected_top_user_requests=row["expected_top_user_requests"],
        z=z,
    )


def severity(impact_usd: float, day_spend: float) -> str:
    """low / medium / high / critical by the impact's share of a typical day's spend."""
    share = impact_usd / day_spend if day_spend > 0 else 0.0
    for level in ("critical", "high", "medium"):
        if share >= SEVERITY_SHARE_OF_DAY[level]:
            return level
    return "low"


def _typical_spend(con: duckdb.DuckDBPyConnection, grain: str) -> float:
    trunc = "hour" if grain == "hour" else "day"
    row = con.execute(
        f"select median(s) from (select date_trunc('{trunc}', bucket_start) b, sum(spend) s "
        f"from {buckets.CELLS} group by 1)"
    ).fetchall()[0]
    return float(row[0] or 0.0)


def detect(
    con: duckdb.DuckDBPyConnection, settings: Settings, *, now: datetime | None = None
) -> pl.DataFrame:
    """Anomalies in the trailing window ending at the newest request (or `now`), one row per window.

    `con` must see `marts.fct_llm_requests`. Returns an empty frame when there is nothing to look at.
    """
    span = buckets.data_range(con)
    if span is None:
        return pl.DataFrame()
    end = (now or span[1]) + timedelta(microseconds=1)
    start = max(span[0], end - timedelta(days=settings.window_days))
    buckets.load_cells(con, start, end)
    day_spend = _typical_spend(con, "day")
    kept: list[tuple[dict, str, explain.Window, str]] = []
    for grain in settings.grains:
        df = scored_candidates(con, grain, (end - start).total_seconds() / 86400, settings.random_state)
        if df.is_empty():
            continue
        flagged = df.filter(flag(df, settings.threshold))
        min_impact = settings.min_impact_usd or AUTO_MIN_IMPACT_SHARE * _typical_spend(con, grain)
        for row in _windows(flagged, buckets.GRAINS[grain]).iter_rows(named=True):
            found = _keep(row, min_impact, settings.threshold)
            if found is not None:
                kept.append((row, grain, *found))
    causes = _root_causes(con, kept, (start, end))
    rows = [
        _describe(row, grain, w, pattern, causes[i], day_spend)
        for i, (row, grain, w, pattern) in enumerate(kept)
    ]
    log.info("detection: %d anomaly windows in %s .. %s", len(rows), start, end)
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def _keep(row: dict, min_impact: float, threshold: float) -> tuple[explain.Window, str] | None:
    """(measures, pattern) of a window worth reporting, or None (hysteresis, then materiality)."""
    if row["buckets"] < SUSTAINED_BUCKETS and (
        row["score"] < threshold + STRONG_MARGIN or row["requests"] < LONE_MIN_REQUESTS
    ):
        return None  # a lone bucket must be clearly isolated and rest on a few requests; a sustained run may be milder
    w = _window(row)
    pattern = explain.classify(w, row["scope_type"])
    if w.spend - w.expected_spend < min_impact and pattern != "error_storm":
        return None
    return w, pattern


def _root_causes(con, kept: list, span: tuple[datetime, datetime]) -> list[explain.Cause | None]:
    """The root cause of every kept window, from one breakdown query per scope type and dimension."""
    windows = []
    for i, (row, _, _, _) in enumerate(kept):
        # the usual mix is the day before the window (prompt versions and models roll over weeks)
        ws, we = row["window_start"], row["window_end"]
        b0, b1 = max(span[0], ws - timedelta(days=1)), we
        if b0 >= ws:
            b0, b1 = span
        windows.append((i, row["scope_type"], row["scope_value"], ws, we, b0, b1))
    frame = pl.DataFrame(
        windows,
        schema=[
            "key",
            "scope_type",
            "scope_value",
            "window_start",
            "window_end",
            "baseline_start",
            "baseline_end",
        ],
        orient="row",
    )
    frames: dict[int, dict[str, pl.DataFrame]] = {i: {} for i in range(len(kept))}
    for scope_type in buckets.SCOPE_TYPES:
        these = frame.filter(pl.col("scope_type") == scope_type).drop("scope_type")
        if these.is_empty():
            continue
        for dim in explain.DIMENSIONS[scope_type]:
            parts = buckets.breakdowns(con, scope_type, dim, these).partition_by("key", as_dict=True)
            for key in these["key"]:
                frames[key][dim] = parts.get((key,), pl.DataFrame()).drop("key", strict=False)
    return [
        explain.root_cause(row["scope_type"], pattern, w, frames[i])
        for i, (row, _, w, pattern) in enumerate(kept)
    ]


def _describe(row: dict, grain: str, w: explain.Window, pattern: str, cause, day_spend: float) -> dict:
    """The alerts.anomalies row of one window."""
    window = (row["window_start"], row["window_end"])
    impact = w.spend - w.expected_spend
    hours = (window[1] - window[0]).total_seconds() / 3600
    return {
        "anomaly_id": anomaly_id(row["scope_type"], row["scope_value"], grain, window[0]),
        "scope_type": row["scope_type"],
        "scope_value": row["scope_value"],
        "grain": grain,
        "window_start": window[0],
        "window_end": window[1],
        "score": round(float(row["score"]), 4),
        "severity": severity(max(impact, 0.0), day_spend),
        "is_escalated": False,
        "actual_spend": w.spend,
        "expected_spend": w.expected_spend,
        "impact_usd": impact,
        "impact_usd_per_hour": impact / hours if hours else impact,
        "impact_pct": 100.0 * impact / w.expected_spend if w.expected_spend > 0 else None,
        "pattern": pattern,
        "top_contributor_type": cause.dimension if cause else None,
        "top_contributor_value": cause.value if cause else None,
        "top_contributor_share": cause.share if cause else None,
        "root_cause": explain.sentence(row["scope_type"], row["scope_value"], pattern, w, cause, impact),
        "features_moved": explain.features_moved_json(w),
        "requests": w.requests,
        "expected_requests": w.expected_requests,
    }
