"""The GCP billing export (BigQuery JSONL, Parquet, flattened CSV) into raw.gcp_billing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tests.ingest.billing_helpers import (
    FIXTURES,
    assert_same_money,
    dec,
    ingest,
    jsonl_records,
    quarantined,
    query,
    totals,
    write_gcp_parquet,
)

JSONL = FIXTURES / "gcp_billing_export_2026-10.jsonl"


def _warehouse(cfg) -> tuple[dict, dict]:
    cost = query(cfg, "select billing_account_id, invoice.month, sum(cost) from raw.gcp_billing group by all")
    credits = query(
        cfg,
        "select billing_account_id, invoice.month, sum(c.amount) from raw.gcp_billing, "
        "unnest(credits) as u(c) group by all",
    )
    return {(a, m): v for a, m, v in cost}, {(a, m): v for a, m, v in credits}


def test_jsonl_totals_of_cost_and_credits_equal_the_file(cfg):
    records = jsonl_records(JSONL)
    summary = ingest(cfg, JSONL)
    assert summary.counts.new + summary.counts.quarantined == len(records)
    assert quarantined(cfg, "gcp_billing") == {5: "cost", 6: "credits"}
    bad = {5, 6}

    def key(r):
        return (r["billing_account_id"], r["invoice"]["month"])

    cost, credits = _warehouse(cfg)
    assert_same_money(cost, totals(records, key, lambda r: dec(r["cost"]), skip=bad))
    expected_credits = totals(
        records, key, lambda r: sum((dec(c["amount"]) for c in r["credits"]), Decimal(0)) or None, skip=bad
    )
    assert_same_money(credits, expected_credits)


def test_nested_records_keep_their_shape(cfg):
    ingest(cfg, JSONL)
    row = query(
        cfg,
        "select service.description, sku.description, project.labels, labels, location.region, usage.amount, "
        "usage_start_time, export_time, subscription from raw.gcp_billing where _line = 4",
    )[0]
    assert row == (
        "Compute Engine",
        "N2 Instance Core running in Americas",
        [{"key": "env", "value": "prod"}],
        [{"key": "team", "value": "assist"}],
        "us-central1",
        Decimal("2500000"),
        datetime(2026, 10, 1),
        datetime(2026, 10, 5, 4, 0, 0, 123000),
        '{"instance_id":"sub-123"}',  # a field this version does not know: kept as JSON text
    )
    types = dict(
        query(cfg, "select column_name, data_type from duckdb_columns() where table_name = 'gcp_billing'")
    )
    assert types["credits"].startswith("STRUCT") and types["credits"].endswith("[]")
    assert "amount DECIMAL(38,12)" in types["credits"]


def test_parquet_export(cfg, tmp_path):
    path = tmp_path / "gcp_billing_export_000000000000.parquet"
    rows = write_gcp_parquet(path)
    summary = ingest(cfg, path)
    assert (summary.counts.new, summary.counts.quarantined) == (len(rows), 0)
    cost, credits = _warehouse(cfg)
    assert cost == totals(
        enumerate(rows), lambda r: ("01A2B3-C4D5E6-F7A8B9", r["month"]), lambda r: Decimal(str(r["cost"]))
    )
    assert credits == {
        ("01A2B3-C4D5E6-F7A8B9", "202610"): Decimal("-1.5"),
        ("01A2B3-C4D5E6-F7A8B9", "202611"): Decimal("-0.05"),
    }
    assert query(cfg, "select labels[1].value, usage_start_time from raw.gcp_billing limit 1") == [
        ("assist", datetime(2026, 10, 3))
    ]


def test_flattened_csv_with_dotted_and_json_columns(cfg, tmp_path):
    path = tmp_path / "gcp_query_result.csv"
    path.write_text(
        "billing_account_id,service.id,service.description,sku.id,sku.description,usage_start_time,cost,credits,invoice.month\n"
        'AB-1,S1,Vertex AI,K1,Gemini 2.5 Pro Cached Input,2026-10-01 00:00:00 UTC,1.25,"[{""name"":""x"",""amount"":-0.25}]",202610\n'
        "AB-1,S1,Vertex AI,K2,Gemini 2.5 Pro Online Prediction Output,2026-10-02 00:00:00 UTC,2.5,[],202610\n"
    )
    assert ingest(cfg, path).counts.new == 2
    assert query(cfg, "select sum(cost), any_value(service.description) from raw.gcp_billing") == [
        (Decimal("3.75"), "Vertex AI")
    ]
    assert query(cfg, "select credits[1].amount from raw.gcp_billing where _line = 2") == [
        (Decimal("-0.25"),)
    ]
