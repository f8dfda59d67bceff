"""Idempotence and re-issued month files: the newest export of a (billing account, month) is the one kept."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

from ingest.billing_exports import export_group
from tests.ingest.billing_helpers import FIXTURES, ingest, query

HEADER = "BilledCost,EffectiveCost,BillingAccountId,BillingPeriodStart,ChargePeriodStart,ProviderName,ChargeDescription\n"


def focus(path: Path, rows: list[tuple[str, str, str]], *, age_s: float = 0) -> Path:
    """A minimal FOCUS file of (account, month, cost) rows; `age_s` backdates its modification time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{c},{c},{a},{m}-01T00:00:00Z,{m}-02T00:00:00Z,AWS,{path.name}\n" for a, m, c in rows)
    path.write_text(HEADER + body)
    if age_s:
        t = path.stat().st_mtime - age_s
        os.utime(path, (t, t))
    return path


def month_totals(cfg) -> dict:
    rows = query(
        cfg,
        "select BillingAccountId, strftime(BillingPeriodStart, '%Y-%m'), sum(BilledCost) from raw.focus_costs group by all",
    )
    return {(a, m): v for a, m, v in rows}


def test_reingesting_the_same_files_adds_nothing(cfg):
    first = ingest(cfg, FIXTURES)
    before = query(cfg, "select count(*), sum(BilledCost) from raw.focus_costs")
    again = ingest(cfg, FIXTURES)
    assert first.files_loaded == 11 and again.files_loaded == 0 and again.files_skipped == 11
    assert (again.counts.new, again.counts.updated) == (0, 0)
    assert query(cfg, "select count(*), sum(BilledCost) from raw.focus_costs") == before


def test_a_file_rewritten_in_place_replaces_its_own_rows(cfg, tmp_path):
    path = focus(
        tmp_path / "bills" / "focus_2026-10.csv", [("A", "2026-10", "10.00"), ("A", "2026-10", "5.00")]
    )
    ingest(cfg, path)
    focus(path, [("A", "2026-10", "11.00")])  # the provider re-wrote the month with a correction
    summary = ingest(cfg, path)
    assert (summary.counts.new, summary.counts.updated) == (0, 1)
    assert month_totals(cfg) == {("A", "2026-10"): Decimal("11")}


def test_a_newer_export_in_another_folder_replaces_the_month_and_an_older_one_cannot(cfg, tmp_path):
    old = focus(tmp_path / "run-1" / "focus.csv", [("A", "2026-10", "10"), ("A", "2026-09", "3")], age_s=3600)
    new = focus(tmp_path / "run-2" / "focus.csv", [("A", "2026-10", "12")])
    ingest(cfg, old)
    summary = ingest(cfg, new)
    assert summary.counts.updated == 1
    # October is replaced, September (not in the new export) stays
    assert month_totals(cfg) == {("A", "2026-10"): Decimal("12"), ("A", "2026-09"): Decimal("3")}

    older = focus(tmp_path / "run-0" / "focus.csv", [("A", "2026-10", "99")], age_s=7200)
    summary = ingest(cfg, older)  # arrives last, but was exported first
    assert (summary.counts.new, summary.counts.updated, summary.counts.unchanged) == (0, 0, 1)
    assert month_totals(cfg)[("A", "2026-10")] == Decimal("12")
    owner = json.loads(
        query(cfg, "select value from meta.ingest_state where source = 'focus' and scope like '%2026-10%'")[
            0
        ][0]
    )
    assert owner["file"] == str(new)


def test_numbered_parts_of_one_export_add_up_and_a_renamed_copy_replaces_them(cfg, tmp_path):
    folder = tmp_path / "export" / "BILLING_PERIOD=2026-10"
    part1 = focus(folder / "focus-00001.csv", [("A", "2026-10", "1.50")], age_s=60)
    part2 = focus(folder / "focus-00002.csv", [("A", "2026-10", "2.25")], age_s=60)
    summary = ingest(cfg, part1, part2)
    assert summary.counts.new == 2
    assert month_totals(cfg) == {("A", "2026-10"): Decimal("3.75")}
    # a browser's "(1)" copy of a re-downloaded month is another export: newer, so it replaces both parts
    focus(folder / "focus (1).csv", [("A", "2026-10", "4.00")])
    ingest(cfg, folder)
    assert month_totals(cfg) == {("A", "2026-10"): Decimal("4")}


def test_dated_month_to_date_snapshots_in_one_folder_replace_each_other(cfg, tmp_path):
    mid = focus(tmp_path / "daily" / "focus_2026-10-15.csv", [("A", "2026-10", "5")], age_s=86400)
    end = focus(tmp_path / "daily" / "focus_2026-10-31.csv", [("A", "2026-10", "5"), ("A", "2026-10", "6")])
    ingest(cfg, mid, end)
    assert month_totals(cfg) == {("A", "2026-10"): Decimal("11")}


def test_accounts_are_independent(cfg, tmp_path):
    ingest(cfg, focus(tmp_path / "a" / "bill.csv", [("A", "2026-10", "1")]))
    ingest(cfg, focus(tmp_path / "b" / "bill.csv", [("B", "2026-10", "2")]))
    assert month_totals(cfg) == {("A", "2026-10"): Decimal("1"), ("B", "2026-10"): Decimal("2")}


