-- GCP billing export rows in FOCUS 1.2 columns. As in Google's FOCUS export, credits are rows of their own
-- (charge_category Credit, negative costs, no list cost): one row per export row (`cost` before credits,
-- `cost_at_list`) plus one per element of its `credits`. Resource labels become FOCUS-style JSON tags.

{%- set shared = [
    'billing_account_id', 'sub_account_id', 'resource_id', 'sku_id', 'sku_price_id', 'invoice_id',
    'commitment_discount_id', 'cloud_provider', 'provider_name', 'publisher_name', 'invoice_issuer_name',
    'billing_account_name', 'sub_account_name', 'resource_name', 'resource_type', 'region_id', 'region_name',
    'availability_zone', 'service_name', 'service_category', 'service_subcategory', 'charge_class',
    'sku_meter', 'billing_currency', 'tags', 'x_usage_type', 'x_operation', 'x_service_code',
    'x_sku_meter_category', 'x_sku_meter_subcategory', 'x_sku_description', 'x_resource_group',
    'charge_period_start', 'charge_period_end', 'billing_period_start', 'billing_period_end',
    'x_source_format', 'x_source_file', 'x_source_line'] %}

with

source as (

    {{ latest_raw_rows(source('gcp_billing', 'gcp_billing')) }}

),

renamed as (

    select

        ----------  ids
        billing_account_id,
        project.id as sub_account_id,
        resource.global_name as resource_id,
        sku.id as sku_id,
        cast(null as {{ dbt.type_string() }}) as sku_price_id,
        invoice.month as invoice_id,
        cast(null as {{ dbt.type_string() }}) as commitment_discount_id,

        ---------- strings
        'gcp' as cloud_provider,
        'Google Cloud' as provider_name,
        coalesce(seller_name, 'Google Cloud') as publisher_name,
        'Google Cloud' as invoice_issuer_name,
        cast(null as {{ dbt.type_string() }}) as billing_account_name,
        project.name as sub_account_name,
        resource.name as resource_name,
        cast(null as {{ dbt.type_string() }}) as resource_type,
        location.region as region_id,
        coalesce(location.location, location.region) as region_name,
        location.zone as availability_zone,
        service.description as service_name,
        cast(null as {{ dbt.type_string() }}) as service_category,
        cast(null as {{ dbt.type_string() }}) as service_subcategory,
        case lower(cost_type) when 'tax' then 'Tax' when 'adjustment' then 'Adjustment'
            when 'rounding error' then 'Adjustment' else 'Usage' end as usage_charge_category,
        cast(null as {{ dbt.type_string() }}) as charge_class,
        sku.description as sku_meter,
        currency as billing_currency,
        {{ key_value_list_json('labels') }} as tags,
        cast(null as {{ dbt.type_string() }}) as x_usage_type,
        cast(null as {{ dbt.type_string() }}) as x_operation,
        service.id as x_service_code,
        cast(null as {{ dbt.type_string() }}) as x_sku_meter_category,
        cast(null as {{ dbt.type_string() }}) as x_sku_meter_subcategory,
        sku.description as x_sku_description,
        cast(null as {{ dbt.type_string() }}) as x_resource_group,
        usage.pricing_unit as pricing_unit,
        usage.unit as consumed_unit,

        ---------- numerics: money in the billing currency
        cost,
        cost_at_list,
        usage.amount as consumed_quantity,
        usage.amount_in_pricing_units as pricing_quantity,
        credits,

        ---------- timestamps (UTC; periods start inclusive, end exclusive)
        usage_start_time as charge_period_start,
        coalesce(usage_end_time, {{ dbt.dateadd('hour', 1, 'usage_start_time') }}) as charge_period_end,
        coalesce(
            cast({{ dbt.concat(['substring(invoice.month, 1, 4)', "'-'", 'substring(invoice.month, 5, 2)', "'-01'"]) }} as {{ dbt.type_timestamp() }}),
            {{ dbt.date_trunc('month', 'usage_start_time') }}
        ) as billing_period_start,

        ---------- lineage
        'gcp_billing_export' as x_source_format,
        _location as x_source_file,
        _line as x_source_line,
        _location,
        _line

    from source

),

periods as (

    select *, {{ dbt.dateadd('month', 1, 'billing_period_start') }} as billing_period_end from renamed

),

usage_lines as (

    select
        {{ cost_line_id('gcp_billing') }} as cost_line_id,
        {% for c in shared %}{{ c }}, {% endfor %}
        usage_charge_category as charge_category,
        'Usage-Based' as charge_frequency,
        sku_meter as charge_description,
        cast(null as {{ dbt.type_string() }}) as pricing_category,
        pricing_unit,
        consumed_unit,
        cast(null as {{ dbt.type_string() }}) as x_credit_type,
        cost as billed_cost,
        cost as effective_cost,
        coalesce(cost_at_list, cost) as list_cost,
        cost as contracted_cost,
        consumed_quantity,
        pricing_quantity,
        cast(null as {{ money_type() }}) as list_unit_price,
        cast(null as {{ money_type() }}) as contracted_unit_price
    from periods

),

credits as (

    select periods.*, {{ list_unnested('credits') }} as credit from periods

),

credit_lines as (

    select
        {{ cost_line_id('gcp_billing', dbt.concat(["coalesce(credit.type, '')", "coalesce(credit.id, '')",
            "coalesce(credit.name, '')", dbt.safe_cast('credit.amount', dbt.type_string())])) }} as cost_line_id,
        {% for c in shared %}{{ c }}, {% endfor %}
        'Credit' as charge_category,
        'Usage-Based' as charge_frequency,
        coalesce(credit.full_name, credit.name) as charge_description,
        cast(null as {{ dbt.type_string() }}) as pricing_category,
        cast(null as {{ dbt.type_string() }}) as pricing_unit,
        cast(null as {{ dbt.type_string() }}) as consumed_unit,
        credit.type as x_credit_type,
        credit.amount as billed_cost,
        credit.amount as effective_cost,
        cast(0 as {{ money_type() }}) as list_cost,
        cast(0 as {{ money_type() }}) as contracted_cost,
        cast(null as {{ money_type() }}) as consumed_quantity,
        cast(null as {{ money_type() }}) as pricing_quantity,
        cast(null as {{ money_type() }}) as list_unit_price,
        cast(null as {{ money_type() }}) as contracted_unit_price
    from credits

)

select * from usage_lines
union all
select * from credit_lines
