"""The shape of every table the dashboard reads, as the dashboard expects it.

The LLM marts exist today; the cloud/GPU marts, the integration marts (`fct_costs_daily`, reconciliation,
budgets) and the alerts tables are built in parallel against contracts (`/work/briefs/mart_contracts.md`,
the alerts brief). This module writes those contracts down once, in one place:

* the data module checks a table has the columns it needs before querying it, so a page whose mart is not
  built yet (or is built with a different shape) shows what to run instead of a stack trace;
* the tests create small tables of exactly these shapes in a test snapshot.

Only the columns the dashboard reads are listed; a mart may have more.
"""

from __future__ import annotations

MONEY = "DECIMAL(38,12)"

CONTRACTS: dict[str, dict[str, str]] = {
    "fct_costs_daily": {
        "charge_date": "DATE",
        "billing_period_start": "DATE",
        "cost_source": "VARCHAR",
        "spend_category": "VARCHAR",
        "provider_name": "VARCHAR",
        "service_name": "VARCHAR",
        "service_category": "VARCHAR",
        "billing_account_id": "VARCHAR",
        "sub_account_id": "VARCHAR",
        "team_id": "VARCHAR",
        "feature_id": "VARCHAR",
        "attribution_method": "VARCHAR",
        "model_id": "VARCHAR",
        "charge_category": "VARCHAR",
        "is_idle": "BOOLEAN",
        "is_untracked": "BOOLEAN",
        "billed_cost": MONEY,
        "effective_cost": MONEY,
        "list_cost": MONEY,
        "billing_currency": "VARCHAR",
    },
    "fct_reconciliation_monthly": {
        "billing_month": "DATE",
        "provider_name": "VARCHAR",
        "model_id": "VARCHAR",
        "logged_requests": "BIGINT",
        "logged_tokens": "BIGINT",
        "billed_tokens": "BIGINT",
        "untracked_tokens": "BIGINT",
        "logged_list_cost": MONEY,
        "logged_effective_cost": MONEY,
        "billed_list_cost": MONEY,
        "billed_cost": MONEY,
        "billed_effective_cost": MONEY,
        "untracked_cost": MONEY,
        "token_coverage": "DOUBLE",
        "realized_discount": "DOUBLE",
    },
    "fct_reconciliation_daily": {
        "charge_date": "DATE",
        "provider_name": "VARCHAR",
        "model_id": "VARCHAR",
        "logged_tokens": "BIGINT",
        "billed_tokens": "BIGINT",
        "logged_effective_cost": MONEY,
        "billed_cost": MONEY,
        "untracked_cost": MONEY,
    },
    "fct_budget_status": {
        "budget_id": "VARCHAR",
        "scope_type": "VARCHAR",
        "scope_value": "VARCHAR",
        "budget_name": "VARCHAR",
        "period_type": "VARCHAR",
        "period_start": "DATE",
        "period_end": "DATE",
        "as_of_date": "DATE",
        "amount": MONEY,
        "spend_to_date": MONEY,
        "pct_used": "DOUBLE",
        "tier_reached": "VARCHAR",
        "warning_pct": "DOUBLE",
        "critical_pct": "DOUBLE",
        "emergency_pct": "DOUBLE",
        "forecast_spend": MONEY,
        "forecast_pct": "DOUBLE",
        "forecast_tier": "VARCHAR",
        "projected_breach_date": "DATE",
        "token_quota": "BIGINT",
        "tokens_to_date": "BIGINT",
        "quota_pct": "DOUBLE",
        "quota_tier": "VARCHAR",
    },
    # budget × day of the period: actual spend on past days, forecast spend on the days still to come
    "fct_budget_daily": {
        "budget_id": "VARCHAR",
        "period_start": "DATE",
        "charge_date": "DATE",
        "actual_spend": MONEY,
        "forecast_spend": MONEY,
    },
    # hour × GPU × MIG instance × workload (namespace/pod, or idle), as built on the models-cloud branch
    "fct_gpu_usage_hourly": {
        "charge_period_start": "TIMESTAMP",
        "hostname": "VARCHAR",
        "gpu_uuid": "VARCHAR",
        "gpu_model": "VARCHAR",
        "namespace": "VARCHAR",
        "pod": "VARCHAR",
        "team_id": "VARCHAR",
        "model_key": "VARCHAR",
        "is_idle": "BOOLEAN",
        "gpu_hours": "DOUBLE",
        "gpu_utilization": "DOUBLE",
        "allocated_cost": MONEY,
        "idle_cost": MONEY,
    },
    # PROPOSED (no engineer owns it yet): day × team × feature × provider × model × user × prompt × environment.
    # The dashboard reads it when published (user/prompt level, what-if, self-hosted tokens) and falls back to
    # the same columns projected from fct_llm_requests otherwise; model_id = catalog id, else the name requested.
    "fct_llm_usage_daily": {
        "request_date": "DATE",
        "team_id": "VARCHAR",
        "feature_id": "VARCHAR",
        "provider": "VARCHAR",
        "model_id": "VARCHAR",
        "user_id": "VARCHAR",
        "prompt_name": "VARCHAR",
        "environment": "VARCHAR",
        "requests": "BIGINT",
        "failed_requests": "BIGINT",
        "input_uncached_tokens": "BIGINT",
        "cache_read_tokens": "BIGINT",
        "cache_write_tokens": "BIGINT",
        "input_audio_tokens": "BIGINT",
        "output_tokens": "BIGINT",
        "reasoning_tokens": "BIGINT",
        "output_audio_tokens": "BIGINT",
        "total_tokens": "BIGINT",
        "list_cost": MONEY,
        "effective_cost": MONEY,
        "first_requested_at": "TIMESTAMP",
        "last_requested_at": "TIMESTAMP",
    },
    "anomalies": {
        "anomaly_id": "VARCHAR",
        "scope_type": "VARCHAR",
        "scope_value": "VARCHAR",
        "grain": "VARCHAR",
        "window_start": "TIMESTAMP",
        "window_end": "TIMESTAMP",
        "score": "DOUBLE",
        "severity": "VARCHAR",
        "actual_spend": MONEY,
        "expected_spend": MONEY,
        "impact_usd": MONEY,
        "impact_pct": "DOUBLE",
        "pattern": "VARCHAR",
        "top_contributor_type": "VARCHAR",
        "top_contributor_value": "VARCHAR",
        "top_contributor_share": "DOUBLE",
        "root_cause": "VARCHAR",
        "features_moved": "JSON",
        "detected_at": "TIMESTAMP",
        "first_detected_at": "TIMESTAMP",
    },
    "alert_outbox": {
        "alert_key": "VARCHAR",
        "kind": "VARCHAR",
        "severity": "VARCHAR",
        "created_at": "TIMESTAMP",
        "status": "VARCHAR",
        "attempts": "INTEGER",
        "sent_at": "TIMESTAMP",
        "dashboard_url": "VARCHAR",
    },
}

# Which schema each contracted table lives in (the published snapshot keeps the warehouse's schemas).
SCHEMAS: dict[str, str] = {"anomalies": "alerts", "alert_outbox": "alerts"}


def schema_of(table: str) -> str:
    return SCHEMAS.get(table, "marts")
