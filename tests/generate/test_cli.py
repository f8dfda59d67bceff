"""The `generate` click command: help text and a tiny run."""

from __future__ import annotations

import json

from click.testing import CliRunner

from burnrate.generate.cli import command


def test_help_names_every_option():
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    for option in ("--out", "--days", "--requests-per-day", "--seed", "--end-date"):
        assert option in result.output


def test_tiny_run(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        command,
        [
            "--out",
            str(out),
            "--days",
            "2",
            "--requests-per-day",
            "100",
            "--seed",
            "3",
            "--end-date",
            "2026-10-05",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["start_date"] == "2026-10-03" and manifest["end_date"] == "2026-10-05"
    assert manifest["seed"] == 3 and manifest["requests"]["total"] > 0
    assert sorted(p.name for p in (out / "helicone" / "export").iterdir()) == [
        "helicone_export_2026-10-03.jsonl",
        "helicone_export_2026-10-04.jsonl",
    ]
