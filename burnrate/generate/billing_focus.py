"""Describe charges in each provider's vocabulary, and render FOCUS 1.2 CSV files.

Every FOCUS file has all 57 FOCUS 1.2 columns (spec order) followed by the provider's `x_` columns.
Real-world quirks kept on purpose: nulls written as the literal `NULL` on some rows and as empty strings on
others; AWS timestamps as `YYYY-MM-DD HH:MM:SS`, Azure/GCP as ISO `...T...Z`; AWS files gzip-compressed.
Money has at most 10 decimals. GCP credits are separate `Credit` rows (negative BilledCost/EffectiveCost).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import polars as pl

from burnrate.generate.billing import SERVICES, account_name, billing_account, gpu_node
from burnrate.generate.catalog import MODELS
from burnrate.generate.company import ACCOUNTS, NAMESPACE_TEAMS

FOCUS_COLUMNS = (
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
)
MANDATORY = (
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
)
X_COLUMNS = {
    "aws": ("x_CostCategories", "x_Discounts", "x_Operation", "x_ServiceCode", "x_UsageType"),
    "azure": ("x_SkuMeterCategory", "x_SkuMeterSubcategory", "x_ResourceGroupName", "x_BillingProfileId"),
    "gcp": ("x_ServiceId", "x_CreditType"),
}
PROVIDER_NAMES = {"aws": "AWS", "azure": "Microsoft", "gcp": "Google Cloud"}
_AWS_TOKEN = {
    "input": "input-tokens",
    "output": "output-tokens",
    "cache_read": "cache-read-input-token-count",
    "cache_write": "cache-write-input-token-count",
}
_AZURE_TOKEN = {
    "input": "Input",
    "output": "Output",
    "cache_read": "cached Input",
    "cache_write": "cached write Input",
}
_AZURE_UNIT = {"azure-gpt-4.1": ("1K", 1_000), "azure-gpt-4o-mini": ("1M", 1_000_000)}


def _day(ms: int) -> date:
    return date(1970, 1, 1) + timedelta(days=ms // 86_400_000)


def _ts(ms: int) -> datetime:
    return datetime(1970, 1, 1) + timedelta(milliseconds=ms)


def _gcp_sku(m, token_type: str, batch: bool, band: int) -> str:
    mode = "Batch Prediction" if batch else "Online Prediction"
    if token_type == "cache_read":
        kind = "Cached Input"
    else:
        kind = "Input (text, image, video)" if token_type == "input" else "Output"
    if m.key == "gemini-2.5-pro":
        tier = "> 200k" if band else "≤ 200k"
        kind = (
            kind.replace("(text, image, video)", f"(text, image, video {tier} tokens)")
            if "Input" in kind
            else f"Output ({tier} input tokens)"
        )
    return f"{m.billing_name} {mode} {kind}" if kind != "Cached Input" else f"{m.billing_name} Cached Input"


def _sku_id(text: str) -> str:
    import hashlib

    h = hashlib.sha256(text.encode()).hexdigest().upper()
    return f"{h[:4]}-{h[4:8]}-{h[8:12]}"


def describe(ch: pl.DataFrame) -> list[dict]:
    """One dict per charge with provider vocabulary (service, SKU/meter/usage type, units, tags)."""
    out = []
    for r in ch.iter_rows(named=True):
        p = r["provider"]
        team = next((t for pp, a, _n, t in ACCOUNTS if pp == p and a == r["account"]), None)
        d = dict(r)
        d.update(
            sub_account_name=account_name(p, r["account"]),
            team=team,
            region="us-east-1",
            resource_type=None,
            resource_name=None,
            tags={},
            unit_divisor=1.0,
            operation=None,
        )
        if p == "azure":
            d["region"] = "eastus2"
        elif p == "gcp":
            d["region"] = "us-central1"
        if team:
            d["tags"]["team"] = team
        if r["kind"] == "ai":
            m = next(x for x in MODELS if x.key == r["model_key"])
            d.update(category="AI and Machine Learning", subcategory="Generative AI", consumed_unit="Tokens")
            if p == "aws":
                ut = f"USE1-{m.billing_name}-{_AWS_TOKEN[r['token_type']]}{m.billing_suffix}"
                d.update(
                    service="Amazon Bedrock",
                    service_code="AmazonBedrock",
                    sku=ut,
                    usage_type=ut,
                    pricing_unit="1K tokens",
                    unit_divisor=1_000.0,
                    operation="InvokeModelInference",
                    resource_id=f"arn:aws:bedrock:us-east-1::foundation-model/{m.name}",
                    resource_type="Foundation Model",
                )
            elif p == "azure":
                unit, div = _AZURE_UNIT[m.key]
                meter = f"{m.billing_name} {_AZURE_TOKEN[r['token_type']]} global Tokens"
                d.update(
                    service="Azure OpenAI",
                    service_code="Microsoft.CognitiveServices",
                    sku=meter,
                    usage_type=meter,
                    pricing_unit=unit,
                    unit_divisor=float(div),
                    meter_category="Cognitive Services",
                    meter_subcategory="Azure OpenAI",
                    resource_type="microsoft.cognitiveservices/accounts",
                    resource_name=f"acme-openai-{team or 'shared'}",
                    resource_id=(
                        f"/subscriptions/{r['account']}/resourceGroups/rg-ai-{team or 'shared'}/providers/"
                        f"Microsoft.CognitiveServices/accounts/acme-openai-{team or 'shared'}"
                    ),
                )
            else:
                sku = _gcp_sku(m, r["token_type"], r["batch"], r["band"])
                d.update(
                    service="Vertex AI",
                    service_code="C7E2-9256-1C43",
                    sku=sku,
                    usage_type=sku,
                    pricing_unit="1M tokens",
                    unit_divisor=1_000_000.0,
                )
            d["charge_description"] = f"{d['sku']} ({m.name})"
        elif r["kind"] == "gpu":
            node = gpu_node(r["service_key"])
            ut = f"USE1-BoxUsage:{node.instance_type}"
            d.update(
                category="Compute",
                subcategory="Virtual Machines",
                service="Amazon Elastic Compute Cloud",
                service_code="AmazonEC2",
                sku=ut,
                usage_type=ut,
                pricing_unit="Hrs",
                consumed_unit="Hours",
                operation="RunInstances",
                resource_type="Instance",
                resource_name=node.hostname,
                charge_description=f"${node.hourly_usd} per On Demand Linux {node.instance_type} Instance Hour",
            )
            d["tags"] = {
                "team": NAMESPACE_TEAMS[node.namespace],
                "k8s_cluster": node.cluster,
                "hostname": node.hostname,
            }
        else:
            s = SERVICES[int(r["service_key"])]
            sub = {
                "Storage": "Object Storage",
                "Databases": "Relational Databases",
                "Compute": "Containers",
                "Networking": "Network Connectivity",
                "Analytics": "Data Processing",
                "Management and Governance": "Observability",
            }[s.category]
            if s.service in ("Virtual Machines", "Compute Engine"):
                sub = "Virtual Machines"
            d.update(
                category=s.category,
                subcategory=sub,
                service=s.service,
                service_code=s.service_code,
                sku=s.sku,
                usage_type=s.sku,
                pricing_unit=s.unit,
                consumed_unit=s.unit,
                charge_description=f"{s.service}: {s.sku}",
                meter_category=s.service,
                meter_subcategory=s.service,
            )
        d["pricing_quantity"] = r["quantity"] / d["unit_divisor"]
        d["pricing_list_unit_price"] = r["list_unit_price"] * d["unit_divisor"]
        d["pricing_contracted_unit_price"] = r["contracted_unit_price"] * d["unit_divisor"]
        d["sku_id"] = _sku_id(f"{p}/{d['sku']}")
        out.append(d)
    return out


def money(x: float) -> str:
    """Fixed-point text with at most 10 decimals (no exponent, trailing zeros trimmed)."""
    text = f"{x:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fmt_ts(ms: int, provider: str) -> str:
    return _ts(ms).strftime("%Y-%m-%d %H:%M:%S" if provider == "aws" else "%Y-%m-%dT%H:%M:%SZ")


def _period(month: str) -> tuple[int, int]:
    y, m = map(int, month.split("-"))
    start = date(y, m, 1)
    end = date(y + (m == 12), m % 12 + 1, 1)
    return ((start - date(1970, 1, 1)).days * 86_400_000, (end - date(1970, 1, 1)).days * 86_400_000)


def focus_rows(described: list[dict], provider: str, month: str) -> list[dict]:
    """FOCUS 1.2 rows (values as text or None) for one provider and month."""
    bill_id, bill_name = billing_account(provider)
    p0, p1 = _period(month)
    rows = []
    for d in described:
        base = {c: None for c in FOCUS_COLUMNS}
        base.update(
            BillingAccountId=bill_id,
            BillingAccountName=bill_name,
            BillingAccountType="Billing Account",
            BillingCurrency="USD",
            BillingPeriodStart=_fmt_ts(p0, provider),
            BillingPeriodEnd=_fmt_ts(p1, provider),
            ChargePeriodStart=_fmt_ts(d["start_ms"], provider),
            ChargePeriodEnd=_fmt_ts(d["end_ms"], provider),
            ChargeCategory="Usage",
            ChargeDescription=d["charge_description"],
            ChargeFrequency="Usage-Based",
            ConsumedQuantity=money(d["quantity"]),
            ConsumedUnit=d["consumed_unit"],
            ListCost=money(d["list_cost"]),
            ListUnitPrice=money(d["pricing_list_unit_price"]),
            ContractedCost=money(d["billed_cost"]),
            ContractedUnitPrice=money(d["pricing_contracted_unit_price"]),
            BilledCost=money(d["billed_cost"]),
            EffectiveCost=money(d["billed_cost"]),
            InvoiceId=f"INV-{provider.upper()}-{month.replace('-', '')}",
            InvoiceIssuerName=PROVIDER_NAMES[provider],
            PricingCategory="Standard",
            PricingCurrency="USD",
            PricingQuantity=money(d["pricing_quantity"]),
            PricingUnit=d["pricing_unit"],
            PricingCurrencyListUnitPrice=money(d["pricing_list_unit_price"]),
            PricingCurrencyContractedUnitPrice=money(d["pricing_contracted_unit_price"]),
            PricingCurrencyEffectiveCost=money(d["billed_cost"]),
            ProviderName=PROVIDER_NAMES[provider],
            PublisherName=PROVIDER_NAMES[provider],
            RegionId=d["region"],
            RegionName=d["region"],
            ResourceId=d.get("resource_id"),
            ResourceName=d.get("resource_name"),
            ResourceType=d.get("resource_type"),
            ServiceCategory=d["category"],
            ServiceName=d["service"],
            ServiceSubcategory=d["subcategory"],
            SkuId=d["sku_id"],
            SkuMeter=d["sku"],
            SkuPriceId=f"{d['sku_id']}-{money(d['pricing_list_unit_price'])}",
            SkuPriceDetails=json.dumps({"pricing_unit": d["pricing_unit"]}, separators=(",", ":")),
            SubAccountId=d["account"],
            SubAccountName=d["sub_account_name"],
            SubAccountType={"aws": "AWS Account", "azure": "Subscription", "gcp": "Project"}[provider],
            Tags=json.dumps(_focus_tags(d["tags"], provider), separators=(",", ":")),
        )
        base.update(_x_columns(d, provider))
        rows.append(base)
        if provider == "gcp" and d["credit_amount"] < 0:
            credit = dict(base)
            credit.update(
                ChargeCategory="Credit",
                ChargeFrequency="Usage-Based",
                ChargeDescription=f"Committed use / free-tier credit: {d['sku']}",
                BilledCost=money(d["credit_amount"]),
                EffectiveCost=money(d["credit_amount"]),
                PricingCurrencyEffectiveCost=money(d["credit_amount"]),
                ListCost="0",
                ContractedCost="0",
                ConsumedQuantity=None,
                PricingQuantity=None,
                ListUnitPrice=None,
                ContractedUnitPrice=None,
                PricingCurrencyListUnitPrice=None,
                PricingCurrencyContractedUnitPrice=None,
                x_CreditType="COMMITTED_USAGE_DISCOUNT" if d["service"] == "Compute Engine" else "FREE_TIER",
            )
            rows.append(credit)
    return rows


def _focus_tags(tags: dict, provider: str) -> dict:
    if provider == "aws":
        return {f"user:{k}": v for k, v in tags.items()}
    return dict(tags)


def _x_columns(d: dict, provider: str) -> dict:
    if provider == "aws":
        return {
            "x_CostCategories": "{}",
            "x_Discounts": json.dumps({"private_rate_discount": money(d["billed_cost"] - d["list_cost"])}),
            "x_Operation": d.get("operation"),
            "x_ServiceCode": d["service_code"],
            "x_UsageType": d["usage_type"],
        }
    if provider == "azure":
        return {
            "x_SkuMeterCategory": d.get("meter_category"),
            "x_SkuMeterSubcategory": d.get("meter_subcategory"),
            "x_ResourceGroupName": f"rg-{d['team'] or 'shared'}",
            "x_BillingProfileId": "BP-ACME-001",
        }
    return {"x_ServiceId": d["service_code"], "x_CreditType": None}


def focus_frame(rows: list[dict], provider: str) -> pl.DataFrame:
    """Text frame with quirks: every 7th row writes nulls as the literal `NULL`, others as empty strings."""
    columns = list(FOCUS_COLUMNS) + list(X_COLUMNS[provider])
    data = {c: [r.get(c) for r in rows] for c in columns}
    frame = pl.DataFrame(data, schema={c: pl.String for c in columns})
    literal_null = pl.Series([i % 7 == 3 for i in range(len(rows))])
    return frame.with_columns(
        [
            pl.when(pl.col(c).is_null() & literal_null).then(pl.lit("NULL")).otherwise(pl.col(c)).alias(c)
            for c in columns
        ]
    )
