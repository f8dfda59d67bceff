"""Shared by the billing tests: run the ingester on a real warehouse file, read fixtures independently of it
(Python's csv/json and `decimal`, never DuckDB), and write the Parquet fixtures with pyarrow."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from burnrate import warehouse
from ingest import billing
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "billing"
CENT = Decimal("0.01")


def ingest(cfg, *paths, fmt: str | None = None):
    with warehouse.writer(cfg) as con:
        return billing.ingest_files(con, cfg, [str(p) for p in paths], fmt=fmt)


def query(cfg, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(cfg.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8-sig")


def csv_records(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line, row) for every data row; the header is line 1."""
    reader = csv.DictReader(io.StringIO(text(path)))
    return [(i + 2, row) for i, row in enumerate(reader)]


def jsonl_records(path: Path) -> list[tuple[int, dict]]:
    lines = [line for line in text(path).splitlines() if line.strip()]
    return [(i + 1, json.loads(line, parse_float=Decimal)) for i, line in enumerate(lines)]


def dec(value) -> Decimal | None:
    """The decimal of a source value, None for the null spellings; raises on anything else."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "NULL")):
        return None
    return Decimal(str(value))


def totals(records: Iterable[tuple[int, dict]], key: Callable, value: Callable, skip: set[int] = frozenset()):
    """{key: Σ value} over the records whose line is not in `skip` (the lines the test expects rejected)."""
    out: dict = defaultdict(Decimal)
    for line, row in records:
        if line not in skip and value(row) is not None:
            out[key(row)] += value(row)
    return dict(out)


def assert_same_money(warehouse_totals: dict, file_totals: dict) -> None:
    """Equal to the cent for every key, and to 1e-9 (the files have at most 12 decimals but one)."""
    assert set(warehouse_totals) == set(file_totals)
    for k, expected in file_totals.items():
        got = warehouse_totals[k]
        assert got.quantize(CENT) == expected.quantize(CENT), (k, got, expected)
        assert abs(got - expected) < Decimal("1e-9"), (k, got, expected)


def quarantined(cfg, source: str) -> dict[int, str]:
    return dict(
        query(cfg, "select line, field from meta.quarantine where source = ? and line is not null", [source])
    )


# Parquet fixtures ---------------------------------------------------------------------------------
_TS = pa.timestamp("ms", tz="UTC")
_MAP = pa.map_(pa.string(), pa.string())


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write_cur2_parquet(path: Path) -> list[dict]:
    """A CUR 2.0 Parquet as AWS Data Exports writes it: doubles, UTC timestamps, real map columns."""
    rows = [
        dict(line="c2p-1", ut="USE1-Claude4.6Sonnet-input-tokens", cost=3.0, net=2.76, tags=[("user_team", "ml")], month="2026-10"),
        dict(line="c2p-2", ut="USE1-Claude4.6Sonnet-output-tokens-batch", cost=7.5, net=6.9, tags=[("user_team", "ml"), ("user_env", "prod")], month="2026-10"),
        dict(line="c2p-3", ut="USE1-BoxUsage:p5.48xlarge", cost=98.32, net=90.4544, tags=[], month="2026-10"),
        dict(line="c2p-4", ut="USE1-Llama4-Maverick-17B-input-tokens-batch", cost=0.1, net=None, tags=[], month="2026-11"),
    ]  # fmt: skip
    start = {"2026-10": "2026-10-01T00:00:00", "2026-11": "2026-11-01T00:00:00"}
    end = {"2026-10": "2026-11-01T00:00:00", "2026-11": "2026-12-01T00:00:00"}
    table = pa.table(
        {
            "bill_payer_account_id": pa.array(["111122223333"] * len(rows)),
            "bill_billing_period_start_date": pa.array([_ts(start[r["month"]]) for r in rows], _TS),
            "bill_billing_period_end_date": pa.array([_ts(end[r["month"]]) for r in rows], _TS),
            "identity_line_item_id": pa.array([r["line"] for r in rows]),
            "line_item_usage_start_date": pa.array([_ts(start[r["month"]]) for r in rows], _TS),
            "line_item_usage_type": pa.array([r["ut"] for r in rows]),
            "line_item_unblended_cost": pa.array([r["cost"] for r in rows], pa.float64()),
            "line_item_net_unblended_cost": pa.array([r["net"] for r in rows], pa.float64()),
            "line_item_unblended_rate": pa.array(["0.003"] * len(rows)),
            "line_item_usage_amount": pa.array([1000.0] * len(rows), pa.float64()),
            "product": pa.array(
                [[("servicecode", "AmazonBedrock"), ("region", "us-east-1")]] * len(rows), _MAP
            ),
            "resource_tags": pa.array([r["tags"] for r in rows], _MAP),
            "cost_category": pa.array([[] for _ in rows], _MAP),
            "discount": pa.array(
                [[("private_rate_discount", -0.24)] for _ in rows], pa.map_(pa.string(), pa.float64())
            ),
            "line_item_legal_entity": pa.array(["Amazon Web Services, Inc."] * len(rows)),
        }
    )
    pq.write_table(table, path)
    return rows


def write_focus_parquet(path: Path) -> list[dict]:
    """A FOCUS 1.2 Parquet like AWS's "FOCUS 1.2 with AWS columns": doubles, ms timestamps, Tags as a map."""
    rows = [
        dict(billed=12.25, effective=11.0, tags=[("user:team", "ml")], category="Usage", month="2026-10"),
        dict(billed=0.1, effective=0.1, tags=[(" user:env ", "prod")], category="Usage", month="2026-10"),
        dict(billed=100.0, effective=0.0, tags=[], category="Purchase", month="2026-10"),
        dict(billed=0.2, effective=0.2, tags=[], category="Usage", month="2026-11"),
    ]
    start = {"2026-10": "2026-10-01T00:00:00", "2026-11": "2026-11-01T00:00:00"}
    n = len(rows)
    table = pa.table(
        {
            "BilledCost": pa.array([r["billed"] for r in rows], pa.float64()),
            "EffectiveCost": pa.array([r["effective"] for r in rows], pa.float64()),
            "ListCost": pa.array([r["billed"] for r in rows], pa.float64()),
            "ContractedCost": pa.array([r["billed"] for r in rows], pa.float64()),
            "BillingAccountId": pa.array(["111122223333"] * n),
            "BillingAccountType": pa.array(["Billing Account"] * n),
            "BillingPeriodStart": pa.array([_ts(start[r["month"]]) for r in rows], _TS),
            "ChargePeriodStart": pa.array([_ts(start[r["month"]]) for r in rows], _TS),
            "ChargeCategory": pa.array([r["category"] for r in rows]),
            "ProviderName": pa.array(["AWS"] * n),
            "Tags": pa.array([r["tags"] for r in rows], _MAP),
            "x_UsageType": pa.array(["USE1-Claude4.6Sonnet-input-tokens"] * n),
        }
    )
    pq.write_table(table, path)
    return rows


