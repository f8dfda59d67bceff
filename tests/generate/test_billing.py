"""Bills: FOCUS 1.2 columns, FOCUS vs native totals to the cent, token lines = logged + untracked."""

from __future__ import annotations

import json

import polars as pl
import pyarrow.parquet as pq
import pytest
from gen_helpers import helicone_export_rows

from burnrate.generate.billing import DISCOUNTS
from burnrate.generate.billing_focus import FOCUS_COLUMNS, MANDATORY

NULLS = ["NULL", ""]


def _focus(path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False, null_values=NULLS)


def _money(frame: pl.DataFrame, col: str) -> float:
    return float(frame[col].cast(pl.Float64).fill_null(0).sum())


def focus_files(root):
    return sorted((root / "billing").rglob("focus_*.csv*"))


def test_every_focus_file_has_all_mandatory_focus_1_2_columns(workload):
    files = focus_files(workload)
    assert {p.parent.name for p in files} == {"aws", "azure", "gcp"}
    for path in files:
        header = pl.read_csv(path, n_rows=0).columns
        assert set(MANDATORY) <= set(header), path
        assert header[: len(FOCUS_COLUMNS)] == list(FOCUS_COLUMNS)
        assert all(c.startswith("x_") for c in header[len(FOCUS_COLUMNS) :])
        frame = _focus(path)
        for col in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
            assert frame[col].null_count() == 0, (path, col)
            assert (
                frame[col].str.split(".").list.get(1, null_on_oob=True).str.len_chars().fill_null(0).max()
                <= 10
            )
        assert (
            frame["Tags"]
            .drop_nulls()
            .map_elements(lambda t: isinstance(json.loads(t), dict), return_dtype=pl.Boolean)
            .all()
        )
        assert frame["ProviderName"].n_unique() == 1 and frame["BillingAccountId"].n_unique() == 1


def test_focus_files_keep_real_world_quirks(workload):
    raw = (workload / "billing" / "azure").glob("focus_azure_*.csv")
    text = next(raw).read_text()
    assert ",NULL," in text and ",," in text
    aws = pl.read_csv(next((workload / "billing" / "aws").glob("focus_aws_*.csv.gz")), infer_schema=False)
    assert aws["ChargePeriodStart"][0][10] == " "  # YYYY-MM-DD HH:MM:SS
    gcp = pl.read_csv(next((workload / "billing" / "gcp").glob("focus_gcp_*.csv")), infer_schema=False)
    assert gcp["ChargePeriodStart"][0].endswith("Z")
    assert (gcp["ChargeCategory"] == "Credit").any()
    native = next((workload / "billing" / "azure").glob("azure_costs_actual_*.csv")).read_bytes()
    assert native.startswith(b"\xef\xbb\xbf")
    az = pl.read_csv(native[3:], infer_schema=False)
    assert az["Date"][0][2] == "/" and not az["Tags"].drop_nulls().str.starts_with("{").any()


@pytest.mark.parametrize("month_file", ["aws", "azure", "gcp"])
def test_focus_and_native_totals_agree_to_the_cent(workload, month_file):
    for focus_path in sorted((workload / "billing" / month_file).glob("focus_*")):
        month = focus_path.name.split("_")[-1].split(".")[0]
        focus = _focus(focus_path)
        billed, listed = _money(focus, "BilledCost"), _money(focus, "ListCost")
        if month_file == "aws":
            cur = pq.read_table(focus_path.parent / f"cur2_aws_{month}.parquet").to_pydict()
            native_billed = sum(cur["line_item_unblended_cost"])
            native_list = sum(cur["pricing_public_on_demand_cost"])
            assert sum(cur["line_item_net_unblended_cost"]) == pytest.approx(native_billed, abs=0.005)
        elif month_file == "azure":
            az = pl.read_csv(
                (focus_path.parent / f"azure_costs_actual_{month}.csv").read_bytes()[3:], infer_schema=False
            )
            native_billed = _money(az, "Cost")
            native_list = float((az["PayGPrice"].cast(pl.Float64) * az["Quantity"].cast(pl.Float64)).sum())
        else:
            rows = [json.loads(x) for x in (focus_path.parent / f"gcp_billing_export_{month}.jsonl").open()]
            native_billed = sum(r["cost"] + sum(c["amount"] for c in r["credits"]) for r in rows)
            native_list = sum(r["cost_at_list"] for r in rows)
        assert billed == pytest.approx(native_billed, abs=0.005)
        assert listed == pytest.approx(native_list, abs=0.005)
        usage = focus.filter(pl.col("ChargeCategory") == "Usage")
        assert _money(usage, "BilledCost") == pytest.approx(
            _money(usage, "ListCost") * (1 - DISCOUNTS[month_file]), abs=0.01
        )


def test_bedrock_lines_follow_logged_tokens_plus_untracked(workload, manifest):
    """Nova Pro is called only by the data team (Helicone export): bill = logged tokens + manifest untracked."""
    logged = 0
    for r in helicone_export_rows(workload):
        if r["model"] == "amazon.nova-pro-v1:0" and r["response_status"] != 429:
            logged += sum(
                r[k] or 0
                for k in (
                    "prompt_tokens",
                    "prompt_cache_read_tokens",
                    "prompt_cache_write_tokens",
                    "completion_tokens",
                    "reasoning_tokens",
                )
            )
    truth = [
        e for e in manifest["economics"]["ai_by_provider_model_month"] if e["model_key"] == "bedrock-nova-pro"
    ]
    assert sum(e["logged_tokens"] for e in truth) == logged
    billed = 0.0
    for path in (workload / "billing" / "aws").glob("cur2_aws_*.parquet"):
        t = pq.read_table(path).to_pydict()
        billed += sum(
            a * 1000
            for a, u in zip(t["line_item_usage_amount"], t["line_item_usage_type"], strict=True)
            if "NovaPro" in u
        )
    assert billed == pytest.approx(logged + sum(e["untracked_tokens"] for e in truth), abs=1)


def test_untracked_traffic_is_recorded_as_ground_truth(manifest):
    econ = manifest["economics"]
    assert econ["discounts"] == DISCOUNTS
    untracked = [e for e in econ["ai_by_provider_model_month"] if e["untracked_tokens"]]
    assert {e["provider"] for e in untracked} == {"aws", "azure", "gcp"}
    for e in untracked:
        assert 0.05 <= e["untracked_share_of_logged"] <= 0.15
        assert e["bill_list_cost_usd"] == pytest.approx(
            e["logged_list_cost_usd"] + e["untracked_list_cost_usd"], abs=1e-4
        )


def test_gpu_instances_in_the_bill_match_the_fleet(workload):
    t = pq.read_table(next((workload / "billing" / "aws").glob("cur2_aws_*.parquet"))).to_pydict()
    gpu = [
        (rid, dict(tags))
        for rid, tags, u in zip(
            t["line_item_resource_id"], t["resource_tags"], t["line_item_usage_type"], strict=True
        )
        if "BoxUsage" in u
    ]
    hosts = {tags["user_hostname"] for _rid, tags in gpu}
    assert hosts == {p.name for p in (workload / "dcgm" / "snapshots").iterdir()}
    assert {tags["user_team"] for _rid, tags in gpu} <= {"platform", "search", "data"}
    assert all(rid.startswith("i-") for rid, _t in gpu)
