"""Pulling DCGM series from a real Prometheus gives the same rows as reading the exporter's text."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from burnrate import config
from ingest import dcgm, prometheus
from tests import dcgm_fixtures as fx
from tests.fakes.prometheus_proxy import PrometheusProxy
from tests.prometheus_server import PrometheusServer

SINCE = fx.BASE - timedelta(hours=1)
UNTIL = fx.BASE + timedelta(hours=3)
ROWS = "select * exclude (_batch_id, _location, _line, _ingested_at) from raw.dcgm_samples order by all"
METRICS = ",".join(m for m, _, _ in fx.METRICS)


def _server(tmp_path_factory, samples):
    work = tmp_path_factory.mktemp("prometheus")
    server = PrometheusServer(fx.write_openmetrics(samples, work / "dcgm.om"), work)
    return server.start()


@pytest.fixture(scope="module")
def aligned(tmp_path_factory):
    samples = fx.make_samples()
    server = _server(tmp_path_factory, samples)
    yield server, samples
    server.stop()


@pytest.fixture(scope="module")
def unaligned(tmp_path_factory):
    samples = fx.make_samples(offset_ms=7_250)  # scrapes 7.25 s after each 5-minute mark
    server = _server(tmp_path_factory, samples)
    yield server, samples
    server.stop()


def _cfg(monkeypatch, **settings):
    monkeypatch.setenv("BURNRATE_DCGM_METRICS", METRICS)
    for key, value in settings.items():
        monkeypatch.setenv(f"BURNRATE_DCGM_{key.upper()}", str(value))
    return config.load()


def _text_rows(tmp_path, cfg, samples):
    con = duckdb.connect(str(tmp_path / "text.duckdb"))
    dcgm.ingest_files(con, cfg, fx.write_snapshots(samples, tmp_path / "snapshots"))
    return con.execute(ROWS).fetchall()


@pytest.mark.prometheus
@pytest.mark.parametrize(
    "step, max_points", [(300, 250_000), (60, 40)], ids=["step=interval", "step<interval,small-windows"]
)
def test_same_samples_from_text_snapshots_and_prometheus(
    aligned, cfg, tmp_path, monkeypatch, step, max_points
):
    """The acceptance test: every row, every column but lineage, equal; blanks and NaN skipped on both."""
    server, samples = aligned
    cfg = _cfg(monkeypatch, step_seconds=step, max_points_per_query=max_points)
    con = duckdb.connect(str(cfg.warehouse_path))
    summary = prometheus.pull(con, cfg, url=server.url, since=SINCE, until=UNTIL)
    assert summary.counts.new == fx.expected_rows(samples)
    assert (summary.counts.unchanged, summary.counts.quarantined, summary.failures) == (0, 0, [])
    assert summary.skipped == len(samples) - fx.expected_rows(samples)
    windows = con.execute("select count(*) from meta.ingest_batches").fetchone()[0]
    assert windows == len(fx.METRICS) if max_points > 11_000 else windows > len(fx.METRICS) * 20
    assert con.execute(ROWS).fetchall() == _text_rows(tmp_path, cfg, samples)
    location = con.execute("select _location from raw.dcgm_samples limit 1").fetchone()[0]
    assert location.startswith(f"{server.url}/api/v1/query_range DCGM_FI_")


@pytest.mark.prometheus
def test_unaligned_scrapes_keep_their_own_timestamps(unaligned, cfg, tmp_path, monkeypatch):
    server, samples = unaligned
    cfg = _cfg(monkeypatch, step_seconds=300)
    con = duckdb.connect(str(cfg.warehouse_path))
    assert prometheus.pull(con, cfg, url=server.url, since=SINCE, until=UNTIL).counts.new == fx.expected_rows(
        samples
    )
    assert con.execute(ROWS).fetchall() == _text_rows(tmp_path, cfg, samples)
    assert con.execute("select distinct second(sampled_at) from raw.dcgm_samples").fetchall() == [(7,)]


@pytest.mark.prometheus
def test_incremental_pulls_resume_from_the_watermark_and_repull_the_lag(aligned, cfg, monkeypatch):
    server, samples = aligned
    cfg = _cfg(monkeypatch, step_seconds=300, lag_minutes=15)
    con = duckdb.connect(str(cfg.warehouse_path))
    middle = fx.BASE + timedelta(hours=1)
    first = prometheus.pull(con, cfg, url=server.url, until=middle)  # first run: dcgm.backfill_days back
    series = len({(s.metric, s.series()) for s in samples})
    second = prometheus.pull(con, cfg, url=server.url, until=UNTIL)
    assert first.counts.new + second.counts.new == fx.expected_rows(samples)
    assert 0 < second.counts.unchanged <= 4 * series  # the 15-minute lag window (4 evaluations), re-pulled
    marks = con.execute("select key, value from meta.ingest_state order by key").fetchall()
    assert [k for k, _ in marks] == sorted(m for m, _, _ in fx.METRICS)
    assert {v for _, v in marks} == {"2026-11-02T02:00:00Z"}
    again = prometheus.pull(con, cfg, url=server.url, since=SINCE, until=UNTIL)
    assert (again.counts.new, again.counts.unchanged) == (0, fx.expected_rows(samples))
    quiet = prometheus.pull(con, cfg, url=server.url, until=UNTIL)  # the lag window has no samples at all
    assert not quiet.loaded_anything and "not on the server in that time range" in quiet.line()


@pytest.mark.prometheus
def test_metrics_absent_on_the_server_are_skipped_with_a_note(aligned, cfg, monkeypatch):
    server, _ = aligned
    monkeypatch.setenv("BURNRATE_DCGM_METRICS", "DCGM_FI_DEV_GPU_UTIL,DCGM_FI_PROF_SM_ACTIVE")
    cfg = config.load()
    con = duckdb.connect(str(cfg.warehouse_path))
    summary = prometheus.pull(con, cfg, url=server.url, since=SINCE, until=UNTIL)
    assert summary.counts.new == 5 * 24
    assert "not on the server in that time range: DCGM_FI_PROF_SM_ACTIVE" in summary.line()


def _pull_through_proxy(server, monkeypatch, rule):
    """Pull the fixture's range through a proxy that answers some requests with Prometheus errors."""
    cfg = _cfg(monkeypatch, step_seconds=300)
    con = duckdb.connect(str(cfg.warehouse_path))
    with PrometheusProxy(server.url, rule) as proxy:
        return con, prometheus.pull(con, cfg, url=proxy.url, since=SINCE, until=UNTIL), proxy


