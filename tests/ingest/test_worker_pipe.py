"""The parse workers' answer pipe: frames larger than the pipe's buffer arrive whole and in order, read
by the event loop while the writer is still writing; a worker gone mid-answer is an EOFError."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading

import pytest

from bot.ingest.worker_pipe import AnswerPipe, send_answer


async def test_answers_larger_than_the_pipe_arrive_whole_and_in_order() -> None:
    read_end, write_end = multiprocessing.Pipe(duplex=False)
    pipe = AnswerPipe(read_end)
    big = ("ok", "x" * 3_000_000)  # ~50 pipe buffers: the reader must gather it across many reads
    answers = [big, ("rejected", "too slow"), ("ok", {"title": "é" * 10})]

    def write() -> None:
        for answer in answers:
            send_answer(write_end.fileno(), answer)
        write_end.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        got = [await asyncio.wait_for(pipe.next(), 10) for _ in answers]
        with pytest.raises(EOFError):
            await asyncio.wait_for(pipe.next(), 10)
    finally:
        writer.join()
        pipe.close()
    assert got == answers


async def test_a_writer_gone_halfway_through_an_answer_is_an_eof() -> None:
    read_end, write_end = multiprocessing.Pipe(duplex=False)
    pipe = AnswerPipe(read_end)
    os.write(write_end.fileno(), (1000).to_bytes(8, "big") + b"partial")
    write_end.close()
    try:
        with pytest.raises(EOFError):
            await asyncio.wait_for(pipe.next(), 10)
    finally:
        pipe.close()
