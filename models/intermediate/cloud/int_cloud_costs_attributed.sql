-- Deduplicated cost lines with their FOCUS service category (native exports lack it:
-- seeds/cloud_service_categories.csv, else Other) and the team and feature they are charged to. The precedence
-- is data (seeds/attribution_rules.csv, attributes cloud_team and cloud_feature): resource_tag (the first tag
-- key of var cost_team_tag_keys / cost_feature_tag_keys present, naming a known team / feature), then
-- account_map (seeds/account_teams.csv by sub account); no rule -> 'unattributed'. A table: three models read it.

{{ config(materialized='table') }}

with

lines as (

    select * from {{ ref('int_cloud_costs_deduplicated') }}

),

teams as (select * from {{ ref('stg_company__teams') }}),
features as (select * from {{ ref('stg_company__features') }}),
account_teams as (select * from {{ ref('stg_company__account_teams') }}),
categories as (select * from {{ ref('stg_billing__service_categories') }}),

tag_values as (

    -- tags are few distinct values: read them once each
    select distinct
        tags,
        {{ first_json_text('tags', var('cost_team_tag_keys')) }} as tagged_team_id,
        {{ first_json_text('tags', var('cost_feature_tag_keys')) }} as tagged_feature_id
    from lines
    where tags is not null

),

rule_orders as (

    {{ attribution_rule_orders([('cloud_team', 'resource_tag', 'team_tag_order'),
        ('cloud_team', 'account_map', 'team_account_order'), ('cloud_feature', 'resource_tag', 'feature_tag_order')]) }}

),

candidates as (

    select
        l.*,
        c.service_category as mapped_service_category,
        c.service_subcategory as mapped_service_subcategory,
        case when o.team_tag_order is not null then tagged_team.team_id end as tag_team_id,
        case when o.team_account_order is not null then a.team_id end as account_team_id,
        case when o.feature_tag_order is not null then tagged_feature.feature_id end as tag_feature_id,
        coalesce(o.team_tag_order, 999999) as team_tag_order,
        coalesce(o.team_account_order, 999999) as team_account_order
    from lines as l
    cross join rule_orders as o
    left join categories as c on l.cloud_provider = c.cloud_provider and l.service_name = c.service_name
    left join tag_values as t on l.tags = t.tags
    left join teams as tagged_team on t.tagged_team_id = tagged_team.team_id
    left join features as tagged_feature on t.tagged_feature_id = tagged_feature.feature_id
    left join account_teams as a on l.cloud_provider = a.cloud_provider and l.sub_account_id = a.sub_account_id

)

select
    {% for c in cloud_cost_columns() if c not in ('service_category', 'service_subcategory') -%}
    {{ c }},
    {% endfor -%}
    source_priority,
    coalesce(service_category, mapped_service_category, 'Other') as service_category,
    coalesce(service_subcategory, mapped_service_subcategory,
        {{ dbt.concat(["'Other ('", "coalesce(service_category, mapped_service_category, 'Other')", "')'"]) }}) as service_subcategory,
    {%- set team_rules = [('resource_tag', 'tag_team_id', 'team_tag_order'), ('account_map', 'account_team_id', 'team_account_order')] %}
    {{ attribution_winner(team_rules, 'value', "'unattributed'") }} as team_id,
    {{ attribution_winner(team_rules, 'method', "'unattributed'") }} as attribution_method,
    coalesce(tag_feature_id, 'unattributed') as feature_id,
    case when tag_feature_id is not null then 'resource_tag' else 'unattributed' end as feature_attribution_method
from candidates
