"""The fictional company "Acme": teams, users, API keys, cloud accounts, budgets and the mappings it keeps.

Everything here is fixed and independent of `--seed` (ids come from a hash of stable names, never from the
random generator): the repo's dbt seeds are derived from `company_tables()`, and a test checks that the
`company/` folder of every generated workload equals it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache

from burnrate.generate.catalog import FEATURE_INDEX, FEATURES, GPU_NODES, MODEL_INDEX, MODELS


@dataclass(frozen=True)
class Team:
    key: str
    name: str
    cost_center: str
    log_sink: (
        str  # langfuse_export | langfuse_api | helicone_export | helicone_api | helicone_api+langfuse_export
    )
    monthly_budget_usd: float  # sized for the default 10,000 requests/day
    humans: int  # number of employee users
    slack_channel: str


TEAMS: tuple[Team, ...] = (
    Team("search", "Search & Discovery", "CC-1100", "langfuse_export", 800, 38, "#search-oncall"),
    Team("support", "Customer Support AI", "CC-1200", "langfuse_export", 600, 44, "#support-ai"),
    Team("growth", "Growth & Marketing", "CC-1300", "helicone_export", 150, 30, "#growth-eng"),
    Team("platform", "ML Platform", "CC-1400", "langfuse_api", 400, 26, "#ml-platform"),
    Team("agents", "Automation Agents", "CC-1500", "helicone_api", 1_150, 34, "#agents-eng"),
    Team("data", "Data & Analytics", "CC-1600", "helicone_export", 450, 28, "#data-eng"),
    Team("mobile", "Mobile App", "CC-1700", "langfuse_api", 500, 36, "#mobile-eng"),
    Team("risk", "Trust & Safety", "CC-1800", "helicone_api+langfuse_export", 300, 24, "#risk-eng"),
)
TEAM_INDEX = {t.key: i for i, t in enumerate(TEAMS)}
BUDGET_TIERS = {"warning": 70, "critical": 90, "emergency": 100}
QUOTA_TIERS = {"warn": 80, "soft_limit": 100, "hard_limit": 120}

# Budgets beyond the teams' (sized for the default 10,000 requests/day; basis effective_cost: every source's
# dollars in scope): scope type, scope value, period, amount USD, token quota (None: no quota), name.
OTHER_BUDGETS: tuple[tuple[str, str, str, float, int | None, str], ...] = (
    ("global", "all", "monthly", 55_000, None, "Company cloud + AI spend"),
    ("provider", "anthropic", "quarterly", 6_000, None, "Anthropic API (direct)"),
    ("feature", "rag-answer", "monthly", 700, 300_000_000, "RAG answers: dollars and tokens"),
    ("model", "gpt-5.1", "monthly", 1_000, None, "gpt-5.1 across teams"),
)

# Cloud accounts / subscriptions / projects and the team each one is charged to (None: shared, unallocated).
ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    # provider, account id, account name, team
    ("aws", "334455667788", "acme-search-prod", "search"),
    ("aws", "445566778899", "acme-ml-platform", "platform"),
    ("aws", "556677889900", "acme-data-lake", "data"),
    ("aws", "667788990011", "acme-shared-services", None),
    ("azure", "5f1c2a3b-8d4e-4a6f-9b0c-1d2e3f4a5b6c", "acme-growth-prod", "growth"),
    ("azure", "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", "acme-mobile-prod", "mobile"),
    ("azure", "9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", "acme-shared-prod", None),
    ("gcp", "acme-search-prod", "Acme Search Prod", "search"),
    ("gcp", "acme-growth-ml", "Acme Growth ML", "growth"),
    ("gcp", "acme-data-analytics", "Acme Data Analytics", "data"),
    ("gcp", "acme-risk-prod", "Acme Risk Prod", "risk"),
    ("gcp", "acme-shared-infra", "Acme Shared Infra", None),
)
BILLING_ACCOUNTS = {
    "aws": ("112233445566", "acme-payer"),
    "azure": ("8611537", "Acme Corp EA"),
    "gcp": ("01A2B3-C4D5E6-F7A8B9", "Acme Corp Billing"),
}
NAMESPACE_TEAMS = {"llm-serving": "platform", "search-inference": "search", "ml-batch": "data"}


def _hid(*parts: str, n: int = 8) -> str:
    """A stable short hex id from names (sha256), so ids never depend on the seed."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def account_for(provider: str, team: str) -> str:
    """The account a team's cloud AI calls are billed to (the shared account if the team has none)."""
    for prov, account_id, _name, owner in ACCOUNTS:
        if prov == provider and owner == team:
            return account_id
    return next(a for p, a, _n, o in ACCOUNTS if p == provider and o is None)


@dataclass(frozen=True)
class User:
    user_id: str
    team: str
    kind: str  # employee | service | contractor
    mapped: bool  # present in user_teams.csv (contractors are not: their untagged calls stay unattributed)


@cache
def users() -> tuple[User, ...]:
    """All users: employees and a service account per team, plus a few contractors nobody mapped."""
    out: list[User] = []
    for team in TEAMS:
        for i in range(team.humans):
            out.append(User(f"user_{_hid('user', team.key, str(i))}", team.key, "employee", True))
        out.append(User(f"svc-{team.key}-{_hid('svc', team.key, n=4)}", team.key, "service", True))
        for i in range(2):
            out.append(User(f"ext_{_hid('contractor', team.key, str(i))}", team.key, "contractor", False))
    return tuple(out)


@cache
def user_index() -> dict[str, int]:
    return {u.user_id: i for i, u in enumerate(users())}


