-- Self-hosted unit economics per billing month × self-hosted model: the GPU cost of the pods serving it
-- (fct_gpu_usage_hourly allocated cost, plus its share of each node's idle cost in proportion to its allocated
-- cost on that node — OpenCost's idle spread, whatever var gpu_idle_allocation says) over the tokens it served
-- (fct_llm_usage_daily, provider self_hosted), next to the list price of a comparable API model
-- (seeds/self_hosted_comparables.csv; catalog row in force on the month's first day, standard variant, base tier).

with

gpu_nodes as (

    select
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as billing_month,
        hostname,
        model_key,
        sum(allocated_cost) as allocated_cost,
        sum(idle_cost) as idle_cost,
        sum(gpu_hours) as gpu_hours
    from {{ ref('fct_gpu_usage_hourly') }}
    group by 1, hostname, model_key

),

node_shares as (

    select
        billing_month, hostname, model_key, allocated_cost, gpu_hours,
        sum(idle_cost) over (partition by billing_month, hostname)
            * allocated_cost / nullif(sum(allocated_cost) over (partition by billing_month, hostname), 0)
            as idle_share_cost
    from gpu_nodes

),

gpu as (

    select billing_month, model_key, sum(allocated_cost) as allocated_cost,
        sum(coalesce(idle_share_cost, 0)) as idle_share_cost, sum(gpu_hours) as gpu_hours
    from node_shares
    where model_key is not null
    group by billing_month, model_key

),

served as (

    select
        cast({{ dbt.date_trunc('month', 'request_date') }} as date) as billing_month,
        model_key, max(model_id) as model_id,
        sum(requests) as requests,
        sum(input_uncached_tokens + cache_read_tokens + cache_write_tokens + input_audio_tokens) as input_tokens,
        sum(output_tokens + reasoning_tokens + output_audio_tokens) as output_tokens,
        sum(total_tokens) as total_tokens,
        sum(effective_cost) as internal_price_cost
    from {{ ref('fct_llm_usage_daily') }}
    where provider = 'self_hosted'
    group by 1, model_key

),

comparables as (

    select
        {{ dbt.concat(["'self_hosted:'", 'm.model_name']) }} as model_key,
        m.model_key as llm_model_key, c.comparable_provider_id, c.comparable_model_id, c.rationale,
        p.input_mtok, p.output_mtok, p.valid_from, p.valid_to
    from {{ ref('self_hosted_comparables') }} as c
    inner join {{ ref('stg_company__llm_models') }} as m on c.llm_model_key = m.model_key
    left join {{ ref('stg_prices__catalog') }} as p
        on c.comparable_provider_id = p.price_provider_id and c.comparable_model_id = p.model_id
        and p.price_variant = '' and coalesce(p.min_input_tokens, 0) = 0

),

joined as (

    select
        coalesce(s.billing_month, g.billing_month) as billing_month,
        coalesce(s.model_key, g.model_key) as model_key,
        s.model_id, c.llm_model_key, c.comparable_provider_id, c.comparable_model_id, c.rationale,
        coalesce(s.requests, 0) as requests, coalesce(s.input_tokens, 0) as input_tokens,
        coalesce(s.output_tokens, 0) as output_tokens, coalesce(s.total_tokens, 0) as total_tokens,
        s.internal_price_cost,
        coalesce(g.allocated_cost, 0) as allocated_cost, coalesce(g.idle_share_cost, 0) as idle_share_cost,
        coalesce(g.gpu_hours, 0) as gpu_hours,
        (coalesce(s.input_tokens, 0) * c.input_mtok + coalesce(s.output_tokens, 0) * c.output_mtok) / 1000000.0
            as comparable_list_cost
    from served as s
    full outer join gpu as g on s.billing_month = g.billing_month and s.model_key = g.model_key
    left join comparables as c
        on coalesce(s.model_key, g.model_key) = c.model_key
        and {{ is_in_force('c', 'coalesce(s.billing_month, g.billing_month)') }}

)

select
    ----------  ids
    {{ grain_key(['billing_month', 'model_key']) }} as unit_cost_id,
    model_key, model_id, llm_model_key,

    ---------- strings
    comparable_provider_id, comparable_model_id, rationale as comparable_rationale, 'USD' as billing_currency,

    ---------- numerics: requests, tokens, GPU-hours, money (USD), USD per 1M tokens
    cast(requests as {{ dbt.type_bigint() }}) as requests,
    cast(input_tokens as {{ dbt.type_bigint() }}) as input_tokens,
    cast(output_tokens as {{ dbt.type_bigint() }}) as output_tokens,
    cast(total_tokens as {{ dbt.type_bigint() }}) as total_tokens,
    gpu_hours,
    cast(allocated_cost as {{ money_type() }}) as gpu_allocated_cost,
    cast(idle_share_cost as {{ money_type() }}) as gpu_idle_share_cost,
    cast(allocated_cost + idle_share_cost as {{ money_type() }}) as gpu_cost,
    cast(internal_price_cost as {{ money_type() }}) as internal_price_cost,
    cast(comparable_list_cost as {{ money_type() }}) as comparable_list_cost,
    cast(allocated_cost + idle_share_cost as double) * 1000000 / nullif(total_tokens, 0)
        as cost_per_1m_tokens,
    cast(comparable_list_cost as double) * 1000000 / nullif(total_tokens, 0)
        as comparable_cost_per_1m_tokens,
    cast(comparable_list_cost - (allocated_cost + idle_share_cost) as {{ money_type() }}) as savings_vs_comparable,

    ---------- dates (UTC)
    billing_month

from joined
