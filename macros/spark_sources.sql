{#- The raw tables on Spark: on DuckDB `burnrate ingest` writes raw.*; on Spark nothing is ingested, and this
    file (run by `on-run-start`) makes raw.* views over the export files themselves, so the sources, the staging
    models and everything after them are the same on both targets.

    For each raw table, each glob of var('spark_exports')[table] (under var('spark_export_root')) becomes an
    external table `raw_files.<table>_<n>` (the files stay where they are: local disk, s3a://, abfss://, gs://),
    and `raw.<table>` is a view that maps the file shape onto the raw table's (docs/raw_tables.md): the columns
    the staging models read, typed as ingest types them, with the lineage columns (`_location` = file,
    `_ingested_at` = its modification time, `_line` = the Parquet row number, but for CSV and JSON a number
    in the order of the rows' content: Spark does not know their lines). One glob is one export family whose files share
    a header (CSV columns are read by the header of the first file). A table without globs is an empty view.

    What ingest does and this shim does too: text NULL / '' as null; ISO, `YYYY-MM-DD HH:MM:SS` and US
    `MM/DD/YYYY` times; decimal(38,12) money; JSON maps as JSON text (CUR maps, Azure tags without braces);
    header names matched ignoring case and punctuation; the newest export of a billing period replaces older
    ones (by file modification time, as ingest does when the format has no export time). Every version of an
    LLM log row is kept: the staging models keep the latest. Not read here: API pages (pull them with
    `burnrate ingest`), legacy CUR CSV headers (`lineItem/...`), Langfuse legacy trace exports, DCGM text
    (write the samples as Parquet in raw.dcgm_samples' columns). -#}

{#- The columns of a raw table the staging models read: (name, Spark type); `json` is JSON object text. -#}
{% macro spark_raw_columns(table) %}
    {%- set text = 'string' -%}
    {%- set money = 'decimal(38,12)' -%}
    {%- set ts = 'timestamp' -%}
    {%- set columns = {
        'langfuse_observations': [
            ('id', text), ('trace_id', text), ('project_id', text), ('parent_observation_id', text),
            ('session_id', text), ('prompt_id', text), ('type', text), ('name', text), ('environment', text),
            ('level', text), ('status_message', text), ('user_id', text), ('trace_name', text),
            ('provided_model_name', text), ('usage_pricing_tier_name', text), ('prompt_name', text),
            ('tags', 'array<string>'), ('metadata', 'json'), ('model_parameters', 'json'),
            ('usage_details', 'json'), ('prompt_version', 'bigint'), ('total_cost', money),
            ('latency', 'double'), ('time_to_first_token', 'double'), ('start_time', ts), ('end_time', ts),
            ('completion_start_time', ts), ('created_at', ts), ('updated_at', ts)],
        'langfuse_traces': [
            ('id', text), ('project_id', text), ('session_id', text), ('name', text), ('environment', text),
            ('user_id', text), ('release', text), ('tags', 'array<string>'), ('timestamp', ts),
            ('updated_at', ts)],
        'helicone_requests': [
            ('request_id', text), ('response_id', text), ('request_properties', 'json'), ('prompt_id', text),
            ('provider', text), ('request_model', text), ('model', text), ('response_model', text),
            ('request_user_id', text), ('prompt_version', text), ('cache_reference_id', text),
            ('response_status', 'bigint'), ('prompt_tokens', 'bigint'), ('prompt_cache_read_tokens', 'bigint'),
            ('prompt_cache_write_tokens', 'bigint'), ('completion_tokens', 'bigint'),
            ('reasoning_tokens', 'bigint'), ('prompt_audio_tokens', 'bigint'),
            ('completion_audio_tokens', 'bigint'), ('cost', money), ('costUSD', money), ('delay_ms', 'double'),
            ('time_to_first_token', 'double'), ('request_created_at', ts), ('response_created_at', ts),
            ('updated_at', ts)],
        'focus_costs': [
            ('BillingAccountId', text), ('SubAccountId', text), ('ResourceId', text), ('SkuId', text),
            ('SkuPriceId', text), ('InvoiceId', text), ('CommitmentDiscountId', text), ('ProviderName', text),
            ('PublisherName', text), ('InvoiceIssuerName', text), ('BillingAccountName', text),
            ('SubAccountName', text), ('ResourceName', text), ('ResourceType', text), ('RegionId', text),
            ('RegionName', text), ('AvailabilityZone', text), ('ServiceName', text), ('ServiceCategory', text),
            ('ServiceSubcategory', text), ('ChargeCategory', text), ('ChargeClass', text),
            ('ChargeFrequency', text), ('ChargeDescription', text), ('PricingCategory', text),
            ('PricingUnit', text), ('ConsumedUnit', text), ('SkuMeter', text), ('BillingCurrency', text),
            ('Tags', 'json'), ('x_SkuMeterName', text), ('x_UsageType', text), ('x_Operation', text),
            ('x_ServiceCode', text), ('x_ServiceId', text), ('x_SkuMeterCategory', text),
            ('x_SkuMeterSubcategory', text), ('x_SkuDescription', text), ('x_ResourceGroupName', text),
            ('x_CreditType', text), ('BilledCost', money), ('EffectiveCost', money), ('ListCost', money),
            ('ContractedCost', money), ('ConsumedQuantity', money), ('PricingQuantity', money),
            ('ListUnitPrice', money), ('ContractedUnitPrice', money), ('ChargePeriodStart', ts),
            ('ChargePeriodEnd', ts), ('BillingPeriodStart', ts), ('BillingPeriodEnd', ts)],
        'aws_cur': [
            ('bill_payer_account_id', text), ('bill_payer_account_name', text), ('bill_invoice_id', text),
            ('bill_billing_entity', text), ('bill_invoicing_entity', text), ('line_item_usage_account_id', text),
            ('line_item_usage_account_name', text), ('line_item_resource_id', text), ('pricing_rate_id', text),
            ('savings_plan_savings_plan_a_r_n', text), ('reservation_reservation_a_r_n', text),
            ('product_region_code', text), ('product_servicecode', text), ('line_item_availability_zone', text),
            ('line_item_product_code', text), ('line_item_line_item_type', text),
            ('line_item_line_item_description', text), ('line_item_usage_type', text),
            ('line_item_operation', text), ('line_item_currency_code', text), ('pricing_term', text),
            ('pricing_unit', text), ('pricing_public_on_demand_rate', text), ('line_item_net_unblended_rate', text),
            ('line_item_unblended_rate', text), ('product', 'json'), ('resource_tags', 'json'),
            ('line_item_unblended_cost', money), ('line_item_net_unblended_cost', money),
            ('pricing_public_on_demand_cost', money), ('line_item_usage_amount', money),
            ('savings_plan_savings_plan_effective_cost', money), ('savings_plan_total_commitment_to_date', money),
            ('savings_plan_used_commitment', money), ('reservation_effective_cost', money),
            ('reservation_unused_amortized_upfront_fee_for_billing_period', money),
            ('reservation_unused_recurring_fee', money), ('line_item_usage_start_date', ts),
            ('line_item_usage_end_date', ts), ('bill_billing_period_start_date', ts),
            ('bill_billing_period_end_date', ts)],
        'azure_costs': [
            ('BillingAccountId', text), ('BillingAccountName', text), ('BillingProfileId', text),
            ('BillingProfileName', text), ('SubscriptionId', text), ('SubscriptionName', text),
            ('ResourceId', text), ('ResourceName', text), ('ProductId', text), ('PartNumber', text),
            ('MeterId', text), ('InvoiceId', text), ('benefitId', text), ('ReservationId', text),
            ('PublisherName', text), ('ResourceLocation', text), ('Location', text), ('MeterRegion', text),
            ('AvailabilityZone', text), ('MeterCategory', text), ('MeterSubCategory', text), ('MeterName', text),
            ('ConsumedService', text), ('ChargeType', text), ('PricingModel', text), ('Frequency', text),
            ('Product', text), ('ProductName', text), ('UnitOfMeasure', text), ('BillingCurrency', text),
            ('BillingCurrencyCode', text), ('ResourceGroup', text), ('ResourceGroupName', text), ('Tags', 'json'),
            ('Cost', money), ('CostInBillingCurrency', money), ('PreTaxCost', money),
            ('PaygCostInBillingCurrency', money), ('PayGPrice', money), ('UnitPrice', money), ('Quantity', money),
            ('Date', ts), ('ServicePeriodStartDate', ts), ('BillingPeriodStartDate', ts),
            ('BillingPeriodEndDate', ts)],
        'gcp_billing': [
            ('billing_account_id', text), ('currency', text), ('cost_type', text), ('seller_name', text),
            ('cost', money), ('cost_at_list', money), ('usage_start_time', ts), ('usage_end_time', ts),
            ('export_time', ts),
            ('service', 'struct<id:string,description:string>'),
            ('sku', 'struct<id:string,description:string>'),
            ('project', 'struct<id:string,number:string,name:string,labels:array<struct<key:string,value:string>>>'),
            ('labels', 'array<struct<key:string,value:string>>'),
            ('location', 'struct<location:string,country:string,region:string,zone:string>'),
            ('usage', 'struct<amount:decimal(38,12),unit:string,amount_in_pricing_units:decimal(38,12),pricing_unit:string>'),
            ('credits', 'array<struct<name:string,amount:decimal(38,12),full_name:string,id:string,type:string>>'),
            ('invoice', 'struct<month:string,publisher_type:string>'),
            ('resource', 'struct<name:string,global_name:string>')],
        'dcgm_samples': [
            ('sampled_at', ts), ('metric', text), ('value', 'double'), ('hostname', text), ('gpu', text),
            ('uuid', text), ('device', text), ('model_name', text), ('pci_bus_id', text),
            ('gpu_i_profile', text), ('gpu_i_id', text), ('pod', text), ('namespace', text),
            ('container', text), ('labels', 'json')],
    } -%}
    {{ return(columns[table]) }}
{% endmacro %}

{#- How each raw table's files are read: the `_source` value ingest gives such rows, and the key of a billing
    period (the newest export of a key replaces the older ones' rows), as SQL over the typed columns. -#}
{% macro spark_raw_tables() %}
    {{ return({
        'langfuse_observations': {'source': 'export_observations_v2'},
        'langfuse_traces': {'source': 'export_traces'},
        'helicone_requests': {'source': 'export_jsonl'},
        'focus_costs': {'key': ['ProviderName', 'BillingAccountId', 'BillingPeriodStart']},
        'aws_cur': {'key': ['bill_payer_account_id', 'bill_billing_period_start_date']},
        'azure_costs': {'key': ['coalesce(BillingAccountId, BillingProfileId, SubscriptionId)',
            'coalesce(BillingPeriodStartDate, date_trunc(\'month\', Date))', '_cost_view']},
        'gcp_billing': {'key': ['billing_account_id',
            'coalesce(invoice.month, date_format(usage_start_time, \'yyyyMM\'))']},
        'dcgm_samples': {'source': 'parquet'},
    }) }}
{% endmacro %}

{#- on-run-start: (re)create raw_files.* and raw.* on the spark target; nothing elsewhere. -#}
{% macro create_spark_sources() %}
    {%- if target.type != 'spark' or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set root = var('spark_export_root') | string -%}
    {%- set exports = var('spark_exports') -%}
    {%- for database in ['raw_files', 'raw'] -%}
        {#- checked first: the Hive metastore logs an error for `create database if not exists` of one that is -#}
        {%- if run_query("show databases like '" ~ database ~ "'") | length == 0 -%}
            {%- do run_query('create database if not exists ' ~ database) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for table, spec in spark_raw_tables().items() -%}
        {%- set selects = [] -%}
        {%- for glob in exports.get(table, []) or [] -%}
            {%- set path = glob if (':' in glob or glob.startswith('/')) else root.rstrip('/') ~ '/' ~ glob -%}
            {%- set relation = 'raw_files.' ~ table ~ '_' ~ loop.index -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query(spark_external_table_ddl(table, relation, path)) -%}
            {%- do selects.append(spark_raw_select(table, relation, path)) -%}
        {%- endfor -%}
        {%- set rows = selects | join('\nunion all\n') if selects else spark_raw_empty_select(table) -%}
        {%- do run_query('create or replace view raw.' ~ table ~ ' as\n' ~ spark_latest_exports(table, spec, rows)) -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}

{#- CSV files are read as text by their header; JSON with the raw table's columns as the schema (objects as
    JSON text); Parquet with its own schema. -#}
{% macro spark_external_table_ddl(table, relation, path) -%}
    {%- set lower = path | lower -%}
    {%- if '.csv' in lower or '.tsv' in lower -%}
        create table {{ relation }} using csv
        options (header 'true', escape '"', multiLine 'true', mode 'PERMISSIVE'
            {%- if '.tsv' in lower %}, sep '\t'{% endif %})
        location '{{ path }}'
    {%- elif '.parquet' in lower -%}
        create table {{ relation }} using parquet location '{{ path }}'
    {%- else -%}
        create table {{ relation }} (
            {%- for name, type in spark_raw_columns(table) %}
            `{{ name }}` {{ 'string' if type == 'json' else type }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) using json
        options (mode 'PERMISSIVE')
        location '{{ path }}'
    {%- endif -%}
{%- endmacro %}

{#- One external table's rows in the raw table's shape. -#}
{% macro spark_raw_select(table, relation, path) -%}
    {%- set present = {} -%}
    {%- for column in adapter.get_columns_in_relation(api.Relation.create(schema=relation.split('.')[0], identifier=relation.split('.')[1])) -%}
        {%- do present.update({spark_name_key(column.name): (column.name, column.dtype | lower)}) -%}
    {%- endfor -%}
    {%- set lower = path | lower -%}
    select
        {%- for name, type in spark_raw_columns(table) %}
        {%- set found = present.get(spark_name_key(name)) %}
        {%- if found is none %}
        cast(null as {{ 'string' if type == 'json' else type }}) as `{{ name }}`,
        {%- else %}
        {{ spark_typed('`' ~ found[0] ~ '`', found[1], type) }} as `{{ name }}`,
        {%- endif %}
        {%- endfor %}
        {%- if table == 'azure_costs' %}
        case when lower(_metadata.file_name) rlike 'amorti[sz]ed' then 'amortized' else 'actual' end as _cost_view,
        {%- endif %}
        {%- if table == 'aws_cur' %}
        'cur2' as _format,
        {%- endif %}
        '{{ spark_raw_tables()[table].get('source', 'export') }}' as _source,
        _metadata.file_path as _batch_id,
        _metadata.file_path as _location,
        {%- if '.parquet' in lower %}
        cast(_metadata.row_index + 1 as bigint) as _line,
        {%- else %}
        {#- Spark cannot tell a CSV/JSON row's line, and a position-based id is non-deterministic (it breaks views
            read twice in one query): rows are numbered in each file in the order of their content's hash. -#}
        row_number() over (partition by _metadata.file_path order by xxhash64(
            {%- for key, found in present.items() | sort %}`{{ found[0] }}`{{ ', ' if not loop.last }}{% endfor -%}
        )) as _line,
        {%- endif %}
        _metadata.file_modification_time as _ingested_at
    from {{ relation }}
{%- endmacro %}

{#- The names of a raw view's columns, in order. -#}
{% macro spark_raw_output_columns(table) %}
    {%- set names = spark_raw_columns(table) | map(attribute=0) | list -%}
    {%- set extra = {'azure_costs': ['_cost_view'], 'aws_cur': ['_format']}.get(table, []) -%}
    {{ return(names + extra + ['_source', '_batch_id', '_location', '_line', '_ingested_at']) }}
{% endmacro %}

{#- A raw table's columns and lineage, no rows (a source without files). -#}
{% macro spark_raw_empty_select(table) -%}
    select
        {%- for name, type in spark_raw_columns(table) %}
        cast(null as {{ 'string' if type == 'json' else type }}) as `{{ name }}`,
        {%- endfor %}
        {%- if table == 'azure_costs' %}
        cast(null as string) as _cost_view,
        {%- endif %}
        {%- if table == 'aws_cur' %}
        cast(null as string) as _format,
        {%- endif %}
        cast(null as string) as _source,
        cast(null as string) as _batch_id,
        cast(null as string) as _location,
        cast(null as bigint) as _line,
        cast(null as timestamp) as _ingested_at
    from (select 1 as one) as no_files
    where one = 0
{%- endmacro %}

{#- Header names match ignoring case and punctuation (MCA `costInBillingCurrency` = EA `CostInBillingCurrency`). -#}
{% macro spark_name_key(name) -%}
    {{ return(modules.re.sub('[^a-z0-9]', '', name | lower)) }}
{%- endmacro %}

{#- A column of the files (`dtype` as Spark reads it) as the raw table's `type`. -#}
{% macro spark_typed(column, dtype, type) -%}
    {%- if dtype == 'string' -%}
        {%- set value = "nullif(nullif(trim(" ~ column ~ "), ''), 'NULL')" -%}
        {%- if type == 'timestamp' -%}
            coalesce(cast({{ value }} as timestamp), try_to_timestamp({{ value }}, 'M/d/yyyy'),
                try_to_timestamp({{ value }}, 'M/d/yyyy h:mm:ss a'), try_to_timestamp({{ value }}, 'M/d/yyyy H:mm:ss'))
        {%- elif type == 'json' -%}
            {#- Azure writes tags without braces; CSV-doubled quotes are undone by the CSV reader -#}
            case when substring({{ value }}, 1, 1) in ('{', '[') then {{ value }} else concat('{', {{ value }}, '}') end
        {%- elif type == 'string' -%}
            {{ value }}
        {%- else -%}
            cast({{ value }} as {{ type }})
        {%- endif -%}
    {%- elif type == 'json' -%}
        to_json({{ column }})
    {%- elif dtype == type -%}
        {{ column }}
    {%- else -%}
        cast({{ column }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- The rows of the newest export of each billing period (`spec.key`): an export is a folder's files whose names
    differ only by a trailing part number, its time the newest file's modification time; ties go to the export
    named last, as ingest loads files in path order. LLM logs and samples: every row. -#}
{% macro spark_latest_exports(table, spec, rows) -%}
    {%- if not spec.get('key') -%}
        {{ rows }}
    {%- else -%}
    {%- set date = "'(19|20)[0-9]{2}([-_.]?[0-9]{2}){1,2}$'" -%}
    {%- set part = "'[-_. ]?[0-9]+$'" -%}
    with rows as (
        {{ rows }}
    ),
    named as (
        select *, regexp_replace(_location, '(\\.(csv|tsv|txt|json|jsonl|ndjson|parquet|snappy|gz|gzip|zst|zstd|bz2))+$', '') as _stem0
        from rows
    ),
    {%- for i in range(3) %}
    parts{{ i + 1 }} as (
        select *, case when _stem{{ i }} rlike {{ date }} or not _stem{{ i }} rlike {{ part }} then _stem{{ i }}
            else regexp_replace(_stem{{ i }}, {{ part }}, '') end as _stem{{ i + 1 }}
        from {{ 'named' if i == 0 else 'parts' ~ i }}
    ),
    {%- endfor %}
    exports as (
        select *, max(_ingested_at) over (partition by _stem3) as _export_time from parts3
    ),
    ranked as (
        select *, dense_rank() over (
            partition by {{ spec.key | join(', ') }} order by _export_time desc, _stem3 desc
        ) as _export_rank
        from exports
    )
    select
        {%- for name in spark_raw_output_columns(table) %}
        `{{ name }}`{{ ',' if not loop.last }}
        {%- endfor %}
    from ranked
    where _export_rank = 1
    {%- endif -%}
{%- endmacro %}
