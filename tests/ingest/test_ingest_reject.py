"""Unreadable story files raise RejectedFile with a one-line reason (or NotReady while being written),
and `reject_file` moves them aside without ever overwriting an earlier rejected file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.ingest import NotReady, RejectedFile, article_from_bytes, load_article, reject_file

GOOD_BODY = (
    "Okta said on Tuesday that an attacker accessed its support case system using a stolen credential, "
    "and that it had notified every affected customer.\n\n"
) * 3


def write(folder: Path, name: str, data: bytes, *, age: float = 60.0) -> Path:
    path = folder / name
    path.write_bytes(data)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def rejected_reason(path: Path, **kwargs: object) -> str:
    with pytest.raises(RejectedFile) as caught:
        load_article(path, **kwargs)  # type: ignore[arg-type]
    reason = caught.value.reason
    assert reason and "\n" not in reason
    return reason


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG"),
        (b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
        (b"text\x00with\x00nuls" * 20, "binary"),
        (bytes(range(1, 32)) * 40 + b"abc", "binary"),
        (bytes(range(128, 256)) * 20, "encoding"),
        (b"\xef\xbb\xbfok" + b"\xff\xfe\xfd" * 50, "utf-8"),
        (b"---\ntitle: x\nurl: y\n", "not closed"),  # loose front matter is read: see its own tests
        (b'{"title": "x", "body": ', "invalid JSON"),
        (b'["a", "list"]', "must be an object"),
        (b'{"title": "no body at all"}', "no 'body' or 'html'"),
        (
            b"---\ntitle: Menu only\n---\n\n* [Home](/)\n* [News](/news)\n* [Contact](/contact)\n",
            "no article",
        ),
    ],
)
def test_bad_input_is_rejected_with_a_reason(tmp_path: Path, data: bytes, expected: str) -> None:
    name = "story.json" if data[:1] in (b"[", b"{") else "story.txt"
    path = write(tmp_path, name, data)
    assert expected.lower() in rejected_reason(path).lower()


def test_yaml_alias_bomb_is_rejected_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]")
    bomb = "---\n" + "\n".join(lines) + "\ntitle: boom\n---\n" + GOOD_BODY
    path = write(tmp_path, "bomb.md", bomb.encode())
    started = time.perf_counter()
    assert "alias" in rejected_reason(path)
    assert time.perf_counter() - started < 1.0


def test_huge_front_matter_is_rejected(tmp_path: Path) -> None:
    front = "---\n" + "".join(f"k{i}: {'x' * 60}\n" for i in range(2000)) + "---\n"
    path = write(tmp_path, "big.md", (front + GOOD_BODY).encode())
    assert "front matter" in rejected_reason(path)


def test_size_cap(tmp_path: Path) -> None:
    path = write(tmp_path, "long.txt", ("Title\n\n" + GOOD_BODY * 50).encode())
    assert "too large" in rejected_reason(path, max_bytes=1000)
    assert load_article(path).body  # fine under the default cap
    with pytest.raises(RejectedFile, match="too large"):
        article_from_bytes(b"x" * 2001, max_bytes=2000)


def test_a_file_still_being_written_is_not_ready(tmp_path: Path) -> None:
    path = write(tmp_path, "fresh.txt", ("Title\n\n" + GOOD_BODY).encode(), age=0.0)
    with pytest.raises(NotReady) as caught:
        load_article(path, settle_seconds=5.0)
    assert "still being written" in caught.value.reason
    assert not isinstance(caught.value, RejectedFile)
    old = time.time() - 10
    os.utime(path, (old, old))
    assert load_article(path, settle_seconds=5.0).title == "Title"


def test_symlink_out_of_the_folder_is_rejected(tmp_path: Path) -> None:
    outside = write(tmp_path, "secret.txt", ("Secret\n\n" + GOOD_BODY).encode())
    folder = tmp_path / "stories"
    folder.mkdir()
    link = folder / "link.txt"
    link.symlink_to(outside)
    assert "outside" in rejected_reason(link, root=folder)
    inside = write(folder, "inside.txt", ("Inside\n\n" + GOOD_BODY).encode())
    (folder / "ok-link.txt").symlink_to(inside)
    assert load_article(folder / "ok-link.txt", root=folder).title == "Inside"
    dangling = folder / "dangling.txt"
    dangling.symlink_to(folder / "missing.txt")
    assert "broken symlink" in rejected_reason(dangling, root=folder)


def test_a_directory_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "folder.md").mkdir()
    assert "regular file" in rejected_reason(tmp_path / "folder.md")


def test_other_encodings_are_decoded(tmp_path: Path) -> None:
    text = "Sécurité\n\nLe fabricant a corrigé une faille critique dans ses pare-feu, a déclaré la société mardi."
    for encoding in ("cp1252", "utf-16"):
        path = write(tmp_path, f"{encoding}.txt", (text * 3).encode(encoding))
        assert load_article(path).title == "Sécurité"


def test_reject_file_moves_and_never_overwrites(stories_dir: Path) -> None:
    first = write(stories_dir, "bad.txt", b"\x00\x01")
    moved = reject_file(first, stories_dir, "binary file: binary data (NUL bytes)")
    assert moved == stories_dir / ".rejected" / "bad.txt"
    assert not first.exists() and moved.read_bytes() == b"\x00\x01"
    assert Path(f"{moved}.reason").read_text(encoding="utf-8") == "binary file: binary data (NUL bytes)\n"

    second = write(stories_dir, "bad.txt", b"second")
    moved_again = reject_file(second, stories_dir, "empty\nfile")
    assert moved_again == stories_dir / ".rejected" / "bad-1.txt"
    assert moved.read_bytes() == b"\x00\x01"  # the first one is intact
    assert moved_again.read_bytes() == b"second"
    assert Path(f"{moved_again}.reason").read_text(encoding="utf-8") == "empty file\n"

    third = write(stories_dir, "bad.txt", b"third")
    assert reject_file(third, stories_dir, "x").name == "bad-2.txt"


def test_reject_file_moves_a_symlink_not_its_target(stories_dir: Path, tmp_path: Path) -> None:
    target = write(tmp_path, "target.txt", b"keep me")
    link = stories_dir / "link.txt"
    link.symlink_to(target)
    moved = reject_file(link, stories_dir, "symlink points outside the stories folder")
    assert moved.is_symlink() and target.read_bytes() == b"keep me"
    assert not link.exists() and not link.is_symlink()
