"""A real Prometheus server for tests, loaded with given samples by backfilling (no scraping, no clock games).

`PrometheusServer(openmetrics_file, workdir)`:
1. `promtool tsdb create-blocks-from openmetrics <file> <tsdb>` turns the samples into TSDB blocks;
2. `/usr/bin/prometheus` starts on 127.0.0.1:<free port> over that TSDB with a config that scrapes nothing
   (so the head stays empty and nothing competes with the backfilled blocks) and a 100-year retention:
   retention is measured back from the newest block, and the fixtures' blocks must never be deleted;
3. waits for `/-/ready`; `stop()` terminates it (and kills it after 10 s).

Prometheus and promtool come from Debian's `prometheus` package (`make system-deps`); a missing binary
fails the test with that instruction instead of skipping it, because CI installs it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


def require_binaries() -> None:
    missing = [p for p in (PROMETHEUS, PROMTOOL) if not Path(p).is_file() and not shutil.which(Path(p).name)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: run `make system-deps` (Debian package prometheus)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrometheusServer:
    def __init__(self, openmetrics: Path, workdir: Path):
        require_binaries()
        self.workdir = workdir
        self.tsdb = workdir / "tsdb"
        self.log = workdir / "prometheus.log"
        self.proc: subprocess.Popen | None = None
        backfill = subprocess.run(
            [PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(openmetrics), str(self.tsdb)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if backfill.returncode != 0:
            raise RuntimeError(f"promtool backfill failed: {backfill.stderr or backfill.stdout}")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> PrometheusServer:
        config = self.workdir / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1m\nscrape_configs: []\n")
        self.proc = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.tsdb}",
                "--storage.tsdb.retention.time=100y",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=open(self.log, "w"),  # noqa: SIM115 - the child owns it
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"prometheus not ready after 30 s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