def api_keys() -> list[dict]:
    """API keys: one per service account and one per team's first three employees."""
    rows = []
    for u in users():
        team_users = [x for x in users() if x.team == u.team and x.kind == "employee"]
        if u.kind == "service" or (u.kind == "employee" and u in team_users[:3]):
            kid = _hid("key", u.user_id, n=12)
            rows.append(
                {
                    "api_key_id": f"key_{kid}",
                    "key_hint": f"sk-acme-...{kid[-4:]}",
                    "user_id": u.user_id,
                    "team_id": u.team,
                    "created_date": "2026-01-15",
                }
            )
    return rows


def api_key_of(user_id: str) -> str | None:
    return next((k["api_key_id"] for k in api_keys() if k["user_id"] == user_id), None)


def model_rows() -> list[dict]:
    return [
        {
            "model_key": m.key,
            "model": m.name,
            "route": m.route,
            "provider": {"aws_bedrock": "aws", "azure_openai": "azure", "gcp_vertex": "gcp"}.get(
                m.route, m.route
            ),
            "genai_prices_provider": m.genai_provider or "",
            "genai_prices_ref": m.genai_ref or "",
            "has_public_price": m.genai_provider is not None and m.route != "self_hosted",
            "supports_cache_read": m.cache_read,
            "supports_cache_write": m.cache_write,
            "supports_reasoning": m.reasoning,
            "supports_audio": m.audio,
            "context_window": m.context_window,
            "billing_name": m.billing_name or "",
        }
        for m in MODELS
    ]


def gpu_workload_rows() -> list[dict]:
    """What each GPU workload serves: Kubernetes namespace + pod name prefix (the pod name without its ordinal
    suffix) -> the company model it serves (blank when it serves no logged LLM traffic, e.g. a batch embedder),
    so GPU cost can be put next to the requests that model served."""
    rows: dict[tuple[str, str], dict] = {}
    for node in GPU_NODES:
        for pod, container, _gpus, features in node.pods:
            served = {
                model
                for f in features
                for model, _share in FEATURES[FEATURE_INDEX[f]].models
                if MODELS[MODEL_INDEX[model]].route == "self_hosted"
            }
            if len(served) > 1:
                raise ValueError(f"{pod}: serves more than one model ({sorted(served)})")
            prefix = re.sub(r"-[0-9]+$", "", pod)
            rows[node.namespace, prefix] = {
                "namespace": node.namespace,
                "pod_prefix": prefix,
                "container": container,
                "model_key": next(iter(served), ""),
            }
    return list(rows.values())


def budget_rows() -> list[dict]:
    """Budgets as data: one monthly team budget per team (basis llm_list_cost, what labels/budget_labels.csv
    checks), then OTHER_BUDGETS. Tiers in percent of the amount; token quota tiers in percent of the quota."""

    def row(budget_id, name, scope_type, scope_value, period, amount, basis, quota=None) -> dict:
        return {
            "budget_id": budget_id,
            "budget_name": name,
            "scope_type": scope_type,
            "scope_value": scope_value,
            "period": period,
            "amount_usd": amount,
            "currency": "USD",
            "basis": basis,
            "warning_pct": BUDGET_TIERS["warning"],
            "critical_pct": BUDGET_TIERS["critical"],
            "emergency_pct": BUDGET_TIERS["emergency"],
            "token_quota": quota,
            "quota_warn_pct": QUOTA_TIERS["warn"] if quota else None,
            "quota_soft_limit_pct": QUOTA_TIERS["soft_limit"] if quota else None,
            "quota_hard_limit_pct": QUOTA_TIERS["hard_limit"] if quota else None,
        }

    teams = [
        row(
            f"team-{t.key}",
            f"{t.name} LLM spend",
            "team",
            t.key,
            "monthly",
            t.monthly_budget_usd,
            "llm_list_cost",
        )
        for t in TEAMS
    ]
    others = [
        row(f"{kind}-{value}-{period}", name, kind, value, period, amount, "effective_cost", quota)
        for kind, value, period, amount, quota, name in OTHER_BUDGETS
    ]
    return teams + others


def company_tables() -> dict[str, list[dict]]:
    """The lookup tables a company keeps, as lists of rows (column order = dict order).

    Keys are file stems: `company/<key>.csv` in the output and candidate dbt seeds.
    """
    return {
        "teams": [
            {
                "team_id": t.key,
                "team_name": t.name,
                "cost_center": t.cost_center,
                "log_sink": t.log_sink,
                "slack_channel": t.slack_channel,
            }
            for t in TEAMS
        ],
        "features": [
            {
                "feature_id": f.key,
                "team_id": f.team,
                "feature_name": f.name,
                "kind": f.kind,
                "prompt_name": f.prompt,
            }
            for f in FEATURES
        ],
        "users": [{"user_id": u.user_id, "home_team_id": u.team, "kind": u.kind} for u in users()],
        "api_keys": api_keys(),
        "models": model_rows(),
        "budgets": budget_rows(),
        "user_teams": [{"user_id": u.user_id, "team_id": u.team} for u in users() if u.mapped],
        "namespace_teams": [{"namespace": ns, "team_id": team} for ns, team in NAMESPACE_TEAMS.items()],
        "account_teams": [
            {"provider": p, "account_id": a, "account_name": n, "team_id": t or ""} for p, a, n, t in ACCOUNTS
        ],
        "gpu_nodes": [
            {
                "hostname": n.hostname,
                "instance_id": n.instance_id,
                "instance_type": n.instance_type,
                "gpu_model": n.gpu_model,
                "gpu_count": n.gpus,
                "account_id": n.account_id,
                "k8s_cluster": n.cluster,
                "namespace": n.namespace,
                "team_id": NAMESPACE_TEAMS[n.namespace],
            }
            for n in GPU_NODES
        ],
        "gpu_workloads": gpu_workload_rows(),
    }
