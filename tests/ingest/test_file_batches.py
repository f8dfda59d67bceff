"""Many export files in one batch: one multi-file read, one merge, every file marked with its own counts;
the result (rows, lineage, counts, quarantine) is the one the same files give one batch each."""

from __future__ import annotations

import gzip
import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingest import files, filesource, helicone, langfuse, rawload
from tests.conftest import ROOT
from tests.fakes.helicone_server import request
from tests.ingest.conftest import T0
from tests.ingest.test_langfuse_files import export_record, write_jsonl

ONE_BY_ONE = 0  # batch_mb: every file is a batch by itself (the reference)


def ingest(con, paths, batch_mb, module=langfuse):
    return filesource.ingest(con, module.SOURCE, paths, module.SUFFIXES, module.detect, batch_mb=batch_mb)


def table(con, name="raw.langfuse_observations", key="id"):
    """Every row with its lineage, except what differs between any two runs (batch id, time)."""
    cols = [
        r[0]
        for r in con.execute(f"select column_name from (describe {name})").fetchall()
        if r[0] not in ("_batch_id", "_ingested_at")
    ]
    return con.execute(f"select {', '.join(cols)} from {name} order by {key}").fetchall()


def quarantine(con):
    return con.execute(
        "select location, line, field, reason, raw from meta.quarantine order by location, line"
    ).fetchall()


def marked(con):
    return con.execute(
        "select path, rows_loaded, rows_quarantined from meta.ingest_files order by path"
    ).fetchall()


def fresh(tmp_path, name):
    c = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
    c.execute("SET TimeZone = 'UTC'")
    return c


def test_many_files_load_in_one_batch_with_per_file_lines_and_counts(tmp_path):
    d = tmp_path / "exp"
    sizes = [3, 250, 1, 40]
    n = 0
    for k, size in enumerate(sizes):
        write_jsonl(d / f"part-{k}.jsonl.gz", [export_record(n + i) for i in range(size)], gz=k % 2 == 0)
        n += size
    con = fresh(tmp_path, "wh")
    s = ingest(con, [d], batch_mb=100)
    assert (s.counts.new, s.counts.quarantined, s.files_loaded) == (n, 0, 4)
    assert con.execute("select count(distinct _batch_id) from raw.langfuse_observations").fetchone()[0] == 1
    assert con.execute("select count(*) from meta.ingest_batches").fetchone()[0] == 1
    # each row's line is its line in its own file
    assert con.execute(
        "select _location, min(_line), max(_line), count(*) from raw.langfuse_observations group by 1 order by 1"
    ).fetchall() == [(str(d / f"part-{k}.jsonl.gz"), 1, size, size) for k, size in enumerate(sizes)]
    first = 0
    for size in sizes:
        assert con.execute(
            "select _line from raw.langfuse_observations where id = ?", [f"obs-{first + size - 1:05d}"]
        ).fetchone() == (size,)
        first += size
    assert [r[1:] for r in marked(con)] == [(size, 0) for size in sizes]


def test_line_numbers_hold_when_duckdb_splits_a_large_file_between_threads(tmp_path):
    """A plain JSONL file larger than DuckDB's read buffer is parsed in parallel pieces; rows stay in order."""
    d = tmp_path / "exp"
    write_jsonl(d / "a.jsonl.gz", [export_record(i, prompt_version=i) for i in range(3)])
    con = fresh(tmp_path, "wh")
    con.execute(
        f"copy (select 'big-' || range as id, '2026-11-01T00:00:00Z' as start_time, range as prompt_version, "
        f"repeat('x', (range % 40)::int) as name from range(700000)) to '{d / 'b.jsonl'}' (format json)"
    )
    write_jsonl(d / "c.jsonl.gz", [export_record(5 + k, prompt_version=k) for k in range(2)])
    assert (d / "b.jsonl").stat().st_size > 48e6
    s = ingest(con, [d], batch_mb=1000)
    assert (s.counts.new, s.files_loaded) == (700005, 3)
    assert con.execute(
        "select _location, count(*), count(*) filter (where _line <> prompt_version + 1) "
        "from raw.langfuse_observations group by 1 order by 1"
    ).fetchall() == [
        (str(d / n), k, 0) for n, k in (("a.jsonl.gz", 3), ("b.jsonl", 700000), ("c.jsonl.gz", 2))
    ]


