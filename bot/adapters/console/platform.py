"""Console adapter: the bot with no chat account at all.

Lines on standard input are commands in the channel `console`; replies and alerts are printed as
readable text. Standard input is read by a daemon thread so that pipes, files and terminals all
work the same and Ctrl-C never waits on a blocked read. End of input stops reading, not the bot
(a service under systemd or in a container has no input at all), unless asked: `bot run
--exit-at-eof` makes `run()` return once every line before the end of input was answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import threading
from collections.abc import Sequence
from typing import TextIO

from bot.chat.ports import CommandContext, Commands, Reply
from bot.chat.render import story_plain_text, visible
from bot.models import ChannelRef, MessageRef, Story

CONSOLE_CHANNEL = ChannelRef("console", "local", "console")
_EOF = object()


async def _always_admin() -> bool:
    return True  # whoever holds the terminal owns the bot


class ConsolePlatform:
    name = "console"

    def __init__(
        self,
        commands: Commands,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        exit_at_eof: bool = False,
    ) -> None:
        self.exit_at_eof = exit_at_eof
        self._commands = commands
        self._stdin = stdin or sys.stdin
        self._out = stdout or sys.stdout
        self.ready = asyncio.Event()
        self._ids = itertools.count(1)
        self._sent: dict[str, MessageRef] = {}

    def _print(self, text: str) -> None:
        try:
            self._out.write(text.rstrip("\n") + "\n")
            self._out.flush()
        except (BrokenPipeError, ValueError):
            pass  # nobody is reading any more; keep serving the other platforms

    def banner(self, articles: int, stories_dir: str) -> None:
        self._print(
            f"Vendor alert bot — console mode. {articles} articles stored; watching {stories_dir}/ for new "
            "stories.\nType /help for commands, e.g. /subscribe kaspersky or /story okta. Ctrl-C quits."
        )

    def _start_reader(self, queue: asyncio.Queue[object]) -> None:
        loop = asyncio.get_running_loop()

        def read() -> None:
            try:
                for line in self._stdin:
                    loop.call_soon_threadsafe(queue.put_nowait, line)
            except (OSError, ValueError):
                pass
            finally:
                with contextlib.suppress(RuntimeError):  # the loop is closed: we are shutting down
                    loop.call_soon_threadsafe(queue.put_nowait, _EOF)

        threading.Thread(target=read, name="console-stdin", daemon=True).start()

    async def run(self) -> None:
        queue: asyncio.Queue[object] = asyncio.Queue()
        self._start_reader(queue)
        self.ready.set()
        while True:
            item = await queue.get()
            if item is _EOF:
                if self.exit_at_eof:
                    return
                await asyncio.Event().wait()  # input closed: keep alerting until interrupted
            line = str(item).strip()
            if line:
                await self.handle_line(line)

    async def handle_line(self, line: str) -> Reply | None:
        if not line.startswith("/"):
            self._print("Commands start with '/'. Type /help.")
            return None
        name, _, rest = line[1:].partition(" ")
        ctx = CommandContext(CONSOLE_CHANNEL, user="console", is_admin=_always_admin, user_name="console")
        reply = await self._commands.run_text(ctx, name, rest)
        self._print(("error: " if reply.error else "") + reply.text)  # the CLI's error style
        return reply

    # -- ChatPlatform -----------------------------------------------------------------------------

    async def post_alert(self, channel: ChannelRef, story: Story, *, delivery_key: str) -> MessageRef:
        if delivery_key in self._sent:
            return self._sent[delivery_key]
        ref = MessageRef(channel, str(next(self._ids)))
        self._sent[delivery_key] = ref
        self._print(f"\n=== ALERT #{ref.message_id} ===\n{story_plain_text(story)}\n")
        return ref

    async def edit_alert(self, ref: MessageRef, story: Story) -> None:
        self._print(f"\n=== ALERT #{ref.message_id} UPDATED (v{story.version}) ===\n{story_plain_text(story)}\n")

    async def post_followup(
        self, ref: MessageRef, story: Story, new_outlets: Sequence[str], *, delivery_key: str | None = None
    ) -> None:
        self._print(f"  ↳ alert #{ref.message_id}: new coverage from {', '.join(map(visible, new_outlets))}")

    async def post_digest(self, channel: ChannelRef, stories: Sequence[Story], *, delivery_key: str) -> MessageRef:
        ref = MessageRef(channel, str(next(self._ids)))
        body = "\n\n".join(story_plain_text(s) for s in stories)
        self._print(f"\n=== DIGEST #{ref.message_id}: {len(stories)} stories ===\n{body}\n")
        return ref

    async def find_delivered(
        self,
        channel: ChannelRef,
        delivery_key: str,
        *,
        since: float | None = None,
        until: float | None = None,
        thread: MessageRef | None = None,
    ) -> MessageRef | None:
        return self._sent.get(delivery_key)
