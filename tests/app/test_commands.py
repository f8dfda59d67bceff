"""`burnrate sql` and `burnrate serve` as users run them: real subprocesses on real warehouses."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from burnrate import warehouse

BURNRATE = [sys.executable, "-m", "burnrate"]


def env_for(cfg, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BURNRATE_", "STREAMLIT_"))}
    return {**env, "BURNRATE_WAREHOUSE": str(cfg.warehouse_path), "BURNRATE_CONFIG": "", **extra}


def burnrate(cfg, *args, stdin: str | None = None, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BURNRATE, *args],
        env=env_for(cfg, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sql_prints_a_table_csv_and_json(built_cfg):
    import duckdb

    with duckdb.connect(str(warehouse.current_snapshot(built_cfg)), read_only=True) as con:
        teams = con.execute("select count(*) from marts.dim_teams").fetchone()[0]
    query = "select team_id, team_name from dim_teams order by team_id"
    table = burnrate(built_cfg, "sql", query)
    assert table.returncode == 0, table.stderr
    assert "team_id" in table.stdout and "unattributed" in table.stdout
    assert f"{teams} rows" in table.stderr
    rows = list(csv.DictReader(io.StringIO(burnrate(built_cfg, "sql", "--csv", query).stdout)))
    assert len(rows) == teams and rows[0].keys() == {"team_id", "team_name"}
    data = json.loads(burnrate(built_cfg, "sql", "--json", query).stdout)
    assert len(data) == teams
    piped = burnrate(built_cfg, "sql", "--csv", stdin="select 42 as answer")
    assert piped.stdout.splitlines() == ["answer", "42"]
    limited = burnrate(built_cfg, "sql", "--limit", "3", query)
    assert "row limit reached" in limited.stderr


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("select * from read_csv('/etc/passwd')", "read_csv"),
        ("drop table marts.dim_teams", "writes"),
        ("attach '/tmp/x.duckdb'", "ATTACH"),
        ("install httpfs", "extensions"),
    ],
)
def test_sql_refuses_what_is_not_a_read(built_cfg, query, reason):
    result = burnrate(built_cfg, "sql", query)
    assert result.returncode == 2
    assert reason in result.stderr and result.stdout == ""


def test_sql_without_a_snapshot_says_what_to_run(empty_cfg):
    result = burnrate(empty_cfg, "sql", "select 1")
    assert result.returncode == 1 and "burnrate run" in result.stderr


def test_sql_interactive_prompt(built_cfg):
    result = burnrate(built_cfg, "sql", stdin="")  # no query and nothing piped: reads stdin (empty)
    assert result.returncode == 2 and "empty query" in result.stderr


def _serve(cfg, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [*BURNRATE, "serve"],
        env=env_for(cfg, STREAMLIT_SERVER_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)


@pytest.mark.parametrize("which", ["built", "empty"])
def test_serve_binds_localhost_prints_the_url_and_stops_on_sigterm(built_cfg, empty_cfg, which):
    cfg = built_cfg if which == "built" else empty_cfg
    port = free_port()
    proc = _serve(cfg, port)
    try:
        url = proc.stdout.readline().strip()  # printed once the server answers its health check
        assert url == f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as resp:
            assert resp.status == 200
        with urllib.request.urlopen(f"{url}/anomalies?anomaly=x", timeout=10) as resp:
            assert resp.status == 200  # every page path is served (the app renders client-side)
        # bound to the loopback address only
        import psutil

        listening = {
            c.laddr.ip for c in psutil.net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port
        }
        assert listening == {"127.0.0.1"}
    finally:
        started = time.monotonic()
        code = _stop(proc)
    assert code == 0, proc.stderr.read()
    assert time.monotonic() - started < 15
