-- Requests with the team and feature they are charged to. The precedence is data (seeds/attribution_rules.csv):
-- for each attribute the lowest-ordered rule that yields a known team/feature wins; none -> 'unattributed'.
-- Team rules: tag (what the application tagged), user_map (user_teams), api_key_map (api_keys).
-- Feature rules: tag, prompt_map (the one feature that uses the request's managed prompt).

with

requests as (

    select * from {{ ref('int_llm_requests_unioned') }}

),

teams as (select * from {{ ref('stg_company__teams') }}),
features as (select * from {{ ref('stg_company__features') }}),
user_teams as (select * from {{ ref('stg_company__user_teams') }}),
api_keys as (select * from {{ ref('stg_company__api_keys') }}),

prompt_features as (

    select prompt_name, min(feature_id) as feature_id
    from features
    where prompt_name is not null
    group by prompt_name
    having count(*) = 1

),

rule_orders as (

    -- the rules as one row of orders (a rule missing from the seed never applies)
    {%- set rules = [('team', 'tag'), ('team', 'user_map'), ('team', 'api_key_map'),
                     ('feature', 'tag'), ('feature', 'prompt_map')] %}
    select
        {% for attribute, method in rules -%}
        min(case when attribute = '{{ attribute }}' and method = '{{ method }}' then rule_order end)
            as {{ attribute }}_{{ method }}_order{{ ',' if not loop.last }}
        {% endfor %}
    from {{ ref('stg_company__attribution_rules') }}

),

candidates as (

    select
        r.*,
        tagged_team.team_id as tag_team_id,
        user_teams.team_id as user_map_team_id,
        api_keys.team_id as api_key_map_team_id,
        tagged_feature.feature_id as tag_feature_id,
        prompt_features.feature_id as prompt_map_feature_id
    from requests as r
    left join teams as tagged_team on r.tagged_team_id = tagged_team.team_id
    left join user_teams on r.user_id = user_teams.user_id
    left join api_keys on r.api_key_id = api_keys.api_key_id
    left join features as tagged_feature on r.tagged_feature_id = tagged_feature.feature_id
    left join prompt_features on r.prompt_name = prompt_features.prompt_name

),

winning as (

    select
        c.*,
        o.*,
        {% for attribute, methods in [('team', ['tag', 'user_map', 'api_key_map']), ('feature', ['tag', 'prompt_map'])] -%}
        least(
            {% for m in methods -%}
            coalesce(case when {{ m }}_{{ attribute }}_id is not null then o.{{ attribute }}_{{ m }}_order end, 999999)
            {{- ',' if not loop.last }}
            {% endfor -%}
        ) as {{ attribute }}_rule_order{{ ',' if not loop.last }}
        {% endfor %}
    from candidates as c
    cross join rule_orders as o

)

select
    w.*,
    {% for attribute, methods in [('team', ['tag', 'user_map', 'api_key_map']), ('feature', ['tag', 'prompt_map'])] -%}
    case {% for m in methods %}when {{ attribute }}_rule_order = {{ attribute }}_{{ m }}_order then {{ m }}_{{ attribute }}_id {% endfor -%}
        else 'unattributed' end as {{ attribute }}_id,
    case {% for m in methods %}when {{ attribute }}_rule_order = {{ attribute }}_{{ m }}_order then '{{ m }}' {% endfor -%}
        else 'unattributed' end as {{ 'attribution_method' if attribute == 'team' else 'feature_attribution_method' }}
    {{- ',' if not loop.last }}
    {% endfor %}
from winning as w
