"""The evaluation the issue asks for: on the generator's workload (default seed and two others) the isolation
forest beats a rolling z-score baseline on event-level F1, with high precision and recall.

The suite runs a moderate workload (30 days x 3,000 requests/day); `bench/detect_eval.py` runs the full demo
size (10,000/day) for the three seeds, where the issue's targets (recall >= 0.9, precision >= 0.8) hold.
At a third of the traffic the smallest injected anomalies (a few cents over four hours) fall under the
materiality gate, so recall is asserted at 0.85 here.
"""

from __future__ import annotations

import pytest

from alerts import detect, evaluate
from burnrate import warehouse
from tests.alerts.conftest import build_llm_workload


@pytest.fixture(scope="module", params=[1, 2, 3], ids=lambda s: f"seed{s}")
def scored(request, built, tmp_path_factory):
    if request.param == 1:
        cfg, labels = built[0], built[1] / "labels" / "anomaly_labels.csv"
    else:
        cfg, gen = build_llm_workload(tmp_path_factory.mktemp(f"seed{request.param}"), request.param)
        labels = gen / "labels" / "anomaly_labels.csv"
    with warehouse.reader(cfg, live=True) as con:
        return evaluate.evaluate(con, detect.Settings(), labels)


def test_isolation_forest_beats_the_z_score_baseline(scored):
    forest, baseline = scored
    print(f"\n{forest.as_dict()}\n{baseline.as_dict()}")
    assert forest.labels >= 12
    assert forest.f1 > baseline.f1
    assert forest.precision >= 0.8
    assert forest.recall >= 0.85
    assert forest.mean_delay_hours is not None and forest.mean_delay_hours <= 3
