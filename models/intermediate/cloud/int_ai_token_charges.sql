-- The cost lines that are AI token charges, read with the rules of macros/ai_charges.sql (rendered from
-- ingest/ai_charges.py): Bedrock usage types (AWS), Azure OpenAI / Foundry meters, Vertex SKUs. Any other
-- Generative AI line billed in tokens counts too, with token_type 'unknown'. Each carries its token type, the
-- bill's model name → genai-prices provider and model id (seeds/billing_model_aliases.csv, resolved once per
-- distinct name), tier, and the tokens billed by usage lines ('1K tokens' / '1M' pricing units converted). A table: two
-- marts read it.

{{ config(materialized='table') }}

with

lines as (

    select
        *,
        coalesce(x_sku_description, sku_meter) as gcp_sku,
        (x_sku_meter_subcategory = 'Azure OpenAI' or service_name in ('Azure OpenAI', 'Azure OpenAI Service', 'Foundry Models')
            or x_sku_meter_category = 'Foundry Models') as is_azure_openai,
        (lower(service_name) like '%vertex%' or lower(service_name) like '%gemini%'
            or lower(service_name) like '%generative language%') as is_vertex
    from {{ ref('int_cloud_costs_attributed') }}

),

{%- set sku_columns = ['cloud_provider', 'x_usage_type', 'sku_meter', 'gcp_sku', 'is_azure_openai', 'is_vertex'] %}

skus as (

    -- the rules run once per distinct SKU, not once per line
    {%- set fields = [('token_type', 'parsed_token_type'), ('model', 'billing_model_name'), ('tier', 'pricing_tier')] %}
    select
        *,
        {% for field, column in fields -%}
        case
            when cloud_provider = 'aws' then {{ context['ai_bedrock_' ~ field]('x_usage_type') }}
            when cloud_provider = 'azure' and is_azure_openai then {{ context['ai_azure_openai_' ~ field]('sku_meter') }}
            when cloud_provider = 'gcp' and is_vertex then {{ context['ai_vertex_' ~ field]('gcp_sku') }}
        end as {{ column }},
        {% endfor -%}
        case
            when cloud_provider = 'aws' then {{ ai_bedrock_cross_region('x_usage_type') }}
            when cloud_provider = 'azure' and is_azure_openai then {{ ai_azure_openai_deployment('sku_meter') }}
        end as deployment,
        case when cloud_provider = 'gcp' and is_vertex then {{ ai_vertex_context_tier('gcp_sku') }} end as context_tier
    from (select distinct {{ sku_columns | join(', ') }} from lines) as distinct_skus

),

parsed as (

    select
        l.*,
        s.parsed_token_type, s.billing_model_name, s.pricing_tier, s.deployment, s.context_tier
    from lines as l
    inner join skus as s
        on {% for c in sku_columns %}coalesce(cast(l.{{ c }} as {{ dbt.type_string() }}), '') = coalesce(cast(s.{{ c }} as {{ dbt.type_string() }}), ''){{ '\n        and ' if not loop.last }}{% endfor %}

),

token_lines as (

    select
        *,
        coalesce(parsed_token_type, 'unknown') as token_type,
        {{ ai_model_key('billing_model_name') }} as billing_model_key,
        case
            when lower(consumed_unit) like '%token%' or lower(consumed_unit) = 'count'
                then consumed_quantity * {{ unit_block_size('consumed_unit') }}
            else pricing_quantity * {{ unit_block_size('pricing_unit') }}
        end as token_quantity
    from parsed
    where parsed_token_type is not null
        or (service_subcategory = 'Generative AI'
            and (lower(consumed_unit) like '%token%' or lower(pricing_unit) like '%token%'))

),

aliases as (

    -- one alias per distinct billing name × deployment: a deployment's own row before the any-deployment row
    select * from (
        select
            n.cloud_provider,
            n.billing_model_key,
            n.deployment,
            a.price_provider_id,
            a.model_id,
            row_number() over (
                partition by n.cloud_provider, n.billing_model_key, n.deployment
                order by case when a.deployment = '' then 1 else 0 end
            ) as alias_rank
        from (select distinct cloud_provider, billing_model_key, coalesce(deployment, '') as deployment from token_lines) as n
        inner join {{ ref('stg_billing__model_aliases') }} as a
            on n.cloud_provider = a.cloud_provider
            and n.billing_model_key = a.billing_model_key
            and (a.deployment = '' or a.deployment = n.deployment)
    ) as ranked
    where alias_rank = 1

),

company_models as (

    select
        model_key as llm_model_key,
        {{ ai_model_key('billing_name') }} as billing_model_key,
        case provider when 'aws_bedrock' then 'aws' when 'azure_openai' then 'azure' when 'gcp_vertex' then 'gcp' end
            as cloud_provider
    from {{ ref('stg_company__llm_models') }}
    where billing_name is not null

)

select
    t.*,
    a.price_provider_id,
    a.model_id,
    m.llm_model_key,
    -- usage lines bill tokens; credits, adjustments and corrections of them move money, not tokens
    case when t.charge_category = 'Usage' then cast(round(t.token_quantity) as {{ dbt.type_bigint() }}) end as billed_tokens
from token_lines as t
left join aliases as a
    on t.cloud_provider = a.cloud_provider
    and t.billing_model_key = a.billing_model_key
    and coalesce(t.deployment, '') = a.deployment
left join company_models as m on t.cloud_provider = m.cloud_provider and t.billing_model_key = m.billing_model_key
