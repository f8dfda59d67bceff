"""List prices from the installed `genai-prices` package, turned into per-token rates for numpy.

Calling `calc_price` once per request is far too slow for millions of rows, but genai-prices is linear in
each token bucket (it prices "leaf" counts: input minus the priced cache/audio sub-buckets, …) except for
tier cliffs on the request's total input tokens. So for each (model, batch?, day) we ask genai-prices for
the price of one million tokens of each of our disjoint buckets, once per tier band, and multiply.
Prices are looked up per UTC day: genai-prices' start-date constraints are date-granular. A test checks
the vectorised cost equals `calc_price` for sampled requests. Auto-update is never enabled: the prices are
the package's bundled snapshot, so runs are reproducible offline.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

import numpy as np
from genai_prices import Usage, calc_price, data_snapshot
from genai_prices.types import TieredPrices

from burnrate.generate.catalog import MODELS, Model

# Our disjoint token buckets, in the column order used everywhere in the generator.
BUCKETS = ("input", "cache_read", "cache_write", "output", "reasoning", "input_audio", "output_audio")
_N = 1_000  # probe size: small enough to stay below every tier threshold


def usage_for(tokens: dict[str, int]) -> Usage:
    """genai-prices `Usage` (inclusive totals with sub-buckets) for our disjoint buckets."""
    t = {b: int(tokens.get(b, 0)) for b in BUCKETS}
    return Usage(
        input_tokens=t["input"] + t["cache_read"] + t["cache_write"] + t["input_audio"],
        cache_read_tokens=t["cache_read"] or None,
        cache_write_tokens=t["cache_write"] or None,
        input_audio_tokens=t["input_audio"] or None,
        output_tokens=t["output"] + t["reasoning"] + t["output_audio"],
        output_reasoning_tokens=t["reasoning"] or None,
        output_audio_tokens=t["output_audio"] or None,
    )


@dataclass(frozen=True)
class RateCard:
    """USD per token for each bucket (columns) in each tier band (rows), and the band thresholds."""

    thresholds: np.ndarray  # band b applies when total input tokens > thresholds[b-1]
    rates: np.ndarray  # shape (len(thresholds) + 1, len(BUCKETS))
    input_price: str  # USD per input token, decimal string (Langfuse `inputPrice`)
    output_price: str

    def band(self, total_input: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.thresholds, total_input, side="left")


def price_context(batch: bool) -> dict | None:
    return {"processing": "batch"} if batch else None


def _calc(model: Model, tokens: dict[str, int], when: datetime, batch: bool) -> Decimal:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return calc_price(
            usage_for(tokens),
            model.genai_ref,
            provider_id=model.genai_provider,
            genai_request_timestamp=when,
            price_context=price_context(batch),
        ).total_price


def _thresholds(model: Model, when: datetime, batch: bool) -> list[int]:
    _provider, info = data_snapshot.get_snapshot().find_provider_model(
        model.genai_ref.lower(), None, model.genai_provider, None
    )
    model_price = info.get_prices(when, price_context(batch))
    starts = {t.start for v in model_price.__dict__.values() if isinstance(v, TieredPrices) for t in v.tiers}
    return sorted(starts)


@cache
def rate_card(model_key: str, day: date, batch: bool) -> RateCard | None:
    """Per-token list rates of a model on a UTC day; None when genai-prices has no price for it."""
    model = next(m for m in MODELS if m.key == model_key)
    if model.genai_provider is None:
        return None
    when = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    thresholds = _thresholds(model, when, batch)
    rows = []
    for anchor in [0, *[s + 1 for s in thresholds]]:
        base_tokens = {"input": anchor}
        base = _calc(model, base_tokens, when, batch)
        row = []
        for bucket in BUCKETS:
            tokens = dict(base_tokens)
            tokens[bucket] = tokens.get(bucket, 0) + _N
            row.append((_calc(model, tokens, when, batch) - base) / _N)
        rows.append(row)
    return RateCard(
        np.array(thresholds, dtype=np.int64),
        np.array(rows, dtype=np.float64),
        _decimal_str(rows[0][0]),
        _decimal_str(rows[0][3]),
    )


def _decimal_str(value: Decimal) -> str:
    return format(value.normalize(), "f")


def bucket_costs(model_idx: np.ndarray, batch: np.ndarray, tokens: np.ndarray, day: date) -> np.ndarray:
    """List cost (USD) per request and bucket: shape (n, len(BUCKETS)); zeros for unpriced models.

    `tokens` is an int array (n, len(BUCKETS)) of disjoint buckets.
    """
    return costs_and_bands(model_idx, batch, tokens, day)[0]


def costs_and_bands(
    model_idx: np.ndarray, batch: np.ndarray, tokens: np.ndarray, day: date
) -> tuple[np.ndarray, np.ndarray]:
    """Per-bucket list costs and the tier band each request was priced in (0 = base price)."""
    costs = np.zeros(tokens.shape, dtype=np.float64)
    band = np.zeros(len(tokens), dtype=np.int64)
    total_input = tokens[:, 0] + tokens[:, 1] + tokens[:, 2] + tokens[:, 5]
    for mi in np.unique(model_idx):
        for b in (False, True):
            sel = (model_idx == mi) & (batch == b)
            if not sel.any():
                continue
            card = rate_card(MODELS[mi].key, day, b)
            if card is None:
                continue
            bands = card.band(total_input[sel])
            costs[sel] = tokens[sel] * card.rates[bands]
            band[sel] = bands
    return costs, band
