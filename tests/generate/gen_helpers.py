"""Helpers to read a generated workload (imported by the generator tests)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

# shared/ sits beside the repository (CI, /work/main) or two levels up from a worktree (/work/wt/<name>).
_REPO = Path(__file__).resolve().parents[2]
SAMPLES = next(
    (
        p / "shared" / "reference" / "samples"
        for p in (_REPO.parent, _REPO.parent.parent)
        if (p / "shared" / "reference" / "samples").is_dir()
    ),
    _REPO.parent / "shared" / "reference" / "samples",
)


def jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def langfuse_export_rows(root: Path) -> list[dict]:
    return [r for p in sorted((root / "langfuse" / "export").rglob("*.jsonl.gz")) for r in jsonl(p)]


def langfuse_api_pages(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((root / "langfuse" / "api").rglob("*.json"))]


def helicone_export_rows(root: Path) -> list[dict]:
    return [r for p in sorted((root / "helicone" / "export").glob("*.jsonl")) for r in jsonl(p)]


def helicone_api_pages(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((root / "helicone" / "api").glob("*.json"))]
