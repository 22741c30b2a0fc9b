"""The `bot` command (also `python -m bot`). Exit 0 on success, 2 for bad usage, 1 with a one-line
error on stderr for anything else; never a traceback for a user's mistake."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError  # typer's own copy of click

from bot.cli_base import CliError, _run, _settings, app, log
from bot.config import Settings


def _setup_logging(settings: Settings, quiet: bool = False) -> None:
    from bot.observability.logs import setup_logging

    setup_logging(settings, quiet=quiet)


async def _progress(files: list[Path]) -> AsyncIterator[Path]:
    """A progress bar on a terminal, nothing when output is piped."""
    if not sys.stderr.isatty():
        for path in files:
            yield path
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("Ingesting stories", total=len(files))
        for path in files:
            yield path
            progress.advance(task)


@app.command()
def run(
    console: Annotated[bool, typer.Option("--console", help="Also run the console adapter.")] = False,
    exit_at_eof: Annotated[
        bool,
        typer.Option("--exit-at-eof", help="Console: stop once standard input ends and owed alerts are out."),
    ] = False,
) -> None:
    """Run the service: watch BOT_STORIES_DIR and serve every configured platform."""
    settings = _settings()
    # Console only: the terminal is the chat window, so routine INFO lines stay out of it unless a
    # log level was asked for explicitly.
    console_only = not (settings.slack_enabled or settings.discord_enabled)
    explicit = "log_level" in settings.model_fields_set
    _setup_logging(settings, quiet=console_only and not explicit)
    from bot.app import Application

    application = Application(
        settings, console=True if console else None, progress=_progress, exit_at_eof=exit_at_eof
    )

    async def main() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if task is not None:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, task.cancel)
        try:
            await application.run()
        except asyncio.CancelledError:
            log.info("shutting down")

    _run(main())


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="Story files or folders.")]) -> None:
    """Ingest story files or folders once, print what was stored, exit."""
    settings = _settings()
    _setup_logging(settings, quiet=True)
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            from bot.ingest.watch import (
                existing_story_files,  # the watcher's rules: no links out, bounded depth
            )

            files += existing_story_files(path)
        elif path.is_file():
            files.append(path)
        else:
            raise CliError(f"no such file or folder: {path}")

    async def main() -> None:
        from bot.app import open_core
        from bot.ingest.source import shown
        from bot.pipeline import GROUP_FILES

        failed = 0
        async with open_core(settings) as core:
            with _ingest_report(len(files)) as (say, advance):
                for start in range(0, len(files), GROUP_FILES):  # a group at a time, in order
                    group = files[start : start + GROUP_FILES]
                    results = await core.pipeline.process_files(group, settle_seconds=0)
                    for path, result in zip(group, results, strict=True):
                        if result.status == "failed":  # a bug on one file: reported, the others go on
                            say(shown(f"error     {path} ({result.reason})"))
                            failed += 1
                            advance()
                            continue
                        story = result.change.story if result.change else None
                        where = f" -> story #{story.id} v{story.version}: {story.title}" if story else ""
                        extra = f" ({result.reason})" if result.reason else ""
                        say(shown(f"{result.status:9} {path}{where}{extra}"))  # one line, whatever the name
                        advance()
        if failed:
            raise CliError(f"{failed} of {len(files)} files failed; see the lines above")

    _run(main())


class _ReportedPerFile(logging.Filter):
    """`bot ingest` prints one line per file, rejections and failures included: the pipeline's own
    warning about a rejected file (or error about a failed one) would say it a second time; the
    failure's traceback still shows at BOT_LOG_LEVEL=DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "bot.pipeline":
            return True
        text = str(record.msg)
        return not (
            text.startswith("rejected ")
            or (text.startswith("failed to process ") and not logging.getLogger().isEnabledFor(logging.DEBUG))
        )


