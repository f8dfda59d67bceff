"""The same dbt project on Apache Spark: `burnrate build --target spark` on a local Spark session, reading a
small demo workload's export files, gives the marts the DuckDB build of the same files gives (row counts, and
money to the cent), and publishes them in the snapshot the dashboard reads.

Runs when pyspark and dbt-spark are installed (`pip install -e '.[dev,spark]'`; `make test-spark` does it in
its own virtualenv); skipped otherwise. Spark runs in-process, local[2], its catalog in a temporary folder.
"""

from __future__ import annotations

import importlib
import time
from decimal import Decimal

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("dbt.adapters.spark")

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(1800)]

# The export files the ingesters read; API pages are pulled, not exported, so neither engine reads them here.
EXPORT_FOLDERS = [
    ("ingest.langfuse", "langfuse/export"),
    ("ingest.helicone", "helicone/export"),
    ("ingest.billing", "billing"),
    ("ingest.dcgm", "dcgm/snapshots"),
]


def _marts(con) -> dict[str, tuple]:
    """Per mart: (money columns, row count, their sums in cents)."""
    figures = {}
    tables = con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    ).fetchall()
    for (table,) in tables:
        money = _money_columns(con, table)
        row = con.execute(
            f"select count(*){''.join(f', sum({c})' for c in money)} from marts.{table}"
        ).fetchone()
        figures[table] = (money, row[0], [_cents(v) for v in row[1:]])
    return figures


def _money_columns(con, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
        "and data_type like 'DECIMAL%' and (column_name like '%cost%' or column_name like '%usd%') "
        "order by ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _cents(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Both builds of one small workload: (DuckDB's marts, Spark's marts as published, seconds per engine)."""
    from burnrate import warehouse
    from burnrate.build import build
    from tests.workload import generate, workload_config

    root = tmp_path_factory.mktemp("spark_workload")
    demo = generate(root, days=2, requests_per_day=200)
    cfg = workload_config(root)
    with warehouse.writer(cfg) as con:
        for module, folder in EXPORT_FOLDERS:
            summary = importlib.import_module(module).ingest_files(con, cfg, [demo / folder])
            assert not summary.failures, summary.failures
        # Spark reads DCGM samples as Parquet in raw.dcgm_samples' columns (a Prometheus/exporter job's output
        # at scale); here they are the ones just ingested from the text snapshots.
        (demo / "dcgm" / "parquet").mkdir()
        con.execute(
            f"copy raw.dcgm_samples to '{demo / 'dcgm' / 'parquet' / 'samples.parquet'}' (format parquet)"
        )
    started = time.monotonic()
    result = build(cfg, show_progress=False)
    seconds = {"duckdb": time.monotonic() - started}
    assert result.success, result.failures
    with warehouse.reader(cfg, live=True) as con:
        duck = _marts(con)

    # Spark: its own (empty) warehouse, which the Spark marts are copied into and published from
    mp = pytest.MonkeyPatch()
    mp.setenv("BURNRATE_SPARK_DIR", str(root / "spark"))
    mp.setenv("BURNRATE_SPARK_EXPORT_ROOT", str(demo))
    mp.setenv("BURNRATE_SPARK_MASTER", "local[2]")
    spark_cfg = workload_config(root / "spark_warehouse")
    started = time.monotonic()
    try:
        result = build(spark_cfg, target="spark", show_progress=False)
        seconds["spark"] = time.monotonic() - started
    finally:
        mp.undo()
        from burnrate import spark

        session = spark.active_session()
        if session is not None:
            session.stop()
    assert result.success, result.failures
    assert result.marts_published
    with warehouse.reader(spark_cfg) as con:  # the published snapshot, as the dashboard reads it
        on_spark = _marts(con)
    print(f"\nbuild seconds: duckdb {seconds['duckdb']:.1f}, spark {seconds['spark']:.1f}")
    for table, figures in duck.items():
        print(table, "duckdb", figures[1:], "spark", on_spark.get(table, (None,))[1:])
    return duck, on_spark, seconds


def test_every_mart_builds_on_spark(builds):
    duck, spark, _ = builds
    assert set(spark) == set(duck)
    assert {"fct_llm_requests", "fct_cloud_costs_daily", "fct_gpu_usage_hourly", "dim_teams"} <= set(duck)


def test_row_counts_and_money_equal_duckdb_to_the_cent(builds):
    duck, spark, _ = builds
    assert {t: spark.get(t) for t in duck} == duck
    assert duck["fct_llm_requests"][1] > 0 and duck["fct_cloud_costs_daily"][1] > 0
