"""One cycle: ingest every configured source → build → detect → alert → publish, with its run history.

`burnrate run` runs one cycle now, `burnrate schedule` runs cycles on a cron schedule, `burnrate demo` runs
the detect and alert steps (`detect_and_alert`): all three call `run_cycle`.

A cycle holds the warehouse's writer lock from start to end (one writer at a time: a manual run waits for
the scheduler's cycle and vice versa) and opens a connection per step (dbt opens its own). Every step is
safe to repeat, so a cycle killed anywhere is completed by the next one: ingest skips what it already loaded
(fingerprints, watermarks), dbt replaces each model atomically, detection upserts by stable id and queues
alerts by unique key in the same transaction, delivery marks each alert sent as soon as Slack accepts it.
A source that fails does not stop the cycle: the others load, the build and detection run on what is
there, and the run ends `failed` with the reason (exit code 4 when a source or Slack stayed unreachable).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import threading
from dataclasses import dataclass, field

from alerts import buckets, budgets, deliver, detect, events, history, notify, store, tables
from burnrate import secrets, warehouse
from burnrate.config import Config
from burnrate.errors import EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE, BurnrateError, SourceUnavailable

log = logging.getLogger(__name__)

STEPS = ("ingest", "build", "detect", "alert")


@dataclass
class Cycle:
    run_id: str
    status: str = "ok"
    rows: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    unreachable: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.status == "ok":
            return EXIT_OK
        failures_other_than_unreachable = [e for e in self.errors if not e.startswith("unreachable:")]
        return EXIT_UNREACHABLE if self.unreachable and not failures_other_than_unreachable else EXIT_FAILURE


def sources(cfg: Config) -> list[tuple[str, str, str, dict]]:
    """(name, module, function, kwargs) of every source the config turns on: export paths and API keys."""
    plan: list[tuple[str, str, str, dict]] = []
    if cfg.langfuse.export_paths:
        plan.append(
            ("langfuse files", "ingest.langfuse", "ingest_files", {"paths": cfg.langfuse.export_paths})
        )
    if secrets.get("LANGFUSE_PUBLIC_KEY") and secrets.get("LANGFUSE_SECRET_KEY"):
        plan.append(("langfuse api", "ingest.langfuse", "pull", {}))
    if cfg.helicone.export_paths:
        plan.append(
            ("helicone files", "ingest.helicone", "ingest_files", {"paths": cfg.helicone.export_paths})
        )
    if secrets.get("HELICONE_API_KEY"):
        plan.append(("helicone api", "ingest.helicone", "pull", {}))
    if cfg.billing.paths:
        plan.append(("billing files", "ingest.billing", "ingest_files", {"paths": cfg.billing.paths}))
    if cfg.dcgm.paths:
        plan.append(("dcgm files", "ingest.dcgm", "ingest_files", {"paths": cfg.dcgm.paths}))
    if cfg.dcgm.prometheus_url:
        plan.append(("dcgm prometheus", "ingest.prometheus", "pull", {}))
    return plan


def ingest_step(cfg: Config, cycle: Cycle, stop: threading.Event | None) -> dict:
    """Every configured source through its ingester's public function; one failing source does not stop the rest."""
    from burnrate.console import err, progress

    done: dict = {}
    plan = sources(cfg)
    if not plan:
        cycle.notes.append(
            "ingest: no source configured (langfuse/helicone export_paths or keys, billing.paths, dcgm)"
        )
    for name, module, function, kwargs in plan:
        if stop is not None and stop.is_set():
            break
        try:
            fn = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError):
            cycle.notes.append(f"{name}: this ingester is not built yet; skipped")
            continue
        try:
            with warehouse.writer(cfg, take_lock=False) as con, progress() as bar:
                extra = {"progress": bar} if "progress" in inspect.signature(fn).parameters else {}
                summary = fn(con, cfg, *([kwargs["paths"]] if "paths" in kwargs else []), **extra)
            err.print(summary.line(), soft_wrap=True)
            done[name] = summary.counts.as_dict() | {"failures": len(summary.failures)}
        except SourceUnavailable as exc:
            cycle.unreachable = True
            cycle.errors.append(f"unreachable: {name}: {secrets.redact(exc)}")
        except BurnrateError as exc:
            cycle.errors.append(f"{name}: {secrets.redact(exc)}")
    return done


