"""Helicone: query API pulls (wrapped filter leaves, offset paging past the cap), exports, and the fake
servers' responses checked against the vendors' OpenAPI schemas."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import jsonschema
import pytest
import yaml

from ingest import helicone
from tests.fakes.helicone_server import request
from tests.ingest.conftest import SAMPLES_DIR, T0, rows

UNTIL = T0 + timedelta(days=1)


def test_pull_is_idempotent_keeps_the_latest_version_and_never_asks_for_bodies(hc, load_cfg, con):
    cfg = load_cfg()
    first = helicone.pull(con, cfg, since=T0, until=UNTIL)
    assert (first.counts.new, first.counts.quarantined) == (300, 0)
    snapshot = rows(con, "raw.helicone_requests", "request_id")
    assert helicone.pull(con, cfg, since=T0, until=UNTIL).counts.new == 0
    assert rows(con, "raw.helicone_requests", "request_id") == snapshot
    hc.update("req-00010", cost=0.75)
    later = helicone.pull(con, cfg, since=T0, until=UNTIL)
    assert (later.counts.new, later.counts.updated) == (0, 1)
    assert con.execute("select cost from raw.helicone_requests where request_id = 'req-00010'").fetchone()[
        0
    ] == Decimal("0.75")
    bodies = [b for m, p, q, b in hc.requests if m == "POST"]
    assert all(b["includeInputs"] is False and 0 < b["limit"] <= 1000 for b in bodies)
    assert all(
        "request_response_rmt" in b["filter"]["left"] and "request_response_rmt" in b["filter"]["right"]
        for b in bodies
    )
    cols = {r[0] for r in con.execute("describe raw.helicone_requests").fetchall()}
    assert not {"request_body", "response_body", "signed_body_url", "llmSchema"} & cols


def test_deep_windows_switch_to_keyset_before_the_offset_cap(hc, load_cfg, con, monkeypatch):
    monkeypatch.setattr(helicone, "OFFSET_CAP", 40)
    monkeypatch.setenv("BURNRATE_HELICONE_PAGE_LIMIT", "10")
    hc.max_offset = 40
    hc.duplicate_across_pages = True
    s = helicone.pull(con, load_cfg(), since=T0, until=UNTIL)
    assert s.counts.new == 300
    assert max(b["offset"] for m, p, q, b in hc.requests if m == "POST") <= 40


def test_export_files_jsonl_and_csv(cfg, con, tmp_path):
    recs = [request(i, T0) for i in range(4)]
    (tmp_path / "helicone_export_2026-11-01.jsonl").write_text("\n".join(map(json.dumps, recs)) + "\n")
    csv = tmp_path / "output.csv"
    head = "response_id,response_created_at,response_status,request_created_at,request_body,request_properties,request_user_id,model,prompt_tokens,completion_tokens,latency,cost"
    props = json.dumps({"Team": "a"}).replace('"', '""""')  # @helicone/export quotes objects twice
    csv.write_text(
        f'{head}\n"resp-9","2026-11-01T00:00:01Z","200","2026-11-01T00:00:00Z","x","{props}","u","gpt-4o","10","5","","0.001"\n'
    )
    s = helicone.ingest_files(con, cfg, [tmp_path])
    assert (s.counts.new, s.counts.quarantined, s.files_loaded) == (5, 0, 2)
    assert con.execute(
        "select request_id, request_properties->>'Team', cost, _source from raw.helicone_requests where response_id = 'resp-9'"
    ).fetchone() == (None, "a", Decimal("0.001"), "export_csv")


def _openapi(schemas: dict, ref: str) -> dict:
    """An OpenAPI 3.0 component as JSON Schema: `nullable` made explicit, refs resolvable."""

    def fix(node):
        if isinstance(node, dict):
            node = {k: fix(v) for k, v in node.items()}
            if "$ref" in node:
                node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/definitions/")
            if node.pop("nullable", False):
                node = {"anyOf": [node, {"type": "null"}]}
            return node
        return [fix(v) for v in node] if isinstance(node, list) else node

    return {"$ref": f"#/definitions/{ref}", "definitions": fix(schemas)}


@pytest.mark.parametrize(
    ("path", "params", "schema"),
    [
        ("/api/public/v2/observations", {"fields": "core,basic,time,io,metadata,model,usage,prompt,metrics,trace_context", "limit": "50"}, "ObservationsV2Response"),
        ("/api/public/observations", {"limit": "50"}, "legacyObservationsViews"),
        ("/api/public/traces", {"limit": "50"}, "Traces"),
    ],
)  # fmt: skip
def test_fake_langfuse_answers_in_the_documented_shapes(lf, path, params, schema):
    import httpx

    spec = yaml.safe_load((SAMPLES_DIR / "langfuse/langfuse_public_openapi.yml").read_text())
    body = httpx.get(lf.url + path, params=params, auth=(lf.public_key, lf.secret_key)).json()
    jsonschema.validate(body, _openapi(spec["components"]["schemas"], schema))
    assert body["data"]


def test_fake_helicone_answers_in_the_documented_shape(hc):
    import httpx

    spec = json.loads((SAMPLES_DIR / "helicone/helicone_jawn_public_openapi.json").read_text())
    query = helicone.query_body("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", 0, 100)
    jsonschema.validate(query, _openapi(spec["components"]["schemas"], "RequestQueryParams"))
    body = httpx.post(
        hc.url + helicone.QUERY, json=query, headers={"Authorization": f"Bearer {hc.api_key}"}
    ).json()
    jsonschema.validate(body, _openapi(spec["components"]["schemas"], "Result_HeliconeRequest-Array.string_"))
    assert len(body["data"]) == 100
    unwrapped = dict(query, filter={"request_created_at": {"gte": "2026-11-01T00:00:00Z"}})
    assert httpx.post(
        hc.url + helicone.QUERY, json=unwrapped, headers={"Authorization": f"Bearer {hc.api_key}"}
    ).json() == {"data": [], "error": None}
