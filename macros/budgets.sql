{#- Budgets: whether a spend row (alias `r`, with team_id, feature_id, model_id and the provider columns listed in
    `providers`) is in the scope of budget `b` (scope_type global / team / feature / model / provider). A provider
    budget matches any of `providers` case-insensitively (e.g. the LLM route openai or the cloud aws). -#}
{% macro budget_scope_matches(b, r, providers) -%}
    ({{ b }}.scope_type = 'global'
        or ({{ b }}.scope_type = 'team' and {{ r }}.team_id = {{ b }}.scope_value)
        or ({{ b }}.scope_type = 'feature' and {{ r }}.feature_id = {{ b }}.scope_value)
        or ({{ b }}.scope_type = 'model' and {{ r }}.model_id = {{ b }}.scope_value)
        or ({{ b }}.scope_type = 'provider' and lower({{ b }}.scope_value) in (
            {%- for p in providers %}lower({{ r }}.{{ p }}){{ ', ' if not loop.last }}{% endfor %})))
{%- endmacro %}

{#- The tier of `pct` (percent) against thresholds: a list of (tier name, threshold column), highest first. -#}
{% macro tier_of(pct, thresholds) -%}
    case
        {%- for name, threshold in thresholds %}
        when {{ pct }} >= {{ threshold }} then '{{ name }}'
        {%- endfor %}
        else 'none'
    end
{%- endmacro %}

{#- The first day of the budget period (monthly or quarterly) that holds `day`. -#}
{% macro budget_period_start(period_type, day) -%}
    case when {{ period_type }} = 'quarterly'
        then cast({{ dbt.date_trunc('quarter', day) }} as date)
        else cast({{ dbt.date_trunc('month', day) }} as date) end
{%- endmacro %}

{#- The day after the budget period starting `start` (period end, exclusive). -#}
{% macro budget_period_end(period_type, start) -%}
    case when {{ period_type }} = 'quarterly'
        then cast({{ dbt.dateadd('month', 3, start) }} as date)
        else cast({{ dbt.dateadd('month', 1, start) }} as date) end
{%- endmacro %}

{#- The budgets' as-of day: var('as_of_date'), else the last day with data (a date expression). -#}
{% macro budget_as_of_date() -%}
    {%- if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (select max(charge_date) from {{ ref('int_budget_spend_daily') }})
    {%- endif -%}
{%- endmacro %}
