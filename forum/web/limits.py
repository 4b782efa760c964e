"""Rate limits as routes apply them: each attempt counts against the caller's address and, when
known, their account or the username tried (moderation/limits.py holds the limits); signing in
has its own way of counting (sign_in)."""

from __future__ import annotations

from starlette.requests import Request

from forum import accounts
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


async def sign_in(request: Request, username: object, password: object) -> User | None:
    """The user whose username and password these are (None if they are wrong), checked under
    the sign-in limits moderation/limits.py describes. Raises TooManyRequests (429 with
    Retry-After) before looking at the password when a limit is reached."""
    limiter: Limiter | None = getattr(request.app.state, "limiter", None)
    if limiter is None:
        return await accounts.authenticate(username, password)
    address = client_ip(request)
    name = username.strip().lower()[:30] if isinstance(username, str) else ""
    account, tried = f"{name}|{address}", f"{address}|{name}"
    await limiter.check("login", "ip", address)
    new_name = await limiter.first_time("login_names", tried)
    if new_name:  # (parallel attempts on new names may pass this count by those in flight)
        await limiter.room("login_names", "ip", address)
    async with limiter.lock(account):
        await limiter.room("login", "user", account)
        user = await accounts.authenticate(username, password)
        if user is None:
            await limiter.count("login", "user", account)
    if user is None and new_name:
        await limiter.mark_seen("login_names", tried)
        await limiter.count("login_names", "ip", address)
    return user
