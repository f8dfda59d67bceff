with

source as (

    select * from {{ ref('price_model_matches') }}

),

renamed as (

    select

        ----------  ids
        provider_id as price_provider_id,
        model_id,
        rule_id,

        ---------- strings
        atom_type,
        pattern,
        -- genai-prices' regexes are Python's; the only construct RE2 engines lack is a leading negative
        -- lookahead `^(?!X)`, which is evaluated here as "not ^X"
        case
            when atom_type = 'regex' and pattern like '^(?!%)'
                then {{ dbt.concat(["'^'", "substring(pattern, 5, " ~ dbt.length('pattern') ~ " - 5)"]) }}
            else pattern
        end as match_pattern,

        ---------- numerics
        model_order,

        ---------- booleans
        (atom_type = 'regex' and pattern like '^(?!%)') as is_negated

    from source

)

select * from renamed
