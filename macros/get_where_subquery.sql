{#- The relation a generic data test reads (dbt's own macro, overridden). Every data test's `where` is
    `__incremental_days__` (dbt_project.yml): on an incremental run, the tests of a model incremental by day
    (delete+insert with a `_date` unique_key) check only the days the run rebuilt — from var('rebuild_from') when
    `burnrate build` passes it, else its last `incremental_lookback_days` + 1 days — so a daily build does not
    re-scan months of unchanged rows; a full refresh, and the tests of every other model, read everything. Any other `where` is applied as dbt does. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where == '__incremental_days__' -%}
        {%- set where = incremental_test_window(relation) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return("(select * from " ~ relation ~ " where " ~ where ~ ") dbt_subquery") -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The day filter on the tested model `relation` for an incremental run (see get_where_subquery), or none. -#}
{% macro incremental_test_window(relation) %}
    {%- if flags.FULL_REFRESH or not execute -%}{%- do return(none) -%}{%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- if tested is none or tested.config.materialized != 'incremental' -%}{%- do return(none) -%}{%- endif -%}
    {%- set day = tested.config.unique_key -%}
    {%- if day is not string or not day.endswith('_date') -%}{%- do return(none) -%}{%- endif -%}
    {%- set rebuild_from = var('rebuild_from', {}) -%}
    {%- if rebuild_from -%}
        {#- the days a `burnrate build` re-processed (macros/incremental.sql), the earliest family's -#}
        {%- do return(day ~ " >= cast('" ~ (rebuild_from.values() | min) ~ "' as date)") -%}
    {%- endif -%}
    {%- set result = run_query(
        "select cast(" ~ dbt.dateadd('day', -var('incremental_lookback_days') - 1, 'max(' ~ day ~ ')')
        ~ " as date) from " ~ relation
    ) -%}
    {%- set first_day = result.columns[0].values()[0] -%}
    {%- if first_day is none -%}{%- do return(none) -%}{%- endif -%}
    {%- do return(day ~ " >= cast('" ~ first_day ~ "' as date)") -%}
{% endmacro %}
