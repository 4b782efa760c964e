"""Rate limits on registering, signing in, posting and flagging (the `limits` library).

Per-account limits are tight; per-IP limits are far looser, because hundreds of officers in one
office often share a single NAT address. In memory by default; in Redis when CHAUPAL_REDIS_URL
is set, so several workers share the counts. Each limit may be overridden with an environment
variable CHAUPAL_RATE_<ACTION>_<USER|IP>, e.g. CHAUPAL_RATE_POST_USER="10/minute;100/hour".
Routes count each attempt with forum/web/limits.py.

Signing in (forum/web/limits.py's sign_in) is limited three ways. Wrong passwords for one
account from one address slow down, then block, that account from that address only: whoever
guesses cannot lock the owner out from everywhere (login, per user: the account and the address
together; right passwords do not count, and guesses for one account from one address are
checked one at a time, so sending them in parallel gains nothing). Every attempt from an address
counts (login, per IP). And the usernames that failed from an address count once each
(login_names, per IP), so trying one password on many accounts is stopped long before the
address's attempts run out. The address is the client's as forum/web/http.py's TrustedProxies
decides it: forwarded headers count only from CHAUPAL_FORWARDED_ALLOW_IPS."""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

from limits import RateLimitItem, parse, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from forum.errors import TooManyRequests

DEFAULTS: dict[str, tuple[str, str]] = {
    # action: (per account or username, per IP address)
    "register": ("", "20/hour;200/day"),
    # Per user: wrong passwords for one account from one address (slow down, then block).
    "login": ("5/minute;20/hour;50/day", "300/5minutes"),
    # Per IP: different usernames whose password was wrong from one address.
    "login_names": ("", "20/hour;50/day"),
    "post": ("6/minute;60/hour", "600/minute"),
    "flag": ("10/10minutes;50/day", "500/hour"),
    # Making invitations (links, by name or email); emailed ones are limited again on their own.
    "invite": ("20/10minutes;200/day", "600/hour"),
    "invite_email": ("10/hour;50/day", "200/hour"),
}
# A username counted by login_names is not counted again from that address for a day.
_NAME_SEEN = parse("1/day")


@dataclass
class Limiter:
    limiter: MovingWindowRateLimiter
    rules: dict[tuple[str, str], list[RateLimitItem]]
    # Locks by key, each kept only while someone holds or waits for it.
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )

    def lock(self, key: str) -> asyncio.Lock:
        found = self.locks.get(key)
        if found is None:
            found = self.locks[key] = asyncio.Lock()
        return found

    async def check(self, action: str, scope: str, key: str) -> None:
        """Counts one attempt; raises TooManyRequests past any of the action's limits."""
        for item in self.rules.get((action, scope), []):
            if not await self.limiter.hit(item, action, scope, key):
                await self._refuse(item, action, scope, key)

    async def room(self, action: str, scope: str, key: str) -> None:
        """Raises TooManyRequests if one more attempt would be past a limit; counts nothing."""
        for item in self.rules.get((action, scope), []):
            if not await self.limiter.test(item, action, scope, key):
                await self._refuse(item, action, scope, key)

    async def count(self, action: str, scope: str, key: str) -> None:
        """Counts one attempt, whether or not it is past a limit (the next check refuses)."""
        for item in self.rules.get((action, scope), []):
            await self.limiter.hit(item, action, scope, key)

    async def first_time(self, action: str, key: str) -> bool:
        """Whether `key` is new for `action` today; it is not, once marked by mark_seen."""
        return await self.limiter.test(_NAME_SEEN, action, "seen", key)

    async def mark_seen(self, action: str, key: str) -> None:
        await self.limiter.hit(_NAME_SEEN, action, "seen", key)

    async def _refuse(self, item: RateLimitItem, action: str, scope: str, key: str) -> None:
        stats = await self.limiter.get_window_stats(item, action, scope, key)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        raise TooManyRequests(
            f"Too many attempts. Please wait {wait} seconds and try again.", retry_after=wait
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
