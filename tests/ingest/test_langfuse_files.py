"""Langfuse export files: every shape into raw.langfuse_observations / raw.langfuse_traces, fast and slow
paths agreeing, bad lines quarantined by file + line + field, files skipped by fingerprint."""

from __future__ import annotations

import gzip
import json
import shutil
from decimal import Decimal

from ingest import langfuse
from tests.fakes.langfuse_server import observation
from tests.ingest.conftest import SAMPLES_DIR as SAMPLES
from tests.ingest.conftest import T0, rows

SNAKE = {
    "traceId": "trace_id", "projectId": "project_id", "parentObservationId": "parent_observation_id",
    "isRootObservation": "is_root_observation", "statusMessage": "status_message", "userId": "user_id",
    "sessionId": "session_id", "startTime": "start_time", "endTime": "end_time",
    "completionStartTime": "completion_start_time", "createdAt": "created_at", "updatedAt": "updated_at",
    "providedModelName": "provided_model_name", "internalModelId": "internal_model_id", "modelId": "model_id",
    "modelParameters": "model_parameters", "usageDetails": "usage_details", "costDetails": "cost_details",
    "totalCost": "total_cost", "usagePricingTierName": "usage_pricing_tier_name", "promptId": "prompt_id",
    "promptName": "prompt_name", "promptVersion": "prompt_version", "timeToFirstToken": "time_to_first_token",
    "traceName": "trace_name", "inputPrice": "input_price", "outputPrice": "output_price", "totalPrice": "total_price",
}  # fmt: skip


def export_record(i: int, **over) -> dict:
    """An observations_v2 blob-export record (snake_case)."""
    return {SNAKE.get(k, k): v for k, v in observation(i, T0).items()} | over


def write_jsonl(path, records, *, gz=True, extra_lines=()):
    text = "\n".join([json.dumps(r) for r in records] + list(extra_lines)) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return path


def test_export_jsonl_gz_loads_typed_rows_and_skips_unchanged_files(cfg, con, tmp_path):
    f = write_jsonl(
        tmp_path / "proj-1/observations_v2/2026-11-01T00-00-00Z.jsonl.gz",
        [export_record(i) for i in range(50)],
    )
    s = langfuse.ingest_files(con, cfg, [tmp_path / "proj-1"])
    assert (s.counts.new, s.files_loaded, s.counts.quarantined) == (50, 1, 0)
    row = con.execute(
        "select start_time, total_cost, usage_details->>'input', tags, metadata->>'helicone_request_id', "
        "_source, _location, _line from raw.langfuse_observations where id = 'obs-00002'"
    ).fetchone()
    assert row[0].isoformat() == "2026-11-01T00:02:00"
    assert (
        row[1] == Decimal("0.000475000000") and row[2] == "102" and row[3] == ["team:team-2", "feature:chat"]
    )
    assert row[4:] == ("hreq-00002", "export_observations_v2", str(f), 3)
    cols = {r[0] for r in con.execute("describe raw.langfuse_observations").fetchall()}
    assert not {"input", "output"} & cols
    again = langfuse.ingest_files(con, cfg, [tmp_path])
    assert (again.files_skipped, again.counts.new, again.files_loaded) == (1, 0, 0)


def test_every_container_gives_the_same_rows(cfg, con, tmp_path):
    """JSONL, JSON array, API page envelope (camelCase), CSV and Parquet of the same records agree."""
    recs = [export_record(i) for i in range(20)]
    write_jsonl(tmp_path / "a/x.jsonl", recs, gz=False)
    langfuse.ingest_files(con, cfg, [tmp_path / "a"])
    expected = rows(con, "raw.langfuse_observations")
    shapes = {
        "b/x.json": json.dumps(recs),
        "c/page.json": json.dumps(
            {"data": [observation(i, T0) for i in range(20)], "meta": {"cursor": None}}
        ),
    }
    for name, text in shapes.items():
        (tmp_path / name).parent.mkdir()
        (tmp_path / name).write_text(text)
    con.execute(f"copy (select * from read_json('{tmp_path}/a/x.jsonl')) to '{tmp_path}/x.parquet'")
    csv_sql = (
        f"select * replace (to_json(usage_details) as usage_details, to_json(cost_details) as cost_details, "
        f"to_json(metadata) as metadata, to_json(model_parameters) as model_parameters, to_json(tags) as tags) "
        f"from read_json('{tmp_path}/a/x.jsonl')"
    )
    con.execute(f"copy ({csv_sql}) to '{tmp_path}/x.csv'")
    for shape in ("b", "c", "x.parquet", "x.csv"):
        con.execute("drop table raw.langfuse_observations")
        s = langfuse.ingest_files(con, cfg, [tmp_path / shape])
        assert s.counts.new == 20 and s.counts.quarantined == 0, shape
        assert rows(con, "raw.langfuse_observations") == expected, shape


