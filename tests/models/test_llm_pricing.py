"""fct_llm_requests prices every request exactly as genai-prices' own calc_price does, and counts every raw row."""

from __future__ import annotations

import json
import warnings
from datetime import UTC
from decimal import Decimal

from genai_prices import calc_price

from burnrate.generate.pricing import usage_for

# the generator's bucket names -> fct_llm_requests' token columns
BUCKET_COLUMNS = {
    "input": "input_uncached_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_tokens",
    "input_audio": "input_audio_tokens",
    "output": "output_tokens",
    "reasoning": "reasoning_tokens",
    "output_audio": "output_audio_tokens",
}
PER_STRATUM = 12  # sampled requests per model x variant x tier-band x cache/reasoning mix


def _usage(r: dict):
    """genai-prices' Usage for the request's disjoint buckets (total input incl. cache and audio, sub-buckets named)."""
    return usage_for({bucket: r[column] for bucket, column in BUCKET_COLUMNS.items()})


def test_list_cost_equals_genai_prices_for_sampled_requests(live):
    cursor = live.execute(
        f"""
        select * from (
            select *, row_number() over (
                partition by model_key, requested_variant, input_tokens > 200000,
                    cache_read_tokens > 0, reasoning_tokens > 0
                order by hash(request_id)) as n
            from marts.fct_llm_requests
            where has_catalog_price
        ) where n <= {PER_STRATUM}
        """
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    assert len(rows) >= 200
    assert any(r["requested_variant"] == "processing=batch" for r in rows)
    assert any(r["input_tokens"] > 200_000 for r in rows)
    assert any(r["cache_write_tokens"] and r["reasoning_tokens"] == 0 for r in rows)
    assert any(r["reasoning_tokens"] for r in rows) and any(r["input_audio_tokens"] for r in rows)
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in rows:
            variant = r["requested_variant"]
            context = dict(kv.split("=", 1) for kv in variant.split(",")) if variant else None
            expected = calc_price(
                _usage(r),
                r["model_requested"],
                provider_id=r["price_provider_id"],
                genai_request_timestamp=r["requested_at"].replace(tzinfo=UTC),
                price_context=context,
            ).total_price
            assert abs(r["list_cost"] - expected) <= Decimal("1e-9"), (
                r["request_id"],
                r["list_cost"],
                expected,
            )
            checked += 1
    assert checked == len(rows)


def test_every_raw_request_is_counted_once(live, built, workload_root):
    counts = live.execute(
        """
        with
        langfuse as (select id, metadata->>'helicone_request_id' as hid from raw.langfuse_observations
                     where type = 'GENERATION'),
        helicone as (select coalesce(request_id, response_id) as id from raw.helicone_requests),
        fct as (select * from marts.fct_llm_requests)
        select
            (select count(*) from langfuse) as langfuse_rows,
            (select count(*) from helicone) as helicone_rows,
            (select count(*) from langfuse where hid in (select id from helicone)) as logged_twice,
            (select count(*) from fct) as fct_rows,
            (select count(*) from fct where source = 'helicone' and linked_source_id is not null) as linked,
            (select count(*) from langfuse
             where id not in (select source_id from fct union all select linked_source_id from fct
                              where linked_source_id is not null)) as langfuse_missing,
            (select count(*) from helicone
             where id not in (select source_id from fct where source = 'helicone')) as helicone_missing
        """
    ).fetchone()
    langfuse_rows, helicone_rows, logged_twice, fct_rows, linked, langfuse_missing, helicone_missing = counts
    assert logged_twice > 0  # the risk team logs through both
    assert linked == logged_twice
    assert fct_rows == langfuse_rows + helicone_rows - logged_twice
    assert langfuse_missing == 0 and helicone_missing == 0
    manifest = json.loads((workload_root / "demo" / "manifest.json").read_text())
    assert fct_rows == manifest["requests"]["total"]


def test_costs_match_what_the_generator_logged(live):
    """The demo's logged costs are genai-prices list prices: every priced request's list cost equals it."""
    mismatched, priced, discounted = live.execute(
        """
        select
            count(*) filter (where has_catalog_price and abs(list_cost - reported_cost) > 1e-9),
            count(*) filter (where has_catalog_price),
            count(*) filter (where price_source = 'catalog_discounted'
                             and effective_cost <> cast(list_cost * (100 - discount_pct) * 0.01 as decimal(38,12)))
        from marts.fct_llm_requests
        where completed_at is not null
        """
    ).fetchone()
    assert priced > 1000
    assert mismatched == 0
    assert discounted == 0


def test_unpriced_models_are_listed_with_their_tokens_not_zero_cost(live):
    unpriced = live.execute(
        "select model_requested, unpriced_requests, total_tokens from marts.fct_llm_unpriced_models"
    ).fetchall()
    assert [r[0] for r in unpriced] == ["ft:gpt-4.1-nano-2025-04-14:acme:tone-v3:B7xQ2kLm"]
    assert unpriced[0][1] > 0 and unpriced[0][2] > 0
    nulls = live.execute(
        "select count(*) filter (where list_cost is not null or effective_cost is not null) "
        "from marts.fct_llm_requests where not is_priced"
    ).fetchone()[0]
    assert nulls == 0


def test_langfuse_usage_conventions_normalise_to_disjoint_buckets(live):
    """Whatever SDK convention wrote usageDetails (disjoint keys, or raw inclusive input/output with sub-counts),
    the seven buckets add up to Langfuse's `total`, and no bucket is negative."""
    bad, checked, inclusive = live.execute(
        """
        select
            count(*) filter (where f.total_tokens <> cast(o.usage_details->>'total' as bigint)
                             or least(f.input_uncached_tokens, f.cache_read_tokens, f.cache_write_tokens,
                                      f.input_audio_tokens, f.output_tokens, f.reasoning_tokens,
                                      f.output_audio_tokens) < 0),
            count(*),
            count(*) filter (where o.usage_details->>'prompt_details.cache_read' is not null
                             and f.cache_read_tokens > 0)
        from marts.fct_llm_requests as f
        join raw.langfuse_observations as o on o.id = f.source_id
        where f.source = 'langfuse' and o.usage_details->>'total' is not null
        """
    ).fetchone()
    assert checked > 1000 and inclusive > 0
    assert bad == 0


def test_logged_tokens_and_list_cost_per_cloud_model_month_match_the_generator(live, workload_root):
    """What reconciliation will subtract from the cloud bills: per provider x model x month, the logged tokens
    and list cost equal the generator's ground truth (manifest economics), so bill - logs = untracked."""
    economics = json.loads((workload_root / "demo" / "manifest.json").read_text())["economics"]
    routes = {"aws": "aws_bedrock", "azure": "azure_openai", "gcp": "gcp_vertex"}
    rows = economics["ai_by_provider_model_month"]
    assert rows
    for r in rows:
        cost, tokens = live.execute(
            "select sum(list_cost), sum(total_tokens) from marts.fct_llm_requests "
            "where provider = ? and model_requested = ? and strftime(request_date, '%Y-%m') = ?",
            [routes[r["provider"]], r["model"], r["month"]],
        ).fetchone()
        assert tokens == r["logged_tokens"], r
        assert abs(float(cost) - r["logged_list_cost_usd"]) <= 1e-6 + 1e-9 * r["logged_list_cost_usd"], r
