"""The view state every page shares — period, currency, global filters — and its home, the URL.

`Filters` is a plain value (no Streamlit): parsed from and written to query parameters, and resolved to a
date window against the last day with data (`as_of`), so the demo's future-dated data and a warehouse
that stopped loading last week both show their latest period by default. The URL is the single source of
truth: widgets mirror it on every run and write it back when they change, so any view is a shareable link.
Page-specific state (drill-down user, request, selected anomaly or budget) also lives in the URL, under
the keys in `PAGE_KEYS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

PERIODS: dict[str, str] = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "mtd": "Month to date",
    "last_month": "Last month",
    "qtd": "Quarter to date",
    "ytd": "Year to date",
    "custom": "Custom range",
}
DEFAULT_PERIOD = "30d"
# global filter dimensions: URL key -> label; each holds any number of values (repeated URL keys)
DIMENSIONS: dict[str, str] = {
    "team": "Team",
    "feature": "Feature",
    "provider": "Provider",
    "model": "Model",
    "env": "Environment",
}
# page-only URL keys (single values), per page url path; kept in the URL of the page that owns them only
PAGE_KEYS: dict[str, tuple[str, ...]] = {
    "explore": ("by", "user", "prompt", "request"),
    "budgets": ("budget",),
    "anomalies": ("anomaly",),
    "efficiency": ("feature_whatif", "target_model"),
    "sql": ("q",),
}


@dataclass(frozen=True)
class Filters:
    """Period, display currency and global filters of one view."""

    period: str = DEFAULT_PERIOD
    start: date | None = None  # custom range only, inclusive
    end: date | None = None
    currency: str = "USD"
    dims: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def values(self, dim: str) -> tuple[str, ...]:
        return tuple(self.dims.get(dim, ()))

    def pinned(self, dim: str) -> str | None:
        """The single value a dimension is narrowed to (a drill-down level), else None."""
        vals = self.values(dim)
        return vals[0] if len(vals) == 1 else None

    def with_dim(self, dim: str, values: tuple[str, ...] | list[str]) -> Filters:
        dims = {k: v for k, v in self.dims.items() if v}
        dims[dim] = tuple(values)
        return replace(self, dims={k: v for k, v in dims.items() if v})

    def window(self, as_of: date) -> tuple[date, date]:
        """The period as an inclusive [start, end] date range ending no later than `as_of`."""
        return period_window(self.period, as_of, self.start, self.end)

    def to_params(self) -> dict[str, str | list[str]]:
        """Query parameters for this view (defaults left out, so links stay short)."""
        params: dict[str, str | list[str]] = {}
        if self.period != DEFAULT_PERIOD:
            params["period"] = self.period
        if self.period == "custom" and self.start and self.end:
            params["start"], params["end"] = self.start.isoformat(), self.end.isoformat()
        if self.currency != "USD":
            params["cur"] = self.currency
        for dim in DIMENSIONS:
            if self.values(dim):
                params[dim] = list(self.values(dim))
        return params


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def from_params(params: Mapping[str, list[str]]) -> Filters:
    """Parse query parameters (each key to all its values); unknown or malformed values fall back to defaults."""

    def one(key: str) -> str | None:
        vals = params.get(key) or []
        return vals[-1] if vals else None

    period = one("period") or DEFAULT_PERIOD
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    start, end = _date(one("start")), _date(one("end"))
    if period == "custom" and not (start and end and start <= end):
        period, start, end = DEFAULT_PERIOD, None, None
    dims = {}
    for dim in DIMENSIONS:
        vals = tuple(dict.fromkeys(v for v in params.get(dim, []) if v))
        if vals:
            dims[dim] = vals
    return Filters(
        period=period,
        start=start if period == "custom" else None,
        end=end if period == "custom" else None,
        currency=(one("cur") or "USD").upper(),
        dims=dims,
    )


def period_window(
    period: str, as_of: date, start: date | None = None, end: date | None = None
) -> tuple[date, date]:
    """Inclusive date range of a named period ending on `as_of` (the last day with data)."""
    if period == "custom" and start and end:
        return start, end
    if period == "7d":
        return as_of - timedelta(days=6), as_of
    if period == "90d":
        return as_of - timedelta(days=89), as_of
    if period == "mtd":
        return as_of.replace(day=1), as_of
    if period == "last_month":
        last = as_of.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period == "qtd":
        return date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1), as_of
    if period == "ytd":
        return date(as_of.year, 1, 1), as_of
    return as_of - timedelta(days=29), as_of


def previous_window(start: date, end: date) -> tuple[date, date]:
    """The window of the same length just before [start, end] (for period-over-period change)."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def page_params(params: Mapping[str, list[str]], page: str) -> dict[str, str]:
    """The keys of page `page` present in the URL (single values)."""
    return {k: params[k][-1] for k in PAGE_KEYS.get(page, ()) if params.get(k) and params[k][-1]}
