"""What an anomaly looks like and what caused it: its pattern and its root cause, in words a human can act on.

**Pattern** comes from which measures moved over the anomaly's window, compared with the window's baseline
(checked in this order, first match wins):

| pattern | signal |
|---|---|
| `error_storm` | error rate at least 10 points above its baseline (binomial z ≥ 4): failures and their retries |
| `token_spike` | tokens per request ≥ 2.5× the baseline: prompt injection, abuse, a runaway context |
| `leaked_key` | requests ≥ 1.25× the baseline *and* concentrated in one user or key (top user's share +15 points, or the scope is itself a user/key): leaked credentials |
| `cost_without_traffic` | cost per request ≥ 1.3× with requests under 1.5×: a model switch, a broken prompt cache |
| `other` | anything else the forest found unusual |

**Root cause**: the window's impact, in the measure that defines its pattern (extra tokens for a token
spike, extra requests for a leaked key, extra failed calls for an error storm, extra dollars otherwise), is
split over each sub-dimension of the scope (user, model, prompt version, feature). A value's *contribution* is
what it did in the window minus what it was expected to do; the contributions add up to the impact.
"Expected" depends on the measure:

* dollars, requests and tokens, which every scope has plenty of: the value's usual share (the day before the
  window) of the window's expected total — who took more than its share;
* failed calls, a handful in normal traffic: the value's own requests in the window at its own usual error
  rate — whose calls started failing, and how many. Usual shares of a few errors would be noise (one of two
  errors is "50 %"), and raw counts would also count the usual failures.

The named contributor is the value whose share of the impact most exceeds its usual share (a new prompt
version, a user who is suddenly most of the tokens); when nothing stands out it is the largest contributor
in the dimension that matters for the pattern. An error storm is always named by what fails: the model with
the most extra failed calls (for a model's storm, the feature with the most extra failed calls to it), with
its share of the extra failures; a storm without extra failures in any value falls back to the extra spend.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import polars as pl

from alerts.messages import money

# sub-dimensions a scope is broken down by, in order of preference when nothing stands out
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "team": ("feature", "user", "model", "prompt"),
    "feature": ("model", "user", "prompt"),
    "model": ("feature", "user", "prompt"),
    "user": ("feature", "model", "prompt"),
    "api_key": ("user", "feature", "model"),
}
# the measures whose excess each pattern is explained by, in order: the first with a positive excess is used
DRIVERS: dict[str, tuple[str, ...]] = {
    "error_storm": ("errors", "spend"),
    "token_spike": ("tokens", "spend"),
    "leaked_key": ("requests", "spend"),
    "cost_without_traffic": ("spend",),
    "other": ("spend", "requests"),
}
# dimensions a pattern is about: when one of them stands out it is named before any other
PREFERRED: dict[str, tuple[str, ...]] = {
    "leaked_key": ("user", "api_key"),
    "token_spike": ("user", "api_key"),
    "cost_without_traffic": ("prompt", "model"),
}
# otherwise, of the values that stand out, the most actionable: a person or key, a deploy, a config change
ACTIONABLE = ("user", "api_key", "prompt", "model", "feature")
# measures rare in normal traffic: a value's expected amount is its own requests at its own usual rate
RATES = ("errors",)
# an error storm is named by what fails: the model (for a model scope, the feature whose calls to it fail)
STORM_DIMENSION = {"model": "feature"}
STANDS_OUT = 0.25  # a contributor "stands out" when its share of the impact beats its usual share by this
LABELS = {
    "team": "team",
    "feature": "feature",
    "model": "model",
    "user": "user",
    "api_key": "API key",
    "prompt": "prompt",
}


@dataclass
class Window:
    """The measures of one anomaly window against its baseline (sums over the window's buckets)."""

    requests: float
    expected_requests: float
    spend: float
    expected_spend: float
    tokens: float
    expected_tokens: float
    errors: float
    expected_errors: float
    cache_hits: float
    expected_cache_hits: float
    top_user_requests: float
    expected_top_user_requests: float
    z: dict[str, float]

    def ratio(self, actual: float, expected: float) -> float:
        return actual / expected if expected > 0 else math.inf if actual > 0 else 1.0

    @property
    def requests_ratio(self) -> float:
        return self.ratio(self.requests, self.expected_requests)

    @property
    def tokens_per_request_ratio(self) -> float:
        return self.ratio(self.tokens / self.requests, self.expected_tokens / self.requests)

    @property
    def cost_per_request_ratio(self) -> float:
        expected = self.expected_spend / self.expected_requests if self.expected_requests else 0.0
        return self.ratio(self.spend / self.requests, expected)

    def rate(self, k: float) -> float:
        return k / self.requests if self.requests else 0.0

    def expected(self, measure: str) -> float:
        return {
            "spend": self.expected_spend,
            "requests": self.expected_requests,
            "errors": self.expected_errors,
            "tokens": self.expected_tokens,
        }[measure]

    def moved(self) -> list[dict]:
        """The measures that moved (|z| ≥ 3 in some bucket), biggest first: for the JSON column and the message."""
        pairs = {
            "requests": (self.requests, self.expected_requests),
            "spend": (self.spend, self.expected_spend),
            "tokens_per_request": (self.tokens / self.requests, self.expected_tokens / self.requests),
            "cost_per_request": (
                self.spend / self.requests,
                self.expected_spend / self.expected_requests if self.expected_requests else 0.0,
            ),
            "error_rate": (self.rate(self.errors), self.rate(self.expected_errors)),
            "cache_hit_rate": (self.rate(self.cache_hits), self.rate(self.expected_cache_hits)),
            "top_user_share": (self.rate(self.top_user_requests), self.rate(self.expected_top_user_requests)),
        }
        out = []
        for name, (actual, expected) in pairs.items():
            z = self.z.get(name, 0.0)
            if abs(z) >= 3:
                out.append(
                    {"feature": name, "actual": _num(actual), "expected": _num(expected), "z": round(z, 1)}
                )
        return sorted(out, key=lambda m: -abs(m["z"]))


def _num(x: float) -> float:
    return round(float(x), 6) if math.isfinite(x) else 0.0


def classify(w: Window, scope_type: str) -> str:
    """The pattern the window matches (see the module docstring), or `other`."""
    if w.rate(w.errors) - w.rate(w.expected_errors) >= 0.10 and w.z.get("error_rate", 0) >= 4:
        return "error_storm"
    if w.tokens_per_request_ratio >= 2.5:
        return "token_spike"
    concentrated = (
        scope_type in ("user", "api_key")
        or w.rate(w.top_user_requests) - w.rate(w.expected_top_user_requests) >= 0.15
    )
    if w.requests_ratio >= 1.25 and concentrated:
        return "leaked_key"
    if w.cost_per_request_ratio >= 1.3 and w.requests_ratio < 1.5:
        return "cost_without_traffic"
    return "other"


@dataclass
class Cause:
    dimension: str
    value: str
    share: float  # of the impact (can exceed 1 when other values fell)
    contribution: float  # in the driver's unit
    driver: str
    usual_share: float

    @property
    def lift(self) -> float:
        return self.share - self.usual_share


def _candidates(df: pl.DataFrame, measure: str, expected_total: float, dim: str) -> list[Cause]:
    """Every value of one dimension with its contribution to the excess of `measure` (see the module
    docstring: a volume is expected at the value's usual share of `expected_total`, a rate at the value's
    own usual rate over its window requests)."""
    expected = _expected(df, measure, expected_total)
    impact = (df[f"w_{measure}"] - expected).sum()
    if impact <= 0:
        return []
    # the "usual" a share is compared with: of the measure for a volume, of the requests (exposure) for a rate
    basis = "w_requests" if measure in RATES else f"b_{measure}"
    total_basis = df[basis].sum()
    out = []
    for row, exp in zip(df.iter_rows(named=True), expected, strict=True):
        if row["value"] == "(none)":
            continue
        usual = row[basis] / total_basis if total_basis > 0 else 0.0
        contribution = row[f"w_{measure}"] - exp
        out.append(Cause(dim, row["value"], contribution / impact, contribution, measure, usual))
    return out


def _expected(df: pl.DataFrame, measure: str, expected_total: float) -> pl.Series:
    """Each value's expected amount of `measure` in the window."""
    b = pl.col(f"b_{measure}")
    if measure not in RATES:
        total_b = df[f"b_{measure}"].sum()
        return df.select(expected_total * b / total_b if total_b > 0 else b * 0.0).to_series()
    # a value without baseline requests is expected at the scope's usual rate
    b_requests = df["b_requests"].sum()
    scope_rate = df[f"b_{measure}"].sum() / b_requests if b_requests > 0 else 0.0
    own_rate = pl.when(pl.col("b_requests") > 0).then(b / pl.col("b_requests")).otherwise(scope_rate)
    return df.select(pl.col("w_requests") * own_rate).to_series()


def root_cause(scope_type: str, pattern: str, w: Window, frames: dict[str, pl.DataFrame]) -> Cause | None:
    """The sub-dimension value that contributed most of the impact (see the module docstring).

    `frames` holds, per dimension of the scope, the window's breakdown (`alerts.buckets.breakdowns`).
    """
    frames = {dim: df.fill_null(0.0) for dim, df in frames.items() if not df.is_empty()}
    for measure in DRIVERS[pattern]:
        by_dim = {dim: _candidates(df, measure, w.expected(measure), dim) for dim, df in frames.items()}
        if not any(by_dim.values()):
            continue
        if pattern == "error_storm":  # failures come from a provider/model (or, for a model, its callers)
            dim = STORM_DIMENSION.get(scope_type, "model")
            if by_dim.get(dim):
                return _clip(max(by_dim[dim], key=lambda c: c.contribution))
        standing = {dim: max(c, key=lambda x: x.lift) for dim, c in by_dim.items() if c}
        standing = {dim: c for dim, c in standing.items() if c.lift >= STANDS_OUT}
        for dim in PREFERRED.get(pattern, ()):
            if dim in standing:
                return _clip(standing[dim])
        for dim in ACTIONABLE:
            if dim in standing:
                return _clip(standing[dim])
        for dim in DIMENSIONS[scope_type]:
            if by_dim.get(dim):
                return _clip(max(by_dim[dim], key=lambda c: c.contribution))
    return None


def _clip(cause: Cause) -> Cause:
    cause.share = min(max(cause.share, 0.0), 1.0)
    return cause


def _x(r: float) -> str:
    return "∞×" if not math.isfinite(r) else f"{r:.1f}×"


def sentence(
    scope_type: str, scope_value: str, pattern: str, w: Window, cause: Cause | None, impact: float
) -> str:
    """One human sentence: what moved, by how much, and who or what drove it."""
    where = f"{LABELS[scope_type]} {scope_value}"
    if pattern == "error_storm":
        what = (
            f"Error rate on {where} at {w.rate(w.errors):.0%} against {w.rate(w.expected_errors):.0%} usually "
            f"({w.errors - w.expected_errors:,.0f} extra failed calls; requests {_x(w.requests_ratio)} with retries)"
        )
    elif pattern == "token_spike":
        what = (
            f"Tokens per request on {where} {_x(w.tokens_per_request_ratio)} the usual "
            f"({w.expected_tokens / w.requests:,.0f} → {w.tokens / w.requests:,.0f})"
        )
    elif pattern == "leaked_key":
        what = f"Requests on {where} {_x(w.requests_ratio)} the usual ({w.expected_requests:,.0f} → {w.requests:,.0f})"
    elif pattern == "cost_without_traffic":
        what = (
            f"Cost per request on {where} {_x(w.cost_per_request_ratio)} with traffic flat "
            f"({_x(w.requests_ratio)} requests)"
        )
        if w.rate(w.expected_cache_hits) - w.rate(w.cache_hits) >= 0.15:
            what += f"; cache hit rate fell from {w.rate(w.expected_cache_hits):.0%} to {w.rate(w.cache_hits):.0%}"
    else:
        what = (
            f"Spend on {where} {_x(w.spend / w.expected_spend if w.expected_spend else math.inf)} the usual"
        )
    if cause is None:
        return f"{what}; impact {money(impact)}."
    unit = {
        "spend": "of the extra spend",
        "requests": "of the extra requests",
        "errors": "of the extra failed calls",
        "tokens": "of the extra tokens",
    }
    hint = {
        "leaked_key": " — check whether its API key leaked",
        "token_spike": " — look for prompt injection or abuse",
    }.get(pattern, "")
    if pattern == "cost_without_traffic" and cause.dimension == "model" and cause.usual_share < 0.05:
        hint = " — traffic moved to this pricier model"
    elif pattern == "cost_without_traffic" and cause.dimension == "prompt" and cause.usual_share < 0.05:
        hint = " — a new prompt version (check its cache prefix)"
    if cause.driver in RATES:  # its share of the calls: a storm hitting every caller alike matches it
        usual = f"with {cause.usual_share:.0%} of the calls"
    else:
        usual = f"usually {cause.usual_share:.0%}"
    return (
        f"{what}; {LABELS[cause.dimension]} {cause.value} accounts for {cause.share:.0%} {unit[cause.driver]}"
        f" ({usual}){hint}; impact {money(impact)}."
    )


def features_moved_json(w: Window) -> str:
    return json.dumps(w.moved())
