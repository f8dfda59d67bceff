"""Small tables of the contracted shapes (app/contracts.py), derived from a real built warehouse.

The integration marts, the GPU mart and the alerts tables are built in parallel with the dashboard; until
they land, tests add tables of exactly the contract's shape to a copy of the built warehouse and publish
it. Numbers are derived from the real LLM marts (so drill-downs stay consistent) plus a few fixed GPU and
cloud rows; expected values in tests are always recomputed with SQL on these tables, never hard-coded.
"""

from __future__ import annotations

import duckdb

from app.contracts import CONTRACTS, schema_of


def create_empty(con: duckdb.DuckDBPyConnection, table: str) -> None:
    schema = schema_of(table)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    cols = ", ".join(f"{name} {dtype}" for name, dtype in CONTRACTS[table].items())
    con.execute(f"CREATE OR REPLACE TABLE {schema}.{table} ({cols})")


def insert(con: duckdb.DuckDBPyConnection, table: str, select_sql: str, params: list | None = None) -> None:
    """Insert a SELECT whose columns are named like the contract's (order does not matter)."""
    create_empty(con, table)
    cols = ", ".join(CONTRACTS[table])
    con.execute(
        f"INSERT INTO {schema_of(table)}.{table} ({cols}) SELECT {cols} FROM ({select_sql})", params or []
    )


