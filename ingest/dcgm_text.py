"""Prometheus exposition text → `_dcgm_stage`: every line split in DuckDB, odd lines by the Python reference.

A line of the text format is `series value [timestamp]`, where `series` is `name{labels}`. Reading it takes
two decisions: where the series ends, and what its metric and labels are.

* **Where the series ends** (the reference, `split_line`): strip the line as Python's `str.strip()` does,
  skip blanks and `#` comments, cut after the last `}` (or, without labels, at the first space or tab).
  The fast path does this in SQL for every *plain* line: its first and last characters are printable
  ASCII (so `strip()` leaves it as it is), it holds exactly one `}` (so the first `}` is the last one) and
  it is not a comment. Every other line (leading or trailing whitespace of any kind, no labels, a `}` in
  a label value, `# EOF`) is fetched and split by `split_line` in Python. Both give the same split.
* **What the series means**: each *distinct* series text is parsed once, by prometheus_client's own
  parser (`parse_series`), whichever path split its line; the lines then join their series by its text.
  A dcgm-exporter file repeats a few hundred series in every scrape, so the parser sees a few hundred
  strings, not every line.

The value and timestamp text after the series is split and checked in SQL (`_stage_tails`). Files are
read by DuckDB's `read_text` and split in the same statement (`read`); lines keep their numbers in their
file (`\\r\\n` and a lone `\\r` end a line, as in Python's text mode). Why not line by line in Python, as
before: that loop and a commit per file made the ingest 4x slower than DuckDB's own read of the same files
(bench/results/ingest_dcgm_1m.txt).
"""

from __future__ import annotations

import glob
import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
from prometheus_client.parser import text_string_to_metric_families

from ingest import dcgm_samples as samples

CHUNK_ROWS = 100_000  # odd lines sent back to DuckDB per statement
READ_ERRORS = (OSError, UnicodeDecodeError, EOFError, zlib.error)


@dataclass
class Text:
    """One file of the batch: `file` is its index, `default_ms` the sample time of lines without one."""

    file: int
    default_ms: int


def parse_series(text: str) -> tuple[str, dict[str, str]]:
    """Metric name and labels of one series text (`name{labels}`), parsed by prometheus_client."""
    families = list(text_string_to_metric_families(text + " 0"))
    if len(families) != 1 or len(families[0].samples) != 1:
        raise ValueError("not a single sample")
    sample = families[0].samples[0]
    if sample.value != 0 or sample.timestamp is not None:
        raise ValueError("unexpected text after the labels")
    return sample.name, sample.labels


def split_line(raw: str) -> tuple[str, str] | None:
    """The reference split of one line into (series, tail); None for a blank line or a comment."""
    text = raw.strip()
    if not text or text[0] == "#":
        return None
    end = text.rfind("}")
    if end >= 0:
        return text[: end + 1], text[end + 1 :]
    key, _, tail = text.replace("\t", " ").partition(" ")
    return key, tail


