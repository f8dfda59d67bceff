"""Anomaly detection: an isolation forest over per-scope time buckets, explained like a cost anomaly.

For each grain (hour, day):

1. `alerts.buckets` aggregates the trailing window of `marts.fct_llm_requests` per scope × bucket in DuckDB;
2. `alerts.features` turns each bucket into robust z-scores against its scope's seasonal baseline;
3. an `IsolationForest` (fixed `random_state`, so re-runs agree) is trained on the window's buckets and
   scores each one. Features are one-sided — only *rises* in spend, requests, tokens or cost per request,
   users, errors or the top user's share, and *drops* in cache hits, can make a bucket unusual — because a
   quiet hour is not a cost anomaly;
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


def score(df: pl.DataFrame, random_state: int = 0) -> np.ndarray:
    """Isolation-forest anomaly scores in (0, 1] (higher = more isolated) for the one-sided features."""
    from sklearn.ensemble import IsolationForest

    if df.height < MIN_FOREST_ROWS:
        return np.zeros(df.height)
    z = df.select(list(DIRECTION)).to_numpy()
    x = np.clip(z * np.array(list(DIRECTION.values()), dtype=float), 0.0, 20.0)
    forest = IsolationForest(
        n_estimators=200, max_samples=min(4096, len(x)), random_state=random_state, n_jobs=1
    ).fit(x)
    return -forest.score_samples(x)


def flag(df: pl.DataFrame, threshold: float) -> pl.Expr:
    """Buckets worth a closer look: isolated by the forest, with at least one measure clearly up."""
    moved = pl.any_horizontal([pl.col(c) * s >= MOVED_SIGMAS for c, s in DIRECTION.items()])
    return (pl.col("score") >= threshold) & moved


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
    rows: list[dict] = []
    for grain in settings.grains:
        df = features.with_features(
            buckets.scope_buckets(con, grain), grain, (end - start).total_seconds() / 86400
        )
        if df.is_empty():
            continue
        df = df.with_columns(pl.Series("score", score(df, settings.random_state)))
        flagged = df.filter(flag(df, settings.threshold))
        min_impact = settings.min_impact_usd or AUTO_MIN_IMPACT_SHARE * _typical_spend(con, grain)
        for row in _windows(flagged, buckets.GRAINS[grain]).iter_rows(named=True):
            found = _explain(con, row, grain, (start, end), min_impact, day_spend, settings.threshold)
            if found is not None:
                rows.append(found)
    log.info("detection: %d anomaly windows in %s .. %s", len(rows), start, end)
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def _explain(
    con,
    row: dict,
    grain: str,
    span: tuple[datetime, datetime],
    min_impact: float,
    day_spend: float,
    threshold: float,
):
    if row["buckets"] < SUSTAINED_BUCKETS and (
        row["score"] < threshold + STRONG_MARGIN or row["requests"] < LONE_MIN_REQUESTS
    ):
        return None  # a lone bucket must be clearly isolated and rest on a few requests; a sustained run may be milder
    w = _window(row)
    pattern = explain.classify(w, row["scope_type"])
    impact = w.spend - w.expected_spend
    if impact < min_impact and pattern != "error_storm":
        return None
    window = (row["window_start"], row["window_end"])
    # the usual mix is the day before the window (prompt versions and models roll over weeks)
    before = (max(span[0], window[0] - timedelta(days=1)), window[1])
    if before[0] >= window[0]:
        before = span
    cause = explain.root_cause(con, row["scope_type"], row["scope_value"], pattern, w, window, before)
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
