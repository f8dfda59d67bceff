"""The dashboard never blocks the writer and never sees a lock error: page queries in a loop in another
process while a full rebuild and repeated publishes rewrite the warehouse — zero failed reads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from burnrate import config, warehouse
from burnrate.build import build

ROOT = Path(__file__).resolve().parents[2]


def test_zero_failed_reads_during_a_full_rebuild(built_cfg, tmp_path):
    shutil.copy(built_cfg.warehouse_path, tmp_path / "warehouse.duckdb")
    cfg = config.load(
        env={**os.environ, "BURNRATE_WAREHOUSE": str(tmp_path / "warehouse.duckdb"), "BURNRATE_CONFIG": ""}
    )
    with warehouse.writer(cfg) as con:
        warehouse.publish(con, cfg)
    stop, out = tmp_path / "stop", tmp_path / "reads.json"
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.app.read_loop", str(cfg.warehouse_path), str(stop), str(out)], cwd=ROOT
    )
    try:
        time.sleep(2)
        started = time.monotonic()
        result = build(
            cfg, full_refresh=True, show_progress=False
        )  # dbt rewrites every model, then publishes
        assert result.success, result.failures
        for _ in range(15):  # and a burst of snapshot swaps (each prunes the oldest)
            with warehouse.writer(cfg) as con:
                warehouse.publish(con, cfg)
        writer_seconds = time.monotonic() - started
    finally:
        stop.touch()
        reader.wait(timeout=120)
    reads = json.loads(out.read_text())
    print(
        f"\nconcurrent reads: {reads['reads']} queries, {reads['failures']} failed, "
        f"{reads['snapshots']} snapshots seen, writer busy {writer_seconds:.0f}s"
    )
    assert reads["failures"] == 0, reads["errors"]
    assert reads["reads"] >= 100 and reads["snapshots"] >= 3
