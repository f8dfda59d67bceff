"""Files arriving in any order, or empty first: nothing lost, nothing counted twice (docs/reliability.md).

The other arrival faults have their tests beside the source: the same export twice and changed files
(test_langfuse_files, test_billing_exports), a re-issued month (test_billing_exports), truncated gzip
(test_file_batches, test_billing_cli), other schema versions (test_focus, test_aws_cur, test_azure_costs,
test_langfuse_files' legacy exports).
"""

from __future__ import annotations

import gzip
import itertools
import json
import shutil

import pytest

from ingest import billing, dcgm, helicone, langfuse
from tests import dcgm_fixtures as fx
from tests.fakes.helicone_server import request
from tests.ingest.billing_helpers import FIXTURES
from tests.ingest.conftest import T0, rows
from tests.ingest.test_langfuse_files import export_record, write_jsonl


def _versions(d):
    """Three export files, each a later version of the same observations plus new ones."""
    files = []
    for k in range(3):
        recs = [
            export_record(i, total_cost=0.1 * (k + 1), updated_at=f"2026-11-0{k + 1}T00:00:00.000Z")
            for i in range(k * 2, k * 2 + 4)
        ]
        files.append(write_jsonl(d / f"2026-11-0{k + 1}T00-00-00Z.jsonl.gz", recs))
    return files


@pytest.mark.parametrize("order", list(itertools.permutations(range(3)))[1:])
def test_llm_files_in_any_order_end_with_the_rows_of_the_chronological_order(cfg, con, tmp_path, order):
    files = _versions(tmp_path / "exp")
    for f in files:
        langfuse.ingest_files(con, cfg, [f])
    expected = rows(con, "raw.langfuse_observations", "id")
    con.execute("drop schema raw cascade")
    con.execute("drop schema meta cascade")
    counts = [langfuse.ingest_files(con, cfg, [files[k]]).counts for k in order]
    assert rows(con, "raw.langfuse_observations", "id") == expected
    assert sum(c.new for c in counts) == len(expected) == 8


def test_dcgm_days_in_any_order_give_the_same_samples(cfg, con, tmp_path):
    paths = fx.write_snapshots(fx.make_samples(steps=24), tmp_path / "snap")
    assert len({p.name for p in paths}) == 2  # the run crosses midnight: two days per host
    for p in sorted(paths, key=lambda p: p.name, reverse=True):  # the later day first
        dcgm.ingest_files(con, cfg, [p])
    late_first = rows(con, "raw.dcgm_samples", "all")
    con.execute("drop schema raw cascade")
    con.execute("drop schema meta cascade")
    dcgm.ingest_files(con, cfg, paths)
    assert rows(con, "raw.dcgm_samples", "all") == late_first


def _fill_llm(path, module):
    if module is langfuse:
        write_jsonl(path, [export_record(i) for i in range(5)], gz=path.name.endswith(".gz"))
    else:
        path.write_text("\n".join(json.dumps(request(i, T0)) for i in range(5)) + "\n")


@pytest.mark.parametrize(
    ("module", "name", "empty"),
    [
        (langfuse, "2026-11-01T00-00-00Z.jsonl.gz", gzip.compress(b"")),
        (langfuse, "2026-11-01T00-00-00Z.jsonl", b""),
        (helicone, "helicone_export_2026-11-01.jsonl", b"\n \n"),
    ],
)
def test_an_empty_llm_file_loads_nothing_and_its_filled_version_loads(
    cfg, con, tmp_path, module, name, empty
):
    """Documented outcome: an empty export is loaded as zero rows; the same path with content is read again."""
    path = tmp_path / "exp" / name
    path.parent.mkdir()
    path.write_bytes(empty)
    s = module.ingest_files(con, cfg, [path])
    assert (s.files_loaded, s.counts.new, s.failures) == (1, 0, [])
    _fill_llm(path, module)
    s = module.ingest_files(con, cfg, [path])
    assert (s.files_loaded, s.counts.new) == (1, 5)


def test_an_empty_bill_is_recorded_and_its_filled_version_loads(cfg, con, tmp_path):
    """Documented outcome: a 0-byte bill is recorded as 'the file is empty' and not marked (an export still
    being written); a header-only bill is loaded as zero rows. Either way the full file loads later."""
    empty = tmp_path / "focus_1.2_google_2026-10.csv"
    empty.write_bytes(b"")
    header_only = tmp_path / "other" / "focus_1.2_google_2026-10.csv"
    header_only.parent.mkdir()
    fixture = FIXTURES / "focus_1.2_google_2026-10.csv"
    header_only.write_text(fixture.read_text().splitlines()[0] + "\n")
    s = billing.ingest_files(con, cfg, [empty, header_only])
    assert s.failures == [f"{empty}: the file is empty"] and s.files_loaded == 1
    assert (
        con.execute("select reason from meta.quarantine where location = ?", [str(empty)])
        .fetchone()[0]
        .endswith("the file is empty")
    )
    shutil.copy(fixture, empty)
    s = billing.ingest_files(con, cfg, [empty])
    assert s.files_loaded == 1 and not s.failures
    assert (
        con.execute("select count(*) from raw.focus_costs").fetchone()[0]
        == len(fixture.read_text().splitlines()) - 1
    )


def test_an_empty_dcgm_snapshot_loads_nothing_and_its_filled_version_loads(cfg, con, tmp_path):
    [path, *_] = fx.write_snapshots(fx.make_samples(steps=2), tmp_path / "snap")
    text = path.read_text()
    path.write_text("")
    s = dcgm.ingest_files(con, cfg, [path])
    assert (s.files_loaded, s.counts.new, s.failures) == (1, 0, [])
    path.write_text(text)
    s = dcgm.ingest_files(con, cfg, [path])
    assert s.files_loaded == 1 and s.counts.new > 0
