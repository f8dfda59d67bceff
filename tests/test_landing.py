"""Atomic batches, file fingerprints, state and the quarantine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import duckdb
import pytest

from ingest import landing


@pytest.fixture
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    landing.ensure_meta(c)
    c.execute("create table raw.t (id int)")
    yield c
    c.close()


def test_batch_commits_rows_state_files_and_quarantine_together(con, tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('{"id": 1}\n')
    status, fp = landing.file_status(con, "src", f)
    assert status == "new"
    with landing.batch(con, "src", str(f)) as b:
        con.execute("insert into raw.t values (1), (2)")
        b.counts.new += 2
        b.quarantine("startTime is not a timestamp: 'yesterday'", field="startTime", line=3, raw='{"id": 3}')
        b.quarantine_query("select 4 as line, 'id' as field, 'id is missing' as reason, '{}' as raw")
        b.set_state("project-1", "watermark", "2026-11-01T00:00:00Z")
        b.record_file(fp, rows_loaded=2, rows_quarantined=2)
    assert con.execute("select count(*) from raw.t").fetchone()[0] == 2
    assert con.execute("select line, field from meta.quarantine order by line").fetchall() == [
        (3, "startTime"),
        (4, "id"),
    ]
    assert landing.get_state(con, "src", "project-1", "watermark") == "2026-11-01T00:00:00Z"
    assert con.execute("select rows_new, rows_quarantined, status from meta.ingest_batches").fetchone() == (
        2,
        2,
        "ok",
    )
    assert landing.file_status(con, "src", f)[0] == "unchanged"
    # the same bytes under another name are recognised too
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(f.read_bytes())
    assert landing.file_status(con, "src", copy)[0] == "unchanged"
    f.write_text('{"id": 1}\n{"id": 5}\n')
    assert landing.file_status(con, "src", f)[0] == "changed"


def test_one_read_of_the_loaded_files_decides_many_files_as_each_would_alone(con, tmp_path):
    """`loaded_files` once, then `file_status` per file: the statuses (and whether a file had to be hashed)
    are those of asking for each file by itself; another source's files do not count."""
    loaded, changed, other = (tmp_path / f"{n}.jsonl" for n in ("loaded", "changed", "other"))
    for f in (loaded, changed, other):
        f.write_text(f'{{"id": "{f.stem}"}}\n')
    for source, f in (("src", loaded), ("src", changed), ("elsewhere", other)):
        with landing.batch(con, source, str(f)) as b:
            b.record_file(landing.fingerprint(f), rows_loaded=1, rows_quarantined=0)
    changed.write_text('{"id": "changed again"}\n')
    copy, new = tmp_path / "copy.jsonl", tmp_path / "new.jsonl"
    copy.write_bytes(loaded.read_bytes())
    new.write_text('{"id": "new"}\n')
    snapshot = landing.loaded_files(con, "src")
    files = (loaded, changed, copy, new, other)
    together = [landing.file_status(con, "src", f, snapshot) for f in files]
    alone = [landing.file_status(con, "src", f) for f in files]
    assert together == alone
    assert [(status, fp is None) for status, fp in together] == [
        ("unchanged", True),
        ("changed", False),
        ("unchanged", False),
        ("new", False),
        ("new", False),
    ]


def test_failed_batch_leaves_nothing(con, tmp_path):
    with pytest.raises(RuntimeError), landing.batch(con, "src", "x") as b:
        con.execute("insert into raw.t values (1)")
        b.set_state("s", "k", "v")
        raise RuntimeError("boom")
    assert con.execute("select count(*) from raw.t").fetchone()[0] == 0
    assert landing.get_state(con, "src", "s", "k") is None
    assert con.execute("select count(*) from meta.ingest_batches").fetchone()[0] == 0
    landing.record_failure(con, "src", "x", "truncated gzip: unexpected end of file")
    assert con.execute("select status, message from meta.ingest_batches").fetchone() == (
        "failed",
        "truncated gzip: unexpected end of file",
    )
    assert con.execute("select reason, line from meta.quarantine").fetchone() == (
        "truncated gzip: unexpected end of file",
        None,
    )


def test_sigkill_mid_batch_leaves_no_partial_rows(tmp_path):
    db = tmp_path / "k.duckdb"
    script = textwrap.dedent(f"""
        import duckdb, os, signal, sys
        sys.path.insert(0, {os.getcwd()!r})
        from ingest import landing
        con = duckdb.connect({str(db)!r})
        landing.ensure_meta(con)
        con.execute("create table if not exists raw.t (id int)")
        with landing.batch(con, "src", "x") as b:
            con.execute("insert into raw.t select range from range(100000)")
            print("inserted", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL and "inserted" in proc.stdout
    con = duckdb.connect(str(db))
    assert con.execute("select count(*) from raw.t").fetchone()[0] == 0
    assert con.execute("select count(*) from meta.ingest_batches").fetchone()[0] == 0


def test_strip_text_fields_removes_prompts():
    rec = {"id": "a", "input": "secret prompt", "output": "reply", "request_body": {}, "usage": 1}
    assert landing.strip_text_fields(rec) == {"id": "a", "usage": 1}


def test_summary_reports_skipped_records_and_notes():
    summary = landing.Summary("dcgm")
    assert not summary.loaded_anything
    summary.skipped = 3
    summary.notes.append("12 samples had no timestamp: sampled_at = --at 2026-11-01T00:00:00Z")
    assert summary.loaded_anything  # read and understood: they hold no value
    assert summary.line() == (
        "dcgm: 0 new, 0 updated, 0 unchanged, 0 quarantined, 3 skipped; "
        "12 samples had no timestamp: sampled_at = --at 2026-11-01T00:00:00Z"
    )
