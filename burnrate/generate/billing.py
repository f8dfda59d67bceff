"""Cloud charges for the period: one unified charge table per provider that every bill file renders.

AI token charges follow the logged traffic: tokens per (day, account, model, token type) at the
genai-prices list rate, plus *untracked* tokens no log saw (a fixed share on some models), billed at list
minus a negotiated discount per provider. GPU instance hours and ordinary services (storage, databases,
Kubernetes, ...) come from fixed catalogues with seeded day-to-day noise. Because FOCUS, CUR and the native
exports are rendered from the same rows, their totals agree to the cent by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from burnrate.generate.catalog import GPU_NODES, MODELS
from burnrate.generate.company import ACCOUNTS, BILLING_ACCOUNTS, account_for
from burnrate.generate.pricing import BUCKETS, rate_card
from burnrate.generate.traffic import DAY_MS, HOUR_MS, epoch_ms

DISCOUNTS = {"aws": 0.08, "azure": 0.15, "gcp": 0.10}  # negotiated discount off list, per provider
UNTRACKED = {
    "bedrock-haiku-4-5": 0.12,
    "azure-gpt-4.1": 0.07,
    "gemini-2.5-flash": 0.09,
}  # share of logged tokens
ROUTE_PROVIDER = {"aws_bedrock": "aws", "azure_openai": "azure", "gcp_vertex": "gcp"}
TOKEN_TYPES = {  # bill token type -> our buckets
    "input": ("input", "input_audio"),
    "cache_read": ("cache_read",),
    "cache_write": ("cache_write",),
    "output": ("output", "reasoning", "output_audio"),
}


@dataclass(frozen=True)
class Service:
    """A non-AI service line billed daily to an account (amount is list USD per day before noise)."""

    provider: str
    account: str
    service: str
    category: str
    service_code: str
    sku: str
    unit: str
    unit_price: float
    daily_quantity: float
    credit_share: float = 0.0  # GCP: share of cost returned as a credit


# fmt: off
SERVICES: tuple[Service, ...] = (
    Service("aws", "334455667788", "Amazon Simple Storage Service", "Storage", "AmazonS3", "USE1-TimedStorage-ByteHrs", "GB-Mo", 0.0007666666666666667, 48000),
    Service("aws", "556677889900", "Amazon Simple Storage Service", "Storage", "AmazonS3", "USE1-TimedStorage-ByteHrs", "GB-Mo", 0.0007666666666666667, 160000),
    Service("aws", "667788990011", "Amazon Relational Database Service", "Databases", "AmazonRDS", "USE1-InstanceUsage:db.r6g.2xlarge", "Hrs", 0.899, 48),
    Service("aws", "445566778899", "Amazon Elastic Kubernetes Service", "Compute", "AmazonEKS", "USE1-AmazonEKS-Hours:perCluster", "Hours", 0.1, 24),
    Service("aws", "556677889900", "Amazon Elastic Kubernetes Service", "Compute", "AmazonEKS", "USE1-AmazonEKS-Hours:perCluster", "Hours", 0.1, 24),
    Service("aws", "667788990011", "Amazon CloudWatch", "Management and Governance", "AmazonCloudWatch", "USE1-CW:GMD-Metrics", "Metrics", 0.01, 4000),
    Service("aws", "334455667788", "AWS Data Transfer", "Networking", "AWSDataTransfer", "USE1-DataTransfer-Out-Bytes", "GB", 0.09, 350),
    Service("azure", "9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", "Virtual Machines", "Compute", "Microsoft.Compute", "D4s v5", "1 Hour", 0.192, 96),
    Service("azure", "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", "Storage", "Storage", "Microsoft.Storage", "Hot LRS Data Stored", "1 GB/Month", 0.0006133333333333334, 22000),
    Service("azure", "5f1c2a3b-8d4e-4a6f-9b0c-1d2e3f4a5b6c", "Azure Monitor", "Management and Governance", "Microsoft.OperationalInsights", "Analytics Logs Data Ingestion", "1 GB", 2.3, 14),
    Service("gcp", "acme-data-analytics", "BigQuery", "Analytics", "24E6-581D-38E5", "Analysis", "tebibyte", 6.25, 9.5, credit_share=0.04),
    Service("gcp", "acme-shared-infra", "Cloud Storage", "Storage", "95FF-2EF5-5EA1", "Standard Storage US Multi-region", "gibibyte month", 0.0008666666666666666, 90000),
    Service("gcp", "acme-search-prod", "Compute Engine", "Compute", "6F81-5844-456A", "N2 Instance Core running in Americas", "hour", 0.031611, 768, credit_share=0.28),
)
# fmt: on


def account_name(provider: str, account_id: str) -> str:
    return next(n for p, a, n, _t in ACCOUNTS if p == provider and a == account_id)


def _month(ms: int) -> str:
    return date(1970, 1, 1).fromordinal(date(1970, 1, 1).toordinal() + ms // DAY_MS).strftime("%Y-%m")


def ai_usage_rows(usage: pl.DataFrame) -> pl.DataFrame:
    """Logged tokens per (day, provider, account, model, batch, band, token type) with list rates."""
    by = ["day_index", "day_ms", "model_idx", "team", "batch", "band"]
    agg = usage.group_by(by).agg([pl.col(f"t_{b}").sum() for b in BUCKETS]).sort(by)
    rows = []
    for r in agg.iter_rows(named=True):
        m = MODELS[r["model_idx"]]
        provider = ROUTE_PROVIDER[m.route]
        day = date(1970, 1, 1) + timedelta(days=r["day_ms"] // DAY_MS)
        card = rate_card(m.key, day, r["batch"])
        for ttype, buckets in TOKEN_TYPES.items():
            tokens = sum(r[f"t_{b}"] for b in buckets)
            if tokens == 0:
                continue
            rates = {card.rates[r["band"], BUCKETS.index(b)] for b in buckets if r[f"t_{b}"]}
            if len(rates) != 1:
                raise ValueError(f"{m.key}: buckets {buckets} merged into one bill line have different rates")
            rows.append(
                {
                    "day_index": r["day_index"],
                    "day_ms": r["day_ms"],
                    "provider": provider,
                    "account": account_for(provider, r["team"]),
                    "model_key": m.key,
                    "batch": r["batch"],
                    "band": r["band"],
                    "token_type": ttype,
                    "logged_tokens": tokens,
                    "rate": rates.pop(),
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "day_index": pl.Int64,
            "day_ms": pl.Int64,
            "provider": pl.String,
            "account": pl.String,
            "model_key": pl.String,
            "batch": pl.Boolean,
            "band": pl.Int64,
            "token_type": pl.String,
            "logged_tokens": pl.Int64,
            "rate": pl.Float64,
        },
    )


def add_untracked(rows: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Untracked tokens: a share of logged tokens on some models, with day-to-day noise (seeded)."""
    rng = np.random.default_rng([seed, 9_001])
    share = rows["model_key"].replace_strict(UNTRACKED, default=0.0, return_dtype=pl.Float64).to_numpy()
    noise = rng.uniform(0.8, 1.2, rows.height)
    untracked = np.rint(rows["logged_tokens"].to_numpy() * share * noise).astype(np.int64)
    return rows.with_columns(pl.Series("untracked_tokens", untracked)).with_columns(
        (pl.col("logged_tokens") + pl.col("untracked_tokens")).alias("tokens")
    )