def test_gcp_export_time_in_the_file_decides_not_the_file_time(cfg, tmp_path):
    def gcp(path: Path, cost: float, export_time: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"billing_account_id": "X", "sku": {"description": "s"}, "usage_start_time": "2026-10-01 00:00:00 UTC",
                  "cost": cost, "invoice": {"month": "202610"}, "export_time": export_time}  # fmt: skip
        path.write_text(json.dumps(record) + "\n")
        return path

    ingest(cfg, gcp(tmp_path / "late" / "export.jsonl", 5.0, "2026-10-20 00:00:00 UTC"))
    # copied around later (newest file time) but exported earlier: must not replace the later export
    ingest(cfg, gcp(tmp_path / "early" / "export.jsonl", 4.0, "2026-10-10 00:00:00 UTC"))
    assert query(cfg, "select sum(cost) from raw.gcp_billing") == [(Decimal("5"),)]


def test_export_group_ignores_extensions_and_part_numbers():
    assert export_group("/x/data/cur-00001.snappy.parquet") == export_group(
        "/x/data/cur-00002.snappy.parquet"
    )
    assert export_group("/x/part_0_0001.csv") == export_group("/x/part_1_0001.csv") == "/x/part"
    assert export_group("/x/focus_aws_2026-10.csv.gz") == "/x/focus_aws_2026-10"  # a date names the export
    assert export_group("/x/focus_aws_2026-10-00002.csv") == "/x/focus_aws_2026-10"
    assert export_group("/x/focus_2026-10-15.csv") != export_group("/x/focus_2026-10-31.csv")
    assert export_group("/x/gcp_billing_export_000000000001.jsonl") == "/x/gcp_billing_export"
    assert export_group("/x/focus (1).csv") != export_group("/x/focus.csv")
    assert export_group("/run-1/focus.csv") != export_group("/run-2/focus.csv")


def test_line_numbers_follow_the_file_when_duckdb_reads_it_in_parallel(cfg, tmp_path, monkeypatch):
    """Rows are numbered by insertion order (no single-threaded numbering): check it on a file DuckDB splits
    across threads, with a rejected row in the middle."""
    import duckdb

    path = tmp_path / "big_focus.csv"
    duckdb.connect().execute(
        f"""copy (select case when i = 123456 then 'oops' else (i % 100)::VARCHAR end as BilledCost,
                  '1' as EffectiveCost, 'A' as BillingAccountId, '2026-10-01T00:00:00Z' as BillingPeriodStart,
                  '2026-10-02 00:00:00' as ChargePeriodStart, 'AWS' as ProviderName, (i + 2)::VARCHAR as ChargeDescription,
                  repeat('x', 100) as pad
            from range(300000) t(i)) to '{path}' (header)"""
    )
    monkeypatch.setenv("BURNRATE_WAREHOUSE_THREADS", "4")
    from burnrate import config

    summary = ingest(config.load(), path)
    assert (summary.counts.new, summary.counts.quarantined) == (299_999, 1)
    assert query(cfg, "select count(*) from raw.focus_costs where _line <> ChargeDescription::BIGINT") == [
        (0,)
    ]
    assert query(cfg, "select line, field from meta.quarantine") == [(123_458, "BilledCost")]


def test_a_large_file_is_checkpointed_at_commit_not_written_to_the_log_again(cfg, tmp_path):
    """Numbering the rows updates rows DuckDB already wrote to the file; the commit must not copy them all
    into the write-ahead log (measured: ~400 MB for 1 M rows) but checkpoint, and leave the setting as it was."""
    import duckdb

    from burnrate import warehouse
    from ingest import billing

    path = tmp_path / "focus_large.csv"
    duckdb.connect().execute(
        f"""copy (select (i % 100)::VARCHAR || '.25' as BilledCost, '1' as EffectiveCost, 'A' as BillingAccountId,
                  '2026-10-01T00:00:00Z' as BillingPeriodStart, '2026-10-02 00:00:00' as ChargePeriodStart,
                  'AWS' as ProviderName, (i + 2)::VARCHAR as ChargeDescription, md5(i::VARCHAR) as ResourceId
            from range(250000) t(i)) to '{path}' (header)"""
    )
    wal = Path(str(cfg.warehouse_path) + ".wal")
    with warehouse.writer(cfg) as con:
        before = con.execute("select current_setting('checkpoint_threshold')").fetchone()[0]
        summary = billing.ingest_files(con, cfg, [str(path)])
        after = con.execute("select current_setting('checkpoint_threshold')").fetchone()[0]
        logged = wal.stat().st_size if wal.exists() else 0  # before close, which checkpoints anyway
    assert summary.counts.new == 250_000 and not summary.failures
    assert after == before
    assert logged < 1_000_000, f"the commit wrote {logged:,} bytes of log"
    assert query(
        cfg, "select count(*), sum(BilledCost) from raw.focus_costs where _line = ChargeDescription::BIGINT"
    ) == [(250_000, Decimal("12437500"))]


def test_a_small_file_commits_through_the_log_without_a_checkpoint(cfg, tmp_path):
    """A checkpoint per commit would cost each small file more than its log (~25 ms each on 60 files)."""
    from burnrate import warehouse
    from ingest import billing

    path = focus(tmp_path / "small.csv", [("A", "2026-10", "1.50"), ("A", "2026-10", "2.25")])
    wal = Path(str(cfg.warehouse_path) + ".wal")
    with warehouse.writer(cfg) as con:
        summary = billing.ingest_files(con, cfg, [str(path)])
        logged = wal.stat().st_size if wal.exists() else 0
    assert summary.counts.new == 2 and logged > 0
    assert query(cfg, "select _line, BilledCost from raw.focus_costs order by _line") == [
        (2, Decimal("1.5")),
        (3, Decimal("2.25")),
    ]
