"""Which format a file is, from its header or first record."""

from __future__ import annotations

import duckdb
import pytest

from ingest.billing import detect
from ingest.billing_read import sniff
from tests.ingest.billing_helpers import FIXTURES, write_cur2_parquet, write_focus_parquet, write_gcp_parquet


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("focus_1.0_aws_2026-10.csv", "focus"),
        ("focus_1.1_microsoft_2026-10.csv.gz", "focus"),
        ("focus_1.2_google_2026-10.csv", "focus"),
        ("cur2_aws_2026-10.csv.gz", "cur2"),
        ("cur_legacy_2026-09.csv.gz", "cur2"),
        ("gcp_billing_export_2026-10.jsonl", "gcp"),
        ("azure_ea_actual_2026-10.csv", "azure"),
        ("azure_mca_amortized_2026-10.csv", "azure"),
    ],
)
def test_fixtures_are_detected(name, fmt):
    assert detect(sniff(duckdb.connect(), FIXTURES / name)) == fmt


def test_parquet_files_are_detected_from_their_schema(tmp_path):
    con = duckdb.connect()
    for writer, fmt in (
        (write_cur2_parquet, "cur2"),
        (write_focus_parquet, "focus"),
        (write_gcp_parquet, "gcp"),
    ):
        path = tmp_path / f"{fmt}.parquet"
        writer(path)
        assert detect(sniff(con, path)) == fmt


def test_other_files_are_not_billing_exports(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("name,cost,team\nada,1,ml\n")
    records = tmp_path / "events.jsonl"
    records.write_text('{"event": "x", "cost": 1}\n')
    assert detect(sniff(duckdb.connect(), people)) is None
    assert detect(sniff(duckdb.connect(), records)) is None
