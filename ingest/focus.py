"""FOCUS 1.0, 1.1 and 1.2 cost exports from any provider (AWS, Microsoft, Google, Oracle…) into `raw.focus_costs`.

Files: CSV (gzip or not) or Parquet, as the providers' FOCUS exports write them. The FOCUS version is read
from the columns present (1.2 adds BillingAccountType, InvoiceId, PricingCurrency…; 1.1 adds
ServiceSubcategory, SkuMeter, SkuPriceDetails…) and kept per row in `_schema_version`.

Table `raw.focus_costs`, one row per row of a FOCUS file:

| column | type | meaning |
|---|---|---|
| the 57 FOCUS 1.2 columns (`BilledCost`, `EffectiveCost`, `ChargePeriodStart`, `Tags`, …) | per the spec: Decimal → DECIMAL(38,12), Date/Time → TIMESTAMP (UTC), JSON → JSON, String → VARCHAR | as exported; columns a file's version lacks are NULL |
| `x_UsageType`, `x_ServiceCode`, `x_Operation`, `x_CostCategories`, `x_Discounts` (AWS), `x_SkuMeterCategory`, `x_SkuMeterSubcategory`, `x_SkuMeterName`, `x_SkuDescription`, `x_ResourceGroupName`, `x_BillingProfileId`, `x_PricingUnitDescription` (Microsoft), `x_ServiceId`, `x_CreditType` (Google) | VARCHAR | provider extension columns, always present so models can name them |
| any other column of a file (`x_…` or not) | VARCHAR | added on first sight, under the file's own name, text as exported |
| `_schema_version` | VARCHAR | `1.0`, `1.1` or `1.2`, from the file's columns |
| `_batch_id`, `_location`, `_line`, `_ingested_at` | VARCHAR, VARCHAR, BIGINT, TIMESTAMP | lineage: batch, file path, row number in the file (header = 1), load time (UTC) |
| `_original` | MAP(VARCHAR, VARCHAR) | source text of JSON values (`Tags`, `SkuPriceDetails`) that had to be repaired to parse |

Header names are matched to FOCUS column IDs ignoring case and punctuation (`billed_cost`, `billedcost`
→ `BilledCost`). Rows need BilledCost, EffectiveCost, BillingAccountId, BillingPeriodStart and
ChargePeriodStart; enumerations (`ChargeCategory`, `ChargeFrequency`…) are kept as written (`Usage-based`
and all): normalising them is the staging models' job.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest.billing_load import Column, Layout, Source
from ingest.billing_read import Sniffed, money_headers, named_columns, relation

S, M, T, J = "varchar", "money", "timestamp", "json"
# (column, kind, version that added it)
SPEC = (
    ("AvailabilityZone", S, "1.0"), ("BilledCost", M, "1.0"), ("BillingAccountId", S, "1.0"),
    ("BillingAccountName", S, "1.0"), ("BillingAccountType", S, "1.2"), ("BillingCurrency", S, "1.0"),
    ("BillingPeriodEnd", T, "1.0"), ("BillingPeriodStart", T, "1.0"), ("CapacityReservationId", S, "1.1"),
    ("CapacityReservationStatus", S, "1.1"), ("ChargeCategory", S, "1.0"), ("ChargeClass", S, "1.0"),
    ("ChargeDescription", S, "1.0"), ("ChargeFrequency", S, "1.0"), ("ChargePeriodEnd", T, "1.0"),
    ("ChargePeriodStart", T, "1.0"), ("CommitmentDiscountCategory", S, "1.0"), ("CommitmentDiscountId", S, "1.0"),
    ("CommitmentDiscountName", S, "1.0"), ("CommitmentDiscountQuantity", M, "1.1"),
    ("CommitmentDiscountStatus", S, "1.0"), ("CommitmentDiscountType", S, "1.0"), ("CommitmentDiscountUnit", S, "1.1"),
    ("ConsumedQuantity", M, "1.0"), ("ConsumedUnit", S, "1.0"), ("ContractedCost", M, "1.0"),
    ("ContractedUnitPrice", M, "1.0"), ("EffectiveCost", M, "1.0"), ("InvoiceId", S, "1.2"),
    ("InvoiceIssuerName", S, "1.0"), ("ListCost", M, "1.0"), ("ListUnitPrice", M, "1.0"), ("PricingCategory", S, "1.0"),
    ("PricingCurrency", S, "1.2"), ("PricingCurrencyContractedUnitPrice", M, "1.2"),
    ("PricingCurrencyEffectiveCost", M, "1.2"), ("PricingCurrencyListUnitPrice", M, "1.2"), ("PricingQuantity", M, "1.0"),
    ("PricingUnit", S, "1.0"), ("ProviderName", S, "1.0"), ("PublisherName", S, "1.0"), ("RegionId", S, "1.0"),
    ("RegionName", S, "1.0"), ("ResourceId", S, "1.0"), ("ResourceName", S, "1.0"), ("ResourceType", S, "1.0"),
    ("ServiceCategory", S, "1.0"), ("ServiceName", S, "1.0"), ("ServiceSubcategory", S, "1.1"), ("SkuId", S, "1.0"),
    ("SkuMeter", S, "1.1"), ("SkuPriceDetails", J, "1.1"), ("SkuPriceId", S, "1.0"), ("SubAccountId", S, "1.0"),
    ("SubAccountName", S, "1.0"), ("SubAccountType", S, "1.2"), ("Tags", J, "1.0"),
)  # fmt: skip
PROVIDER_COLUMNS = (
    "x_UsageType", "x_ServiceCode", "x_Operation", "x_CostCategories", "x_Discounts",
    "x_SkuMeterCategory", "x_SkuMeterSubcategory", "x_SkuMeterName", "x_SkuDescription", "x_ResourceGroupName",
    "x_BillingProfileId", "x_PricingUnitDescription", "x_ServiceId", "x_CreditType",
)  # fmt: skip
VERSIONS = ("1.0", "1.1", "1.2")

LAYOUT = Layout(
    source="focus",
    table="focus_costs",
    columns={c: kind for c, kind, _ in SPEC} | dict.fromkeys(PROVIDER_COLUMNS, S),
    mandatory=("BilledCost", "EffectiveCost", "BillingAccountId", "BillingPeriodStart", "ChargePeriodStart"),
    key=("ProviderName", "BillingAccountId", "BillingPeriodStart"),
    markers=("_schema_version",),
)


def matches(sniffed: Sniffed) -> bool:
    return sniffed.has("BilledCost", "EffectiveCost", "ChargePeriodStart")


def version(columns: list[str]) -> str:
    """The newest FOCUS version whose added columns the file has (1.0 when none)."""
    present = set(columns)
    added = {v: {c for c, _, since in SPEC if since == v} for v in VERSIONS}
    return next((v for v in reversed(VERSIONS) if added[v] & present), "1.0")


def read(con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed, *, typed: bool = True) -> Source:
    """The file as a Source; `typed`: the CSV reader parses money itself (see `billing_read.relation`)."""
    rel = relation(con, path, sniffed, money_headers(sniffed, LAYOUT.columns) if typed else ())
    columns = {c: Column(*ref) for c, ref in named_columns(rel.types, LAYOUT.columns).items()}
    return Source.of(
        rel,
        columns,
        markers={"_schema_version": version(list(columns))},
    )
