"""A demo workload big enough for detection to mean something (30 days x 3,000 requests/day, seed 1),
generated, its LLM logs ingested and the LLM marts dbt-built once per session (detection reads nothing
else). Tests that write get their own copy of the warehouse."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from burnrate import config, warehouse
from tests import workload

DAYS, REQUESTS_PER_DAY = 30, 3000
LLM_MARTS = ("+path:models/marts/llm",)
LLM_SOURCES = ("ingest.langfuse", "ingest.helicone")


def build_llm_workload(root: Path, seed: int) -> tuple[config.Config, Path]:
    """Generate, ingest the LLM logs and dbt-build the LLM marts; (Config, workload folder)."""
    import importlib

    from burnrate.build import build

    cfg = workload.workload_config(root)
    gen = workload.generate(root, days=DAYS, requests_per_day=REQUESTS_PER_DAY, seed=seed)
    with warehouse.writer(cfg) as con:
        for module, folder in workload.FILE_SOURCES:
            if module in LLM_SOURCES:
                importlib.import_module(module).ingest_files(con, cfg, [gen / folder])
    result = build(cfg, show_progress=False, select=LLM_MARTS)
    assert result.success, result.failures
    return cfg, gen


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(Config, workload folder) of the session's built warehouse; read-only for tests."""
    return build_llm_workload(tmp_path_factory.mktemp("alerts_workload"), seed=1)


@pytest.fixture
def labels(built) -> Path:
    return built[1] / "labels" / "anomaly_labels.csv"


def _private_copy(source: Path, tmp_path: Path, monkeypatch) -> config.Config:
    for name in list(os.environ):
        if name.startswith("BURNRATE_") or name in ("SLACK_WEBHOOK_URL",):
            monkeypatch.delenv(name, raising=False)
    target = tmp_path / "wh" / "warehouse.duckdb"
    target.parent.mkdir()
    shutil.copy(source, target)
    monkeypatch.setenv("BURNRATE_WAREHOUSE", str(target))
    monkeypatch.chdir(tmp_path)
    return config.load()


@pytest.fixture
def wh(built, tmp_path, monkeypatch):
    """A Config pointing at a private copy of the built warehouse (no alerts written yet)."""
    return _private_copy(built[0].warehouse_path, tmp_path, monkeypatch)


@pytest.fixture(scope="session")
def detected(built, tmp_path_factory) -> Path:
    """A copy of the built warehouse after one detection with every primary anomaly queued for alerting."""
    from alerts import pipeline

    target = tmp_path_factory.mktemp("alerts_detected") / "warehouse.duckdb"
    shutil.copy(built[0].warehouse_path, target)
    env = {"BURNRATE_WAREHOUSE": str(target), "BURNRATE_CONFIG": "", "BURNRATE_ALERTS_RECENT_HOURS": "100000"}
    cfg = config.load(env=env)
    cycle = pipeline.run_cycle(cfg, steps=("detect",))
    assert cycle.rows["detect"]["alerts_queued"] >= 8, cycle.rows
    return target


@pytest.fixture
def queued(detected, tmp_path, monkeypatch):
    """A private copy of `detected`, with short delivery budgets for quick failure tests."""
    _private_copy(detected, tmp_path, monkeypatch)
    monkeypatch.setenv("BURNRATE_ALERTS_SEND_BUDGET_SECONDS", "2")
    monkeypatch.setenv("BURNRATE_HTTP_TIMEOUT_SECONDS", "1")
    return config.load()


def subprocess_env(cfg: config.Config, **extra: str) -> dict[str, str]:
    """The environment for a `burnrate` subprocess on `cfg`'s warehouse (no config file, no webhook)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BURNRATE_") and k != "SLACK_WEBHOOK_URL"}
    env |= {"BURNRATE_WAREHOUSE": str(cfg.warehouse_path), "BURNRATE_CONFIG": "", "COLUMNS": "200"}
    return env | extra
