"""Benchmark: every dashboard page's data-module queries against a published snapshot, p50/p95 per page.

    BURNRATE_WAREHOUSE=data/warehouse.duckdb .venv/bin/python bench/dashboard_queries.py [--runs 20] [--json OUT]

A page's time is one full render's worth of queries on one connection, as the dashboard runs them (what a
cold result cache costs a visitor): Overview's
totals, trend, movers and coverage; Explore at each drill level down to one request; Budgets, Anomalies,
GPUs, Reconciliation when their tables are published; Efficiency with its what-if; the SQL page's schema
browser. Queries run uncached through the same `warehouse.reader` connections the dashboard uses. Pages
whose tables are not in the snapshot are reported as skipped. The target is p95 < 300 ms per page at
10 M requests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pages(snap) -> dict[str, Callable[[], object] | str]:
    """Page name -> one render's queries (or why the page is skipped)."""
    from app.data import anomalies, core, efficiency, finance, gpus, schema, spend, usage
    from app.filters import Filters

    f = Filters()
    as_of = spend.as_of(snap)
    start, end = f.window(as_of)
    # the drill path: the team × feature × model with the most LLM spend, as a user would click it
    path = core.query(
        snap,
        "select team_id, feature_id, coalesce(model_id, model_requested) from marts.fct_llm_requests "
        "where request_date between ? and ? group by all order by sum(effective_cost) desc nulls last limit 1",
        [start, end],
    ).row(0)
    team = f.with_dim("team", [path[0]])
    feature = team.with_dim("feature", [path[1]])
    model = feature.with_dim("model", [path[2]])
    user = usage.requests_by(snap, model, start, end, "user")[0]["key"][0]
    listed = usage.request_list(snap, model, start, end, {"user": user})
    request, day = listed["request_id"][0], listed["request_date"][0]

    def overview():
        spend.summary(snap, f, start, end)
        spend.daily_by(snap, f, start, end, "spend_category")
        spend.coverage(snap, f, start, end)
        spend.movers(snap, f, as_of)
        if snap.has("fct_budget_status"):
            finance.budgets(snap, f, as_of)
        if snap.has("anomalies"):
            anomalies.anomalies(snap, f, start, end)

    def chrome():
        spend.as_of(snap)
        spend.options(snap)
        spend.labels(snap)

    def explore_level(filters, dim):
        return lambda: (
            spend.breakdown(snap, filters, start, end, dim),
            spend.daily_by(snap, filters, start, end, spend.SPEND_COLUMNS[dim]),
        )

    def explore_users():
        usage.requests_by(snap, model, start, end, "user")

    def explore_request():
        usage.request_list(snap, model, start, end, {"user": user})
        usage.requests_daily(snap, model, start, end, {"user": user})
        usage.request_detail(snap, request, day)

    def efficiency_page():
        table = efficiency.by_feature(snap, f, start, end)
        efficiency.daily(snap, f, start, end, table["feature_id"].head(5).to_list())
        target = efficiency.candidate_models(snap)["model_key"][0]
        efficiency.what_if(snap, table["feature_id"][0], target, start, end)

    def budgets_page():
        rows = finance.budgets(snap, f, as_of)
        if rows.height:
            budget = rows.row(0, named=True)
            finance.budget_periods(snap, budget["budget_id"])
            if snap.has("fct_budget_daily"):
                finance.budget_daily(snap, budget["budget_id"], budget["period_start"])

    def anomalies_page():
        found = anomalies.anomalies(snap, f, start, end)
        if found.height:
            a = anomalies.anomaly(snap, found["anomaly_id"][0])
            anomalies.series(snap, a)
            anomalies.contributors(snap, a)

    def gpus_page():
        gpus.nodes(snap, start, end)
        gpus.utilization(snap, start, end)
        gpus.cost_daily(snap, start, end)
        keys = gpus.api_models(snap)["model_key"]
        gpus.unit_costs(snap, start, end, keys[0] if len(keys) else None)

    def reconciliation_page():
        finance.reconciliation_by_provider(snap, f, start, end)
        finance.reconciliation_monthly(snap, f, start, end)
        if snap.has("fct_reconciliation_daily"):
            finance.reconciliation_daily(snap, f, start, end)

    def sql_page():
        tables = schema.tables(snap)
        schema.columns(snap, "marts", tables["table_name"][0])

    out: dict[str, Callable[[], object] | str] = {
        "chrome (sidebar)": chrome,
        "overview": overview,
        "explore: teams": explore_level(f, "team"),
        "explore: features": explore_level(team, "feature"),
        "explore: models": explore_level(feature, "model"),
        "explore: users": explore_users,
        "explore: requests + one request": explore_request,
        "efficiency": efficiency_page,
        "sql (schema browser)": sql_page,
    }
    for name, table, fn in (
        ("budgets", "fct_budget_status", budgets_page),
        ("anomalies", "anomalies", anomalies_page),
        ("gpus", "fct_gpu_usage_hourly", gpus_page),
        ("reconciliation", "fct_reconciliation_monthly", reconciliation_page),
    ):
        out[name] = core.missing(snap, table) or fn
    return out


def main() -> None:
    from app.data import core
    from burnrate import config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="renders timed per page (after one warm-up)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    cfg = config.load()
    snap = core.open_snapshot(cfg, cached=False)
    if snap is None:
        sys.exit(f"no published snapshot for {cfg.warehouse_path}: run `burnrate build` first")
    rows = core.query(snap, "select count(*) as n from marts.fct_llm_requests")
    print(f"snapshot {snap.path}: {rows.item():,} requests in fct_llm_requests; {args.runs} runs per page")
    results = {}
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, fn in pages(snap).items():
        if isinstance(fn, str):
            print(f"{name:34} skipped: {fn}")
            results[name] = {"skipped": fn}
            continue
        with core.render(cfg):
            fn()  # warm the OS page cache, as a visited dashboard would be
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            with core.render(cfg):  # one connection per render, as in the dashboard
                fn()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p50, p95 = statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        results[name] = {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "max_ms": round(times[-1], 1)}
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {times[-1]:8.1f}")
    if args.json:
        args.json.write_text(
            json.dumps({"snapshot": snap.path, "runs": args.runs, "pages": results}, indent=2)
        )


if __name__ == "__main__":
    main()
