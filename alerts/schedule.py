"""`burnrate schedule`: cycles on a cron schedule and a daily digest, in one long-running process.

APScheduler 3 `BlockingScheduler` with two jobs, both `max_instances=1`, `coalesce=True` (runs missed while
a cycle was busy or the machine slept collapse into one) and `misfire_grace_time` from the config:

* the cycle (`schedule.cycle_cron`, in `schedule.timezone`): `alerts.pipeline.run_cycle`, trigger `schedule`;
* the digest at `schedule.digest_time`: queue yesterday's digest, then deliver it.

The writer lock keeps one writer at a time (a manual `burnrate run` waits for the scheduler's cycle).
SIGTERM/SIGINT stop the scheduler cleanly: no new run starts, the running cycle stops at its next step
boundary (an alert batch stops between two alerts), its run is marked `interrupted`, and the process exits 0.
A second signal exits at once; the run left `running` is marked `interrupted` by the next cycle, which also
completes its work (every step is idempotent).
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import click

from burnrate.cli import State, pass_state
from burnrate.config import Config
from burnrate.errors import ConfigError

log = logging.getLogger(__name__)


def cron_trigger(expr: str, timezone: str):
    """A CronTrigger from a 5-field crontab, or 6 fields with seconds first (for short test intervals)."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    try:
        if len(fields) == 5:
            return CronTrigger.from_crontab(expr, timezone=timezone)
        if len(fields) == 6:
            second, minute, hour, day, month, dow = fields
            return CronTrigger(
                second=second,
                minute=minute,
                hour=hour,
                day=day,
                month=month,
                day_of_week=dow,
                timezone=timezone,
            )
    except ValueError as exc:
        raise ConfigError(f"schedule.cycle_cron {expr!r}: {exc}") from None
    raise ConfigError(f"schedule.cycle_cron {expr!r}: expected 5 crontab fields (or 6 with seconds first)")


def digest_trigger(at: str, timezone: str):
    from apscheduler.triggers.cron import CronTrigger

    try:
        hour, minute = (int(x) for x in at.split(":"))
        return CronTrigger(hour=hour, minute=minute, timezone=timezone)
    except ValueError:
        raise ConfigError(f"schedule.digest_time {at!r}: expected HH:MM") from None


class Scheduler:
    """The jobs and the stop flag they share."""

    def __init__(self, cfg: Config):
        from apscheduler.schedulers.blocking import BlockingScheduler

        self.cfg = cfg
        self.stop = threading.Event()
        tz = cfg.schedule.timezone
        grace = int(cfg.schedule.misfire_grace_seconds)
        self.scheduler = BlockingScheduler(timezone=tz)
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": grace}
        self.scheduler.add_job(self.cycle, cron_trigger(cfg.schedule.cycle_cron, tz), id="cycle", **common)
        self.scheduler.add_job(
            self.digest, digest_trigger(cfg.schedule.digest_time, tz), id="digest", **common
        )

    def cycle(self) -> None:
        from alerts import pipeline

        if self.stop.is_set():
            return
        try:
            result = pipeline.run_cycle(self.cfg, trigger="schedule", stop=self.stop)
            log.warning(
                "cycle %s: %s%s",
                result.run_id,
                result.status,
                f" ({'; '.join(result.errors)})" if result.errors else "",
            )
        except Exception as exc:  # noqa: BLE001 - one failed cycle must not end the scheduler
            log.error("cycle failed: %s", exc)

    def digest(self, day: date | None = None) -> None:
        from alerts import notify, pipeline
        from burnrate import warehouse

        if self.stop.is_set():
            return
        day = day or (datetime.now(ZoneInfo(self.cfg.schedule.timezone)).date() - timedelta(days=1))
        try:
            with warehouse.writer(self.cfg) as con:
                notify.queue_digest(con, self.cfg, day)
            pipeline.run_cycle(self.cfg, trigger="schedule", steps=("alert",), stop=self.stop)
        except Exception as exc:  # noqa: BLE001
            log.error("digest failed: %s", exc)

    def handle_signal(self, signum, frame) -> None:
        if self.stop.is_set():
            raise SystemExit(130)  # second signal: leave now
        log.warning("received %s: finishing the current step, then stopping", signal.Signals(signum).name)
        self.stop.set()
        threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.handle_signal)
        signal.signal(signal.SIGINT, self.handle_signal)
        sched = self.cfg.schedule
        log.warning(
            "scheduler started: cycle %r, digest at %s (%s)",
            sched.cycle_cron,
            sched.digest_time,
            sched.timezone,
        )
        self.scheduler.start()
        log.warning("scheduler stopped")


@click.command("schedule")
@pass_state
def command(state: State) -> None:
    """Run the cycle (ingest → build → detect → alert) on the schedules in burnrate.toml until stopped.

    schedule.cycle_cron sets the cycle (crontab), schedule.digest_time the daily digest, both in
    schedule.timezone. One cycle at a time; missed runs coalesce. Every run is recorded in
    alerts.run_history. Stop with SIGTERM or Ctrl-C: the running cycle ends at its next step boundary.
    """
    Scheduler(state.config).run()
