"""Request volume over time and the base attributes of each request (who, what, how many tokens).

Volume: expected requests per (hour, feature) = feature weight x hour-of-day profile x weekday factor x
growth x launch ramp, scaled so the whole period holds `days * requests_per_day` requests on average; the
actual count is Poisson. A day is generated at a time, as numpy arrays ("columns"), with a generator
seeded from (seed, day) so every day is reproducible on its own.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from burnrate.generate.catalog import FEATURES, MODEL_INDEX, MODELS
from burnrate.generate.company import TEAM_INDEX, api_key_of, users

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

# Hour-of-day (UTC) shapes. The company works from Europe and the US east coast; consumers peak in US evenings.
_PROFILES = {
    "business": [
        0.25,
        0.2,
        0.15,
        0.15,
        0.15,
        0.2,
        0.35,
        0.6,
        0.9,
        1.1,
        1.2,
        1.25,
        1.4,
        1.7,
        1.9,
        1.95,
        1.9,
        1.8,
        1.6,
        1.4,
        1.2,
        0.9,
        0.6,
        0.4,
    ],
    "consumer": [
        1.5,
        1.6,
        1.5,
        1.2,
        0.8,
        0.5,
        0.35,
        0.3,
        0.35,
        0.45,
        0.6,
        0.75,
        0.9,
        1.0,
        1.05,
        1.1,
        1.15,
        1.2,
        1.25,
        1.3,
        1.35,
        1.4,
        1.45,
        1.5,
    ],
    "batch": [
        0.6,
        3.5,
        4.5,
        4.5,
        3.5,
        1.5,
        0.5,
        0.3,
        0.2,
        0.2,
        0.2,
        0.2,
        0.2,
        0.2,
        0.2,
        0.2,
        0.2,
        0.2,
        0.2,
        0.2,
        0.2,
        0.2,
        0.3,
        0.4,
    ],
    "flat": [
        0.8,
        0.75,
        0.7,
        0.7,
        0.7,
        0.75,
        0.8,
        0.9,
        1.0,
        1.1,
        1.15,
        1.2,
        1.2,
        1.25,
        1.25,
        1.25,
        1.2,
        1.15,
        1.1,
        1.05,
        1.0,
        0.95,
        0.9,
        0.85,
    ],
}
_WEEKDAY = {  # Monday .. Sunday
    "business": [1.0, 1.05, 1.05, 1.0, 0.95, 0.35, 0.3],
    "consumer": [0.95, 0.95, 0.95, 1.0, 1.05, 1.15, 1.1],
    "batch": [1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9],
    "flat": [1.0, 1.0, 1.0, 1.0, 1.0, 0.85, 0.85],
}


def epoch_ms(d: date) -> int:
    """Milliseconds since the Unix epoch at 00:00 UTC of a date."""
    return (d - date(1970, 1, 1)).days * DAY_MS


def hourly_shape(start: date, days: int, end: date) -> np.ndarray:
    """Relative request rate, shape (days, 24, n_features), before scaling to requests_per_day."""
    hours = np.arange(days * 24)
    t_days = hours / 24.0 - days  # days relative to end_date (negative)
    dow = np.array([(start + timedelta(days=int(h // 24))).weekday() for h in hours])
    hod = hours % 24
    out = np.zeros((days * 24, len(FEATURES)))
    for fi, f in enumerate(FEATURES):
        rate = f.weight * np.asarray(_PROFILES[f.hours])[hod] * np.asarray(_WEEKDAY[f.hours])[dow]
        rate = rate * (1.0 + f.growth) ** (t_days / 30.0)
        if f.launch_days_before_end is not None:
            since = t_days + f.launch_days_before_end  # days since launch
            rate = rate * np.clip(since / 2.0, 0.0, 1.0)  # two-day ramp after launch
        out[:, fi] = rate
    return out.reshape(days, 24, len(FEATURES))


def expected_counts(start: date, days: int, end: date, requests_per_day: int) -> np.ndarray:
    shape = hourly_shape(start, days, end)
    return shape * (days * requests_per_day / shape.sum())


def _cum_table(rows: list[list[float]]) -> np.ndarray:
    width = max(len(r) for r in rows)
    table = np.ones((len(rows), width))
    for i, r in enumerate(rows):
        c = np.cumsum(r) / np.sum(r)
        table[i, : len(c)] = c
    return table


def _choose(rng: np.random.Generator, cum: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Pick a column per request from per-row cumulative probabilities (vectorised inverse CDF)."""
    u = rng.random(len(row))
    return np.minimum((u[:, None] > cum[row]).sum(axis=1), cum.shape[1] - 1)


