"""Generated Langfuse and Helicone records validate against the vendors' own OpenAPI schemas."""

from __future__ import annotations

import base64
import json
import re

import jsonschema
import pytest
import yaml
from gen_helpers import (
    SAMPLES,
    helicone_api_pages,
    helicone_export_rows,
    langfuse_api_pages,
    langfuse_export_rows,
)


def openapi_to_jsonschema(node):
    """OpenAPI 3.0 -> JSON Schema: `nullable: true` becomes an explicit null alternative (refs kept)."""
    if isinstance(node, list):
        return [openapi_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: openapi_to_jsonschema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node and "$ref" not in node and "allOf" not in node:
            node["type"] = (
                [node["type"], "null"] if isinstance(node["type"], str) else [*node["type"], "null"]
            )
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [{"type": "null"}, node]}
    return node


def validator(spec: dict, name: str) -> jsonschema.Validator:
    root = {"components": openapi_to_jsonschema(spec["components"]), "$ref": f"#/components/schemas/{name}"}
    return jsonschema.Draft7Validator(root)


@pytest.fixture(scope="module")
def langfuse_spec() -> dict:
    return yaml.safe_load((SAMPLES / "langfuse" / "langfuse_public_openapi.yml").read_text())


@pytest.fixture(scope="module")
def helicone_spec() -> dict:
    return json.loads((SAMPLES / "helicone" / "helicone_jawn_public_openapi.json").read_text())


def _errors(v: jsonschema.Validator, records: list[dict]) -> list[str]:
    out = []
    for r in records:
        out += [f"{r.get('id') or r.get('request_id')}: {e.message}" for e in v.iter_errors(r)]
    return out[:5]


def test_langfuse_api_pages_are_observations_v2_responses(workload, langfuse_spec):
    pages = langfuse_api_pages(workload)
    assert pages
    v = validator(langfuse_spec, "ObservationsV2Response")
    for page in pages:
        assert set(page) == {"data", "meta"} and set(page["meta"]) == {"cursor"}
        assert not _errors(v, [page])
        if len(page["data"]) < 1000:  # a short page ends its pull
            assert page["meta"]["cursor"] is None
    assert pages[-1]["meta"]["cursor"] is None


def test_langfuse_cursor_is_opaque_base64_json_of_the_page_end(workload):
    for page in langfuse_api_pages(workload):
        if page["meta"]["cursor"]:
            cursor = json.loads(base64.b64decode(page["meta"]["cursor"]))
            assert cursor["lastId"] == page["data"][-1]["id"]
            assert cursor["lastStartTimeTo"] == page["data"][-1]["startTime"]
            assert len(page["data"]) == 1000


def _camel(key: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key)


def test_langfuse_export_rows_are_observations_v2(workload, langfuse_spec):
    rows = langfuse_export_rows(workload)
    assert rows
    v = validator(langfuse_spec, "ObservationV2")
    camel = [{_camel(k): val for k, val in r.items()} for r in rows]
    assert not _errors(v, camel)
    assert all(r["input"] is None and r["output"] is None for r in rows)  # no prompt/completion text


def test_helicone_records_are_helicone_requests(workload, helicone_spec):
    v = validator(helicone_spec, "HeliconeRequest")
    exported = helicone_export_rows(workload)
    assert exported
    assert not _errors(v, exported)
    page_v = validator(helicone_spec, "ResultSuccess_HeliconeRequest-Array_")
    pages = helicone_api_pages(workload)
    assert pages
    for page in pages:
        assert page["error"] is None and 0 < len(page["data"]) <= 1000
        assert not _errors(page_v, [page])
    for r in exported + [r for p in pages for r in p["data"]]:
        assert r["request_body"] is None and "response_body" not in r
