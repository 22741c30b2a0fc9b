"""Reading a story's bytes into a vendor-matched Article in worker processes, under a budget per file.

Why processes: parsing and cleaning are pure Python over hostile input. However well the parser is
guarded, a page that defeats it must not stall everything behind it, nor hold shutdown. So the work
runs in child processes, and the budget is enforced from outside the parsing code: the worker arms a
CPU timer (SIGPROF) around each file, and the parent kills the worker when the wall-time budget passes
(a page stuck in C code, or a stopped worker) and starts a fresh one. Either way the file is rejected
with the reason and the next file goes to another worker at once.

The pool has `size` workers (one per core is the natural size). `ParsePool.read_many` hands a group of
files out in chunks (several files per message: a hand-off per file cost more than reading a short
page), and each worker answers file by file, so the budgets still hold per file: a file that overruns
costs only itself, and the rest of its chunk goes to another worker. Workers start from a fork server that has imported
the readers once, so a restart after a kill costs milliseconds. Warnings a worker logs (loose front
matter, ...) are sent back with its answer and logged by the parent.

Answers come back on a pipe of their own, read by the event loop without a thread hop per file
(`worker_pipe`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import multiprocessing
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any

from bot.ingest.article import article_from_story
from bot.ingest.errors import RejectedFile, Transient
from bot.ingest.source import StoryBytes, is_transient, transient
from bot.ingest.worker_pipe import AnswerPipe, send_answer
from bot.intel.facts.kev import KevCatalog, load_catalog
from bot.intel.story_build import Prepared, prepare
from bot.intel.vendors import VendorCatalog, VendorMatcher
from bot.intel.vendors.registry import tag_vendors
from bot.models import Article, Vendor

log = logging.getLogger(__name__)

CPU_SECONDS = 2.0  # per file; a page read in seconds of CPU is an attack or a bug, not news
WALL_SECONDS = 6.0  # per file, from the parent; the machine may be busy, so looser than the CPU budget
START_SECONDS = 120.0  # for a new worker to import and build its matcher, on a machine that may be busy
# Files sent to a worker in one message: a hand-off per file cost more than reading a short page.
CHUNK_FILES = 8

_Answer = tuple[tuple[str, Any], list[tuple[str, int, str]]]  # (kind, value), warnings logged
Read = tuple[Article, Prepared | None]  # a file read: its article, and the engine's work done ahead


@dataclass(frozen=True, slots=True)
class ReadJob:
    """One file to read: its bytes (read once by `source`), and the vendors to match it against."""

    story: StoryBytes
    max_bytes: int
    vendors_file: Path | None = None
    extra_vendors: tuple[Vendor, ...] = ()
    prepare: bool = False  # also do the story engine's text-only work (`prepare`) here
    kev_file: Path | None = None  # the KEV catalog that work reads (the shipped one when None)


_MATCHERS: dict[tuple[Path | None, tuple[Vendor, ...]], VendorMatcher] = {}


def _matcher(vendors_file: Path | None, extra: tuple[Vendor, ...]) -> VendorMatcher:
    """The matcher for a catalog, built once per worker (a new set of tracked vendors builds anew)."""
    key = (vendors_file, extra)
    matcher = _MATCHERS.get(key)
    if matcher is None:
        base = VendorCatalog.load(vendors_file)
        matcher = VendorMatcher.of(base.with_extra(list(extra)) if extra else base)
        _MATCHERS.clear()
        _MATCHERS[key] = matcher
    return matcher


def read_story(job: ReadJob) -> Article:
    """The whole CPU-bound part of ingesting one file: decode, parse, clean, match vendors."""
    article = article_from_story(job.story, max_bytes=job.max_bytes)
    return tag_vendors(article, _matcher(job.vendors_file, job.extra_vendors))


@lru_cache(maxsize=2)
def kev_catalog(path: Path | None) -> KevCatalog:
    return load_catalog(path)


def read_and_prepare(job: ReadJob) -> Read:
    """`read_story`, then (when the job asks) what clustering needs from the text alone."""
    article = read_story(job)
    return article, (prepare(article, kev_catalog(job.kev_file)) if job.prepare else None)


# -- the worker side ------------------------------------------------------------------------------


class OverBudget(BaseException):
    """Raised by the CPU timer inside a worker; a BaseException so no `except Exception` swallows it."""


def _expired(signum: int, frame: FrameType | None) -> None:
    raise OverBudget


class _Collect(logging.Handler):
    """Keeps the warnings a job logs, to send back to the parent with its answer."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _answer(job: ReadJob, cpu_seconds: float) -> tuple[str, Any]:
    """One job under the CPU timer: ("ok", article), ("rejected", reason) or ("error", what)."""
    try:
        signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
        try:
            return ("ok", read_and_prepare(job))
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
    except OverBudget:
        return ("rejected", f"took more than {cpu_seconds:g} s of CPU to read (the budget per file)")
    except RejectedFile as exc:
        return ("rejected", exc.reason)
    except RecursionError:
        return ("rejected", "nested too deeply to read")
    except MemoryError:
        return ("rejected", "needs too much memory to read")
    except Exception as exc:  # a bug on one page: report it, keep serving
        return ("error", f"{type(exc).__name__}: {exc}")


