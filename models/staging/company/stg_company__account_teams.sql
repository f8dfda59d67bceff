with

source as (

    select * from {{ ref('account_teams') }}

),

renamed as (

    select

        ----------  ids: a cloud account (AWS), subscription (Azure) or project (GCP) = a FOCUS sub account
        cast(account_id as {{ dbt.type_string() }}) as sub_account_id,
        nullif(team_id, '') as team_id,

        ---------- strings
        lower(provider) as cloud_provider,
        account_name as sub_account_name

    from source

)

select * from renamed
