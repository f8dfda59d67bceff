"""AI token charges: the Python parsers, the rendered dbt macros, and DuckDB agreeing with Python."""

from __future__ import annotations

import re

import duckdb
import jinja2
import pytest

from ingest import ai_charges
from tests.conftest import ROOT

MACROS = ROOT / "macros" / "ai_charges.sql"

# Real-looking names: the examples of billing-and-gpu.md (Bedrock usage types, Azure meters, Vertex SKUs), the
# spellings seen in public Azure retail-price data, and non-token lines that must not match.
BEDROCK = {
    "USE1-Claude4.6Sonnet-input-tokens": ("input", "USE1", "Claude4.6Sonnet", "standard", None),
    "USE1-Claude4.6Sonnet-cache-read-input-token-count": (
        "cache_read",
        "USE1",
        "Claude4.6Sonnet",
        "standard",
        None,
    ),
    "USE1-Claude4.6Sonnet-cache-write-input-token-count": (
        "cache_write",
        "USE1",
        "Claude4.6Sonnet",
        "standard",
        None,
    ),
    "USE1-Nova2.0Lite-input-tokens-flex": ("input", "USE1", "Nova2.0Lite", "flex", None),
    "USE1-gpt-oss-120b-output-tokens-priority": ("output", "USE1", "gpt-oss-120b", "priority", None),
    "USE1-Claude4.6Sonnet-output-tokens-cross-region-global": (
        "output",
        "USE1",
        "Claude4.6Sonnet",
        "standard",
        "global",
    ),
    "USE1-Claude3Sonnet-input-tokens": ("input", "USE1", "Claude3Sonnet", "standard", None),
    "USE1-Claude2.1-input-tokens": ("input", "USE1", "Claude2.1", "standard", None),
    "USE1-Llama4-Maverick-17B-input-tokens-batch": ("input", "USE1", "Llama4-Maverick-17B", "batch", None),
    "EUC1-Claude4.5Haiku-output-tokens-batch-cross-region-global": (
        "output",
        "EUC1",
        "Claude4.5Haiku",
        "batch",
        "global",
    ),
    "USW2-DeepSeekV3.1-mantle-input-tokens-standard": ("input", "USW2", "DeepSeekV3.1", "standard", None),
    "USE1-BoxUsage:p5.48xlarge": None,
    "USE1-TimedStorage-ByteHrs": None,
    "": None,
}
AZURE = {
    "gpt 4o 0513 Input global Tokens": ("input", "gpt 4o 0513", "global", "standard"),
    "gpt 4o 0513 Output global Tokens": ("output", "gpt 4o 0513", "global", "standard"),
    "gpt 4o 0513 Input Data Zone Tokens": ("input", "gpt 4o 0513", "data_zone", "standard"),
    "gpt 4o 0513 Output regional Tokens": ("output", "gpt 4o 0513", "regional", "standard"),
    "gpt 4o 1120 Inp glbl Tokens": ("input", "gpt 4o 1120", "global", "standard"),
    "gpt 4o 1120 Outp glbl Tokens": ("output", "gpt 4o 1120", "global", "standard"),
    "gpt 4o 1120 cached Inp glbl Tokens": ("cache_read", "gpt 4o 1120", "global", "standard"),
    "gpt 4o 1120 Inp regnl Tokens": ("input", "gpt 4o 1120", "regional", "standard"),
    "gpt 4o 1120 Batch Inp glbl Tokens": ("input", "gpt 4o 1120", "global", "batch"),
    "gpt-4o-mini-0718-Inp-glbl Tokens": ("input", "gpt-4o-mini-0718", "global", "standard"),
    "gpt-4o-0806-Batch-Outp-glbl Tokens": ("output", "gpt-4o-0806", "global", "batch"),
    "gpt 4o 0806 Batch Inp Data Zone Tokens": ("input", "gpt 4o 0806", "data_zone", "batch"),
    "gpt 4o Priority Processing Input global Tokens": ("input", "gpt 4o", "global", "priority"),
    "GPT 5.1 inp Gl 1M Tokens": ("input", "GPT 5.1", "global", "standard"),
    "GPT 5.1 opt Gl 1M Tokens": ("output", "GPT 5.1", "global", "standard"),
    "GPT 5.1 cd inp Gl 1M Tokens": ("cache_read", "GPT 5.1", "global", "standard"),
    "gpt 4.1 0414 cached write Input global Tokens": ("cache_write", "gpt 4.1 0414", "global", "standard"),
    "Llama 3.3 70B Inp glbl Tokens": ("input", "Llama 3.3 70B", "global", "standard"),
    "gpt-oss-120B Inp glbl Tokens": ("input", "gpt-oss-120B", "global", "standard"),
    "V3-0324 Outp glbl Tokens": ("output", "V3-0324", "global", "standard"),
    "gpt 4o PTU": None,
    "DALL-E Images": None,
    "Standard Text Records": None,
    "Fine Tuning Training": None,
}
VERTEX = {
    "Gemini 2.5 Pro Online Prediction Input (text, image, video ≤ 200k tokens)": (
        "input",
        "Gemini 2.5 Pro",
        "text",
        "short",
        "standard",
    ),
    "Gemini 2.5 Pro Online Prediction Output (> 200k input tokens)": (
        "output",
        "Gemini 2.5 Pro",
        None,
        "long",
        "standard",
    ),
    "Gemini 2.5 Pro Online Prediction Output": ("output", "Gemini 2.5 Pro", None, None, "standard"),
    "Gemini 2.5 Flash Batch Prediction Input (text, image, video)": (
        "input",
        "Gemini 2.5 Flash",
        "text",
        None,
        "batch",
    ),
    "Gemini 2.5 Pro Cached Input": ("cache_read", "Gemini 2.5 Pro", None, None, "standard"),
    "Gemini 1.0 Pro Text Input - Predictions": ("input", "Gemini 1.0 Pro", "text", None, "standard"),
    "Gemini 2.0 Flash Audio Input": ("input", "Gemini 2.0 Flash", "audio", None, "standard"),
    "Gemini 1.5 Pro Input Text Long Context": ("input", "Gemini 1.5 Pro", "text", "long", "standard"),
    "Claude Opus 4 Output Tokens": ("output", "Claude Opus 4", None, None, "standard"),
    "Claude Sonnet 4.5 Cache Write Input Tokens": (
        "cache_write",
        "Claude Sonnet 4.5",
        None,
        None,
        "standard",
    ),
    "Gemini 2.5 Pro Context Cache Storage": None,
    "N2 Instance Core running in Americas": None,
}
CORPUS = {
    "bedrock": (BEDROCK, ("region", "model", "tier", "cross_region")),
    "azure_openai": (AZURE, ("model", "deployment", "tier")),
    "vertex": (VERTEX, ("model", "modality", "context_tier", "tier")),
}


