"""dcgm-exporter output: valid Prometheus text, OpenMetrics that promtool loads, load-following GPUs."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families

from burnrate.generate import generate
from burnrate.generate.dcgm import METRICS

PROMTOOL = shutil.which("promtool")


def test_snapshot_files_are_prometheus_text_with_ms_timestamps(workload):
    files = sorted((workload / "dcgm" / "snapshots").rglob("*.prom"))
    assert len(files) == 4 * 7
    for path in files[::7]:
        text = path.read_text()
        helps = Counter(line.split()[2] for line in text.splitlines() if line.startswith("# HELP"))
        assert set(helps) == {m for m, _t, _h in METRICS} and set(helps.values()) == {1}
        samples = [line for line in text.splitlines() if not line.startswith("#")]
        assert all(re.search(r" \d{13}$", s) for s in samples)
        families = {f.name: f for f in text_string_to_metric_families(text)}
        assert "DCGM_FI_DEV_GPU_UTIL" in families
        stamps = {s.timestamp for s in families["DCGM_FI_DEV_GPU_UTIL"].samples}
        assert len(stamps) == 288  # a scrape every 5 minutes


def test_hostname_label_styles_and_idle_gpus(workload):
    snaps = workload / "dcgm" / "snapshots"
    new = (snaps / "ip-10-40-15-102.ec2.internal").glob("*.prom")
    text_new = next(new).read_text()
    assert 'hostname="ip-10-40-15-102.ec2.internal"' in text_new and "pci_bus_id=" in text_new
    assert re.search(
        r'DCGM_FI_DEV_GPU_UTIL\{gpu="2",[^}]*DCGM_FI_DRIVER_VERSION="[^"]+"\}', text_new
    )  # no pod labels
    text_old = next((snaps / "ip-10-40-20-9.ec2.internal").glob("*.prom")).read_text()
    assert 'Hostname="ip-10-40-20-9.ec2.internal"' in text_old
    assert 'pod=""' in text_old and 'namespace="ml-batch"' in text_old


def test_gpu_utilisation_follows_the_request_load(workload):
    text = sorted((workload / "dcgm" / "snapshots" / "ip-10-40-14-77.ec2.internal").glob("*.prom"))[
        2
    ].read_text()
    by_hour: dict[int, list[float]] = {}
    for fam in text_string_to_metric_families(text):
        if fam.name == "DCGM_FI_DEV_GPU_UTIL":
            for s in fam.samples:
                by_hour.setdefault(int(s.timestamp // 3600 % 24), []).append(s.value)
    mean = {h: sum(v) / len(v) for h, v in by_hour.items()}
    assert max(mean.values()) > 2 * min(mean.values())
    assert mean[15] > mean[3]  # re-ranking follows business hours


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (Debian package `prometheus`)")
def test_openmetrics_file_loads_with_promtool(tmp_path):
    generate(tmp_path / "demo", days=2, requests_per_day=100)  # small: promtool takes ~5 s per day of samples
    om = tmp_path / "demo" / "dcgm" / "openmetrics" / "dcgm.om"
    assert om.read_text().endswith("# EOF\n")
    run = subprocess.run(
        [PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(om), str(tmp_path / "tsdb")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert list((tmp_path / "tsdb").iterdir())


def test_openmetrics_holds_the_same_samples_as_the_snapshots(workload):
    om_samples = sum(
        1 for line in (workload / "dcgm" / "openmetrics" / "dcgm.om").open() if not line.startswith("#")
    )
    prom_samples = sum(
        1
        for p in (workload / "dcgm" / "snapshots").rglob("*.prom")
        for line in p.open()
        if not line.startswith("#")
    )
    assert om_samples == prom_samples > 0
