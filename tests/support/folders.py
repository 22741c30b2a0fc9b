"""Folder trees deeper than the standard library walks: 1,000 nested folders, and a branch whose paths
are longer than the system allows (PATH_MAX). `os.makedirs` and `shutil.rmtree` recurse (a
RecursionError at 1,000 levels) and cannot reach a path over PATH_MAX, so these build and remove
trees one level at a time, with short paths only."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

PATH_MAX = os.pathconf("/", "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096


def nest(top: Path, levels: int, name: str = "d") -> list[Path]:
    """`levels` folders, each inside the last, under `top`; the folders from the shallowest."""
    folders: list[Path] = []
    here = top
    for _ in range(levels):
        here = here / name
        here.mkdir()
        folders.append(here)
    return folders


def long_branch(top: Path, *, name_chars: int = 200) -> list[str]:
    """Folders with long names under `top`, down to one whose own path is 60 bytes under PATH_MAX: it
    can be listed, but a file or folder made in it with a longer name has a path over the limit.
    Returns the folder names, from the top."""
    length = len(os.fsencode(top.resolve()))
    names: list[str] = []
    while length + 1 + name_chars <= PATH_MAX - 150:
        names.append(f"{len(names):03d}".ljust(name_chars, "x"))
        length += 1 + name_chars
    names.append(f"{len(names):03d}".ljust(PATH_MAX - 60 - length - 1, "y"))
    _at(top, names, lambda fd, name: os.mkdir(name, dir_fd=fd), make=True)
    return names


def write_deep(top: Path, names: list[str], file_name: str, text: str) -> None:
    """Write a file in the folder `top/names...` through directory descriptors (its path may be too
    long to open)."""

    def write(fd: int, _: str) -> None:
        out = os.open(file_name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644, dir_fd=fd)
        try:
            os.write(out, text.encode())
        finally:
            os.close(out)

    _at(top, [*names, ""], write)


def mkdir_deep(top: Path, names: list[str], folder: str) -> None:
    _at(top, [*names, folder], lambda fd, name: os.mkdir(name, dir_fd=fd))


def _at(top: Path, names: list[str], act: Callable[[int, str], None], *, make: bool = False) -> None:
    """Walk down `names` one descriptor at a time; `act` on the last name in its parent (with `make`,
    every folder on the way is made by `act`)."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in names[:-1]:
            if make:
                act(fd, name)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        act(fd, names[-1])
    finally:
        os.close(fd)


def remove_tree(top: Path) -> None:
    """Remove a tree of any depth: each folder's subfolders are first moved up beside `top` (so every
    path used stays short), then its files are removed and it is."""
    pending = [top]
    moved = 0
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as listing:
            entries = list(listing)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                moved += 1
                target = top.parent / f"{top.name}.removing-{moved}"
                os.rename(entry.path, target)
                pending.append(target)
            else:
                os.unlink(entry.path)
        os.rmdir(folder)