def _serve(
    conn: Connection, answers: Connection, cpu_seconds: float, warm: tuple[Path | None, tuple[Vendor, ...]]
) -> None:
    """Worker main loop: a list of jobs in on `conn`, one answer out per job on `answers` as each is
    done (so the parent's wall budget runs per file), until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    signal.signal(signal.SIGPROF, _expired)
    collect = _Collect()
    root = logging.getLogger()
    root.handlers[:] = [collect]
    root.setLevel(logging.WARNING)
    with contextlib.suppress(Exception):
        import bot.ingest.worker_tables  # noqa: F401  (the static tables; the fork server has them)
    with contextlib.suppress(Exception):
        _matcher(*warm)  # built before the first file arrives, not on its clock
    try:
        conn.send(("ready", None))  # the parent hands out files (and starts their clocks) after this
    except (OSError, EOFError):
        return
    while True:
        try:
            jobs: list[ReadJob] = conn.recv()
        except (EOFError, OSError):
            return
        for job in jobs:
            collect.records.clear()
            answer = _answer(job, cpu_seconds)
            try:
                send_answer(answers.fileno(), (answer, list(collect.records)))
            except OSError:
                return


# -- the parent side ------------------------------------------------------------------------------


def _outcome(answer: _Answer) -> Read | Exception:
    """A worker's answer as the article, or the exception it ended in; its warnings logged here."""
    (kind, value), records = answer
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "rejected":
        return RejectedFile(value)
    return RuntimeError(f"reading failed: {value}")


def _context() -> BaseContext:
    """A fork server where the platform has one (cheap restarts, no fork of a threaded parent)."""
    if sys.platform != "win32" and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["bot.ingest.worker", "bot.ingest.worker_tables"])
        return context
    return multiprocessing.get_context("spawn")


@dataclass(eq=False)  # hashed by identity: kept in a set
class _Worker:
    process: BaseProcess
    conn: Connection  # jobs in (and the "ready" hand-shake)
    answers: Connection  # the read end of the worker's answer pipe
    started: float = field(default_factory=time.monotonic)
    reader: AnswerPipe | None = None  # `answers`, read by the event loop once the worker is in the pool


