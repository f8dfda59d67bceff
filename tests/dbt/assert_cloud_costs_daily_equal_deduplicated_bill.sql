-- Conservation: per cloud provider and billing month, fct_cloud_costs_daily holds exactly the dollars of the
-- deduplicated bill (billed, effective, list; to the cent) — attribution, AI and GPU joins create or lose none —
-- and the deduplicated bill is exactly one export format's rows: the total of that format's staging model.

{%- set sources = ['stg_focus__costs', 'stg_aws_cur__line_items', 'stg_azure_costs__line_items', 'stg_gcp_billing__line_items'] %}

with

mart as (

    select cloud_provider, {{ billing_account_key('billing_account_id') }} as billing_account_key, billing_period_start,
        x_source_format, sum(billed_cost) as billed, sum(effective_cost) as effective, sum(list_cost) as listed
    from {{ ref('fct_cloud_costs_daily') }}
    group by 1, 2, 3, 4

),

staged as (

    select cloud_provider, {{ billing_account_key('billing_account_id') }} as billing_account_key,
        cast(billing_period_start as date) as billing_period_start, x_source_format,
        sum(billed_cost) as billed, sum(effective_cost) as effective, sum(list_cost) as listed
    from (
        {% for s in sources %}
        select cloud_provider, billing_account_id, billing_period_start, x_source_format, billed_cost, effective_cost, list_cost
        from {{ ref(s) }}
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) as lines
    group by 1, 2, 3, 4

),

chosen as (

    select s.*
    from staged as s
    inner join (select distinct cloud_provider, billing_account_key, cast(billing_period_start as date) as billing_period_start,
                    x_source_format from {{ ref('int_cloud_costs_deduplicated') }}) as d
        on s.cloud_provider = d.cloud_provider and s.billing_account_key = d.billing_account_key
        and s.billing_period_start = d.billing_period_start and s.x_source_format = d.x_source_format

),

every_key as (

    -- every bill some export covers must be in the mart
    select distinct cloud_provider, billing_account_key, billing_period_start from staged

)

select k.*, m.x_source_format, m.billed as mart_billed, c.billed as source_billed, m.effective as mart_effective,
    c.effective as source_effective, m.listed as mart_list, c.listed as source_list
from every_key as k
left join mart as m on k.cloud_provider = m.cloud_provider and k.billing_account_key = m.billing_account_key
    and k.billing_period_start = m.billing_period_start
left join chosen as c on m.cloud_provider = c.cloud_provider and m.billing_account_key = c.billing_account_key
    and m.billing_period_start = c.billing_period_start and m.x_source_format = c.x_source_format
where m.cloud_provider is null or c.cloud_provider is null
    or abs(m.billed - c.billed) >= 0.01 or abs(m.effective - c.effective) >= 0.01 or abs(m.listed - c.listed) >= 0.01
