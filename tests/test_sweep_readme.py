"""The README's table of result columns is rows.COLUMNS, in order."""

from __future__ import annotations

import re
from pathlib import Path

from imbalance_lab import rows

README = Path(__file__).parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def test_result_columns_table_matches_rows_columns():
    table = re.findall(r"^\| `([^`]+)` \| (.*) \|$", _section("Result columns"), flags=re.M)
    assert [name for name, _ in table] == list(rows.COLUMNS)
    assert dict(table) == rows.COLUMNS


def test_running_a_sweep_section_is_written():
    section = _section("Running a sweep")
    assert "TODO" not in section
    for words in ("imbalance-lab sweep", "--jobs", "--force", "manifest.json", "IMBALANCE_LAB_FAULT"):
        assert words in section
