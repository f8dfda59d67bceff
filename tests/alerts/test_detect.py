"""Detection on a real dbt-built workload: what lands in alerts.anomalies, and that re-running adds nothing."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import polars as pl
import pytest

from alerts import buckets, detect, evaluate, events, pipeline
from burnrate import warehouse
from tests.alerts.conftest import subprocess_env


def _rows(cfg, sql: str, params=None) -> list[tuple]:
    with warehouse.reader(cfg, live=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_anomalies_are_explained_and_stable_across_reruns(wh):
    first = pipeline.run_cycle(wh, steps=("detect",))
    assert first.status == "ok", first.errors
    rows = _rows(wh, "select anomaly_id, event_id, first_detected_at from alerts.anomalies order by 1")
    outbox = _rows(wh, "select alert_key from alerts.alert_outbox order by 1")
    assert len(rows) >= 10

    again = pipeline.run_cycle(wh, steps=("detect",))
    assert again.rows["detect"]["alerts_queued"] == 0
    assert (
        _rows(wh, "select anomaly_id, event_id, first_detected_at from alerts.anomalies order by 1") == rows
    )
    assert _rows(wh, "select alert_key from alerts.alert_outbox order by 1") == outbox

    cur = _rows(
        wh,
        """
        select scope_type, grain, window_start < window_end, severity, pattern, impact_usd,
               actual_spend - expected_spend, root_cause, features_moved, top_contributor_share, is_primary
        from alerts.anomalies
        """,
    )
    for scope_type, grain, ordered, severity, pattern, impact, diff, cause, moved, share, _ in cur:
        assert scope_type in buckets.SCOPE_TYPES and grain in ("hour", "day") and ordered
        assert severity in detect.SEVERITIES
        assert pattern in ("token_spike", "leaked_key", "cost_without_traffic", "error_storm", "other")
        assert abs(float(impact) - float(diff)) < 1e-6
        assert cause.endswith(".") and re.search(r"impact -?\$\d", cause)
        assert isinstance(json.loads(moved), list)
        assert share is None or 0 <= share <= 1
    # one primary per event
    per_event = _rows(
        wh, "select event_id, count(*) filter (where is_primary) from alerts.anomalies group by 1"
    )
    assert all(n == 1 for _, n in per_event)


def test_ids_survive_a_window_that_moves(wh):
    """A re-run whose window starts an hour later (or earlier) updates the stored anomaly instead of adding one."""
    from alerts import store

    with warehouse.writer(wh) as con:
        found = events.assign(detect.detect(con, detect.Settings()), buckets.team_of(con))
        store.upsert(con, found)
        shifted = found.with_columns(
            (pl.col("window_start") + pl.duration(hours=1)).alias("window_start"),
            (pl.col("window_end") + pl.duration(hours=1)).alias("window_end"),
        )
        shifted = shifted.with_columns(
            pl.struct("scope_type", "scope_value", "grain", "window_start")
            .map_elements(lambda r: detect.anomaly_id(*r.values()), return_dtype=pl.Utf8)
            .alias("anomaly_id")
        )
        stored = store.upsert(con, shifted)
        n = con.execute("select count(*) from alerts.anomalies").fetchall()[0][0]
    assert n == found.height
    assert set(stored["anomaly_id"]) == set(found["anomaly_id"])


def test_detected_labels_name_the_right_pattern_and_contributor(built, labels):
    """Each injected anomaly that is found is named by its pattern and its top contributor (user/model/…)."""
    with warehouse.reader(built[0], live=True) as con:
        forest, baseline = evaluate.evaluate(con, detect.Settings(), labels)
    from rich.console import Console

    from alerts.cli import evaluation_table

    console = Console(record=True, width=200)
    console.print(evaluation_table([forest, baseline]))
    text = console.export_text()
    assert "isolation forest" in text and "rolling z-score (spend)" in text and "precision" in text
    detected = [e for e in forest.per_label if e["detected"]]
    assert len(detected) >= 12
    wrong_pattern = [e for e in detected if not e["pattern_ok"]]
    wrong_contributor = [e for e in detected if not e["contributor_ok"]]
    assert not wrong_pattern, wrong_pattern
    assert not wrong_contributor, wrong_contributor


def test_error_storm_labels_name_where_the_failed_calls_landed(built, labels):
    """The ground truth a storm's explanation is scored against is what the warehouse shows: the labelled
    contributor has the most failed calls of the storm's scope in its window (the feature calling the model
    most, the model of the feature failing most), not merely the busiest feature overall."""
    storms = evaluate.load_labels(labels).filter(pl.col("pattern") == "error_storm")
    assert storms.height >= 2
    model = "coalesce(model_requested, model_key)"
    for s in storms.iter_rows(named=True):
        scope, by = (model, "feature_id") if s["scope_type"] == "model" else ("feature_id", model)
        failed = _rows(
            built[0],
            f"""
            select {by}, count(*) from marts.fct_llm_requests
            where is_error and {scope} = ? and requested_at >= ? and requested_at < ?
            group by 1 order by 2 desc, 1
            """,
            [s["scope_value"], s["start"], s["end"]],
        )
        assert failed[0][0] == s["top_contributor_value"], (s["anomaly_id"], failed)


def test_evaluate_command_detects_then_prints_the_scores(wh, labels):
    def detect(*flags: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "burnrate", "detect", "--evaluate", str(labels), *flags],
            env=subprocess_env(wh, COLUMNS="80"),  # a narrow terminal still prints every figure in full
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    lines = re.findall(r"^(.+): recall ([\d.]+), precision ([\d.]+), F1 ([\d.]+)", detect(), re.M)
    f1 = {method: float(f) for method, _, _, f in lines}
    assert set(f1) == {"isolation forest", "rolling z-score (spend)"}
    assert f1["isolation forest"] > f1["rolling z-score (spend)"]
    found = _rows(wh, "select count(*) from alerts.anomalies")[0][0]
    assert found > 0  # the run detected and recorded, as `burnrate detect` does

    scores = {s["method"]: s for s in json.loads(detect("--json"))["scores"]}
    assert {m: round(s["f1"], 3) for m, s in scores.items()} == f1
    assert _rows(wh, "select count(*) from alerts.anomalies")[0][0] == found  # a re-run adds nothing


@pytest.mark.parametrize("grain", ["hour", "day"])
def test_features_are_deviations_not_levels(built, grain):
    """A quiet and a busy scope both sit near zero on ordinary buckets: the forest scores deviations."""
    from alerts import features

    with warehouse.reader(built[0], live=True) as con:
        lo, hi = buckets.data_range(con)
        buckets.load_cells(con, lo, hi)
        df = features.with_features(buckets.scope_buckets(con, grain), grain, 30)
    medians = (
        df.filter(pl.col("scope_type") == "team").group_by("scope_value").agg(pl.col("z_spend").median())
    )
    assert medians["z_spend"].abs().max() < 0.5


def test_demo_calls_detect_and_alert(wh, capsys):
    """`burnrate demo` runs `alerts.pipeline.detect_and_alert` after its build: detect, then alert (console)."""
    from alerts.pipeline import detect_and_alert

    cycle = detect_and_alert(wh)
    assert cycle.status == "ok", cycle.errors
    assert _rows(wh, "select trigger, status from alerts.run_history") == [("demo", "ok")]
    sent = _rows(wh, "select alert_key, channel from alerts.alert_outbox where status = 'sent'")
    # only what ended within a day of the newest data is alerted: the history stays in the table
    assert 1 <= len(sent) < _rows(wh, "select count(*) from alerts.anomalies where is_primary")[0][0]
    assert all(channel == "console" for _, channel in sent)
    assert all(key in capsys.readouterr().out for key, _ in sent)
