"""fct_gpu_usage_hourly allocates the GPU nodes' bill by DCGM usage, OpenCost's way, on the demo fleet."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal

from burnrate import warehouse
from burnrate.build import run_dbt
from burnrate.generate.billing import DISCOUNTS
from burnrate.generate.catalog import GPU_NODES
from tests.workload import workload_config

CENT = Decimal("0.01")


def test_gpu_cost_is_the_gpu_nodes_instance_bill(live, workload_root):
    """Every GPU node-hour of the period is billed (on-demand price less the AWS discount) and allocated or idle."""
    manifest = json.loads((workload_root / "demo" / "manifest.json").read_text())
    hours = 24 * (date.fromisoformat(manifest["end_date"]) - date.fromisoformat(manifest["start_date"])).days
    expected_list = sum(Decimal(str(n.hourly_usd)) for n in GPU_NODES) * hours
    expected_billed = expected_list * (1 - Decimal(str(DISCOUNTS["aws"])))
    billed, listed, allocated_plus_idle, sources = live.execute(
        "select sum(billed_cost), sum(list_cost), sum(allocated_cost + idle_cost), list(distinct price_source) "
        "from marts.fct_gpu_usage_hourly"
    ).fetchone()
    assert sources == ["bill"]
    assert abs(listed - expected_list) < CENT
    assert abs(billed - expected_billed) < CENT and abs(allocated_plus_idle - expected_billed) < CENT
    invoice = live.execute(
        "select sum(billed_cost) from marts.fct_cloud_costs_daily where is_gpu_allocated"
    ).fetchone()[0]
    assert abs(invoice - billed) < CENT


def test_idle_is_the_gpu_time_no_pod_held(live):
    """The canary node's two GPUs without a pod are idle all day; the batch node works 01:00-05:00 UTC only."""
    idle = dict(
        live.execute(
            "select hostname, coalesce(sum(gpu_hours) filter (where is_idle), 0) / sum(gpu_hours) "
            "from marts.fct_gpu_usage_hourly group by hostname"
        ).fetchall()
    )
    assert idle["ip-10-40-15-102.ec2.internal"] == 0.5
    assert abs(idle["ip-10-40-20-9.ec2.internal"] - 20 / 24) < 1e-9
    assert idle["ip-10-40-12-31.ec2.internal"] == 0 and idle["ip-10-40-14-77.ec2.internal"] == 0
    busy_hours = {
        r[0]
        for r in live.execute(
            "select distinct hour(charge_period_start) from marts.fct_gpu_usage_hourly "
            "where hostname = 'ip-10-40-20-9.ec2.internal' and not is_idle"
        ).fetchall()
    }
    assert busy_hours == {1, 2, 3, 4}
    per_gpu_hour = live.execute(
        "select max(abs(s - 1)) from (select sum(gpu_hours) as s from marts.fct_gpu_usage_hourly "
        "group by charge_period_start, gpu_uuid)"
    ).fetchone()[0]
    assert per_gpu_hour < 1e-9
    teams = dict(
        live.execute(
            "select team_id, list(distinct attribution_method) from marts.fct_gpu_usage_hourly group by all"
        ).fetchall()
    )
    assert set(teams) == {"platform", "search", "data", "unattributed"}
    assert teams["unattributed"] == ["idle"]


def test_utilization_follows_the_served_load(live):
    """Busy serving GPUs report utilization in (0, 1]; an idle GPU's efficiency is not defined."""
    lo, hi, idle_eff = live.execute(
        "select min(gpu_utilization) filter (where not is_idle), max(gpu_utilization), "
        "count(gpu_efficiency) filter (where is_idle) from marts.fct_gpu_usage_hourly"
    ).fetchone()
    assert lo > 0 and hi <= 1 and idle_eff == 0


def test_self_hosted_gpu_cost_joins_the_requests_it_served(live):
    """The pods serving vLLM models carry the model_key of fct_llm_requests: cost per 1M tokens is one join."""
    rows = live.execute(
        """
        with gpu as (
            select model_key, sum(effective_cost) as gpu_cost from marts.fct_gpu_usage_hourly
            where model_key is not null group by model_key
        ), served as (
            select model_key, sum(total_tokens) as tokens from marts.fct_llm_requests group by model_key
        )
        select gpu.model_key, gpu_cost / served.tokens * 1e6 from gpu join served using (model_key)
        """
    ).fetchall()
    assert {k for k, _ in rows} == {
        "self_hosted:meta-llama/Llama-3.3-70B-Instruct",
        "self_hosted:Qwen/Qwen2.5-32B-Instruct",
    }
    assert all(cost_per_mtok > 0 for _, cost_per_mtok in rows)


def test_proportional_idle_switch_moves_idle_cost_to_the_teams(built, tmp_path):
    """With gpu_idle_allocation = proportional, each cluster-day's idle cost goes to its workloads by allocated
    cost: the batch cluster's idle goes to data, the prod cluster's to platform and search; nothing is lost
    (the build's conservation tests run again under the switch)."""
    cfg = workload_config(tmp_path)
    shutil.copy(built.warehouse_path, cfg.warehouse_path)
    result = run_dbt(
        cfg,
        ["build", "--select", "fct_gpu_usage_hourly+", "--vars", "{gpu_idle_allocation: proportional}"],
        show_progress=False,
    )
    assert result.success, result.failures
    with warehouse.writer(cfg) as con:
        by_team = dict(
            con.execute(
                "select team_id, sum(effective_cost) from marts.fct_gpu_usage_hourly group by team_id"
            ).fetchall()
        )
        idle, total, allocated_plus_idle = con.execute(
            "select sum(effective_cost) filter (where is_idle), sum(effective_cost), sum(allocated_cost + idle_cost) "
            "from marts.fct_gpu_usage_hourly"
        ).fetchone()
    assert idle < CENT and abs(total - allocated_plus_idle) < CENT
    assert abs(sum(by_team.values()) - total) < CENT
    assert by_team.get("unattributed", 0) < CENT