@pytest.mark.prometheus
def test_a_window_too_large_for_the_server_is_split(aligned, cfg, monkeypatch):
    """Prometheus answers 422 when a query would load more than --query.max-samples: halve and retry."""
    server, samples = aligned

    def too_many(path, params):
        if path.endswith("query_range"):
            points = (float(params["end"][0]) - float(params["start"][0])) / float(params["step"][0]) + 1
            if points > 10:
                return 422, "execution", "query processing would load too many samples into memory"
        return None

    con, summary, proxy = _pull_through_proxy(server, monkeypatch, too_many)
    assert summary.counts.new == fx.expected_rows(samples) and not summary.failures
    assert {status for _, _, status in proxy.seen} == {200, 422}


@pytest.mark.prometheus
def test_a_rejected_query_is_recorded_and_the_watermark_stays(aligned, cfg, monkeypatch):
    server, _ = aligned

    def bad_data(path, params):
        if path.endswith("query_range") and "GPU_UTIL" in params["query"][0]:
            return 400, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries"
        return None

    con, summary, _ = _pull_through_proxy(server, monkeypatch, bad_data)
    assert len(summary.failures) == 1 and summary.counts.new > 0
    (reason,) = con.execute("select reason from meta.quarantine").fetchone()
    assert "HTTP 400" in reason and "exceeded maximum resolution of 11,000 points" in reason
    marks = dict(con.execute("select key, value from meta.ingest_state").fetchall())
    assert "DCGM_FI_DEV_GPU_UTIL" not in marks and len(marks) == len(fx.METRICS) - 1


def test_windows_respect_the_resolution_limit_and_tile_the_grid():
    step = 60
    for points in (1, 7, 11_000, 50_000):
        windows = prometheus.plan_windows(0, 30 * 86_400, step, points)
        assert windows[0][0] == 0 and windows[-1][1] == 30 * 86_400
        assert all(b + step == a for (_, b), (a, _) in zip(windows, windows[1:], strict=False))
        assert all((b - a) / step + 1 <= min(points, 11_000) for a, b in windows)
    assert prometheus.plan_windows(600, 0, 60, 10) == []


def test_public_url_hides_credentials():
    assert (
        prometheus.public_url("https://user:pw@prom.example:9090/prom/?x=1")
        == "https://prom.example:9090/prom"
    )