def test_committed_macro_file_is_current():
    assert MACROS.read_text() == ai_charges.render_macros(), (
        "macros/ai_charges.sql is stale: run `.venv/bin/python -m ingest.ai_charges > macros/ai_charges.sql`"
    )


@pytest.mark.parametrize("name", list(CORPUS))
def test_python_parsers_read_the_examples(name):
    vocab = ai_charges.VOCABULARIES[name]
    examples, fields = CORPUS[name]
    for text, expected in examples.items():
        got = vocab.parse(text)
        if expected is None:
            assert got is None, text
        else:
            assert (got["token_type"], *(got[f] for f in fields)) == expected, text


def _macros() -> jinja2.Template:
    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(MACROS.read_text())


@pytest.mark.parametrize("name", list(CORPUS))
def test_duckdb_evaluating_the_macros_agrees_with_python(name):
    vocab = ai_charges.VOCABULARIES[name]
    examples, _ = CORPUS[name]
    module = _macros().module
    names = ("token_type", *vocab.fields)
    exprs = [getattr(module, f"ai_{vocab.name}_{n}")("v") for n in names]
    con = duckdb.connect()
    texts = [*examples, None]
    rows = con.execute(f"select v, {', '.join(exprs)} from unnest(?::varchar[]) t(v)", [texts]).fetchall()
    assert len(rows) == len(texts)
    for text, *values in rows:
        parsed = vocab.parse(text)
        expected = [None] * len(names) if parsed is None else [parsed[n] for n in names]
        assert values == expected, text


def test_model_key_macro_matches_python():
    expr = _macros().module.ai_model_key("v")
    con = duckdb.connect()
    for model in ("gpt 4o 0513", "Gemini 2.5 Pro", "Claude4.6Sonnet", " gpt-4o-mini-0718 "):
        assert con.execute(f"select {expr} from (select ? as v)", [model]).fetchone()[
            0
        ] == ai_charges.model_key(model)
    assert ai_charges.model_key("Gemini 2.5 Pro") == "gemini-2.5-pro"


def _rules():
    for vocab in ai_charges.VOCABULARIES.values():
        yield vocab.token_type.direction
        if vocab.token_type.cache:
            yield vocab.token_type.cache
        yield from vocab.fields.values()


def test_patterns_stay_in_the_subset_re2_java_and_python_share():
    for rule in _rules():
        p = rule.pattern
        re.compile(p)
        assert "\\" not in p, f"backslash (escaping differs between SQL dialects): {p}"
        assert not re.search(r"\(\?(=|!|<=|<!|P<|<[a-zA-Z])", p), f"lookaround or named group: {p}"
        assert "'" not in p and "{{" not in p and "{%" not in p and "{#" not in p, p
        assert not p.startswith("(?") or p.startswith("(?i)"), f"only the (?i) flag is portable: {p}"
        values = rule.values or {}
        assert all("'" not in k + v for k, v in values.items())
