"""The DCGM text reader (`ingest.dcgm_text`) against prometheus_client's own parser, and many files in one
batch against the same files loaded one by one.

The SQL split handles plain lines; everything else (whitespace at either end, no labels, `}` inside a label
value, CRLF) goes through the Python reference split. Whichever path a line takes, the samples must be the
ones prometheus_client reads from the same text.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from burnrate import config
from ingest import dcgm
from ingest.dcgm_samples import normalize_labels

T0_MS = 1_793_577_600_000
AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

NAMES = st.from_regex(r"[a-zA-Z_:][a-zA-Z0-9_:]{0,12}", fullmatch=True)
LABEL_NAMES = st.sampled_from(["gpu", "UUID", "Hostname", "hostname", "pod", "namespace", "modelName"]) | (
    st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,8}", fullmatch=True).filter(lambda n: n != "__name__")
)
# label values: anything printable, with the characters that matter to a splitter made likely
LABEL_VALUES = st.sampled_from(["", "GPU-0", "<<<NULL>>>", "a} 1 2"]) | st.text(
    st.sampled_from(list('}{",= #\\\t\né'))
    | st.characters(exclude_categories=("Cs",), exclude_characters="\r"),
    max_size=12,
)
VALUES = st.integers(-(10**9), 10**9).map(str) | st.floats(-1e12, 1e12, allow_nan=False).map(repr)
BLANK = st.sampled_from(["", " ", "\t", "  ", " \t"])  # around a line: sends it to the Python split


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@st.composite
def exposition(draw) -> tuple[str, int]:
    """A Prometheus text document (gauges, HELP/TYPE, blank lines, odd spacing, CRLF) and its sample count."""
    lines, n = [], 0
    for family in range(draw(st.integers(1, 3))):
        name = draw(NAMES)
        if draw(st.booleans()):
            lines += [f"# HELP {name} family {family}", f"# TYPE {name} gauge"]
        for _ in range(draw(st.integers(1, 4))):
            labels = draw(st.dictionaries(LABEL_NAMES, LABEL_VALUES, max_size=5))
            inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            series = f"{name}{{{inner}}}" if labels or draw(st.booleans()) else name
            sep = draw(st.sampled_from([" ", "\t"]))
            ts = T0_MS + n * 1000 + draw(st.integers(0, 999))  # one time per line: no duplicates
            lines.append(f"{draw(BLANK)}{series}{sep}{draw(VALUES)}{sep}{ts}{draw(BLANK)}")
            n += 1
            if draw(st.integers(0, 5)) == 0:
                lines.append(draw(BLANK))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline, n


def _reference(text: str) -> list[tuple]:
    """(metric, labels JSON, value, ms) of every sample, as prometheus_client reads the document."""
    return sorted(
        (s.name, normalize_labels(s.labels)[1], float(s.value), round(s.timestamp * 1000))
        for family in text_string_to_metric_families(text)
        for s in family.samples
    )


def _loaded(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return sorted(
        con.execute(
            "select metric, labels::varchar, value, epoch_ms(sampled_at) from raw.dcgm_samples"
        ).fetchall()
    )


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(exposition())
def test_samples_are_the_ones_prometheus_client_reads(doc):
    text, n = doc
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "node.prom"
        path.write_bytes(text.encode())
        cfg = config.load(env={"BURNRATE_WAREHOUSE": str(Path(tmp) / "wh.duckdb"), "BURNRATE_CONFIG": ""})
        with duckdb.connect(str(cfg.warehouse_path)) as con:
            summary = dcgm.ingest_files(con, cfg, [path], at=AT)
            quarantined = con.execute("select line, reason, raw from meta.quarantine").fetchall()
            assert quarantined == []
            assert summary.counts.new == n
            assert _loaded(con) == _reference(text)


def _snapshot(lines: list[str]) -> str:
    return "\n".join(["# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).", *lines]) + "\n"


def _series(gpu: int) -> str:
    return f'DCGM_FI_DEV_GPU_UTIL{{gpu="{gpu}",UUID="GPU-{gpu}",Hostname="h"}}'


FILES = {  # day by day; later days repeat and contradict earlier ones, inside a file and across files
    "a.prom": [f"{_series(0)} 10 {T0_MS}", f"{_series(1)} 20 {T0_MS}", f"{_series(0)} 11 {T0_MS + 30_000}"],
    "b.prom": [
        f"{_series(0)} 10 {T0_MS}",  # the same as in a.prom: unchanged
        f"{_series(1)} 21 {T0_MS}",  # contradicts a.prom: quarantined, a.prom's value stays
        f"{_series(1)} 22 {T0_MS + 30_000}",
        f"{_series(1)} 23 {T0_MS + 30_000}",  # contradicts the line before
        f"{_series(0)} eleven {T0_MS + 60_000}",
        f"  {_series(2)}\t5 {T0_MS}  ",  # the Python split
    ],
    "c.prom": [f"{_series(1)} 22 {T0_MS + 30_000}", f"{_series(1)} 24 {T0_MS + 30_000}", f"{_series(3)} 1"],
}


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        "rows": con.execute(
            "select * exclude (_batch_id, _ingested_at) from raw.dcgm_samples order by all"
        ).fetchall(),
        "quarantine": con.execute(
            "select location, line, field, reason, raw from meta.quarantine order by all"
        ).fetchall(),
        "files": con.execute(
            "select path, rows_loaded, rows_quarantined from meta.ingest_files order by all"
        ).fetchall(),
    }


def test_one_batch_of_files_loads_as_the_files_one_by_one(tmp_path):
    folder = tmp_path / "snapshots"
    folder.mkdir()
    for name, lines in FILES.items():
        (folder / name).write_text(_snapshot(lines))
    states, summaries = [], []
    for run, groups in enumerate([[folder], [[folder / name] for name in FILES]]):
        cfg = config.load(env={"BURNRATE_WAREHOUSE": str(tmp_path / f"w{run}.duckdb"), "BURNRATE_CONFIG": ""})
        with duckdb.connect(str(cfg.warehouse_path)) as con:
            summaries.append(
                [dcgm.ingest_files(con, cfg, paths, at=AT) for paths in (groups if run else [groups])]
            )
            states.append(_state(con))
            batches = con.execute("select count(*) from meta.ingest_batches").fetchone()[0]
            assert batches == (len(FILES) if run else 1)
    assert states[0] == states[1]
    together, apart = summaries[0][0].counts, summaries[1]
    assert together.as_dict() == {k: sum(s.counts.as_dict()[k] for s in apart) for k in together.as_dict()}
    assert (together.new, together.unchanged, together.quarantined) == (6, 2, 4)
    reasons = [r[3] for r in states[0]["quarantine"]]
    assert "sample already loaded with value 20.0, now 21.0 (the first value is kept)" in reasons
    assert "sample already read with value 22.0, now 23.0 (the first value is kept)" in reasons
    assert "sample already read with value 22.0, now 24.0 (the first value is kept)" in reasons
