"""The exported price catalog reproduces genai-prices exactly, and the committed seeds are current."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from burnrate import prices
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds")
    prices.export(out)
    return out


def test_committed_seeds_match_the_installed_package(exported):
    for name in ("price_catalog", "price_model_matches", "price_providers"):
        assert (exported / f"{name}.csv").read_bytes() == (ROOT / "seeds" / f"{name}.csv").read_bytes(), (
            f"seeds/{name}.csv is stale: run `burnrate prices export`"
        )


def _rows(exported):
    index: dict[tuple[str, str, str], list[dict]] = {}
    for row in csv.DictReader((exported / "price_catalog.csv").read_text().splitlines()):
        index.setdefault((row["provider_id"], row["model_id"], row["variant"]), []).append(row)
    return index


def _lookup(rows, when: datetime, input_tokens: int):
    """Select a catalog row the way the SQL does: validity, time of day (specific window first), tier band."""
    tod = when.time().replace(tzinfo=None)
    hits = []
    for r in rows:
        if date.fromisoformat(r["valid_from"]) > when.date():
            continue
        if r["valid_to"] and date.fromisoformat(r["valid_to"]) <= when.date():
            continue
        low = int(r["min_input_tokens"])  # a tier applies above its threshold, as genai-prices computes it
        if (low and input_tokens <= low) or (
            r["max_input_tokens"] and input_tokens > int(r["max_input_tokens"])
        ):
            continue
        if r["time_of_day_start"]:
            start, end = time.fromisoformat(r["time_of_day_start"]), time.fromisoformat(r["time_of_day_end"])
            inside = start <= tod < end if start <= end else (tod >= start or tod < end)
            if not inside:
                continue
        hits.append(r)
    hits.sort(key=lambda r: r["time_of_day_start"] == "")
    return hits[0] if hits else None


def _flat(price, input_tokens: int):
    tiers = getattr(price, "tiers", None)
    if tiers is None:
        return price
    value = price.base
    for tier in tiers:
        if input_tokens > tier.start:
            value = tier.price
    return value


def test_catalog_reproduces_genai_prices_for_every_model_date_variant_and_tier(exported):
    index = _rows(exported)
    checked = 0
    for provider in prices._snapshot().providers:
        for model in provider.models:
            days = set()
            for d in prices._breakpoints(model):
                days |= {d, d - timedelta(days=1) if d > prices.OPEN_START else d}
            days.add(date(2026, 11, 15))
            contexts = ["", *dict.fromkeys(prices._variant_key(v) for v in model.price_variants or ())]
            for key in contexts:
                ctx = dict(kv.split("=", 1) for kv in key.split(",")) if key else None
                for day in sorted(days):
                    for hour in (0, 2, 12, 20):
                        when = datetime.combine(day, time(hour, 15), tzinfo=UTC)
                        expected_prices = model.get_prices(when, ctx)
                        expected = prices._price_dict(expected_prices)
                        thresholds = sorted(
                            {t.start for p in expected.values() for t in getattr(p, "tiers", [])}
                        )
                        for tokens in {
                            0,
                            *thresholds,
                            *(t - 1 for t in thresholds),
                            *(t + 1 for t in thresholds),
                        }:
                            row = _lookup(index.get((provider.id, model.id, key), []), when, tokens)
                            if row is None and key:  # variant not in force: the SQL falls back to standard
                                row = _lookup(index.get((provider.id, model.id, ""), []), when, tokens)
                            if not expected:  # no token prices at all (e.g. audio-hour models)
                                assert row is None
                                continue
                            assert row is not None, (provider.id, model.id, key, when, tokens)
                            for k in prices.TOKEN_PRICE_KEYS:
                                want = _flat(expected[k], tokens) if k in expected else None
                                got = Decimal(row[k]) if row[k] else None
                                assert got == want, (provider.id, model.id, key, when, tokens, k, got, want)
                            checked += 1
    assert checked > 10_000


def test_match_rules_select_the_same_model_as_genai_prices(exported):
    """Evaluate the exported DNF rules in Python for the catalog's own equals-patterns and a few real names."""
    import re

    rules: dict[str, list[tuple[str, int, int, str, str]]] = {}
    for r in csv.DictReader((exported / "price_model_matches.csv").read_text().splitlines()):
        rules.setdefault(r["provider_id"], []).append(
            (r["model_id"], int(r["model_order"]), int(r["rule_id"]), r["atom_type"], r["pattern"])
        )

    def resolve(provider_id: str, name: str) -> str | None:
        name = name.lower()
        by_rule: dict[tuple[int, str, int], bool] = {}
        for model_id, order, rule, kind, pattern in rules.get(provider_id, []):
            ok = {
                "equals": name == pattern,
                "starts_with": name.startswith(pattern),
                "ends_with": name.endswith(pattern),
                "contains": pattern in name,
                "regex": re.search(pattern, name) is not None,
            }[kind]
            key = (order, model_id, rule)
            by_rule[key] = by_rule.get(key, True) and ok
        hits = sorted(k for k, v in by_rule.items() if v)
        return hits[0][1] if hits else None

    snapshot = prices._snapshot()
    names = [
        "gpt-4o",
        "gpt-4o-2024-08-06",
        "gpt-4o-mini",
        "o3-mini",
        "claude-sonnet-4-5-20250929",
        "claude-3-5-haiku-latest",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
        "text-embedding-3-small",
    ]
    for provider_id in ("openai", "anthropic", "google"):
        for name in names:
            try:
                _, model = snapshot.find_provider_model(name, None, provider_id, None)
                expected = (
                    model.id
                    if any(m is model for m in snapshot.find_provider(None, provider_id, None).models)
                    else None
                )
            except LookupError:
                expected = None
            if expected is not None:
                assert resolve(provider_id, name) == expected, (provider_id, name)
