"""`burnrate build`: run dbt (models + tests) on the warehouse, then publish the marts for readers.

dbt runs in-process through `dbtRunner`, under the warehouse's writer lock, with the profile in the repository
(`profiles.yml`) reading the warehouse path from the environment this module sets from `burnrate.toml`.
A progress bar follows dbt's node events; failures are listed one per line at the end.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import click

from burnrate import build_state, spark
from burnrate.cli import State, pass_state
from burnrate.config import Config
from burnrate.errors import BurnrateError

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[1]


class BuildFailed(BurnrateError):
    pass


@dataclass
class BuildResult:
    success: bool
    nodes: int = 0
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    marts_published: bool = False


def dbt_env(cfg: Config, target: str | None = None) -> dict[str, str]:
    """The environment variables profiles.yml and dbt_project.yml read."""
    duck = cfg.duckdb_settings
    return {
        "BURNRATE_WAREHOUSE": str(cfg.warehouse_path),
        "BURNRATE_WAREHOUSE_MEMORY_LIMIT": str(duck["memory_limit"]),
        "BURNRATE_WAREHOUSE_TEMP_DIRECTORY": str(duck["temp_directory"]),
        "BURNRATE_DBT_TARGET": target or cfg.dbt.target,
        "BURNRATE_DBT_THREADS": str(cfg.dbt.threads),
        "BURNRATE_SPARK_EXPORT_ROOT": spark.export_root(cfg.dbt.spark_export_root),
        "BURNRATE_SPARK_LOG4J2": (PROJECT_DIR / "spark-log4j2.properties").as_uri(),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def project_dir() -> Path:
    if not (PROJECT_DIR / "dbt_project.yml").is_file():
        raise BurnrateError(
            f"the dbt project is not next to the burnrate package ({PROJECT_DIR}); install Burnrate from its "
            "repository with `pip install -e .` (make demo does)"
        )
    return PROJECT_DIR


def run_dbt(
    cfg: Config,
    args: list[str],
    *,
    target: str | None = None,
    show_progress: bool = True,
    rebuild_from: dict[str, str] | None = None,
) -> BuildResult:
    """Invoke dbt with `args` (e.g. ["build"]) against the configured warehouse; never raises for test failures.

    `rebuild_from` (build_state.rebuild_from) reaches the macros as BURNRATE_REBUILD_FROM, not a dbt var: a
    changed --vars makes dbt re-parse the whole project, and it changes every day.
    """
    from dbt.cli.main import dbtRunner

    from burnrate.console import progress

    root = project_dir()
    os.environ.update(dbt_env(cfg, target))
    os.environ["BURNRATE_REBUILD_FROM"] = json.dumps(rebuild_from) if rebuild_from else ""
    cfg.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    result = BuildResult(success=False)
    state = {"task": None, "bar": None}

    def on_event(event) -> None:
        name = event.info.name
        bar = state["bar"]
        if name == "LogStartLine" and bar is not None:
            total = getattr(event.data, "total", 0)
            if state["task"] is None:
                state["task"] = bar.add_task("dbt build", total=total, unit="nodes")
        elif name == "NodeFinished":
            result.nodes += 1
            if bar is not None and state["task"] is not None:
                bar.update(state["task"], advance=1, description=f"dbt: {event.data.node_info.node_name}")
        elif name in {"RunResultError", "RunResultFailure"}:
            result.failures.append(event.info.msg)
        elif name in {"RunResultWarning", "RunResultWarningMessage"}:
            result.warnings.append(event.info.msg)

    cli_args = [
        *args,
        "--project-dir", str(root),
        "--profiles-dir", str(root),
        "--log-path", str(root / "target" / "logs"),
        "--log-level", "none",
        "--no-use-colors",
        "--log-level-file", "info",
    ]  # fmt: skip
    if show_progress:
        with progress() as bar:
            state["bar"] = bar
            res = dbtRunner(callbacks=[on_event]).invoke(cli_args)
    else:
        res = dbtRunner(callbacks=[on_event]).invoke(cli_args)
    if res.exception is not None:
        raise BuildFailed(f"dbt {' '.join(args)} could not run: {res.exception}")
    result.success = bool(res.success)
    if not result.success and not result.failures:
        for r in getattr(res.result, "results", []) or []:
            if str(r.status) in {"error", "fail"}:
                result.failures.append(f"{r.node.name}: {r.message}")
    return result


def build(
    cfg: Config,
    *,
    full_refresh: bool = False,
    select: tuple[str, ...] = (),
    target: str | None = None,
    show_progress: bool = True,
    publish: bool = True,
    take_lock: bool = True,
) -> BuildResult:
    """`dbt build` under the writer lock, then publish the marts snapshot (DuckDB's marts, or a local Spark
    session's copied into the warehouse first).

    `take_lock=False` is for a caller that already holds the writer lock (the pipeline's cycle).
    """
    import contextlib

    from burnrate import warehouse

    on_duckdb = (target or cfg.dbt.target) == "duckdb"
    missing_exports: list[str] = []
    dbt_vars: dict = {}
    days, previous = None, None
    with warehouse.writer_lock(cfg) if take_lock else contextlib.nullcontext():
        if on_duckdb:
            from ingest.tables import ensure_raw_tables

            with warehouse.writer(cfg, take_lock=False) as con:
                ensure_raw_tables(con)  # sources never ingested still exist (empty) for the staging views
                # the first build of a warehouse is a full one (every test on every row, unit tests too)
                full_refresh = full_refresh or not _has_marts(con)
                watermark = build_state.ingested_through(con)
                days = None if full_refresh or select else build_state.rebuild_from(con, cfg)
                previous = build_state.generation(cfg)
        args = ["build"]
        if full_refresh:
            args.append("--full-refresh")
        else:
            # an incremental build tests the days it rebuilt (macros/get_where_subquery.sql) and skips the unit
            # tests (the SQL logic, unchanged between daily runs): a full refresh and the test suite run them
            args += ["--exclude-resource-type", "unit_test"]
            if on_duckdb and not select and (build_state.state_dir(cfg) / "manifest.json").is_file():
                # seeds and views defined as in this warehouse's last build are left as they are (their data
                # tests still run: indirect selection off, every test is selected when nothing is)
                args += ["--state", str(build_state.state_dir(cfg)), "--indirect-selection", "empty", "--exclude",
                         "resource_type:seed,state:unmodified", "config.materialized:view,state:unmodified"]  # fmt: skip
        if select:
            # a partial build runs the tests of what it built, not relationship tests into unbuilt models
            args += ["--select", *select, "--indirect-selection", "cautious"]
        if not on_duckdb:
            exports, missing_exports = spark.existing_exports(cfg.dbt.spark_export_root, project_dir())
            dbt_vars["spark_exports"] = exports
        if dbt_vars:
            args += ["--vars", json.dumps(dbt_vars)]
        result = run_dbt(cfg, args, target=target, show_progress=show_progress, rebuild_from=days)
        manifest = project_dir() / "target" / "manifest.json"
        if result.success and not select and on_duckdb:
            build_state.save(cfg, manifest, watermark)
        result.warnings += [
            f"no export files match {glob} (its raw table is empty)" for glob in missing_exports
        ]
        # Marts built by a Spark session in this process are copied into the warehouse, then published like
        # DuckDB's; a Spark cluster (Thrift, Databricks) keeps them in its own catalog.
        spark_session = None if on_duckdb or not result.success else spark.active_session()
        result.marts_published = result.success and publish and (on_duckdb or spark_session is not None)
        if result.marts_published:
            from burnrate import datadocs

            with warehouse.writer(cfg, take_lock=False) as con:
                if spark_session is not None:
                    spark.load_marts(con, spark_session)
                datadocs.write(con, manifest)
                # a daily build's snapshot: the day-incremental marts get only the days it rebuilt
                changed = (
                    build_state.changed_days(manifest, days, warehouse.PUBLISHED_SCHEMAS) if days else None
                )
                warehouse.publish(con, cfg, changed_days=changed, base_generation=previous)
    return result


def _has_marts(con) -> bool:
    """Whether dbt has built the marts of this warehouse before."""
    sql = "select count(*) from information_schema.tables where table_schema = 'marts'"
    return con.execute(sql).fetchone()[0] > 0


@click.command("build")
@click.option("--full-refresh", is_flag=True, help="rebuild incremental models from scratch")
@click.option(
    "--select", "-s", multiple=True, help="dbt node selection, e.g. marts.fct_costs_daily+ (repeatable)"
)
@click.option("--target", help="dbt target in profiles.yml (default: dbt.target in burnrate.toml)")
@pass_state
def command(state: State, full_refresh: bool, select: tuple[str, ...], target: str | None) -> None:
    """Build the warehouse models with dbt: seeds, staging, intermediate and marts, with their tests.

    Runs `dbt build` on the warehouse under its writer lock, then publishes a read-only snapshot of the
    marts for the dashboard and `burnrate sql`. Exits 1 when a model or an error-level test fails.
    """
    from burnrate.console import err

    result = build(state.config, full_refresh=full_refresh, select=select, target=target)
    for w in result.warnings:
        err.print(f"[yellow]warning[/]: {w}")
    if not result.success:
        for f in result.failures:
            err.print(f"[red]failed[/]: {f}")
        raise BuildFailed(
            f"dbt build failed ({len(result.failures)} failing nodes); details in target/logs/dbt.log"
        )
    err.print(f"dbt build: {result.nodes} nodes ok, {len(result.warnings)} warnings")
    if not result.marts_published and (target or state.config.dbt.target) != "duckdb":
        err.print(
            "the marts stay in the Spark catalog (schema marts): the dashboard reads them once copied (README)"
        )
