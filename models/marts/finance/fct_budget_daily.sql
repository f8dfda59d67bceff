-- Each budget period's days (periods with data up to the as-of day): actual spend and tokens on days up to
-- the as-of day (var as_of_date, else the last day with data), a forecast on the current period's days after
-- it. Forecast (seasonality-aware, not a straight line from day 1): a day's spend = the average spend on the
-- same weekday over the trailing 4 weeks of data ending on the as-of day (the average of every day when that
-- weekday has not been seen yet) × a trend factor = last 7 days' average / trailing 4 weeks' average, clamped to
-- [0.5, 2], used once at least 14 days of history exist (else 1). Tokens are forecast the same way.

{%- set as_of = budget_as_of_date() %}

with

budgets as (select * from {{ ref('stg_company__budgets') }}),
spend as (select * from {{ ref('int_budget_spend_daily') }}),

as_of as (

    select {{ as_of }} as as_of_date

),

digits as (

    {% for d in range(10) %}select {{ d }} as n{{ ' union all ' if not loop.last }}{% endfor %}

),

periods as (

    select distinct b.budget_id, b.period_type,
        {{ budget_period_start('b.period_type', 's.charge_date') }} as period_start
    from spend as s
    inner join budgets as b on s.budget_id = b.budget_id
    cross join as_of as a
    where s.charge_date <= a.as_of_date

),

days as (

    select p.budget_id, p.period_type, p.period_start, {{ budget_period_end('p.period_type', 'p.period_start') }} as period_end,
        cast({{ dbt.dateadd('day', 'tens.n * 10 + ones.n', 'p.period_start') }} as date) as charge_date
    from periods as p
    cross join digits as tens
    cross join digits as ones

),

history as (

    -- the trailing 4 weeks of data ending on the as-of day
    select s.budget_id, s.charge_date, s.spend, s.tokens,
        case when s.charge_date > {{ dbt.dateadd('day', -7, 'a.as_of_date') }} then 1 else 0 end as is_last_week
    from spend as s
    cross join as_of as a
    where s.charge_date <= a.as_of_date and s.charge_date > {{ dbt.dateadd('day', -28, 'a.as_of_date') }}

),

trend as (

    select budget_id,
        avg(spend) as avg_spend,
        avg(tokens) as avg_tokens,
        {% for m in ['spend', 'tokens'] -%}
        case when count(*) >= 14 and avg({{ m }}) > 0
            then least(greatest(
                cast(sum(case when is_last_week = 1 then {{ m }} else 0 end) as double)
                    / nullif(sum(is_last_week), 0) / cast(avg({{ m }}) as double),
                0.5), 2.0)
            else 1.0 end as {{ m }}_trend{{ ',' if not loop.last }}
        {% endfor %}
    from history
    group by budget_id  -- the trend is a ratio: a float (decimal ÷ decimal overflows Spark's exact decimals)

),

future as (

    -- the current period's days after the as-of day, with the same weekday's history
    select d.budget_id, d.charge_date,
        avg(h.spend) as weekday_spend,
        avg(h.tokens) as weekday_tokens
    from days as d
    cross join as_of as a
    left join history as h
        on d.budget_id = h.budget_id and mod({{ dbt.datediff('h.charge_date', 'd.charge_date', 'day') }}, 7) = 0
    where d.charge_date < d.period_end and d.charge_date > a.as_of_date
        and d.period_start = {{ budget_period_start('d.period_type', 'a.as_of_date') }}
    group by d.budget_id, d.charge_date

),

joined as (

    select
        d.budget_id, d.period_start, d.period_end, d.charge_date, a.as_of_date,
        case when d.charge_date <= a.as_of_date then coalesce(s.spend, 0) end as actual_spend,
        case when d.charge_date <= a.as_of_date then coalesce(s.tokens, 0) end as actual_tokens,
        coalesce(f.weekday_spend, t.avg_spend) * t.spend_trend as forecast_spend,
        coalesce(f.weekday_tokens, t.avg_tokens) * t.tokens_trend as forecast_tokens,
        f.budget_id is not null as is_forecast
    from days as d
    cross join as_of as a
    left join spend as s on d.budget_id = s.budget_id and d.charge_date = s.charge_date
    left join future as f on d.budget_id = f.budget_id and d.charge_date = f.charge_date
    left join trend as t on d.budget_id = t.budget_id
    where d.charge_date < d.period_end

)

select
    ----------  ids
    {{ grain_key(['budget_id', 'charge_date']) }} as budget_day_id,
    budget_id,

    ---------- numerics: money (USD) and tokens
    cast(actual_spend as {{ money_type() }}) as actual_spend,
    cast(case when is_forecast then forecast_spend end as {{ money_type() }}) as forecast_spend,
    cast(case when actual_spend is not null then sum(actual_spend) over (partition by budget_id, period_start
        order by charge_date rows between unbounded preceding and current row) end as {{ money_type() }})
        as cumulative_actual_spend,
    cast(sum(coalesce(actual_spend, case when is_forecast then forecast_spend end, 0)) over (
        partition by budget_id, period_start order by charge_date rows between unbounded preceding and current row)
        as {{ money_type() }}) as cumulative_spend,
    cast(actual_tokens as {{ dbt.type_bigint() }}) as actual_tokens,
    cast(case when is_forecast then round(forecast_tokens) end as {{ dbt.type_bigint() }}) as forecast_tokens,
    cast(sum(coalesce(actual_tokens, case when is_forecast then round(forecast_tokens) end, 0)) over (
        partition by budget_id, period_start order by charge_date rows between unbounded preceding and current row)
        as {{ dbt.type_bigint() }}) as cumulative_tokens,

    ---------- booleans
    is_forecast,

    ---------- dates (UTC)
    period_start,
    period_end,
    charge_date,
    as_of_date

from joined
