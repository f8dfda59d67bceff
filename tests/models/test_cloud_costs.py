"""The cloud cost marts hold every billed dollar once, as the generator billed it (manifest.json economics)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from burnrate import warehouse
from burnrate.build import run_dbt
from ingest import billing
from ingest.tables import ensure_raw_tables
from tests.conftest import ROOT
from tests.workload import workload_config

CENT = Decimal("0.01")
NATIVE = ("cur2_aws_*.parquet", "azure_costs_actual_*.csv", "gcp_billing_export_*.jsonl")


@pytest.fixture(scope="module")
def economics(workload_root) -> dict:
    return json.loads((workload_root / "demo" / "manifest.json").read_text())["economics"]


def _by(con, sql: str) -> dict:
    return {tuple(r[:-2]): (r[-2], r[-1]) for r in con.execute(sql).fetchall()}


def test_bill_totals_equal_the_generators_bills(live, economics):
    """Per provider and month: net billed (credits included) and list cost, although every bill came twice."""
    got = _by(
        live,
        "select cloud_provider, strftime(billing_period_start, '%Y-%m'), sum(billed_cost), sum(list_cost) "
        "from marts.fct_cloud_costs_daily group by all",
    )
    expected = {
        (t["provider"], t["month"]): (t["net_billed_cost_usd"], t["list_cost_usd"])
        for t in economics["bill_totals"]
    }
    assert set(got) == set(expected)
    for key, (billed, listed) in expected.items():
        assert abs(got[key][0] - Decimal(str(billed))) < CENT, key
        assert abs(got[key][1] - Decimal(str(listed))) < CENT, key


def test_every_bill_is_read_from_one_export(live):
    """The demo ships FOCUS and a native export of each bill: FOCUS (priority 1) is the one read."""
    formats = live.execute(
        "select cloud_provider, billing_period_start, list(distinct x_source_format) "
        "from marts.fct_cloud_costs_daily group by all"
    ).fetchall()
    assert formats and all(f == ["focus"] for *_key, f in formats)


def test_ai_token_charges_equal_the_generators_billed_tokens(live, economics):
    """Billed tokens per provider x model x month exactly, and their billed cost to the cent."""
    got = _by(
        live,
        "select cloud_provider, llm_model_key, strftime(billing_period_start, '%Y-%m'), sum(billed_tokens), "
        "sum(billed_cost) from marts.fct_ai_token_charges_daily group by all",
    )
    expected = {
        (m["provider"], m["model_key"], m["month"]): (m["billed_tokens"], m["bill_billed_cost_usd"])
        for m in economics["ai_by_provider_model_month"]
    }
    assert set(got) == set(expected)
    for key, (tokens, cost) in expected.items():
        assert got[key][0] == tokens, key
        assert abs(got[key][1] - Decimal(str(cost))) < CENT, key
    unmapped = live.execute("select count(*) from marts.fct_ai_token_charges_daily where not has_model_alias")
    assert unmapped.fetchone()[0] == 0


def test_billed_models_are_the_models_the_logs_resolve_to(live):
    """Reconciliation joins on (price provider, model id): every billed model is one the logged requests carry."""
    missing = live.execute(
        """
        select distinct b.price_provider_id, b.model_id
        from marts.fct_ai_token_charges_daily as b
        anti join marts.fct_llm_requests as r
            on b.price_provider_id = r.price_provider_id and b.model_id = r.model_id
        """
    ).fetchall()
    assert missing == []


def test_cloud_costs_are_attributed_by_tags_then_accounts(live):
    """Tagged resources go to their team; untagged lines of shared accounts stay unattributed, none is null."""
    rows = dict(
        live.execute(
            "select attribution_method, sum(billed_cost) from marts.fct_cloud_costs_daily group by all"
        ).fetchall()
    )
    assert set(rows) <= {"resource_tag", "account_map", "unattributed"}
    assert rows["resource_tag"] > rows.get("unattributed", 0) > 0
    shared = live.execute(
        "select count(*) from marts.fct_cloud_costs_daily where sub_account_name like '%shared%' "
        "and team_id <> 'unattributed'"
    ).fetchone()[0]
    assert shared == 0


def test_native_exports_alone_give_the_same_costs(built, live, workload_root, tmp_path):
    """CUR 2.0, Azure cost details and the GCP BigQuery export, without FOCUS, give the FOCUS totals: per provider,
    month, service category and team (billed, effective, list), and the same AI token charges."""
    bills = workload_root / "demo" / "billing"
    files = sorted(p for pattern in NATIVE for p in bills.rglob(pattern))
    assert len(files) >= 3
    cfg = workload_config(tmp_path)
    with warehouse.writer(cfg) as con:
        ensure_raw_tables(con)
        assert not billing.ingest_files(con, cfg, files).failures
    for args in (["seed"], ["run", "--select", "+fct_cloud_costs_daily", "+fct_ai_token_charges_daily"]):
        result = run_dbt(cfg, args, show_progress=False)
        assert result.success, result.failures

    costs = (
        "select cloud_provider, billing_period_start, service_category, team_id, "
        "sum(billed_cost)::decimal(18,2), sum(effective_cost)::decimal(18,2), sum(list_cost)::decimal(18,2) "
        "from marts.fct_cloud_costs_daily group by all order by all"
    )
    tokens = (
        "select charge_date, price_provider_id, model_id, token_type, team_id, sum(billed_tokens), "
        "sum(billed_cost)::decimal(18,4) from marts.fct_ai_token_charges_daily group by all order by all"
    )
    with warehouse.writer(cfg) as con:
        native_formats = {
            r[0]
            for r in con.execute(
                "select distinct x_source_format from marts.fct_cloud_costs_daily"
            ).fetchall()
        }
        native_costs, native_tokens = con.execute(costs).fetchall(), con.execute(tokens).fetchall()
    assert native_formats == {"aws_cur2", "azure_actual", "gcp_billing_export"}
    assert _close(native_costs, live.execute(costs).fetchall())
    assert native_tokens == live.execute(tokens).fetchall()


def _close(a: list[tuple], b: list[tuple]) -> bool:
    """Same keys, money within a cent (list prices are rounded differently in Azure's PayGPrice x Quantity)."""
    return len(a) == len(b) and all(
        x[:4] == y[:4] and all(abs(p - q) <= CENT for p, q in zip(x[4:], y[4:], strict=True))
        for x, y in zip(a, b, strict=True)
    )


def test_messy_exports_of_every_format_count_each_bill_once(tmp_path):
    """The billing fixtures (FOCUS 1.0/1.1/1.2, CUR 2.0 and legacy, Azure EA/MCA actual and amortized, GCP with
    credits; BOMs, US dates, brace-less tags, quarantined rows) build green, and each bill is read from one
    export: Microsoft's FOCUS (account as an ARM path) wins over the EA cost details of the same account."""
    fixtures = ROOT / "tests" / "fixtures" / "billing"
    cfg = workload_config(tmp_path)
    with warehouse.writer(cfg) as con:
        ensure_raw_tables(con)
        assert not billing.ingest_files(con, cfg, [fixtures]).failures
    selected = ["+fct_cloud_costs_daily", "+fct_ai_token_charges_daily", "--indirect-selection", "cautious"]
    for args in (["seed"], ["build", "--select", *selected]):
        result = run_dbt(cfg, args, show_progress=False)
        assert result.success, result.failures
    with warehouse.writer(cfg) as con:
        bills = con.execute(
            "select cloud_provider, regexp_extract(billing_account_id, '[^/]+$'), billing_period_start, "
            "list(distinct x_source_format) from marts.fct_cloud_costs_daily group by all"
        ).fetchall()
        azure_tokens = con.execute(
            "select sum(billed_tokens) from marts.fct_ai_token_charges_daily "
            "where model_id = 'gpt-4o-2024-05-13' and token_type = 'input'"
        ).fetchone()[0]
    assert all(len(formats) == 1 for *_key, formats in bills)
    assert ("azure", "8611537", date(2026, 10, 1), ["focus"]) in bills
    assert azure_tokens == 120_500  # FOCUS ConsumedQuantity 120.5 in '1K Tokens'
