"""Rate limits on registering, signing in, posting and flagging (the `limits` library).

Per-account limits are tight; per-IP limits are far looser, because hundreds of officers in one
office often share a single NAT address. In memory by default; in Redis when CHAUPAL_REDIS_URL
is set, so several workers share the counts. Each limit may be overridden with an environment
variable CHAUPAL_RATE_<ACTION>_<USER|IP>, e.g. CHAUPAL_RATE_POST_USER="10/minute;100/hour".
Routes count each attempt with forum/web/limits.py."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from forum.errors import TooManyRequests

DEFAULTS: dict[str, tuple[str, str]] = {
    # action: (per account or username, per IP address)
    "register": ("", "20/hour;200/day"),
    "login": ("10/5minutes;30/hour", "300/5minutes"),
    "post": ("6/minute;60/hour", "600/minute"),
    "flag": ("10/10minutes;50/day", "500/hour"),
}


@dataclass
class Limiter:
    limiter: MovingWindowRateLimiter
    rules: dict[tuple[str, str], list[RateLimitItem]]

    async def check(self, action: str, scope: str, key: str) -> None:
        for item in self.rules.get((action, scope), []):
            if not await self.limiter.hit(item, action, scope, key):
                stats = await self.limiter.get_window_stats(item, action, scope, key)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                raise TooManyRequests(
                    f"Too many attempts. Please wait {wait} seconds and try again.",
                    retry_after=wait,
                )


def make_limiter(redis_url: str | None, env: Mapping[str, str]) -> Limiter:
    storage: Storage
    if redis_url:
        uri = (
            redis_url if redis_url.startswith(("redis://", "rediss://")) else f"redis://{redis_url}"
        )
        storage = RedisStorage(uri, implementation="redispy", key_prefix="chaupal-limits")
    else:
        storage = MemoryStorage()
    rules: dict[tuple[str, str], list[RateLimitItem]] = {}
    for action, (per_user, per_ip) in DEFAULTS.items():
        for scope, default in (("user", per_user), ("ip", per_ip)):
            spec = env.get(f"CHAUPAL_RATE_{action.upper()}_{scope.upper()}", default)
            rules[(action, scope)] = parse_many(spec) if spec.strip() else []
    return Limiter(MovingWindowRateLimiter(storage), rules)
