"""Token buckets, usage-key conventions and list costs are consistent, and costs are genai-prices'."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime

import numpy as np
import pytest
from gen_helpers import helicone_api_pages, helicone_export_rows, langfuse_api_pages, langfuse_export_rows
from genai_prices import calc_price

from burnrate.generate.catalog import FEATURES, MODELS
from burnrate.generate.langfuse import CONVENTIONS
from burnrate.generate.pricing import BUCKETS, bucket_costs, usage_for

BATCH_FEATURES = {f.key for f in FEATURES if f.batch}
KNOWN_KEYS = {k for conv in CONVENTIONS.values() for k, _b, _w in conv}


def test_langfuse_usage_keys_follow_documented_conventions(workload):
    rows = [r for r in langfuse_export_rows(workload) if r["usage_details"]]
    seen = set()
    for r in rows:
        usage = r["usage_details"]
        assert set(usage) <= KNOWN_KEYS, usage
        if "prompt_details.cache_read" in usage:  # raw convention: inclusive input/output with subset keys
            assert usage["total"] == usage["input"] + usage["output"]
            assert usage["prompt_details.cache_read"] <= usage["input"]
            seen.add("raw")
        else:  # disjoint buckets summing to total
            assert usage["total"] == sum(v for k, v in usage.items() if k != "total"), usage
            seen.add(
                next(
                    k
                    for k in (
                        "cache_read_input_tokens",
                        "input_cache_read",
                        "input_cache_creation",
                        "input_cached_tokens",
                        "input",
                    )
                    if k in usage
                )
            )
    assert {"raw", "cache_read_input_tokens", "input_cache_read", "input_cached_tokens"} <= seen
    assert any("output_reasoning_tokens" in r["usage_details"] for r in rows)
    api_rows = [r for p in langfuse_api_pages(workload) for r in p["data"] if r["usageDetails"]]
    assert any("input_audio_tokens" in r["usageDetails"] for r in api_rows)
    assert any("input_cache_read" in r["usageDetails"] for r in api_rows)


def test_langfuse_cost_details_add_up(workload):
    for r in langfuse_export_rows(workload):
        costs = r["cost_details"]
        if costs:
            assert costs["total"] == pytest.approx(sum(v for k, v in costs.items() if k != "total"), abs=1e-9)
            assert r["total_cost"] == pytest.approx(costs["total"], abs=1e-9)


def test_unpriced_models_report_zero_cost(workload):
    rows = helicone_export_rows(workload) + [r for p in helicone_api_pages(workload) for r in p["data"]]
    lf = langfuse_export_rows(workload)
    unknown = [
        r for r in lf if r["provided_model_name"].startswith("ft:") and r["end_time"]
    ]  # final versions
    assert unknown and all(r["total_cost"] == 0 and r["cost_details"] == {} for r in unknown)
    hosted = [r for r in rows if r["provider"] == "CUSTOM"] + [
        r for r in lf if "Llama" in r["provided_model_name"] and r["end_time"]
    ]
    assert hosted and all((r.get("cost") if "cost" in r else r["total_cost"]) == 0 for r in hosted)


def test_errors_and_cache_hits_are_present(workload):
    rows = helicone_export_rows(workload) + [r for p in helicone_api_pages(workload) for r in p["data"]]
    statuses = {r["response_status"] for r in rows}
    assert {200, 429, 500} <= statuses
    assert all(r["prompt_tokens"] is None for r in rows if r["response_status"] == 429)
    assert any((r["prompt_cache_read_tokens"] or 0) > 0 for r in rows)
    lf = langfuse_export_rows(workload)
    assert any(r["level"] == "ERROR" and r["status_message"] for r in lf)


def _helicone_buckets(r: dict) -> dict:
    return {
        "input": r["prompt_tokens"],
        "cache_read": r["prompt_cache_read_tokens"],
        "cache_write": r["prompt_cache_write_tokens"],
        "output": r["completion_tokens"],
        "reasoning": r["reasoning_tokens"],
        "input_audio": r["prompt_audio_tokens"],
        "output_audio": r["completion_audio_tokens"],
    }


def test_reported_cost_is_genai_prices_at_request_time(workload):
    """Recompute Helicone `cost` with genai-prices' own calc_price for every priced request."""
    by_name = {m.name: m for m in MODELS}
    rows = helicone_export_rows(workload) + [r for p in helicone_api_pages(workload) for r in p["data"]]
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in rows:
            m = by_name[r["model"]]
            if m.genai_provider is None or r["response_status"] == 429:
                continue
            when = datetime.fromisoformat(r["request_created_at"].replace("Z", "+00:00"))
            batch = r["request_properties"].get("Processing") == "batch"  # the log's own signal
            if (feature := r["request_properties"].get("Feature")) is not None:
                assert batch == (feature in BATCH_FEATURES), r["request_id"]
            expected = calc_price(
                usage_for(_helicone_buckets(r)),
                m.genai_ref,
                provider_id=m.genai_provider,
                genai_request_timestamp=when,
                price_context={"processing": "batch"} if batch else None,
            ).total_price
            assert r["cost"] == pytest.approx(float(expected), rel=1e-9, abs=1e-12), r["request_id"]
            checked += 1
    assert checked > 500


@pytest.mark.parametrize("model", [m for m in MODELS if m.genai_provider])
def test_vectorised_rates_equal_calc_price(model):
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 120_000, size=(40, len(BUCKETS)))
    tokens[:5, 0] = 250_000  # above the 200k tier of tiered models
    if not model.audio:  # audio only occurs on audio models (cache x audio needs explicit sub-buckets)
        tokens[:, 5:] = 0
    day = date(2026, 11, 3)
    for batch in (False, True):
        got = bucket_costs(
            np.full(len(tokens), MODELS.index(model)), np.full(len(tokens), batch), tokens, day
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for row, cost in zip(tokens, got.sum(axis=1), strict=True):
                want = calc_price(
                    usage_for(dict(zip(BUCKETS, row.tolist(), strict=True))),
                    model.genai_ref,
                    provider_id=model.genai_provider,
                    genai_request_timestamp=datetime(2026, 11, 3, 12, tzinfo=UTC),
                    price_context={"processing": "batch"} if batch else None,
                ).total_price
                assert cost == pytest.approx(float(want), rel=1e-9)
