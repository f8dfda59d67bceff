"""Warehouses for the dashboard tests, built once per session and treated as read-only.

* `built_cfg`: the real pipeline on a small generated workload (generate → ingest → dbt build → publish):
  every mart the pipeline builds (alerts not run).
* `llm_only_cfg`: a copy of it without the integration marts (INTEGRATION_MARTS) — a warehouse whose
  models predate them: the dashboard must fall back to the request log and say what to build.
* `full_cfg`: a copy of it with every contracted table added (tests/app/contract_tables.py) and published:
  what the dashboard reads once `fct_costs_daily`, budgets, reconciliation, GPUs and alerts land.
* `empty_cfg`: a warehouse with nothing published.
"""

from __future__ import annotations

import os
import shutil

import pytest

from burnrate import config, warehouse
from tests.app import contract_tables
from tests.workload import build_workload


def _cfg(path) -> config.Config:
    return config.load(env={**os.environ, "BURNRATE_WAREHOUSE": str(path), "BURNRATE_CONFIG": ""})


@pytest.fixture(scope="session")
def built_cfg(tmp_path_factory) -> config.Config:
    return build_workload(tmp_path_factory.mktemp("app_workload"))


# the marts of the models integration pass (fct_costs_daily, budgets, reconciliation, the usage mart)
INTEGRATION_MARTS = (
    "fct_costs_daily",
    "fct_allocation_coverage_monthly",
    "fct_reconciliation_monthly",
    "fct_reconciliation_daily",
    "fct_budget_status",
    "fct_budget_daily",
    "fct_llm_usage_daily",
)


@pytest.fixture(scope="session")
def llm_only_cfg(built_cfg, tmp_path_factory) -> config.Config:
    root = tmp_path_factory.mktemp("app_llm_only")
    shutil.copy(built_cfg.warehouse_path, root / "warehouse.duckdb")
    cfg = _cfg(root / "warehouse.duckdb")
    with warehouse.writer(cfg) as con:
        for table in INTEGRATION_MARTS:
            con.execute(f"DROP TABLE IF EXISTS marts.{table}")
        warehouse.publish(con, cfg)
    return cfg


@pytest.fixture(scope="session")
def full_cfg(built_cfg, tmp_path_factory) -> config.Config:
    root = tmp_path_factory.mktemp("app_full")
    shutil.copy(built_cfg.warehouse_path, root / "warehouse.duckdb")
    cfg = _cfg(root / "warehouse.duckdb")
    with warehouse.writer(cfg) as con:
        contract_tables.add_all(con)
        warehouse.publish(con, cfg)
    return cfg


@pytest.fixture
def empty_cfg(tmp_path) -> config.Config:
    return _cfg(tmp_path / "warehouse.duckdb")


@pytest.fixture
def use_cfg(monkeypatch):
    """Point the dashboard (config.load() in the app) at a warehouse for one test."""

    def point(cfg: config.Config) -> config.Config:
        for name in list(os.environ):
            if name.startswith("BURNRATE_"):
                monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("BURNRATE_WAREHOUSE", str(cfg.warehouse_path))
        monkeypatch.setenv("BURNRATE_CONFIG", "")
        return cfg

    return point
