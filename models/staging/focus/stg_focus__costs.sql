-- FOCUS rows in snake_case FOCUS 1.2 columns: enumerations in FOCUS's spelling whatever the export wrote
-- (`Usage-based`, `usage`), tags as JSON text, provider extension columns as `x_` columns.

with

source as (

    {{ latest_raw_rows(source('focus', 'focus_costs')) }}

),

renamed as (

    select

        ----------  ids
        {{ cost_line_id('focus') }} as cost_line_id,
        BillingAccountId as billing_account_id,
        SubAccountId as sub_account_id,
        ResourceId as resource_id,
        SkuId as sku_id,
        SkuPriceId as sku_price_id,
        InvoiceId as invoice_id,
        CommitmentDiscountId as commitment_discount_id,

        ---------- strings
        {{ cloud_provider_code('ProviderName') }} as cloud_provider,
        ProviderName as provider_name,
        PublisherName as publisher_name,
        InvoiceIssuerName as invoice_issuer_name,
        BillingAccountName as billing_account_name,
        SubAccountName as sub_account_name,
        ResourceName as resource_name,
        ResourceType as resource_type,
        RegionId as region_id,
        RegionName as region_name,
        AvailabilityZone as availability_zone,
        ServiceName as service_name,
        ServiceCategory as service_category,
        ServiceSubcategory as service_subcategory,
        {{ focus_enum('ChargeCategory', ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']) }} as charge_category,
        {{ focus_enum('ChargeClass', ['Correction']) }} as charge_class,
        {{ focus_enum('ChargeFrequency', ['One-Time', 'Recurring', 'Usage-Based']) }} as charge_frequency,
        ChargeDescription as charge_description,
        {{ focus_enum('PricingCategory', ['Standard', 'Dynamic', 'Committed', 'Other']) }} as pricing_category,
        PricingUnit as pricing_unit,
        ConsumedUnit as consumed_unit,
        coalesce(SkuMeter, x_SkuMeterName) as sku_meter,
        BillingCurrency as billing_currency,
        cast(Tags as {{ dbt.type_string() }}) as tags,
        x_UsageType as x_usage_type,
        x_Operation as x_operation,
        coalesce(x_ServiceCode, x_ServiceId) as x_service_code,
        x_SkuMeterCategory as x_sku_meter_category,
        x_SkuMeterSubcategory as x_sku_meter_subcategory,
        x_SkuDescription as x_sku_description,
        x_ResourceGroupName as x_resource_group,
        x_CreditType as x_credit_type,

        ---------- numerics: money in the billing currency
        BilledCost as billed_cost,
        EffectiveCost as effective_cost,
        coalesce(ListCost, BilledCost) as list_cost,
        coalesce(ContractedCost, BilledCost) as contracted_cost,
        ConsumedQuantity as consumed_quantity,
        PricingQuantity as pricing_quantity,
        ListUnitPrice as list_unit_price,
        ContractedUnitPrice as contracted_unit_price,

        ---------- timestamps (UTC; periods start inclusive, end exclusive)
        ChargePeriodStart as charge_period_start,
        coalesce(ChargePeriodEnd, {{ dbt.dateadd('day', 1, 'ChargePeriodStart') }}) as charge_period_end,
        BillingPeriodStart as billing_period_start,
        coalesce(BillingPeriodEnd, {{ dbt.dateadd('month', 1, 'BillingPeriodStart') }}) as billing_period_end,

        ---------- lineage
        'focus' as x_source_format,
        _location as x_source_file,
        _line as x_source_line

    from source

)

select * from renamed
