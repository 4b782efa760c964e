"""Rate limits as routes apply them: each attempt counts against the caller's address and, when
known, their account or the username tried (moderation/limits.py holds the limits)."""

from __future__ import annotations

from starlette.requests import Request

from forum.models import User
from moderation.limits import Limiter


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def hit(
    request: Request, action: str, user: User | None = None, *, key: str | None = None
) -> None:
    """Counts one attempt; raises TooManyRequests (429 with Retry-After) past a limit."""
    limiter: Limiter | None = getattr(request.app.state, "limiter", None)
    if limiter is None:
        return
    await limiter.check(action, "ip", client_ip(request))
    who = key or (str(user.id) if user is not None else None)
    if who:
        await limiter.check(action, "user", who)
