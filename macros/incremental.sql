{#- First UTC day an incremental run of the current model re-processes: the last day it holds minus
    `incremental_lookback_days` (and `extra_days`), as a timestamp literal. Read when the model runs (a literal, not a subquery,
    so the engine can push the day filter down to the raw-table scans). -#}
{% macro incremental_cutoff(day_column='request_date', extra_days=0) %}
    {% set result = run_query(
        "select cast(" ~ dbt.dateadd('day', -var('incremental_lookback_days') - extra_days, 'max(' ~ day_column ~ ')')
        ~ " as date) from " ~ this
    ) %}
    {% set day = result.columns[0].values()[0] if execute else none %}
    {{ return("cast('" ~ (day or '1970-01-01') ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
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
