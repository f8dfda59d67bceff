"""Plotly helpers and formatting: currency axes, tier colours, readable labels, empty states.

Money is stored in USD; a display currency converts at a fixed rate the operator configures
(`serve.currency_rates`, e.g. `EUR=0.92`), applied to the displayed numbers only.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "CHF": "CHF ",
    "CAD": "C$",
    "AUD": "A$",
}
TIER_COLOURS = {
    "none": "#2e7d32",
    "ok": "#2e7d32",
    "warning": "#f9a825",
    "warn": "#f9a825",
    "critical": "#ef6c00",
    "soft_limit": "#ef6c00",
    "emergency": "#c62828",
    "hard_limit": "#c62828",
}
SEVERITY_COLOURS = {"low": "#90a4ae", "medium": "#f9a825", "high": "#ef6c00", "critical": "#c62828"}
SOURCE_COLOURS = {"LLM APIs": "#5c6bc0", "GPUs": "#26a69a", "Other cloud": "#ffa726"}


@dataclass(frozen=True)
class Currency:
    """A display currency: code, symbol and units per USD."""

    code: str = "USD"
    rate: float = 1.0

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.code, f"{self.code} ")

    def __call__(self, usd: float | None, digits: int | None = None) -> str:
        """Format a USD amount in this currency: $1,234 (cents under 100, 4 decimals under 1 cent)."""
        if usd is None:
            return "–"
        value = float(usd) * self.rate
        if digits is None:
            digits = 0 if abs(value) >= 100 else 2 if abs(value) >= 0.01 or value == 0 else 4
        sign = "-" if value < 0 else ""
        return f"{sign}{self.symbol}{abs(value):,.{digits}f}"

    def scale(self, frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        """Convert money columns of a frame for display."""
        if self.rate == 1.0:
            return frame
        return frame.with_columns([pl.col(c) * self.rate for c in columns if c in frame.columns])

    def column(self, label: str, digits: int = 2) -> st.column_config.NumberColumn:
        """A table column of money in this currency (thousands separators at cent precision)."""
        named = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}.get(self.code)
        fmt = named if named and digits == 2 else f"{self.symbol}%.{digits}f"
        return st.column_config.NumberColumn(f"{label} ({self.code})", format=fmt)


def currencies(rates: list[str]) -> dict[str, Currency]:
    """USD plus the configured `CODE=rate` entries (malformed entries are skipped)."""
    out = {"USD": Currency()}
    for entry in rates:
        code, _, rate = entry.partition("=")
        try:
            out[code.strip().upper()] = Currency(code.strip().upper(), float(rate))
        except ValueError:
            continue
    return out


def pct(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:,.{digits}f} %"


def signed_pct(value: float | None) -> str | None:
    return None if value is None else f"{value * 100:+,.0f} %"


def empty(message: str) -> None:
    """The empty state: what is missing and what to run."""
    st.info(message, icon=":material/hourglass_empty:")


def layout(fig: go.Figure, cur: Currency, *, y_money: bool = True, height: int = 340) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": None},
        hovermode="x unified",
    )
    if y_money:
        fig.update_yaxes(tickprefix=cur.symbol, separatethousands=True, title=None)
    fig.update_xaxes(title=None)
    return fig


def stacked_area(
    frame: pl.DataFrame, x: str, y: str, colour: str, cur: Currency, colours: dict | None = None
) -> go.Figure:
    data = cur.scale(frame, [y])
    fig = px.area(
        data, x=x, y=y, color=colour, color_discrete_map=colours or {}, labels={y: cur.code, colour: ""}
    )
    fig.update_traces(hovertemplate=f"%{{fullData.name}}: {cur.symbol}%{{y:,.2f}}<extra></extra>")
    return layout(fig, cur)


def lines(
    frame: pl.DataFrame, x: str, y: str, colour: str | None, cur: Currency, *, money: bool = True
) -> go.Figure:
    data = cur.scale(frame, [y]) if money else frame
    fig = px.line(data, x=x, y=y, color=colour, markers=data.height < 60, labels={y: "", colour or "": ""})
    if money:
        fig.update_traces(hovertemplate=f"%{{fullData.name}}: {cur.symbol}%{{y:,.2f}}<extra></extra>")
    return layout(fig, cur, y_money=money)


def treemap(frame: pl.DataFrame, names: str, values: str, cur: Currency, title: str) -> go.Figure:
    data = cur.scale(frame.filter(pl.col(values) > 0), [values])
    fig = go.Figure(
        go.Treemap(
            labels=data[names].to_list(),
            parents=[title] * data.height,
            values=data[values].to_list(),
            branchvalues="remainder",
            texttemplate=f"<b>%{{label}}</b><br>{cur.symbol}%{{value:,.2f}}<br>%{{percentParent:.0%}}",
            hovertemplate=f"%{{label}}: {cur.symbol}%{{value:,.2f}}<extra></extra>",
            root_color="rgba(0,0,0,0)",
        )
    )
    fig.update_layout(height=360, margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return fig


def bars(
    frame: pl.DataFrame,
    x: str,
    ys: list[str],
    cur: Currency,
    *,
    names: dict | None = None,
    barmode: str = "stack",
) -> go.Figure:
    data = cur.scale(frame, ys)
    fig = go.Figure()
    for y in ys:
        fig.add_bar(
            x=data[x].to_list(),
            y=data[y].to_list(),
            name=(names or {}).get(y, y),
            hovertemplate=f"{(names or {}).get(y, y)}: {cur.symbol}%{{y:,.2f}}<extra></extra>",
        )
    fig.update_layout(barmode=barmode)
    return layout(fig, cur)


def progress_bar(pct_used: float | None, tier: str | None) -> str:
    """A small HTML progress bar in the tier's colour; `pct_used` in percent (clipped at 100, the number says the rest)."""
    width = max(0.0, min(100.0, pct_used or 0.0))
    colour = TIER_COLOURS.get(tier or "none", TIER_COLOURS["none"])
    return (
        '<div style="background:#e0e0e0;border-radius:4px;height:10px;width:100%">'
        f'<div style="background:{colour};width:{width:.1f}%;height:10px;border-radius:4px"></div></div>'
    )
