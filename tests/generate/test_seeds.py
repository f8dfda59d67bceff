"""The repository's company seeds are the generator's company tables (so the demo attributes correctly)."""

from pathlib import Path

from burnrate.generate.outputs import SEED_TABLES, write_seeds

ROOT = Path(__file__).resolve().parents[2]


def test_seeds_equal_company_tables(tmp_path):
    for written in write_seeds(tmp_path):
        committed = ROOT / "seeds" / written.name
        assert committed.read_bytes() == written.read_bytes(), (
            f"seeds/{written.name} is stale: run `python -m burnrate.generate.outputs seeds`"
        )
    assert len(SEED_TABLES) == len(list(tmp_path.glob("*.csv")))
