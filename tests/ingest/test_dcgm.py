"""dcgm-exporter text into raw.dcgm_samples: real exporter output, label variants, blanks, bad lines, re-runs."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime

import duckdb
import pytest

from ingest import dcgm
from tests import dcgm_fixtures as fx
from tests.conftest import SAMPLES

AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LINEAGE = "_batch_id, _location, _line, _ingested_at"


@pytest.fixture
def con(cfg):
    c = duckdb.connect(str(cfg.warehouse_path))
    yield c
    c.close()


def rows(con, where="true"):
    cur = con.execute(f"select * exclude ({LINEAGE}) from raw.dcgm_samples where {where} order by _line")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def quarantine(con):
    return con.execute("select line, field, reason, raw from meta.quarantine order by line").fetchall()


def test_real_dcgm_exporter_output(con, cfg):
    """DataDog's fixture of real dcgm-exporter output: T4 nodes (`Hostname`), dummy unlabeled lines, an
    A10G with Kubernetes labels; comments (# NOTE) and counters without `_total` as they are."""
    summary = dcgm.ingest_files(con, cfg, [SAMPLES / "dcgm" / "metrics.txt"], at=AT)
    sample_lines = [
        line
        for line in (SAMPLES / "dcgm" / "metrics.txt").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert (summary.counts.new, summary.counts.quarantined, summary.skipped) == (len(sample_lines), 0, 0)
    assert "sampled_at = --at 2026-11-01T12:00:00Z" in summary.line()
    got = rows(con)
    first = got[0]
    assert first["metric"] == "DCGM_FI_DEV_SM_CLOCK" and first["value"] == 300.0
    assert first["sampled_at"] == datetime(2026, 11, 1, 12, 0)
    assert (first["hostname"], first["gpu"], first["uuid"], first["device"], first["model_name"]) == (
        "424773df46e0",
        "0",
        "GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e",
        "nvidia0",
        "Tesla T4",
    )
    assert first["pod"] is None and first["pci_bus_id"] is None
    assert json.loads(first["labels"])["DCGM_FI_DRIVER_VERSION"] == "460.106.00"
    energy = next(r for r in got if r["metric"].startswith("DCGM_FI_DEV_TOTAL_ENERGY"))
    assert energy["metric"] == "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"  # no `_total` invented
    dummy = next(r for r in got if r["metric"] == "DCGM_FI_DEV_FAN_SPEED")
    assert dummy["hostname"] is None and dummy["labels"] == "{}"
    a10g = got[-1]
    assert (a10g["model_name"], a10g["pod"], a10g["namespace"], a10g["container"]) == (
        "NVIDIA A10G",
        "ray-1111111",
        "ray-llm",
        "ray-worker",
    )
    assert a10g["value"] == 0.000003


LABEL_VARIANTS = """\
# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a",pci_bus_id="00000000:10:00.0",device="nvidia0",modelName="NVIDIA L40S",hostname="new-node"} 41
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-b",device="nvidia0",modelName="NVIDIA A100-SXM4-80GB",GPU_I_PROFILE="3g.40gb",GPU_I_ID="2",Hostname="mig-node",container="c",namespace="ns",pod="p"} 42
DCGM_FI_DEV_GPU_UTIL{gpu="1",uuid="GPU-c",device="nvidia1",modelName="Tesla V100",Hostname="old-node",container_name="c1",pod_namespace="ns1",pod_name="p1"} 43
DCGM_FI_DEV_GPU_UTIL{gpu="2",UUID="GPU-d",device="nvidia2",modelName="NVIDIA L4",Hostname="k8s-node",container="",namespace="",pod=""} 0
DCGM_FI_DEV_GPU_UTIL{gpu="3",UUID="GPU-e",Hostname="k8s-node",pod="dcgm-exporter-x",exported_pod="web-1",exported_namespace="shop",exported_container="app",DCGM_FI_DEV_SERIAL="<<<NULL>>>"} 44
"""


def test_label_variants_normalise_to_the_same_columns(con, cfg, tmp_path):
    path = tmp_path / "variants.prom"
    path.write_text(LABEL_VARIANTS)
    dcgm.ingest_files(con, cfg, [path], at=AT)
    got = {r["uuid"]: r for r in rows(con)}
    assert (got["GPU-a"]["hostname"], got["GPU-a"]["pci_bus_id"]) == ("new-node", "00000000:10:00.0")
    assert (got["GPU-b"]["gpu_i_profile"], got["GPU-b"]["gpu_i_id"], got["GPU-b"]["pod"]) == (
        "3g.40gb",
        "2",
        "p",
    )
    assert (got["GPU-c"]["pod"], got["GPU-c"]["namespace"], got["GPU-c"]["container"]) == ("p1", "ns1", "c1")
    idle = got["GPU-d"]
    assert (idle["pod"], idle["namespace"], idle["container"]) == (None, None, None)
    assert "pod" not in json.loads(idle["labels"])  # empty label = absent label, as in Prometheus
    relabelled = got["GPU-e"]
    assert (relabelled["pod"], relabelled["namespace"], relabelled["container"]) == ("web-1", "shop", "app")
    assert "DCGM_FI_DEV_SERIAL" not in json.loads(relabelled["labels"])  # <<<NULL>>> is no value


BLANKS = """\
DCGM_FI_DEV_MEMORY_TEMP{gpu="0",UUID="GPU-a",Hostname="h"} 9223372036854775794
DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-a",Hostname="h"} 9223372036854775792
DCGM_FI_DEV_ENC_UTIL{gpu="0",UUID="GPU-a",Hostname="h"} 2147483632
DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",Hostname="h"} 140737488355328.000000
DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-a",Hostname="h"} <<<NULL>>>
DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-a",Hostname="h"} NaN
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a",Hostname="h"} 97
"""


def test_blank_sentinels_are_skipped_not_quarantined(con, cfg, tmp_path):
    path = tmp_path / "blanks.prom"
    path.write_text(BLANKS)
    summary = dcgm.ingest_files(con, cfg, [path], at=AT)
    assert (summary.counts.new, summary.skipped, summary.counts.quarantined) == (1, 6, 0)
    assert "6 skipped" in summary.line()
    assert [(r["metric"], r["value"]) for r in rows(con)] == [("DCGM_FI_DEV_GPU_UTIL", 97.0)]
    assert (
        con.execute("select message from meta.ingest_batches").fetchone()[0]
        == "6 blank or NaN values skipped"
    )


MALFORMED = """\
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 10 1793577600000
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a" 11 1793577660000
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} eleven 1793577660000
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 12 yesterday
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} +Inf 1793577720000
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 13 1793577780000 extra
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"}
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 14 1793577840000.5
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 1_5 1793577900000
9bad_name 16 1793577960000
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 17 1793578020000
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 18 99999999999999999999999
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 19 999999999999999
"""


def test_malformed_lines_are_quarantined_with_line_and_reason(con, cfg, tmp_path):
    path = tmp_path / "bad.prom"
    path.write_text(MALFORMED)
    summary = dcgm.ingest_files(con, cfg, [path])
    assert (summary.counts.new, summary.counts.quarantined) == (2, 11)
    assert [r["value"] for r in rows(con)] == [10.0, 17.0]
    got = {line: (field, reason, raw) for line, field, reason, raw in quarantine(con)}
    assert sorted(got) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    assert got[2][1].startswith("line: not a Prometheus sample") and got[2][2].startswith(
        "DCGM_FI_DEV_GPU_UTIL{"
    )
    assert got[3][:2] == ("value", "value: eleven is not a number")
    assert got[4][:2] == ("timestamp", "timestamp: yesterday is not milliseconds since the epoch")
    assert got[5][1] == "value: +Inf is not a measurement"
    assert got[6][1].startswith('line: expected "<series> <value> [<timestamp>]", found 3 fields')
    assert got[7][1] == "value: missing"
    assert got[8][1] == "timestamp: 1793577840000.5 is not milliseconds since the epoch"
    assert got[9][1] == "value: 1_5 is not a number"
    assert got[10][1].startswith("line: not a Prometheus sample")
    assert got[12][1] == "timestamp: 99999999999999999999999 is out of range"
    assert got[13][1] == "timestamp: 999999999999999 ms is outside years 1970-9999"
    assert all(raw for _, _, raw in got.values())


def test_snapshots_with_timestamps_openmetrics_and_gzip_give_the_same_rows(cfg, tmp_path):
    """The generator's layout (many scrapes per file, ms timestamps), the same samples as OpenMetrics
    (seconds), and gzip-compressed snapshots all load to identical rows."""
    samples = fx.make_samples(steps=6)
    snapshots = fx.write_snapshots(samples, tmp_path / "snapshots")
    openmetrics = fx.write_openmetrics(samples, tmp_path / "dcgm.om")
    zipped = tmp_path / "zipped"
    for path in snapshots:
        target = zipped / path.parent.name / (path.name + ".gz")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(path.read_bytes()))
    results = []
    for i, source in enumerate([[tmp_path / "snapshots"], [openmetrics], [zipped]]):
        con = duckdb.connect(str(tmp_path / f"w{i}.duckdb"))
        summary = dcgm.ingest_files(con, cfg, source)
        assert summary.counts.new == fx.expected_rows(samples), source
        assert not summary.notes  # every line had its own timestamp
        results.append(
            con.execute(f"select * exclude ({LINEAGE}) from raw.dcgm_samples order by all").fetchall()
        )
        con.close()
    assert results[0] == results[1] == results[2]
    first = min(r[0] for r in results[0])
    assert first == datetime.fromtimestamp(fx.BASE_S, UTC).replace(tzinfo=None)


def test_mtime_is_the_sample_time_of_a_raw_scrape(con, cfg, tmp_path):
    path = tmp_path / "node.prom"
    path.write_text('DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a",Hostname="h"} 5\n')
    mtime = datetime(2026, 10, 30, 8, 15, 30, tzinfo=UTC).timestamp()
    os.utime(path, (mtime, mtime))
    summary = dcgm.ingest_files(con, cfg, [path])
    assert "1 samples in 1 file had no timestamp: sampled_at = the file's modification time" in summary.line()
    assert rows(con)[0]["sampled_at"] == datetime(2026, 10, 30, 8, 15, 30)


def test_rerun_skips_unchanged_files_and_a_grown_file_adds_only_new_samples(con, cfg, tmp_path):
    path = tmp_path / "h.prom"
    first = 'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 10 1793577600000\n'
    path.write_text(first)
    assert dcgm.ingest_files(con, cfg, [tmp_path]).counts.new == 1
    again = dcgm.ingest_files(con, cfg, [tmp_path])
    assert (again.counts.new, again.files_skipped) == (0, 1)
    path.write_text(
        first
        + 'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 11 1793577660000\n'
        + 'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 99 1793577600000\n'  # same sample, another value
    )
    grown = dcgm.ingest_files(con, cfg, [path])
    assert (grown.counts.new, grown.counts.unchanged, grown.counts.quarantined) == (1, 1, 1)
    assert [r["value"] for r in rows(con)] == [10.0, 11.0]  # the first value stays
    (reason,) = con.execute("select reason from meta.quarantine").fetchone()
    assert reason == "sample already read with value 10.0, now 99.0 (the first value is kept)"


def test_an_unreadable_file_is_recorded_and_the_others_load(con, cfg, tmp_path):
    (tmp_path / "broken.prom.gz").write_bytes(b"\x1f\x8b\x08\x00not really gzip")
    (tmp_path / "good.prom").write_text('DCGM_FI_DEV_GPU_UTIL{gpu="0"} 1 1793577600000\n')
    (tmp_path / "latin1.prom").write_bytes(
        'DCGM_FI_DEV_GPU_UTIL{gpu="1",pod="caf\xe9"} 2\n'.encode("latin-1")
    )
    (tmp_path / "other.prom").write_text('DCGM_FI_DEV_GPU_UTIL{gpu="2"} 3 1793577600000\n')
    summary = dcgm.ingest_files(con, cfg, [tmp_path])
    assert (summary.counts.new, summary.files_loaded, len(summary.failures)) == (2, 2, 2)
    messages = con.execute(
        "select message from meta.ingest_batches where status = 'failed' order by location"
    ).fetchall()
    assert [m[0].split(":")[0] for m in messages] == ["file could not be read"] * 2
    assert "UnicodeDecodeError" in messages[1][0]
    assert con.execute("select count(*) from meta.ingest_files").fetchone()[0] == 2  # retried next run
