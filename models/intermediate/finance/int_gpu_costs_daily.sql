-- GPU node instance cost of the cloud bill, per UTC day × node account × team × served model × idle, as
-- fct_gpu_usage_hourly allocates it by DCGM usage (OpenCost): workloads' GPU-hours to their namespace's team,
-- idle GPU-hours (incl. hours the bill charges but DCGM never sampled: has_samples false) to 'unattributed'
-- with is_idle, or spread over the workloads when var('gpu_idle_allocation') = 'proportional'. Only GPU-hours
-- priced from the bill (price_source 'bill'): nodes priced from seeds/gpu_prices.csv alone are no bill dollar.
-- Whatever the hourly rows do not add up to (rounding of GPU shares) against the bill's instance lines of that
-- day and account is one more idle row, so the day's instance dollars are conserved exactly.

{%- set money = ['billed_cost', 'effective_cost', 'list_cost'] %}

with

allocated as (

    select
        charge_date, billing_period_start, cloud_provider, provider_name, service_name, service_category,
        billing_account_id, sub_account_id, team_id, attribution_method, served_model as model_id, is_idle,
        {% for m in money %}sum({{ m }}) as {{ m }}{{ ',' if not loop.last }}{% endfor %}
    from {{ ref('fct_gpu_usage_hourly') }}
    where price_source = 'bill'
    group by charge_date, billing_period_start, cloud_provider, provider_name, service_name, service_category,
        billing_account_id, sub_account_id, team_id, attribution_method, served_model, is_idle

),

bill as (

    select
        charge_date, billing_period_start, cloud_provider, max(provider_name) as provider_name,
        max(service_name) as service_name, max(service_category) as service_category, billing_account_id, sub_account_id,
        {% for m in money %}sum({{ m }}) as {{ m }}{{ ',' if not loop.last }}{% endfor %}
    from {{ ref('fct_cloud_costs_daily') }}
    where is_gpu_allocated
    group by charge_date, billing_period_start, cloud_provider, billing_account_id, sub_account_id

),

allocated_totals as (

    select
        charge_date, cloud_provider, billing_account_id, sub_account_id,
        {% for m in money %}sum({{ m }}) as {{ m }}{{ ',' if not loop.last }}{% endfor %}
    from allocated
    group by charge_date, cloud_provider, billing_account_id, sub_account_id

),

residue as (

    select
        b.charge_date, b.billing_period_start, b.cloud_provider, b.provider_name, b.service_name, b.service_category,
        b.billing_account_id, b.sub_account_id, 'unattributed' as team_id, 'idle' as attribution_method,
        cast(null as {{ dbt.type_string() }}) as model_id, true as is_idle,
        {% for m in money -%}
        b.{{ m }} - coalesce(a.{{ m }}, 0) as {{ m }}{{ ',' if not loop.last }}
        {% endfor %}
    from bill as b
    left join allocated_totals as a
        on b.charge_date = a.charge_date and b.cloud_provider = a.cloud_provider
        and b.billing_account_id = a.billing_account_id and coalesce(b.sub_account_id, '') = coalesce(a.sub_account_id, '')

)

select * from allocated
union all
select * from residue
where billed_cost <> 0 or effective_cost <> 0 or list_cost <> 0
