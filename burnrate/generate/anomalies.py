"""Injected anomalies: where they go (a plan, written as ground-truth labels) and what they do to requests.

Four patterns, named as the labels file names them:
- `token_spike`: one user floods a feature with huge prompts (prompt injection / abuse): per-request input
  tokens x10-50 on part of the feature's requests.
- `leaked_key`: one API key suddenly sends several times the feature's normal request rate.
- `cost_without_traffic`: request count stays flat but cost rises: a config change switches a feature to a
  pricier model, or a prompt change breaks the prompt cache (cache hits collapse, Anthropic-style caches are
  re-written on every call).
- `error_storm`: errors jump (HTTP 500 with partial, billed usage; 429) and client retries multiply requests.
  Every call of the scope (a model, or a feature) fails alike; the label's top contributor is where the
  failed calls landed (the feature calling the model most, the model of the feature failing most), counted
  while generating.

Windows last 2-12 hours, sit in busy hours of their feature, never overlap each other (so never the same
scope), and are spread over the period after a short baseline. Placement depends on the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from burnrate.generate.catalog import FEATURE_INDEX, FEATURES, MODEL_INDEX, MODELS
from burnrate.generate.company import users
from burnrate.generate.pricing import rate_card
from burnrate.generate.traffic import DAY_MS, HOUR_MS, Catalog, concat, epoch_ms, make_requests

PATTERNS = ("token_spike", "leaked_key", "cost_without_traffic", "error_storm")

_SPIKE = ("support-chat", "reply-suggest", "sql-assistant", "internal-copilot", "fraud-review")
_LEAK = ("internal-copilot", "ad-copy", "workflow-agent", "reply-suggest", "sql-assistant")
_COST = (
    ("model_switch", "in-app-chat", "azure-gpt-4.1"),
    ("cache_break", "rag-answer", None),
    ("model_switch", "support-chat", "claude-opus-4-5"),
    ("cache_break", "coding-agent", None),
    ("model_switch", "email-personalize", "azure-gpt-4.1"),
    ("model_switch", "workflow-agent", "gpt-5.1"),
)
_STORM = (
    ("model", "claude-sonnet-4-5"),
    ("feature", "coding-agent"),
    ("model", "gpt-5.1"),
    ("feature", "internal-copilot"),
    ("model", "gemini-2.5-pro"),
)


@dataclass
class Anomaly:
    """One injected anomaly and its ground truth; `impact_*` (and an error storm's top contributor) are filled
    while generating."""

    anomaly_id: str
    pattern: str
    scope_type: str
    scope_value: str
    start_ms: int
    end_ms: int
    top_contributor_type: str
    top_contributor_value: str
    description: str
    feature: int = -1
    model: int = -1
    user: int = -1
    factor: float = 1.0
    variant: str = ""
    impact_cost_usd: float = 0.0
    extra_requests: int = 0
    affected_requests: int = 0


def anomaly_count(days: int) -> int:
    """About 14 per 30 days; at least one of each pattern from 7 days on."""
    n = round(days * 14 / 30)
    if days >= 7:
        n = max(n, len(PATTERNS))
    return max(n, 1) if days >= 2 else 0


def _iso(ms: int) -> str:
    return datetime.utcfromtimestamp(ms / 1000).strftime("%Y-%m-%dT%H:%M:%SZ")


def _busy_start(rng: np.random.Generator, lam_f: np.ndarray, lo: int, hi: int, dur: int) -> int:
    """A start hour in [lo, hi - dur] where the feature is busy (>= 60 % of its peak in range)."""
    starts = np.arange(lo, max(lo + 1, hi - dur + 1))
    score = np.array([lam_f[s : s + dur].mean() for s in starts])
    ok = starts[score >= 0.6 * score.max()] if score.max() > 0 else starts
    return int(rng.choice(ok))


def plan(start: date, days: int, seed: int, lam: np.ndarray) -> list[Anomaly]:
    """Place the anomalies. `lam` holds expected requests per (day, hour, feature)."""
    n = anomaly_count(days)
    if n == 0:
        return []
    rng = np.random.default_rng([seed, 7_001])
    hourly = lam.reshape(days * 24, -1)
    first = max(24, int(days * 24 * 0.15))
    slot = (days * 24 - first - 6) / n
    all_users = users()
    start_ms = epoch_ms(start)
    counts = dict.fromkeys(PATTERNS, 0)
    out: list[Anomaly] = []
    for k in range(n):
        pattern = PATTERNS[(k + seed) % len(PATTERNS)]
        j = counts[pattern] + seed
        counts[pattern] += 1
        dur = int(rng.integers(2, 13))
        lo, hi = first + int(k * slot), first + int((k + 1) * slot)
        a = Anomaly(f"A{k + 1:03d}", pattern, "", "", 0, 0, "", "", "")
        if pattern == "token_spike":
            fi = FEATURE_INDEX[_SPIKE[j % len(_SPIKE)]]
            team_users = [
                i for i, u in enumerate(all_users) if u.team == FEATURES[fi].team and u.kind == "employee"
            ]
            a.feature, a.user, a.factor = (
                fi,
                int(team_users[int(rng.integers(5, len(team_users)))]),
                float(rng.uniform(10, 50)),
            )
            a.scope_type, a.scope_value = "feature", FEATURES[fi].key
            a.top_contributor_type, a.top_contributor_value = "user", all_users[a.user].user_id
            a.description = (
                f"prompt injection/abuse: user {all_users[a.user].user_id} sends prompts with "
                f"~{a.factor:.0f}x the usual input tokens to {FEATURES[fi].key}"
            )
        elif pattern == "leaked_key":
            fi = FEATURE_INDEX[_LEAK[j % len(_LEAK)]]
            svc = next(
                i for i, u in enumerate(all_users) if u.team == FEATURES[fi].team and u.kind == "service"
            )
            a.feature, a.user, a.factor = fi, svc, float(rng.uniform(4, 8))
            a.model = max(
                (MODEL_INDEX[m] for m, _ in FEATURES[fi].models), key=lambda mi: _output_price(mi, start)
            )
            a.scope_type, a.scope_value = "team", FEATURES[fi].team
            a.top_contributor_type, a.top_contributor_value = "user", all_users[svc].user_id
            a.description = (
                f"leaked API key of {all_users[svc].user_id}: ~{a.factor:.1f}x the normal request rate "
                f"of {FEATURES[fi].key} from one key, long outputs on {MODELS[a.model].name}"
            )
        elif pattern == "cost_without_traffic":
            variant, fkey, to_model = _COST[j % len(_COST)]
            fi = FEATURE_INDEX[fkey]
            a.feature, a.variant = fi, variant
            a.scope_type, a.scope_value = "feature", fkey
            if variant == "model_switch":
                a.model = MODEL_INDEX[to_model]
                a.top_contributor_type, a.top_contributor_value = "model", MODELS[a.model].name
                a.description = (
                    f"config change switched {fkey} to the pricier {MODELS[a.model].name}; traffic flat"
                )
            else:
                version = max(v for v, _ in FEATURES[fi].prompt_versions) + 1
                a.factor = version
                a.top_contributor_type = "prompt"
                a.top_contributor_value = f"{FEATURES[fi].prompt}:{version}"
                a.description = (
                    f"prompt {FEATURES[fi].prompt} v{version} puts a timestamp before the cached prefix: "
                    f"cache hits on {fkey} collapse; traffic flat"
                )
        else:
            kind, key = _STORM[j % len(_STORM)]
            a.factor = float(rng.uniform(0.35, 0.6))
            if kind == "model":
                a.model = MODEL_INDEX[key]
                users_of = [fi for fi, f in enumerate(FEATURES) if any(m == key for m, _ in f.models)]
                fi = max(users_of, key=lambda f: hourly[lo:hi, f].sum())
                a.scope_type, a.scope_value = "model", MODELS[a.model].name
                # provisional: Ledger.fill_impacts names the feature whose calls to the model failed most
                a.top_contributor_type, a.top_contributor_value = "feature", FEATURES[fi].key
                a.description = (
                    f"provider errors on {MODELS[a.model].name} (500/429, ~{a.factor:.0%} of calls); "
                    "client retries multiply requests"
                )
            else:
                fi = FEATURE_INDEX[key]
                a.feature = fi
                a.scope_type, a.scope_value = "feature", key
                a.top_contributor_type = "model"  # provisional, as above: the model that failed most
                a.top_contributor_value = MODELS[MODEL_INDEX[FEATURES[fi].models[0][0]]].name
                a.description = (
                    f"retry storm in {key}: ~{a.factor:.0%} of calls fail and are retried up to 3 times"
                )
        busy_feature = a.feature if a.feature >= 0 else fi
        h0 = _busy_start(rng, hourly[:, busy_feature], lo, hi, dur)
        a.start_ms, a.end_ms = start_ms + h0 * HOUR_MS, start_ms + (h0 + dur) * HOUR_MS
        out.append(a)
    return out


def _output_price(model_idx: int, day: date) -> float:
    """List USD per output token (0 if unpriced): the leaked key goes to the feature's priciest model."""
    card = rate_card(MODELS[model_idx].key, day, False)
    return 0.0 if card is None else float(card.rates[0][3])


def label_rows(anomalies: list[Anomaly]) -> list[dict]:
    """Rows of labels/anomaly_labels.csv (impact and counts are filled while generating)."""
    return [
        {
            "anomaly_id": a.anomaly_id,
            "pattern": a.pattern,
            "scope_type": a.scope_type,
            "scope_value": a.scope_value,
            "start": _iso(a.start_ms),
            "end": _iso(a.end_ms),
            "top_contributor_type": a.top_contributor_type,
            "top_contributor_value": a.top_contributor_value,
            "description": a.description,
            "variant": a.variant or None,
            "extra_requests": a.extra_requests,
            "affected_requests": a.affected_requests,
            "impact_cost_usd": round(a.impact_cost_usd, 6),
        }
        for a in anomalies
    ]


def apply(
    rng: np.random.Generator,
    cat: Catalog,
    cols: dict,
    anomalies: list[Anomaly],
    day_ms: int,
    end: date,
    hourly_lam: np.ndarray,
) -> dict:
    """Inject the anomalies active on this day. Marks affected rows with the anomaly's index."""
    day_end = day_ms + DAY_MS
    for ai, a in enumerate(anomalies):
        if a.end_ms <= day_ms or a.start_ms >= day_end:
            continue
        lo, hi = max(a.start_ms, day_ms), min(a.end_ms, day_end)
        if a.pattern == "leaked_key":
            cols = _leak(rng, cat, cols, a, ai, lo, hi, end, hourly_lam)
            continue
        in_win = (cols["ts"] >= lo) & (cols["ts"] < hi) & (cols["anomaly"] < 0)
        if a.pattern == "error_storm":
            scope = (cols["model"] == a.model) if a.scope_type == "model" else (cols["feature"] == a.feature)
            cols = _storm(rng, cols, in_win & scope, a, ai)
            continue
        sel = in_win & (cols["feature"] == a.feature)
        if a.pattern == "token_spike":
            sel &= rng.random(len(sel)) < 0.4
            tok = cols["tokens"]
            total = tok[sel, 0] + tok[sel, 1] + tok[sel, 2]
            cap = cat.ctx[cols["model"][sel]] * 0.9
            tok[sel, 0] = np.minimum(
                np.rint(total * a.factor * rng.uniform(0.8, 1.2, sel.sum())), cap
            ).astype(np.int64)
            tok[sel, 1] = 0
            tok[sel, 2] = 0
            cols["user"][sel] = a.user
            cols["tagged"][sel] = True
        elif a.variant == "model_switch":
            _switch_model(rng, cols, sel, a.model)
        else:
            tok = cols["tokens"]
            tok[sel, 0] += tok[sel, 1]
            tok[sel, 1] = 0
            writes = sel & np.array([m.cache_write for m in MODELS])[cols["model"]]
            moved = np.rint((tok[writes, 0] + tok[writes, 2]) * 0.85).astype(np.int64)
            tok[writes, 0] = tok[writes, 0] + tok[writes, 2] - moved
            tok[writes, 2] = moved
            cols["prompt_version"][sel] = int(a.factor)
        cols["anomaly"][sel] = ai
    return cols


def _switch_model(rng: np.random.Generator, cols: dict, sel: np.ndarray, to_model: int) -> None:
    m2 = MODELS[to_model]
    tok = cols["tokens"]
    was_reasoning = np.array([m.reasoning for m in MODELS])[cols["model"]]
    add_reason = sel & ~was_reasoning if m2.reasoning else np.zeros_like(sel)
    tok[add_reason, 4] = np.rint(tok[add_reason, 3] * rng.uniform(0.5, 1.5, add_reason.sum())).astype(
        np.int64
    )
    if not m2.cache_write:
        tok[sel, 0] += tok[sel, 2]
        tok[sel, 2] = 0
    cols["model"][sel] = to_model


def _leak(rng, cat, cols, a: Anomaly, ai: int, lo: int, hi: int, end: date, hourly_lam: np.ndarray) -> dict:
    hours = np.arange(lo // HOUR_MS, (hi - 1) // HOUR_MS + 1)
    day_hours = hourly_lam[:, a.feature]
    rate = max(a.factor * day_hours.mean(), 3.0)
    counts = rng.poisson(rate, len(hours))
    ts = np.repeat(hours * HOUR_MS, counts) + rng.integers(0, HOUR_MS, counts.sum())
    ts = np.sort(ts[(ts >= lo) & (ts < hi)])
    extra = make_requests(rng, cat, np.full(len(ts), a.feature), ts, end, user=np.full(len(ts), a.user))
    extra["model"][:] = a.model
    extra["tokens"][:, 3] *= 3
    extra["tagged"][:] = True
    extra["anomaly"][:] = ai
    extra["retry_of"][:] = -2  # marks rows that exist only because of the anomaly
    return concat([cols, extra])


def _storm(rng: np.random.Generator, cols: dict, sel: np.ndarray, a: Anomaly, ai: int) -> dict:
    """Expand failing calls into retry chains; all but the last attempt of a chain fail."""
    n = len(cols["ts"])
    attempts = np.ones(n, dtype=np.int64)
    attempts[sel] = np.minimum(rng.geometric(1 - a.factor, sel.sum()), 4)
    idx = np.repeat(np.arange(n), attempts)
    attempt_no = np.arange(len(idx)) - np.repeat(np.cumsum(attempts) - attempts, attempts)
    out = {k: v[idx].copy() for k, v in cols.items()}
    last = attempt_no == attempts[idx] - 1
    chain = sel[idx]
    failing = chain & ~last
    out["status"][failing] = np.where(rng.random(failing.sum()) < 0.7, 500, 429)
    out["status"][chain & last] = 200
    backoff = (2**attempt_no - 1) * 1000 + rng.integers(0, 900, len(idx))
    out["ts"] = out["ts"] + np.where(chain, backoff, 0)
    out["anomaly"][chain] = ai
    out["base_cost"][attempt_no > 0] = 0.0
    out["retry_of"][chain & (attempt_no > 0)] = attempt_no[chain & (attempt_no > 0)]
    order = np.argsort(out["ts"], kind="stable")
    return {k: v[order] for k, v in out.items()}
