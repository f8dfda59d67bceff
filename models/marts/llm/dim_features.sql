-- One row per product feature requests can be charged to: the company's features plus `unattributed`.

with

features as (

    select * from {{ ref('stg_company__features') }}

),

unattributed as (

    select
        'unattributed' as feature_id,
        'unattributed' as team_id,
        'Unattributed' as feature_name,
        cast(null as {{ dbt.type_string() }}) as feature_kind,
        cast(null as {{ dbt.type_string() }}) as prompt_name,
        true as is_unattributed

)

select feature_id, team_id, feature_name, feature_kind, prompt_name, false as is_unattributed from features
union all
select * from unattributed