def add_all(con: duckdb.DuckDBPyConnection) -> None:
    """Every contracted table, from the built LLM marts of `con`'s warehouse."""
    insert(
        con,
        "fct_costs_daily",
        """
        select request_date as charge_date, date_trunc('month', request_date)::date as billing_period_start,
            'llm_api_logs' as cost_source, 'llm_api' as spend_category, provider as provider_name,
            'LLM API' as service_name, 'AI and Machine Learning' as service_category, 'acct-1' as billing_account_id,
            null as sub_account_id, team_id, feature_id, any_value(attribution_method) as attribution_method,
            coalesce(model_id, model_requested) as model_id, 'Usage' as charge_category, false as is_idle,
            false as is_untracked, sum(effective_cost) as billed_cost, sum(effective_cost) as effective_cost,
            sum(list_cost) as list_cost, 'USD' as billing_currency
        from marts.fct_llm_requests group by all
        union all
        select d::date, date_trunc('month', d)::date, 'gpu_allocation', 'gpu', 'aws', 'Amazon EC2', 'Compute',
            'acct-2', null, case when i then 'unattributed' else 'platform' end, 'unattributed', 'namespace_map',
            null, 'Usage', i, false, c, c, c, 'USD'
        from (select range as d from range((select min(request_date) from marts.fct_llm_requests),
                                           (select max(request_date) + 1 from marts.fct_llm_requests), interval 1 day)),
             (values (false, 40.0::decimal(38,12)), (true, 10.0::decimal(38,12))) g(i, c)
        union all
        select d::date, date_trunc('month', d)::date, 'cloud_invoice', 'other_cloud', 'aws', 'Amazon S3', 'Storage',
            'acct-2', null, 'data', 'unattributed', 'account_map', null, 'Usage', false, false, 5, 5, 6, 'USD'
        from (select range as d from range((select min(request_date) from marts.fct_llm_requests),
                                           (select max(request_date) + 1 from marts.fct_llm_requests), interval 1 day))
        """,
    )
    insert(
        con,
        "fct_llm_usage_daily",
        """
        select request_date, team_id, feature_id, provider, coalesce(model_id, model_requested) as model_id, user_id,
            prompt_name, environment, count(*) as requests, sum(case when is_error then 1 else 0 end) as failed_requests,
            sum(input_uncached_tokens) as input_uncached_tokens, sum(cache_read_tokens) as cache_read_tokens,
            sum(cache_write_tokens) as cache_write_tokens, sum(input_audio_tokens) as input_audio_tokens,
            sum(output_tokens) as output_tokens, sum(reasoning_tokens) as reasoning_tokens,
            sum(output_audio_tokens) as output_audio_tokens, sum(total_tokens) as total_tokens,
            sum(list_cost) as list_cost, sum(effective_cost) as effective_cost,
            min(requested_at) as first_requested_at, max(requested_at) as last_requested_at
        from marts.fct_llm_requests group by all
        """,
    )
    insert(
        con,
        "fct_reconciliation_monthly",
        """
        select date_trunc('month', request_date)::date as billing_month, provider as provider_name,
            coalesce(model_id, model_requested) as model_id, count(*) as logged_requests,
            sum(total_tokens)::bigint as logged_tokens, (sum(total_tokens) * 1.1)::bigint as billed_tokens,
            (sum(total_tokens) * 0.1)::bigint as untracked_tokens, sum(list_cost) as logged_list_cost,
            sum(effective_cost) as logged_effective_cost, sum(list_cost) * 1.1 as billed_list_cost,
            sum(effective_cost) * 1.1 as billed_cost, sum(effective_cost) * 1.1 as billed_effective_cost,
            sum(effective_cost) * 0.1 as untracked_cost, 1 / 1.1 as token_coverage,
            1 - sum(effective_cost) / nullif(sum(list_cost), 0) as realized_discount
        from marts.fct_llm_requests where provider <> 'self_hosted' and is_priced group by all
        """,
    )
    insert(
        con,
        "fct_reconciliation_daily",
        """
        select request_date as charge_date, provider as provider_name, coalesce(model_id, model_requested) as model_id,
            sum(total_tokens)::bigint as logged_tokens, (sum(total_tokens) * 1.1)::bigint as billed_tokens,
            sum(effective_cost) as logged_effective_cost, sum(effective_cost) * 1.1 as billed_cost,
            sum(effective_cost) * 0.1 as untracked_cost
        from marts.fct_llm_requests where provider <> 'self_hosted' and is_priced group by all
        """,
    )
    # one monthly budget per team for the last month with data, plus a global one
    insert(
        con,
        "fct_budget_status",
        """
        with m as (select max(request_date) as as_of, date_trunc('month', max(request_date))::date as ps
                   from marts.fct_llm_requests),
        spend as (
            select team_id, sum(effective_cost) as s from marts.fct_llm_requests, m
            where request_date >= m.ps group by 1
            union all select 'global', sum(effective_cost) from marts.fct_llm_requests, m where request_date >= m.ps
        ),
        b as (
            select 'team-' || team_id as budget_id, 'team' as scope_type, team_id as scope_value,
                team_name || ' monthly' as budget_name, 100::decimal(38,12) as amount
            from marts.dim_teams where not is_unattributed
            union all select 'global', 'global', null, 'All AI spend', 2000
        )
        select b.budget_id, b.scope_type, b.scope_value, b.budget_name, 'monthly' as period_type,
            m.ps as period_start, (m.ps + interval 1 month)::date as period_end, m.as_of as as_of_date, b.amount,
            coalesce(s.s, 0) as spend_to_date, 100 * coalesce(s.s, 0) / b.amount as pct_used,
            case when coalesce(s.s, 0) >= b.amount then 'emergency' when coalesce(s.s, 0) >= 0.9 * b.amount then 'critical'
                 when coalesce(s.s, 0) >= 0.7 * b.amount then 'warning' else 'none' end as tier_reached,
            70.0 as warning_pct, 90.0 as critical_pct, 100.0 as emergency_pct,
            coalesce(s.s, 0) * 1.5 as forecast_spend, 150 * coalesce(s.s, 0) / b.amount as forecast_pct,
            case when coalesce(s.s, 0) * 1.5 >= b.amount then 'emergency' else 'none' end as forecast_tier,
            case when coalesce(s.s, 0) * 1.5 >= b.amount and coalesce(s.s, 0) < b.amount then m.as_of + 5 end
                as projected_breach_date,
            null as token_quota, 0 as tokens_to_date, null as quota_pct, 'none' as quota_tier
        from b cross join m left join spend s on s.team_id = coalesce(b.scope_value, 'global')
        """,
    )
    insert(
        con,
        "fct_budget_daily",
        """
        with m as (select max(request_date) as as_of, date_trunc('month', max(request_date))::date as ps
                   from marts.fct_llm_requests),
        days as (select range::date as charge_date from m, range(m.ps, m.ps + interval 1 month, interval 1 day)),
        spent as (
            select b.budget_id, d.charge_date, sum(r.effective_cost) as s
            from marts.fct_budget_status b join days d on true
            join marts.fct_llm_requests r on r.request_date = d.charge_date
                and (b.scope_type = 'global' or r.team_id = b.scope_value)
            group by all
        )
        select b.budget_id, b.period_start, d.charge_date,
            case when d.charge_date <= m.as_of then coalesce(sp.s, 0) end as actual_spend,
            case when d.charge_date > m.as_of then b.spend_to_date / (date_diff('day', m.ps, m.as_of) + 1) end
                as forecast_spend
        from marts.fct_budget_status b cross join m join days d on true
        left join spent sp on sp.budget_id = b.budget_id and sp.charge_date = d.charge_date
        """,
    )
    insert(
        con,
        "fct_gpu_usage_hourly",
        """
        select h as charge_period_start, node as hostname, node || '-gpu' || g as gpu_uuid, 'NVIDIA L40S' as gpu_model,
            case when busy then 'llm-serving' end as namespace, case when busy then 'vllm-0' end as pod,
            case when busy then 'platform' else 'unattributed' end as team_id,
            case when busy then (select any_value(model_key) from marts.fct_llm_requests
                                 where provider = 'self_hosted' and model_requested like 'meta-llama%') end as model_key,
            not busy as is_idle, case when busy then 0.75 else 0.25 end as gpu_hours,
            case when busy then (0.3 + 0.1 * g + (hour(h) % 6) / 10.0) else 0.0 end as gpu_utilization,
            case when busy then 1.5 else 0 end as allocated_cost, case when busy then 0 else 0.5 end as idle_cost
        from (select range as h from range((select max(request_date) - 6 from marts.fct_llm_requests)::timestamp,
                                           (select max(request_date) + 1 from marts.fct_llm_requests)::timestamp,
                                           interval 1 hour)),
             (values ('node-a'), ('node-b')) n(node), (values (0), (1)) gg(g), (values (true), (false)) bb(busy)
        """,
    )
    # two anomalies on real scopes: the busiest team's top user on the busiest day, and a feature-level one
    insert(
        con,
        "anomalies",
        """
        with day as (select request_date, team_id from marts.fct_llm_requests group by all
                     order by sum(effective_cost) desc limit 1),
        usr as (select r.user_id, r.team_id, d.request_date, r.feature_id from marts.fct_llm_requests r join day d using (team_id, request_date)
                group by all order by sum(r.effective_cost) desc limit 1)
        select 'anom-team-1' as anomaly_id, 'team' as scope_type, team_id as scope_value, 'hour' as grain,
            request_date + interval 10 hour as window_start, request_date + interval 14 hour as window_end,
            0.71 as score, 'high' as severity, 42.5 as actual_spend, 10.0 as expected_spend, 32.5 as impact_usd,
            3.25 as impact_pct, 'leaked_key' as pattern, 'user' as top_contributor_type,
            user_id as top_contributor_value, 0.8 as top_contributor_share,
            'user ' || user_id || ' sent 4x its usual requests' as root_cause, '{"requests": 4.1}' as features_moved,
            request_date + interval 15 hour as detected_at, request_date + interval 15 hour as first_detected_at
        from usr
        union all
        select 'anom-feature-2', 'feature', feature_id, 'day', request_date - 2, request_date - 1, 0.6, 'medium',
            20.0, 12.0, 8.0, 0.67, 'token_spike', 'model', 'claude-sonnet-4-5', 0.6,
            'tokens per request up 3x on claude-sonnet-4-5', '{}', request_date, request_date
        from usr
        """,
    )
    insert(
        con,
        "alert_outbox",
        """select 'anomaly:anom-team-1' as alert_key, 'anomaly' as kind, 'high' as severity,
            now()::timestamp as created_at, 'pending' as status, 0 as attempts, null::timestamp as sent_at,
            'http://127.0.0.1:8501/anomalies?anomaly=anom-team-1' as dashboard_url""",
    )