class Catalog:
    """Numpy lookup tables derived from the fixed catalogue (feature -> models, team -> users, ...)."""

    def __init__(self) -> None:
        self.model_cum = _cum_table([[w for _, w in f.models] for f in FEATURES])
        self.model_ids = np.full(self.model_cum.shape, -1)
        for fi, f in enumerate(FEATURES):
            for j, (key, _w) in enumerate(f.models):
                self.model_ids[fi, j] = MODEL_INDEX[key]
        self.feature_team = np.array([TEAM_INDEX[f.team] for f in FEATURES])
        all_users = users()
        self.team_users: list[np.ndarray] = []
        self.user_cum: list[np.ndarray] = []
        for f in FEATURES:
            idx = [i for i, u in enumerate(all_users) if u.team == f.team]
            weights = []
            rank = 0
            for i in idx:
                u = all_users[i]
                if u.kind == "service":
                    weights.append(8.0 if f.kind in ("batch", "embedding") else 0.3)
                elif u.kind == "contractor":
                    weights.append(0.15)
                else:
                    weights.append(1.0 / (rank + 1) ** 0.8)
                    rank += 1
            self.team_users.append(np.array(idx))
            self.user_cum.append(np.cumsum(weights) / np.sum(weights))
        self.api_keys = np.array([api_key_of(u.user_id) or "" for u in all_users], dtype=object)
        self.ctx = np.array([m.context_window for m in MODELS])

    def users_for(self, rng: np.random.Generator, feature: np.ndarray) -> np.ndarray:
        out = np.empty(len(feature), dtype=np.int64)
        for fi in np.unique(feature):
            sel = feature == fi
            pick = np.searchsorted(self.user_cum[fi], rng.random(sel.sum()), side="right")
            out[sel] = self.team_users[fi][np.minimum(pick, len(self.team_users[fi]) - 1)]
        return out


def _feature_param(name: str) -> np.ndarray:
    return np.array([getattr(f, name) for f in FEATURES], dtype=np.float64)


def prompt_version(feature: np.ndarray, ts_ms: np.ndarray, end: date) -> np.ndarray:
    """The prompt version in use: versions roll out at fixed days before end_date."""
    out = np.zeros(len(feature), dtype=np.int64)
    end_ms = epoch_ms(end)
    for fi in np.unique(feature):
        sel = feature == fi
        versions = sorted(FEATURES[fi].prompt_versions, key=lambda v: -v[1])
        v = np.full(sel.sum(), versions[0][0])
        for version, days_before in versions[1:]:
            v[ts_ms[sel] >= end_ms - days_before * DAY_MS] = version
        out[sel] = v
    return out


