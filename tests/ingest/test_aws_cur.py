"""AWS CUR 2.0 (Parquet with map columns, CSV.gz) and legacy CUR into raw.aws_cur."""

from __future__ import annotations

import json

from ingest.aws_cur import snake
from tests.ingest.billing_helpers import (
    FIXTURES,
    assert_same_money,
    csv_records,
    dec,
    ingest,
    quarantined,
    query,
    totals,
    write_cur2_parquet,
)


def _totals(cfg, column: str) -> dict:
    rows = query(
        cfg,
        f"select bill_payer_account_id, strftime(bill_billing_period_start_date, '%Y-%m'), sum({column}) "
        f"from raw.aws_cur group by all having sum({column}) is not null",
    )
    return {(a, m): v for a, m, v in rows}


def test_parquet_with_real_map_columns(cfg, tmp_path):
    path = tmp_path / "cur2_aws_2026-10.parquet"
    rows = write_cur2_parquet(path)
    summary = ingest(cfg, path)
    assert (summary.counts.new, summary.counts.quarantined) == (len(rows), 0)
    for column, field in (("line_item_unblended_cost", "cost"), ("line_item_net_unblended_cost", "net")):
        expected = totals(
            enumerate(rows),
            lambda r: ("111122223333", r["month"]),
            lambda r, f=field: dec(r[f]) if r[f] is not None else None,
        )
        assert_same_money(_totals(cfg, column), expected)
    tags, product, discount, fmt = query(
        cfg,
        "select resource_tags, product, discount, _format from raw.aws_cur where identity_line_item_id = 'c2p-2'",
    )[0]
    assert json.loads(tags) == {"user_team": "ml", "user_env": "prod"}
    assert json.loads(product) == {"servicecode": "AmazonBedrock", "region": "us-east-1"}
    assert json.loads(discount) == {"private_rate_discount": -0.24}
    assert fmt == "cur2"
    assert query(
        cfg,
        "select typeof(line_item_unblended_cost), typeof(bill_billing_period_start_date) from raw.aws_cur limit 1",
    ) == [("DECIMAL(38,12)", "TIMESTAMP")]
    # an unknown column of the file is kept under its own name
    assert query(cfg, "select distinct line_item_legal_entity from raw.aws_cur") == [
        ("Amazon Web Services, Inc.",)
    ]


def test_csv_gz_with_maps_as_json_text(cfg):
    path = FIXTURES / "cur2_aws_2026-10.csv.gz"
    records = csv_records(path)
    summary = ingest(cfg, path)
    assert summary.counts.new == len(records)
    for column in ("line_item_unblended_cost", "line_item_net_unblended_cost"):
        expected = totals(
            records,
            lambda r: (r["bill_payer_account_id"], r["bill_billing_period_start_date"][:7]),
            lambda r, c=column: dec(r[c]),
        )
        assert_same_money(_totals(cfg, column), expected)
    rows = query(
        cfg, "select identity_line_item_id, resource_tags, cost_category from raw.aws_cur order by _line"
    )
    assert [(i, t and json.loads(t), c and json.loads(c)) for i, t, c in rows] == [
        ("c2-0001", {"user_team": "ml", "user_feature": "chat"}, {"team": "ml"}),
        ("c2-0002", {}, {"team": "ml"}),
        ("c2-0003", None, None),
        ("c2-0004", {"user_team": "ml", "user_feature": "chat"}, {"team": "ml"}),
    ]


def test_legacy_headers_and_columns_that_change_month_to_month(cfg):
    september, october = FIXTURES / "cur_legacy_2026-09.csv.gz", FIXTURES / "cur_legacy_2026-10.csv.gz"
    summary = ingest(cfg, september, october)
    records = [*csv_records(september), *[(line + 1000, row) for line, row in csv_records(october)]]
    assert summary.counts.new + summary.counts.quarantined == len(records)
    assert quarantined(cfg, "aws_cur") == {5: "line_item_unblended_cost"}  # October's line 5 has no cost
    expected = totals(
        records,
        lambda r: (r["bill/PayerAccountId"], r["bill/BillingPeriodStartDate"][:7]),
        lambda r: dec(r["lineItem/UnblendedCost"]),
    )
    assert_same_money(_totals(cfg, "line_item_unblended_cost"), expected)
    rows = query(
        cfg,
        "select strftime(bill_billing_period_start_date, '%Y-%m'), line_item_usage_type, resource_tags, cost_category, "
        "product_storage_class, product_instance_type, _format from raw.aws_cur order by 1, _line",
    )
    assert [
        (m, ut, t and json.loads(t), c and json.loads(c), sc, it, f) for m, ut, t, c, sc, it, f in rows
    ] == [
        ("2026-09", "USE1-Claude3Sonnet-input-tokens", {"user_team": "ml"}, None, None, None, "legacy"),
        ("2026-09", "USE1-Claude3Sonnet-output-tokens", None, None, None, None, "legacy"),
        (
            "2026-09",
            "USE1-TimedStorage-ByteHrs",
            {"user_team": "ml"},
            None,
            "General Purpose",
            None,
            "legacy",
        ),
        (
            "2026-10",
            "USE1-Claude3Sonnet-input-tokens",
            {"user_team": "ml", "user_cost_center": "cc-7"},
            {"business_unit": "Platform"},
            None,
            None,
            "legacy",
        ),
        ("2026-10", "USE1-Claude2.1-input-tokens", {"user_team": "ml"}, None, None, None, "legacy"),
        ("2026-10", "USE1-BoxUsage:g5.xlarge", {"user_team": "ml"}, None, None, "g5.xlarge", "legacy"),
    ]


def test_legacy_names_follow_aws_athena():
    assert snake("lineItem/UnblendedCost") == "line_item_unblended_cost"
    assert snake("identity/TimeInterval") == "identity_time_interval"
    assert snake("product/servicecode") == "product_servicecode"
    assert snake("savingsPlan/SavingsPlanARN") == "savings_plan_savings_plan_a_r_n"
    assert snake("resourceTags/user:CostCenter") == "resource_tags_user_cost_center"
