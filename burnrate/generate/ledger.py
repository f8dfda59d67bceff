"""Small running aggregates of the generated traffic, kept while days stream to disk.

The bills (tokens per day x account x model), the GPU metrics (self-hosted load per hour), the budget
labels (attributed cost per team and day) and the anomaly ground truth (impact, and where an error storm's
failures landed) are all derived from these aggregates, never from the full request table, so memory stays
bounded at any scale.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from burnrate.generate.anomalies import Anomaly
from burnrate.generate.catalog import FEATURE_INDEX, FEATURES
from burnrate.generate.company import BUDGET_TIERS, TEAMS
from burnrate.generate.pricing import BUCKETS

BILLED_ROUTES = ("aws_bedrock", "azure_openai", "gcp_vertex")


class Ledger:
    def __init__(self, start: date, days: int) -> None:
        self.start, self.days = start, days
        self.usage: list[pl.DataFrame] = []
        self.hourly_load = np.zeros((days * 24, len(FEATURES)))
        self.team_daily: list[pl.DataFrame] = []
        self.routes: list[pl.DataFrame] = []
        self.anomaly_parts: list[pl.DataFrame] = []
        self.failure_parts: list[pl.DataFrame] = []
        self.requests = 0
        self.by_team: dict[str, int] = {}

    def add_day(self, req: pl.DataFrame, day_index: int, day_ms: int) -> None:
        self.requests += req.height
        for team, n in req.group_by("team").len().iter_rows():
            self.by_team[team] = self.by_team.get(team, 0) + n
        billed = req.filter(pl.col("route").is_in(BILLED_ROUTES))
        self.usage.append(
            billed.group_by(["model_idx", "team", "batch", "band"])
            .agg([pl.col(f"t_{b}").sum() for b in BUCKETS])
            .with_columns(pl.lit(day_index).alias("day_index"), pl.lit(day_ms).alias("day_ms"))
        )
        hosted = req.filter(pl.col("route") == "self_hosted").with_columns(
            ((pl.col("ts_ms") - day_ms) // 3_600_000).alias("hour")
        )
        for hour, feature, n in hosted.group_by(["hour", "feature"]).len().iter_rows():
            self.hourly_load[day_index * 24 + hour, FEATURE_INDEX[feature]] += n
        self.team_daily.append(
            req.group_by("attributed_team")
            .agg(pl.col("cost").sum())
            .with_columns(pl.lit(day_index).alias("day_index"))
        )
        self.routes.append(req.group_by("route").agg(pl.len().alias("requests"), pl.col("cost").sum()))
        self.anomaly_parts.append(
            req.filter(pl.col("anomaly") >= 0)
            .group_by("anomaly")
            .agg(
                pl.len().alias("rows"),
                (pl.col("retry_of") != -1).sum().alias("extra"),
                (pl.col("cost") - pl.col("base_cost")).sum().alias("impact"),
            )
        )
        self.failure_parts.append(
            req.filter((pl.col("anomaly") >= 0) & (pl.col("status") != 200))
            .group_by(["anomaly", "feature", "model"])
            .agg(pl.len().alias("failed"))
        )

    def usage_frame(self) -> pl.DataFrame:
        return pl.concat(self.usage) if self.usage else pl.DataFrame()

    def route_costs(self) -> pl.DataFrame:
        frame = pl.concat(self.routes).group_by("route").agg(pl.col("requests").sum(), pl.col("cost").sum())
        return frame.sort("route").with_columns(pl.col("cost").round(6).alias("list_cost_usd")).drop("cost")

    def fill_impacts(self, plan: list[Anomaly]) -> None:
        if not self.anomaly_parts:
            return
        stats = (
            pl.concat(self.anomaly_parts)
            .group_by("anomaly")
            .agg(pl.col("rows").sum(), pl.col("extra").sum(), pl.col("impact").sum())
        )
        for ai, rows, extra, impact in stats.iter_rows():
            plan[ai].affected_requests = int(rows)
            plan[ai].extra_requests = int(extra)
            plan[ai].impact_cost_usd = float(impact)
        self._name_storm_contributors(plan)

    def _name_storm_contributors(self, plan: list[Anomaly]) -> None:
        """An error storm's top contributor is where its failed calls landed: for a model's storm the feature
        with the most failed calls to it, for a feature's storm the model with the most (ties by name).

        A storm fails every call of its scope alike, so this is the caller sending the model most calls in
        the window (not the feature with the most traffic overall: coding-agent splits its calls over two
        models), and for a feature split evenly over two models whichever of them failed more.
        """
        failures = pl.concat(self.failure_parts)
        for ai, a in enumerate(plan):
            if a.pattern != "error_storm":
                continue
            by = "feature" if a.scope_type == "model" else "model"
            mine = (
                failures.filter(pl.col("anomaly") == ai)
                .group_by(by)
                .agg(pl.col("failed").sum())
                .sort(["failed", by], descending=[True, False])
            )
            if mine.height:
                a.top_contributor_value = str(mine[by][0])

    def budget_labels(self, end: date) -> list[dict]:
        """Month-to-date spend per team vs its budget as of end_date, a run-rate forecast and the tier."""
        as_of = end - timedelta(days=1)
        month_start = as_of.replace(day=1)
        next_month = (month_start + timedelta(days=32)).replace(day=1)
        daily = pl.concat(self.team_daily).with_columns(
            pl.col("day_index")
            .map_elements(lambda i: (self.start + timedelta(days=i)).isoformat(), return_dtype=pl.String)
            .alias("date")
        )
        in_month = daily.filter(pl.col("date") >= month_start.isoformat())
        covered = len(set(in_month["date"].to_list()))
        recent_from = (end - timedelta(days=7)).isoformat()
        days_left = (next_month - end).days
        rows = []
        for t in TEAMS:
            mine = in_month.filter(pl.col("attributed_team") == t.key)
            mtd = float(mine["cost"].sum())
            recent = daily.filter((pl.col("attributed_team") == t.key) & (pl.col("date") >= recent_from))
            recent_days = max(1, len(set(recent["date"].to_list())))
            forecast = mtd + float(recent["cost"].sum()) / recent_days * days_left
            rows.append(
                {
                    "team_id": t.key,
                    "month": month_start.strftime("%Y-%m"),
                    "as_of": end.isoformat(),
                    "budget_usd": t.monthly_budget_usd,
                    "basis": "llm_list_cost",
                    "mtd_days_covered": covered,
                    "mtd_spend_usd": round(mtd, 4),
                    "mtd_pct": round(100 * mtd / t.monthly_budget_usd, 2),
                    "tier_reached": _tier(100 * mtd / t.monthly_budget_usd),
                    "forecast_month_end_usd": round(forecast, 4),
                    "forecast_pct": round(100 * forecast / t.monthly_budget_usd, 2),
                    "forecast_tier": _tier(100 * forecast / t.monthly_budget_usd),
                    "on_track_to_overrun": forecast > t.monthly_budget_usd,
                }
            )
        return rows


def _tier(pct: float) -> str:
    reached = [name for name, threshold in BUDGET_TIERS.items() if pct >= threshold]
    return reached[-1] if reached else "none"
