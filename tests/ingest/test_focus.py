"""FOCUS 1.0/1.1/1.2 files into raw.focus_costs: totals to the cent, counts, versions and real-world quirks."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.ingest.billing_helpers import (
    FIXTURES,
    assert_same_money,
    csv_records,
    dec,
    ingest,
    quarantined,
    query,
    totals,
    write_focus_parquet,
)

# fixture -> (lines that must be quarantined: field, FOCUS version)
CASES = {
    "focus_1.0_aws_2026-10.csv": ({11: "BilledCost", 12: "ChargePeriodStart", 13: "EffectiveCost"}, "1.0"),
    "focus_1.1_microsoft_2026-10.csv.gz": ({}, "1.1"),
    "focus_1.2_google_2026-10.csv": ({}, "1.2"),
}


def _warehouse_totals(cfg, column: str, location: str) -> dict:
    rows = query(
        cfg,
        f"select ProviderName, strftime(BillingPeriodStart, '%Y-%m'), sum({column}) from raw.focus_costs "
        "where _location = ? group by all",
        [location],
    )
    return {(p, m): v for p, m, v in rows}


@pytest.mark.parametrize("name", list(CASES))
def test_totals_per_provider_and_month_equal_the_file_to_the_cent(cfg, name):
    path = FIXTURES / name
    expected_bad, version = CASES[name]
    summary = ingest(cfg, path)
    records = csv_records(path)
    assert summary.counts.new + summary.counts.quarantined == len(records)
    assert quarantined(cfg, "focus") == expected_bad
    assert summary.counts.quarantined == len(expected_bad)

    def key(row):
        return (row["ProviderName"], row["BillingPeriodStart"][:7])

    for column in ("BilledCost", "EffectiveCost"):
        file_totals = totals(records, key, lambda r, c=column: dec(r[c]), skip=set(expected_bad))
        assert_same_money(_warehouse_totals(cfg, column, str(path)), file_totals)
    assert query(cfg, "select distinct _schema_version from raw.focus_costs") == [(version,)]


def test_the_messy_parts_of_a_real_export_land_faithfully(cfg):
    path = FIXTURES / "focus_1.0_aws_2026-10.csv"
    ingest(cfg, path)

    def row(line, *cols):
        return query(cfg, f"select {', '.join(cols)} from raw.focus_costs where _line = ?", [line])[0]

    # literal NULL and empty strings are both null
    assert row(2, "AvailabilityZone", "ChargeClass", "ResourceName") == (None, None, None)
    assert row(3, "AvailabilityZone", "ChargeClass", "ResourceName") == (None, None, None)
    # enumerations keep their case (normalising is the staging models' job); space-style timestamps are UTC
    assert row(2, "ChargeFrequency", "ChargePeriodStart") == ("Usage-based", datetime(2026, 10, 1))
    # tag keys with stray whitespace are trimmed; the exported text is kept in _original
    tags, original = row(2, "Tags", "_original")
    assert json.loads(tags) == {"user:team": "ml", "user:env": "prod"}
    assert original == {"Tags": '{" user:team ": "ml", "user:env ":"prod"}'}
    # JSON whose quotes are still CSV-doubled after reading the CSV
    assert json.loads(row(5, "Tags")[0]) == {"user:team": "ml"}
    assert row(3, "_original") == (None,)  # valid JSON is kept as written
    # a prepaid purchase: billed now, EffectiveCost 0 (covered usage carries it later)
    assert row(6, "ChargeCategory", "BilledCost", "EffectiveCost") == (
        "Purchase",
        Decimal("8760"),
        Decimal("0"),
    )
    # provider x_ columns and an extra column without the x_ prefix are kept under their own names
    assert row(2, "x_UsageType", "x_ServiceCode", "CostCenterNote") == (
        "USE1-Claude4.6Sonnet-input-tokens",
        "AmazonBedrock",
        "ai platform",
    )
    reasons = dict(query(cfg, "select line, reason from meta.quarantine"))
    assert reasons[11].startswith("BilledCost is not a number: '12,50'")
    assert reasons[12] == "ChargePeriodStart is not a date/time: 'yesterday'"
    assert reasons[13] == "EffectiveCost is missing (a mandatory value)"


def test_bom_gzip_and_iso_timestamps(cfg):
    ingest(cfg, FIXTURES / "focus_1.1_microsoft_2026-10.csv.gz")
    rows = query(
        cfg,
        "select AvailabilityZone is null, BillingAccountName, ChargePeriodStart, SkuMeter, x_SkuMeterSubcategory "
        "from raw.focus_costs order by _line limit 1",
    )
    assert rows == [
        (True, "Acme EA", datetime(2026, 10, 1), "gpt 4o 0513 Input global Tokens", "Azure OpenAI")
    ]
    columns = [
        r[0] for r in query(cfg, "select column_name from duckdb_columns() where table_name = 'focus_costs'")
    ]
    assert not [c for c in columns if "\ufeff" in c]


def test_parquet_with_typed_columns_and_map_tags(cfg, tmp_path):
    path = tmp_path / "focus_aws_2026-10.parquet"
    rows = write_focus_parquet(path)
    summary = ingest(cfg, path)
    assert summary.counts.new == len(rows) and summary.counts.quarantined == 0
    got = dict(
        query(
            cfg,
            "select strftime(BillingPeriodStart, '%Y-%m'), sum(BilledCost) from raw.focus_costs group by 1",
        )
    )
    expected = totals(enumerate(rows), lambda r: r["month"], lambda r: Decimal(str(r["billed"])))
    assert got == expected
    tags = [
        json.loads(t) if t else None for (t,) in query(cfg, "select Tags from raw.focus_costs order by _line")
    ]
    assert tags == [{"user:team": "ml"}, {"user:env": "prod"}, {}, {}]
    assert query(cfg, "select min(_line), max(_line), any_value(_schema_version) from raw.focus_costs") == [
        (1, 4, "1.2")
    ]


def test_header_spellings_map_to_focus_columns(cfg, tmp_path):
    path = tmp_path / "lowercase_focus.csv"
    path.write_text(
        "billed_cost,effectivecost,BILLINGACCOUNTID,billing_period_start,charge_period_start,provider_name,x_custom\n"
        "1.10,1.00,acct,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Oracle,kept\n"
    )
    assert ingest(cfg, path).counts.new == 1
    assert query(cfg, "select BilledCost, EffectiveCost, ProviderName, x_custom from raw.focus_costs") == [
        (Decimal("1.1"), Decimal("1"), "Oracle", "kept")
    ]


def test_a_row_with_the_wrong_number_of_fields_fails_the_whole_file(cfg, tmp_path):
    """A structurally broken CSV is a damaged export: loading the rest would under-report the month."""
    path = tmp_path / "broken_focus.csv"
    path.write_text(
        "BilledCost,EffectiveCost,BillingAccountId,BillingPeriodStart,ChargePeriodStart\n"
        "1,1,A,2026-10-01,2026-10-01\n"
        "2,2,A\n"
    )
    summary = ingest(cfg, path)
    assert summary.files_loaded == 0 and len(summary.failures) == 1
    assert (
        "Line: 3" in summary.failures[0] and "Expected Number of Columns: 5 Found: 3" in summary.failures[0]
    )
    assert query(cfg, "select count(*) from duckdb_tables() where table_name = 'focus_costs'") == [
        (0,)
    ]  # rolled back
    assert query(cfg, "select status from meta.ingest_batches") == [("failed",)]
    assert query(cfg, "select count(*) from meta.ingest_files") == [(0,)]


def _write_focus_gz(path, money: list[tuple[str, str]]) -> None:
    """A FOCUS CSV.gz with one row per (BilledCost, EffectiveCost) text; ResourceName names the row's line."""
    with gzip.open(path, "wt", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["BilledCost", "EffectiveCost", "BillingAccountId", "BillingPeriodStart", "ChargePeriodStart"]
            + ["ProviderName", "ResourceName"]
        )
        for i, (billed, effective) in enumerate(money):
            start = "2026-10-01T00:00:00Z" if i % 2 else "2026-10-01 00:00:00"
            out.writerow([billed, effective, "acct", start, start, "AWS", f"row-{i + 2}"])


