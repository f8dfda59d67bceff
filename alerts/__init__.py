"""Anomaly detection, budget alerts, Slack delivery and the scheduler. Reads marts only.

Flow of one cycle (`pipeline.run_cycle`): ingest → build → detect → alert → publish.

    buckets   per-scope time buckets aggregated in DuckDB from marts.fct_llm_requests
    features  robust, seasonal z-scores: each bucket against its scope's own baseline
    detect    the isolation forest, windows, hysteresis and materiality; one row per anomaly window
    explain   pattern (token spike, leaked key, cost without traffic, error storm) and root cause
    events    one incident seen on several scopes = one event, alerted once
    store     idempotent upsert into alerts.anomalies (stable ids)
    budgets   tier, quota and forecast alerts from marts.fct_budget_status; escalation
    notify    what to queue: anomalies, budgets, the daily digest
    messages  Slack Block Kit payloads with a link to the dashboard
    outbox    alerts.alert_outbox: queued with the detection, delivered exactly once
    deliver   Slack incoming webhook (or the console), retries within a budget
    history   alerts.run_history
    pipeline  the cycle, shared by `burnrate run`, `burnrate schedule` and `burnrate demo`
    schedule  APScheduler BlockingScheduler, signals
    evaluate  event-level scoring against labels, and the rolling z-score baseline
    cli       `burnrate detect`, `burnrate alert`, `burnrate run`
    tables    the alerts schema (docs/alerts_tables.md)
"""
