"""Marts built on Spark, brought home: `burnrate build --target spark` copies the `marts` schema Spark built into
the DuckDB warehouse and publishes the snapshot as usual, so the dashboard, `burnrate sql`, detection and
alerts read them exactly as they read marts DuckDB built.

The copy reads each mart's Parquet files where Spark wrote them (local in session mode; DuckDB reads s3://,
gs:// and az:// paths through its httpfs/azure extensions when Spark's catalog points there); an empty mart
(no files) is copied through Arrow. Only a Spark session in this process (profile `spark`, method session) is
read here: with a Thrift server or Databricks the marts stay in that catalog (see the README).
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)


def export_root(root: str) -> str:
    """A local export root as an absolute path (Spark reads a relative location under its own warehouse)."""
    return root if "://" in root else str(Path(root).resolve())


def existing_exports(root: str, project: Path) -> tuple[dict[str, list[str]], list[str]]:
    """vars.spark_exports of the dbt project without the globs that match no file under a local `root` (Spark
    cannot make a table over nothing), and those globs; a URL root (s3a://…) is taken as it is."""
    import yaml

    exports: dict[str, list[str]] = yaml.safe_load((project / "dbt_project.yml").read_text())["vars"][
        "spark_exports"
    ]
    if "://" in root:
        return exports, []
    kept: dict[str, list[str]] = {}
    missing: list[str] = []
    for table, globs in exports.items():
        kept[table] = []
        for glob in globs or []:
            if "://" in glob:
                kept[table].append(glob)
                continue
            base, pattern = (Path("/"), glob.lstrip("/")) if glob.startswith("/") else (Path(root), glob)
            (kept[table] if next(base.glob(pattern), None) is not None else missing).append(glob)
    return kept, missing


def active_session():
    """The Spark session dbt-spark ran in (this process), or None (another method, or no Spark)."""
    try:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    if SparkContext._active_spark_context is None:
        return None
    return SparkSession.builder.getOrCreate()


def _location(spark, table: str) -> str:
    rows = spark.sql(f"describe table extended marts.`{table}`").where("col_name = 'Location'").collect()
    return rows[0].data_type if rows else ""


def load_marts(con: duckdb.DuckDBPyConnection, spark) -> list[str]:
    """Replace the warehouse's marts with every table of Spark's `marts` schema; returns their names."""
    tables = [r.tableName for r in spark.sql("show tables in marts").collect() if not r.isTemporary]
    con.execute("create schema if not exists marts")
    for table in tables:
        location = _location(spark, table).removeprefix("file:")
        files = f"{location.rstrip('/')}/**/*.parquet"
        has_files = bool(location) and con.execute("select count(*) from glob(?)", [files]).fetchone()[0] > 0
        if has_files:
            con.execute(
                f'create or replace table marts."{table}" as '
                "select * from read_parquet(?, hive_partitioning = true, union_by_name = true)",
                [files],
            )
        else:
            empty = spark.table(f"marts.`{table}`").limit(0).toArrow()  # noqa: F841 (read by DuckDB)
            con.execute(f'create or replace table marts."{table}" as select * from empty')
        log.info("copied marts.%s from Spark (%s)", table, location or "empty")
    return tables
