"""Property tests (hypothesis) over every parser: whatever the input, no crash, and every record is either
loaded or quarantined with a reason (or its whole file recorded as unreadable, with the reason).

Inputs are real records and fixture files with random damage: fields deleted or replaced by any JSON value,
garbage lines, cells replaced by any text; AI charge names built from the vocabularies' own words.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from burnrate import config
from ingest import ai_charges, dcgm, helicone, langfuse
from tests import dcgm_fixtures as fx
from tests.fakes.helicone_server import request
from tests.ingest.billing_helpers import FIXTURES, text
from tests.ingest.conftest import T0
from tests.ingest.test_ai_charges import CORPUS, _macros
from tests.ingest.test_langfuse_files import export_record

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and Infinity make the line invalid JSON
    | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
    max_leaves=6,
)
ONE_LINE = st.text(min_size=1, max_size=60).filter(lambda s: s.strip() and "\n" not in s and "\r" not in s)


@st.composite
def damaged(draw, record: dict) -> dict:
    """`record` with a few fields deleted or replaced by any JSON value."""
    rec = dict(record)
    for key in draw(st.lists(st.sampled_from(sorted(rec)), max_size=3, unique=True)):
        if draw(st.booleans()):
            del rec[key]
        else:
            rec[key] = draw(JSON_VALUES)
    return rec


def _env(tmp: Path) -> tuple[config.Config, duckdb.DuckDBPyConnection]:
    cfg = config.load(env={"BURNRATE_WAREHOUSE": str(tmp / "wh.duckdb"), "BURNRATE_CONFIG": ""})
    con = duckdb.connect(str(cfg.warehouse_path))
    con.execute("SET TimeZone = 'UTC'")
    return cfg, con


def _accounted(con, summary, path: Path, records: int) -> None:
    """Every record of `path` loaded or quarantined with a reason, or the file recorded as unreadable."""
    quarantined = con.execute(
        "select count(*), count(*) filter (where coalesce(reason, '') = '') from meta.quarantine where location = ?",
        [str(path)],
    ).fetchone()
    assert quarantined[1] == 0, "a quarantined record without a reason"
    if summary.failures:
        assert (
            len(summary.failures) == 1 and summary.failures[0].startswith(str(path)) and quarantined[0] == 1
        )
        return
    c = summary.counts
    assert c.new + c.updated + c.unchanged + c.quarantined + summary.skipped == records, summary.line()
    assert quarantined[0] == c.quarantined


LLM_SHAPES = {
    "langfuse export": (
        langfuse,
        lambda i: export_record(i, id=f"obs-{i}"),
        "obs/2026-11-01T00-00-00Z.jsonl",
    ),
    "helicone export": (helicone, lambda i: request(i, T0), "export/helicone_export_2026-11-01.jsonl"),
}


@SETTINGS
@given(data=st.data(), shape=st.sampled_from(sorted(LLM_SHAPES)), gz=st.booleans())
def test_llm_export_lines_are_loaded_or_quarantined(data, shape, gz):
    module, make, name = LLM_SHAPES[shape]
    records = [data.draw(damaged(make(i))) for i in range(data.draw(st.integers(1, 6)))]
    lines = [json.dumps(r) for r in records] + data.draw(st.lists(ONE_LINE, max_size=2))
    lines = data.draw(st.permutations(lines))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (name + (".gz" if gz else ""))
        path.parent.mkdir(parents=True)
        body = ("\n".join(lines) + "\n").encode()
        path.write_bytes(gzip.compress(body) if gz else body)
        cfg, con = _env(Path(tmp))
        summary = module.ingest_files(con, cfg, [path])
        _accounted(con, summary, path, len(lines))


@SETTINGS
@given(data=st.data(), pages=st.integers(1, 3))
def test_saved_api_pages_are_loaded_or_quarantined(data, pages):
    with tempfile.TemporaryDirectory() as tmp:
        cfg, con = _env(Path(tmp))
        folder = Path(tmp) / "api"
        folder.mkdir()
        sizes = {}
        for k in range(pages):
            recs = [data.draw(damaged(request(k * 10 + i, T0))) for i in range(data.draw(st.integers(0, 4)))]
            path = folder / f"query_clickhouse_page_{k:05d}.json"
            path.write_text(json.dumps({"data": recs, "error": None}))
            sizes[path] = len(recs)
        summary = helicone.ingest_files(con, cfg, [folder])
        # a page that cannot be read as a whole (its first record no longer looks like a request) is
        # recorded with the reason; every record of the other pages is loaded or quarantined
        for failed in summary.failures:
            reason = con.execute("select reason from meta.quarantine where location = ?", [failed]).fetchone()
            assert reason[0].startswith("file could not be read: ")
        c = summary.counts
        readable = sum(n for p, n in sizes.items() if str(p) not in summary.failures)
        assert c.new + c.updated + c.unchanged + c.quarantined - len(summary.failures) == readable
        assert not con.execute(
            "select count(*) from meta.quarantine where coalesce(reason, '') = ''"
        ).fetchone()[0]


BILLING_FIXTURES = sorted(p for p in FIXTURES.iterdir() if p.name.endswith((".csv", ".csv.gz", ".jsonl")))


@SETTINGS
@given(data=st.data(), fixture=st.sampled_from(BILLING_FIXTURES))
def test_billing_rows_are_loaded_or_quarantined(data, fixture):
    """FOCUS 1.0/1.1/1.2, CUR 2.0 and legacy, Azure EA/MCA and GCP rows with damaged cells."""
    from ingest import billing

    body = text(fixture)
    if fixture.name.endswith(".jsonl"):
        rows = [json.loads(line) for line in body.splitlines() if line.strip()]
        rows = [data.draw(damaged(r)) for r in rows]
        out = "\n".join(json.dumps(r) for r in rows) + "\n"
    else:
        table = list(csv.reader(io.StringIO(body)))
        header, rows = table[0], table[1:]
        for _ in range(data.draw(st.integers(0, 4)) if rows else 0):
            r, c = data.draw(st.integers(0, len(rows) - 1)), data.draw(st.integers(0, len(header) - 1))
            rows[r][c] = data.draw(st.text(max_size=15))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([header, *rows])
        out = buf.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / fixture.name
        path.write_bytes(gzip.compress(out.encode()) if fixture.name.endswith(".gz") else out.encode())
        cfg, con = _env(Path(tmp))
        summary = billing.ingest_files(con, cfg, [path])
        if summary.failures:
            _accounted(con, summary, path, len(rows))
            return
        loaded = con.execute(
            "select sum(rows_loaded), sum(rows_quarantined) from meta.ingest_files where path = ?",
            [str(path)],
        ).fetchone()
        assert loaded[0] + loaded[1] == len(rows), summary.line()
        assert not con.execute(
            "select count(*) from meta.quarantine where coalesce(reason, '') = ''"
        ).fetchone()[0]


@SETTINGS
@given(data=st.data())
def test_dcgm_text_with_garbage_lines_loads_every_good_sample(data):
    with tempfile.TemporaryDirectory() as tmp:
        [path, *_] = fx.write_snapshots(fx.make_samples(2), Path(tmp) / "snap")
        lines = path.read_text().splitlines()
        good = sum(1 for line in lines if line and not line.startswith("#"))
        for garbage in data.draw(st.lists(ONE_LINE, min_size=1, max_size=4)):
            lines.insert(data.draw(st.integers(0, len(lines))), garbage)
        path.write_text("\n".join(lines) + "\n")
        cfg, con = _env(Path(tmp))
        summary = dcgm.ingest_files(con, cfg, [path], at=T0)
        assert not con.execute(
            "select count(*) from meta.quarantine where coalesce(reason, '') = ''"
        ).fetchone()[0]
        assert not summary.failures
        c = summary.counts
        # the fixture's own lines all count (blank sentinels skipped); garbage lines add at most one each
        assert good <= c.new + c.unchanged + c.quarantined + summary.skipped <= len(lines)


def _words(name: str) -> list[str]:
    """The vocabulary's own words and separators, from its examples."""
    import re

    examples = CORPUS[name][0]
    return sorted({w for text in examples for w in re.split(r"([ \-.()])", text) if w})


@settings(max_examples=60, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(CORPUS)))
def test_ai_charge_names_parse_or_not_and_duckdb_agrees_with_python(data, name):
    """Bedrock usage types, Azure meter names, Vertex SKUs: any string built from their words (and any
    text) is a token charge of a known type or not one at all, and the dbt macros say the same as Python."""
    vocab = ai_charges.VOCABULARIES[name]
    words = _words(name)
    word_soup = st.lists(st.sampled_from(words), min_size=1, max_size=10).map("".join)
    texts = data.draw(st.lists(word_soup | st.text(max_size=30), min_size=1, max_size=20))
    names = ("token_type", *vocab.fields)
    module = _macros().module
    exprs = [getattr(module, f"ai_{vocab.name}_{n}")("v") for n in names]
    rows = duckdb.connect().execute(
        f"select v, {', '.join(exprs)} from unnest(?::varchar[]) with ordinality t(v, i) order by i", [texts]
    )
    for text_, *values in rows.fetchall():
        parsed = vocab.parse(text_)
        if parsed is not None:
            assert parsed["token_type"] in ai_charges.TOKEN_TYPES, text_
        expected = [None] * len(names) if parsed is None else [parsed[n] for n in names]
        assert values == expected, text_
