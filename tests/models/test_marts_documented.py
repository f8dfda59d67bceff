"""Every mart states its grain and documents every column it has (the data dictionary of `dbt docs`)."""

from __future__ import annotations

import json

from burnrate.build import project_dir


def _marts(built) -> dict:
    manifest = json.loads((project_dir() / "target" / "manifest.json").read_text())
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }


def test_every_mart_states_its_grain(built):
    marts = _marts(built)
    assert {
        "fct_llm_requests",
        "dim_teams",
        "dim_features",
        "dim_models",
        "fct_cloud_costs_daily",
        "fct_ai_token_charges_daily",
        "fct_gpu_usage_hourly",
        "fct_llm_usage_daily",
        "fct_costs_daily",
        "fct_allocation_coverage_monthly",
        "fct_reconciliation_monthly",
        "fct_reconciliation_daily",
        "fct_budget_status",
        "fct_budget_daily",
        "fct_self_hosted_unit_costs_monthly",
    } <= set(marts)
    for name, node in marts.items():
        assert "grain: one row per" in node["description"].lower(), name


def test_every_mart_column_is_documented(built, live):
    for name, node in _marts(built).items():
        built_columns = {
            r[0]
            for r in live.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
                [name],
            ).fetchall()
        }
        documented = {c for c, col in node["columns"].items() if col["description"].strip()}
        assert built_columns, name
        assert built_columns - documented == set(), f"{name}: undocumented columns"
        assert set(node["columns"]) - built_columns == set(), f"{name}: documented columns it does not have"