class ParsePool:
    """`await pool.read(job)` -> matched Article, or RejectedFile (bad page, or over budget)."""

    def __init__(
        self,
        size: int = 1,
        *,
        cpu_seconds: float = CPU_SECONDS,
        wall_seconds: float = WALL_SECONDS,
        warm: tuple[Path | None, tuple[Vendor, ...]] = (None, ()),
    ) -> None:
        self.size = max(1, size)
        self.cpu_seconds = cpu_seconds
        self.wall_seconds = max(wall_seconds, cpu_seconds)
        self._warm = warm
        self._context = _context()
        self._missing = self.size  # workers to start (at first, and after a failed restart)
        self._idle: deque[_Worker] = deque()  # in the order they are handed files
        self._returned = asyncio.Event()
        self._all: set[_Worker] = set()
        self._closed = False
        self.restarts = 0

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe(duplex=True)
        answers, answering = self._context.Pipe(duplex=False)
        process = self._context.Process(  # type: ignore[attr-defined]
            target=_serve, args=(child, answering, self.cpu_seconds, self._warm), daemon=True, name="bot-parse"
        )
        process.start()
        child.close()
        answering.close()  # the worker holds the write end: its death is the pipe's end
        if not parent.poll(START_SECONDS):  # a worker that cannot even start: try again later
            process.kill()
            process.join(timeout=1)
            parent.close()
            answers.close()
            raise OSError(errno.EAGAIN, f"a parse worker did not start within {START_SECONDS:g} s")
        parent.recv()
        return _Worker(process, parent, answers)

    async def start(self) -> None:
        """Start the workers (in a thread: the first start launches the fork server)."""
        await self._fill()

    async def _fill(self) -> None:
        """Start the workers still missing. Out of file descriptors or memory, the pool stays short
        (Transient: the caller retries later) and fills up again on a later call."""
        while self._missing > 0 and not self._closed:
            self._missing -= 1
            try:
                worker = await asyncio.to_thread(self._spawn)
                self._all.add(worker)
                try:
                    worker.reader = AnswerPipe(worker.answers)
                except BaseException:
                    self._kill(worker)
                    raise
            except OSError as exc:
                self._missing += 1
                if is_transient(exc):
                    raise transient(exc, "cannot start a parse worker") from None
                raise
            self._give(worker)

    def _give(self, worker: _Worker) -> None:
        self._idle.append(worker)
        self._returned.set()

    async def _take(self) -> _Worker:
        while not self._idle:
            if self._missing:
                await self._fill()
                continue
            self._returned.clear()
            await self._returned.wait()
        return self._idle.popleft()

    async def read(self, job: ReadJob) -> tuple[Article, list[tuple[str, int, str]]]:
        """The article read by a worker, with the warnings it logged. Waits for an idle worker."""
        answers: list[_Answer | None] = [None]
        await self._read_chunk([job], [0], answers)
        answer = answers[0]
        assert answer is not None
        outcome = _outcome(answer)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome[0], answer[1]

    async def read_many(self, jobs: Sequence[ReadJob]) -> list[Read | Exception]:
        """Each job's article, or the RejectedFile (bad page, over budget) or error it ended in, in
        the jobs' order. The jobs go out in chunks, several per message, to every idle worker at once;
        each answer comes back as soon as its file is read, so the budgets still hold per file."""
        answers: list[_Answer | None] = [None] * len(jobs)
        per = max(1, min(CHUNK_FILES, -(-len(jobs) // self.size)))
        chunks = [list(range(start, min(start + per, len(jobs)))) for start in range(0, len(jobs), per)]
        done = await asyncio.gather(
            *(self._read_chunk(jobs, c, answers) for c in chunks), return_exceptions=True
        )
        outcomes: list[Read | Exception] = []
        for chunk, failure in zip(chunks, done, strict=True):
            if isinstance(failure, BaseException) and not isinstance(failure, Exception):
                raise failure  # cancelled: not a file's fault
            for index in chunk:  # a chunk that could not start (no worker) fails its unread files
                answer = answers[index]
                if answer is not None:
                    outcomes.append(_outcome(answer))
                else:
                    outcomes.append(failure if isinstance(failure, Exception) else RuntimeError("not read"))
        return outcomes

    async def _read_chunk(
        self, jobs: Sequence[ReadJob], todo: list[int], answers: list[_Answer | None]
    ) -> None:
        """Read jobs[i] for i in `todo` on one worker; a worker that overruns or dies is replaced, its
        file rejected, and the rest of the chunk goes to the next idle worker."""
        while todo:
            if self._closed:
                raise RuntimeError("the parse pool is closed")
            worker = await self._take()
            done = 0
            failure: str | None = None
            try:
                await asyncio.to_thread(worker.conn.send, [jobs[i] for i in todo])
                assert worker.reader is not None  # attached when it was started
                for index in todo:
                    async with asyncio.timeout(self.wall_seconds):
                        answers[index] = await worker.reader.next()
                    done += 1
            except TimeoutError:
                failure = f"took more than {self.wall_seconds:g} s to read (the time budget per file); reading stopped"
            except (EOFError, OSError, BrokenPipeError):
                failure = "the reader stopped on this page (crashed); reading stopped"
            finally:
                if done < len(todo):
                    await self._replace(worker)
                elif not self._closed:
                    self._give(worker)
            if failure is not None:
                answers[todo[done]] = (("rejected", failure), [])
                done += 1
            todo = todo[done:]

    async def _replace(self, worker: _Worker) -> None:
        """Kill a worker that overran (or died) and put a fresh one in its place."""
        self._kill(worker)
        if self._closed:
            return
        self.restarts += 1
        self._missing += 1
        try:
            await self._fill()
        except (OSError, Transient) as exc:  # started again by the next read
            log.warning("could not restart a parse worker now: %s", exc)

    def _kill(self, worker: _Worker) -> None:
        self._all.discard(worker)
        with contextlib.suppress(Exception):
            worker.conn.close()
        with contextlib.suppress(Exception):
            if worker.reader is not None:
                worker.reader.close()  # closes `answers` too
            else:
                worker.answers.close()
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=1)

    @property
    def pids(self) -> list[int]:
        """Process ids of the workers, in the order they will next be handed a file."""
        busy = [w for w in self._all if w not in self._idle]
        return [w.process.pid for w in [*self._idle, *busy] if w.process.pid is not None]

    @property
    def busy(self) -> int:
        """Workers reading a file right now."""
        return len(self._all) - len(self._idle)

    def close(self) -> None:
        """Stop every worker now (never waits on a page being read)."""
        self._closed = True
        for worker in list(self._all):
            self._kill(worker)

    @contextlib.contextmanager
    def closing(self) -> Iterator[ParsePool]:
        try:
            yield self
        finally:
            self.close()
