"""Finding input files: paths, folders (searched recursively) and globs, in a stable order."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from burnrate.errors import InputError


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
