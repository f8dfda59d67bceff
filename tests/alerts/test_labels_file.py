"""`burnrate detect --evaluate` takes the anomaly labels file, the labels folder, or a sibling labels file."""

from __future__ import annotations

import click
import pytest

from alerts.evaluate import labels_file, load_labels

ANOMALIES = (
    "start,end,scope_type,scope_value,pattern\n2026-11-02T10:00:00Z,2026-11-02T12:00:00Z,team,search,x\n"
)


@pytest.fixture
def folder(tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "anomaly_labels.csv").write_text(ANOMALIES)
    (labels / "budget_labels.csv").write_text("team_id,month,tier\nsearch,2026-11-01,warning\n")
    return labels


def test_the_file_the_folder_and_a_sibling_file_all_mean_the_anomaly_labels(folder):
    expected = folder / "anomaly_labels.csv"
    assert labels_file(expected) == expected
    assert labels_file(folder) == expected
    assert labels_file(folder / "budget_labels.csv") == expected
    assert load_labels(folder).height == 1


def test_a_file_that_is_not_anomaly_labels_is_refused_with_its_name(tmp_path):
    other = tmp_path / "costs.csv"
    other.write_text("team_id,cost\nsearch,1\n")
    with pytest.raises(click.BadParameter, match=r"costs\.csv: not an anomaly labels file \(columns start"):
        labels_file(other)
    with pytest.raises(click.BadParameter, match="no such labels file"):
        labels_file(tmp_path)
