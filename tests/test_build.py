"""`burnrate build`: the dbt build a first, a full-refresh and a daily (incremental) build run."""

from __future__ import annotations

import json

from burnrate import build as build_mod
from burnrate import build_state, warehouse


def _dbt_args(cfg, monkeypatch, tmp_path, **kwargs) -> list[str]:
    """The arguments `build` passes to dbt (dbt faked: it writes a manifest and succeeds)."""
    calls = []

    def fake_run_dbt(cfg, args, rebuild_from=None, **_kwargs):
        calls.append([*args, "rebuild_from", json.dumps(rebuild_from)])
        (tmp_path / "target").mkdir(exist_ok=True)
        (tmp_path / "target" / "manifest.json").write_text("{}")
        return build_mod.BuildResult(success=True)

    monkeypatch.setattr(build_mod, "run_dbt", fake_run_dbt)
    monkeypatch.setattr(build_mod, "project_dir", lambda: tmp_path)
    build_mod.build(cfg, show_progress=False, publish=False, **kwargs)
    return calls[0]


def test_first_build_of_a_warehouse_is_a_full_refresh(cfg, monkeypatch, tmp_path):
    args = _dbt_args(cfg, monkeypatch, tmp_path)
    assert "--full-refresh" in args and "--exclude-resource-type" not in args


def test_daily_build_skips_unit_tests_then_unchanged_seeds_and_views(cfg, monkeypatch, tmp_path):
    with warehouse.writer(cfg) as con:
        con.execute("create schema marts; create table marts.fct_x as select 1 as x")
    first = _dbt_args(cfg, monkeypatch, tmp_path)
    assert "--full-refresh" not in first
    assert first[first.index("--exclude-resource-type") + 1] == "unit_test"
    assert "--state" not in first  # no state of this warehouse yet: its seeds and views are all (re)built

    second = _dbt_args(cfg, monkeypatch, tmp_path)
    assert second[second.index("--state") + 1] == str(build_state.state_dir(cfg))
    assert "config.materialized:view,state:unmodified" in second
    assert second[second.index("--indirect-selection") + 1] == "empty"  # the views' data tests still run
    # no row ingested since the first: the incremental models re-process no day
    assert json.loads(second[second.index("rebuild_from") + 1]) == {
        "llm": "9999-12-31",
        "dcgm": "9999-12-31",
    }

    full = _dbt_args(cfg, monkeypatch, tmp_path, full_refresh=True)
    assert "--full-refresh" in full and "--state" not in full and "--exclude-resource-type" not in full
