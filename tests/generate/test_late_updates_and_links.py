"""Late updates show up as a newer version of the same id; Langfuse and Helicone copies are linked."""

from __future__ import annotations

from collections import defaultdict

from gen_helpers import helicone_api_pages, helicone_export_rows, langfuse_api_pages, langfuse_export_rows


def test_langfuse_export_late_updates_arrive_in_a_later_file(workload):
    files = sorted((workload / "langfuse" / "export").rglob("*.jsonl.gz"))
    from gen_helpers import jsonl

    seen: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for i, path in enumerate(files):
        for row in jsonl(path):
            seen[row["id"]].append((i, row))
    twice = {k: v for k, v in seen.items() if len(v) > 1}
    assert twice, "expected late-updated observations"
    for versions in twice.values():
        assert len(versions) == 2
        (f1, first), (f2, final) = versions
        assert f2 > f1
        assert first["end_time"] is None and first["usage_details"] == {} and first["total_cost"] is None
        assert final["end_time"] and final["updated_at"] > first["updated_at"]
    # a file holds exactly the rows updated in the day before its timestamp
    for path in files:
        cut = path.name.removesuffix(".jsonl.gz").replace("T00-00-00Z", "T00:00:00")
        rows = jsonl(path)
        assert all(r["updated_at"] < cut + ".000Z" for r in rows)


def test_langfuse_api_rereads_the_previous_hour_with_updates(workload):
    versions: dict[str, list[dict]] = defaultdict(list)
    for page in langfuse_api_pages(workload):
        for row in page["data"]:
            versions[row["id"]].append(row)
    repeated = [v for v in versions.values() if len(v) > 1]
    assert repeated
    updated = [v for v in repeated if v[0]["endTime"] is None]
    assert updated and all(v[1]["endTime"] and v[1]["updatedAt"] > v[0]["updatedAt"] for v in updated)


def test_both_team_requests_are_linked_by_helicone_request_id(workload, manifest):
    both = set(manifest["both_teams"])
    assert both == {"risk"}
    helicone = {r["request_id"]: r for p in helicone_api_pages(workload) for r in p["data"]}
    helicone.update({r["request_id"]: r for r in helicone_export_rows(workload)})
    linked = {
        r["metadata"]["helicone_request_id"]: r
        for r in langfuse_export_rows(workload)
        if "helicone_request_id" in r["metadata"]
    }
    risk_tagged = {k for k, r in helicone.items() if r["request_properties"].get("Team") == "risk"}
    assert linked and set(linked) <= set(helicone)
    assert risk_tagged and risk_tagged <= set(linked)
    for rid, obs in linked.items():
        h = helicone[rid]
        assert obs["provided_model_name"] == h["model"]
        assert obs["start_time"] == h["request_created_at"]
        if obs["end_time"]:
            assert obs["total_cost"] == h["cost"]


def test_some_requests_lack_team_tags(workload):
    rows = helicone_export_rows(workload)
    untagged = [r for r in rows if "Team" not in r["request_properties"]]
    assert untagged and len(untagged) < 0.2 * len(rows)
    assert any(r["request_user_id"] for r in untagged) and any(r["request_user_id"] is None for r in untagged)
    lf = langfuse_export_rows(workload)
    assert any("team" not in r["metadata"] and not any(t.startswith("team:") for t in r["tags"]) for r in lf)
