"""`raw.dcgm_samples`: the one table both DCGM paths (text snapshots, Prometheus) load, and how they load it.

Both paths hand this module the same two things, so they produce identical rows for the same samples:

* a `SeriesTable`: every distinct series (metric + label set) seen, normalised once by `normalize_labels`;
* a staging table `_dcgm_stage(series_id, line, value_text, sampled_ms, error, raw_tail)`: one row per
  sample read, its value still as text (as it came over the wire or from the file).

`load_stage()` then decides each sample's fate in bulk SQL, inside the caller's batch:

* **skipped**: DCGM's blank sentinels and NaN mean "no value"; they are counted, not loaded, not quarantined;
* **quarantined**: values that are not numbers, ±Inf, bad timestamps, and a second value for a sample
  that already has another one (the first one stays, as Prometheus's own TSDB does);
* **unchanged**: the sample is already in the table (a file re-read, a window re-pulled);
* **new**: inserted.

A sample is identified by (metric, the eleven identity columns, sampled_at). Labels outside the identity
(driver version, Prometheus's `job`/`instance`, …) stay in `labels` but do not make a sample new, so the
same GPU reading reached through a file and through Prometheus is stored once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import duckdb

from ingest import landing

TABLE = "raw.dcgm_samples"

# identity column -> the label names it is read from, first non-empty wins.
# `exported_*`: Prometheus renames a scraped label that clashes with a target label (honor_labels: false),
# so behind a Kubernetes ServiceMonitor the workload's pod arrives as `exported_pod`.
# `*_name`/`pod_namespace`/`uuid`: dcgm-exporter 1.x (`--use-old-namespace`).
IDENTITY_LABELS: dict[str, tuple[str, ...]] = {
    "hostname": ("Hostname", "hostname"),
    "gpu": ("gpu",),
    "uuid": ("UUID", "uuid"),
    "device": ("device",),
    "model_name": ("modelName",),
    "pci_bus_id": ("pci_bus_id",),
    "gpu_i_profile": ("GPU_I_PROFILE",),
    "gpu_i_id": ("GPU_I_ID",),
    "pod": ("exported_pod", "pod", "pod_name"),
    "namespace": ("exported_namespace", "namespace", "pod_namespace"),
    "container": ("exported_container", "container", "container_name"),
}
IDENTITY = tuple(IDENTITY_LABELS)
BLANK_STRING = "<<<NULL>>>"  # DCGM_STR_BLANK

DDL = f"""
create schema if not exists raw;
create table if not exists {TABLE} (
    sampled_at    timestamp not null,
    metric        varchar not null,
    value         double not null,
    {", ".join(f"{c} varchar" for c in IDENTITY)},
    labels        json not null,
    _batch_id     varchar not null,
    _location     varchar not null,
    _line         bigint,
    _ingested_at  timestamp not null
);
"""

# A Prometheus sample value: a decimal or exponent number, or NaN/±Inf (Go's ParseFloat spellings).
NUMBER_RE = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(?i:inf|infinity|nan)"
# DCGM blank sentinels (dcgm_structs.h): INT64 blanks are >= 0x7ffffffffffffff0; INT32 and FP64 blanks are
# BLANK, NOT_FOUND, NOT_SUPPORTED, NOT_PERMISSIONED = BLANK + 0..3.
INT64_BLANK_MIN = 9.22e18
INT32_BLANK = 0x7FFFFFF0
FP64_BLANK = 140737488355328.0
MIN_MS, MAX_MS = 0, 253402300799999  # 1970-01-01 .. 9999-12-31: anything else is a unit mix-up

STAGE_DDL = """
create or replace temp table _dcgm_stage (
    series_id  integer not null,  -- -1: the line could not be read as a series at all
    line       bigint,
    value_text varchar,
    sampled_ms bigint,
    error      varchar,   -- set by the reader when the sample could not be read (bad timestamp, …)
    raw_tail   varchar,   -- what followed the series in the source, for the quarantine
    file       integer not null default 0  -- which of the batch's locations (files) the sample came from
)
"""


def normalize_labels(labels: Mapping[str, str]) -> tuple[tuple[str | None, ...], str]:
    """The identity columns and the `labels` JSON of one series; shared by the text and Prometheus paths.

    Empty label values are dropped (Prometheus's data model: an empty label is an absent label, and a
    server never returns one), and so is DCGM's string blank `<<<NULL>>>`. `__name__` is the metric, not a
    label. Keys are sorted so the same label set always serialises to the same JSON text.
    """
    kept = {k: v for k, v in labels.items() if k != "__name__" and v != "" and v != BLANK_STRING}
    identity = tuple(
        next((kept[name] for name in names if name in kept), None) for names in IDENTITY_LABELS.values()
    )
    return identity, json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def labels_text(labels: Mapping[str, str]) -> str:
    """A series as exposition text, `name{a="1",b="2"}`: how an API series is shown in the quarantine."""
    inner = ",".join(
        f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in sorted(labels.items()) if k != "__name__"
    )
    return f"{labels.get('__name__', '')}{{{inner}}}"


class SeriesTable:
    """Distinct series of one load, numbered in order of first appearance."""

    def __init__(self) -> None:
        self.ids: dict[object, int] = {}
        self.sample_keys: dict[
            tuple, int
        ] = {}  # (metric, *identity) -> number, to find duplicate samples fast
        self.rows: list[tuple] = []
        self.bad: dict[object, str] = {}  # series texts that could not be read, and why

    def add(self, key: object, metric: str, labels: Mapping[str, str], raw: str) -> int:
        """The id of the series `key` (any hashable the reader chooses), registering it on first sight."""
        sid = self.ids.get(key)
        if sid is None:
            identity, labels_json = normalize_labels(labels)
            sample_key = self.sample_keys.setdefault((metric, *identity), len(self.sample_keys))
            sid = self.ids[key] = len(self.rows)
            self.rows.append((sid, sample_key, metric, *identity, labels_json, raw))
        return sid

    def to_table(self, con: duckdb.DuckDBPyConnection, name: str) -> None:
        """Write the series to temp table `name`."""
        columns = ", ".join(f"{c} varchar" for c in ("metric", *IDENTITY, "labels", "raw"))
        con.execute(f"create or replace temp table {name} (series_id integer, sample_key integer, {columns})")
        n_columns = 3 + len(IDENTITY) + 2
        insert_columns(con, name, [list(c) for c in zip(*self.rows, strict=True)] or [[]] * n_columns)


def insert_columns(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[Sequence]) -> None:
    """Append rows given as equally long columns to `table` in one statement (no Arrow, so the text path
    never imports pyarrow and, through DuckDB, pandas)."""
    values = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
    con.execute(f"insert into {table} select {values}", [list(c) for c in columns])


@dataclass
class Loaded:
    new: int = 0
    unchanged: int = 0
    skipped: int = 0
    quarantined: int = 0
    per_file: dict[int, tuple[int, int]] = field(default_factory=dict)  # file: (loaded, quarantined)


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def create_stage(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(STAGE_DDL)


def load_stage(b: landing.Batch, series: SeriesTable, *, locations: Sequence[str] | None = None) -> Loaded:
    """Move `_dcgm_stage` into `raw.dcgm_samples` (skip, quarantine, dedupe, insert); empties the stage.

    `locations[i]` is where the stage's rows with `file = i` came from (default: the batch's location).
    The files of one batch count exactly as if they had been loaded one after another: a sample an
    earlier file holds is "already loaded" for a later one.
    """
    con, out = b.con, Loaded()
    locations = list(locations or [b.location])
    ensure_table(con)
    series.to_table(con, "_dcgm_series")
    con.execute("create or replace temp table _dcgm_locations (file integer, location varchar)")
    insert_columns(con, "_dcgm_locations", [range(len(locations)), locations])
    con.execute(
        f"""
        create or replace temp table _dcgm_classified as
        with parsed as (
            select s.*,
                   case when regexp_full_match(s.value_text, '{NUMBER_RE}')
                        then cast(replace(lower(s.value_text), 'infinity', 'inf') as double) end as v
            from _dcgm_stage s
        )
        select *,
               case
                 when error is not null then error
                 when value_text is null or value_text = '' then 'value: missing'
                 when value_text = '{BLANK_STRING}' then null
                 when v is null then 'value: ' || value_text || ' is not a number'
                 when isinf(v) then 'value: ' || value_text || ' is not a measurement'
                 when sampled_ms is null then 'timestamp: missing'
                 when sampled_ms not between {MIN_MS} and {MAX_MS} then 'timestamp: '
                      || sampled_ms || ' ms is outside years 1970-9999'
               end as reason,
               reason is null and coalesce(
                    value_text = '{BLANK_STRING}' or isnan(v) or v >= {INT64_BLANK_MIN}
                    or v between {INT32_BLANK} and {INT32_BLANK + 3}
                    or v between {FP64_BLANK} and {FP64_BLANK + 3}, false
               ) as is_blank
        from parsed
        """
    )
    out.skipped = con.execute("select count(*) from _dcgm_classified where is_blank").fetchone()[0]
    out.quarantined += b.quarantine_query(
        """
        select c.line, case when c.reason like 'timestamp%' then 'timestamp' else 'value' end as field,
               c.reason, coalesce(s.raw, '') || coalesce(c.raw_tail, '') as raw, l.location
        from _dcgm_classified c left join _dcgm_series s using (series_id) join _dcgm_locations l using (file)
        where c.reason is not null order by c.file, c.line
        """
    )
    # Narrow from here on (ids, times, values); the series' columns are joined in only for the insert.
    # Per file, one row per sample key: the first occurrence wins; later ones are duplicates (same value) or
    # conflicts. Across the batch's files, the first file holding a sample loads it. Only samples read more
    # than once need the windows that find which occurrence came first.
    con.execute(
        """
        create or replace temp table _dcgm_ok as
        with ok as (
            select c.rowid as rid, c.file, c.series_id, s.sample_key, c.line, c.raw_tail, c.sampled_ms,
                   c.v as value
            from _dcgm_classified c join _dcgm_series s using (series_id)
            where c.reason is null and not c.is_blank
        ),
        repeated as (select sample_key, sampled_ms from ok group by all having count(*) > 1)
        select * exclude (rid),
               row_number() over w as dup, first_value(value) over w as first_v,
               first_value(file) over batch_w as first_file, first_value(value) over batch_w as batch_first_v
        from ok semi join repeated using (sample_key, sampled_ms)
        window w as (partition by sample_key, sampled_ms, file order by line nulls last, rid),
               batch_w as (partition by sample_key, sampled_ms order by file, line nulls last, rid)
        union all
        select * exclude (rid), 1, value, file, value
        from ok anti join repeated using (sample_key, sampled_ms)
        """
    )
    lo, hi = con.execute("select min(sampled_ms), max(sampled_ms) from _dcgm_ok").fetchone()
    key_match = " and ".join(
        ["k.metric = r.metric"] + [f"k.{c} is not distinct from r.{c}" for c in IDENTITY]
    )
    con.execute(
        f"""
        create or replace temp table _dcgm_fate as
        with keys as (select distinct sample_key, metric, {", ".join(IDENTITY)} from _dcgm_series),
        loaded as (
            select k.sample_key, epoch_ms(r.sampled_at) as sampled_ms, r.value
            from {TABLE} r join keys k on {key_match}
            where r.sampled_at between make_timestamp(? * 1000) and make_timestamp(? * 1000)
        ),
        known as (
            select o.*, coalesce(l.value, case when o.first_file < o.file then o.batch_first_v end)
                        as loaded_value
            from _dcgm_ok o left join loaded l using (sample_key, sampled_ms)
        )
        select *,
               case when dup > 1 and value <> first_v then 'conflict_in_source'
                    when dup > 1 then 'duplicate'
                    when loaded_value is null then 'new'
                    when loaded_value = value then 'duplicate'
                    else 'conflict_loaded' end as fate
        from known
        """,
        [lo or 0, hi or 0],
    )
    out.quarantined += b.quarantine_query(
        """
        select f.line, 'value' as field,
               'sample already ' || case f.fate when 'conflict_loaded' then 'loaded' else 'read' end
               || ' with value ' || coalesce(f.loaded_value, f.first_v)::varchar || ', now ' || f.value::varchar
               || ' (the first value is kept)' as reason,
               s.raw || coalesce(f.raw_tail, '') as raw, l.location
        from _dcgm_fate f join _dcgm_series s using (series_id) join _dcgm_locations l using (file)
        where f.fate like 'conflict%' order by f.file, f.line
        """
    )
    out.unchanged = con.execute("select count(*) from _dcgm_fate where fate = 'duplicate'").fetchone()[0]
    out.new = con.execute(
        f"""
        insert into {TABLE}
        select make_timestamp(f.sampled_ms * 1000), s.metric, f.value, {", ".join(f"s.{c}" for c in IDENTITY)},
               s.labels, ?, l.location, f.line, cast(? as timestamptz) at time zone 'UTC'
        from _dcgm_fate f join _dcgm_series s using (series_id) join _dcgm_locations l using (file)
        where f.fate = 'new'
        """,
        [b.batch_id, landing.now()],
    ).fetchone()[0]
    out.per_file = _per_file(con)
    for table in ("_dcgm_classified", "_dcgm_ok", "_dcgm_fate", "_dcgm_series", "_dcgm_locations"):
        con.execute(f"drop table if exists {table}")
    con.execute("delete from _dcgm_stage")
    b.counts.new += out.new
    b.counts.unchanged += out.unchanged
    return out


def _per_file(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[int, int]]:
    """Per file of the batch: (rows loaded: new or already there, rows quarantined)."""
    rows = con.execute(
        """
        select file, sum(loaded)::bigint, sum(quarantined)::bigint from (
            select file, 0 as loaded, 1 as quarantined from _dcgm_classified where reason is not null
            union all
            select file, (fate in ('new', 'duplicate'))::int, (fate like 'conflict%')::int from _dcgm_fate
        ) group by file
        """
    ).fetchall()
    return {file: (loaded, quarantined) for file, loaded, quarantined in rows}
