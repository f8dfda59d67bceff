{#- The measure columns of the reconciliation marts (fct_reconciliation_daily / _monthly), from the summed
    columns of the same names: requests and tokens as bigint, money as the money type, coverage, untracked share
    and realized discount as shares (0-1, null without billed tokens / list cost). -#}
{% macro reconciliation_measures() -%}
    {%- for c in ['logged_requests', 'logged_tokens', 'billed_tokens'] %}
    cast({{ c }} as {{ dbt.type_bigint() }}) as {{ c }},
    {%- endfor %}
    cast(round(untracked_tokens) as {{ dbt.type_bigint() }}) as untracked_tokens,
    {%- for c in ['logged_list_cost', 'logged_effective_cost', 'billed_list_cost', 'billed_cost',
                  'billed_effective_cost', 'untracked_cost'] %}
    cast({{ c }} as {{ money_type() }}) as {{ c }},
    {%- endfor %}
    {%- set f = 'double' %}
    cast(logged_tokens as {{ f }}) / nullif(cast(billed_tokens as {{ f }}), 0) as token_coverage,
    cast(untracked_tokens as {{ f }}) / nullif(cast(billed_tokens as {{ f }}), 0) as untracked_share,
    1 - cast(billed_cost as {{ f }}) / nullif(cast(billed_list_cost as {{ f }}), 0) as realized_discount
{%- endmacro %}
