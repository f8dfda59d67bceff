-- Azure cost details (EA and MCA, actual and amortized views) in FOCUS 1.2 columns, as Microsoft's FOCUS
-- mapping reads them: the cost column is BilledCost in the actual view and EffectiveCost in the amortized
-- view. The actual view has no amortization (effective = billed); the amortized view has no invoice amounts
-- (billed = effective, except commitment-covered usage and unused commitment, billed at purchase: 0).
-- The two views are the same charges twice: int_cloud_costs_deduplicated keeps one.

with

source as (

    {{ latest_raw_rows(source('azure_costs', 'azure_costs')) }}

),

typed as (

    select
        *,
        coalesce(CostInBillingCurrency, Cost, PreTaxCost) as cost_amount,
        coalesce(Date, ServicePeriodStartDate) as charge_day,
        coalesce(BillingPeriodStartDate, {{ dbt.date_trunc('month', 'Date') }}) as period_start,
        (_cost_view = 'amortized' and (PricingModel in ('Reservation', 'SavingsPlan') and ChargeType = 'Usage'
            or ChargeType in ('UnusedReservation', 'UnusedSavingsPlan'))) as is_billed_at_purchase
    from source

),

renamed as (

    select

        ----------  ids
        {{ cost_line_id('azure_costs') }} as cost_line_id,
        coalesce(BillingAccountId, BillingProfileId) as billing_account_id,
        SubscriptionId as sub_account_id,
        ResourceId as resource_id,
        coalesce(ProductId, PartNumber) as sku_id,
        MeterId as sku_price_id,
        InvoiceId as invoice_id,
        coalesce(benefitId, ReservationId) as commitment_discount_id,

        ---------- strings
        'azure' as cloud_provider,
        'Microsoft' as provider_name,
        coalesce(PublisherName, 'Microsoft') as publisher_name,
        'Microsoft' as invoice_issuer_name,
        coalesce(BillingAccountName, BillingProfileName) as billing_account_name,
        SubscriptionName as sub_account_name,
        ResourceName as resource_name,
        cast(null as {{ dbt.type_string() }}) as resource_type,
        lower(replace(coalesce(ResourceLocation, Location, MeterRegion), ' ', '')) as region_id,
        coalesce(ResourceLocation, Location, MeterRegion) as region_name,
        AvailabilityZone as availability_zone,
        case when MeterSubCategory = 'Azure OpenAI' then MeterSubCategory else coalesce(MeterCategory, ConsumedService) end as service_name,
        cast(null as {{ dbt.type_string() }}) as service_category,
        cast(null as {{ dbt.type_string() }}) as service_subcategory,
        case ChargeType
            when 'Usage' then 'Usage' when 'UnusedReservation' then 'Usage' when 'UnusedSavingsPlan' then 'Usage'
            when 'Purchase' then 'Purchase' when 'Tax' then 'Tax' when 'Refund' then 'Credit'
            else 'Adjustment'
        end as charge_category,
        cast(null as {{ dbt.type_string() }}) as charge_class,
        {{ focus_enum('Frequency', ['One-Time', 'Recurring', 'Usage-Based']) }} as charge_frequency,
        coalesce(Product, ProductName) as charge_description,
        case PricingModel when 'OnDemand' then 'Standard' when 'Spot' then 'Dynamic'
            when 'Reservation' then 'Committed' when 'SavingsPlan' then 'Committed' end as pricing_category,
        UnitOfMeasure as pricing_unit,
        UnitOfMeasure as consumed_unit,
        MeterName as sku_meter,
        coalesce(BillingCurrency, BillingCurrencyCode) as billing_currency,
        cast(Tags as {{ dbt.type_string() }}) as tags,
        cast(null as {{ dbt.type_string() }}) as x_usage_type,
        cast(null as {{ dbt.type_string() }}) as x_operation,
        ConsumedService as x_service_code,
        MeterCategory as x_sku_meter_category,
        MeterSubCategory as x_sku_meter_subcategory,
        Product as x_sku_description,
        coalesce(ResourceGroup, ResourceGroupName) as x_resource_group,
        case when ChargeType = 'Refund' then ChargeType end as x_credit_type,

        ---------- numerics: money in the billing currency
        case when is_billed_at_purchase then 0 else cost_amount end as billed_cost,
        cost_amount as effective_cost,
        cast(coalesce(PaygCostInBillingCurrency, PayGPrice * Quantity, cost_amount) as {{ money_type() }}) as list_cost,
        cast(coalesce(UnitPrice * Quantity, cost_amount) as {{ money_type() }}) as contracted_cost,
        Quantity as consumed_quantity,
        Quantity as pricing_quantity,
        PayGPrice as list_unit_price,
        UnitPrice as contracted_unit_price,

        ---------- timestamps (UTC; periods start inclusive, end exclusive: Azure's end dates are inclusive)
        charge_day as charge_period_start,
        {{ dbt.dateadd('day', 1, 'charge_day') }} as charge_period_end,
        period_start as billing_period_start,
        coalesce({{ dbt.dateadd('day', 1, 'BillingPeriodEndDate') }}, {{ dbt.dateadd('month', 1, 'period_start') }}) as billing_period_end,

        ---------- lineage
        {{ dbt.concat(["'azure_'", "coalesce(_cost_view, 'actual')"]) }} as x_source_format,
        _location as x_source_file,
        _line as x_source_line

    from typed

)

select * from renamed
