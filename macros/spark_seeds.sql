{#- dbt-spark 1.11's seed loader, fixed for `method: session`: there it pastes every value into the SQL as
    '<value>' without escaping, so an apostrophe ("the request's user") breaks the insert and an empty cell
    becomes the text 'None'. In session mode the values are written as escaped SQL literals instead; other
    methods (Thrift, ODBC) keep dbt-spark's bindings, which their drivers escape. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set is_session = adapter.config.credentials.method == 'session' %}
  {% set statements = [] %}
  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set bindings = [] %}
      {% for row in chunk %}
          {% do bindings.extend(row) %}
      {% endfor %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for col_name in agate_table.column_names -%}
                  {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                  {%- set type = column_override.get(col_name, inferred_type) -%}
                  {%- if is_session -%}
                    cast({{ spark_seed_literal(row[loop.index0]) }} as {{ type }})
                  {%- else -%}
                    cast({{ get_binding_char() }} as {{type}})
                  {%- endif -%}
                  {%- if not loop.last%},{%- endif %}
              {%- endfor -%})
              {%- if not loop.last%},{%- endif %}
          {%- endfor %}
      {% endset %}
      {% do adapter.add_query(sql, bindings=none if is_session else bindings, abridge_sql_log=True) %}
      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}
  {{ return(statements[0]) }}
{% endmacro %}

{#- One seed value as a Spark SQL literal. -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        '{{ value }}'
    {%- else -%}
        '{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
