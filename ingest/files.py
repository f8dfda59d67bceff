"""Finding input files: paths, folders (searched recursively) and globs, in a stable order; and which of
them need loading."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import duckdb

from burnrate.errors import InputError
from ingest import landing

T = TypeVar("T")


def expand(paths: Iterable[str | Path], suffixes: Sequence[str] = ()) -> list[Path]:
    """Every file named by `paths`: files as given, folders recursively, glob patterns expanded.

    In folders and globs only names ending with one of `suffixes` are kept (all when empty); a file named
    explicitly is always kept. A path that matches nothing is an error naming it.
    """
    found: dict[Path, None] = {}
    for raw in paths:
        text = str(raw)
        path = Path(text).expanduser()
        if path.is_file():
            found[path.resolve()] = None
            continue
        if path.is_dir():
            candidates = (p for p in path.rglob("*") if p.is_file())
        elif glob.has_magic(text):
            candidates = (Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        else:
            raise InputError(f"{text}: no such file or folder")
        matched = [p for p in candidates if not suffixes or p.name.lower().endswith(tuple(suffixes))]
        if not matched:
            raise InputError(f"{text}: no files ending in {', '.join(suffixes) or 'anything'}")
        for p in sorted(matched):
            found[p.resolve()] = None
    return list(found)


def content_bytes(path: Path) -> int:
    """The size of a file's content: a gzip file's uncompressed size from its trailer (ISIZE, modulo
    4 GiB, so never taken below the compressed size), else the size on disk."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        if fh.read(2) != b"\x1f\x8b" or size < 18:
            return size
        fh.seek(-4, os.SEEK_END)
        return max(int.from_bytes(fh.read(4), "little"), size)


def plan_round(
    con: duckdb.DuckDBPyConnection,
    source: str,
    found: list[Path],
    summary: landing.Summary,
    prepare: Callable[[Path, landing.FileFingerprint], T | None],
) -> tuple[list[T], list[Path]]:
    """The files of `found` to load now, in order, each as `prepare(path, fingerprint)` makes it (None: it
    recorded the file as failed), and the files whose bytes repeat one of those (for a later round).

    Unchanged files (`landing.file_status`'s rules) are counted as skipped. The source's loaded files are read
    once, and the files that need hashing are hashed on every core.
    """
    landing.ensure_meta(con)
    loaded = con.execute(
        "select path, size_bytes, mtime_ns, sha256 from meta.ingest_files where source = ?", [source]
    ).fetchall()
    same_stat = {(path, size, mtime) for path, size, mtime, _ in loaded}
    same_bytes = {sha for *_, sha in loaded}
    to_hash = []
    for path in found:
        st = Path(path).resolve().stat()
        if (str(Path(path).resolve()), st.st_size, st.st_mtime_ns) in same_stat:
            summary.files_skipped += 1
        else:
            to_hash.append(path)
    with ThreadPoolExecutor() as pool:  # hashlib and file reads release the GIL
        fingerprints = list(pool.map(landing.fingerprint, to_hash))
    todo: list[T] = []
    later: list[Path] = []
    planned: set[str] = set()
    for path, fp in zip(to_hash, fingerprints, strict=True):
        if fp.sha256 in same_bytes:
            summary.files_skipped += 1
        elif fp.sha256 in planned:
            later.append(path)
        elif (item := prepare(path, fp)) is not None:
            todo.append(item)
            planned.add(fp.sha256)
    return todo, later
