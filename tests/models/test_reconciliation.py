"""Reconciliation on the demo workload finds the generator's untracked traffic and negotiated discounts (1 %)."""

from __future__ import annotations

import json

import pytest

CLOUD_ROUTES = {"aws": "aws_bedrock", "azure": "azure_openai", "gcp": "gcp_vertex"}


def _economics(workload_root) -> dict:
    return json.loads((workload_root / "demo" / "manifest.json").read_text())["economics"]


def _monthly(live) -> dict[tuple[str, str], dict]:
    cur = live.execute(
        "select *, strftime(billing_month, '%Y-%m') as month from marts.fct_reconciliation_monthly where has_invoice"
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return {(r["llm_model_key"], r["month"]): r for r in rows}


def test_untracked_traffic_and_discounts_within_one_percent(built, live, workload_root):
    economics = _economics(workload_root)
    found = _monthly(live)
    truth = economics["ai_by_provider_model_month"]
    assert truth and len(found) == len(truth)
    for t in truth:
        row = found[(t["model_key"], t["month"])]
        assert row["provider_name"] == CLOUD_ROUTES[t["provider"]]
        assert row["billed_tokens"] == pytest.approx(t["billed_tokens"], rel=0.01)
        assert row["logged_tokens"] == pytest.approx(t["logged_tokens"], rel=0.01)
        # within 1 % of the truth, or of the bill when the truth is (near) zero
        assert abs(row["untracked_tokens"] - t["untracked_tokens"]) <= 0.01 * max(
            t["untracked_tokens"], 0.01 * t["billed_tokens"]
        ), t["model_key"]
        assert abs(float(row["untracked_cost"]) - t["untracked_billed_cost_usd"]) <= 0.01 * max(
            t["untracked_billed_cost_usd"], 0.01 * t["bill_billed_cost_usd"]
        ), t["model_key"]
        assert float(row["billed_cost"]) == pytest.approx(t["bill_billed_cost_usd"], rel=0.01)
        assert row["realized_discount"] == pytest.approx(economics["discounts"][t["provider"]], rel=0.01)


def test_provider_untracked_share_matches_the_generator(built, live, workload_root):
    economics = _economics(workload_root)
    for key, share in economics["untracked_shares"].items():
        found = live.execute(
            "select sum(untracked_tokens) / sum(logged_tokens) from marts.fct_reconciliation_monthly where llm_model_key = ?",
            [key],
        ).fetchone()[0]
        truth = [t for t in economics["ai_by_provider_model_month"] if t["model_key"] == key]
        expected = sum(t["untracked_tokens"] for t in truth) / sum(t["logged_tokens"] for t in truth)
        assert found == pytest.approx(expected, rel=0.01)
        assert found == pytest.approx(share, abs=0.02)  # the configured share, sampled


def test_direct_api_routes_have_no_invoice(built, live):
    rows = live.execute(
        "select distinct provider_name from marts.fct_reconciliation_monthly where not has_invoice"
    ).fetchall()
    assert {r[0] for r in rows} <= {"openai", "anthropic"}
