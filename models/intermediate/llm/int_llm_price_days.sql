-- One row per catalog price row in force for a (catalog model, requested variant, UTC day) that requests
-- need: the requested variant (batch, flex, priority…) when the catalog has it that day, else the standard
-- price; a model found at a fallback provider always pays the standard price (genai-prices does the same).
-- Several rows per key: one per tier band, plus time-of-day rows that win inside their window.

with

needed as (

    select distinct
        m.catalog_provider_id,
        m.model_id,
        case when m.is_fallback_provider then '' else r.requested_variant end as requested_variant,
        r.request_date
    from {{ ref('int_llm_requests_unioned') }} as r
    inner join {{ ref('int_llm_models_resolved') }} as m
        on r.price_provider_id = m.price_provider_id and r.model_requested = m.model_requested
    where m.model_id is not null

),

catalog as (

    select * from {{ ref('stg_prices__catalog') }}

),

variant_in_force as (

    select
        n.catalog_provider_id,
        n.model_id,
        n.requested_variant,
        n.request_date,
        coalesce(max(c.price_variant), '') as price_variant
    from needed as n
    left join catalog as c
        on n.catalog_provider_id = c.price_provider_id
        and n.model_id = c.model_id
        and n.requested_variant = c.price_variant
        and {{ is_in_force('c', 'n.request_date') }}
    group by n.catalog_provider_id, n.model_id, n.requested_variant, n.request_date

)

select
    v.catalog_provider_id,
    v.requested_variant,
    v.request_date,
    c.*
from variant_in_force as v
inner join catalog as c
    on v.catalog_provider_id = c.price_provider_id
    and v.model_id = c.model_id
    and v.price_variant = c.price_variant
    and {{ is_in_force('c', 'v.request_date') }}
