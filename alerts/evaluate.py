"""Scoring detections against ground truth, and the simple baseline they must beat.

Event-level matching (the same rules for the forest and for the baseline):

* anomalies are first grouped into events (`alerts.events`): one incident seen on its feature, team, user
  and model counts once;
* a label is **detected** when an event has an anomaly whose window overlaps the label's window (± one
  hour) and whose scope is the label's scope, contains it (its team), is contained in it (a feature, user
  or key of a labelled team), or is the label's named top contributor (the abusive user, the failing model);
* **precision** = events that detect some label / all events in the evaluation window; every other event is
  a false positive, whatever it is. The evaluation window is the labelled period: the generator injects
  nothing in its first 15 % (the baseline), so events there are left out of both counts;
* **delay** = end of the first anomalous bucket of a matching anomaly − label start (0 when the window
  opened before the label: the first bucket already showed it).

For each detected label the *representative* anomaly is the matching one on the label's own scope (else
on a containing scope, else any), hourly first; its pattern and top contributor are compared with the
label's (`pattern_ok`, `contributor_ok`; naming the contributor as the anomaly's own scope counts).

Baseline: a rolling z-score on spend per scope and grain (mean and standard deviation of the previous
7 days of buckets, flag z ≥ 3 with the same materiality gate), windowed and matched the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import click
import duckdb
import polars as pl

from alerts import buckets, detect, events

TOLERANCE = timedelta(hours=1)
WARMUP_SHARE = 0.15
SCOPE_RANK = {"exact": 0, "contains": 1, "contained": 2, "contributor": 3}


@dataclass
class Score:
    method: str
    labels: int
    detected: int
    events: int
    true_events: int
    delays_hours: list[float] = field(default_factory=list)
    pattern_ok: int = 0
    contributor_ok: int = 0
    per_label: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true_events / self.events if self.events else 0.0

    @property
    def recall(self) -> float:
        return self.detected / self.labels if self.labels else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def mean_delay_hours(self) -> float | None:
        return sum(self.delays_hours) / len(self.delays_hours) if self.delays_hours else None

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "labels": self.labels,
            "detected": self.detected,
            "events": self.events,
            "true_events": self.true_events,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "mean_delay_hours": None if self.mean_delay_hours is None else round(self.mean_delay_hours, 2),
            "pattern_ok": self.pattern_ok,
            "contributor_ok": self.contributor_ok,
        }


LABEL_COLUMNS = ("start", "end", "scope_type", "scope_value")
LABELS_FILE = "anomaly_labels.csv"


def labels_file(path: str | Path) -> Path:
    """The anomaly labels to score against: the file given, or `anomaly_labels.csv` in the labels folder given
    (or beside another labels file of the same workload, such as `budget_labels.csv`)."""
    path = Path(path)
    if path.is_dir():
        path = path / LABELS_FILE
    elif (
        not set(LABEL_COLUMNS) <= set(pl.read_csv(path, n_rows=0).columns)
        and (path.parent / LABELS_FILE).exists()
    ):
        from burnrate.console import err

        err.print(f"{path.name} holds no anomaly labels; scoring against {path.parent / LABELS_FILE}")
        path = path.parent / LABELS_FILE
    if not path.exists():
        raise click.BadParameter(f"{path}: no such labels file", param_hint="--evaluate")
    missing = [c for c in LABEL_COLUMNS if c not in pl.read_csv(path, n_rows=0).columns]
    if missing:
        raise click.BadParameter(
            f"{path}: not an anomaly labels file (columns {', '.join(missing)} missing)",
            param_hint="--evaluate",
        )
    return path


def load_labels(path: str | Path) -> pl.DataFrame:
    """labels/anomaly_labels.csv as written by `burnrate generate` (start/end as naive UTC datetimes)."""
    df = pl.read_csv(labels_file(path), infer_schema_length=0)
    return df.with_columns(
        pl.col("start").str.to_datetime(time_zone="UTC").dt.replace_time_zone(None),
        pl.col("end").str.to_datetime(time_zone="UTC").dt.replace_time_zone(None),
    )


def scope_relation(anomaly: dict, label: dict, team_of: events.Containment) -> str | None:
    a = (anomaly["scope_type"], anomaly["scope_value"])
    lab = (label["scope_type"], label["scope_value"])
    if a == lab:
        return "exact"
    if events.contains(a, lab, team_of):
        return "contains"
    if events.contains(lab, a, team_of):
        return "contained"
    if a == (label["top_contributor_type"], label["top_contributor_value"]):
        return "contributor"
    return None


def score_events(
    method: str, anomalies: pl.DataFrame, labels: pl.DataFrame, team_of: events.Containment, window: tuple
) -> Score:
    """Event-level precision, recall, delay and explanation accuracy (see the module docstring)."""
    start, end = window
    found = (
        anomalies.filter((pl.col("window_end") > start) & (pl.col("window_start") < end))
        if anomalies.height
        else anomalies
    )
    rows = found.to_dicts()
    label_rows = labels.to_dicts()
    true_events: set[str] = set()
    result = Score(method, len(label_rows), 0, len({r["event_id"] for r in rows}), 0)
    for lab in label_rows:
        matches = []
        for a in rows:
            relation = scope_relation(a, lab, team_of)
            if relation and events.overlaps(
                a["window_start"], a["window_end"], lab["start"], lab["end"], TOLERANCE
            ):
                matches.append((SCOPE_RANK[relation], detect_rank(a), a))
        entry = {"label": lab["anomaly_id"], "pattern": lab["pattern"], "detected": bool(matches)}
        if matches:
            result.detected += 1
            true_events.update(a["event_id"] for _, _, a in matches)
            first_end = min(a["window_start"] + buckets.GRAINS[a["grain"]] for _, _, a in matches)
            delay = max((first_end - lab["start"]).total_seconds() / 3600, 0.0)
            result.delays_hours.append(delay)
            rep = min(matches, key=lambda m: (m[0], m[1]))[2]
            pattern_ok = rep.get("pattern") == lab["pattern"]
            contributor_ok = lab["top_contributor_value"] in (
                rep.get("top_contributor_value"),
                rep["scope_value"],
            )
            result.pattern_ok += pattern_ok
            result.contributor_ok += contributor_ok
            entry |= {
                "delay_hours": round(delay, 2),
                "scope": f"{rep['scope_type']}:{rep['scope_value']}",
                "found_pattern": rep.get("pattern"),
                "found_contributor": rep.get("top_contributor_value"),
                "pattern_ok": pattern_ok,
                "contributor_ok": contributor_ok,
            }
        result.per_label.append(entry)
    result.true_events = len(true_events)
    return result


def detect_rank(anomaly: dict) -> int:
    return 0 if anomaly["grain"] == "hour" else 1


def evaluation_window(con: duckdb.DuckDBPyConnection) -> tuple[datetime, datetime]:
    lo, hi = buckets.data_range(con)
    return lo + (hi - lo) * WARMUP_SHARE, hi + timedelta(hours=1)


def zscore_baseline(
    con: duckdb.DuckDBPyConnection, settings: detect.Settings, team_of: events.Containment
) -> pl.DataFrame:
    """Anomaly windows from a rolling z-score on spend (previous 7 days of buckets, z ≥ 3), with event ids.

    Uses the cells `detect.detect` loaded, so both methods see exactly the same data.
    """
    out = []
    for grain in settings.grains:
        step = buckets.GRAINS[grain]
        n = int(timedelta(days=7) / step)
        df = buckets.scope_buckets(con, grain).sort(["scope_type", "scope_value", "bucket_start"])
        prev = pl.col("spend").shift(1).over(["scope_type", "scope_value"])
        df = df.with_columns(
            prev.rolling_mean(n, min_samples=max(3, n // 4)).over(["scope_type", "scope_value"]).alias("mu"),
            prev.rolling_std(n, min_samples=max(3, n // 4)).over(["scope_type", "scope_value"]).alias("sd"),
        ).with_columns(((pl.col("spend") - pl.col("mu")) / pl.col("sd")).alias("z"))
        flagged = df.filter((pl.col("z") >= 3.0) & pl.col("sd").gt(0))
        if flagged.is_empty():
            continue
        min_impact = settings.min_impact_usd or detect.AUTO_MIN_IMPACT_SHARE * detect._typical_spend(
            con, grain
        )
        windows = (
            flagged.sort(["scope_type", "scope_value", "bucket_start"])
            .with_columns(
                (
                    (pl.col("bucket_start").diff().over(["scope_type", "scope_value"]) > step * 2).fill_null(
                        True
                    )
                )
                .cum_sum()
                .over(["scope_type", "scope_value"])
                .alias("w")
            )
            .group_by(["scope_type", "scope_value", "w"])
            .agg(
                pl.col("bucket_start").min().alias("window_start"),
                (pl.col("bucket_start").max() + step).alias("window_end"),
                (pl.col("spend") - pl.col("mu")).sum().alias("impact_usd"),
            )
            .filter(pl.col("impact_usd") >= min_impact)
            .with_columns(pl.lit(grain).alias("grain"))
        )
        out.append(windows.drop("w"))
    if not out:
        return pl.DataFrame()
    found = pl.concat(out).with_columns(
        pl.concat_str(
            ["scope_type", "scope_value", "grain", pl.col("window_start").cast(pl.Utf8)], separator="|"
        ).alias("anomaly_id"),
        pl.lit(None, pl.Utf8).alias("top_contributor_type"),
        pl.lit(None, pl.Utf8).alias("top_contributor_value"),
        pl.lit(None, pl.Utf8).alias("pattern"),
    )
    return events.assign(found, team_of)


def evaluate(
    con: duckdb.DuckDBPyConnection, settings: detect.Settings, labels_path: str | Path
) -> list[Score]:
    """Run detection and the baseline on the warehouse behind `con` and score both against the labels."""
    labels = load_labels(labels_path)
    found = detect.detect(con, settings)
    team_of = buckets.team_of(con)
    found = events.assign(found, team_of) if found.height else found
    window = evaluation_window(con)
    baseline = zscore_baseline(con, settings, team_of)
    return [
        score_events("isolation forest", found, labels, team_of, window),
        score_events("rolling z-score (spend)", baseline, labels, team_of, window),
    ]
