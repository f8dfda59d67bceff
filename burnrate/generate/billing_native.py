"""Native bill exports of the same charges the FOCUS files hold.

- AWS CUR 2.0 (Parquet, fixed schema, map columns `product`, `resource_tags`, `cost_category`, `discount`):
  `pricing_public_on_demand_cost` is list, `line_item_unblended_cost` / `line_item_net_unblended_cost` are
  after the negotiated (private-rate) discount.
- Azure cost details, EA "actual cost" CSV: UTF-8 BOM, `MM/DD/YYYY` dates, tags without braces; `Cost` is
  billed, `PayGPrice` x `Quantity` is list.
- GCP BigQuery billing export rows (JSONL; nested `service`, `sku`, `project`, `labels[]`, `credits[]`):
  `cost` is billed before credits, `cost_at_list` list; credits are negative.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow as pa

from burnrate.generate.billing import billing_account
from burnrate.generate.billing_focus import _period, _ts, money
from burnrate.generate.writers import write_csv, write_parquet

_STR_MAP = pa.map_(pa.string(), pa.string())


def cur2_table(described: list[dict], month: str) -> pa.Table:
    payer_id, payer_name = billing_account("aws")
    p0, p1 = _period(month)
    ts = pa.timestamp("ms", tz="UTC")
    rows = {
        k: []
        for k in (
            "bill_bill_type",
            "bill_billing_entity",
            "bill_billing_period_start_date",
            "bill_billing_period_end_date",
            "bill_invoice_id",
            "bill_invoicing_entity",
            "bill_payer_account_id",
            "bill_payer_account_name",
            "identity_line_item_id",
            "identity_time_interval",
            "line_item_availability_zone",
            "line_item_blended_cost",
            "line_item_blended_rate",
            "line_item_currency_code",
            "line_item_legal_entity",
            "line_item_line_item_description",
            "line_item_line_item_type",
            "line_item_net_unblended_cost",
            "line_item_net_unblended_rate",
            "line_item_normalization_factor",
            "line_item_normalized_usage_amount",
            "line_item_operation",
            "line_item_product_code",
            "line_item_resource_id",
            "line_item_tax_type",
            "line_item_unblended_cost",
            "line_item_unblended_rate",
            "line_item_usage_account_id",
            "line_item_usage_account_name",
            "line_item_usage_amount",
            "line_item_usage_end_date",
            "line_item_usage_start_date",
            "line_item_usage_type",
            "pricing_currency",
            "pricing_public_on_demand_cost",
            "pricing_public_on_demand_rate",
            "pricing_term",
            "pricing_unit",
            "product",
            "product_servicecode",
            "product_region_code",
            "product_instance_type",
            "resource_tags",
            "cost_category",
            "discount",
        )
    }
    for i, d in enumerate(described):
        start, end = _ts(d["start_ms"]), _ts(d["end_ms"])
        values = {
            "bill_bill_type": "Anniversary",
            "bill_billing_entity": "AWS",
            "bill_billing_period_start_date": _ts(p0),
            "bill_billing_period_end_date": _ts(p1),
            "bill_invoice_id": f"INV-AWS-{month.replace('-', '')}",
            "bill_invoicing_entity": "Amazon Web Services, Inc.",
            "bill_payer_account_id": payer_id,
            "bill_payer_account_name": payer_name,
            "identity_line_item_id": f"{month}-{i:08d}",
            "identity_time_interval": f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}",
            "line_item_availability_zone": "us-east-1a" if d["kind"] == "gpu" else "",
            "line_item_blended_cost": d["billed_cost"],
            "line_item_blended_rate": money(d["pricing_contracted_unit_price"]),
            "line_item_currency_code": "USD",
            "line_item_legal_entity": "Amazon Web Services, Inc.",
            "line_item_line_item_description": d["charge_description"],
            "line_item_line_item_type": "Usage",
            "line_item_net_unblended_cost": d["billed_cost"],
            "line_item_net_unblended_rate": money(d["pricing_contracted_unit_price"]),
            "line_item_normalization_factor": 0.0,
            "line_item_normalized_usage_amount": 0.0,
            "line_item_operation": d.get("operation") or "",
            "line_item_product_code": d["service_code"],
            "line_item_resource_id": d.get("resource_id") or "",
            "line_item_tax_type": "",
            "line_item_unblended_cost": d["billed_cost"],
            "line_item_unblended_rate": money(d["pricing_contracted_unit_price"]),
            "line_item_usage_account_id": d["account"],
            "line_item_usage_account_name": d["sub_account_name"],
            "line_item_usage_amount": d["pricing_quantity"],
            "line_item_usage_end_date": end,
            "line_item_usage_start_date": start,
            "line_item_usage_type": d["usage_type"],
            "pricing_currency": "USD",
            "pricing_public_on_demand_cost": d["list_cost"],
            "pricing_public_on_demand_rate": money(d["pricing_list_unit_price"]),
            "pricing_term": "OnDemand",
            "pricing_unit": d["pricing_unit"],
            "product": [
                ("servicecode", d["service_code"]),
                ("region", "us-east-1"),
                ("product_name", d["service"]),
            ],
            "product_servicecode": d["service_code"],
            "product_region_code": "us-east-1",
            "product_instance_type": d["usage_type"].split(":")[-1] if d["kind"] == "gpu" else "",
            "resource_tags": [(f"user_{k}", v) for k, v in d["tags"].items()],
            "cost_category": [],
            "discount": [],
        }
        for k, v in values.items():
            rows[k].append(v)
    types = {k: pa.string() for k in rows}
    types.update(
        {
            k: ts
            for k in (
                "bill_billing_period_start_date",
                "bill_billing_period_end_date",
                "line_item_usage_end_date",
                "line_item_usage_start_date",
            )
        }
    )
    types.update(
        {
            k: pa.float64()
            for k in (
                "line_item_blended_cost",
                "line_item_net_unblended_cost",
                "line_item_normalization_factor",
                "line_item_normalized_usage_amount",
                "line_item_unblended_cost",
                "line_item_usage_amount",
                "pricing_public_on_demand_cost",
            )
        }
    )
    types.update(
        product=_STR_MAP,
        resource_tags=_STR_MAP,
        cost_category=_STR_MAP,
        discount=pa.map_(pa.string(), pa.float64()),
    )
    return pa.table({k: pa.array(v, type=types[k]) for k, v in rows.items()})


AZURE_COLUMNS = (
    "BillingAccountId",
    "BillingAccountName",
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
    "BillingProfileId",
    "BillingProfileName",
    "AccountOwnerId",
    "AccountName",
    "SubscriptionId",
    "SubscriptionName",
    "Date",
    "Product",
    "PartNumber",
    "MeterId",
    "ServiceFamily",
    "MeterCategory",
    "MeterSubCategory",
    "MeterRegion",
    "MeterName",
    "Quantity",
    "EffectivePrice",
    "Cost",
    "UnitPrice",
    "BillingCurrency",
    "ResourceLocation",
    "AvailabilityZone",
    "ConsumedService",
    "ResourceId",
    "ResourceName",
    "ServiceInfo1",
    "ServiceInfo2",
    "AdditionalInfo",
    "Tags",
    "InvoiceSectionId",
    "InvoiceSection",
    "CostCenter",
    "UnitOfMeasure",
    "ResourceGroup",
    "ReservationId",
    "ReservationName",
    "ProductOrderId",
    "ProductOrderName",
    "OfferId",
    "IsAzureCreditEligible",
    "Term",
    "PublisherName",
    "PlanName",
    "ChargeType",
    "Frequency",
    "PublisherType",
    "PayGPrice",
    "PricingModel",
    "CostAllocationRuleName",
    "benefitId",
    "benefitName",
)


def azure_frame(described: list[dict], month: str) -> pl.DataFrame:
    bill_id, bill_name = billing_account("azure")
    p0, p1 = _period(month)
    rows = []
    for d in described:
        tags = ",".join(f'"{k}": "{v}"' for k, v in d["tags"].items())  # Azure writes tags without braces
        rows.append(
            {
                "BillingAccountId": bill_id,
                "BillingAccountName": bill_name,
                "BillingPeriodStartDate": f"{_ts(p0):%m/%d/%Y}",
                "BillingPeriodEndDate": f"{_ts(p1 - 86_400_000):%m/%d/%Y}",
                "BillingProfileId": "BP-ACME-001",
                "BillingProfileName": "Acme Corp",
                "AccountOwnerId": "finops@acme.example",
                "AccountName": "Acme Cloud",
                "SubscriptionId": d["account"],
                "SubscriptionName": d["sub_account_name"],
                "Date": f"{_ts(d['start_ms']):%m/%d/%Y}",
                "Product": f"{d.get('meter_subcategory')} - {d['sku']}",
                "PartNumber": d["sku_id"].replace("-", ""),
                "MeterId": d["sku_id"].lower() + "-0000-4000-8000-000000000000",
                "ServiceFamily": "AI + Machine Learning" if d["kind"] == "ai" else d["category"],
                "MeterCategory": d.get("meter_category"),
                "MeterSubCategory": d.get("meter_subcategory"),
                "MeterRegion": "East US 2",
                "MeterName": d["sku"],
                "Quantity": money(d["pricing_quantity"]),
                "EffectivePrice": money(d["pricing_contracted_unit_price"]),
                "Cost": money(d["billed_cost"]),
                "UnitPrice": money(d["pricing_contracted_unit_price"]),
                "BillingCurrency": "USD",
                "ResourceLocation": "eastus2",
                "AvailabilityZone": "",
                "ConsumedService": d["service_code"],
                "ResourceId": d.get("resource_id") or "",
                "ResourceName": d.get("resource_name") or "",
                "ServiceInfo1": "",
                "ServiceInfo2": "",
                "AdditionalInfo": "",
                "Tags": tags,
                "InvoiceSectionId": "IS-ACME-ENG",
                "InvoiceSection": "Engineering",
                "CostCenter": "",
                "UnitOfMeasure": d["pricing_unit"],
                "ResourceGroup": f"rg-{d['team'] or 'shared'}",
                "ReservationId": "",
                "ReservationName": "",
                "ProductOrderId": "",
                "ProductOrderName": "",
                "OfferId": "MS-AZR-0017P",
                "IsAzureCreditEligible": "True",
                "Term": "",
                "PublisherName": "Microsoft",
                "PlanName": "",
                "ChargeType": "Usage",
                "Frequency": "UsageBased",
                "PublisherType": "Azure",
                "PayGPrice": money(d["pricing_list_unit_price"]),
                "PricingModel": "OnDemand",
                "CostAllocationRuleName": "",
                "benefitId": "",
                "benefitName": "",
            }
        )
    return pl.DataFrame(rows, schema={c: pl.String for c in AZURE_COLUMNS})


def write_azure(path: Path, described: list[dict], month: str) -> None:
    write_csv(path, azure_frame(described, month), bom=True)


def gcp_lines(described: list[dict], month: str) -> list[str]:
    bill_id, _name = billing_account("gcp")
    lines = []
    for d in described:
        start, end = _ts(d["start_ms"]), _ts(d["end_ms"])
        credits = []
        if d["credit_amount"] < 0:
            cud = d["service"] == "Compute Engine"
            credits.append(
                {
                    "name": "Committed use discount" if cud else "Free tier",
                    "amount": d["credit_amount"],
                    "full_name": "Committed use discount: N2 cores" if cud else "BigQuery free tier",
                    "id": "CUD-ACME-N2" if cud else "FREE-TIER-BQ",
                    "type": "COMMITTED_USAGE_DISCOUNT" if cud else "FREE_TIER",
                }
            )
        labels = [{"key": k, "value": v} for k, v in d["tags"].items()]
        row = {
            "billing_account_id": bill_id,
            "service": {"id": d["service_code"], "description": d["service"]},
            "sku": {"id": d["sku_id"], "description": d["sku"]},
            "usage_start_time": f"{start:%Y-%m-%dT%H:%M:%SZ}",
            "usage_end_time": f"{end:%Y-%m-%dT%H:%M:%SZ}",
            "project": {
                "id": d["account"],
                "number": str(abs(hash_text(d["account"])) % 10**12).zfill(12),
                "name": d["sub_account_name"],
                "labels": labels,
                "ancestry_numbers": "/123456789012/",
            },
            "labels": labels,
            "system_labels": [],
            "location": {"location": "us-central1", "country": "US", "region": "us-central1", "zone": None},
            "cost": d["billed_cost"],
            "currency": "USD",
            "currency_conversion_rate": 1.0,
            "usage": {
                "amount": d["quantity"],
                "unit": "count" if d["kind"] == "ai" else d["pricing_unit"],
                "amount_in_pricing_units": d["pricing_quantity"],
                "pricing_unit": d["pricing_unit"],
            },
            "credits": credits,
            "invoice": {"month": month.replace("-", "")},
            "cost_type": "regular",
            "adjustment_info": None,
            "cost_at_list": d["list_cost"],
            "transaction_type": "GOOGLE",
            "seller_name": "Google",
            "tags": [],
        }
        lines.append(json.dumps(row, separators=(",", ":"), ensure_ascii=False))
    return lines


def hash_text(text: str) -> int:
    """A stable integer from text (polynomial rolling hash; Python's hash() is salted per process)."""
    h = 0
    for ch in text:
        h = (h * 131 + ord(ch)) % (2**61 - 1)
    return h


def write_cur(path: Path, described: list[dict], month: str) -> None:
    write_parquet(path, cur2_table(described, month))
