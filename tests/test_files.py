"""corpus/files.py: a rewritten file is replaced whole, and a failed write keeps the old one."""

from __future__ import annotations

import pytest

from corpus.files import write_text_atomic


def test_replaces_the_content_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "weights.json"
    path.write_text("old", encoding="utf-8")
    write_text_atomic(path, "nieuw: één")
    assert path.read_text(encoding="utf-8") == "nieuw: één"
    assert [p.name for p in tmp_path.iterdir()] == ["weights.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "weights.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(path, "half \ud800")  # a lone surrogate cannot be written as UTF-8
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["weights.json"]
