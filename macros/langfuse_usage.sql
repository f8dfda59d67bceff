{#- Langfuse usage keys, read from int_langfuse__usage_keys when a model runs: [(usage_key, token_bucket,
    is_subcount)]. Keys are vendor data formatted into SQL as struct field names, so that model only passes
    keys made of letters, digits and `_.:-`. Before the model exists (parsing, a first compile) the three
    keys every convention has stand in. -#}
{% macro langfuse_usage_keys() %}
    {% set fallback = [('input', 'input', false), ('output', 'output', false), ('total', 'total', false)] %}
    {% if not execute %}
        {{ return(fallback) }}
    {% endif %}
    {% set relation = load_relation(ref('int_langfuse__usage_keys')) %}
    {% if relation is none %}
        {{ return(fallback) }}
    {% endif %}
    {% set result = run_query(
        "select usage_key, token_bucket, is_subcount from " ~ relation ~ " where is_safe_name order by usage_key"
    ) %}
    {% set keys = [] %}
    {% for row in result.rows %}
        {% do keys.append((row[0], row[1], row[2])) %}
    {% endfor %}
    {{ return(keys if keys else fallback) }}
{% endmacro %}

{#- Sum of the usage-struct fields of `bucket`: a token bucket, 'all' (every key but the totals) or 'subcount'
    (the raw SDK sub-count keys); 0 when the row has none of them. -#}
{% macro langfuse_usage_sum(struct, keys, bucket) -%}
    {%- set terms = [] -%}
    {%- for key, key_bucket, is_subcount in keys -%}
        {%- if key_bucket == bucket or (bucket == 'all' and key_bucket != 'total') or (bucket == 'subcount' and is_subcount) -%}
            {%- do terms.append('coalesce(' ~ struct_field(struct, key) ~ ', 0)') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ terms | join(' + ') if terms else '0' }}
{%- endmacro %}

{#- The reported total (null when the row has no total key). -#}
{% macro langfuse_usage_total(struct, keys) -%}
    {%- set fields = [] -%}
    {%- for key, key_bucket, is_subcount in keys if key_bucket == 'total' -%}
        {%- do fields.append(struct_field(struct, key)) -%}
    {%- endfor -%}
    {{ ('coalesce(' ~ fields | join(', ') ~ ', null)') if fields else 'null' }}
{%- endmacro %}
