"""The console adapter through a real `python -m bot run` subprocess, driven over a pipe."""

from __future__ import annotations

import contextlib
import queue
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support.bot_process import BOT, child_environment

pytestmark = pytest.mark.slow


class BotProcess:
    def __init__(self, tmp_path: Path, *args: str, database_url: str | None = None) -> None:
        env = child_environment(
            BOT_DB_PATH=str(tmp_path / "bot.sqlite3"),
            BOT_STORIES_DIR=str(tmp_path / "stories"),
            BOT_SETTLE_SECONDS="0.05",
            BOT_EDIT_COALESCE_SECONDS="0.1",
            **({"BOT_DATABASE_URL": database_url} if database_url else {}),
        )
        self.stories = tmp_path / "stories"
        self.proc = subprocess.Popen(
            [*BOT, "run", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, needle: str, timeout: float = 20.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if needle in line:
                return self.seen
        stderr = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        raise AssertionError(f"{needle!r} not printed; stdout so far:\n" + "\n".join(self.seen) + stderr)

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        assert self.proc.stderr is not None
        err = self.proc.stderr.read()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):
                    stream.close()
        return code, err


def test_console_alert_then_update_from_seeds(tmp_path: Path, seeds: list[Path]) -> None:
    bot = BotProcess(tmp_path, "--console")
    try:
        bot.wait_for("Type /help")
        bot.send("/subscribe kaspersky")
        bot.wait_for("Subscribed this channel to Kaspersky")
        shutil.copy(seeds[0], bot.stories / seeds[0].name)
        bot.wait_for("=== ALERT #")
        alert = bot.wait_for("Vendors:")
        text = "\n".join(alert)
        assert "TechCrunch: https://techcrunch.com/" in text
        shutil.copy(seeds[1], bot.stories / seeds[1].name)
        bot.wait_for("UPDATED")
        update = "\n".join(bot.wait_for("Vendors:"))
        assert "2 sources" in update and "TechRadar" in update
        bot.send("/story kasperksy")
        bot.wait_for("Sources (2 sources)")
    finally:
        code, err = bot.stop()
    assert code == 0, err
    assert "Traceback" not in err
    assert sum("=== ALERT #" in line and "UPDATED" not in line for line in bot.seen) == 1


def test_console_piped_eof_keeps_running_and_samples_load(tmp_path: Path) -> None:
    bot = BotProcess(tmp_path)  # no tokens: console by default
    try:
        bot.wait_for("Type /help")
        bot.send("/vendors crowd")
        bot.wait_for("CrowdStrike")
        bot.send("/subscribe nosuchvendorzz")
        bot.wait_for("error: No vendor 'nosuchvendorzz'")
        bot.send("/story okta")
        bot.wait_for("Sources (")
        assert bot.proc.stdin is not None
        bot.proc.stdin.close()  # end of input: the bot keeps running
        time.sleep(0.5)
        assert bot.proc.poll() is None
    finally:
        code, err = bot.stop()
    assert code == 0, err
    assert "Traceback" not in err


VENDOR_ROLES = Path(__file__).resolve().parents[1] / "fixtures" / "vendor_roles"


def test_console_bystander_vendors_get_no_alert(tmp_path: Path) -> None:
    """A researcher-only, a platform-only and an advertorial article alert nobody; the control does."""
    bot = BotProcess(tmp_path, "--console")
    try:
        bot.wait_for("Type /help")
        for vendor in ("check point", "google", "solarwinds", "zyxel"):
            bot.send(f"/subscribe {vendor}")
            bot.wait_for("Subscribed this channel to")
        for name in ("researcher_only.md", "platform_only.md", "advertorial.md"):
            shutil.copy(VENDOR_ROLES / name, bot.stories / name)
        time.sleep(1.0)  # the bystander files are taken in before the control one
        shutil.copy(VENDOR_ROLES / "control_subject.md", bot.stories / "control_subject.md")
        alert = "\n".join(bot.wait_for("Vendors:"))
        assert "Zyxel" in alert
        bot.send("/story check point")
        bot.wait_for("No story")
    finally:
        code, err = bot.stop()
    assert code == 0, err
    assert "Traceback" not in err
    vendor_lines = [line for line in bot.seen if line.startswith("Vendors:")]
    assert vendor_lines and all("Zyxel" in line for line in vendor_lines)
    assert not any(v in line for line in vendor_lines for v in ("Check Point", "Google", "SolarWinds"))
    assert sum("=== ALERT #" in line for line in bot.seen) == 1, "\n".join(bot.seen)


STORY_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stories"


def test_console_alert_on_postgres(tmp_path: Path, pg_url: str) -> None:
    """`bot run` with BOT_DATABASE_URL: a story file dropped becomes an alert, the SQLite file is never made."""
    bot = BotProcess(tmp_path, "--console", database_url=pg_url)
    try:
        bot.wait_for("Type /help", timeout=60)
        bot.send("/subscribe kaspersky")
        bot.wait_for("Subscribed this channel to Kaspersky")
        shutil.copy(STORY_FIXTURES / "kaspersky-us-ban-wire.md", bot.stories / "kaspersky-us-ban-wire.md")
        bot.wait_for("=== ALERT #")
        alert = "\n".join(bot.wait_for("Vendors:"))
        assert "Kaspersky" in alert
        bot.send("/subscriptions")
        bot.wait_for("Kaspersky")
    finally:
        code, err = bot.stop()
    assert code == 0, err
    assert "Traceback" not in err
    assert not (tmp_path / "bot.sqlite3").exists() and not (tmp_path / "bot.sqlite3.lock").exists()
