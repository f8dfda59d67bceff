-- One row per (price provider, model name) seen in the logs: the catalog model it prices as, resolved the
-- way genai-prices does it. A model name matches a catalog model when every atom of one of its rules matches
-- the lower-cased name; the provider's own models are tried in order, then its fallback providers' (Azure ->
-- OpenAI…); a name with a compact date (`-20251211`) that matches nothing is tried again as `-2025-12-11`.
-- Runs on DISTINCT names only, then joins back to requests.

with

names as (

    select distinct price_provider_id, model_requested
    from {{ ref('int_llm_requests_unioned') }}
    where price_provider_id is not null and model_requested is not null

),

refs as (

    select price_provider_id, model_requested, 1 as pass, lower(model_requested) as model_ref
    from names
    union all
    select price_provider_id, model_requested, 2 as pass, {{ compact_date_to_dashed('lower(model_requested)') }}
    from names
    where {{ compact_date_to_dashed('lower(model_requested)') }} <> lower(model_requested)

),

atoms as (

    select
        r.price_provider_id,
        r.model_requested,
        r.pass,
        p.fallback_order,
        m.price_provider_id as catalog_provider_id,
        m.model_id,
        m.model_order,
        m.rule_id,
        case m.atom_type
            when 'equals' then r.model_ref = m.match_pattern
            when 'starts_with' then substring(r.model_ref, 1, {{ dbt.length('m.match_pattern') }}) = m.match_pattern
            when 'ends_with' then {{ dbt.right('r.model_ref', dbt.length('m.match_pattern')) }} = m.match_pattern
            when 'contains' then {{ dbt.position('m.match_pattern', 'r.model_ref') }} > 0
            when 'regex' then {{ regex_matches('r.model_ref', 'm.match_pattern') }} <> m.is_negated
        end as is_match
    from refs as r
    inner join {{ ref('stg_prices__providers') }} as p on r.price_provider_id = p.price_provider_id
    inner join {{ ref('stg_prices__model_matches') }} as m on p.fallback_provider_id = m.price_provider_id

),

matched_rules as (

    select price_provider_id, model_requested, pass, fallback_order, catalog_provider_id, model_id, model_order
    from atoms
    group by price_provider_id, model_requested, pass, fallback_order, catalog_provider_id, model_id, model_order,
        rule_id
    having min(case when is_match then 1 else 0 end) = 1

),

ranked as (

    select
        *,
        row_number() over (
            partition by price_provider_id, model_requested order by pass, fallback_order, model_order
        ) as match_rank
    from matched_rules

)

select
    n.price_provider_id,
    n.model_requested,
    r.catalog_provider_id,
    r.model_id,
    r.model_id is not null as has_catalog_model,
    -- genai-prices ignores price variants (batch, service tiers) for a model found at a fallback provider
    coalesce(r.fallback_order > 0, false) as is_fallback_provider,
    case r.pass when 1 then 'name' when 2 then 'compact_date' end as match_method
from names as n
left join ranked as r
    on n.price_provider_id = r.price_provider_id
    and n.model_requested = r.model_requested
    and r.match_rank = 1
