-- Budget status per budget period as of the as-of day (var as_of_date, else the last day with data): spend to
-- date, the seasonality-aware forecast of the spend at period end (actual + fct_budget_daily's forecast of the
-- days left), percent used and forecast (70 = 70 %), the tier reached and forecast (warning / critical /
-- emergency at the budget's thresholds), the projected breach date (first day the cumulative actual + forecast
-- spend reaches the amount; null when it is not forecast to), and the token quota status (warn / soft_limit /
-- hard_limit at 80 / 100 / 120 % of the quota by default).

with

budgets as (select * from {{ ref('stg_company__budgets') }}),

daily as (select * from {{ ref('fct_budget_daily') }}),

periods as (

    select budget_id, period_start, period_end, as_of_date,
        sum(coalesce(actual_spend, 0)) as spend_to_date,
        sum(coalesce(actual_spend, forecast_spend, 0)) as forecast_spend,
        sum(coalesce(actual_tokens, 0)) as tokens_to_date,
        sum(coalesce(actual_tokens, forecast_tokens, 0)) as forecast_tokens,
        sum(case when actual_spend is not null then 1 else 0 end) as days_elapsed,
        count(*) as days_in_period
    from daily
    group by budget_id, period_start, period_end, as_of_date

),

breaches as (

    select d.budget_id, d.period_start, min(d.charge_date) as projected_breach_date
    from daily as d
    inner join budgets as b on d.budget_id = b.budget_id
    where d.cumulative_spend >= b.amount and b.amount > 0
    group by d.budget_id, d.period_start

),

status as (

    select
        p.*,
        b.budget_name, b.scope_type, b.scope_value, b.period_type, b.basis, b.billing_currency, b.amount,
        b.warning_pct, b.critical_pct, b.emergency_pct, b.token_quota, b.quota_warn_pct, b.quota_soft_limit_pct,
        b.quota_hard_limit_pct,
        100 * cast(p.spend_to_date as double) / nullif(cast(b.amount as double), 0) as pct_used,
        100 * cast(p.forecast_spend as double) / nullif(cast(b.amount as double), 0) as forecast_pct,
        100 * cast(p.tokens_to_date as double) / nullif(b.token_quota, 0) as quota_pct,
        100 * cast(p.forecast_tokens as double) / nullif(b.token_quota, 0) as forecast_quota_pct,
        x.projected_breach_date
    from periods as p
    inner join budgets as b on p.budget_id = b.budget_id
    left join breaches as x on p.budget_id = x.budget_id and p.period_start = x.period_start

)

{%- set spend_tiers = [('emergency', 'emergency_pct'), ('critical', 'critical_pct'), ('warning', 'warning_pct')] %}
{%- set quota_tiers = [('hard_limit', 'quota_hard_limit_pct'), ('soft_limit', 'quota_soft_limit_pct'), ('warn', 'quota_warn_pct')] %}

select
    ----------  ids
    {{ grain_key(['budget_id', 'period_start']) }} as budget_status_id,
    budget_id,

    ---------- strings
    scope_type,
    scope_value,
    budget_name,
    period_type,
    basis,
    billing_currency,
    {{ tier_of('pct_used', spend_tiers) }} as tier_reached,
    {{ tier_of('forecast_pct', spend_tiers) }} as forecast_tier,
    case when token_quota is null then 'none' else {{ tier_of('quota_pct', quota_tiers) }} end as quota_tier,
    case when token_quota is null then 'none' else {{ tier_of('forecast_quota_pct', quota_tiers) }} end as forecast_quota_tier,

    ---------- numerics: money (USD), percents (70 = 70 %), tokens, days
    {%- set casts = [
        (['amount', 'spend_to_date', 'forecast_spend'], money_type()),
        (['pct_used', 'forecast_pct', 'warning_pct', 'critical_pct', 'emergency_pct', 'quota_pct', 'forecast_quota_pct',
          'quota_warn_pct', 'quota_soft_limit_pct', 'quota_hard_limit_pct'], "double"),
        (['token_quota', 'tokens_to_date', 'forecast_tokens'], dbt.type_bigint()),
        (['days_elapsed', 'days_in_period'], dbt.type_int())] %}
    {%- for columns, type in casts %}{% for c in columns %}
    cast({{ c }} as {{ type }}) as {{ c }},
    {%- endfor %}{% endfor %}

    ---------- booleans
    as_of_date < period_end and as_of_date >= period_start as is_current_period,

    ---------- dates (UTC)
    period_start,
    period_end,
    as_of_date,
    projected_breach_date

from status