def write_gcp_parquet(path: Path) -> list[dict]:
    """The GCP billing export as BigQuery writes Parquet: nested structs, lists of structs, float cost."""
    credit = pa.struct([("name", pa.string()), ("amount", pa.float64()), ("type", pa.string())])
    kv = pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))
    rows = [
        dict(cost=3.125, credits=[], month="202610", sku="Gemini 2.5 Pro Online Prediction Input"),
        dict(cost=14.88, credits=[("Free tier", -1.5, "FREE_TIER")], month="202610", sku="N2 Instance Core"),
        dict(
            cost=0.1,
            credits=[("Promo", -0.05, "PROMOTION")],
            month="202611",
            sku="Gemini 2.5 Flash Cached Input",
        ),
    ]
    table = pa.table(
        {
            "billing_account_id": pa.array(["01A2B3-C4D5E6-F7A8B9"] * len(rows)),
            "service": pa.array([{"id": "C7E2", "description": "Vertex AI"}] * len(rows)),
            "sku": pa.array([{"id": "S", "description": r["sku"]} for r in rows]),
            "usage_start_time": pa.array(
                [_ts("2026-10-03T00:00:00")] * len(rows), pa.timestamp("us", tz="UTC")
            ),
            "labels": pa.array([[{"key": "team", "value": "assist"}]] * len(rows), kv),
            "cost": pa.array([r["cost"] for r in rows], pa.float64()),
            "credits": pa.array(
                [[dict(zip(("name", "amount", "type"), c, strict=True)) for c in r["credits"]] for r in rows],
                pa.list_(credit),
            ),
            "invoice": pa.array([{"month": r["month"]} for r in rows]),
        }
    )
    pq.write_table(table, path)
    return rows
