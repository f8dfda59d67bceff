-- OpenCost's allocation, hourly: every physical GPU of a node × every hour the node is billed or observed
-- (int_gpu_node_hours) is split into the rows of int_gpu_usage_hourly (a workload's share of the GPU-hour is
-- allocated to it, the rest is idle); a GPU-hour with no DCGM sample at all is one idle row (has_samples false).
-- Cost = share × the GPU's hourly cost. Workloads are charged to a team by seeds/attribution_rules.csv
-- (gpu_team: namespace_map = seeds/namespace_teams.csv, then account_map = the node's account in
-- seeds/account_teams.csv); idle rows stay 'unattributed' (method idle). The model a pod serves comes from
-- seeds/gpu_workloads.csv (namespace + longest matching pod-name prefix).

with

node_hours as (select * from {{ ref('int_gpu_node_hours') }}),
nodes as (select * from {{ ref('int_gpu_nodes') }}),
usage as (select * from {{ ref('int_gpu_usage_hourly') }}),

node_bills as (

    -- the cloud account and service that bill each node (null for nodes priced from the seed only)
    select
        hostname,
        max(cloud_provider) as cloud_provider,
        max(provider_name) as provider_name,
        max(billing_account_id) as billing_account_id,
        max(sub_account_id) as billed_sub_account_id,
        max(service_name) as service_name,
        max(service_category) as service_category
    from {{ ref('int_gpu_node_bill_lines') }}
    group by hostname

),

gpus as (

    select hostname, gpu_uuid, max(gpu_index) as gpu_index, max(gpu_model) as gpu_model
    from {{ ref('int_gpu_scrapes') }}
    group by hostname, gpu_uuid

),

gpu_hours as (

    select
        h.*,
        g.gpu_uuid,
        g.gpu_index as inventory_gpu_index,
        g.gpu_model as inventory_gpu_model
    from node_hours as h
    inner join gpus as g on h.hostname = g.hostname

),

allocated as (

    select
        gh.*,
        u.gpu_instance_id, u.gpu_instance_profile, u.namespace, u.pod, u.container,
        coalesce(u.gpu_share, 1.0) as gpu_share,
        u.gpu_share is not null as has_samples,
        u.sampled_seconds, u.utilization_seconds, u.utilization_sampled_seconds, u.memory_mib_seconds,
        u.memory_sampled_seconds, u.power_w_seconds, u.power_sampled_seconds
    from gpu_hours as gh
    left join usage as u on gh.hostname = u.hostname and gh.hour_start = u.hour_start and gh.gpu_uuid = u.gpu_uuid

),

workloads as (

    -- the model each distinct pod serves: the longest pod-name prefix of its namespace in gpu_workloads
    select * from (
        select
            p.namespace, p.pod, w.llm_model_key,
            row_number() over (partition by p.namespace, p.pod order by {{ dbt.length('w.pod_prefix') }} desc) as match_rank
        from (select distinct namespace, pod from usage where pod is not null) as p
        inner join {{ ref('stg_company__gpu_workloads') }} as w
            on p.namespace = w.namespace
            and (p.pod = w.pod_prefix or p.pod like {{ dbt.concat(['w.pod_prefix', "'-%'"]) }})
    ) as ranked
    where match_rank = 1

),

rule_orders as (

    {{ attribution_rule_orders([('gpu_team', 'namespace_map', 'namespace_order'), ('gpu_team', 'account_map', 'account_order')]) }}

),

candidates as (

    select
        a.*,
        n.instance_id, n.instance_type, n.k8s_cluster, n.idle_pool,
        coalesce(b.billed_sub_account_id, n.sub_account_id) as sub_account_id,
        b.cloud_provider, b.provider_name, b.billing_account_id, b.service_name, b.service_category,
        w.llm_model_key,
        m.model_name as served_model,
        m.provider as served_model_provider,
        case when a.pod is not null and o.namespace_order is not null then nt.team_id end as namespace_team_id,
        case when a.pod is not null and o.account_order is not null then acct.team_id end as account_team_id,
        coalesce(o.namespace_order, 999999) as namespace_order,
        coalesce(o.account_order, 999999) as account_order
    from allocated as a
    cross join rule_orders as o
    inner join nodes as n on a.hostname = n.hostname
    left join node_bills as b on a.hostname = b.hostname
    left join workloads as w on a.namespace = w.namespace and a.pod = w.pod
    left join {{ ref('stg_company__llm_models') }} as m on w.llm_model_key = m.model_key
    left join {{ ref('stg_company__namespace_teams') }} as nt on a.namespace = nt.namespace
    left join {{ ref('stg_company__account_teams') }} as acct
        on coalesce(b.billed_sub_account_id, n.sub_account_id) = acct.sub_account_id

)

{%- set team_rules = [('namespace_map', 'namespace_team_id', 'namespace_order'), ('account_map', 'account_team_id', 'account_order')] %}

select
    *,
    {{ attribution_winner(team_rules, 'value', "'unattributed'") }} as team_id,
    case when pod is null then 'idle' else {{ attribution_winner(team_rules, 'method', "'unattributed'") }} end as attribution_method,
    cast(gpu_share * gpu_hour_billed_cost as {{ money_type() }}) as row_billed_cost,
    cast(gpu_share * gpu_hour_effective_cost as {{ money_type() }}) as row_effective_cost,
    cast(gpu_share * gpu_hour_list_cost as {{ money_type() }}) as row_list_cost
from candidates
