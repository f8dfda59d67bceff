{#- First UTC day an incremental run of the current model re-processes, as a timestamp literal (a literal, not a
    subquery, so the engine can push the day filter down to the raw-table scans), minus `extra_days`.
    `burnrate build` passes rebuild_from() (below): per source `family` ('llm', 'dcgm'), the first day of the raw rows
    ingested since the warehouse's last complete build (burnrate/build.py). The run then re-processes from that
    day — one new day and the day its late updates touched, however late they came — or from the day after the
    last one the model holds, if that is earlier. Without it (dbt run by hand), the last day the model holds
    minus `incremental_lookback_days`. -#}
{% macro incremental_cutoff(day_column='request_date', extra_days=0, family='llm') %}
    {% set changed = rebuild_from().get(family) %}
    {% if changed %}
        {% set first = "least(cast('" ~ changed ~ "' as date), cast(" ~ dbt.dateadd('day', 1, 'max(' ~ day_column ~ ')') ~ " as date))" %}
        {% set sql = "select cast(" ~ dbt.dateadd('day', -extra_days, first) ~ " as date) from " ~ this %}
    {% else %}
        {% set sql = "select cast(" ~ dbt.dateadd('day', -var('incremental_lookback_days') - extra_days, 'max(' ~ day_column ~ ')')
            ~ " as date) from " ~ this %}
    {% endif %}
    {% set result = run_query(sql) %}
    {% set day = result.columns[0].values()[0] if execute else none %}
    {{ return("cast('" ~ (day or '1970-01-01') ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{% endmacro %}

{#- What `burnrate build` passed as BURNRATE_REBUILD_FROM (burnrate/build_state.py): per source family, the first
    day a daily build re-processes; empty when dbt runs without it. An environment variable read when a model
    runs, not a dbt var: a var that changes every day would make dbt re-parse the whole project every day. -#}
{% macro rebuild_from() %}
    {{ return(fromjson(env_var('BURNRATE_REBUILD_FROM', '') or '{}')) }}
{% endmacro %}

{#- Config of an incremental model whose runs replace every row of the `key` values they re-process (a day, a
    usage key): delete+insert by the key on DuckDB; on Spark (no delete without Delta/Iceberg) the table is
    partitioned by the key and a run overwrites the partitions it produces (insert_overwrite), which is the same.
    Use as `config(materialized='incremental', **replace_by_key('request_date'))`. -#}
{% macro replace_by_key(key) %}
    {{ return(adapter.dispatch('replace_by_key', 'burnrate')(key)) }}
{% endmacro %}

{% macro default__replace_by_key(key) %}
    {{ return({'unique_key': key, 'incremental_strategy': 'delete+insert'}) }}
{% endmacro %}

{% macro spark__replace_by_key(key) %}
    {{ return({'unique_key': key, 'incremental_strategy': 'insert_overwrite', 'partition_by': [key],
               'file_format': 'parquet'}) }}
{% endmacro %}
