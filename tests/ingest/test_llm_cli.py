"""End to end through the real CLI in subprocesses: files and API into a DuckDB file, exit codes,
SIGKILL mid-pull then re-run, and no secret anywhere (output, logs, warehouse, quarantine)."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time

import duckdb

from tests.conftest import ROOT
from tests.fakes.langfuse_server import FakeLangfuse, observation
from tests.ingest.conftest import FAKE_HK, FAKE_PK, FAKE_SK, T0, rows, run_cli

SINCE, UNTIL = "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"


def _env(tmp_path, **extra) -> dict:
    return {
        "BURNRATE_WAREHOUSE": str(tmp_path / "wh.duckdb"),
        "BURNRATE_HTTP_RETRY_MAX_SECONDS": "2",
        "BURNRATE_HTTP_RETRY_MAX_ATTEMPTS": "3",
        "BURNRATE_HTTP_TIMEOUT_SECONDS": "2",
        **extra,
    }


def test_files_end_to_end_into_a_duckdb_file(tmp_path):
    lf_dir = tmp_path / "langfuse/export/proj-1/observations_v2"
    lf_dir.mkdir(parents=True)
    recs = [{"id": f"o{i}", "trace_id": "t", "project_id": "proj-1", "type": "GENERATION",
             "start_time": f"2026-11-01T00:0{i}:00.000Z", "updated_at": "2026-11-01T01:00:00.000Z",
             "usage_details": {"input": i}, "total_cost": 0.001 * i, "input": "PROMPT"} for i in range(5)]  # fmt: skip
    (lf_dir / "2026-11-01T00-00-00Z.jsonl.gz").write_bytes(
        gzip.compress(("\n".join(map(json.dumps, recs)) + "\nnot json\n").encode())
    )
    hc_dir = tmp_path / "helicone/export"
    hc_dir.mkdir(parents=True)
    (hc_dir / "helicone_export_2026-11-01.jsonl").write_text(
        json.dumps(
            {
                "request_id": "r1",
                "request_created_at": "2026-11-01T00:00:00Z",
                "cost": 0.5,
                "request_body": {"m": "PROMPT"},
            }
        )
        + "\n"
    )
    env = _env(tmp_path)
    out = run_cli("ingest", "langfuse", "--from-files", str(tmp_path / "langfuse"), env=env)
    assert out.returncode == 0, out.stderr
    assert "langfuse: 5 new, 0 updated, 0 unchanged, 1 quarantined; files: 1 loaded" in out.stdout
    out = run_cli("ingest", "helicone", "--from-files", str(hc_dir), env=env)
    assert out.returncode == 0 and "helicone: 1 new" in out.stdout, out.stderr
    again = run_cli("ingest", "langfuse", "--from-files", str(tmp_path / "langfuse"), env=env)
    assert "0 new" in again.stdout and "1 already ingested" in again.stdout
    # several paths after one --from-files, as a shell glob expands them
    files = sorted(str(p) for p in (tmp_path / "langfuse").rglob("*") if p.is_file()) + [str(hc_dir)]
    several = run_cli("ingest", "langfuse", "--from-files", *files[:-1], env=env)
    assert several.returncode == 0 and "1 already ingested" in several.stdout, several.stderr
    usage = run_cli("ingest", "langfuse", "--from-files", env=env)
    assert usage.returncode == 2 and "needs at least one PATH" in usage.stderr
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    assert con.execute("select count(*) from raw.langfuse_observations").fetchone()[0] == 5
    assert con.execute("select cost from raw.helicone_requests").fetchone()[0] == 0.5
    assert con.execute("select line, reason from meta.quarantine").fetchall() == [
        (6, "line is not valid JSON")
    ]


def test_exit_codes_say_why_in_one_line(tmp_path):
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    out = run_cli("ingest", "langfuse", "--from-files", str(bad), env=_env(tmp_path))
    assert out.returncode == 1 and "nothing could be loaded: 1 file(s)" in out.stderr.splitlines()[-1]
    out = run_cli("ingest", "helicone", env={**_env(tmp_path), "HELICONE_API_KEY": ""})
    assert out.returncode == 2 and "set HELICONE_API_KEY" in out.stderr
    unreachable = {**_env(tmp_path), "HELICONE_API_KEY": FAKE_HK, "HELICONE_BASE_URL": "http://127.0.0.1:9"}
    out = run_cli("ingest", "helicone", "--since", SINCE, "--until", UNTIL, env=unreachable)
    last = out.stderr.strip().splitlines()[-1]
    assert (
        out.returncode == 4
        and "helicone: POST /v1/request/query-clickhouse [2026-11-01T00:00:00.000Z" in last
    )
    assert "unreachable after 3 attempts" in last


def _pull(url: str, tmp_path, db: str) -> subprocess.Popen:
    env = {**os.environ, **_env(tmp_path, BURNRATE_WAREHOUSE=str(tmp_path / db)), "PYTHONPATH": str(ROOT),
           "LANGFUSE_HOST": url, "LANGFUSE_PUBLIC_KEY": FAKE_PK, "LANGFUSE_SECRET_KEY": FAKE_SK,
           "BURNRATE_LANGFUSE_PAGE_LIMIT": "40", "BURNRATE_LANGFUSE_WINDOW_HOURS": "2"}  # fmt: skip
    args = [sys.executable, "-m", "burnrate", "ingest", "langfuse", "--since", SINCE, "--until", UNTIL]
    return subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_sigkill_mid_pull_then_rerun_equals_a_clean_run(tmp_path):
    with FakeLangfuse(
        [observation(i, T0, minutes=2.1) for i in range(600)], public_key=FAKE_PK, secret_key=FAKE_SK
    ) as srv:
        assert _pull(srv.url, tmp_path, "clean.duckdb").wait(60) == 0
        srv.faults.add("delay_all", seconds=0.15, path="/api/public/v2")
        pages = lambda: sum(1 for r in srv.requests if r[1] == "/api/public/v2/observations")  # noqa: E731
        before = pages()
        proc = _pull(srv.url, tmp_path, "killed.duckdb")
        deadline = time.monotonic() + 30
        while pages() < before + 10:  # of about 24 pages
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        con = duckdb.connect(str(tmp_path / "killed.duckdb"))
        partial = con.execute("select count(*) from raw.langfuse_observations").fetchone()[0]
        con.close()
        assert 0 < partial < 600
        srv.faults.clear()
        assert _pull(srv.url, tmp_path, "killed.duckdb").wait(60) == 0
    clean, killed = (
        duckdb.connect(str(tmp_path / n), read_only=True) for n in ("clean.duckdb", "killed.duckdb")
    )
    assert rows(killed, "raw.langfuse_observations", "id") == rows(clean, "raw.langfuse_observations", "id")
    assert len(rows(clean, "raw.langfuse_observations", "id")) == 600


def test_secrets_never_appear_anywhere(tmp_path, lf):
    """Fake keys through a good pull, a quarantined record, a 401 and an unreachable host."""
    lf.records["obs-00003"]["promptVersion"] = "bad"
    log = tmp_path / "log.txt"
    env = _env(tmp_path, LANGFUSE_HOST=lf.url, LANGFUSE_PUBLIC_KEY=FAKE_PK, LANGFUSE_SECRET_KEY=FAKE_SK)
    outputs = [run_cli("-vv", "ingest", "langfuse", "--since", SINCE, "--until", UNTIL, env=env)]
    assert outputs[0].returncode == 0 and "1 quarantined" in outputs[0].stdout, outputs[0].stderr
    outputs.append(run_cli("-vv", "ingest", "langfuse", "--since", SINCE, "--until", UNTIL,
                           env={**env, "LANGFUSE_PUBLIC_KEY": "pk-lf-BURNRATE-OTHER-0123"}))  # fmt: skip
    assert outputs[-1].returncode == 1 and "401" in outputs[-1].stderr
    outputs.append(run_cli("-vv", "ingest", "langfuse", env={**env, "LANGFUSE_HOST": "http://127.0.0.1:9"}))
    assert outputs[-1].returncode == 4
    log.write_text("\n".join(o.stdout + o.stderr for o in outputs))
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    texts = [log.read_text()]
    for schema, table, column in con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type in ('VARCHAR', 'JSON') or data_type like '%[]'"
    ).fetchall():
        texts += [str(v) for (v,) in con.execute(f'select "{column}" from "{schema}"."{table}"').fetchall()]
    blob = "\n".join(texts)
    assert "obs-00001" in blob and "prompt_version is not an integer" in blob  # we did look at real content
    for secret in (FAKE_SK, FAKE_PK, "BURNRATE-FAKE", "BURNRATE-OTHER"):
        assert secret not in blob
