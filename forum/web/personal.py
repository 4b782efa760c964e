"""What a signed-in person's every page reads of their own state (their memberships and their
suspensions from communities), kept in this process between their requests.

Each request reads the person's row afresh when it resolves the session cookie or token
(forum/reads.py `signed_in_user`), and with it `users.state_version`, which the database
bumps itself (migration 0008's triggers) whenever a membership, a community suspension, a
bookmark, a reaction or a watch setting of theirs changes, whichever service, worker or script
changed it. Entries are keyed by (user id, version): a change is seen on the very next request,
on every worker. Only committed state is stored: it is loaded when a request starts, before
the route runs any transaction. State loaded later than the version it is stored under is
only newer, never older, so an entry is never staler than its key.
"""

from __future__ import annotations

from collections import OrderedDict

from starlette.requests import Request

from forum import permissions
from forum.models import CommunitySuspension, User

MAX_PEOPLE = 20_000

State = tuple[int, dict[int, str], dict[int, CommunitySuspension]]


class PersonalCache:
    """A bounded LRU of (version, memberships, community suspensions) by user id."""

    def __init__(self, max_people: int = MAX_PEOPLE) -> None:
        self.max_people = max_people
        self._entries: OrderedDict[int, State] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def prime(self, user: User) -> None:
        """Gives the user object its state: from here if the version matches, else from the
        database (and keeps it)."""
        entry = self._entries.get(user.id)
        if entry is not None and entry[0] == user.state_version:
            self._entries.move_to_end(user.id)
            permissions.adopt_state(user, entry[1], entry[2])
            return
        await permissions.memberships(user)
        await permissions.community_suspensions(user)
        known = permissions.known_state(user)
        if known is None:  # pragma: no cover - both were just loaded
            return
        self._entries[user.id] = (user.state_version, *known)
        self._entries.move_to_end(user.id)
        while len(self._entries) > self.max_people:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


def of(request: Request) -> PersonalCache:
    """The app's cache (one per app, so each test's app starts empty)."""
    state = request.app.state
    cache: PersonalCache | None = getattr(state, "personal_cache", None)
    if cache is None:
        cache = state.personal_cache = PersonalCache()
    return cache
