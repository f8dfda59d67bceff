"""Warehouses for the dashboard tests, built once per session and treated as read-only.

* `built_cfg`: the real pipeline on a small generated workload (generate → ingest → dbt build → publish):
  the LLM marts only, as a warehouse looks before the integration marts and alerts exist.
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
