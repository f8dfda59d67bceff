"""Events: anomalies that are one incident seen from several scopes.

A leaked key shows up on its user, its API key, the feature it calls, the team and the model it uses, all
at once. Two anomalies belong to the same event when their windows overlap and their scopes are related:

* the same scope (an hourly and a daily window);
* one contains the other: a team contains its features, users and API keys (the team that most of their
  requests are charged to);
* one is the other's top contributor (a feature anomaly whose root cause is user X, and the anomaly on user X),
  or both name the same top contributor.

Relations are closed transitively. Each event has one *primary* anomaly, the one an alert is sent for: hourly
before daily (sooner and sharper), then feature, model, team, API key, user (the scope an owner acts on, with
the user or model named in its root cause), then the largest impact.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

PRIMARY_ORDER = {"feature": 0, "model": 1, "team": 2, "api_key": 3, "user": 4}
GRAIN_ORDER = {"hour": 0, "day": 1}

# (scope_type, scope_value) -> the value of its parent: a feature's, user's or API key's team, a prompt's feature
Containment = dict[tuple[str, str], str]
PARENT_TYPE = {"feature": "team", "user": "team", "api_key": "team", "prompt": "feature"}


def related(a: dict, b: dict, team_of: Containment) -> bool:
    """Whether two anomalies (dicts with scope and top contributor) describe one incident's scopes."""
    sa, sb = (a["scope_type"], a["scope_value"]), (b["scope_type"], b["scope_value"])
    if _near(sa, sb, team_of):
        return True
    ca = (a.get("top_contributor_type"), a.get("top_contributor_value"))
    cb = (b.get("top_contributor_type"), b.get("top_contributor_value"))
    if ca[1] is not None and _near(ca, sb, team_of):
        return True
    if cb[1] is not None and _near(cb, sa, team_of):
        return True
    return ca[1] is not None and ca == cb


def _near(x: tuple, y: tuple, team_of: Containment) -> bool:
    return x == y or contains(x, y, team_of) or contains(y, x, team_of)


def ancestors(scope: tuple[str, str], team_of: Containment) -> list[tuple[str, str]]:
    """The scopes containing `scope`: a prompt's feature and team, a feature's, user's or key's team."""
    out = []
    while scope[0] in PARENT_TYPE and scope in team_of:
        scope = (PARENT_TYPE[scope[0]], team_of[scope])
        out.append(scope)
    return out


def contains(outer: tuple[str, str], inner: tuple[str, str], team_of: Containment) -> bool:
    """A team contains the features, users and API keys charged to it; a feature its prompts."""
    return outer in ancestors(inner, team_of)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime, slack=None) -> bool:
    if slack is not None:
        a_start, a_end = a_start - slack, a_end + slack
    return a_start < b_end and b_start < a_end


def assign(anomalies: pl.DataFrame, team_of: Containment) -> pl.DataFrame:
    """`anomalies` with `event_id` (the primary anomaly's id) and `is_primary` columns."""
    if anomalies.is_empty():
        return anomalies.with_columns(
            pl.lit(None, pl.Utf8).alias("event_id"), pl.lit(False).alias("is_primary")
        )
    rows = anomalies.to_dicts()
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(rows)), key=lambda i: rows[i]["window_start"])
    for n, i in enumerate(order):  # sweep by start: a later start overlaps i while it begins before i ends
        for j in order[n + 1 :]:
            if rows[j]["window_start"] >= rows[i]["window_end"]:
                break
            if related(rows[i], rows[j], team_of):
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(root(i), []).append(i)
    event_of, primary = [None] * len(rows), [False] * len(rows)
    for members in groups.values():
        best = min(
            members,
            key=lambda i: (
                GRAIN_ORDER.get(rows[i]["grain"], 9),
                PRIMARY_ORDER.get(rows[i]["scope_type"], 9),
                -(rows[i]["impact_usd"] or 0.0),
            ),
        )
        primary[best] = True
        for i in members:
            event_of[i] = rows[best]["anomaly_id"]
    return anomalies.with_columns(pl.Series("event_id", event_of), pl.Series("is_primary", primary))