def charges(usage: pl.DataFrame, start: date, days: int, seed: int) -> pl.DataFrame:
    """All charges of all providers for the period (one row per bill line, before rendering)."""
    ai = add_untracked(ai_usage_rows(usage), seed) if usage.height else None
    parts = []
    if ai is not None and ai.height:
        parts.append(
            ai.select(
                "provider",
                "account",
                pl.lit("ai").alias("kind"),
                "model_key",
                "token_type",
                "batch",
                "band",
                pl.col("day_ms").alias("start_ms"),
                (pl.col("day_ms") + DAY_MS).alias("end_ms"),
                pl.col("tokens").cast(pl.Float64).alias("quantity"),
                pl.col("rate").alias("list_unit_price"),
                "logged_tokens",
                "untracked_tokens",
                pl.lit(None, pl.String).alias("resource_id"),
                pl.lit(None, pl.String).alias("service_key"),
                pl.lit(0.0).alias("credit_share"),
            )
        )
    parts.append(_service_lines(start, days, seed))
    parts.append(_gpu_lines(start, days))
    frame = pl.concat(parts, how="diagonal_relaxed")
    frame = (
        frame.with_columns(
            pl.col("provider").replace_strict(DISCOUNTS, return_dtype=pl.Float64).alias("discount"),
            (pl.col("quantity") * pl.col("list_unit_price")).round(10).alias("list_cost"),
        )
        .with_columns(
            (pl.col("list_unit_price") * (1 - pl.col("discount"))).alias("contracted_unit_price"),
            (pl.col("list_cost") * (1 - pl.col("discount"))).round(10).alias("billed_cost"),
        )
        .with_columns(
            (-(pl.col("billed_cost") * pl.col("credit_share"))).round(10).alias("credit_amount"),
            pl.col("start_ms").map_elements(_month, return_dtype=pl.String).alias("month"),
        )
    )
    return frame.sort(
        ["provider", "start_ms", "account", "kind", "service_key", "model_key", "token_type", "resource_id"],
        nulls_last=True,
    )