def sample_tokens(
    rng: np.random.Generator, cat: Catalog, feature: np.ndarray, model: np.ndarray
) -> np.ndarray:
    """Disjoint token buckets (n, 7) in pricing.BUCKETS order, from each feature's token mix."""
    n = len(feature)
    tok = np.zeros((n, 7), dtype=np.int64)
    if n == 0:
        return tok
    mcap = np.array([m.cache_read for m in MODELS])[model]
    mwrite = np.array([m.cache_write for m in MODELS])[model]
    mreason = np.array([m.reasoning for m in MODELS])[model]
    maudio = np.array([m.audio for m in MODELS])[model]
    total_in = np.exp(
        np.log(_feature_param("in_median"))[feature]
        + _feature_param("in_sigma")[feature] * rng.standard_normal(n)
    )
    total_in = np.clip(np.rint(total_in), 1, cat.ctx[model] * 0.8).astype(np.int64)
    out_med = _feature_param("out_median")[feature]
    total_out = np.where(
        out_med > 0,
        np.exp(
            np.log(np.maximum(out_med, 1)) + _feature_param("out_sigma")[feature] * rng.standard_normal(n)
        ),
        0,
    )
    total_out = np.rint(total_out).astype(np.int64)
    hit = mcap & (rng.random(n) < _feature_param("cache_hit_p")[feature])
    frac = np.clip(_feature_param("cache_frac")[feature] + 0.08 * rng.standard_normal(n), 0.05, 0.97)
    tok[:, 1] = np.where(hit, np.rint(total_in * frac), 0)
    write = mwrite & ~hit & (rng.random(n) < _feature_param("cache_write_p")[feature])
    tok[:, 2] = np.where(write, np.rint(total_in * rng.uniform(0.5, 0.9, n)), 0)
    audio_in = _feature_param("audio_in")[feature]
    audio_out = _feature_param("audio_out")[feature]
    has_audio = maudio & (audio_in > 0)
    tok[:, 5] = np.where(
        has_audio, np.rint(np.maximum(audio_in, 1) * np.exp(0.5 * rng.standard_normal(n))), 0
    )
    tok[:, 6] = np.where(
        has_audio, np.rint(np.maximum(audio_out, 1) * np.exp(0.5 * rng.standard_normal(n))), 0
    )
    tok[:, 0] = total_in - tok[:, 1] - tok[:, 2]
    rfrac = np.clip(_feature_param("reasoning_frac")[feature] + 0.15 * rng.standard_normal(n), 0.0, 0.95)
    tok[:, 4] = np.where(mreason, np.rint(total_out * rfrac), 0)
    tok[:, 3] = total_out - tok[:, 4]
    return tok


def sample_day(rng: np.random.Generator, cat: Catalog, lam: np.ndarray, day_ms: int, end: date) -> dict:
    """Base requests of one day: columns as numpy arrays, sorted by timestamp.

    `lam` is the expected count per (hour, feature) for this day, shape (24, n_features).
    """
    counts = rng.poisson(lam)
    hour = np.repeat(np.repeat(np.arange(24), lam.shape[1]), counts.ravel())
    feature = np.repeat(np.tile(np.arange(lam.shape[1]), 24), counts.ravel())
    ts = day_ms + hour * HOUR_MS + rng.integers(0, HOUR_MS, len(hour))
    order = np.argsort(ts, kind="stable")
    return make_requests(rng, cat, feature[order], ts[order], end)


def make_requests(
    rng: np.random.Generator,
    cat: Catalog,
    feature: np.ndarray,
    ts: np.ndarray,
    end: date,
    user: np.ndarray | None = None,
) -> dict:
    """Sample everything about requests of given features at given times (optionally for fixed users)."""
    n = len(feature)
    model = cat.model_ids[feature, _choose(rng, cat.model_cum, feature)] if n else np.zeros(0, dtype=np.int64)
    if user is None:
        user = cat.users_for(rng, feature)
    untagged = rng.random(n) < _feature_param("untagged_share")[feature]
    anonymous = untagged & (rng.random(n) < 0.2)
    failed = rng.random(n) < _feature_param("error_rate")[feature]
    status = np.where(failed, np.where(rng.random(n) < 0.6, 429, 500), 200)
    return {
        "ts": ts.astype(np.int64),
        "feature": feature.astype(np.int64),
        "model": model.astype(np.int64),
        "user": np.where(anonymous, -1, user).astype(np.int64),
        "staging": rng.random(n) < _feature_param("staging_share")[feature],
        "tagged": ~untagged,
        "tokens": sample_tokens(rng, cat, feature, model),
        "prompt_version": prompt_version(feature, ts, end),
        "status": status.astype(np.int64),
        "partial": rng.random(n),  # share of output produced before a 500 cut the stream
        "base_cost": np.zeros(n),  # cost before anomalies touched the row (for impact accounting)
        "anomaly": np.full(n, -1, dtype=np.int64),
        "retry_of": np.full(n, -1, dtype=np.int64),  # attempt number for retries (0 = first call)
    }


def concat(parts: list[dict]) -> dict:
    parts = [p for p in parts if len(p["ts"])]
    if not parts:
        return {}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def take(cols: dict, idx: np.ndarray) -> dict:
    return {k: v[idx] for k, v in cols.items()}
