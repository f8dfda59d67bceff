"""AWS Cost and Usage Reports into `raw.aws_cur`: CUR 2.0 (Data Exports, Parquet or CSV.gz) and legacy CUR.

CUR 2.0 has a fixed schema with map columns (`product`, `resource_tags`, `cost_category`, `discount`).
Legacy CUR CSV headers are `category/ColumnName` (`lineItem/UnblendedCost`, `resourceTags/user:Team`) and
its columns change month to month; they are renamed the way AWS's own Athena integration names them
(`line_item_unblended_cost`), which are CUR 2.0's names, and legacy tag and cost-category columns are folded
into the CUR 2.0 maps (`resourceTags/user:CostCenter` → `resource_tags['user_cost_center']`), so both
generations land in the same columns. `_format` says which one a row came from.

Table `raw.aws_cur`, one row per line item:

| column | type | meaning |
|---|---|---|
| `bill_*`, `identity_*`, `line_item_*`, `pricing_*`, `product_*`, `reservation_*`, `savings_plan_*`, `discount_*`, `split_line_item_*` | costs, amounts and quantities DECIMAL(38,12); dates TIMESTAMP (UTC); rates and the rest VARCHAR | as exported (rates stay text, as CUR types them) |
| `product`, `resource_tags`, `cost_category`, `discount` | JSON | CUR 2.0 maps as JSON objects (`resource_tags->>'user_team'`); legacy CUR columns folded in |
| any other column | VARCHAR | added on first sight under its CUR 2.0 / Athena name |
| `_format` | VARCHAR | `cur2` or `legacy` |
| `_batch_id`, `_location`, `_line`, `_ingested_at`, `_original` | | lineage, as in every billing table |

Rows need `line_item_unblended_cost`, `bill_payer_account_id` and `bill_billing_period_start_date`.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ingest.billing_load import Column, Layout, Source
from ingest.billing_read import Sniffed, money_headers, named_columns, relation
from ingest.billing_sql import literal

S, M, T, J = "varchar", "money", "timestamp", "json"
_TIMESTAMPS = (
    "bill_billing_period_start_date", "bill_billing_period_end_date", "line_item_usage_start_date",
    "line_item_usage_end_date", "reservation_start_time", "reservation_end_time", "savings_plan_start_time",
    "savings_plan_end_time",
)  # fmt: skip
_NUMBERS = (
    "line_item_blended_cost", "line_item_unblended_cost", "line_item_net_unblended_cost", "line_item_usage_amount",
    "line_item_normalization_factor", "line_item_normalized_usage_amount", "pricing_public_on_demand_cost",
    "discount_bundled_discount", "discount_total_discount",
    "reservation_amortized_upfront_cost_for_usage", "reservation_amortized_upfront_fee_for_billing_period",
    "reservation_effective_cost", "reservation_net_effective_cost", "reservation_recurring_fee_for_usage",
    "reservation_unused_amortized_upfront_fee_for_billing_period", "reservation_unused_recurring_fee",
    "reservation_upfront_value", "savings_plan_savings_plan_effective_cost",
    "savings_plan_net_savings_plan_effective_cost", "savings_plan_amortized_upfront_commitment_for_billing_period",
    "savings_plan_recurring_commitment_for_billing_period", "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment", "split_line_item_split_cost", "split_line_item_unused_cost",
)  # fmt: skip
_TEXT = (
    "bill_bill_type", "bill_billing_entity", "bill_invoice_id", "bill_invoicing_entity", "bill_payer_account_id",
    "bill_payer_account_name", "identity_line_item_id", "identity_time_interval", "line_item_availability_zone",
    "line_item_blended_rate", "line_item_currency_code", "line_item_legal_entity", "line_item_line_item_description",
    "line_item_line_item_type", "line_item_net_unblended_rate", "line_item_operation", "line_item_product_code",
    "line_item_resource_id", "line_item_tax_type", "line_item_unblended_rate", "line_item_usage_account_id",
    "line_item_usage_account_name", "line_item_usage_type", "line_item_iam_principal", "pricing_currency",
    "pricing_lease_contract_length", "pricing_offering_class", "pricing_public_on_demand_rate",
    "pricing_purchase_option", "pricing_rate_code", "pricing_rate_id", "pricing_term", "pricing_unit",
    "product_servicecode", "product_product_family", "product_region_code", "product_instance_type",
    "product_from_location", "reservation_reservation_a_r_n", "savings_plan_savings_plan_a_r_n",
)  # fmt: skip
MAPS = ("product", "resource_tags", "cost_category", "discount")
# Legacy columns folded into a CUR 2.0 map: (prefix of the legacy name once snake-cased, map).
_FOLDED = {"resource_tags_": "resource_tags", "cost_category_": "cost_category"}

LAYOUT = Layout(
    source="aws_cur",
    table="aws_cur",
    columns=dict.fromkeys(_TEXT, S)
    | dict.fromkeys(_NUMBERS, M)
    | dict.fromkeys(_TIMESTAMPS, T)
    | dict.fromkeys(MAPS, J),
    mandatory=("line_item_unblended_cost", "bill_payer_account_id", "bill_billing_period_start_date"),
    key=("bill_payer_account_id", "bill_billing_period_start_date"),
    markers=("_format",),
)


def matches(sniffed: Sniffed) -> bool:
    return sniffed.has("line_item_unblended_cost") or sniffed.has("lineItem/UnblendedCost")


def snake(header: str) -> str:
    """A CUR header as AWS's Athena integration (and CUR 2.0) names it: `lineItem/UnblendedCost` →
    `line_item_unblended_cost`, `resourceTags/user:CostCenter` → `resource_tags_user_cost_center`."""
    parts = [re.sub(r"(?<!^)(?=[A-Z])", "_", part).lower() for part in re.split(r"[/:]", header)]
    return re.sub(r"[^a-z0-9]+", "_", "_".join(parts)).strip("_")


def _athena_name(header: str) -> str:
    return snake(header) if "/" in header else header


def _fold(entries: list[tuple[str, str]]) -> str:
    """SQL for a JSON object of (key, column SQL) pairs, leaving out nulls; NULL when all are null."""
    items = ", ".join(f"{{'key': {literal(k)}, 'value': {v}}}" for k, v in entries)
    kept = f"list_filter([{items}], lambda e: e.value is not null)"
    return f"(case when len({kept}) > 0 then to_json(map_from_entries({kept})) end)"


def read(con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed, *, typed: bool = True) -> Source:
    """The file as a Source; `typed`: the CSV reader parses money itself (see `billing_read.relation`)."""
    rel = relation(con, path, sniffed, money_headers(sniffed, LAYOUT.columns, _athena_name) if typed else ())
    names = list(rel.types)
    legacy = any("/" in name for name in names) or not any(name.lower() == "product" for name in names)
    columns: dict[str, Column] = {}
    folded: dict[str, list[tuple[str, str]]] = {target: [] for target in _FOLDED.values()}
    for target, (ref, duck_type) in named_columns(rel.types, LAYOUT.columns, rename=_athena_name).items():
        prefix = next((p for p in _FOLDED if target.startswith(p)), None)
        if legacy and prefix:
            folded[_FOLDED[prefix]].append((target.removeprefix(prefix), ref))
        else:
            columns[target] = Column(ref, duck_type)
    for target, entries in folded.items():
        if entries:
            columns[target] = Column(_fold(entries), "JSON")
    return Source.of(rel, columns, markers={"_format": "legacy" if legacy else "cur2"})
