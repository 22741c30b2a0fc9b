"""`bot migrate`, `bot export`, `bot import`, `bot check`: the database's schema, and moving it between backends.

Kept beside bot/cli.py (which registers these by importing this module) so that the main command file
stays about running the bot. A copy runs while no `bot run` uses the SQLite file: its owner lock is
taken for the duration, so a running bot makes the command refuse rather than copy half a change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_base import CliError, _run, _settings, app
from bot.config import Settings

if TYPE_CHECKING:
    from bot.store.db import Database


def _hold_sqlite(stack: ExitStack, path: Path) -> None:
    """Refuse (one line) when a `bot run` holds this SQLite file; hold it ourselves meanwhile."""
    from bot.store.owner import DatabaseOwner

    if str(path) != ":memory:":
        stack.enter_context(DatabaseOwner(path))


def _own_target(stack: ExitStack, settings: Settings) -> None:
    if not settings.database_url:
        _hold_sqlite(stack, settings.db_path)


@app.command()
def migrate(
    from_sqlite: Annotated[
        Path | None,
        typer.Option(
            "--from-sqlite",
            help="Also copy every row of this SQLite database (stop the bot that uses it first) into the empty"
            " PostgreSQL database of BOT_DATABASE_URL.",
        ),
    ] = None,
) -> None:
    """Apply the schema migrations to the database (BOT_DATABASE_URL, else BOT_DB_PATH) and print its version."""
    settings = _settings()

    async def main() -> None:
        from bot.store.backends import open_database
        from bot.store.db import SqliteDatabase
        from bot.store.transfer import copy_database

        if from_sqlite is not None:
            if not settings.database_url:
                raise CliError(
                    "--from-sqlite copies into PostgreSQL: set BOT_DATABASE_URL to the target database"
                )
            if not from_sqlite.is_file():
                raise CliError(f"no SQLite database at {from_sqlite}")
        db = await open_database(settings.database)
        try:
            if from_sqlite is not None:
                source = await SqliteDatabase.open_file(from_sqlite)
                try:
                    moved = await copy_database(source, db)
                finally:
                    await source.close()
                typer.echo(f"copied {moved.total} rows from {from_sqlite} to {db.path}: {moved}")
            typer.echo(f"database {db.path} ({db.dialect}) is at schema version {await db.schema_version()}")
        finally:
            await db.close()

    with ExitStack() as stack:
        _own_target(stack, settings)
        if from_sqlite is not None and from_sqlite.is_file():
            _hold_sqlite(stack, from_sqlite)
        _run(main())


def _on_database(settings: Settings, work: Callable[[Database], Awaitable[str]]) -> None:
    """Open the configured database (owning it, as `bot run` would), run `work` on it, close it, and
    print the line `work` returns: the frame `bot export` and `bot import` share."""

    async def main() -> None:
        from bot.store.backends import open_database

        db = await open_database(settings.database)
        try:
            message = await work(db)
        finally:
            await db.close()
        typer.echo(message)

    with ExitStack() as stack:
        _own_target(stack, settings)
        _run(main())


@app.command("export")
def export_db(
    target: Annotated[Path, typer.Argument(help="A new file for the rows, JSON lines (never overwritten).")],
) -> None:
    """Write every row of the database (BOT_DATABASE_URL, else BOT_DB_PATH) to a file, for `bot import`."""
    settings = _settings()
    if target.exists():
        raise CliError(f"{target} already exists; export to a new file")

    async def export(db: Database) -> str:
        from bot.store.transfer import export_lines

        count = -1  # the header line is no row
        with target.open("x", encoding="utf-8") as out:
            async for line in export_lines(db):
                out.write(line + "\n")
                count += 1
        return f"exported {count} rows from {db.path} to {target}"

    _on_database(settings, export)


@app.command("import")
def import_db(
    source: Annotated[Path, typer.Argument(help="A file written by `bot export`.")],
) -> None:
    """Load a `bot export` file into the empty database of BOT_DATABASE_URL (else BOT_DB_PATH), all or nothing."""
    settings = _settings()
    if not source.is_file():
        raise CliError(f"no file {source}")

    async def load(db: Database) -> str:
        from bot.store.transfer import file_lines, import_lines

        with source.open(encoding="utf-8") as lines:
            moved = await import_lines(db, file_lines(lines))
        return f"imported {moved.total} rows into {db.path}: {moved}"

    _on_database(settings, load)


@app.command()
def check() -> None:
    """Read every page of the SQLite database (PRAGMA quick_check); start-up only does so after an unclean stop."""
    settings = _settings()
    if settings.database_url:
        raise CliError("bot check reads a SQLite file (BOT_DB_PATH); PostgreSQL checks its own pages")
    if not settings.db_path.is_file():
        raise CliError(f"no SQLite database at {settings.db_path}")

    async def main() -> None:
        from bot.store.db import SqliteDatabase

        db = await SqliteDatabase.open_file(settings.db_path, full_check=True)
        try:
            version = await db.schema_version()
        finally:
            await db.close()
        typer.echo(f"database {db.path} passed its integrity check (schema version {version})")

    with ExitStack() as stack:
        _own_target(stack, settings)
        _run(main())
