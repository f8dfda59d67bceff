"""`burnrate ingest dcgm` end to end: real subprocesses, a real DuckDB file, a real Prometheus."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import duckdb
import pytest

from tests import dcgm_fixtures as fx
from tests.prometheus_server import PrometheusServer


def burnrate(tmp_path, *args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BURNRATE_")}
    full_env.update(BURNRATE_WAREHOUSE=str(tmp_path / "warehouse.duckdb"), COLUMNS="200", **env)
    return subprocess.run(
        [sys.executable, "-m", "burnrate", "ingest", "dcgm", *args],
        cwd=tmp_path,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def count(tmp_path, sql="select count(*) from raw.dcgm_samples"):
    """The query's count, 0 when its table does not exist yet."""
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        try:
            return con.execute(sql).fetchone()[0]
        except duckdb.CatalogException:
            return 0


def test_cli_loads_snapshot_folders_then_skips_them(tmp_path):
    samples = fx.make_samples(steps=12)
    fx.write_snapshots(samples, tmp_path / "dcgm" / "snapshots")
    (tmp_path / "dcgm" / "snapshots" / "gpu-node-a" / "notes.md").write_text("not a snapshot")
    first = burnrate(tmp_path, "dcgm/snapshots")
    assert first.returncode == 0, first.stderr
    expected = fx.expected_rows(samples)
    skipped = len(samples) - expected
    assert first.stdout.strip() == (
        f"dcgm: {expected} new, 0 updated, 0 unchanged, 0 quarantined, {skipped} skipped; "
        "files: 3 loaded, 0 already ingested"
    )
    assert count(tmp_path) == expected
    second = burnrate(tmp_path, str(tmp_path / "dcgm" / "snapshots" / "*" / "*.prom"))
    assert second.returncode == 0 and "files: 0 loaded, 3 already ingested" in second.stdout
    assert count(tmp_path) == expected


def test_cli_exits_1_when_nothing_could_be_loaded(tmp_path):
    (tmp_path / "broken.prom.gz").write_bytes(b"\x1f\x8b garbage")
    result = burnrate(tmp_path, "broken.prom.gz")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "burnrate: error: dcgm: nothing was loaded (see the summary above and meta.quarantine)"
    )
    assert "1 failed (see meta.quarantine)" in result.stdout


def test_cli_usage_errors(tmp_path):
    assert burnrate(tmp_path).returncode == 2  # no PATH, no --prometheus, nothing configured
    assert burnrate(tmp_path, "x.prom", "--since", "2026-11-01").returncode == 2
    bad_time = burnrate(tmp_path, "--prometheus", "http://127.0.0.1:9", "--since", "last tuesday")
    assert bad_time.returncode == 2 and "is not an ISO 8601 time" in bad_time.stderr
    missing = burnrate(tmp_path, "nowhere/")
    assert missing.returncode == 1 and "nowhere/: no such file or folder" in missing.stderr


def test_cli_help_documents_both_modes(tmp_path):
    text = burnrate(tmp_path, "--help").stdout
    for option in ("--at", "--prometheus", "--since", "--until", "dcgm.prometheus_url"):
        assert option in text


def test_cli_unreachable_prometheus_exits_4(tmp_path):
    result = burnrate(
        tmp_path,
        "--prometheus",
        "http://127.0.0.1:9",
        BURNRATE_HTTP_RETRY_MAX_ATTEMPTS="2",
        BURNRATE_HTTP_RETRY_MAX_SECONDS="2",
    )
    assert result.returncode == 4
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("burnrate: error: prometheus: series of 8 DCGM metrics") and "unreachable" in last


@pytest.mark.prometheus
def test_cli_pulls_from_a_real_prometheus(tmp_path):
    samples = fx.make_samples(steps=12)
    since, until = fx.BASE.isoformat(), (fx.BASE + timedelta(hours=2)).isoformat()
    metrics = ",".join(m for m, _, _ in fx.METRICS)
    with PrometheusServer(fx.write_openmetrics(samples, tmp_path / "dcgm.om"), tmp_path) as server:
        args = ("--prometheus", server.url, "--since", since, "--until", until)
        result = burnrate(tmp_path, *args, BURNRATE_DCGM_METRICS=metrics, BURNRATE_DCGM_STEP_SECONDS="300")
        assert result.returncode == 0, result.stderr
        again = burnrate(tmp_path, *args, BURNRATE_DCGM_METRICS=metrics, BURNRATE_DCGM_STEP_SECONDS="300")
    expected = fx.expected_rows(samples)
    assert result.stdout.startswith(f"dcgm: {expected} new, 0 updated, 0 unchanged, 0 quarantined")
    assert again.stdout.startswith(f"dcgm: 0 new, 0 updated, {expected} unchanged")
    assert count(tmp_path) == expected


def test_cli_killed_mid_ingest_leaves_whole_files_and_a_rerun_completes(tmp_path):
    """SIGKILL while loading: each file is all-or-nothing (its batch commits at once), and the next run
    loads the rest."""
    per_file = 150_000
    names = ("a", "b", "c", "d")
    for name in names:
        lines = [
            f'DCGM_FI_DEV_GPU_UTIL{{gpu="{i % 8}",UUID="GPU-{name}{i % 8}",Hostname="{name}"}} {i % 100} '
            f"{1793491200000 + (i // 8) * 30000}"
            for i in range(per_file)
        ]
        (tmp_path / f"{name}.prom").write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BURNRATE_")}
    env["BURNRATE_WAREHOUSE"] = str(tmp_path / "warehouse.duckdb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "burnrate", "ingest", "dcgm", "."],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "warehouse.duckdb").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.6)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "finished before the kill: make the files bigger"
    loaded = count(tmp_path)
    files = count(tmp_path, "select count(*) from meta.ingest_files")
    assert loaded == files * per_file  # never part of a file
    rerun = burnrate(tmp_path, ".")
    assert rerun.returncode == 0, rerun.stderr
    assert count(tmp_path) == len(names) * per_file
    assert f"files: {len(names) - files} loaded, {files} already ingested" in rerun.stdout
