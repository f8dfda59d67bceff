"""The read-only SQL guard: hostile statements refused with a reason, normal analysis allowed, and a
locked-down connection that cannot read files even when the parser check is bypassed."""

from __future__ import annotations

import duckdb
import pytest

from burnrate import sqlguard

HOSTILE = {
    "select * from read_csv('/etc/passwd')": "read_csv",
    "select * from read_csv_auto('/etc/passwd')": "read_csv_auto",
    "select * from '/etc/passwd'": "file",
    "select * from 'https://example.com/x.csv'": "file",
    "select * from read_text('/etc/hostname')": "read_text",
    "select * from read_blob('/etc/hostname')": "read_blob",
    "select * from glob('/etc/*')": "glob",
    "select * from read_parquet('s3://bucket/x.parquet')": "read_parquet",
    "select * from sniff_csv('/etc/passwd')": "sniff_csv",
    "select * from query('select 1')": "query",
    "select getenv('HOME')": "getenv",
    "select (select count(*) from glob('*'))": "glob",
    "with a as (select * from read_json_auto('x.json')) select * from a": "read_json_auto",
    "select * from marts.t, lateral (select * from read_csv(b))": "read_csv",
    "copy marts.t to '/tmp/out.csv'": "COPY",
    "export database '/tmp/out'": "EXPORT",
    "attach '/tmp/other.duckdb' as other": "ATTACH",
    "detach memory": "DETACH",
    "install httpfs": "extensions",
    "load httpfs": "extensions",
    "set enable_external_access = true": "settings",
    "set threads = 1": "settings",
    "reset threads": "settings",
    "pragma threads = 3": "settings",
    "pragma enable_profiling": "PRAGMA",
    "call pragma_version()": "CALL",
    "checkpoint": "CALL",
    "create table x as select 1": "writes",
    "insert into marts.t values (1, 'a')": "writes",
    "update marts.t set a = 1": "writes",
    "delete from marts.t": "writes",
    "drop table marts.t": "writes",
    "alter table marts.t add column c int": "writes",
    "begin transaction": "transactions",
    "select 1; select 2": "one statement",
    "explain copy marts.t to 'x.csv'": "COPY",
    "": "empty",
    "selec 1": "not valid SQL",
}
ALLOWED = [
    "select * from marts.t",
    "from marts.t",
    "with x as (select a, sum(a) over (order by a) as running from marts.t) select * from x order by a",
    "select b, count(*), quantile_cont(a, 0.95) from marts.t group by b",
    "describe marts.t",
    "summarize marts.t",
    "show all tables",
    "explain select * from marts.t",
    "pragma table_info('marts.t')",
    "select * from information_schema.columns where table_schema = 'marts'",
    "select * from duckdb_tables()",
    "select * from range(3)",
    "values (1, 2)",
]


@pytest.fixture
def con():
    con = duckdb.connect(":memory:")
    con.execute("create schema marts; create table marts.t as select range as a, 'x' as b from range(50)")
    sqlguard.lock_down(con)
    yield con
    con.close()


@pytest.mark.parametrize("sql", list(HOSTILE))
def test_hostile_statements_are_refused_with_a_reason(con, sql):
    with pytest.raises(sqlguard.Refused) as refused:
        sqlguard.check(con, sql)
    assert HOSTILE[sql].lower() in str(refused.value).lower()
    assert refused.value.exit_code == 2


@pytest.mark.parametrize("sql", ALLOWED)
def test_read_only_analysis_runs(con, sql):
    result = sqlguard.run(con, sql, row_limit=100, timeout=10)
    assert result.frame.height >= 1


def test_row_limit_says_when_more_rows_exist(con):
    result = sqlguard.run(con, "select * from marts.t", row_limit=10, timeout=10)
    assert (result.frame.height, result.truncated) == (10, True)
    result = sqlguard.run(con, "select * from marts.t", row_limit=50, timeout=10)
    assert (result.frame.height, result.truncated) == (50, False)


def test_a_long_query_is_stopped_at_the_timeout(con):
    with pytest.raises(sqlguard.QueryTimeout, match="longer than 0.5s"):
        sqlguard.run(
            con, "select count(*) from range(1000000000000) a, range(10) b", row_limit=10, timeout=0.5
        )
    # the connection is usable afterwards
    assert sqlguard.run(con, "select 1", row_limit=1, timeout=5).frame.item() == 1


def test_the_locked_connection_cannot_read_files_or_unlock_even_without_the_check(con, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with pytest.raises(duckdb.PermissionException):
        con.execute(f"select * from read_csv('{secret}')").fetchall()
    with pytest.raises(duckdb.Error, match="locked"):
        con.execute("set enable_external_access = true")
    with pytest.raises(duckdb.Error):
        con.execute(f"attach '{tmp_path / 'x.duckdb'}'")
