"""A demo workload big enough for detection to mean something (30 days x 3,000 requests/day, seed 1),
generated, ingested and dbt-built once per session. Tests that write get their own copy of the warehouse."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from burnrate import config
from tests.workload import build_workload

DAYS, REQUESTS_PER_DAY = 30, 3000


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(Config, workload folder) of the session's built warehouse; read-only for tests."""
    root = tmp_path_factory.mktemp("alerts_workload")
    cfg = build_workload(root, days=DAYS, requests_per_day=REQUESTS_PER_DAY, seed=1)
    return cfg, root / "demo"


@pytest.fixture
def labels(built) -> Path:
    return built[1] / "labels" / "anomaly_labels.csv"


@pytest.fixture
def wh(built, tmp_path, monkeypatch):
    """A Config pointing at a private copy of the built warehouse (no alerts written yet)."""
    for name in list(os.environ):
        if name.startswith("BURNRATE_") or name in ("SLACK_WEBHOOK_URL",):
            monkeypatch.delenv(name, raising=False)
    target = tmp_path / "wh" / "warehouse.duckdb"
    target.parent.mkdir()
    shutil.copy(built[0].warehouse_path, target)
    monkeypatch.setenv("BURNRATE_WAREHOUSE", str(target))
    monkeypatch.chdir(tmp_path)
    return config.load()


def subprocess_env(cfg: config.Config, **extra: str) -> dict[str, str]:
    """The environment for a `burnrate` subprocess on `cfg`'s warehouse (no config file, no webhook)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BURNRATE_") and k != "SLACK_WEBHOOK_URL"}
    env |= {"BURNRATE_WAREHOUSE": str(cfg.warehouse_path), "BURNRATE_CONFIG": "", "COLUMNS": "200"}
    return env | extra
