"""Seasonality-aware, robust features: each bucket measured against its scope's own baseline.

The forest should score *deviations*, not levels (a busy team is not anomalous for being busy), so every
measure becomes a robust z-score against the scope's baseline in the trailing window:

* **volume** (requests, spend, distinct users): log values against the median/MAD of the same
  *hour-of-week slot*. With fewer than six weeks of history an hour-of-week slot holds too few samples for a
  median, so slots pool Monday-Friday and Saturday-Sunday (hour of day × weekday/weekend); daily buckets use
  weekday (or weekday/weekend). A scope with fewer than `MIN_SLOT_SAMPLES` buckets in a slot (a rare user)
  falls back to its all-hours median.
* **unit measures** (tokens per request, cost per request): log values against the scope's median/MAD over
  the whole window (they do not follow the clock).
* **rates** (error rate, cache hit rate, top user's share of requests): a binomial z,
  (k − n·p₀) / √(n·p₀·(1−p₀) + 1), so a few errors in a quiet hour do not look like a storm.

`expected_spend` (the slot median) is what the impact in dollars is measured against.
"""

from __future__ import annotations

import math

import polars as pl

MIN_SLOT_SAMPLES = 3
FULL_WEEK_DAYS = 42  # hour-of-week slots need about six samples each
FEATURES: tuple[str, ...] = (
    "z_requests",
    "z_spend",
    "z_tokens_per_request",
    "z_cost_per_request",
    "z_error_rate",
    "z_cache_hit_rate",
    "z_users",
    "z_top_user_share",
)
# floors on the robust spread of log measures: a ±15 % wobble is never "many sigmas"
LOG_SPREAD_FLOOR = 0.15
SCOPE = ["scope_type", "scope_value"]


def _slot(grain: str, window_days: float) -> pl.Expr:
    weekday = pl.col("bucket_start").dt.weekday()  # 1 = Monday
    day_part = weekday if window_days >= FULL_WEEK_DAYS else (weekday >= 6).cast(pl.Int32)
    if grain == "hour":
        return day_part * 24 + pl.col("bucket_start").dt.hour()
    return day_part


def _robust(df: pl.DataFrame, value: str, keys: list[str], prefix: str) -> pl.DataFrame:
    """Median, upper spread and sample count of `value` per `keys`, as columns `<prefix>_med/_mad/_n`.

    The spread is the larger of the scaled MAD and the 90th-percentile distance (q90 − median) / 1.28: the
    same for a normal distribution, but honest about heavy upper tails (an agent feature whose requests now
    and then carry 100k tokens), which is the direction detection cares about.
    """
    med = df.group_by(keys).agg(
        pl.col(value).median().alias(f"{prefix}_med"),
        pl.col(value).quantile(0.9, "linear").alias("_q90"),
        pl.len().alias(f"{prefix}_n"),
    )
    dev = (
        df.join(med, on=keys)
        .with_columns((pl.col(value) - pl.col(f"{prefix}_med")).abs().alias("_dev"))
        .group_by(keys)
        .agg((pl.col("_dev").median() * 1.4826).alias("_mad"))
    )
    return (
        med.join(dev, on=keys)
        .with_columns(
            pl.max_horizontal(pl.col("_mad"), (pl.col("_q90") - pl.col(f"{prefix}_med")) / 1.2816).alias(
                f"{prefix}_mad"
            )
        )
        .drop(["_mad", "_q90"])
    )


def _seasonal(df: pl.DataFrame, value: str, name: str) -> pl.DataFrame:
    """Adds `<name>_med` and `<name>_mad`: the slot's robust stats, or the scope's when the slot is thin."""
    slot = _robust(df, value, [*SCOPE, "slot"], "s")
    pooled = _robust(df, value, SCOPE, "p")
    out = df.join(slot, on=[*SCOPE, "slot"], how="left").join(pooled, on=SCOPE, how="left")
    thin = pl.col("s_n") < MIN_SLOT_SAMPLES
    return out.with_columns(
        pl.when(thin).then(pl.col("p_med")).otherwise(pl.col("s_med")).alias(f"{name}_med"),
        pl.when(thin).then(pl.col("p_mad")).otherwise(pl.col("s_mad")).alias(f"{name}_mad"),
    ).drop(["s_med", "s_mad", "s_n", "p_med", "p_mad", "p_n"])


