"""Files arrive the way real writers write them, and each story is stored whole and alerted in full.

The whole service runs (`Application` with the console adapter, subscribed to the vendor of the
story); writers are threads that write the way scrapers, sync tools and editors do: steadily for
seconds, in two parts with a pause longer than the settle time, or a rewrite of a file already
alerted. Nothing may be moved to `.rejected/`, the stored body must be whole, and the last alert must
show what only the end of the file says (a named person's statement that becomes a key fact).
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import Application
from bot.config import Settings
from bot.ingest import REJECTED_DIR
from tests.support.app_runner import running_app

pytestmark = pytest.mark.slow

WAIT = 60.0
TITLE = "SonicWall patches SMA 100 flaw that attackers are exploiting"
FIRST_HALF = [
    "SonicWall told customers on Wednesday that a flaw in its SMA 100 remote access appliances lets an "
    "unauthenticated attacker run commands on the device, and urged them to patch at once.",
    "The company said the appliances of about a thousand customers were reachable from the internet "
    "when its researchers found the bug during a routine review of the web interface.",
    "Administrators who cannot patch this week should restrict access to the management portal to "
    "trusted addresses and watch the logs for requests to the affected endpoint.",
]
SECOND_HALF = [
    "The vulnerability is tracked as CVE-2026-21001 and rated 9.8 on the CVSS scale, the advisory said, "
    "and fixed builds are available for every supported version of the firmware.",
    "About 2,400 appliances were still exposed on Thursday, said Marta Lindqvist, the head of product "
    "security at SonicWall.",
    "SonicWall added that it had seen a small number of attacks against the flaw before the fix shipped "
    "and that it was working with the affected customers to investigate them.",
]
LAST_SENTENCE_WORDS = "working with the affected customers to investigate"
MARKER = "Marta Lindqvist"  # only the end of the file names her; the alert shows her statement as a key fact


def markdown_page(paragraphs: list[str]) -> str:
    front = f"---\ntitle: {TITLE}\nurl: https://news.example.com/2026/04/08/sonicwall-sma/\ndate: 2026-04-08\n---\n\n"
    return front + "\n\n".join(paragraphs) + "\n"


def text_page(paragraphs: list[str]) -> str:
    return TITLE + "\n\n" + "\n\n".join(paragraphs) + "\n"


def json_page(paragraphs: list[str]) -> str:
    return json.dumps({"title": TITLE, "url": "https://news.example.com/a", "body": "\n\n".join(paragraphs)})


def write_steadily(path: Path, data: str, seconds: float) -> None:
    """One writer holding the file open, writing small pieces evenly over `seconds`."""
    pieces = 30
    step = -(-len(data) // pieces)
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, len(data), step):
            handle.write(data[start : start + step])
            handle.flush()
            time.sleep(seconds / pieces)


def write_in_two_parts(path: Path, first: str, rest: str, pause: float) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(first)
        handle.flush()
        time.sleep(pause)
        handle.write(rest)


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "bot.sqlite3",
        BOT_STORIES_DIR=tmp_path / "stories",
        BOT_SETTLE_SECONDS=0.2,  # the default
        BOT_EDIT_COALESCE_SECONDS=0.1,
    )


class Console:
    """The running service with the console adapter subscribed to SonicWall; its printed output."""

    def __init__(self, app: Application, out: io.StringIO) -> None:
        self.app = app
        self.out = out

    async def printed(self, needle: str, *, after: int = 0) -> str:
        deadline = time.monotonic() + WAIT
        while needle not in self.out.getvalue()[after:]:
            assert time.monotonic() < deadline, f"{needle!r} not printed:\n{self.out.getvalue()[after:]}"
            await asyncio.sleep(0.05)
        return self.out.getvalue()[after:]

    async def bodies(self, name: str) -> list[str]:
        assert self.app.core is not None
        rows = await self.app.core.store.db.fetchall("SELECT path, body FROM articles")
        return [row["body"] for row in rows if Path(row["path"]).name == name]


@asynccontextmanager
async def console_service(tmp_path: Path) -> AsyncIterator[Console]:
    settings = settings_for(tmp_path)
    settings.stories_dir.mkdir()
    out = io.StringIO()
    app = Application(settings, console=True, stdin=io.StringIO("/subscribe sonicwall\n"), stdout=out)
    async with running_app(app, WAIT):
        console = Console(app, out)
        await console.printed("Subscribed this channel to SonicWall")
        yield console
    assert not (settings.stories_dir / REJECTED_DIR).exists() or not any(
        (settings.stories_dir / REJECTED_DIR).iterdir()
    ), "a file was moved to .rejected/"


async def in_thread(writer: Callable[[], None]) -> None:
    thread = threading.Thread(target=writer)
    thread.start()
    await asyncio.to_thread(thread.join)


@pytest.mark.parametrize("seconds", [3.0, 6.0])
async def test_a_file_written_steadily_for_seconds_is_stored_whole(tmp_path: Path, seconds: float) -> None:
    async with console_service(tmp_path) as console:
        path = console.app.settings.stories_dir / "steady.md"
        await in_thread(lambda: write_steadily(path, markdown_page(FIRST_HALF + SECOND_HALF), seconds))
        alert = await console.printed("Vendors:")
        assert MARKER in alert  # the alert was made from the whole file
        await asyncio.sleep(1.0)
        assert "UPDATED" not in console.out.getvalue()  # ... the first time: it was never read half written
        bodies = await console.bodies("steady.md")
        assert len(bodies) == 1 and LAST_SENTENCE_WORDS in bodies[0]


PARTS = {
    # the front matter first, the body after a pause
    "header-then-body.md": lambda: (
        markdown_page([]).rstrip("\n") + "\n",
        "\n".join(FIRST_HALF + SECOND_HALF),
    ),
    # half a JSON object, then the rest
    "two-parts.json": lambda: (
        json_page(FIRST_HALF + SECOND_HALF)[:200],
        json_page(FIRST_HALF + SECOND_HALF)[200:],
    ),
    # half the text (readable on its own), then the rest: stored, then revised
    "half-then-rest.txt": lambda: (text_page(FIRST_HALF), "\n" + "\n\n".join(SECOND_HALF) + "\n"),
}


@pytest.mark.parametrize("name", list(PARTS))
async def test_a_file_written_in_two_parts_is_stored_whole(tmp_path: Path, name: str) -> None:
    first, rest = PARTS[name]()
    async with console_service(tmp_path) as console:
        path = console.app.settings.stories_dir / name
        await in_thread(lambda: write_in_two_parts(path, first, rest, pause=1.0))

        async def whole() -> bool:
            return any(LAST_SENTENCE_WORDS in body for body in await console.bodies(name))

        deadline = time.monotonic() + WAIT
        while not await whole():
            assert time.monotonic() < deadline, f"{name} never stored whole: {await console.bodies(name)}"
            await asyncio.sleep(0.1)
        assert len(await console.bodies(name)) == 1  # one article: the half was revised, not duplicated
        output = await console.printed(MARKER)  # the alert (or its edit) shows the end of the file
        assert output.count("=== ALERT #") - output.count("UPDATED") == 1


async def test_a_file_rewritten_after_its_alert_is_a_new_version_of_the_story(tmp_path: Path) -> None:
    async with console_service(tmp_path) as console:
        path = console.app.settings.stories_dir / "advisory.md"
        path.write_text(markdown_page(FIRST_HALF), encoding="utf-8")
        first = await console.printed("Vendors:")
        assert MARKER not in first
        mark = len(console.out.getvalue())
        update = [
            "UPDATE: SonicWall now says the flaw is being exploited in the wild.",
            *FIRST_HALF,
            *SECOND_HALF,
        ]
        path.write_text(markdown_page(update), encoding="utf-8")  # in place, as an editor saving it
        edited = await console.printed("Vendors:", after=mark)
        assert "UPDATED (v2)" in edited and MARKER in edited
        bodies = await console.bodies("advisory.md")
        assert len(bodies) == 1 and bodies[0].startswith("UPDATE:")
