"""AI token charges in cloud bills: which line items are LLM tokens, for which model, of which kind.

Cloud bills name token charges in three vocabularies:

* **Amazon Bedrock** usage types (CUR `line_item_usage_type`, FOCUS `x_UsageType`):
  `{REGION}-{billing model}-{token type}[-{tier}][-cross-region-global]`, e.g.
  `USE1-Claude4.6Sonnet-cache-read-input-token-count`, `USE1-Nova2.0Lite-input-tokens-flex`.
* **Azure OpenAI / Foundry** meter names (`MeterName`, FOCUS `SkuMeter`), spelled many ways:
  `gpt 4o 0513 Input global Tokens`, `gpt-4o-mini-0718-Inp-glbl Tokens`, `GPT 5.1 cd inp Gl 1M Tokens`.
* **Vertex AI / Gemini** SKU descriptions (`sku.description`):
  `Gemini 2.5 Pro Online Prediction Input (text, image, video ≤ 200k tokens)`, `Gemini 2.5 Pro Cached Input`.

This module is the single source of truth for reading them. Each field is one regular expression plus a
mapping of what it captures, written in the subset that RE2 (DuckDB), Java (Spark) and Python `re` all
accept: no lookarounds, no backreferences, no named groups, and no backslashes (so a pattern means the same
inside a Python string, a DuckDB literal and a Spark SQL literal). The pure `parse_*` functions apply them in
Python; `render_macros()` writes the same rules as dbt macros (`python -m ingest.ai_charges >
macros/ai_charges.sql`) returning `regexp_extract`/`case` SQL expressions for the staging models. A test
checks that the committed macro file is current and that DuckDB gives the same answers as Python.

Every field of a charge that is not a token charge is NULL (in SQL) / the parse returns None (in Python).
`token_type` is one of `input`, `output`, `cache_read`, `cache_write`; `tier` is the service tier
(`standard`, `batch`, `flex`, `priority`); `model` is the bill's own model name (a billing name, not an API
model id: join it to a mapping via `ai_model_key`, which lower-cases it and turns spaces into hyphens).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

TOKEN_TYPES = ("input", "output", "cache_read", "cache_write")


@dataclass(frozen=True)
class Rule:
    """One regular expression and what to make of the group it captures.

    The captured text is trimmed of spaces; when `values` is given it is lower-cased, hyphens become spaces,
    and it is looked up there (anything else, or no match, gives `default`). Without `values` the trimmed
    text itself is the answer (no match gives `default`).
    """

    pattern: str
    group: int = 1
    values: dict[str, str] | None = None
    default: str | None = None

    def apply(self, text: str) -> str | None:
        m = re.search(self.pattern, text)
        captured = ((m.group(self.group) or "") if m else "").strip(" ")
        if self.values is None:
            return captured or self.default
        return self.values.get(captured.lower().replace("-", " "), self.default)

    def sql(self, col: str) -> str:
        extracted = f"trim(regexp_extract({col}, '{self.pattern}', {self.group}))"
        default = "null" if self.default is None else f"'{self.default}'"
        if self.values is None:
            return (
                f"nullif({extracted}, '')"
                if self.default is None
                else f"coalesce(nullif({extracted}, ''), {default})"
            )
        whens = " ".join(f"when '{k}' then '{v}'" for k, v in self.values.items())
        return f"case replace(lower({extracted}), '-', ' ') {whens} else {default} end"


@dataclass(frozen=True)
class TokenType:
    """The token type from a direction rule (input/output) and a cache rule (read/write, or nothing)."""

    direction: Rule
    cache: Rule | None = None

    def apply(self, text: str) -> str | None:
        direction = self.direction.apply(text)
        cache = self.cache.apply(text) if self.cache else None
        if direction == "input" and cache in ("read", "write"):
            return f"cache_{cache}"
        return direction

    def sql(self, col: str) -> str:
        direction = self.direction.sql(col)
        if self.cache is None:
            return direction
        cache = self.cache.sql(col)
        return f"(case when {direction} = 'input' and {cache} in ('read', 'write') then 'cache_' || {cache} else {direction} end)"


@dataclass(frozen=True)
class Vocabulary:
    """How one provider names token charges: a token-type rule plus the other fields of a charge."""

    name: str
    column: str  # the bill column it reads, for the macro's documentation
    token_type: TokenType
    fields: dict[str, Rule] = field(default_factory=dict)

    def parse(self, text: str | None) -> dict[str, str | None] | None:
        if text is None:
            return None
        token_type = self.token_type.apply(text)
        if token_type is None:
            return None
        return {"token_type": token_type, **{k: r.apply(text) for k, r in self.fields.items()}}

    def macro(self, field_name: str) -> str:
        """The dbt macro for one field: a SQL expression over `col`, NULL unless it is a token charge."""
        if field_name == "token_type":
            body = self.token_type.sql("{{ col }}")
        else:
            gate = f"{{{{ ai_{self.name}_token_type(col) }}}}"
            body = f"(case when {gate} is not null then {self.fields[field_name].sql('{{ col }}')} end)"
        return "\n".join(
            [
                f"{{#- {self.name} {field_name}, from {self.column} -#}}",
                f"{{% macro ai_{self.name}_{field_name}(col) -%}}",
                body,
                "{%- endmacro %}",
            ]
        )


def _spellings(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """{'input': ('input', 'inp')} → {'input': 'input', 'inp': 'input'}: every spelling to its meaning."""
    return {spelling: value for value, spellings in groups.items() for spelling in spellings}


def _cache_phrases(words: tuple[str, ...], kinds: dict[str, str]) -> dict[str, str]:
    """'cached' → read, 'cached write' → write, ...: a cache word alone means a cache read."""
    return {w: "read" for w in words} | {f"{w} {k}": v for w in words for k, v in kinds.items()}


# Amazon Bedrock ---------------------------------------------------------------------------------------
_BEDROCK_KIND = "input-tokens|output-tokens|cache-read-input-token-count|cache-write-input-token-count|input-token-count|output-token-count"
BEDROCK = Vocabulary(
    name="bedrock",
    column="CUR line_item_usage_type / FOCUS x_UsageType",
    token_type=TokenType(
        Rule(
            f"-(mantle-)?({_BEDROCK_KIND})(-|$)",
            group=2,
            values={
                "input tokens": "input",
                "input token count": "input",
                "output tokens": "output",
                "output token count": "output",
                "cache read input token count": "cache_read",
                "cache write input token count": "cache_write",
            },
        )
    ),
    fields={
        "region": Rule("^([A-Z]{2,4}[0-9]{0,2})-"),
        "model": Rule(f"^([A-Z]{{2,4}}[0-9]{{0,2}}-)?(.+?)-(mantle-)?({_BEDROCK_KIND})(-|$)", group=2),
        "tier": Rule(
            "-(batch|flex|priority|reserved)(-|$)",
            values={"batch": "batch", "flex": "flex", "priority": "priority", "reserved": "reserved"},
            default="standard",
        ),
        "cross_region": Rule(
            "-(cross-region-global|cross-region)(-|$)",
            values={"cross region global": "global", "cross region": "geo"},
        ),
    },
)

# Azure OpenAI / Foundry meters ---------------------------------------------------------------------------
_AZ_DIRECTION = {
    "input": ("input", "inp", "prompt"),
    "output": ("output", "outp", "opt", "out", "completion"),
}
_AZ_KEYWORDS = "batch|priority|cached|cchd|cd|cache|input|inp|prompt|output|outp|opt|out|completion"
AZURE_OPENAI = Vocabulary(
    name="azure_openai",
    column="Azure MeterName / FOCUS SkuMeter",
    token_type=TokenType(
        Rule(
            "(?i)(^|[ -])(input|inp|prompt|output|outp|opt|out|completion)[ -].*tokens$",
            group=2,
            values=_spellings(_AZ_DIRECTION),
        ),
        Rule(
            "(?i)(^|[ -])((cached|cchd|cd|cache)([ -](read|write))?)[ -](input|inp|prompt)([ -]|$)",
            group=2,
            values=_cache_phrases(("cached", "cchd", "cd", "cache"), {"read": "read", "write": "write"}),
        ),
    ),
    fields={
        "model": Rule(f"(?i)^(.+?)[ -]+({_AZ_KEYWORDS})([ -]|$)"),
        "deployment": Rule(
            "(?i)(^|[ -])(global|glbl|gl|data ?zone|dzone|dzn|dz|regional|regnl|rgnl)([ -]|$)",
            group=2,
            values=_spellings(
                {
                    "global": ("global", "glbl", "gl"),
                    "data_zone": ("data zone", "datazone", "dzone", "dzn", "dz"),
                    "regional": ("regional", "regnl", "rgnl"),
                }
            ),
        ),
        "tier": Rule(
            "(?i)(^|[ -])(batch|priority)([ -]|$)",
            group=2,
            values={"batch": "batch", "priority": "priority"},
            default="standard",
        ),
    },
)

# Vertex AI / Gemini SKUs ---------------------------------------------------------------------------------
_VX_KEYWORDS = "online|batch|prediction|predictions|cached|cache|input|output|text|image|video|audio|thinking|long|short|tokens"
VERTEX = Vocabulary(
    name="vertex",
    column="GCP sku.description",
    token_type=TokenType(
        Rule(
            "(?i)(^|[^a-z])(input|output)([^a-z]|$)", group=2, values={"input": "input", "output": "output"}
        ),
        Rule(
            "(?i)(^|[^a-z])((cache|cached)( (read|write|hit|creation))?)([^a-z]|$)",
            group=2,
            values=_cache_phrases(
                ("cache", "cached"), {"read": "read", "hit": "read", "write": "write", "creation": "write"}
            ),
        ),
    ),
    fields={
        "model": Rule(f"(?i)^(.+?)[ ]+({_VX_KEYWORDS})([^a-z]|$)"),
        "modality": Rule(
            "(?i)(^|[^a-z])(text|image|images|video|audio)([^a-z]|$)",
            group=2,
            values={"text": "text", "image": "image", "images": "image", "video": "video", "audio": "audio"},
        ),
        "context_tier": Rule(
            "(?i)(^|[^a-z])(long|short|>|≤|<=|<)( context| ?[0-9]+ ?k)",
            group=2,
            values={"long": "long", ">": "long", "short": "short", "≤": "short", "<=": "short", "<": "short"},
        ),
        "tier": Rule(
            "(?i)(^|[^a-z])(batch|online|priority|flex)([^a-z]|$)",
            group=2,
            values={"batch": "batch", "online": "standard", "priority": "priority", "flex": "flex"},
            default="standard",
        ),
    },
)

VOCABULARIES = {v.name: v for v in (BEDROCK, AZURE_OPENAI, VERTEX)}


def parse_bedrock_usage_type(usage_type: str | None) -> dict[str, str | None] | None:
    """`USE1-Claude4.6Sonnet-output-tokens-cross-region-global` → {token_type: output, region: USE1,
    model: Claude4.6Sonnet, tier: standard, cross_region: global}; None when it is not a token charge."""
    return BEDROCK.parse(usage_type)


def parse_azure_meter(meter_name: str | None) -> dict[str, str | None] | None:
    """`gpt 4o 0513 Input global Tokens` → {token_type: input, model: gpt 4o 0513, deployment: global,
    tier: standard}; None when it is not a token meter."""
    return AZURE_OPENAI.parse(meter_name)


def parse_vertex_sku(description: str | None) -> dict[str, str | None] | None:
    """`Gemini 2.5 Pro Online Prediction Output (> 200k input tokens)` → {token_type: output,
    model: Gemini 2.5 Pro, modality: None, context_tier: long, tier: standard}; None when not tokens."""
    return VERTEX.parse(description)


def model_key(model: str | None) -> str | None:
    """A join key for billing model names: lower case, spaces as hyphens (`gpt 4o 0513` → `gpt-4o-0513`)."""
    return None if model is None else model.strip(" ").lower().replace(" ", "-")


def render_macros() -> str:
    """The dbt macro file: one macro per (vocabulary, field), each returning a SQL expression."""
    lines = [
        "{#- Generated by `python -m ingest.ai_charges > macros/ai_charges.sql`: do not edit by hand.",
        "    The rules live in ingest/ai_charges.py; tests/ingest/test_ai_charges.py keeps this file current.",
        "    Each macro returns a SQL expression (DuckDB and Spark: regexp_extract, case, trim, lower) that is",
        "    NULL unless the value is a token charge. -#}",
        "",
        "{% macro ai_model_key(expr) -%}",
        "lower(replace(trim({{ expr }}), ' ', '-'))",
        "{%- endmacro %}",
    ]
    for vocab in VOCABULARIES.values():
        lines += ["", *(vocab.macro(name) + "\n" for name in ("token_type", *vocab.fields))]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render_macros())
