"""The company structure is fixed: `company/` files equal `company_tables()`, independent of the seed."""

from __future__ import annotations

import csv

from burnrate.generate import company_tables
from burnrate.generate.catalog import FEATURES, MODELS


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def test_company_files_equal_company_tables(workload):
    tables = company_tables()
    assert {
        "teams",
        "features",
        "users",
        "api_keys",
        "models",
        "budgets",
        "user_teams",
        "namespace_teams",
        "account_teams",
    } <= set(tables)
    for name, rows in tables.items():
        with open(workload / "company" / f"{name}.csv", newline="") as fh:
            got = list(csv.DictReader(fh))
        assert got == [{k: _text(v) for k, v in row.items()} for row in rows], name


def test_company_has_the_promised_shape():
    t = company_tables()
    assert len(t["teams"]) == 8
    assert 24 <= len(t["features"]) <= 27
    assert 250 <= len(t["users"]) <= 400
    routes = {m.route for m in MODELS}
    assert routes == {"openai", "anthropic", "aws_bedrock", "azure_openai", "gcp_vertex", "self_hosted"}
    assert sum(m.route == "self_hosted" for m in MODELS) == 2
    assert any(f.launch_days_before_end for f in FEATURES)
    mapped = {r["user_id"] for r in t["user_teams"]}
    assert any(u["user_id"] not in mapped for u in t["users"])  # contractors stay unmapped
    assert {r["namespace"] for r in t["namespace_teams"]} == {r["namespace"] for r in t["gpu_nodes"]}


def test_company_tables_do_not_depend_on_anything_random():
    assert company_tables() == company_tables()
