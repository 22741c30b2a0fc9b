"""The answer pipe of a parse worker (`ingest.worker`): the worker writes each answer as one frame (its
length, then its pickle); the parent's event loop reads the pipe as bytes arrive and hands out whole
answers.

Why not `Connection.recv`: that blocks, so the parent waited for the pipe to turn readable (a reader
added and removed per file) and then received in a thread (a hop per file), which cost the parent
about a tenth of a millisecond per article; here the reader is registered once per worker and nothing
blocks. The parent's wall budget covers the whole answer, so a worker stopped halfway through writing
one is caught as well.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import struct
from multiprocessing.connection import Connection
from typing import Any

ANSWER_READ = 1 << 20  # bytes read from an answer pipe at a time


_LENGTH = struct.Struct("!Q")  # an answer's frame on the answer pipe: its length, then its pickle


def send_answer(fd: int, answer: Any) -> None:
    data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)  # one write for most answers
    while view:
        view = view[os.write(fd, view) :]


class AnswerPipe:
    """A worker's answer pipe, read by the event loop as bytes arrive (registered once, non-blocking);
    `next` hands out whole answers. EOFError once the worker is gone and its answers are read."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._fd = conn.fileno()
        self._buffer = bytearray()
        self._eof = False
        self._waiter: asyncio.Future[None] | None = None
        self._loop = asyncio.get_running_loop()
        os.set_blocking(self._fd, False)
        self._loop.add_reader(self._fd, self._arrived)

    def _arrived(self) -> None:
        try:
            data = os.read(self._fd, ANSWER_READ)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            self._buffer += data
        else:
            self._eof = True
            self._loop.remove_reader(self._fd)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next(self) -> Any:
        while True:
            if len(self._buffer) >= _LENGTH.size:
                (size,) = _LENGTH.unpack_from(self._buffer)
                end = _LENGTH.size + size
                if len(self._buffer) >= end:
                    data = self._buffer[_LENGTH.size : end]
                    del self._buffer[:end]
                    return pickle.loads(data)
            if self._eof:
                raise EOFError("the parse worker's answer pipe closed")
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def close(self) -> None:
        if not self._eof and not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
        self._eof = True
        self._conn.close()