def test_money_spellings_read_by_the_csv_reader_equal_their_text(cfg, tmp_path, caplog):
    """The reader parses money itself (no text + cast); it must read every spelling the cast reads, alike."""
    spellings = [
        "1e3",
        " 12.5 ",
        ".5",
        "-0",
        "+5",
        "00012.50",
        "0.0000000000015",
        "1.23456789012345678",
        "NULL",
        "",
    ]
    path = tmp_path / "focus_spellings.csv.gz"
    _write_focus_gz(path, [(s, "1") for s in spellings])
    with caplog.at_level("INFO", logger="ingest.billing"):
        assert ingest(cfg, path).counts.new == len(spellings) - 2  # the two nulls miss a mandatory value
    assert "reading the file as text" not in caplog.text
    got = dict(query(cfg, "select _line, BilledCost from raw.focus_costs"))
    expected = {i + 2: dec(s).quantize(Decimal("1e-12"), ROUND_HALF_UP) for i, s in enumerate(spellings[:-2])}
    assert got == expected
    assert query(cfg, "select line, field, reason from meta.quarantine order by line") == [
        (len(spellings), "BilledCost", "BilledCost is missing (a mandatory value)"),
        (len(spellings) + 1, "BilledCost", "BilledCost is missing (a mandatory value)"),
    ]


def test_a_money_value_the_reader_cannot_parse_quarantines_its_row_and_the_rest_loads(cfg, tmp_path, caplog):
    """Deep in a gzip file (past the reader's first buffers): the typed read fails, the file is read again as
    text, and only the bad rows are quarantined, with line, field and value; the rest keep their lines."""
    money = [(f"{i % 997}.0137", f"{i % 991}.5") for i in range(30_000)]
    money[24_998] = ("n/a", "1")  # line 25000
    money[29_000] = ("2", "1,5")  # line 29002
    path = tmp_path / "focus_bad_money.csv.gz"
    _write_focus_gz(path, money)
    with caplog.at_level("INFO", logger="ingest.billing"):
        summary = ingest(cfg, path)
    assert "reading the file as text" in caplog.text
    assert (summary.counts.new, summary.counts.quarantined) == (29_998, 2)
    assert query(cfg, "select line, field, reason from meta.quarantine order by line") == [
        (25_000, "BilledCost", "BilledCost is not a number: 'n/a'"),
        (29_002, "EffectiveCost", "EffectiveCost is not a number: '1,5'"),
    ]
    assert query(cfg, "select count(*) from raw.focus_costs where ResourceName <> 'row-' || _line") == [(0,)]
    expected = sum(Decimal(b) for i, (b, _) in enumerate(money) if i not in (24_998, 29_000))
    assert query(cfg, "select sum(BilledCost) from raw.focus_costs") == [(expected,)]
