"""The container image, compose file and systemd units, checked as files (no container engine is
needed): multi-stage build from paths that exist, a non-root user, a HEALTHCHECK on /healthz, the
database and stories folder as volumes, a restart policy. With BOT_TEST_DOCKER=1 and a running
Docker daemon the image is also built and its health check run."""

from __future__ import annotations

import asyncio
import configparser
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bot.app import Application
from bot.config import Settings
from tests.support.app_runner import running_app

REPO = Path(__file__).resolve().parents[2]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    joined = text.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        found.append((word.upper(), rest.strip()))
    return found


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck() -> None:
    steps = dockerfile_instructions()
    stages = [args for word, args in steps if word == "FROM"]
    assert len(stages) >= 2 and " AS " in stages[0].upper()
    final = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM") :]
    users = [args for word, args in final if word == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    copies = [args for word, args in final if word == "COPY"]
    assert all(c.startswith("--from=") for c in copies), "the run stage takes only the build's venv"
    [health] = [args for word, args in final if word == "HEALTHCHECK"]
    assert "/healthz" in health and "BOT_HTTP_PORT" in health
    env = " ".join(args for word, args in final if word == "ENV")
    assert "BOT_HTTP_PORT=" in env and "BOT_DB_PATH=/data/" in env and "BOT_STORIES_DIR=/stories" in env
    [volumes] = [json.loads(args) for word, args in final if word == "VOLUME"]
    assert volumes == ["/data", "/stories"]
    [cmd] = [json.loads(args) for word, args in final if word == "CMD"]
    assert cmd == ["bot", "run"]


def test_dockerfile_copies_paths_that_exist_and_installs_no_extras() -> None:
    for word, args in dockerfile_instructions():
        if word == "COPY" and not args.startswith("--from="):
            *sources, _target = shlex.split(args)
            for source in sources:
                assert (REPO / source).exists(), f"COPY {source}: no such path"
        if word == "RUN" and "pip install" in args:
            assert "[dev" not in args and "bench" not in args
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and ".venv" in ignored and "data" in ignored


def test_compose_runs_the_image_with_both_volumes_and_a_restart_policy() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert bot["build"] == "." and (REPO / "Dockerfile").is_file()
    assert bot["restart"] in ("always", "unless-stopped", "on-failure")
    targets = {volume.split(":")[1] for volume in bot["volumes"]}
    assert targets == {"/data", "/stories"}
    named = {v.split(":")[0] for v in bot["volumes"] if not v.startswith((".", "/"))}
    assert named <= set(compose.get("volumes", {}))
    assert bot["environment"]["BOT_HTTP_PORT"] == "8080"
    assert any(port.endswith(":8080") for port in bot["ports"])


def test_compose_scales_out_to_two_workers_on_postgresql() -> None:
    """The `scale` profile: PostgreSQL and two workers on it, off by default (the SQLite bot is)."""
    services = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))["services"]
    assert "profiles" not in services["bot"]
    assert services["db"]["profiles"] == ["scale"] and services["db"]["image"].startswith("postgres:")
    workers = [services[name] for name in ("worker-1", "worker-2")]
    for worker in workers:
        assert (
            worker["profiles"] == ["scale"] and worker["depends_on"]["db"]["condition"] == "service_healthy"
        )
        assert (
            worker["environment"]["BOT_DATABASE_URL"].startswith("postgresql://")
            and "@db:" in worker["environment"]["BOT_DATABASE_URL"]
        )
        assert {v.split(":")[1] for v in worker["volumes"]} == {"/stories"}  # the folder, no SQLite file
    shards = [w["environment"]["DISCORD_SHARD_IDS"] for w in workers]
    assert shards == ["0", "1"] and {w["environment"]["DISCORD_SHARD_COUNT"] for w in workers} == {"2"}
    assert len({p for w in workers for p in w["ports"]}) == 2  # each its own operations port


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((REPO / "deploy" / name).read_text(encoding="utf-8"))
    return parser


def test_systemd_unit_restarts_and_runs_unprivileged() -> None:
    service = unit("vendor-alert-bot.service")["Service"]
    assert service["Restart"] in ("on-failure", "always")
    assert service["ExecStart"].endswith("/bin/bot run")
    assert service["User"] not in ("root", "0")
    assert "BOT_HTTP_PORT=" in (REPO / "deploy" / "vendor-alert-bot.service").read_text(encoding="utf-8")
    backup = unit("vendor-alert-bot-backup.service")["Service"]
    assert "bot backup" in backup["ExecStart"] and backup["Type"] == "oneshot"
    assert unit("vendor-alert-bot-backup.timer")["Timer"]["OnCalendar"]


def _docker_ready() -> bool:
    if os.environ.get("BOT_TEST_DOCKER") != "1" or shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _docker_ready(), reason="set BOT_TEST_DOCKER=1 with a running Docker daemon")
def test_image_builds_and_turns_healthy() -> None:
    tag = "vendor-alert-bot:test"
    subprocess.run(["docker", "build", "-t", tag, str(REPO)], check=True, timeout=1200)
    run = subprocess.run(["docker", "run", "-d", "--rm", tag], check=True, capture_output=True, text=True)
    container = run.stdout.strip()
    try:
        deadline = time.monotonic() + 120
        status = ""
        while time.monotonic() < deadline and status != "healthy":
            time.sleep(2)
            status = subprocess.run(
                ["docker", "inspect", "-f", "{{.State.Health.Status}}", container],
                capture_output=True,
                text=True,
            ).stdout.strip()
        assert status == "healthy"
    finally:
        subprocess.run(["docker", "stop", container], capture_output=True)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path: Path) -> None:
    """systemd's own checker on the units, with ExecStart pointed at this environment's `bot`."""
    here = Path(sys.executable).parent / "bot"
    executable = str(here) if here.exists() else shutil.which("true") or "/bin/true"
    names = ["vendor-alert-bot.service", "vendor-alert-bot-backup.service", "vendor-alert-bot-backup.timer"]
    for name in names:
        text = (REPO / "deploy" / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(
            text.replace("/opt/vendor-alert-bot/bin/bot", executable), encoding="utf-8"
        )
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [line for line in done.stderr.splitlines() if "vendor-alert-bot" in line]
    assert done.returncode == 0 and not problems, done.stderr


def healthcheck_command() -> list[str]:
    [health] = [args for word, args in dockerfile_instructions() if word == "HEALTHCHECK"]
    command: list[str] = json.loads(health[health.index("CMD") + 3 :].strip())
    return command


async def test_the_healthcheck_command_passes_against_a_running_bot(tmp_path: Path) -> None:
    """The image's HEALTHCHECK, run as written (its `python` being this interpreter) against the real
    service on BOT_HTTP_PORT; and failing when nothing answers there."""
    command = healthcheck_command()
    assert command[0] == "python"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "db.sqlite3",
        BOT_STORIES_DIR=tmp_path / "stories",
        BOT_HTTP_PORT=0,
        BOT_HTTP_HOST="127.0.0.1",
    )
    app = Application(settings, console=True, stdin=io.StringIO(""), stdout=io.StringIO())

    async def check(port: int) -> int:
        env = {**os.environ, "BOT_HTTP_PORT": str(port)}
        process = await asyncio.create_subprocess_exec(sys.executable, *command[1:], env=env)
        return await asyncio.wait_for(process.wait(), 30)

    async with running_app(app, within=30):
        assert app.operations is not None and app.operations.address is not None
        port = app.operations.address[1]
        assert await check(port) == 0
    assert await check(port) != 0  # the service stopped: unhealthy
