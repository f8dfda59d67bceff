-- AWS CUR 2.0 and legacy CUR line items in FOCUS 1.2 columns, as AWS's own FOCUS export maps them:
-- billed = net unblended cost where AWS computed it (negotiated discounts applied), else unblended; list =
-- public on-demand cost; effective = the amortized cost (Savings Plan / RI covered usage at its effective
-- cost, unused commitment on the fee line, upfront purchases 0).

with

source as (

    {{ latest_raw_rows(source('aws_cur', 'aws_cur')) }}

),

typed as (

    select
        *,
        coalesce(line_item_net_unblended_cost, line_item_unblended_cost) as billed,
        case
            when line_item_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') then 'Usage'
            when line_item_line_item_type = 'Tax' then 'Tax'
            when line_item_line_item_type in ('Fee', 'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') then 'Purchase'
            when line_item_line_item_type in ('Credit', 'Refund', 'EdpDiscount', 'PrivateRateDiscount',
                'BundledDiscount', 'Discount', 'SavingsPlanNegation', 'DistributorDiscount') then 'Credit'
            else 'Adjustment'
        end as category
    from source

),

renamed as (

    select

        ----------  ids
        {{ cost_line_id('aws_cur') }} as cost_line_id,
        bill_payer_account_id as billing_account_id,
        line_item_usage_account_id as sub_account_id,
        nullif(line_item_resource_id, '') as resource_id,
        {{ json_text('product', 'sku') }} as sku_id,
        pricing_rate_id as sku_price_id,
        bill_invoice_id as invoice_id,
        coalesce(savings_plan_savings_plan_a_r_n, reservation_reservation_a_r_n) as commitment_discount_id,

        ---------- strings
        'aws' as cloud_provider,
        'AWS' as provider_name,
        coalesce(bill_billing_entity, 'AWS') as publisher_name,
        coalesce(bill_invoicing_entity, 'AWS') as invoice_issuer_name,
        bill_payer_account_name as billing_account_name,
        line_item_usage_account_name as sub_account_name,
        cast(null as {{ dbt.type_string() }}) as resource_name,
        cast(null as {{ dbt.type_string() }}) as resource_type,
        coalesce(product_region_code, {{ json_text('product', 'region') }}) as region_id,
        coalesce(product_region_code, {{ json_text('product', 'region') }}) as region_name,
        nullif(line_item_availability_zone, '') as availability_zone,
        coalesce({{ json_text('product', 'product_name') }}, product_servicecode, line_item_product_code) as service_name,
        cast(null as {{ dbt.type_string() }}) as service_category,
        cast(null as {{ dbt.type_string() }}) as service_subcategory,
        category as charge_category,
        cast(null as {{ dbt.type_string() }}) as charge_class,
        case
            when line_item_line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
            when line_item_line_item_type in ('Fee', 'SavingsPlanUpfrontFee') then 'One-Time'
            else 'Usage-Based'
        end as charge_frequency,
        line_item_line_item_description as charge_description,
        case
            when line_item_line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage') then 'Committed'
            when lower(pricing_term) = 'spot' then 'Dynamic'
            when lower(pricing_term) = 'ondemand' then 'Standard'
        end as pricing_category,
        pricing_unit,
        pricing_unit as consumed_unit,
        line_item_usage_type as sku_meter,
        line_item_currency_code as billing_currency,
        cast(resource_tags as {{ dbt.type_string() }}) as tags,
        line_item_usage_type as x_usage_type,
        nullif(line_item_operation, '') as x_operation,
        line_item_product_code as x_service_code,
        cast(null as {{ dbt.type_string() }}) as x_sku_meter_category,
        cast(null as {{ dbt.type_string() }}) as x_sku_meter_subcategory,
        cast(null as {{ dbt.type_string() }}) as x_sku_description,
        cast(null as {{ dbt.type_string() }}) as x_resource_group,
        case when category = 'Credit' then line_item_line_item_type end as x_credit_type,

        ---------- numerics: money in the billing currency
        billed as billed_cost,
        case line_item_line_item_type
            when 'SavingsPlanCoveredUsage' then savings_plan_savings_plan_effective_cost
            when 'SavingsPlanRecurringFee' then savings_plan_total_commitment_to_date - savings_plan_used_commitment
            when 'SavingsPlanNegation' then 0
            when 'SavingsPlanUpfrontFee' then 0
            when 'DiscountedUsage' then reservation_effective_cost
            when 'RIFee' then coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0)
                + coalesce(reservation_unused_recurring_fee, 0)
            else case when line_item_line_item_type = 'Fee' and reservation_reservation_a_r_n is not null then 0 else billed end
        end as effective_cost,
        coalesce(pricing_public_on_demand_cost, case when category = 'Credit' then 0 else billed end) as list_cost,
        billed as contracted_cost,
        line_item_usage_amount as consumed_quantity,
        line_item_usage_amount as pricing_quantity,
        {{ dbt.safe_cast('pricing_public_on_demand_rate', money_type()) }} as list_unit_price,
        {{ dbt.safe_cast('coalesce(line_item_net_unblended_rate, line_item_unblended_rate)', money_type()) }} as contracted_unit_price,

        ---------- timestamps (UTC; periods start inclusive, end exclusive)
        line_item_usage_start_date as charge_period_start,
        coalesce(line_item_usage_end_date, {{ dbt.dateadd('hour', 1, 'line_item_usage_start_date') }}) as charge_period_end,
        bill_billing_period_start_date as billing_period_start,
        coalesce(bill_billing_period_end_date, {{ dbt.dateadd('month', 1, 'bill_billing_period_start_date') }}) as billing_period_end,

        ---------- lineage
        case when _format = 'legacy' then 'aws_cur_legacy' else 'aws_cur2' end as x_source_format,
        _location as x_source_file,
        _line as x_source_line

    from typed

)

select * from renamed
