{#- The relation a generic data test reads (dbt's own macro, overridden). Every data test's `where` is
    `__incremental_days__` (dbt_project.yml): on an incremental run, the tests of a model incremental by day
    (delete+insert with a `_date` unique_key) check only the days the run rebuilt — from rebuild_from() (macros/incremental.sql) when
    `burnrate build` passes it, else its last `incremental_lookback_days` + 1 days — so a daily build does not
    re-scan months of unchanged rows. So are those of the LLM log staging views (config meta `daily_tests_on`:
    the request time the daily build's day filter reads them by) when `burnrate build` passes rebuild_from().
    A full refresh, and the tests of every other model, read everything. Any other `where` is applied as dbt does. -#}
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
    {%- if tested is none -%}{%- do return(none) -%}{%- endif -%}
    {#- the days a `burnrate build` re-processed (macros/incremental.sql), the earliest family's -#}
    {%- set first_rebuilt = rebuild_from().values() | min if rebuild_from() else none -%}
    {%- set read_by = (tested.config.meta or {}).get('daily_tests_on') -%}
    {%- if read_by and first_rebuilt -%}
        {#- a log staging view (meta daily_tests_on: its request time): the rows of the days a daily build read -#}
        {%- do return(read_by ~ " >= cast('" ~ first_rebuilt ~ "' as date)") -%}
    {%- endif -%}
    {%- if tested.config.materialized != 'incremental' -%}{%- do return(none) -%}{%- endif -%}
    {%- set day = tested.config.unique_key -%}
    {%- if day is not string or not day.endswith('_date') -%}{%- do return(none) -%}{%- endif -%}
    {%- if first_rebuilt -%}
        {%- do return(day ~ " >= cast('" ~ first_rebuilt ~ "' as date)") -%}
    {%- endif -%}
    {%- set result = run_query(
        "select cast(" ~ dbt.dateadd('day', -var('incremental_lookback_days') - 1, 'max(' ~ day ~ ')')
        ~ " as date) from " ~ relation
    ) -%}
    {%- set first_day = result.columns[0].values()[0] -%}
    {%- if first_day is none -%}{%- do return(none) -%}{%- endif -%}
    {%- do return(day ~ " >= cast('" ~ first_day ~ "' as date)") -%}
{% endmacro %}
