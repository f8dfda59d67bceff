"""Azure Cost Management exports ("cost and usage details") into `raw.azure_costs`: EA and MCA schemas, actual
and amortized costs, CSV (as the portal and scheduled exports write it: UTF-8 BOM, `MM/DD/YYYY` dates, tags
without braces) or Parquet.

EA files name columns in PascalCase (`SubscriptionId`, `Cost` or `CostInBillingCurrency`), MCA files in
camelCase (`subscriptionId`, `costInBillingCurrency`); names are matched to the columns below ignoring case,
so both land in the same columns. `_schema` says which one a file was (`mca` when it has MCA-only columns such
as `previousInvoiceId`, else `ea`), `_cost_view` whether it is the actual or the amortized view of the costs.
The two views hold the same charges seen twice, so they are kept apart by key and must not be summed
together: a file is `amortized` when its name says so (`amortized`/`amortised`), else `actual`, the default
of Azure's exports.

Table `raw.azure_costs`, one row per cost line:

| column | type | meaning |
|---|---|---|
| `Cost` (EA), `CostInBillingCurrency`, `CostInPricingCurrency`, `CostInUsd`, `PaygCostInBillingCurrency`, `PaygCostInUsd`, `EffectivePrice`, `UnitPrice`, `PayGPrice`, `MarketPrice`, `Quantity`, `ExchangeRatePricingToBilling` | DECIMAL(38,12) | as exported; the cost column is the billed cost of the actual view and the effective cost of the amortized view |
| `Date`, `BillingPeriodStartDate`, `BillingPeriodEndDate`, `ServicePeriodStartDate`, `ServicePeriodEndDate`, `ExchangeRateDate` | TIMESTAMP | `MM/DD/YYYY` or ISO, read as UTC dates |
| `Tags`, `AdditionalInfo` | JSON | tags get their missing braces (`"team": "ml"` → `{"team": "ml"}`); the text as exported is in `_original` |
| every other EA/MCA column (`MeterCategory`, `MeterSubCategory`, `MeterName`, `SubscriptionId`, `ResourceGroup`, `ChargeType`, `PricingModel`, …) | VARCHAR | as exported |
| any other column | VARCHAR | added on first sight under its own name |
| `_schema`, `_cost_view` | VARCHAR | `ea`/`mca`, `actual`/`amortized` |
| `_batch_id`, `_location`, `_line`, `_ingested_at`, `_original` | | lineage, as in every billing table |

Rows need a cost (`CostInBillingCurrency`, else `Cost`, else `PreTaxCost`: whichever the file has) and `Date`.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from burnrate.errors import InputError
from ingest.billing_load import Column, Layout, Source
from ingest.billing_read import Sniffed, money_headers, named_columns, relation

S, M, T, J = "varchar", "money", "timestamp", "json"
_TEXT = (
    "BillingAccountId", "BillingAccountName", "BillingProfileId", "BillingProfileName", "AccountOwnerId",
    "AccountName", "SubscriptionId", "SubscriptionName", "Product", "ProductName", "ProductId", "PartNumber",
    "MeterId", "ServiceFamily", "MeterCategory", "MeterSubCategory", "MeterRegion", "MeterName", "BillingCurrency",
    "BillingCurrencyCode", "PricingCurrency", "PricingCurrencyCode", "ResourceLocation", "Location",
    "AvailabilityZone", "ConsumedService", "ResourceId", "ResourceName", "ServiceInfo1", "ServiceInfo2",
    "InvoiceId", "PreviousInvoiceId", "InvoiceSectionId", "InvoiceSection", "InvoiceSectionName", "CostCenter",
    "UnitOfMeasure", "ResourceGroup", "ResourceGroupName", "ReservationId", "ReservationName", "ProductOrderId",
    "ProductOrderName", "OfferId", "IsAzureCreditEligible", "Term", "PublisherId", "PublisherName", "PublisherType",
    "PlanName", "ChargeType", "Frequency", "PricingModel", "CostAllocationRuleName", "benefitId", "benefitName",
    "ResellerName", "ResellerMpnId", "CustomerTenantId", "CustomerName", "PartnerTenantId", "PartnerName",
)  # fmt: skip
_NUMBERS = (
    "Quantity", "EffectivePrice", "UnitPrice", "PayGPrice", "MarketPrice", "Cost", "PreTaxCost",
    "CostInBillingCurrency", "CostInPricingCurrency", "CostInUsd", "PaygCostInBillingCurrency", "PaygCostInUsd",
    "ExchangeRatePricingToBilling",
)  # fmt: skip
_DATES = (
    "Date", "BillingPeriodStartDate", "BillingPeriodEndDate", "ServicePeriodStartDate", "ServicePeriodEndDate",
    "ExchangeRateDate",
)  # fmt: skip
COST_COLUMNS = (
    "CostInBillingCurrency",
    "Cost",
    "PreTaxCost",
)  # the billed (or amortized) cost, by preference
MCA_ONLY = ("PreviousInvoiceId", "InvoiceSectionName", "ProductId", "CostInPricingCurrency")

LAYOUT = Layout(
    source="azure_costs",
    table="azure_costs",
    columns=dict.fromkeys(_TEXT, S)
    | dict.fromkeys(_NUMBERS, M)
    | dict.fromkeys(_DATES, T)
    | {"Tags": J, "AdditionalInfo": J},
    mandatory=("Date",),
    key=(
        "coalesce(BillingAccountId, BillingProfileId, SubscriptionId)",
        "coalesce(BillingPeriodStartDate, date_trunc('month', \"Date\"))",
        "_cost_view",
    ),
    markers=("_schema", "_cost_view"),
)


def matches(sniffed: Sniffed) -> bool:
    return sniffed.has("MeterCategory") and any(sniffed.has(c) for c in COST_COLUMNS)


def cost_view(path: Path) -> str:
    return "amortized" if re.search(r"amorti[sz]", path.name, re.I) else "actual"


def read(con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed, *, typed: bool = True) -> Source:
    """The file as a Source; `typed`: the CSV reader parses money itself (see `billing_read.relation`)."""
    rel = relation(con, path, sniffed, money_headers(sniffed, LAYOUT.columns) if typed else ())
    columns = {c: Column(*ref) for c, ref in named_columns(rel.types, LAYOUT.columns).items()}
    cost = next((c for c in COST_COLUMNS if c in columns), None)
    if cost is None:
        raise InputError(f"{path}: no cost column ({', '.join(COST_COLUMNS)})")
    markers = {
        "_schema": "mca" if any(c in columns for c in MCA_ONLY) else "ea",
        "_cost_view": cost_view(path),
    }
    return Source.of(rel, columns, markers=markers, mandatory=(cost, "Date"))
