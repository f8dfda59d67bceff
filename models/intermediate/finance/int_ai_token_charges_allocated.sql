-- Cloud-billed AI token charges (Bedrock, Azure OpenAI, Vertex) allocated to the teams and features whose logged
-- requests used them. Per UTC day × genai-prices provider × model × token type ("key"): B billed tokens (all
-- bill lines of the key), L logged tokens of that type (fct_llm_usage_daily, same provider, model and day). Each
-- bill line's money is split over the key's log groups (team × feature × environment × rule) by weight
-- logged tokens × min(1, B / L), and an untracked remainder max(B − L, 0) (team 'unattributed', is_untracked):
-- logs beyond the bill are scaled down; a key with no billed tokens (credits only) follows the logs; a key no
-- log explains is all untracked. Splits telescope (macros/allocation.sql): every line's dollars exactly.
-- Log token buckets by bill token type: input = uncached + audio input; output = output + reasoning + audio
-- output; cache_read; cache_write; unknown = every token.

{%- set key = ['charge_date', 'price_provider_id', 'model_id', 'token_type'] %}
{%- set line = 'bill_line_id' %}

with

bill_lines as (

    select
        {{ grain_key(['charge_date', 'cost_line_group', 'charge_category']) }} as bill_line_id,
        *
    from (
        select
            cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as charge_date,
            cast(billing_period_start as date) as billing_period_start,
            {{ grain_key(['cloud_provider', 'billing_account_id', 'sub_account_id', 'service_name', 'price_provider_id',
                          'model_id', 'token_type']) }} as cost_line_group,
            cloud_provider, provider_name, service_name, service_category, billing_account_id, sub_account_id,
            price_provider_id, model_id, token_type, charge_category, billing_currency,
            sum(coalesce(billed_tokens, 0)) as billed_tokens,
            sum(billed_cost) as billed_cost,
            sum(effective_cost) as effective_cost,
            sum(list_cost) as list_cost
        from {{ ref('int_ai_token_charges') }}
        group by 1, 2, 3, cloud_provider, provider_name, service_name, service_category, billing_account_id,
            sub_account_id, price_provider_id, model_id, token_type, charge_category, billing_currency
    ) as daily

),

keys as (

    select charge_date, price_provider_id, model_id, token_type, sum(billed_tokens) as key_billed_tokens
    from bill_lines
    group by charge_date, price_provider_id, model_id, token_type

),

usage as (

    select * from {{ ref('fct_llm_usage_daily') }}
    where price_provider_id is not null
        and request_date in (select distinct charge_date from keys)

),

{%- set buckets = {
    'input': 'input_uncached_tokens + input_audio_tokens',
    'output': 'output_tokens + reasoning_tokens + output_audio_tokens',
    'cache_read': 'cache_read_tokens',
    'cache_write': 'cache_write_tokens',
    'unknown': 'total_tokens'} %}

logged as (

    {% for token_type, tokens in buckets.items() %}
    select
        request_date as charge_date, price_provider_id, model_id, '{{ token_type }}' as token_type,
        team_id, feature_id, environment, attribution_method, sum({{ tokens }}) as logged_tokens
    from usage
    group by request_date, price_provider_id, model_id, team_id, feature_id, environment, attribution_method
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

key_logs as (

    select charge_date, price_provider_id, model_id, token_type, sum(logged_tokens) as key_logged_tokens
    from logged
    group by charge_date, price_provider_id, model_id, token_type

),

targets as (

    -- per key: the log groups with their weight, and the untracked remainder
    select
        k.charge_date, k.price_provider_id, k.model_id, k.token_type,
        l.team_id, l.feature_id, l.environment, l.attribution_method, false as is_untracked,
        case when k.key_billed_tokens > 0 and t.key_logged_tokens > k.key_billed_tokens
            then cast(l.logged_tokens as double) * k.key_billed_tokens / t.key_logged_tokens
            else cast(l.logged_tokens as double) end as weight
    from keys as k
    inner join logged as l
        on k.charge_date = l.charge_date and k.price_provider_id = l.price_provider_id
        and k.model_id = l.model_id and k.token_type = l.token_type
    inner join key_logs as t
        on l.charge_date = t.charge_date and l.price_provider_id = t.price_provider_id
        and l.model_id = t.model_id and l.token_type = t.token_type
    where l.logged_tokens > 0

    union all

    select
        k.charge_date, k.price_provider_id, k.model_id, k.token_type,
        'unattributed', 'unattributed', 'production', 'untracked', true,
        cast(case when coalesce(t.key_logged_tokens, 0) = 0 then greatest(k.key_billed_tokens, 1)
            else k.key_billed_tokens - t.key_logged_tokens end as double)
    from keys as k
    left join key_logs as t
        on k.charge_date = t.charge_date and k.price_provider_id = t.price_provider_id
        and k.model_id = t.model_id and k.token_type = t.token_type
    where coalesce(t.key_logged_tokens, 0) = 0 or k.key_billed_tokens > t.key_logged_tokens

),

{%- set part = 'b.bill_line_id' %}
{%- set order = 't.is_untracked, t.team_id, t.feature_id, t.environment, t.attribution_method' %}

shares as (

    select
        b.*,
        t.team_id, t.feature_id, t.environment, t.attribution_method, t.is_untracked, t.weight,
        {% for m in ['billed_cost', 'effective_cost', 'list_cost'] -%}
        {{ cumulative_share('b.' ~ m, 't.weight', part, order) }} as cumulative_{{ m }},
        {% endfor -%}
        {{ cumulative_share('b.billed_tokens', 't.weight', part, order) }} as cumulative_billed_tokens
    from bill_lines as b
    inner join targets as t
        on b.charge_date = t.charge_date
        and coalesce(b.price_provider_id, '') = coalesce(t.price_provider_id, '')
        and coalesce(b.model_id, '') = coalesce(t.model_id, '')
        and b.token_type = t.token_type

)

{%- set order = 'is_untracked, team_id, feature_id, environment, attribution_method' %}

select
    bill_line_id, charge_date, billing_period_start, cloud_provider, provider_name, service_name, service_category,
    billing_account_id, sub_account_id, price_provider_id, model_id, token_type, charge_category, billing_currency,
    team_id, feature_id, environment, attribution_method, is_untracked,
    {% for m in ['billed_cost', 'effective_cost', 'list_cost', 'billed_tokens'] -%}
    {{ allocated_amount('cumulative_' ~ m, 'bill_line_id', order) }} as {{ m }}{{ ',' if not loop.last }}
    {% endfor %}
from shares
