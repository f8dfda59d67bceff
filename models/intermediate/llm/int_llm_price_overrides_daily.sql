-- One row per (provider route, model as requested, UTC day) that requests need and an override covers: the
-- override in force (seeds/price_overrides.csv) — a model's own override (by logged name or catalog model id)
-- before its provider's, then the latest valid_from. Runs on distinct keys, then joins back to requests.

with

keys as (

    select distinct r.provider, r.model_requested, m.model_id, r.request_date
    from {{ ref('int_llm_requests_unioned') }} as r
    left join {{ ref('int_llm_models_resolved') }} as m
        on r.price_provider_id = m.price_provider_id and r.model_requested = m.model_requested

),

ranked as (

    select
        k.provider,
        k.model_requested,
        k.request_date,
        o.override_id,
        o.discount_pct,
        o.has_internal_prices,
        {% for _k, _t, price, _f in token_kinds() %}o.{{ price }},
        {% endfor -%}
        row_number() over (
            partition by k.provider, k.model_requested, k.request_date
            order by case when o.model_key is null then 1 else 0 end, o.valid_from desc, o.override_id
        ) as override_rank
    from keys as k
    inner join {{ ref('stg_prices__overrides') }} as o
        on k.provider = o.provider
        and (o.model_key is null or o.model_key = lower(k.model_requested) or o.model_key = lower(k.model_id))
        and {{ is_in_force('o', 'k.request_date') }}

)

select * from ranked
where override_rank = 1
