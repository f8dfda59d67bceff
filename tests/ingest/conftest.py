"""Shared pieces for the LLM ingest tests: a config on a fresh warehouse, fake vendor servers, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import duckdb
import pytest

from burnrate import config as config_mod
from tests.conftest import ROOT, SAMPLES
from tests.fakes.helicone_server import FakeHelicone, request
from tests.fakes.langfuse_server import FakeLangfuse, observation

# The shared reference samples: beside the repository (CI), or beside a parent folder (a git worktree).
SAMPLES_DIR = next(
    (p / "shared/reference/samples" for p in ROOT.parents if (p / "shared/reference/samples").is_dir()),
    SAMPLES,
)
T0 = datetime(2026, 11, 1, tzinfo=UTC)
FAKE_PK = "pk-lf-BURNRATE-FAKE-PUBLIC-0123"
FAKE_SK = "sk-lf-BURNRATE-FAKE-SECRET-0123"
FAKE_HK = "sk-helicone-BURNRATE-FAKE-KEY-0123"


@pytest.fixture
def lf(monkeypatch):
    """A fake Langfuse with 300 generations, one a minute from T0, and the env pointing at it."""
    with FakeLangfuse(
        [observation(i, T0) for i in range(300)], public_key=FAKE_PK, secret_key=FAKE_SK
    ) as srv:
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", FAKE_PK)
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", FAKE_SK)
        monkeypatch.setenv("LANGFUSE_HOST", srv.url)
        yield srv


@pytest.fixture
def hc(monkeypatch):
    """A fake Helicone with 300 requests, one a minute from T0, and the env pointing at it."""
    with FakeHelicone([request(i, T0) for i in range(300)], api_key=FAKE_HK) as srv:
        monkeypatch.setenv("HELICONE_API_KEY", FAKE_HK)
        monkeypatch.setenv("HELICONE_BASE_URL", srv.url)
        yield srv


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setenv("BURNRATE_HTTP_RETRY_MAX_SECONDS", "3")
    monkeypatch.setenv("BURNRATE_HTTP_RETRY_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("BURNRATE_HTTP_TIMEOUT_SECONDS", "2")


@pytest.fixture
def load_cfg(cfg):
    """Re-read the config after a test changed the environment."""
    return lambda: config_mod.load()


@pytest.fixture
def con(cfg):
    c = duckdb.connect(str(cfg.warehouse_path))
    c.execute("SET TimeZone = 'UTC'")
    yield c
    c.close()


def rows(con, table: str, order: str = "1") -> list[tuple]:
    """Every row of a raw table without lineage columns, in a stable order."""
    cols = [
        r[0]
        for r in con.execute(f"select column_name from (describe {table})").fetchall()
        if not r[0].startswith("_")
    ]
    return con.execute(f"select {', '.join(cols)} from {table} order by {order}").fetchall()


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`burnrate …` in a real subprocess, with `env` added to this process's environment."""
    full = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "burnrate", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=timeout,
        cwd=ROOT,
    )
