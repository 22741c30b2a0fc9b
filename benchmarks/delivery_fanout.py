"""Fan-out benchmark: one story to many channels against a platform that enforces its rate limits.

Efficiency is measured against the best schedule the limits allow: `ideal_seconds` is how long the
fastest sequence of sends the shared windows accept would take (greedy earliest send is optimal for
sliding windows), so efficiency = ideal / achieved span = achieved rate / allowed rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.delivery.limits import DEFAULT_LIMITS, PlatformLimits, Window
from bot.delivery.router import Router
from bot.delivery.service import DeliveryService
from bot.models import ChangeKind, ChannelRef, Story, StoryChange
from bot.store.backends import open_database
from bot.store.subscriptions import SubscriptionStore
from tests.support.delivery_fakes import FakePlatform, add_subscriptions
from tests.support.stories import make_story


def ideal_seconds(messages: int, windows: tuple[Window, ...]) -> float:
    """Span from first to last send of the fastest schedule `windows` allow for `messages` sends."""
    if messages <= 1 or not windows:
        return 0.0
    times: deque[float] = deque()
    keep = max(w.count for w in windows)
    t = 0.0
    for _ in range(messages):
        for w in windows:
            if len(times) >= w.count:
                t = max(t, times[-w.count] + w.seconds)
        times.append(t)
        if len(times) > keep:
            times.popleft()
    return t


async def bench_fanout(
    channels: int = 2000, time_scale: float = 0.1, *, platform: str = "discord", latency: float = 0.08
) -> dict[str, Any]:
    """Route one new story to `channels` subscribed channels and deliver it against a fake platform
    enforcing `platform`'s limits with time scaled by `time_scale` (0.1 = ten times faster).
    `latency` is the platform's response time in unscaled seconds."""
    limits: PlatformLimits = DEFAULT_LIMITS[platform].scaled(time_scale)
    fake = FakePlatform(platform, limits=limits, latency=latency * time_scale)
    settings = Settings.model_construct()  # defaults only: a benchmark ignores .env
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        db = await open_database(Path(tmp) / "bench.sqlite3")
        try:
            refs = [ChannelRef(platform, "W1", f"C{i:05d}") for i in range(channels)]
            await add_subscriptions(db, refs, "Acme Cloud")
            story = make_story(1)

            async def load(story_id: int) -> Story | None:
                return story if story_id == story.id else None

            router = Router(db, SubscriptionStore(db), settings)
            service = DeliveryService(
                db, {platform: fake}, settings, limits={platform: limits}, load_story=load
            )
            runner = asyncio.create_task(service.run())
            loop = asyncio.get_running_loop()
            started = loop.time()
            async with db.write():
                routed = await router.route(StoryChange(story, (ChangeKind.CREATED,)))
            routed_at = loop.time()
            service.wake()
            ideal = ideal_seconds(channels, limits.shared)
            drained = await service.drain(timeout=max(60.0, ideal * 5))
            finished = loop.time()
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            dead = len(await service.outbox.dead_letters(limit=channels))
        finally:
            await db.close()
    posts = fake.of("post_alert")
    per_channel = fake.posts_per_channel()
    span = (posts[-1].at - posts[0].at) if len(posts) > 1 else 0.0
    allowed_rate = min((w.count / w.seconds for w in limits.shared), default=float("inf"))
    return {
        "channels": channels,
        "platform": platform,
        "time_scale": time_scale,
        "routed_rows": routed,
        "route_seconds": round(routed_at - started, 3),
        "delivered": len(per_channel),
        "duplicates": sum(n - 1 for n in per_channel.values()),
        "lost": channels - len(per_channel),
        "dead_letters": dead,
        "drained": drained,
        "rate_limited_429s": fake.rate_limited,
        "send_span_seconds": round(span, 3),
        "ideal_span_seconds": round(ideal, 3),
        "achieved_rate_per_s": round((len(posts) - 1) / span, 1) if span else None,
        "allowed_rate_per_s": round(allowed_rate, 1),
        "efficiency": round(ideal / span, 3) if span else None,
        "end_to_end_seconds": round(finished - routed_at, 3),
    }


def main() -> None:  # pragma: no cover - manual run: python -m benchmarks.delivery_fanout
    import json

    print(json.dumps(asyncio.run(bench_fanout()), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