def test_a_bad_and_an_unreadable_file_in_a_batch_cost_only_themselves(tmp_path):
    d = tmp_path / "exp"
    write_jsonl(d / "a.jsonl.gz", [export_record(i) for i in range(20)])
    bad_ts = export_record(21, start_time="yesterday", input="PROMPT SECRET TEXT")
    write_jsonl(
        d / "b.jsonl.gz",
        [export_record(20), bad_ts, export_record(22)],
        extra_lines=['{"id": "obs-x", "input": "PROMPT', json.dumps(export_record(23, id=None))],
    )
    whole = gzip.compress("\n".join(json.dumps(export_record(100 + i)) for i in range(300)).encode())
    (d / "c.jsonl.gz").write_bytes(whole[: len(whole) // 2])  # truncated gzip
    write_jsonl(d / "d.jsonl.gz", [export_record(30 + i) for i in range(5)])
    write_jsonl(
        d / "e.jsonl.gz", [export_record(40, id=None)] + [export_record(41)]
    )  # lacks a required field
    results = {}
    for mb in (100, ONE_BY_ONE):
        con = fresh(tmp_path, f"wh{mb}")
        s = ingest(con, [d], batch_mb=mb)
        assert (s.counts.new, s.counts.quarantined, s.files_loaded) == (20 + 2 + 5 + 1, 4 + 1, 4)
        assert s.failures == [str(d / "c.jsonl.gz")]
        results[mb] = (table(con), quarantine(con), marked(con))
        assert con.execute(
            "select count(*) from meta.ingest_files where path = ?", [str(d / "c.jsonl.gz")]
        ).fetchone() == (0,)
    assert results[100] == results[ONE_BY_ONE]
    rows, q, files = results[100]
    b, c, e = (str(d / n) for n in ("b.jsonl.gz", "c.jsonl.gz", "e.jsonl.gz"))
    assert [(loc, line, field) for loc, line, field, _, _ in q] == [
        (b, 2, "start_time"),
        (b, 4, None),
        (b, 5, "id"),
        (c, None, None),
        (e, 1, "id"),
    ]
    assert q[0][3] == "start_time is not an ISO 8601 timestamp: yesterday" and "PROMPT" not in q[0][4]
    assert q[3][3].startswith("file could not be read: truncated gzip")
    assert [(Path(p).name, loaded, bad) for p, loaded, bad in files] == [
        ("a.jsonl.gz", 20, 0),
        ("b.jsonl.gz", 2, 3),
        ("d.jsonl.gz", 5, 0),
        ("e.jsonl.gz", 1, 1),
    ]
    con = fresh(tmp_path, "wh100")
    assert con.execute(
        "select id, _line from raw.langfuse_observations where _location = ? order by 2", [b]
    ).fetchall() == [("obs-00020", 1), ("obs-00022", 3)]


def test_a_record_lacking_a_required_field_rereads_only_its_file(tmp_path, caplog):
    d = tmp_path / "exp"
    write_jsonl(d / "a.jsonl.gz", [export_record(i) for i in range(4)])
    write_jsonl(
        d / "b.jsonl", [export_record(4), export_record(5, start_time=None), export_record(6)], gz=False
    )
    write_jsonl(d / "c.jsonl.gz", [export_record(7 + i) for i in range(3)])
    results = {}
    for mb in (100, ONE_BY_ONE):
        con = fresh(tmp_path, f"wh{mb}")
        caplog.clear()
        with caplog.at_level("DEBUG", logger="ingest.rawload"):
            s = ingest(con, [d], batch_mb=mb)
        assert (s.counts.new, s.counts.quarantined, s.files_loaded) == (9, 1, 3)
        results[mb] = (table(con), quarantine(con), marked(con))
        if mb:  # the multi-file read worked; only b was read again
            assert [m for m in caplog.messages if "by itself" in m] == [
                f"{d / 'b.jsonl'} read by itself on the slow path"
            ]
    assert results[100] == results[ONE_BY_ONE]
    rows, q, _ = results[100]
    assert [(Path(loc).name, line, field, reason) for loc, line, field, reason, _ in q] == [
        ("b.jsonl", 2, "start_time", "start_time is missing")
    ]
    assert [
        (r[0], Path(r[-2]).name, r[-1]) for r in rows if r[0] in ("obs-00004", "obs-00006", "obs-00008")
    ] == [
        ("obs-00004", "b.jsonl", 1),
        ("obs-00006", "b.jsonl", 3),
        ("obs-00008", "c.jsonl.gz", 2),
    ]


def _random_files(d: Path, seed: int) -> list[tuple[Path, list[dict]]]:
    """Files whose records share ids across and within files: newer, older, tied and null versions."""
    rnd = random.Random(seed)
    stamps = ["2026-11-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z", "2026-11-02T00:00:00.000Z", None]
    out = []
    for k in range(rnd.randint(2, 6)):
        recs = [
            export_record(
                rnd.randint(0, 14),
                updated_at=rnd.choice(stamps),
                total_cost=rnd.choice([0.25, 0.5]),
                name=f"{k}:{line}" if rnd.random() < 0.3 else "chat.llm",
            )
            for line in range(rnd.randint(1, 12))
        ]
        out.append((write_jsonl(d / f"f{k:02d}.jsonl", recs, gz=rnd.random() < 0.5), recs))
    return out


def _merge_one_by_one(stored: dict, files: list[tuple[Path, list[dict]]]) -> tuple[int, int, int]:
    """The rule written plainly (the oracle): file after file, each file's latest record of an id (ties:
    the later line) against the id's current row; the rest of that file's records of it are unchanged."""
    new = updated = unchanged = 0

    def version(rec):
        return (rec["updated_at"] is not None, rec["updated_at"] or "")

    for path, recs in files:
        latest: dict[str, tuple] = {}
        for line, rec in enumerate(recs, 1):
            if rec["id"] in latest:
                unchanged += 1
                if version(rec) < version(latest[rec["id"]][0]):
                    continue
            latest[rec["id"]] = (rec, str(path), line)
        for key, (rec, where, line) in latest.items():
            current = stored.get(key)
            if current is None:
                new += 1
            elif version(rec) > version(current[0]) or (
                version(rec) == version(current[0]) and rec != current[0]
            ):
                updated += 1
            else:
                unchanged += 1
                continue
            stored[key] = (rec, where, line)
    return new, updated, unchanged


@pytest.mark.parametrize("seed", range(12))
def test_a_batch_merges_exactly_like_its_files_one_by_one(tmp_path, seed):
    """Rows, lineage and counts as the rule says, in one batch or one batch per file, with and without
    rows already stored."""
    before = _random_files(tmp_path / "before", seed + 100)
    after = _random_files(tmp_path / "after", seed)
    stored: dict = {}
    expected_counts = [_merge_one_by_one(stored, before), _merge_one_by_one(stored, after)]
    expected_rows = sorted(
        (k, rec["name"], rec["total_cost"], rec["updated_at"], where, line)
        for k, (rec, where, line) in stored.items()
    )
    for mb in (100, ONE_BY_ONE):
        con = fresh(tmp_path, f"wh{mb}")
        got = [ingest(con, [p for p, _ in files], batch_mb=mb).counts for files in (before, after)]
        assert [(c.new, c.updated, c.unchanged, c.quarantined) for c in got] == [
            (*e, 0) for e in expected_counts
        ]
        rows = con.execute(
            "select id, name, total_cost::double, strftime(updated_at, '%Y-%m-%dT%H:%M:%S.%g') || 'Z', "
            "_location, _line from raw.langfuse_observations order by id"
        ).fetchall()
        assert rows == expected_rows, mb


def test_a_copy_of_a_file_in_the_same_run_is_skipped_unless_the_original_failed(tmp_path):
    d = tmp_path / "exp"
    a = write_jsonl(d / "a.jsonl.gz", [export_record(i) for i in range(5)])
    (d / "b-copy-of-a.jsonl.gz").write_bytes(a.read_bytes())
    write_jsonl(d / "c.jsonl.gz", [export_record(9)])
    whole = gzip.compress("\n".join(json.dumps(export_record(100 + i)) for i in range(300)).encode())
    (d / "t1.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    (d / "t2-copy-of-t1.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    con = fresh(tmp_path, "wh")
    s = ingest(con, [d], batch_mb=100)
    assert (s.counts.new, s.files_loaded, s.files_skipped) == (6, 2, 1)
    assert s.failures == [str(d / "t1.jsonl.gz"), str(d / "t2-copy-of-t1.jsonl.gz")]
    assert [Path(p).name for p, _, _ in marked(con)] == ["a.jsonl.gz", "c.jsonl.gz"]


def test_helicone_files_batch_too(tmp_path):
    d = tmp_path / "hc"
    d.mkdir()
    for k in range(3):
        (d / f"export-{k}.jsonl").write_text(
            "\n".join(json.dumps(request(k * 10 + i, T0)) for i in range(10)) + "\n"
        )
    con = fresh(tmp_path, "wh")
    s = ingest(con, [d], batch_mb=100, module=helicone)
    assert (s.counts.new, s.files_loaded) == (30, 3)
    assert con.execute(
        "select count(distinct _batch_id), max(_line) from raw.helicone_requests"
    ).fetchone() == (1, 10)


def test_batches_keep_file_order_and_respect_the_limit(tmp_path):
    plan = rawload.Plan(langfuse.OBSERVATIONS, "export", "ndjson", "x")
    other = rawload.Plan(langfuse.OBSERVATIONS, "export", "csv", "x")

    def f(name, p, size):
        return filesource._File(Path(name), None, p, size)

    got = filesource.batches(
        [
            f("a", plan, 40),
            f("b", None, 1),
            f("c", plan, 40),
            f("d", plan, 40),
            f("e", other, 1),
            f("f", plan, 1),
        ],
        limit=100,
    )
    assert [[x.path.name for x in b.items] for b in got] == [["a", "b", "c"], ["d"], ["e"], ["f"]]
    big = tmp_path / "x.jsonl.gz"
    big.write_bytes(gzip.compress(b"{}\n" * 100_000))
    assert files.content_bytes(big) == 300_000


def test_sigkill_mid_batch_leaves_whole_batches_and_a_rerun_completes(tmp_path):
    d = tmp_path / "exp"
    per_file, nfiles = 4000, 12
    for k in range(nfiles):
        write_jsonl(
            d / f"p{k:02d}.jsonl.gz",
            [export_record(k * per_file + i, id=f"o-{k}-{i}") for i in range(per_file)],
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BURNRATE_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "BURNRATE_LANGFUSE_FILES_BATCH_MB": "22",
    }  # 4 files (5.4 MB each) a batch

    def run(db: str, kill: bool) -> subprocess.Popen:
        args = [sys.executable, "-m", "burnrate", "-v", "ingest", "langfuse", "--from-files", str(d)]
        proc = subprocess.Popen(
            args, env=env | {"BURNRATE_WAREHOUSE": str(tmp_path / db)}, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        if kill:  # right after the first batch commits, while the second is being read or merged
            deadline = time.monotonic() + 120
            for line in proc.stderr:
                if "committed a batch" in line:
                    proc.send_signal(signal.SIGKILL)
                    break
                assert time.monotonic() < deadline
        return proc

    assert run("clean.duckdb", kill=False).wait(120) == 0
    killed = run("killed.duckdb", kill=True)
    assert killed.wait(60) == -signal.SIGKILL, "finished before the kill: make the files bigger"
    con = duckdb.connect(str(tmp_path / "killed.duckdb"))
    files, rows = con.execute(
        "select count(*), coalesce(sum(rows_loaded), 0) from meta.ingest_files"
    ).fetchone()
    assert 0 < files < nfiles and files % 4 == 0  # whole batches of 4 files
    # nothing of a batch that did not commit: exactly the rows of the files marked ingested
    assert con.execute(
        "select count(*), count(*) filter (where _location in (select path from meta.ingest_files)) "
        "from raw.langfuse_observations"
    ).fetchone() == (rows, rows)
    con.close()
    rerun = run("killed.duckdb", kill=False)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"files: {nfiles - files} loaded, {files} already ingested" in out
    clean, again = (
        duckdb.connect(str(tmp_path / n), read_only=True) for n in ("clean.duckdb", "killed.duckdb")
    )
    assert table(again) == table(clean) and len(table(clean)) == per_file * nfiles


def test_saved_api_pages_batch_like_export_files(tmp_path):
    """Saved API pages (`{"data": [...]}`) are read many at a time too: one batch, each record's `_line` its
    place in its page; a page with a bad record costs only itself; the result equals one batch per page."""
    d = tmp_path / "pages"
    d.mkdir()
    for k in range(4):
        records = [request(k * 10 + i, T0) for i in range(10)]
        if k == 2:
            records[3]["prompt_tokens"] = "many"  # a value of the wrong type: quarantined with its line
        (d / f"query_clickhouse_page_{k:05d}.json").write_text(json.dumps({"data": records, "error": None}))
    results = {}
    for mb in (100, ONE_BY_ONE):
        con = fresh(tmp_path, f"wh{mb}")
        s = ingest(con, [d], batch_mb=mb, module=helicone)
        assert (s.counts.new, s.counts.quarantined, s.files_loaded) == (39, 1, 4)
        batches = con.execute("select count(distinct _batch_id) from raw.helicone_requests").fetchone()[0]
        assert batches == (1 if mb else 4)
        results[mb] = (table(con, "raw.helicone_requests", "request_id"), quarantine(con), marked(con))
    assert results[100] == results[ONE_BY_ONE]
    assert [(line, field) for _, line, field, _, _ in results[100][1]] == [(4, "prompt_tokens")]


@pytest.mark.parametrize(
    "body",
    [
        '{"data": [{"a": 1, "b": {"c": 2}}, {"z": 1}], "meta": {}}',
        '\n  {\n  "data" :\n [ {"a": 1,\n "b": 2} ] }',
        '{"meta": {"data": [{"x": 1}]}, "data": [{"a": 1}]}',  # `data` not first: DuckDB decides
        '{"data": [null, {"a": 1}]}',
        '{"data": []}',
        '[{"a": 1, "b": 2}]',
    ],
)
def test_a_page_s_first_record_keys_are_read_from_its_head_as_duckdb_reads_them(tmp_path, body):
    path = tmp_path / "page.json"
    path.write_text(body)
    fmt = rawload.json_container(path)
    con = duckdb.connect()
    expected = con.execute(
        f"select json_keys(rec) from ({rawload._records_sql(path, fmt)}) where json_type(rec) = 'OBJECT' "
        "order by _line limit 1"
    ).fetchall()
    assert rawload.peek_keys(con, path, fmt) == (list(expected[0][0]) if expected else None)


def test_pretty_printed_and_compact_pages_are_read_by_one_multi_file_read(tmp_path, caplog):
    """Pages are read as records (`records=true`, the container left to DuckDB): compact one-line pages and
    pretty-printed ones load together on the fast path, each record numbered by its place in its page."""
    d = tmp_path / "pages"
    d.mkdir()
    for k in range(4):
        body = {"data": [request(k * 10 + i, T0) for i in range(10)], "error": None}
        (d / f"query_clickhouse_page_{k:05d}.json").write_text(json.dumps(body, indent=2 if k % 2 else None))
    con = fresh(tmp_path, "wh")
    with caplog.at_level(logging.DEBUG, logger="ingest.rawload"):
        s = ingest(con, [d], batch_mb=100, module=helicone)
    assert (s.counts.new, s.counts.quarantined, s.files_loaded) == (40, 0, 4)
    assert not [r.message for r in caplog.records if "one by one" in r.message]
    lines = con.execute(
        "select _location, min(_line), max(_line), count(distinct _batch_id) from raw.helicone_requests "
        "group by all order by 1"
    ).fetchall()
    assert [row[1:] for row in lines] == [(1, 10, 1)] * 4


PAGE = ", ".join(json.dumps({"a": i, "pad": "x" * 100}) for i in range(12_000))  # 1.4 MB of records


@pytest.mark.parametrize(
    ("text", "container"),
    [
        ('{"data": [' + PAGE + "]}\n", "envelope"),  # one line longer than the 1 MB read to tell
        ('  {\n "data" :\n  [' + PAGE + "]}", "envelope"),
        ('{"data": {"id": "a"}}\n{"data": {"id": "b"}}\n', "ndjson"),  # records with a `data` map
    ],
)
def test_a_page_is_told_from_its_opening_without_decoding_it(tmp_path, text, container):
    path = tmp_path / "page.json"
    path.write_text(text)
    assert rawload.json_container(path) == container
