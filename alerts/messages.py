"""Alert messages as Slack Block Kit (built with `slack_sdk.models.blocks`) plus a plain-text fallback.

What the on-call engineer needs in the message itself: what happened, where (scope), how much money (and
per hour for an hourly anomaly), how much of the budget is used, the likely cause, and one link that opens
the dashboard on exactly that view (`alerts.dashboard_url` + `/anomalies?anomaly=<id>` or
`/budgets?budget=<id>`). Each message ends with its alert key, so a rare duplicate (see `alerts.outbox`) is
recognisable as one.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

PATTERN_TITLES = {
    "token_spike": "Token spike",
    "leaked_key": "Possible leaked key",
    "cost_without_traffic": "Cost up, traffic flat",
    "error_storm": "Error/retry storm",
    "other": "Unusual spend",
}
SEVERITY_ICONS = {
    "low": ":information_source:",
    "medium": ":warning:",
    "high": ":rotating_light:",
    "critical": ":fire:",
}


def link(base: str, page: str, **params: str) -> str:
    return f"{base.rstrip('/')}/{page}?{urlencode(params)}"


def money(x: float | None) -> str:
    if x is None:
        return "n/a"
    x = float(x)
    sign = "-" if x < 0 else ""
    return f"{sign}${abs(x):,.2f}" if abs(x) >= 0.1 or x == 0 else f"{sign}${abs(x):,.4f}"


def _when(a: datetime, b: datetime) -> str:
    return (
        f"{a:%a %d %b %H:%M}–{b:%H:%M} UTC"
        if a.date() == b.date()
        else f"{a:%d %b %H:%M}–{b:%d %b %H:%M} UTC"
    )


def _payload(text: str, blocks: list) -> dict:
    return {"text": text, "blocks": [b.to_dict() for b in blocks]}


def _footer(alert_key: str, url: str) -> list:
    return [
        ActionsBlock(
            elements=[ButtonElement(text="Open in Burnrate", url=url, action_id="open_in_burnrate")]
        ),
        ContextBlock(elements=[MarkdownTextObject(text=f"burnrate · `{alert_key}`")]),
    ]


def budget_line(budget: dict | None) -> str:
    if not budget:
        return "no budget"
    pct = budget.get("pct_used")
    return f"{pct:.0f}% of {budget.get('budget_name') or budget['budget_id']}" if pct is not None else "n/a"


def anomaly(a: dict, alert_key: str, base_url: str, budget: dict | None) -> tuple[dict, str]:
    """(payload, dashboard url) for one anomaly row of alerts.anomalies."""
    url = link(base_url, "anomalies", anomaly=a["anomaly_id"])
    title = PATTERN_TITLES.get(a["pattern"], "Unusual spend")
    scope = f"{a['scope_type']} *{a['scope_value']}*"
    impact = money(a["impact_usd"])
    if a["grain"] == "hour":
        impact += f" ({money(a['impact_usd_per_hour'])}/h)"
    pct = f" ({a['impact_pct']:+.0f}%)" if a.get("impact_pct") is not None else ""
    severity = a["severity"] + (" ↑ budget" if a.get("is_escalated") else "")
    blocks = [
        HeaderBlock(text=f"{title}: {a['scope_type']} {a['scope_value']}"[:150]),
        SectionBlock(
            text=MarkdownTextObject(text=f"{SEVERITY_ICONS.get(a['severity'], '')} {a['root_cause']}"),
            fields=[
                MarkdownTextObject(text=f"*Scope*\n{scope}"),
                MarkdownTextObject(text=f"*When*\n{_when(a['window_start'], a['window_end'])}"),
                MarkdownTextObject(text=f"*Impact*\n{impact}{pct}"),
                MarkdownTextObject(
                    text=f"*Expected → actual*\n{money(a['expected_spend'])} → {money(a['actual_spend'])}"
                ),
                MarkdownTextObject(text=f"*Budget*\n{budget_line(budget)}"),
                MarkdownTextObject(text=f"*Severity*\n{severity}"),
            ],
        ),
        *_footer(alert_key, url),
    ]
    text = f"{title} on {a['scope_type']} {a['scope_value']}: {impact}{pct}. {a['root_cause']} {url}"
    return _payload(text, blocks), url


def budget(alert_key: str, kind: str, b: dict, tier: str | None, base_url: str) -> tuple[dict, str]:
    """(payload, dashboard url) for a budget tier, quota tier or forecast breach."""
    url = link(base_url, "budgets", budget=b["budget_id"])
    name = b.get("budget_name") or b["budget_id"]
    scope = f"{b['scope_type']} *{b['scope_value']}*"
    if kind == "forecast":
        when = b["projected_breach_date"]
        when = when.strftime("%d %b") if isinstance(when, date) else str(when)
        title = f"Budget {name} forecast to exceed on {when}"
        detail = f"Forecast {money(b.get('forecast_spend'))} against {money(b.get('amount'))} ({b.get('forecast_pct') or 0:.0f}%) by period end."
    elif kind == "quota":
        title = f"Token quota {name}: {tier.replace('_', ' ')}"
        detail = f"{b.get('tokens_to_date') or 0:,} of {b.get('token_quota') or 0:,} tokens ({b.get('quota_pct') or 0:.0f}%)."
    else:
        title = f"Budget {name}: {tier} ({b.get('pct_used') or 0:.0f}% used)"
        detail = f"{money(b.get('spend_to_date'))} of {money(b.get('amount'))} spent; forecast {money(b.get('forecast_spend'))} by period end."
    period = f"{b['period_type']} from {b['period_start']}"
    blocks = [
        HeaderBlock(text=title[:150]),
        SectionBlock(
            text=MarkdownTextObject(text=detail),
            fields=[
                MarkdownTextObject(text=f"*Scope*\n{scope}"),
                MarkdownTextObject(text=f"*Period*\n{period}"),
                MarkdownTextObject(text=f"*Used*\n{b.get('pct_used') or 0:.0f}%"),
                MarkdownTextObject(text=f"*Forecast*\n{b.get('forecast_pct') or 0:.0f}%"),
            ],
        ),
        *_footer(alert_key, url),
    ]
    return _payload(f"{title}. {detail} {url}", blocks), url


def digest(alert_key: str, day: date, summary: dict, base_url: str) -> tuple[dict, str]:
    """(payload, dashboard url) for the daily digest: yesterday's spend, anomalies and budgets."""
    url = link(base_url, "anomalies", date=day.isoformat())
    top = summary.get("anomalies", [])[:5]
    lines = [
        f"• {PATTERN_TITLES.get(a['pattern'], 'Unusual spend')} on {a['scope_type']} *{a['scope_value']}*: {money(a['impact_usd'])}"
        for a in top
    ]
    budgets = summary.get("budgets", [])[:5]
    blines = [
        f"• {b.get('budget_name') or b['budget_id']}: {b.get('pct_used') or 0:.0f}% used, forecast {b.get('forecast_pct') or 0:.0f}%"
        for b in budgets
    ]
    blocks = [
        HeaderBlock(text=f"Burnrate daily digest: {day:%a %d %b %Y}"),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*LLM spend*\n{money(summary.get('spend'))}"),
                MarkdownTextObject(text=f"*vs day before*\n{money(summary.get('spend_before'))}"),
                MarkdownTextObject(text=f"*Requests*\n{summary.get('requests', 0):,}"),
                MarkdownTextObject(text=f"*Anomalies*\n{len(summary.get('anomalies', []))}"),
            ]
        ),
    ]
    if lines:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="*Anomalies*\n" + "\n".join(lines))))
    if blines:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="*Budgets*\n" + "\n".join(blines))))
    elif summary.get("budget_note"):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=summary["budget_note"])]))
    blocks += _footer(alert_key, url)
    text = (
        f"Burnrate digest {day.isoformat()}: LLM spend {money(summary.get('spend'))}, "
        f"{len(summary.get('anomalies', []))} anomalies. {url}"
    )
    return _payload(text, blocks), url