def _log_z(name: str, per_request: bool = False) -> pl.Expr:
    """Robust z of a log measure. A per-request mean (tokens or cost per request) is a mean of n requests:
    its spread shrinks with √n, so a quiet bucket with one huge agent call is not many sigmas out."""
    spread = pl.col(f"{name}_mad")
    if per_request:
        spread = spread * (pl.col("requests_med").exp() / pl.col("requests")).sqrt()
    spread = pl.max_horizontal(spread, pl.lit(LOG_SPREAD_FLOOR))
    return ((pl.col(f"l_{name}") - pl.col(f"{name}_med")) / spread).alias(f"z_{name}")


def _rate(df: pl.DataFrame, k: str, name: str) -> pl.DataFrame:
    """Adds `p_<name>`: the baseline rate k / requests of the bucket's slot (or of the scope when thin)."""
    slot = df.group_by([*SCOPE, "slot"]).agg(
        (pl.col(k).sum() / pl.col("requests").sum()).alias("_ps"), pl.len().alias("_ns")
    )
    pooled = df.group_by(SCOPE).agg((pl.col(k).sum() / pl.col("requests").sum()).alias("_pp"))
    return (
        df.join(slot, on=[*SCOPE, "slot"], how="left")
        .join(pooled, on=SCOPE, how="left")
        .with_columns(
            pl.when(pl.col("_ns") < MIN_SLOT_SAMPLES)
            .then(pl.col("_pp"))
            .otherwise(pl.col("_ps"))
            .alias(f"p_{name}")
        )
        .drop(["_ps", "_ns", "_pp"])
    )


def _binomial_z(k: str, p0: str) -> pl.Expr:
    p = pl.col(p0).clip(0.0, 1.0)
    n = pl.col("requests")
    return (pl.col(k) - n * p) / (n * p * (1 - p) + 1).sqrt()


def with_features(buckets: pl.DataFrame, grain: str, window_days: float) -> pl.DataFrame:
    """`buckets` (from `alerts.buckets.scope_buckets`) plus baselines, expected values and z-score features."""
    if buckets.is_empty():
        return buckets.with_columns([pl.lit(0.0).alias(f) for f in FEATURES])
    df = buckets.with_columns(
        _slot(grain, window_days).alias("slot"),
        pl.col("requests").log().alias("l_requests"),
        pl.col("users").log().alias("l_users"),
        (pl.col("tokens") / pl.col("requests") + 1).log().alias("l_tokens_per_request"),
    )
    # spend in log space needs an offset in the scope's own units (a cent means nothing to a $0.001 scope)
    scale = df.group_by(SCOPE).agg((pl.col("spend").median() * 0.05 + 1e-6).alias("spend_eps"))
    df = df.join(scale, on=SCOPE).with_columns(
        (pl.col("spend") + pl.col("spend_eps")).log().alias("l_spend"),
        (pl.col("spend") / pl.col("requests") + pl.col("spend_eps") / 10).log().alias("l_cost_per_request"),
    )
    for name in ("requests", "spend", "users", "tokens_per_request", "cost_per_request"):
        df = _seasonal(df, f"l_{name}", name)
    df = _seasonal(df, "spend", "spend_usd")
    for k, name in (("errors", "error"), ("cache_hits", "cache"), ("top_user_requests", "top")):
        df = _rate(df, k, name)
    df = df.with_columns(
        pl.col("spend_usd_med").alias("expected_spend"),
        pl.col("requests_med").exp().alias("expected_requests"),
        (pl.col("tokens_per_request_med").exp() - 1).alias("expected_tokens_per_request"),
    )
    return df.with_columns(
        _log_z("requests"),
        _log_z("spend"),
        _log_z("users"),
        _log_z("tokens_per_request", per_request=True),
        _log_z("cost_per_request", per_request=True),
        _binomial_z("errors", "p_error").alias("z_error_rate"),
        _binomial_z("cache_hits", "p_cache").alias("z_cache_hit_rate"),
        _binomial_z("top_user_requests", "p_top").alias("z_top_user_share"),
    ).with_columns([pl.col(f).fill_nan(0.0).fill_null(0.0) for f in FEATURES])


def history_span_days(buckets: pl.DataFrame) -> float:
    """Days between the first and last bucket (how much history the baselines stand on)."""
    if buckets.is_empty():
        return 0.0
    span = buckets["bucket_start"].max() - buckets["bucket_start"].min()
    return span.total_seconds() / 86400 if not math.isnan(span.total_seconds()) else 0.0
