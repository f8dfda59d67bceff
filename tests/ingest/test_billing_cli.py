"""`burnrate ingest billing` end to end: a real subprocess, real files, a real DuckDB file."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT
from tests.ingest.billing_helpers import FIXTURES

BURNRATE = [sys.executable, "-m", "burnrate"]


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BURNRATE_")}
    env["BURNRATE_WAREHOUSE"] = str(tmp_path / "warehouse.duckdb")
    return subprocess.run(
        [*BURNRATE, "ingest", "billing", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def rows(tmp_path: Path, sql: str):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_fixture_format_loads_and_a_second_run_adds_nothing(tmp_path):
    first = run(tmp_path, str(FIXTURES))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (
        "billing: 51 new, 0 updated, 0 unchanged, 9 quarantined; files: 11 loaded, 0 already ingested"
    )
    counts = rows(
        tmp_path,
        "select (select count(*) from raw.focus_costs), (select count(*) from raw.aws_cur), "
        "(select count(*) from raw.gcp_billing), (select count(*) from raw.azure_costs)",
    )
    assert counts == [(19, 10, 5, 17)]
    again = run(tmp_path, str(FIXTURES / "*.csv*"), str(FIXTURES / "*.jsonl"))
    assert again.returncode == 0, again.stderr
    assert (
        again.stdout.strip()
        == "billing: 0 new, 0 updated, 0 unchanged, 0 quarantined; files: 0 loaded, 11 already ingested"
    )
    assert rows(tmp_path, "select count(*) from raw.focus_costs") == [(19,)]


def test_an_unreadable_file_is_recorded_and_the_others_load(tmp_path):
    good = tmp_path / "in" / "focus.csv"
    good.parent.mkdir()
    good.write_bytes((FIXTURES / "focus_1.2_google_2026-10.csv").read_bytes())
    truncated = tmp_path / "in" / "cur.csv.gz"
    truncated.write_bytes(gzip.compress((FIXTURES / "cur2_aws_2026-10.csv.gz").read_bytes() * 50)[:300])
    result = run(tmp_path, str(tmp_path / "in"))
    assert result.returncode == 0
    assert "files: 1 loaded" in result.stdout and "1 failed" in result.stdout
    assert "cur.csv.gz" in result.stderr
    assert rows(tmp_path, "select count(*) from raw.focus_costs") == [(5,)]
    assert rows(tmp_path, "select status from meta.ingest_batches where location like '%cur.csv.gz'") == [
        ("failed",)
    ]
    assert rows(tmp_path, "select count(*) from meta.ingest_files where path like '%cur.csv.gz'") == [(0,)]


def test_nothing_loadable_exits_1_with_one_line(tmp_path):
    other = tmp_path / "people.csv"
    other.write_text("name,age\nada,36\n")
    result = run(tmp_path, str(other))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("burnrate: error: nothing was loaded:")
    assert "not a billing export" in result.stderr
    missing = run(tmp_path, str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr
    all_bad = tmp_path / "all_bad_focus.csv"
    all_bad.write_text(
        "BilledCost,EffectiveCost,BillingAccountId,BillingPeriodStart,ChargePeriodStart\nx,1,A,2026-10-01,2026-10-01\n"
    )
    quarantined = run(tmp_path, str(all_bad))
    assert quarantined.returncode == 1 and "every row was quarantined" in quarantined.stderr
    manifests = tmp_path / "export"
    manifests.mkdir()
    (manifests / "cur2-Manifest.json").write_text('{"dataFiles": []}')
    only_manifests = run(tmp_path, str(manifests))
    assert only_manifests.returncode == 1 and "no billing export files" in only_manifests.stderr


def test_format_can_be_forced_and_help_documents_the_options(tmp_path):
    forced = run(tmp_path, "--format", "focus", str(FIXTURES / "focus_1.2_google_2026-10.csv"))
    assert forced.returncode == 0 and "5 new" in forced.stdout
    wrong = run(tmp_path, "--format", "azure", str(FIXTURES / "cur2_aws_2026-10.csv.gz"))
    assert wrong.returncode == 1 and "no cost column" in wrong.stderr
    helptext = run(tmp_path, "--help").stdout
    for word in ("--format", "focus|cur2|gcp|azure", "folder", "quarantine"):
        assert word in helptext


@pytest.mark.slow
def test_sigkill_mid_file_leaves_no_partial_rows_and_a_rerun_completes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_small.csv").write_bytes((FIXTURES / "focus_1.2_google_2026-10.csv").read_bytes())
    big = folder / "b_big.csv"
    duckdb.connect().execute(
        f"""copy (select (i % 100) / 10 as BilledCost, (i % 100) / 10 as EffectiveCost, 'acct' as BillingAccountId,
                  '2026-10-01T00:00:00Z' as BillingPeriodStart, '2026-10-02 00:00:00' as ChargePeriodStart,
                  'AWS' as ProviderName, repeat('x', 200) as ChargeDescription
            from range(400000) t(i)) to '{big}' (header)"""
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BURNRATE_")}
    env["BURNRATE_WAREHOUSE"] = str(tmp_path / "warehouse.duckdb")
    proc = subprocess.Popen(
        [*BURNRATE, "ingest", "billing", str(folder)], stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    for line in proc.stderr:
        if "a_small.csv" in line:  # the first file's batch has committed; the big one is loading now
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert rows(
        tmp_path, "select _location like '%a_small.csv', count(*) from raw.focus_costs group by 1"
    ) == [(True, 5)]
    assert rows(tmp_path, "select count(*) from meta.ingest_files") == [(1,)]
    rerun = run(tmp_path, str(folder))
    assert rerun.returncode == 0, rerun.stderr
    assert "400,000 new" in rerun.stdout and "1 already ingested" in rerun.stdout
    assert rows(tmp_path, "select count(*) from raw.focus_costs") == [(400_005,)]
