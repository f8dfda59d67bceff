"""Azure cost exports (EA and MCA, actual and amortized) into raw.azure_costs."""

from __future__ import annotations

import json
from datetime import datetime

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
)

# fixture -> (cost column in the file, quarantined lines, schema, view)
CASES = {
    "azure_ea_actual_2026-10.csv": ("Cost", {7: "Date"}, "ea", "actual"),
    "azure_ea_amortized_2026-10.csv": ("Cost", {7: "Date"}, "ea", "amortized"),
    "azure_mca_actual_2026-10.csv": ("costInBillingCurrency", {5: "CostInBillingCurrency"}, "mca", "actual"),
    "azure_mca_amortized_2026-10.csv": ("costInBillingCurrency", {}, "mca", "amortized"),
}


def _period(row: dict) -> str:
    text = row.get("BillingPeriodStartDate") or row["billingPeriodStartDate"]
    return f"{text[6:10]}-{text[0:2]}" if "/" in text else text[:7]


@pytest.mark.parametrize("name", list(CASES))
def test_totals_per_account_month_and_view_equal_the_file(cfg, name):
    path = FIXTURES / name
    cost_column, bad, schema, view = CASES[name]
    records = csv_records(path)
    summary = ingest(cfg, path)
    assert summary.counts.new + summary.counts.quarantined == len(records)
    assert quarantined(cfg, "azure_costs") == bad
    account = "BillingAccountId" if schema == "ea" else "billingAccountId"
    expected = totals(
        records, lambda r: (r[account], _period(r), view), lambda r: dec(r[cost_column]), skip=set(bad)
    )
    target = "Cost" if schema == "ea" else "CostInBillingCurrency"
    rows = query(
        cfg,
        f"select BillingAccountId, strftime(BillingPeriodStartDate, '%Y-%m'), _cost_view, sum({target}) "
        "from raw.azure_costs group by all",
    )
    assert_same_money({(a, m, v): t for a, m, v, t in rows}, expected)
    assert query(cfg, "select distinct _schema, _cost_view from raw.azure_costs") == [(schema, view)]


def test_actual_and_amortized_views_of_a_month_are_kept_apart(cfg):
    ingest(cfg, FIXTURES / "azure_ea_actual_2026-10.csv", FIXTURES / "azure_ea_amortized_2026-10.csv")
    rows = query(cfg, "select _cost_view, count(*) from raw.azure_costs group by 1 order by 1")
    assert rows == [("actual", 5), ("amortized", 6)]


def test_ea_quirks_bom_us_dates_and_tags_without_braces(cfg):
    ingest(cfg, FIXTURES / "azure_ea_actual_2026-10.csv")
    rows = query(
        cfg,
        'select _line, "Date", BillingPeriodStartDate, BillingPeriodEndDate, Tags, _original, AdditionalInfo '
        "from raw.azure_costs order by _line",
    )
    line2, line3, line4, line5 = rows[:4]
    assert line2[1:4] == (datetime(2026, 10, 1), datetime(2026, 10, 1), datetime(2026, 10, 31))
    assert json.loads(line2[4]) == {"team": "search", "env": "prod"}
    assert line2[5] == {"Tags": '"team": "search","env": "prod"'}
    assert json.loads(line3[4]) == {"team": "search", "env": "prod"}  # ' " env ": …' trimmed
    assert line4[1] == datetime(2026, 10, 2)  # 10/2/2026: no zero padding
    assert json.loads(line5[6]) == {"ServiceType": "Standard_NC24ads_A100_v4", "VCPUs": 24}
    first = query(
        cfg,
        "select column_name from duckdb_columns() where table_name = 'azure_costs' order by column_index limit 1",
    )
    assert first == [("BillingAccountId",)]  # not '\ufeffBillingAccountId'


def test_mca_camel_case_lands_in_the_same_columns(cfg):
    ingest(cfg, FIXTURES / "azure_mca_actual_2026-10.csv", FIXTURES / "azure_ea_actual_2026-10.csv")
    rows = query(
        cfg,
        'select _schema, count(SubscriptionId), count(MeterName), count("Date"), count(Tags) from raw.azure_costs group by 1 order by 1',
    )
    assert rows == [("ea", 5, 4, 5, 3), ("mca", 3, 3, 3, 3)]  # empty strings are null
    assert query(
        cfg, "select distinct ExchangeRatePricingToBilling from raw.azure_costs where _schema = 'mca'"
    ) == [(dec("0.92"),)]
