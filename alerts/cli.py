"""`burnrate detect`, `burnrate alert` and `burnrate run`: thin commands over `alerts.pipeline`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from burnrate.cli import State, pass_state


def _anomaly_table(con, limit: int):
    from rich.table import Table

    cur = con.execute(
        """
        select scope_type, scope_value, grain, window_start, window_end, severity, pattern,
               impact_usd::double, top_contributor_value, root_cause
        from alerts.anomalies where is_primary order by window_start desc limit ?
        """,
        [limit],
    )
    table = Table(title="anomalies (primary of each event, newest first)", show_lines=False)
    for col in ("scope", "grain", "window (UTC)", "severity", "pattern", "impact", "top contributor"):
        table.add_column(col, overflow="fold")
    for s_type, s_value, grain, ws, we, sev, pattern, impact, top, _ in cur.fetchall():
        table.add_row(
            f"{s_type}:{s_value}",
            grain,
            f"{ws:%m-%d %H:%M}–{we:%m-%d %H:%M}",
            sev,
            pattern,
            f"${impact:,.2f}",
            top or "",
        )
    return table


def evaluation_table(scores):
    from rich.table import Table

    table = Table(title="event-level evaluation against the labels")
    for col in (
        "method",
        "labels",
        "detected",
        "events",
        "precision",
        "recall",
        "F1",
        "mean delay (h)",
        "pattern ok",
        "contributor ok",
    ):
        table.add_column(col, justify="right" if col != "method" else "left")
    for s in scores:
        d = s.as_dict()
        table.add_row(
            d["method"], str(d["labels"]), str(d["detected"]), str(d["events"]), f"{d['precision']:.3f}",
            f"{d['recall']:.3f}", f"{d['f1']:.3f}", "–" if d["mean_delay_hours"] is None else f"{d['mean_delay_hours']:.2f}",
            f"{d['pattern_ok']}/{d['detected']}" if d["method"] == "isolation forest" else "–",
            f"{d['contributor_ok']}/{d['detected']}" if d["method"] == "isolation forest" else "–",
        )  # fmt: skip
    return table


@click.command("detect")
@click.option(
    "--evaluate",
    "labels",
    type=click.Path(exists=True, path_type=Path),
    help="after detecting, score detection against ground truth (labels/anomaly_labels.csv of `burnrate "
    "generate`, or its labels folder) next to a rolling z-score baseline",
)
@click.option("--json", "as_json", is_flag=True, help="with --evaluate: print the scores as JSON on stdout")
@click.option("--limit", default=20, show_default=True, help="anomalies listed at the end")
@pass_state
def detect(state: State, labels: Path | None, as_json: bool, limit: int) -> None:
    """Flag anomalous LLM spend with an isolation forest over per-scope hourly and daily buckets.

    Scopes are teams, features, models, users and API keys; each anomaly gets its expected vs actual spend,
    the pattern it matches (token spike, leaked key, cost without traffic, error storm, other) and a root
    cause. Results land in alerts.anomalies (stable ids: re-running never duplicates) and new alerts in
    alerts.alert_outbox, in one transaction; `burnrate alert` sends them.
    """
    from alerts import detect as detect_mod
    from alerts import evaluate, pipeline
    from burnrate import warehouse
    from burnrate.console import out

    cfg = state.config
    cycle = pipeline.run_cycle(cfg, trigger="manual", steps=("detect",))
    if labels is None:
        with warehouse.reader(cfg) as con:
            out.print(_anomaly_table(con, limit))
    else:
        with warehouse.reader(cfg) as con:
            scores = evaluate.evaluate(con, detect_mod.Settings.from_config(cfg), labels)
        if as_json:
            click.echo(
                json.dumps(
                    {"scores": [s.as_dict() for s in scores], "labels": scores[0].per_label}, default=str
                )
            )
        else:
            out.print(evaluation_table(scores))
            for score in scores:  # one plain line per method, whatever the terminal's width
                d = score.as_dict()
                out.print(
                    f"{d['method']}: recall {d['recall']:.3f}, precision {d['precision']:.3f}, F1 {d['f1']:.3f} "
                    f"({d['detected']} of {d['labels']} labelled anomalies found, {d['events']} events)",
                    soft_wrap=True,
                )
    if cycle.exit_code:
        sys.exit(cycle.exit_code)


@click.command("alert")
@click.option("--digest", "digest_day", is_flag=False, flag_value="yesterday", default=None, metavar="[DATE]",
              help="also queue the daily digest of DATE (YYYY-MM-DD; default: yesterday, UTC)")  # fmt: skip
@pass_state
def alert(state: State, digest_day: str | None) -> None:
    """Send pending budget and anomaly alerts to Slack, or print them without a webhook.

    Slack is the incoming webhook in SLACK_WEBHOOK_URL. Each alert is sent once: an outage or a 429 leaves
    alerts pending for the next run, in order; a payload Slack rejects is marked failed with its error
    (see alerts.alert_outbox). Exit code 4 when Slack stayed unreachable.
    """
    from alerts import notify, pipeline
    from burnrate import warehouse

    cfg = state.config
    if digest_day:
        day = (
            date.today() - timedelta(days=1) if digest_day == "yesterday" else date.fromisoformat(digest_day)
        )
        with warehouse.writer(cfg) as con:
            notify.queue_digest(con, cfg, day)
    cycle = pipeline.run_cycle(cfg, trigger="manual", steps=("alert",))
    if cycle.exit_code:
        sys.exit(cycle.exit_code)


@click.command("run")
@pass_state
def run(state: State) -> None:
    """Run one full cycle now: ingest every configured source, build, detect, alert, publish.

    Sources: langfuse/helicone export_paths and API keys, billing.paths, dcgm.paths and dcgm.prometheus_url.
    The run is recorded in alerts.run_history. Exit codes: 0 ok, 1 a step failed, 4 a source or Slack
    stayed unreachable, 75 another writer held the warehouse too long.
    """
    from alerts import pipeline
    from burnrate.console import err

    started = datetime.now(UTC)
    cycle = pipeline.run_cycle(state.config, trigger="manual")
    took = (datetime.now(UTC) - started).total_seconds()
    err.print(
        f"run {cycle.run_id}: {cycle.status} in {took:.0f}s"
        + (f" ({'; '.join(cycle.errors)})" if cycle.errors else "")
    )
    if cycle.exit_code:
        sys.exit(cycle.exit_code)