def test_bad_lines_are_quarantined_and_the_rest_loads(cfg, con, tmp_path):
    good = [export_record(i) for i in range(10)]
    bad_ts = export_record(10, start_time="yesterday", input="PROMPT SECRET TEXT")
    no_id = export_record(11, id=None)
    f = write_jsonl(
        tmp_path / "x.jsonl.gz",
        good[:5] + [bad_ts] + good[5:],
        extra_lines=['{"id": "obs-x", "input": "PROMPT', json.dumps(no_id)],
    )
    s = langfuse.ingest_files(con, cfg, [f])
    assert (s.counts.new, s.counts.quarantined, s.files_loaded) == (10, 3, 1)
    q = con.execute("select location, line, field, reason, raw from meta.quarantine order by line").fetchall()
    assert [(loc, line, field) for loc, line, field, _, _ in q] == [
        (str(f), 6, "start_time"),
        (str(f), 12, None),
        (str(f), 13, "id"),
    ]
    assert q[0][3] == "start_time is not an ISO 8601 timestamp: yesterday"
    assert "PROMPT" not in q[0][4] and json.loads(q[0][4])["id"] == "obs-00010"
    assert q[1][3] == "line is not valid JSON" and q[1][4] is None
    assert q[2][3] == "id is missing"
    assert con.execute(
        "select count(*), min(_line), max(_line) from raw.langfuse_observations"
    ).fetchone() == (10, 1, 11)


def test_latest_version_wins_across_files_and_changed_files_are_reread(cfg, con, tmp_path):
    d = tmp_path / "exp"
    write_jsonl(
        d / "day1.jsonl.gz",
        [export_record(1, end_time=None, total_cost=None, updated_at="2026-11-01T00:01:05.000Z")],
    )
    write_jsonl(
        d / "day2.jsonl.gz", [export_record(1, total_cost=0.25, updated_at="2026-11-02T00:00:00.000Z")]
    )
    s = langfuse.ingest_files(con, cfg, [d])
    assert (s.counts.new, s.counts.updated) == (1, 1)
    assert con.execute("select total_cost from raw.langfuse_observations").fetchone()[0] == Decimal("0.25")
    # an older version arriving later changes nothing
    write_jsonl(
        d / "late.jsonl.gz", [export_record(1, total_cost=0.1, updated_at="2026-11-01T12:00:00.000Z")]
    )
    s = langfuse.ingest_files(con, cfg, [d])
    assert (s.counts.unchanged, s.files_loaded, s.files_skipped) == (1, 1, 2)
    assert con.execute("select total_cost, count(*) over () from raw.langfuse_observations").fetchone() == (
        Decimal("0.25"),
        1,
    )
    write_jsonl(
        d / "day2.jsonl.gz",
        [export_record(1, total_cost=0.3, updated_at="2026-11-02T00:00:00.000Z"), export_record(2)],
    )
    s = langfuse.ingest_files(con, cfg, [d])
    assert (s.files_loaded, s.counts.new, s.counts.updated) == (
        1,
        1,
        1,
    )  # same version, new content: later batch wins


def test_legacy_observations_and_traces_exports(cfg, con, tmp_path):
    obs = [
        {
            k: v
            for k, v in export_record(i).items()
            if k not in ("user_id", "session_id", "tags", "is_root_observation")
        }
        for i in range(6)
    ]
    traces = [
        {"id": f"trace-{i:05d}", "timestamp": "2026-11-01T00:00:00Z", "name": "chat", "environment": "production",
         "project_id": "proj-1", "metadata": {"k": "v"}, "user_id": f"user-{i}", "session_id": "s", "release": None,
         "version": None, "public": False, "bookmarked": False, "tags": ["team:a"], "input": "PROMPT", "output": None,
         "created_at": "2026-11-01T00:00:01Z", "updated_at": "2026-11-01T00:00:02Z"}
        for i in range(2)
    ]  # fmt: skip
    write_jsonl(tmp_path / "p/observations/a.jsonl.gz", obs)
    write_jsonl(tmp_path / "p/traces/a.jsonl.gz", traces)
    s = langfuse.ingest_files(con, cfg, [tmp_path / "p"])
    assert s.counts.new == 8
    assert con.execute("select distinct _source from raw.langfuse_observations").fetchall() == [
        ("export_observations",)
    ]
    assert con.execute("select user_id, tags, _source from raw.langfuse_traces order by id").fetchall() == [
        ("user-0", ["team:a"], "export_traces"),
        ("user-1", ["team:a"], "export_traces"),
    ]


def test_unreadable_files_are_recorded_and_not_marked(cfg, con, tmp_path):
    ok = write_jsonl(tmp_path / "ok.jsonl.gz", [export_record(1)])
    broken = tmp_path / "broken.jsonl.gz"
    whole = gzip.compress("\n".join(json.dumps(export_record(i)) for i in range(300)).encode())
    broken.write_bytes(whole[: len(whole) // 2])
    s = langfuse.ingest_files(con, cfg, [ok, broken])
    assert (s.counts.new, s.failures) == (1, [str(broken)])
    reason = con.execute("select reason from meta.quarantine where location = ?", [str(broken)]).fetchone()[0]
    assert reason.startswith("file could not be read: truncated gzip")
    assert con.execute(
        "select status from meta.ingest_batches where location = ?", [str(broken)]
    ).fetchone() == ("failed",)
    shutil.copy(ok, broken)  # fixed: picked up next time (same bytes as ok → recognised as already loaded)
    assert langfuse.ingest_files(con, cfg, [broken]).files_skipped == 1


def test_real_langfuse_samples_load(cfg, con):
    """The docs' v2 response (old `model` name) and real framework trace exports load without loss."""
    s = langfuse.ingest_files(con, cfg, [SAMPLES / "langfuse/langfuse_v2_observations_docs_example.json"])
    assert (s.counts.new, s.counts.quarantined) == (1, 0)
    assert con.execute(
        "select provided_model_name, total_cost from raw.langfuse_observations"
    ).fetchone() == (
        "gpt-4o",
        Decimal("0.00083"),
    )
