"""The end-of-run files: bills, labels, company lookup tables and the manifest."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl

from burnrate.generate import anomalies, billing, billing_focus, billing_native
from burnrate.generate.catalog import FEATURES
from burnrate.generate.company import company_tables
from burnrate.generate.ledger import Ledger
from burnrate.generate.writers import write_csv, write_json, write_lines, write_rows_csv

NOTES = {
    "time": "All timestamps are UTC. Data covers [start_date, end_date). No wall-clock time is written.",
    "langfuse_usage_keys": (
        "usageDetails keys follow the SDK that logged the call: openai (input, input_cached_tokens, output, "
        "output_reasoning_tokens, input_audio_tokens, output_audio_tokens, total), anthropic (input, "
        "cache_read_input_tokens, cache_creation_input_tokens, output, total), otel (input, input_cached_tokens, "
        "input_cache_creation, output, output_reasoning_tokens, total), langchain (input, output, total, "
        "input_audio, input_cache_read, input_cache_creation, output_audio, output_reasoning), minimal (input, "
        "output, total). For these the non-total keys are disjoint and sum to total. The raw convention "
        "(LlamaIndex/CrewAI/Gemini style) has inclusive input/output plus subset keys prompt_details.cache_read, "
        "prompt_details.audio, completion_details.reasoning, completion_details.audio; total = input + output."
    ),
    "langfuse_late_updates": (
        "Some observations of a day's last hour appear first unfinished (endTime, usage, cost null/empty) and "
        "again complete with a newer updatedAt in the next export file / a later API page. Dedupe on id keeping "
        "the max updatedAt. Export file <T>.jsonl.gz holds rows with updatedAt in [T - 1 day, T). The API pull "
        "for day D covers [D - 1h, D + 1d) sorted by startTime desc, 1000 per page; the last hour of the "
        "previous day is re-read, so those rows appear twice."
    ),
    "langfuse_helicone_link": (
        "Teams in both_teams call models through the Helicone proxy with a custom Helicone-Request-Id header "
        "and trace with Langfuse: the Helicone request_id equals the Langfuse observation's "
        "metadata.helicone_request_id. Count such a request once."
    ),
    "helicone_tokens": (
        "prompt_tokens = uncached text input; prompt_cache_read_tokens / prompt_cache_write_tokens separate; "
        "completion_tokens excludes reasoning_tokens; audio separate; total_tokens = prompt + completion + "
        "reasoning (Helicone's formula, excludes cache and audio). cost in USD; delay_ms, "
        "time_to_first_token in ms. Properties Team/Feature/Environment come from Helicone-Property-* headers."
    ),
    "attribution": (
        "Some requests carry no team/feature tags: attribute them through user_teams.csv; contractors' and "
        "anonymous calls cannot be attributed. GPU cost: EC2 line items carry resource tags and the node "
        "hostname; dcgm series carry Hostname/hostname and namespace (namespace_teams.csv)."
    ),
    "costs": (
        "Reported request costs are genai-prices list prices at the request's day; unpriced models "
        "(self-hosted, the fine-tuned ft:gpt-4.1-nano model) report cost 0. Langfuse latency is in seconds."
    ),
    "billing": (
        "Per provider, the FOCUS file and the native file of a month hold the same charges: AWS FOCUS "
        "(focus_aws_*.csv.gz) = CUR 2.0 (cur2_aws_*.parquet; pricing_public_on_demand_cost = ListCost, "
        "line_item_unblended_cost = BilledCost); Azure FOCUS = native EA actual cost (Cost = BilledCost, "
        "PayGPrice x Quantity = ListCost); GCP FOCUS = BigQuery export (cost = BilledCost of the usage rows, "
        "credits[] = FOCUS Credit rows, cost_at_list = ListCost)."
    ),
    "budgets": "Budgets in company/budgets.csv are sized for the default 10,000 requests/day.",
}


def write_billing(out: Path, ledger: Ledger, start: date, days: int, seed: int, progress) -> dict:
    ch = billing.charges(ledger.usage_frame(), start, days, seed)
    files: dict[str, dict] = {}
    months = sorted(set(ch["month"].to_list()))
    steps = [(p, m) for p in ("aws", "azure", "gcp") for m in months]
    for i, (provider, month) in enumerate(steps):
        part = ch.filter((pl.col("provider") == provider) & (pl.col("month") == month))
        if part.height == 0:
            continue
        described = billing_focus.describe(part)
        focus = billing_focus.focus_frame(billing_focus.focus_rows(described, provider, month), provider)
        base = out / "billing" / provider
        entry = files.setdefault(provider, {"focus": [], "native": [], "rows": 0})
        if provider == "aws":
            focus_path, native_path = base / f"focus_aws_{month}.csv.gz", base / f"cur2_aws_{month}.parquet"
            write_csv(focus_path, focus, gz=True)
            billing_native.write_cur(native_path, described, month)
        elif provider == "azure":
            focus_path, native_path = (
                base / f"focus_azure_{month}.csv",
                base / f"azure_costs_actual_{month}.csv",
            )
            write_csv(focus_path, focus)
            billing_native.write_azure(native_path, described, month)
        else:
            focus_path, native_path = (
                base / f"focus_gcp_{month}.csv",
                base / f"gcp_billing_export_{month}.jsonl",
            )
            write_csv(focus_path, focus)
            write_lines(native_path, pl.Series(billing_native.gcp_lines(described, month), dtype=pl.String))
        entry["focus"].append(str(focus_path.relative_to(out)))
        entry["native"].append(str(native_path.relative_to(out)))
        entry["rows"] += focus.height
        progress("billing", i + 1, len(steps))
    return {"files": files, "economics": billing.economics(ch, ledger.route_costs())}


def write_labels(out: Path, plan: list, ledger: Ledger, end: date, progress) -> dict:
    rows = anomalies.label_rows(plan)
    columns = [
        "anomaly_id",
        "pattern",
        "scope_type",
        "scope_value",
        "start",
        "end",
        "top_contributor_type",
        "top_contributor_value",
        "description",
        "variant",
        "extra_requests",
        "affected_requests",
        "impact_cost_usd",
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            c: (pl.Float64 if c == "impact_cost_usd" else pl.Int64 if c.endswith("_requests") else pl.String)
            for c in columns
        },
    )
    write_csv(out / "labels" / "anomaly_labels.csv", frame)
    budgets = ledger.budget_labels(end)
    write_rows_csv(out / "labels" / "budget_labels.csv", budgets)
    progress("labels", 1, 1)
    return {
        "anomaly_labels": "labels/anomaly_labels.csv",
        "budget_labels": "labels/budget_labels.csv",
        "anomalies": len(rows),
        "patterns": sorted({r["pattern"] for r in rows}),
        "over_budget_teams": [b["team_id"] for b in budgets if b["on_track_to_overrun"]],
    }


# company tables that are also the repository's dbt seeds (lookup data a company keeps), by seed name
SEED_TABLES = {
    "teams": "teams",
    "features": "features",
    "api_keys": "api_keys",
    "budgets": "budgets",
    "user_teams": "user_teams",
    "namespace_teams": "namespace_teams",
    "account_teams": "account_teams",
    "gpu_nodes": "gpu_nodes",
    "gpu_workloads": "gpu_workloads",
    "llm_models": "models",
}


def write_seeds(seed_dir: Path) -> list[Path]:
    """Write the company lookup tables as dbt seeds (`python -m burnrate.generate.outputs seeds/`)."""
    tables = company_tables()
    paths = []
    for seed, table in SEED_TABLES.items():
        path = seed_dir / f"{seed}.csv"
        write_rows_csv(path, tables[table])
        paths.append(path)
    return paths


def write_company(out: Path) -> dict:
    tables = company_tables()
    for name, rows in tables.items():
        write_rows_csv(out / "company" / f"{name}.csv", rows)
    return {name: f"company/{name}.csv" for name in tables}


def write_manifest(
    out: Path,
    *,
    seed: int,
    days: int,
    requests_per_day: int,
    start: date,
    end: date,
    ledger: Ledger,
    artifacts: dict,
    economics: dict,
    both_teams: list[str],
) -> dict:
    manifest = {
        "generator": "burnrate.generate",
        "schema_version": 1,
        "seed": seed,
        "days": days,
        "requests_per_day": requests_per_day,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "end_date_exclusive": True,
        "requests": {"total": ledger.requests, "by_team": dict(sorted(ledger.by_team.items()))},
        "both_teams": both_teams,
        "launches": [
            {
                "feature": f.key,
                "launch_date": (end - timedelta(days=f.launch_days_before_end)).isoformat(),
                "ramp_days": 2,
            }
            for f in FEATURES
            if f.launch_days_before_end is not None
        ],
        "artifacts": artifacts,
        "economics": economics,
        "notes": NOTES,
    }
    write_json(out / "manifest.json", manifest)
    return manifest


if __name__ == "__main__":
    import sys

    for written in write_seeds(Path(sys.argv[1] if len(sys.argv) > 1 else "seeds")):
        print(written)
