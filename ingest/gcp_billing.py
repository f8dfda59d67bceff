"""GCP Cloud Billing export (the BigQuery tables `gcp_billing_export_v1_*` / `gcp_billing_export_resource_v1_*`,
exported as newline-delimited JSON, Parquet or CSV) into `raw.gcp_billing`.

Records keep BigQuery's nesting: `service`, `sku`, `project`, `location`, `usage`, `invoice`,
`adjustment_info`, `price`, `resource` are STRUCTs and `labels`, `system_labels`, `credits`, `tags`,
`project.labels` are LISTs of STRUCTs, typed as below. Every record is cast once to the STRUCT of the known
fields; DuckDB reads JSON numbers into DECIMAL from their text, so `cost` and `credits[].amount` reach
DECIMAL(38,12) without passing through a double. Parquet rows are turned into the same JSON first; CSV files (a flattened query result) may carry
nested fields as dotted columns (`service.description`) or as JSON text (`credits`).

Table `raw.gcp_billing`, one row per export row:

| column | type | meaning |
|---|---|---|
| `billing_account_id`, `currency`, `cost_type`, `transaction_type`, `seller_name` | VARCHAR | as exported |
| `cost`, `cost_at_list`, `currency_conversion_rate` | DECIMAL(38,12) | cost before credits; net cost = `cost + Σ credits[].amount` (credits are negative) |
| `usage_start_time`, `usage_end_time`, `export_time` | TIMESTAMP | UTC |
| `service`, `sku` | STRUCT(id, description) | `sku.description` names AI token SKUs (see `macros/ai_charges.sql`) |
| `project` | STRUCT(id, number, name, labels[], ancestry_numbers, ancestors[]) | |
| `labels`, `system_labels` | STRUCT(key, value)[] | |
| `tags` | STRUCT(key, value, inherited, namespace)[] | |
| `location` | STRUCT(location, country, region, zone) | |
| `usage` | STRUCT(amount, unit, amount_in_pricing_units, pricing_unit) | amounts DECIMAL(38,12) |
| `credits` | STRUCT(name, amount, full_name, id, type)[] | `amount` DECIMAL(38,12) |
| `invoice` | STRUCT(month, publisher_type) | `month` is `YYYYMM`, the billing period |
| `adjustment_info` | STRUCT(id, description, mode, type) | |
| `price`, `resource`, `consumption_model` | STRUCTs | detailed (resource-level) export only |
| any other field | VARCHAR (JSON text) | added on first sight under its own name |
| `_batch_id`, `_location`, `_line`, `_ingested_at`, `_original` | | lineage; `_line` is the record number |

Rows need `billing_account_id`, `cost` and `usage_start_time`. An export's own `export_time` (the latest in
the file) decides which copy of a month is newer.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from burnrate.errors import InputError
from ingest.billing_load import Check, Column, Layout, Source
from ingest.billing_read import Sniffed, column_ref, relation
from ingest.billing_sql import MONEY, bind, literal

D = MONEY
KV = "STRUCT(key VARCHAR, value VARCHAR)[]"
NESTED = {
    "service": "STRUCT(id VARCHAR, description VARCHAR)",
    "sku": "STRUCT(id VARCHAR, description VARCHAR)",
    "project": f"STRUCT(id VARCHAR, number VARCHAR, name VARCHAR, labels {KV}, ancestry_numbers VARCHAR, "
    "ancestors STRUCT(resource_name VARCHAR, display_name VARCHAR)[])",
    "labels": KV,
    "system_labels": KV,
    "tags": "STRUCT(key VARCHAR, value VARCHAR, inherited BOOLEAN, namespace VARCHAR)[]",
    "location": "STRUCT(location VARCHAR, country VARCHAR, region VARCHAR, zone VARCHAR)",
    "usage": f"STRUCT(amount {D}, unit VARCHAR, amount_in_pricing_units {D}, pricing_unit VARCHAR)",
    "credits": f"STRUCT(name VARCHAR, amount {D}, full_name VARCHAR, id VARCHAR, type VARCHAR)[]",
    "invoice": "STRUCT(month VARCHAR, publisher_type VARCHAR)",
    "adjustment_info": "STRUCT(id VARCHAR, description VARCHAR, mode VARCHAR, type VARCHAR)",
    "price": f"STRUCT(effective_price {D}, tier_start_amount {D}, unit VARCHAR, pricing_unit_quantity {D})",
    "resource": "STRUCT(name VARCHAR, global_name VARCHAR)",
    "consumption_model": "STRUCT(id VARCHAR, description VARCHAR)",
}
SCALARS = {
    "billing_account_id": "varchar",
    "usage_start_time": "timestamp",
    "usage_end_time": "timestamp",
    "export_time": "timestamp",
    "cost": "money",
    "cost_at_list": "money",
    "currency": "varchar",
    "currency_conversion_rate": "money",
    "cost_type": "varchar",
    "transaction_type": "varchar",
    "seller_name": "varchar",
}
LAYOUT = Layout(
    source="gcp_billing",
    table="gcp_billing",
    columns={**SCALARS, **NESTED},
    mandatory=("billing_account_id", "cost", "usage_start_time"),
    key=("billing_account_id", "coalesce(invoice.month, strftime(usage_start_time, '%Y%m'))"),
    export_time="max(export_time)",
)


def matches(sniffed: Sniffed) -> bool:
    return sniffed.has("billing_account_id", "cost") and (
        sniffed.has("sku") or sniffed.has("sku.description")
    )


def _record_type() -> str:
    """The STRUCT a known record is cast to (DuckDB reads JSON numbers into its DECIMALs from their text):
    money as DECIMAL, times as text (read by `billing_sql` afterwards), nests as declared."""
    scalars = [f"{k} {MONEY if v == 'money' else 'VARCHAR'}" for k, v in SCALARS.items()]
    return f"STRUCT({', '.join(scalars + [f'{k} {t}' for k, t in NESTED.items()])})"


def _pointer(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


def _csv_as_json(types: dict[str, str]) -> str:
    """SQL making a JSON object of a flat CSV row: `service.description` columns nest, JSON text parses."""
    groups: dict[str, list[str]] = {}
    for name in types:
        top, _, sub = name.partition(".")
        groups.setdefault(top, [])
        if sub:
            groups[top].append(name)
    parts = []
    for top, dotted in groups.items():
        if dotted:
            inner = ", ".join(f"{literal(n.partition('.')[2])}, {column_ref(n)}" for n in dotted)
            parts.append(f"{literal(top)}, json_object({inner})")
        elif top in NESTED:
            parts.append(f"{literal(top)}, try_cast({column_ref(top)} as JSON)")
        else:
            parts.append(f"{literal(top)}, {column_ref(top)}")
    return f"json_object({', '.join(parts)})"


def read(con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed, *, typed: bool = False) -> Source:
    """The file as a Source. A GCP CSV is read as text (`typed` is unused): its rows are shaped as JSON."""
    rel = relation(con, path, sniffed)
    if sniffed.kind == "json":
        record = "s.json"
    elif sniffed.kind == "parquet":
        record = "json_merge_patch(to_json(s), '{\"_line\": null}')"
    else:
        record = _csv_as_json(rel.types)
    params = dict(rel.params)
    # every record read once: j (the JSON object) and r (its known fields, typed)
    shape = f"{record} as j, try_cast({record} as {_record_type()}) as r"
    line = "s._line, " if rel.first_line is None else ""
    sql = f"select {line}{shape} from ({rel.sql}) s"
    numbered = f"select s._line, {shape} from ({rel.numbered}) s"
    found = con.execute(*bind(f"select distinct unnest(json_keys(j)) from ({sql})", params)).fetchall()
    keys = [k for k in (*SCALARS, *NESTED) if (k,) in found] + sorted(
        k for (k,) in found if k not in LAYOUT.columns
    )
    if not keys:
        raise InputError(f"{path}: no records")
    columns: dict[str, Column] = {}
    for key in keys:
        if key in SCALARS or key in NESTED:
            duck_type = NESTED.get(key) or (MONEY if SCALARS[key] == "money" else "VARCHAR")
            columns[key] = Column(
                f"s.r.{key}", duck_type, raw=f"json_extract_string(s.j, {literal('$.' + key)})"
            )
        else:
            params[f"k{len(params)}"] = _pointer(key)
            columns[key] = Column(f"json_extract(s.j, ${f'k{len(params) - 1}'})", "JSON")
    checks = []
    if "credits" in columns:
        typed_null = "len(list_filter(s.r.credits, lambda c: c.amount is null))"
        raw_null = "len(list_filter(json_extract_string(s.j, '$.credits[*].amount'), lambda a: a is null))"
        checks.append(
            Check(
                "credits",
                f"{typed_null} > {raw_null}",
                "'credits[].amount is not a number: ' || json_extract(s.j, '$.credits')::VARCHAR",
            )
        )
    return Source(sql, numbered, params, rel.first_line, columns, checks=checks, row_text="s.j::VARCHAR")
