{#- Engine-specific expressions, each behind one dispatched macro: `default__` is Spark SQL (the `spark` targets
    and Databricks), `duckdb__` DuckDB's, `spark__` where Spark needs more than the default. Everything else in
    the models is plain SQL or dbt's cross-database macros; tests/spark builds every mart on both engines. -#}

{#- The text value of a top-level key of a JSON object column (null when absent). -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text', 'burnrate')(column, key)) }}
{%- endmacro %}

{% macro default__json_text(column, key) -%}
    get_json_object({{ column }}, '$.{{ key }}')
{%- endmacro %}

{% macro duckdb__json_text(column, key) -%}
    json_extract_string({{ column }}, '$."{{ key }}"')
{%- endmacro %}

{#- A JSON object column read as a struct with the given keys, all of `type` (missing keys are null). -#}
{% macro json_to_struct(column, keys, type) -%}
    {{ return(adapter.dispatch('json_to_struct', 'burnrate')(column, keys, type)) }}
{%- endmacro %}

{% macro default__json_to_struct(column, keys, type) -%}
    from_json({{ column }}, 'struct<{% for k in keys %}`{{ k }}`:{{ type }}{{ "," if not loop.last }}{% endfor %}>')
{%- endmacro %}

{% macro duckdb__json_to_struct(column, keys, type) -%}
    json_transform({{ column }}, '{ {%- for k in keys %}"{{ k }}": "{{ type }}"{{ ", " if not loop.last }}{% endfor -%} }')
{%- endmacro %}

{#- A field of a struct made by json_to_struct. -#}
{% macro struct_field(struct, key) -%}
    {{ return(adapter.dispatch('struct_field', 'burnrate')(struct, key)) }}
{%- endmacro %}

{% macro default__struct_field(struct, key) -%}
    {{ struct }}.`{{ key }}`
{%- endmacro %}

{% macro duckdb__struct_field(struct, key) -%}
    {{ struct }}."{{ key }}"
{%- endmacro %}

{#- One row per key of a JSON object column: use as `select distinct {{ json_keys_unnested('j') }} as k`. -#}
{% macro json_keys_unnested(column) -%}
    {{ return(adapter.dispatch('json_keys_unnested', 'burnrate')(column)) }}
{%- endmacro %}

{% macro default__json_keys_unnested(column) -%}
    explode(json_object_keys({{ column }}))
{%- endmacro %}

{% macro duckdb__json_keys_unnested(column) -%}
    unnest(json_keys({{ column }}))
{%- endmacro %}

{#- The rest of the first element of a text list that starts with `prefix` (tags such as 'team:search'). -#}
{% macro list_tag_value(list_column, prefix) -%}
    {{ return(adapter.dispatch('list_tag_value', 'burnrate')(list_column, prefix)) }}
{%- endmacro %}

{% macro default__list_tag_value(list_column, prefix) -%}
    substring(element_at(filter({{ list_column }}, t -> startswith(t, '{{ prefix }}')), 1), {{ prefix | length + 1 }})
{%- endmacro %}

{% macro duckdb__list_tag_value(list_column, prefix) -%}
    substring(list_extract(list_filter({{ list_column }}, lambda t: starts_with(t, '{{ prefix }}')), 1), {{ prefix | length + 1 }})
{%- endmacro %}

{#- True when `text` matches the (RE2) regular expression `pattern` anywhere. -#}
{% macro regex_matches(text, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'burnrate')(text, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(text, pattern) -%}
    ({{ text }} rlike {{ pattern }})
{%- endmacro %}

{% macro duckdb__regex_matches(text, pattern) -%}
    regexp_matches({{ text }}, {{ pattern }})
{%- endmacro %}

{#- Capture group `group` of the first match of `pattern` in `text`; null when there is none. -#}
{% macro regex_extract(text, pattern, group) -%}
    {{ return(adapter.dispatch('regex_extract', 'burnrate')(text, pattern, group)) }}
{%- endmacro %}

{% macro default__regex_extract(text, pattern, group) -%}
    nullif(regexp_extract({{ text }}, {{ pattern }}, {{ group }}), '')
{%- endmacro %}

{% macro duckdb__regex_extract(text, pattern, group) -%}
    nullif(regexp_extract({{ text }}, {{ pattern }}, {{ group }}), '')
{%- endmacro %}

{#- Every match of `pattern` in `text` replaced by `replacement` (\1… are capture groups). -#}
{% macro regex_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'burnrate')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement | replace('\\', '$') }})
{%- endmacro %}

{% macro duckdb__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{#- UTC time of day of a timestamp as 'HH:MM:SS' text (compares correctly as text). -#}
{% macro time_of_day_text(ts) -%}
    {{ return(adapter.dispatch('time_of_day_text', 'burnrate')(ts)) }}
{%- endmacro %}

{% macro default__time_of_day_text(ts) -%}
    date_format({{ ts }}, 'HH:mm:ss')
{%- endmacro %}

{% macro duckdb__time_of_day_text(ts) -%}
    strftime({{ ts }}, '%H:%M:%S')
{%- endmacro %}

{#- Continuous percentile `p` (0-1) of `expr` as an aggregate. -#}
{% macro percentile(expr, p) -%}
    {{ return(adapter.dispatch('percentile', 'burnrate')(expr, p)) }}
{%- endmacro %}

{% macro default__percentile(expr, p) -%}
    percentile({{ expr }}, {{ p }})
{%- endmacro %}

{% macro duckdb__percentile(expr, p) -%}
    quantile_cont({{ expr }}, {{ p }})
{%- endmacro %}

{#- genai-prices' fallback for LiteLLM/OpenRouter model names: a compact date suffix `-YYYYMMDD` (before `-`,
    `:` or the end) rewritten as `-YYYY-MM-DD`. -#}
{% macro compact_date_to_dashed(text) -%}
    {{ regex_replace_all(text, "'-(20[0-9][0-9])(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])(-|:|$)'", "'-\\1-\\2-\\3\\4'") }}
{%- endmacro %}

{#- A list of {key, value} structs (GCP labels) as JSON object text, like FOCUS Tags. -#}
{% macro key_value_list_json(list_column) -%}
    {{ return(adapter.dispatch('key_value_list_json', 'burnrate')(list_column)) }}
{%- endmacro %}

{% macro default__key_value_list_json(list_column) -%}
    to_json(map_from_entries({{ list_column }}))
{%- endmacro %}

{% macro spark__key_value_list_json(list_column) -%}
    {#- a key repeated in a malformed export would fail map_from_entries: keep its first entry, as DuckDB does -#}
    to_json(map_from_entries(filter({{ list_column }},
        (kv, i) -> not exists(slice({{ list_column }}, 1, i), earlier -> earlier.key = kv.key))))
{%- endmacro %}

{% macro duckdb__key_value_list_json(list_column) -%}
    {#- built as text, so a key repeated in a malformed export does not fail the build (the first one is read) -#}
    ('{' || array_to_string(list_transform({{ list_column }}, lambda kv: to_json(kv.key) || ':' || to_json(kv.value)), ',') || '}')
{%- endmacro %}

{#- One output row per element of a list column: use in a select list, `{{ list_unnested('credits') }} as credit`. -#}
{% macro list_unnested(list_column) -%}
    {{ return(adapter.dispatch('list_unnested', 'burnrate')(list_column)) }}
{%- endmacro %}

{% macro default__list_unnested(list_column) -%}
    explode({{ list_column }})
{%- endmacro %}

{% macro duckdb__list_unnested(list_column) -%}
    unnest({{ list_column }})
{%- endmacro %}
