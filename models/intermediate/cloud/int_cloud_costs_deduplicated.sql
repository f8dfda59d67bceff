-- Every billing source in FOCUS columns, each bill counted once. Companies often enable several exports of the
-- same bill (AWS FOCUS + CUR 2.0, Azure FOCUS + cost details, GCP FOCUS + BigQuery export): for each cloud
-- provider × billing account × billing period, only the rows of the present format with the lowest priority in
-- seeds/billing_source_priority.csv are kept (unlisted formats rank last; ties go to the format name). The
-- billing account is compared by its id (macro billing_account_key: Microsoft's FOCUS writes an ARM path).

{%- set sources = ['stg_focus__costs', 'stg_aws_cur__line_items', 'stg_azure_costs__line_items',
                   'stg_gcp_billing__line_items'] %}

with

unioned as (

    {% for s in sources %}
    select
        {{ cloud_cost_columns() | join(', ') }},
        {{ billing_account_key('billing_account_id') }} as billing_account_key
    from {{ ref(s) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

priorities as (

    select * from {{ ref('stg_billing__source_priority') }}

),

formats_present as (

    select distinct cloud_provider, billing_account_key, billing_period_start, x_source_format
    from unioned

),

chosen as (

    select
        f.*,
        coalesce(p.priority, 999999) as source_priority,
        row_number() over (
            partition by f.cloud_provider, f.billing_account_key, f.billing_period_start
            order by coalesce(p.priority, 999999), f.x_source_format
        ) as source_rank
    from formats_present as f
    left join priorities as p on f.x_source_format = p.source_format

)

select u.*, c.source_priority
from unioned as u
inner join chosen as c
    on u.cloud_provider = c.cloud_provider
    and u.billing_account_key = c.billing_account_key
    and u.billing_period_start = c.billing_period_start
    and u.x_source_format = c.x_source_format
where c.source_rank = 1
