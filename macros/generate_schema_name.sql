{#- Schemas are named exactly as configured (staging, intermediate, marts, seeds), not prefixed with the
    target schema, so analysts find `marts.fct_costs_daily` under the same name everywhere. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