@contextmanager
def _ingest_report(total: int) -> Iterator[tuple[Callable[[str], None], Callable[[], None]]]:
    """(print one per-file line, advance the progress bar). On a terminal the bar and the lines go
    through one rich console, so lines scroll above the bar instead of running into it and the bar
    is gone at the end; piped, the lines are plain and there is no bar."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(_ReportedPerFile())
    if not sys.stderr.isatty():
        yield typer.echo, lambda: None
        return
    from rich.console import Console
    from rich.progress import Progress

    same_terminal = sys.stdout.isatty()
    bar_console = Console(stderr=not same_terminal, highlight=False)
    with Progress(console=bar_console, transient=True) as progress:
        task = progress.add_task("Ingesting stories", total=total)

        def say(text: str) -> None:
            if same_terminal:
                bar_console.print(text, markup=False, highlight=False, soft_wrap=True)
            else:
                typer.echo(text)

        yield say, lambda: progress.advance(task)


@app.command()
def story(
    vendor: Annotated[str, typer.Argument(help="Vendor name or alias (any case, typos tolerated).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The latest story about a vendor."""
    settings = _settings()
    _setup_logging(settings, quiet=True)

    async def main() -> None:
        from bot.app import open_core
        from bot.chat.render import story_plain_text
        from bot.intel.story_build import story_to_dict

        async with open_core(settings) as core:
            found = core.registry.base.lookup(vendor)
            if found is None:
                close = core.registry.base.suggest(vendor, limit=3)
                hint = f" Did you mean {' or '.join(close)}?" if close else ""
                raise CliError(f"No vendor '{vendor}'.{hint}")
            latest = await core.stories.latest_story_for_vendor(found.name)
            if latest is None:
                empty = not await core.store.articles.count()
                hint = (
                    f" The database {core.store.db.path} is empty: `bot run` loads the bundled sample stories"
                    " on its first start, `bot ingest FOLDER` reads a folder of stories."
                    if empty
                    else ""
                )
                raise CliError(f"No story about {found.name} yet.{hint}")
            typer.echo(
                json.dumps(story_to_dict(latest), ensure_ascii=False) if as_json else story_plain_text(latest)
            )

    _run(main())


