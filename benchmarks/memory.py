"""Figure 6: peak memory (RSS) of the running service over the big stored corpus.

The real service (`python -m bot run`, console adapter, standard input a pipe) starts over the corpus
database the `/story` figure built, then does what a working day asks of it: a subscription, new story
files through the watched folder (alerts printed), and `/story` for many vendors. The figure is the
kernel's high-water mark of its resident set (VmHWM in /proc/<pid>/status), read before it stops.
"""

from __future__ import annotations

import queue
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.common import Result, python, service_env
from benchmarks.corpus import ArticleFactory
from bot.config import Settings

TARGET = "<= 150 MB"
NEW_STORIES = 20
STORY_QUERIES = 100
TIMEOUT = 600.0  # start-up checks a million-article database first (PRAGMA quick_check reads it all)


def skeleton() -> Result:
    return {
        "unit": "MB",
        "articles": None,
        "peak_rss_mb": None,
        "rss_after_start_mb": None,
        "database_mb": None,
        "target": TARGET,
        "missing": None,
    }


def _status_mb(pid: int, field: str) -> float | None:
    """VmHWM / VmRSS of a live process in MB (10**6 bytes), None where /proc is not available."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / 1e6
    return None


class ConsoleService:
    """The service with the console adapter, driven over its standard input."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        env = {
            "BOT_DB_PATH": str(settings.db_path),
            "BOT_STORIES_DIR": str(folder / "stories"),
            "BOT_LOG_LEVEL": "WARNING",
        }
        if settings.vendors_file is not None:
            env["BOT_VENDORS_FILE"] = str(settings.vendors_file)
        self.stories = folder / "stories"
        self.proc = subprocess.Popen(
            [python(), "-m", "bot", "run", "--console"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=service_env(env),
            cwd=folder,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, needle: str, count: int = 1) -> None:
        """Until `count` more printed lines contain `needle`."""
        deadline = time.monotonic() + TIMEOUT
        while count > 0:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the service exited with {self.proc.returncode}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the service did not print {needle!r} within {TIMEOUT:.0f}s"
                    ) from None
                continue
            count -= needle in line

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def bench_memory(settings: Settings, vendors: list[str], articles: int, folder: Path) -> Result:
    """Run the service over the corpus at `settings.db_path`; `vendors` have stories there."""
    result = skeleton()
    (folder / "stories").mkdir(parents=True, exist_ok=True)
    service = ConsoleService(settings, folder)
    try:
        rng = random.Random(5)
        subscribed = rng.choice(vendors)
        service.send(f"/subscribe {subscribed}")  # read once the console is up; its reply means "started"
        service.wait_for("Subscribed")
        result["rss_after_start_mb"] = _round(_status_mb(service.proc.pid, "VmRSS"))
        factory = ArticleFactory(seed=33)
        for i in range(NEW_STORIES):
            vendor = subscribed if i % 4 == 0 else rng.choice(vendors)
            staged = folder / f"new-{i:03d}.md"
            staged.write_text(factory.story_file(vendor, i), encoding="utf-8")
            staged.replace(service.stories / staged.name)
        service.wait_for("=== ALERT #")
        for _ in range(STORY_QUERIES):
            service.send(f"/story {rng.choice(vendors).lower()}")
        service.send(f"/unsubscribe {subscribed}")  # commands run in order: this reply comes last
        service.wait_for("Unsubscribed")
        peak = _status_mb(service.proc.pid, "VmHWM")
    finally:
        service.stop()
    if peak is None:  # no /proc: the largest resident set of any waited-for child (ru_maxrss is KiB on Linux)
        scale = 1 if sys.platform == "darwin" else 1024
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale / 1e6
    result["articles"] = articles
    result["peak_rss_mb"] = _round(peak)
    result["database_mb"] = _round(Path(settings.db_path).stat().st_size / 1e6)
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
