"""Vectorised, reproducible identifiers (hex span/trace ids, UUIDs) drawn from a numpy generator."""

from __future__ import annotations

import numpy as np
import polars as pl

_HEX = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")


def _hex_bytes(raw: np.ndarray) -> np.ndarray:
    """(n, k) uint8 -> (n, 2k) uint8 ASCII hex digits."""
    n, k = raw.shape
    return np.ascontiguousarray(_HEX[raw]).view(np.uint8).reshape(n, 2 * k)


def _to_series(name: str, ascii_rows: np.ndarray) -> pl.Series:
    n, width = ascii_rows.shape
    fixed = np.ascontiguousarray(ascii_rows).view(f"S{width}").reshape(n)
    return pl.Series(name, fixed).cast(pl.String)


def hex_ids(rng: np.random.Generator, n: int, nbytes: int, name: str = "id") -> pl.Series:
    """n random lowercase hex strings of 2*nbytes characters (16 bytes = a trace id, 8 = a span id)."""
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    return _to_series(name, _hex_bytes(raw))


def uuids(rng: np.random.Generator, n: int, name: str = "uuid") -> pl.Series:
    """n random RFC 4122 version-4 UUID strings."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hx = _hex_bytes(raw)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for src, dst in ((0, 0), (8, 9), (12, 14), (16, 19), (20, 24)):
        width = {0: 8, 8: 4, 12: 4, 16: 4, 20: 12}[src]
        out[:, dst : dst + width] = hx[:, src : src + width]
    return _to_series(name, out)


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a stable integer hash for deriving ids from keys (no Python hash())."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def keyed_hex(keys: np.ndarray, name: str, nbytes: int = 8) -> pl.Series:
    """Hex ids derived from integer keys: equal keys give equal ids (sessions, traces of one run)."""
    h = mix64(keys)
    raw = h.astype(">u8").view(np.uint8).reshape(len(keys), 8)[:, :nbytes]
    return _to_series(name, _hex_bytes(raw))
