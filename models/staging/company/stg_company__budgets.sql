with

source as (

    select * from {{ ref('budgets') }}

),

renamed as (

    select

        ----------  ids
        budget_id,

        ---------- strings
        budget_name,
        lower(scope_type) as scope_type,
        scope_value,
        lower(period) as period_type,
        basis,
        currency as billing_currency,

        ---------- numerics: money, percents (70 = 70 %), tokens
        amount_usd as amount,
        coalesce(warning_pct, 70) as warning_pct,
        coalesce(critical_pct, 90) as critical_pct,
        coalesce(emergency_pct, 100) as emergency_pct,
        token_quota,
        coalesce(quota_warn_pct, 80) as quota_warn_pct,
        coalesce(quota_soft_limit_pct, 100) as quota_soft_limit_pct,
        coalesce(quota_hard_limit_pct, 120) as quota_hard_limit_pct

    from source

)

select * from renamed
