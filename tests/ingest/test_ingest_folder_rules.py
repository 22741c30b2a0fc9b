"""`bot ingest DIR` walks a folder by the watcher's rules: no symlink out of it, bounded depth (1,000
nested folders are a warning, not a crash; 200 levels here)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.ingest.watch import MAX_DEPTH, existing_story_files


def test_links_out_are_skipped_and_deep_folders_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "leak.md").symlink_to(tmp_path / "secret.txt")
    (folder / "ok.md").write_text("inside")
    deep = folder
    for _ in range(200):  # far past MAX_DEPTH (the walk is iterative: depth never recurses)
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "deep.md").write_text("too deep")
    (folder / "d" / "shallow.md").write_text("fine")
    with caplog.at_level(logging.WARNING):
        found = existing_story_files(folder)
    assert [p.name for p in found] == ["shallow.md", "ok.md"] or sorted(p.name for p in found) == [
        "ok.md",
        "shallow.md",
    ]
    messages = [r.getMessage() for r in caplog.records]
    assert any("outside" in m for m in messages)
    assert any(f"more than {MAX_DEPTH} folders deep" in m for m in messages)
