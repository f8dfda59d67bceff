-- Requests priced: the catalog row in force at the request's UTC time (variant, else standard; a time-of-day
-- row wins inside its window; the tier band holding the request's total input tokens — genai-prices applies a
-- tier when total input EXCEEDS its threshold), list cost per token kind, and effective cost after the
-- override in force (a model's own override before its provider's): internal prices, else list less the
-- negotiated discount. No price -> list and effective cost null, never 0.

{%- set price_columns = ['price_id', 'price_variant', 'input_mtok', 'output_mtok', 'cache_read_mtok',
    'cache_write_mtok', 'cache_write_1h_mtok', 'input_audio_mtok', 'output_audio_mtok', 'cache_audio_read_mtok',
    'output_reasoning_mtok'] %}
{%- set band = "(r.input_tokens > {p}.min_input_tokens or {p}.min_input_tokens = 0)
        and ({p}.max_input_tokens is null or r.input_tokens <= {p}.max_input_tokens)" %}

with

resolved as (

    select
        r.*,
        m.catalog_provider_id,
        m.model_id,
        case when m.is_fallback_provider then '' else r.requested_variant end as variant_key,
        r.input_uncached_tokens + r.cache_read_tokens + r.cache_write_tokens + r.input_audio_tokens as input_tokens,
        {{ time_of_day_text('r.requested_at') }} as requested_time_of_day
    from {{ ref('int_llm_requests_attributed') }} as r
    left join {{ ref('int_llm_models_resolved') }} as m
        on r.price_provider_id = m.price_provider_id and r.model_requested = m.model_requested

),

price_days as (

    select * from {{ ref('int_llm_price_days') }}

),

with_prices as (

    select
        r.*,
        {% for c in price_columns -%}
        case when tod.price_id is not null then tod.{{ c }} else base.{{ c }} end as {{ c }}{{ ',' if not loop.last }}
        {% endfor %}
    from resolved as r
    left join price_days as base
        on r.catalog_provider_id = base.catalog_provider_id
        and r.model_id = base.model_id
        and r.variant_key = base.requested_variant
        and r.request_date = base.request_date
        and base.time_of_day_start is null
        and {{ band.format(p='base') }}
    left join price_days as tod
        on r.catalog_provider_id = tod.catalog_provider_id
        and r.model_id = tod.model_id
        and r.variant_key = tod.requested_variant
        and r.request_date = tod.request_date
        and tod.time_of_day_start is not null
        and {{ band.format(p='tod') }}
        and (
            (tod.time_of_day_start <= tod.time_of_day_end
                and r.requested_time_of_day >= tod.time_of_day_start and r.requested_time_of_day < tod.time_of_day_end)
            or (tod.time_of_day_start > tod.time_of_day_end
                and (r.requested_time_of_day >= tod.time_of_day_start or r.requested_time_of_day < tod.time_of_day_end))
        )

),

overrides_in_force as (

    select * from {{ ref('int_llm_price_overrides_daily') }}

),

costed as (

    select
        p.*,
        {% for kind, _t, _p, _f in token_kinds() -%}
        case when p.price_id is not null then {{ token_kind_cost('p', 'p', kind) }} end as {{ kind }}_list_cost,
        {% endfor -%}
        case when p.price_id is not null then
            {% for kind, _t, _p, _f in token_kinds() %}{{ token_kind_cost('p', 'p', kind) }}{{ ' + ' if not loop.last }}{% endfor %}
        end as list_cost,
        case when p.price_id is not null then
            {{ token_cost('p.cache_read_tokens', 'p.input_mtok') }} - {{ token_kind_cost('p', 'p', 'cache_read') }}
        end as cache_read_savings,
        o.override_id,
        o.discount_pct,
        o.has_internal_prices,
        case when o.has_internal_prices then
            {% for kind, _t, _p, _f in token_kinds() %}{{ token_kind_cost('p', 'o', kind) }}{{ ' + ' if not loop.last }}{% endfor %}
        end as internal_cost
    from with_prices as p
    left join overrides_in_force as o
        on p.provider = o.provider and p.model_requested = o.model_requested and p.request_date = o.request_date

)

select
    c.*,
    case
        when c.internal_cost is not null then c.internal_cost
        when c.list_cost is not null
            then cast(c.list_cost * (100 - coalesce(c.discount_pct, 0)) * 0.01 as {{ money_type() }})
    end as effective_cost,
    case
        when c.internal_cost is not null then 'internal'
        when c.list_cost is not null and c.discount_pct is not null then 'catalog_discounted'
        when c.list_cost is not null then 'catalog'
        else 'unpriced'
    end as price_source
from costed as c
