{#- Cloud billing: the FOCUS 1.2 columns every billing staging model gives (snake_case), and the small
    helpers those models share. Plain SQL and dbt's cross-database macros only; engine-specific parts are in
    portable.sql. -#}

{#- The columns of every billing staging model, in this order: int_cloud_costs_deduplicated unions them by
    name. FOCUS column ids in snake_case, then the `x_` columns Burnrate adds (provider extensions, lineage). -#}
{% macro cloud_cost_columns() %}
    {{ return([
        'cost_line_id', 'billing_account_id', 'sub_account_id', 'resource_id', 'sku_id', 'sku_price_id',
        'invoice_id', 'commitment_discount_id',
        'cloud_provider', 'provider_name', 'publisher_name', 'invoice_issuer_name', 'billing_account_name',
        'sub_account_name', 'resource_name', 'resource_type', 'region_id', 'region_name', 'availability_zone',
        'service_name', 'service_category', 'service_subcategory', 'charge_category', 'charge_class',
        'charge_frequency', 'charge_description', 'pricing_category', 'pricing_unit', 'consumed_unit',
        'sku_meter', 'billing_currency', 'tags',
        'x_usage_type', 'x_operation', 'x_service_code', 'x_sku_meter_category', 'x_sku_meter_subcategory',
        'x_sku_description', 'x_resource_group', 'x_credit_type',
        'billed_cost', 'effective_cost', 'list_cost', 'contracted_cost', 'consumed_quantity', 'pricing_quantity',
        'list_unit_price', 'contracted_unit_price',
        'charge_period_start', 'charge_period_end', 'billing_period_start', 'billing_period_end',
        'x_source_format', 'x_source_file', 'x_source_line',
    ]) }}
{% endmacro %}

{#- A billing row's key: the raw row it came from (file and line; `suffix` tells apart rows made from one raw
    row, e.g. a GCP row and its credits). -#}
{% macro cost_line_id(source_format, suffix=none) -%}
    {{ dbt.hash(dbt.concat(["'" ~ source_format ~ "'", "':'", '_location', "':'", dbt.safe_cast('_line', dbt.type_string())]
        + ([ "':'", suffix ] if suffix else []))) }}
{%- endmacro %}

{#- Keeps, per raw row (file and line), its latest load: raw billing tables already hold one export per
    billing period, but a reader of the export files (Spark) may see a re-delivered file twice. -#}
{% macro latest_raw_rows(relation) -%}
    select * from (
        select
            *,
            row_number() over (partition by _location, _line order by _ingested_at desc, _batch_id desc) as version_rank
        from {{ relation }}
    ) as versions
    where version_rank = 1
{%- endmacro %}

{#- An enumeration as FOCUS spells it, whatever the export's case and punctuation (`usage-based`,
    `UsageBased` → `Usage-Based`); values outside `allowed` are kept as written. -#}
{% macro focus_enum(expr, allowed) -%}
    case lower(replace(replace(trim({{ expr }}), '-', ''), ' ', ''))
        {%- for v in allowed %}
        when '{{ v | lower | replace("-", "") | replace(" ", "") }}' then '{{ v }}'
        {%- endfor %}
        else nullif(trim({{ expr }}), '')
    end
{%- endmacro %}

{#- aws | azure | gcp (| oci, else the name lower-cased) from a FOCUS ProviderName. -#}
{% macro cloud_provider_code(provider_name) -%}
    case
        when lower({{ provider_name }}) like 'aws%' or lower({{ provider_name }}) like 'amazon%' then 'aws'
        when lower({{ provider_name }}) like 'microsoft%' or lower({{ provider_name }}) like 'azure%' then 'azure'
        when lower({{ provider_name }}) like 'google%' or lower({{ provider_name }}) = 'gcp' then 'gcp'
        when lower({{ provider_name }}) like 'oracle%' then 'oci'
        else lower({{ provider_name }})
    end
{%- endmacro %}

{#- How many units one unit of `unit` counts: '1K tokens' → 1000, '1M' → 1000000, '1000 Tokens' → 1000,
    'Tokens' → 1. -#}
{% macro unit_block_size(unit) -%}
    (coalesce({{ dbt.safe_cast(regex_extract(unit, "'^ *([0-9]+)'", 1), dbt.type_bigint()) }}, 1)
        * case upper({{ regex_extract(unit, "'^ *[0-9]* *([KkMm])([^A-Za-z]|$|[Tt])'", 1) }})
            when 'K' then 1000 when 'M' then 1000000 else 1 end)
{%- endmacro %}

{#- True when a (consumed or pricing) unit counts hours of a running resource ('Hrs', 'Hours', '1 Hour'). -#}
{% macro is_hour_unit(unit) -%}
    (lower(trim({{ unit }})) in ('h', 'hr', 'hrs', 'hour', 'hours', '1 hour', '1 hr', '1 hours'))
{%- endmacro %}

{#- The first of `keys` present in the JSON object `column` (tags). -#}
{% macro first_json_text(column, keys) -%}
    coalesce({% for k in keys %}{{ json_text(column, k) }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- A surrogate key: the hash of `columns` (nulls as ''), for a grain of several columns. -#}
{% macro grain_key(columns) -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
        {%- do parts.append("coalesce(" ~ dbt.safe_cast(c, dbt.type_string()) ~ ", '')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- The winner of ordered attribution rules: `candidates` is a list of (method, value column, rule order column);
    the candidate with a non-null value and the lowest order wins. `pick` = 'value' gives its value, 'method' its
    method name; none -> `fallback`. -#}
{% macro attribution_winner(candidates, pick, fallback) -%}
    case
        {%- for method, value, order in candidates %}
        when {{ value }} is not null
            {%- for _m, other_value, other_order in candidates if other_value != value %}
            and ({{ other_value }} is null or {{ order }} < {{ other_order }})
            {%- endfor %}
            then {{ value if pick == 'value' else "'" ~ method ~ "'" }}
        {%- endfor %}
        else {{ fallback }}
    end
{%- endmacro %}

{#- One row holding the order of each attribution rule (seeds/attribution_rules.csv): `rules` is a list of
    (attribute, method, output column); a rule missing from the seed has a null order (switched off). -#}
{% macro attribution_rule_orders(rules) -%}
    select
        {%- for attribute, method, column in rules %}
        min(case when attribute = '{{ attribute }}' and method = '{{ method }}' then rule_order end) as {{ column }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('stg_company__attribution_rules') }}
{%- endmacro %}

{#- The billing account a bill belongs to, whatever the export: Microsoft's FOCUS export writes it as an ARM path
    (/providers/Microsoft.Billing/billingAccounts/<id>[/billingProfiles/…]), its cost details as <id>. -#}
{% macro billing_account_key(billing_account_id) -%}
    coalesce({{ regex_extract(billing_account_id, "'/billingAccounts/([^/]+)'", 1) }}, {{ billing_account_id }})
{%- endmacro %}
