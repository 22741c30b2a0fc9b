"""The composition root: builds every part once, runs watcher, delivery and adapters in one TaskGroup.

Nothing else wires parts together. Platform packages are imported only when their token is set, so
the core (and the console default) never loads slack_bolt or discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TextIO

from bot.chat.commands import CommandService
from bot.chat.ports import ChatPlatform
from bot.config import Settings
from bot.delivery.router import Router
from bot.delivery.service import DeliveryService
from bot.ingest.arrival import Arrivals
from bot.ingest.source import shown
from bot.ingest.watch import watch_story_files
from bot.ingest.worker import ParsePool
from bot.intel.engine import StoryEngine
from bot.intel.facts.kev import load_catalog
from bot.intel.vendors import VendorCatalog
from bot.intel.vendors.registry import VendorRegistry
from bot.observability import telemetry, using_telemetry
from bot.observability.wiring import Operations
from bot.pipeline import GROUP_FILES, IngestResult, Pipeline
from bot.store import Store
from bot.store.cluster import Leases, SharedBudgets, WorkerRegistry, dialect
from bot.store.owner import DatabaseOwner
from bot.store.story_store import StoryStore

log = logging.getLogger(__name__)
EOF_DRAIN_SECONDS = 10.0  # --exit-at-eof: alerts still owed get this long to go out


@dataclass
class Core:
    """Everything that is not a chat platform, opened over one database."""

    settings: Settings
    store: Store
    registry: VendorRegistry
    stories: StoryStore
    engine: StoryEngine[StoryStore]
    router: Router
    commands: CommandService
    pipeline: Pipeline
    readers: ParsePool  # worker processes that read files under a budget; started on first use
    routed: _Relay  # nudged after a commit that queued alerts; the service points it at delivery


@asynccontextmanager
async def open_core(
    settings: Settings, *, on_routed: Callable[[], None] | None = None
) -> AsyncIterator[Core]:
    """Open the store and build the platform-neutral core (also used by the CLI and benchmarks)."""
    catalog = VendorCatalog.load(settings.vendors_file)
    store = await Store.open(
        settings.database, retry=settings.startup_retry, max_backoff=settings.startup_max_backoff_seconds
    )
    try:
        registry = VendorRegistry(catalog, store.subscriptions)
        await registry.reload()
        stories = StoryStore(store.db)
        engine = StoryEngine(StoryStore(store.db), kev=load_catalog(settings.kev_file))
        router = Router(store.db, store.subscriptions, settings, vendor_visible=registry.visible_in)
        commands = CommandService(settings, store.subscriptions, stories, registry)
        relay = _Relay(on_routed)
        readers = ParsePool(
            settings.parse_workers,
            cpu_seconds=settings.parse_cpu_seconds,
            wall_seconds=settings.parse_wall_seconds,
            warm=(settings.vendors_file, registry.extra),
        )
        pipeline = Pipeline(settings, store, registry, engine, router, on_routed=relay, reader=readers)
        try:
            yield Core(settings, store, registry, stories, engine, router, commands, pipeline, readers, relay)
        finally:
            readers.close()
    finally:
        await store.close()


class _Relay:
    """Late-bound callback: the delivery service is built after the pipeline that must nudge it."""

    def __init__(self, target: Callable[[], None] | None) -> None:
        self.target = target

    def __call__(self) -> None:
        if self.target is not None:
            self.target()


def sample_story_files() -> list[Path]:
    root = resources.files("bot") / "samples" / "stories"
    return sorted(Path(str(p)) for p in root.iterdir() if p.is_file() and not p.name.startswith((".", "_")))


class Application:
    """The service: `await Application(settings).run()` until cancelled."""

    def __init__(
        self,
        settings: Settings,
        *,
        console: bool | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        progress: Callable[[list[Path]], AsyncIterator[Path]] | None = None,
        exit_at_eof: bool = False,
    ) -> None:
        self.settings = settings
        self._exit_at_eof = exit_at_eof
        self.console = (
            console if console is not None else not (settings.slack_enabled or settings.discord_enabled)
        )
        self._stdin = stdin
        self._stdout = stdout
        self._progress = progress
        self.started = asyncio.Event()
        self.core: Core | None = None
        self.platforms: dict[str, ChatPlatform] = {}
        self.delivery: DeliveryService | None = None
        self.operations: Operations | None = None
        self._watching = False
        self._standing_by = False  # another worker reads the stories folder; this one takes over if it dies
        self.worker: WorkerRegistry | None = None
        self._service_task: asyncio.Task[None] | None = None

    def _build_platforms(self, core: Core) -> dict[str, ChatPlatform]:
        platforms: dict[str, ChatPlatform] = {}
        if self.settings.slack_enabled:
            from bot.adapters.slack import SlackPlatform

            # The history ration (1 call a minute) is the workspace's: kept in the database, it holds
            # across workers and across a restart after a crash, when lookups are most needed.
            platforms["slack"] = SlackPlatform(self.settings, core.commands, budgets=SharedBudgets(core.store.db))
        if self.settings.discord_enabled:
            from bot.adapters.discord import DiscordPlatform

            platforms["discord"] = DiscordPlatform(self.settings, core.commands)
        if self.console:
            from bot.adapters.console import ConsolePlatform

            platforms["console"] = ConsolePlatform(
                core.commands, stdin=self._stdin, stdout=self._stdout, exit_at_eof=self._exit_at_eof
            )
        return platforms

    async def run(self) -> None:
        self._service_task = asyncio.current_task()
        with ExitStack() as owned:
            if not self.settings.database_url and str(self.settings.db_path) != ":memory:":
                # One service per SQLite file: a second one would resend the first's in-flight rows.
                # (PostgreSQL is shared by design: several workers, each claiming its own rows.)
                owned.enter_context(DatabaseOwner(self.settings.db_path))
            await self._run_owned()

    async def _run_owned(self) -> None:
        self.settings.stories_dir.mkdir(parents=True, exist_ok=True)
        async with open_core(self.settings) as core:
            self.core = core
            self.platforms = self._build_platforms(core)
            if dialect(core.store.db) != "sqlite":
                # Several `bot run` may share this database: this process is one worker among them.
                self.worker = WorkerRegistry(core.store.db, self.settings.worker_lease_seconds)
                await self.worker.register()
                log.info("worker %s on a shared database", self.worker.id)
            delivery = DeliveryService(
                core.store.db,
                self.platforms,
                self.settings,
                load_story=core.stories.get_story,
                scope_story=core.registry.story_for_channel,
                worker=self.worker,
            )
            self.delivery = delivery
            core.routed.target = delivery.wake
            console = self.platforms.get("console")
            if console is not None:
                await self._first_start(core)
                from bot.adapters.console import ConsolePlatform

                if isinstance(console, ConsolePlatform):
                    console.banner(await core.store.articles.count(), str(self.settings.stories_dir))
            operations = Operations(
                self.settings, core.store.db, self.platforms, lambda: self._watching or self._standing_by
            )
            self.operations = operations
            if "slack" in self.platforms:
                operations.share_with_slack(self.platforms["slack"])
            # Every task below reports into this service's recorder (a context variable they inherit).
            with using_telemetry(operations.telemetry):
                try:
                    async with asyncio.TaskGroup() as tg:
                        tg.create_task(operations.run(), name="operations-http")
                        tg.create_task(delivery.run(), name="delivery")
                        for name, platform in self.platforms.items():
                            tg.create_task(self._serve(platform), name=f"platform-{name}")
                        tg.create_task(
                            core.readers.start(), name="parse-workers"
                        )  # warm before the first file
                        if self.worker is not None:
                            tg.create_task(self.worker.run(), name="worker-heartbeat")
                            leases = Leases(core.store.db, self.worker)
                            tg.create_task(self._lead_watch(core.pipeline, leases), name="watcher")
                        else:
                            tg.create_task(self._watch(core.pipeline), name="watcher")
                        await asyncio.gather(*(p.ready.wait() for p in self.platforms.values()))
                        self.started.set()
                        log.info("started: %s", ", ".join(self.platforms) or "no platform")
                finally:
                    if self.worker is not None:
                        await _retire(self.worker)

    async def _serve(self, platform: ChatPlatform) -> None:
        """Run a platform. One that returns (the console at end of input with --exit-at-eof) ends the
        service once what is owed has been delivered, as Ctrl-C would."""
        await platform.run()
        if self._exit_at_eof and platform.name == "console":
            if self.delivery is not None:
                await self.delivery.drain(EOF_DRAIN_SECONDS)
            log.info("end of input: stopping")
            if self._service_task is not None:
                self._service_task.cancel()

    async def _first_start(self, core: Core) -> None:
        """On an empty database, ingest the bundled sample store so /story has something to show."""
        if await core.store.articles.count():
            return
        files = sample_story_files()
        iterator: AsyncIterator[Path] = self._progress(files) if self._progress else _plain(files)
        async for path in iterator:
            await core.pipeline.process_file(path, settle_seconds=0)

    async def _lead_watch(self, pipeline: Pipeline, leases: Leases) -> None:
        """Several workers on one database: only one reads a stories folder (they would all read
        every file). The others stand by and the first to see the reader's lease run out takes the
        folder over; it reads every file there once, and files already stored are skipped as seen."""
        assert self.worker is not None
        name = f"ingest:{self.settings.stories_dir.resolve()}"
        beat = self.worker.lease_seconds / 3
        while True:
            self._standing_by = True
            while not await leases.hold(name):  # noqa: ASYNC110 - polling the database, not an event
                await asyncio.sleep(beat)
            self._standing_by = False
            log.info("this worker reads %s", shown(self.settings.stories_dir))
            watcher = asyncio.get_running_loop().create_task(self._watch(pipeline), name="watcher-leader")
            try:
                while not watcher.done():
                    await asyncio.wait({watcher}, timeout=beat)
                    if not watcher.done() and not await leases.hold(name):
                        log.warning(
                            "lost the lease on %s: another worker reads it now",
                            shown(self.settings.stories_dir),
                        )
                        break
                if watcher.done():
                    watcher.result()  # the watcher failed: let the service see it
                    return
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    async def _watch(self, pipeline: Pipeline) -> None:
        """Read every file in the watched folder once it has settled, then each new or changed one.

        When a file is ready and what happens after a read that did not finish is `Arrivals`' policy.
        Files due together are read as a group (`Pipeline.process_files`: chunks of files to the parse
        workers, one transaction for the group), up to GROUP_FILES at a time; a file due alone
        goes at once. Several groups run at a time (one per parse worker, plus one), so while one group
        is stored the next is being parsed, and a page that takes its whole budget never delays the
        files due after it."""
        arrivals = Arrivals(self.settings.settle_seconds)
        slots = asyncio.Semaphore(self.settings.parse_workers + 1)
        running: set[asyncio.Task[None]] = set()
        due: deque[Path] = deque()
        more = asyncio.Event()

        async def feed() -> None:
            async for path in watch_story_files(
                self.settings.stories_dir, settle_seconds=self.settings.settle_seconds
            ):
                arrivals.note(path)

        async def collect() -> None:
            async for path in arrivals.ready():
                due.append(path)
                more.set()

        async def handle(paths: list[Path]) -> None:
            statuses = dict.fromkeys(paths, "failed")
            try:
                for lag in await asyncio.to_thread(_seconds_since_write, paths):
                    telemetry().watcher_lag(lag)
                results = await pipeline.process_files(
                    paths,
                    settle_seconds=0,
                    reject_grace=arrivals.reject_grace,
                    wait_for_writers=arrivals.wait_for_writers,
                )
                for path, result in zip(paths, results, strict=True):
                    statuses[path] = result.status
                    _log_result(result)
            except Exception:  # a bug must not stop the watcher
                log.exception("failed to process %s", ", ".join(shown(p) for p in paths))
            finally:
                for path in paths:
                    arrivals.done(path, statuses[path])
                slots.release()

        loop = asyncio.get_running_loop()
        feeder = loop.create_task(feed(), name="watch-feed")
        collector = loop.create_task(collect(), name="watch-ready")
        for helper in (feeder, collector):
            helper.add_done_callback(lambda _: more.set())  # a watcher that stopped is seen at once
        self._watching = True
        try:
            while True:
                await more.wait()
                for task in (feeder, collector):
                    if task.done():
                        task.result()  # the watcher itself failed: let the service see it
                if not due:
                    more.clear()
                    continue
                await slots.acquire()
                group = [due.popleft() for _ in range(min(len(due), GROUP_FILES))]
                task = loop.create_task(handle(group), name="ingest-files")
                running.add(task)
                task.add_done_callback(running.discard)
        finally:
            self._watching = False
            feeder.cancel()
            collector.cancel()
            for task in running:
                task.cancel()


async def _retire(worker: WorkerRegistry) -> None:
    """An orderly stop frees this worker's channels and folder now rather than after its lease."""
    try:
        await asyncio.shield(worker.retire())
    except Exception as exc:  # the database went away first: the lease runs out by itself
        log.warning("could not retire worker %s (%s); its lease will run out", worker.id, exc)


async def _plain(files: list[Path]) -> AsyncIterator[Path]:
    for path in files:
        yield path


def _seconds_since_write(paths: list[Path]) -> list[float]:
    lags: list[float] = []
    for path in paths:
        try:
            lags.append(time.time() - path.stat().st_mtime)
        except OSError:
            lags.append(0.0)
    return lags


def _log_result(result: IngestResult) -> None:
    telemetry().file_processed(result.status, result.reason)
    if result.change is not None:
        telemetry().story_changed([str(kind) for kind in result.change.kinds])
    if result.status == "stored" and result.change is not None:
        story = result.change.story
        log.info(
            "stored %s -> story #%s v%s (%s)",
            shown(Path(result.path).name),
            story.id,
            story.version,
            ",".join(result.change.kinds),
        )
    elif result.status in ("duplicate", "seen", "stored"):  # a rejection was logged where it happened
        log.info(
            "%s %s: %s", result.status, shown(Path(result.path).name), result.reason or "no story change"
        )
    elif result.status == "retry":
        log.warning("cannot read %s for now (%s): will retry", shown(Path(result.path).name), result.reason)