def build_step(cfg: Config, cycle: Cycle, stop: threading.Event | None) -> dict:
    from burnrate.build import build

    result = build(cfg, show_progress=True, publish=False, take_lock=False)
    if not result.success:
        cycle.errors.append(f"build: {len(result.failures)} failing nodes: " + "; ".join(result.failures[:3]))
    return {"nodes": result.nodes, "warnings": len(result.warnings), "failures": len(result.failures)}


def detect_step(cfg: Config, cycle: Cycle, stop: threading.Event | None) -> dict:
    """Detect, group into events, escalate, store and queue alerts: one transaction for all of it."""
    with warehouse.writer(cfg, take_lock=False) as con:
        tables.ensure(con)
        if not tables.has_table(con, "marts", "fct_llm_requests"):
            cycle.notes.append("detect: marts.fct_llm_requests is not built yet (run `burnrate build`)")
            return {"anomalies": 0}
        found = detect.detect(con, detect.Settings.from_config(cfg))
        span = buckets.data_range(con)
        team_of = buckets.team_of(con) if span else {}
        budget_rows: list[dict] = []
        if budgets.available(con):
            budget_rows = budgets.latest(con)
        else:
            cycle.notes.append(budgets.NOT_BUILT)
        found = events.assign(found, team_of)
        found = notify.escalate(found, budgets.escalation_levels(budget_rows), team_of)
        con.execute("begin transaction")
        try:
            stored = store.upsert(con, found)
            queued = notify.queue_anomalies(con, cfg, stored, span[1], budget_rows, team_of) if span else 0
            queued_budgets = notify.queue_budgets(con, cfg, budget_rows)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    events_n = int(found["is_primary"].sum()) if found.height else 0
    return {"anomalies": found.height, "events": events_n, "alerts_queued": queued + queued_budgets}


def alert_step(cfg: Config, cycle: Cycle, stop: threading.Event | None) -> dict:
    with warehouse.writer(cfg, take_lock=False) as con:
        result = deliver.deliver(con, cfg, stop=stop)
    if result.unreachable:
        cycle.unreachable = True
        cycle.errors.append(f"unreachable: {result.unreachable}")
    return {
        "sent": result.sent,
        "failed": result.failed,
        "pending": result.pending,
        "channel": result.channel,
    }


STEP_FUNCTIONS = {"ingest": ingest_step, "build": build_step, "detect": detect_step, "alert": alert_step}


def run_cycle(
    cfg: Config,
    *,
    trigger: str = "manual",
    steps: tuple[str, ...] = STEPS,
    stop: threading.Event | None = None,
) -> Cycle:
    """Run `steps` under the writer lock, recording the run in alerts.run_history; publish at the end."""
    from burnrate.console import err

    with warehouse.writer_lock(cfg):
        with warehouse.writer(cfg, take_lock=False) as con:
            stale = history.close_stale(con)
            cycle = Cycle(history.start(con, trigger))
        if stale:
            cycle.notes.append(f"{stale} earlier run(s) had been interrupted; this run completes their work")
        try:
            for name in steps:
                if stop is not None and stop.is_set():
                    cycle.status = "interrupted"
                    break
                with warehouse.writer(cfg, take_lock=False) as con:
                    history.step(con, cycle.run_id, name, cycle.rows)
                err.rule(f"{name}", style="dim")
                cycle.rows[name] = STEP_FUNCTIONS[name](cfg, cycle, stop)
                err.print(f"{name}: {cycle.rows[name]}", soft_wrap=True)
            if stop is not None and stop.is_set():
                cycle.status = "interrupted"
        except (KeyboardInterrupt, SystemExit):
            cycle.status = "interrupted"
            raise
        except BaseException as exc:
            cycle.errors.append(f"{type(exc).__name__}: {secrets.redact(exc)}")
            raise
        finally:
            if cycle.status == "ok" and cycle.errors:
                cycle.status = "failed"
            with warehouse.writer(cfg, take_lock=False) as con:
                history.finish(con, cycle.run_id, cycle.status, cycle.rows, "; ".join(cycle.errors) or None)
                warehouse.publish(con, cfg)  # readers see the marts, the alerts and this run's outcome
    for note in cycle.notes:
        err.print(f"[dim]{note}[/]")
    return cycle


def detect_and_alert(cfg: Config) -> Cycle:
    """Detection and alerts on an already built warehouse (what `burnrate demo` runs after its build)."""
    return run_cycle(cfg, trigger="demo", steps=("detect", "alert"))