def read(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> dict[int, BaseException]:
    """Split the text of `paths` into `_dcgm_lines` (see `_split`; `file`: the index in `paths`); return
    the files that could not be read (not UTF-8, broken gzip, …) with their error.

    Plain files are read by DuckDB's `read_text`, split in the same statement; gzip files, names that
    `read_text` would take for a glob, and every file of a statement that failed are read here, one by one.
    """
    con.execute(
        "create or replace temp table _dcgm_lines (file integer, line bigint, text varchar, fast boolean)"
    )
    direct = [i for i, p in enumerate(paths) if not p.name.endswith(".gz") and not glob.has_magic(str(p))]
    try:
        if direct:
            _split(
                con,
                """
                select f.file, t.content as body
                from read_text($names) t join (select unnest($names) as filename, unnest($files) as file) f
                     using (filename)
                """,
                {"names": [str(paths[i]) for i in direct], "files": direct},
            )
    except duckdb.Error:
        direct = []
    failed: dict[int, BaseException] = {}
    con.execute("create or replace temp table _dcgm_text (file integer, body varchar)")
    for i in sorted(set(range(len(paths))) - set(direct)):
        opener = gzip.open if paths[i].name.endswith(".gz") else open
        try:
            with opener(paths[i], "rb") as fh:
                body = fh.read().decode("utf-8")
        except READ_ERRORS as exc:
            failed[i] = exc
            continue
        con.execute("insert into _dcgm_text values (?, ?)", [i, body])
    _split(con, "select file, body from _dcgm_text", {})
    con.execute("drop table _dcgm_text")
    return failed


def stage(con: duckdb.DuckDBPyConnection, texts: list[Text], series: samples.SeriesTable) -> dict[int, int]:
    """Fill `_dcgm_stage` with every sample line in `_dcgm_lines` (see `read`); return, per file, how many
    had no timestamp."""
    samples.create_stage(con)
    openmetrics = _odd_lines(con)
    _series_ids(con, series)
    con.execute(
        "create or replace temp table _dcgm_files (file integer, default_ms bigint, openmetrics boolean)"
    )
    columns = [[t.file for t in texts], [t.default_ms for t in texts], [t.file in openmetrics for t in texts]]
    samples.insert_columns(con, "_dcgm_files", columns)
    untimed = _stage_tails(con, {t.file in openmetrics for t in texts})
    for table in ("_dcgm_lines", "_dcgm_odd", "_dcgm_keys", "_dcgm_files"):
        con.execute(f"drop table if exists {table}")
    return untimed


def _split(con: duckdb.DuckDBPyConnection, bodies: str, params: dict) -> None:
    """Add to `_dcgm_lines(file, line, text, fast)` every line of the texts `bodies` (a query of
    `file, body`) that is not empty and not a plain comment, and whether it is plain enough for the SQL
    split (see the module's docstring).

    Lines are numbered as in Python's text mode: `\\r\\n` and a lone `\\r` end a line too.
    """
    con.execute(
        f"""
        insert into _dcgm_lines
        with bodies as (
            select file, case when contains(body, chr(13))
                              then replace(replace(body, chr(13) || chr(10), chr(10)), chr(13), chr(10))
                              else body end as body
            from ({bodies})
        ),
        lines as (
            select file, generate_subscripts(body_lines, 1) as line, unnest(body_lines) as text
            from (select file, string_split(body, chr(10)) as body_lines from bodies)
        ),
        marked as (
            select file, line, text, ascii(text) as first, strpos(text, '}}') as brace,
                   substr(text, strpos(text, '}}') + 1) as tail
            from lines
            where text <> ''
        )
        select file, line, text,
               first between 33 and 126 and first <> 35 and brace > 0 and strpos(tail, '}}') = 0
               and (tail = '' or ascii(right(tail, 1)) between 33 and 126) as fast
        from marked
        where not (first = 35 and ascii(right(text, 1)) between 33 and 126 and text <> '# EOF')
        """,
        params,
    )


def _odd_lines(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Split the odd lines with `split_line` into `_dcgm_odd(file, line, key, tail, whole)` (`whole`: the
    stripped line); return the files that are OpenMetrics (a `# EOF` line)."""
    rows = con.execute("select file, line, text from _dcgm_lines where not fast order by file, line")
    rows = rows.fetchall()
    con.execute(
        "create or replace temp table _dcgm_odd (file integer, line bigint, key varchar, tail varchar, whole varchar)"
    )
    openmetrics: set[int] = set()
    for start in range(0, len(rows), CHUNK_ROWS):
        cols: tuple[list, ...] = ([], [], [], [], [])
        for file, line, text in rows[start : start + CHUNK_ROWS]:
            whole = text.strip()
            if whole == "# EOF":
                openmetrics.add(file)
            split = split_line(text)
            if split is not None:
                for col, value in zip(cols, (file, line, *split, whole), strict=True):
                    col.append(value)
        if cols[0]:
            samples.insert_columns(con, "_dcgm_odd", cols)
    return openmetrics


def _series_ids(con: duckdb.DuckDBPyConnection, series: samples.SeriesTable) -> None:
    """`_dcgm_keys(key, series_id, error)` for every distinct series text of the batch, new ones parsed."""
    keys = con.execute(
        "select distinct left(text, strpos(text, '}')) from _dcgm_lines where fast"
        " union select key from _dcgm_odd"
    ).fetchall()
    cols: tuple[list, list, list] = ([], [], [])
    for (key,) in keys:
        sid, error = series.ids.get(key), None
        if sid is None:
            error = series.bad.get(key)
            if error is None:
                try:
                    metric, labels = parse_series(key)
                    sid = series.add(key, metric, labels, key)
                except ValueError as exc:
                    error = series.bad[key] = f"line: not a Prometheus sample ({exc or 'unreadable'})"
        for col, value in zip(cols, (key, -1 if error else sid, error), strict=True):
            col.append(value)
    con.execute("create or replace temp table _dcgm_keys (key varchar, series_id integer, error varchar)")
    samples.insert_columns(con, "_dcgm_keys", cols)


def _stage_tails(con: duckdb.DuckDBPyConnection, kinds: set[bool]) -> dict[int, int]:
    """Split each line's tail into value and timestamp text (in SQL) and fill `_dcgm_stage`.

    Timestamps are milliseconds, or seconds (with a fraction) in an OpenMetrics file. A line whose series
    could not be read keeps its whole text as the tail, for the quarantine. Spaces and tabs both separate
    the fields (prometheus_client's parser reads `name{…}<TAB>1` too).
    """
    con.execute(
        r"""
        create or replace temp table _dcgm_tok as
        with lines as (
            select file, line, left(text, strpos(text, '}')) as key, substr(text, strpos(text, '}') + 1) as tail,
                   null as whole
            from _dcgm_lines where fast
            union all
            select file, line, key, tail, whole from _dcgm_odd
        ),
        joined as (
            select l.file, l.line, k.series_id, k.error,
                   case when k.error is not null then coalesce(l.whole, l.key || l.tail)
                        when simple then substr(l.tail, 2)
                        else trim(l.tail, chr(32) || chr(9) || chr(10) || chr(12) || chr(13)) end as tail,
                   simple
            from (
                -- the usual tail: " value[ timestamp]", single spaces, no other whitespace
                select *, prefix(tail, ' ') and not contains(tail, '  ') and not contains(tail, chr(9))
                          and not contains(tail, chr(12)) and not suffix(tail, ' ') as simple
                from lines
            ) l join _dcgm_keys k using (key)
        )
        select j.* exclude (simple), f.default_ms, f.openmetrics,
               case when j.error is not null or j.tail = '' then []
                    when simple then string_split(j.tail, ' ')
                    else string_split_regex(j.tail, '\s+') end as tok
        from joined j join _dcgm_files f using (file)
        """
    )
    for openmetrics in sorted(kinds):  # False: milliseconds; True: OpenMetrics seconds
        ts_re, unit = (r"-?[0-9]+(\.[0-9]+)?", "seconds") if openmetrics else (r"-?[0-9]+", "milliseconds")
        ts_ms = "round(try_cast(tok[2] as decimal(38, 9)) * 1000)" if openmetrics else "tok[2]"
        con.execute(
            f"""
            insert into _dcgm_stage (file, series_id, line, value_text, sampled_ms, error, raw_tail)
            select file, series_id, line,
                   case when error is null then tok[1] end,
                   case when len(tok) = 1 then default_ms
                        when len(tok) = 2 and regexp_full_match(tok[2], '{ts_re}')
                             then try_cast({ts_ms} as bigint)
                   end,
                   coalesce(error, case
                       when len(tok) = 0 then 'value: missing'
                       when len(tok) > 2 then 'line: expected "<series> <value> [<timestamp>]", found '
                                              || len(tok) || ' fields after the series'
                       when len(tok) = 2 and not regexp_full_match(tok[2], '{ts_re}')
                            then 'timestamp: ' || tok[2] || ' is not {unit} since the epoch'
                       when len(tok) = 2 and try_cast({ts_ms} as bigint) is null
                            then 'timestamp: ' || tok[2] || ' is out of range'
                   end),
                   case when series_id < 0 then tail else ' ' || tail end
            from _dcgm_tok
            where openmetrics = {openmetrics}
            """
        )
    untimed = con.execute(
        "select file, count(*) from _dcgm_tok where error is null and len(tok) = 1 group by file"
    ).fetchall()
    con.execute("drop table _dcgm_tok")
    return dict(untimed)
