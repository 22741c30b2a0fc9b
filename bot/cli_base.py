"""What every `bot` subcommand module shares: the Typer app they register on, the one-line error type,
settings read with a one-line error, and the asyncio runner that turns store and start-up failures into
those lines. Kept apart from cli.py so command modules (cli_db.py) import it without importing cli.py,
which imports them to register their commands."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from bot.config import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Vendor alert bot for security teams.",
)
log = logging.getLogger("bot")


class CliError(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"vendor-alert-bot {version('vendor-alert-bot')}"
    except PackageNotFoundError:  # a source tree that was never installed
        return "vendor-alert-bot (not installed)"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Vendor alert bot for security teams."""


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = f" {first['loc'][0]}" if first["loc"] else ""  # a check across settings names them itself
        raise CliError(f"bad setting{where}: {first['msg'].removeprefix('Value error, ')}") from None


def _run(coro: Coroutine[Any, Any, None]) -> None:
    from bot.store import StoreError

    try:
        asyncio.run(coro)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    except BaseExceptionGroup as group:  # a platform failed to start inside the TaskGroup
        leaf: BaseException = group
        while isinstance(leaf, BaseExceptionGroup) and leaf.exceptions:
            leaf = leaf.exceptions[0]
        if isinstance(leaf, KeyboardInterrupt | asyncio.CancelledError):
            return
        log.debug("service stopped", exc_info=group)
        raise CliError(str(leaf) or leaf.__class__.__name__) from None
