"""Without ../shared the test output says why tests were skipped: a header line (without -q) and a closing note
(pytest run on a small folder with this project's conftest)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).with_name("conftest.py")

SKIPPING = '''
import pytest

@pytest.mark.skip(reason="../shared/data/seeds is not present")
def test_needs_seeds() -> None: ...

def test_runs() -> None:
    assert True
'''


def test_summary_counts_the_tests_skipped_for_shared_data(tmp_path: Path) -> None:
    folder = tmp_path / "tests"
    folder.mkdir()
    shutil.copy(CONFTEST, folder / "conftest.py")
    shutil.copytree(CONFTEST.parent / "support", folder / "support")  # the conftest imports tests.support
    (folder / "test_sample.py").write_text(SKIPPING, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(folder)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "note: 1 test(s) skipped because shared real data is absent" in done.stdout
    assert f"shared real data: {tmp_path.parent / 'shared' / 'data'} is absent" in done.stdout  # the header