@app.command()
def inspect(
    files: Annotated[list[Path], typer.Argument(help="Stored page files.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Read, clean and match stored pages without storing them."""
    settings = _settings()
    _setup_logging(settings, quiet=True)
    from bot.ingest.source import shown
    from bot.inspection import inspect_file

    async def main() -> None:
        from bot.intel.vendors import VendorCatalog, VendorMatcher

        matcher = VendorMatcher(VendorCatalog.load(settings.vendors_file))
        for path in files:
            record = inspect_file(path, matcher, max_bytes=settings.max_file_bytes)
            if as_json:
                typer.echo(json.dumps(record, ensure_ascii=False))
            else:
                typer.echo(_inspect_text(record))

    _run(main())
    # A path that is no file to inspect is a usage error of its own (the JSON still says why).
    missing = [path for path in files if not path.is_file()]
    if missing:
        typer.echo(f"error: not a regular file: {', '.join(shown(p) for p in missing)}", err=True)
        raise typer.Exit(1)


def _inspect_text(record: dict[str, Any]) -> str:
    from bot.ingest.source import shown

    if record["error"]:
        return shown(f"{record['path']}: rejected: {record['error']}")
    published = record["published"]
    if published and record.get("published_precision") not in (None, "day"):
        published = f"{published} ({record['published_precision']})"
    head = [
        f"== {shown(record['path'])}",
        f"title:     {record['title']}",
        f"outlet:    {record['outlet']}   url: {record['url']}   published: {published}",
        f"subjects:  {', '.join(record['subjects']) or '-'}   mentions: {', '.join(record['mentions']) or '-'}",
        *(f"  {v['name']}: {v['salience']}, {v['role']} ({v['score']})" for v in record.get("vendors", [])),
        "",
    ]
    return "\n".join(head) + str(record["body"]) + "\n"


@app.command()
def vendors(as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False) -> None:
    """The vendor catalog in use (built-in plus BOT_VENDORS_FILE)."""
    settings = _settings()
    from bot.intel.vendors import VendorCatalog

    try:
        catalog = VendorCatalog.load(settings.vendors_file)
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from None
    items = sorted(catalog.vendors, key=lambda v: v.name.lower())
    if as_json:
        payload = [{"name": v.name, "aliases": list(v.aliases), "category": v.category} for v in items]
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    for v in items:
        typer.echo(f"{v.name}" + (f"  ({', '.join(v.aliases)})" if v.aliases else ""))
    typer.echo(f"{len(items)} vendors")


kev_app = typer.Typer(no_args_is_help=True, help="CISA's Known Exploited Vulnerabilities catalog.")
app.add_typer(kev_app, name="kev")


@kev_app.command("update")
def kev_update(
    url: Annotated[str | None, typer.Option("--url", help="Feed URL (default: CISA's JSON feed).")] = None,
) -> None:
    """Download CISA's KEV catalog and keep it in BOT_KEV_FILE (the only time the bot fetches it)."""
    from bot.intel.facts.kev import CISA_FEED_URL, KevError, update

    settings = _settings()
    try:
        catalog = update(settings.kev_file, url or CISA_FEED_URL)
    except (KevError, OSError) as exc:
        raise CliError(f"KEV update failed, {settings.kev_file} unchanged: {exc}") from None
    typer.echo(
        f"KEV catalog {catalog.version or '(no version)'}: {len(catalog)} vulnerabilities -> {settings.kev_file}"
    )


@kev_app.command("status")
def kev_status() -> None:
    """Which KEV catalog the bot uses: the refreshed file, else the shipped snapshot."""
    from bot.intel.facts.kev import load_catalog

    settings = _settings()
    catalog = load_catalog(settings.kev_file)
    where = settings.kev_file if settings.kev_file.is_file() else "the snapshot shipped with the bot"
    typer.echo(f"KEV catalog {catalog.version}: {len(catalog)} vulnerabilities from {where}")


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="A new file for the copy (never overwritten).")],
) -> None:
    """A consistent copy of the database, safe while the bot runs (SQLite VACUUM INTO)."""
    settings = _settings()
    if settings.database_url:
        raise CliError("bot backup copies the SQLite file; for PostgreSQL use pg_dump (or `bot export FILE`)")
    from bot.store.operations import backup_to

    _run(backup_to(settings.db_path, target))
    typer.echo(f"backed up {settings.db_path} to {target} ({target.stat().st_size} bytes)")


@app.command()
def bench(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with every figure.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Small inputs; finishes within a minute.")] = False,
) -> None:
    """Run the benchmark suite. It lives in the source checkout's benchmarks/ (never in the installed
    package), so it runs as `python -m benchmarks` in a child process; kept for one release."""
    import os
    import subprocess

    checkout = Path(__file__).resolve().parents[1]
    if not (checkout / "benchmarks" / "__main__.py").is_file():
        raise CliError(
            "the benchmark suite needs a source checkout: clone the repository and run `make bench`"
        )
    typer.echo("the benchmark suite moved to `make bench` / `python -m benchmarks`; running it", err=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(checkout), env.get("PYTHONPATH", "")) if p)
    flags = [*(["--json"] if as_json else []), *(["--quick"] if quick else [])]
    code = subprocess.call([sys.executable, "-m", "benchmarks", *flags], env=env)
    if code:
        raise typer.Exit(code)


from bot import cli_db  # noqa: E402,F401  (registers migrate, export, import, check on `app`)


def main() -> None:
    """One error style for everything: `error: …` on stderr. Usage errors exit 2 (after the usage
    line), our own failures exit 1; never a traceback for the user."""
    try:
        status = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(2)
    except ClickException as exc:
        context = getattr(exc, "ctx", None)
        if context is not None:
            typer.echo(context.get_usage(), err=True)
        typer.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except CliError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # never a traceback for the user; the log has the details
        log.debug("unexpected failure", exc_info=True)
        typer.echo(f"error: {exc.__class__.__name__}: {exc}", err=True)
        sys.exit(1)
    if isinstance(status, int) and status:
        sys.exit(status)
