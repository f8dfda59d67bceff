-- One row per team requests and costs can be charged to: the company's teams plus `unattributed`.

with

teams as (

    select * from {{ ref('stg_company__teams') }}

),

unattributed as (

    select
        'unattributed' as team_id,
        'Unattributed' as team_name,
        cast(null as {{ dbt.type_string() }}) as cost_center,
        cast(null as {{ dbt.type_string() }}) as log_sink,
        cast(null as {{ dbt.type_string() }}) as slack_channel,
        true as is_unattributed

)

select team_id, team_name, cost_center, log_sink, slack_channel, false as is_unattributed from teams
union all
select * from unattributed