def _service_lines(start: date, days: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng([seed, 9_002])
    rows = []
    for d in range(days):
        day_ms = epoch_ms(start + timedelta(days=d))
        for i, s in enumerate(SERVICES):
            q = round(s.daily_quantity * float(rng.uniform(0.9, 1.1)), 6)
            rows.append(
                {
                    "provider": s.provider,
                    "account": s.account,
                    "kind": "service",
                    "service_key": str(i),
                    "start_ms": day_ms,
                    "end_ms": day_ms + DAY_MS,
                    "quantity": q,
                    "list_unit_price": s.unit_price,
                    "credit_share": s.credit_share,
                }
            )
    return pl.DataFrame(rows)


def _gpu_lines(start: date, days: int) -> pl.DataFrame:
    """Hourly EC2 line items for every GPU node (matched to DCGM by hostname and instance id)."""
    rows = []
    start_ms = epoch_ms(start)
    for h in range(days * 24):
        for n in GPU_NODES:
            rows.append(
                {
                    "provider": "aws",
                    "account": n.account_id,
                    "kind": "gpu",
                    "resource_id": n.instance_id,
                    "service_key": n.hostname,
                    "start_ms": start_ms + h * HOUR_MS,
                    "end_ms": start_ms + (h + 1) * HOUR_MS,
                    "quantity": 1.0,
                    "list_unit_price": n.hourly_usd,
                    "credit_share": 0.0,
                }
            )
    return pl.DataFrame(rows)


def gpu_node(hostname: str):
    return next(n for n in GPU_NODES if n.hostname == hostname)


def billing_account(provider: str) -> tuple[str, str]:
    return BILLING_ACCOUNTS[provider]


def economics(ch: pl.DataFrame, usage_cost: pl.DataFrame) -> dict:
    """Ground truth for reconciliation: discounts, and per provider x model x month logged vs billed."""
    ai = ch.filter(pl.col("kind") == "ai")
    per = []
    if ai.height:
        grouped = (
            ai.group_by(["provider", "model_key", "month"])
            .agg(
                pl.col("logged_tokens").sum(),
                pl.col("untracked_tokens").sum(),
                pl.col("quantity").sum().alias("billed_tokens"),
                pl.col("list_cost").sum(),
                pl.col("billed_cost").sum(),
                (pl.col("untracked_tokens") * pl.col("list_unit_price")).sum().alias("untracked_list_cost"),
            )
            .sort(["provider", "model_key", "month"])
        )
        for g in grouped.iter_rows(named=True):
            m = next(x for x in MODELS if x.key == g["model_key"])
            by_type = (
                ai.filter((pl.col("model_key") == g["model_key"]) & (pl.col("month") == g["month"]))
                .group_by("token_type")
                .agg(pl.col("untracked_tokens").sum())
                .sort("token_type")
            )
            d = DISCOUNTS[g["provider"]]
            per.append(
                {
                    "provider": g["provider"],
                    "model": m.name,
                    "model_key": m.key,
                    "month": g["month"],
                    "logged_tokens": int(g["logged_tokens"]),
                    "untracked_tokens": int(g["untracked_tokens"]),
                    "billed_tokens": int(g["billed_tokens"]),
                    "untracked_tokens_by_type": {
                        r["token_type"]: int(r["untracked_tokens"]) for r in by_type.iter_rows(named=True)
                    },
                    "untracked_share_of_logged": round(g["untracked_tokens"] / g["logged_tokens"], 6)
                    if g["logged_tokens"]
                    else 0,
                    "bill_list_cost_usd": round(g["list_cost"], 6),
                    "bill_billed_cost_usd": round(g["billed_cost"], 6),
                    "untracked_list_cost_usd": round(g["untracked_list_cost"], 6),
                    "untracked_billed_cost_usd": round(g["untracked_list_cost"] * (1 - d), 6),
                    "logged_list_cost_usd": round(g["list_cost"] - g["untracked_list_cost"], 6),
                }
            )
    totals = (
        ch.group_by(["provider", "month"])
        .agg(pl.col("list_cost").sum(), pl.col("billed_cost").sum(), pl.col("credit_amount").sum())
        .sort(["provider", "month"])
    )
    return {
        "basis": (
            "Bill token lines = logged tokens (every logged call incl. errors with usage and staging, each "
            "request once) + untracked tokens, priced at the genai-prices list rate of the request's day; "
            "billed/effective cost = list x (1 - discount). Direct OpenAI/Anthropic and self-hosted "
            "traffic has no cloud bill."
        ),
        "discounts": DISCOUNTS,
        "untracked_shares": UNTRACKED,
        "ai_by_provider_model_month": per,
        "bill_totals": [
            {
                "provider": r["provider"],
                "month": r["month"],
                "list_cost_usd": round(r["list_cost"], 6),
                "billed_cost_before_credits_usd": round(r["billed_cost"], 6),
                "credits_usd": round(r["credit_amount"], 6),
                "net_billed_cost_usd": round(r["billed_cost"] + r["credit_amount"], 6),
            }
            for r in totals.iter_rows(named=True)
        ],
        "logged_cost_by_route": usage_cost.to_dicts() if usage_cost.height else [],
    }
