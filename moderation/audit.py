"""The audit log: append-only, one entry per moderator or admin action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from forum import permissions
from forum.errors import NotFound
from forum.models import AuditEntry, Community, Post, Thread, User


async def record(
    actor: User | None,
    action: str,
    target: str,
    *,
    community: Community | None = None,
    note: str = "",
    changes: dict[str, tuple[object, object]] | None = None,
) -> AuditEntry:
    """Appends one entry. `changes`: each changed field's value before and after, recorded now
    (the log is never rewritten, so later display cannot recover them)."""
    recorded = (
        {name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()}
        if changes
        else None
    )
    return await AuditEntry.create(
        actor=actor,
        action=action,
        target=target[:80],
        community=community,
        note=note[:2000],
        changes=recorded,
    )


def _plain(value: object) -> Any:
    """A value as JSON keeps it (datetimes as ISO text)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


async def entries(
    actor: User | None,
    *,
    community: str | None = None,
    action: str | None = None,
    actor_name: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> tuple[list[AuditEntry], str | None]:
    """Newest first. Moderators see their communities' entries; admins everything."""
    user = permissions.require_signed_in(actor, "read the audit log")
    query = AuditEntry.all()
    moderated = permissions.audit_scope(await permissions.reader(user))
    if moderated is not None:
        query = query.filter(community_id__in=moderated)
    if community:
        found = await Community.get_or_none(slug=community[:40])
        if found is None or not await permissions.can_moderate(user, found):
            raise NotFound("No such community.")
        query = query.filter(community_id=found.id)
    if action:
        query = query.filter(action__startswith=action[:40])
    if actor_name:
        query = query.filter(actor__username=actor_name.strip().lower()[:30])
    if before:
        query = query.filter(id__lt=before)
    limit = max(1, min(limit, 200))
    rows = await query.order_by("-id").limit(limit + 1).select_related("actor", "community")
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].id) if more and rows else None)


# Reading the log: each entry said in words, with its target named by what the viewer may
# read now (a thread moved since into a community they cannot read shows no title).

ACTION_LABELS = {
    "thread.pin": "Pinned thread",
    "thread.unpin": "Unpinned thread",
    "thread.lock": "Locked thread",
    "thread.unlock": "Unlocked thread",
    "thread.feature": "Added to best of",
    "thread.unfeature": "Removed from best of",
    "thread.tags": "Changed tags",
    "thread.accept": "Marked the accepted answer",
    "thread.unaccept": "Cleared the accepted answer",
    "thread.move": "Moved thread",
    "thread.merge": "Merged thread",
    "community.create": "Created community",
    "community.visibility": "Changed community visibility",
    "community.policy": "Changed moderation settings",
    "community.events_policy": "Changed who may organise events",
    "member.approve": "Approved join request",
    "member.decline": "Declined join request",
    "member.member": "Made member",
    "member.moderator": "Made moderator",
    "member.removed": "Removed from community",
    "queue.approve": "Approved post",
    "queue.dismiss": "Kept post",
    "queue.reject": "Declined post",
    "queue.hide": "Hid post",
    "queue.delete": "Removed post",
    "queue.suspend_author": "Suspended author",
    "user.suspend": "Suspended",
    "user.unsuspend": "Lifted suspension",
    "points.adjust": "Adjusted learning points",
    "points.target": "Set learning points target",
}
# Queue decisions about a person (a join request, a reported account) rather than a post.
PERSON_ACTION_LABELS = {
    "queue.approve": "Approved join request",
    "queue.reject": "Declined join request",
    "queue.dismiss": "Dismissed reports about",
    "queue.suspend_author": "Suspended",
}
FIELD_LABELS = {
    "community": "Community",
    "thread": "Thread",
    "status": "Membership",
    "post_status": "Post",
    "visibility": "Visibility",
    "tags": "Tags",
    "pinned": "Pinned",
    "locked": "Locked",
    "featured": "In best of",
    "accepted_post": "Accepted answer",
    "premoderation": "Pre-moderation",
    "new_user_posts": "Posts while new",
    "new_user_link_limit": "Links a new member may post",
    "flag_hide_score": "Report weight that hides a post",
    "word_filters": "Word filters",
    "suspended_until": "Suspended until",
    "members_organise": "Members organise events",
}
STATE_WORDS: dict[str, dict[str | None, str]] = {
    "status": {None: "not a member", "pending": "asked to join", "removed": "removed"},
    "post_status": {"pending": "awaiting review", "deleted": "removed"},
    "premoderation": {"off": "off", "new_users": "new members", "all": "everyone"},
}
POLICY_DEFAULTS = {"new_user_posts", "new_user_link_limit", "flag_hide_score", "premoderation"}
UNSEEN_THREAD = "a thread you cannot see"
UNSEEN_COMMUNITY = "a community you cannot see"


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Shown:
    """An entry as the viewer reads it: the action in words, the target by name (url None when
    there is nothing the viewer may open), and each recorded change in words."""

    entry: AuditEntry
    action: str
    target: str
    url: str | None
    changes: list[Change]
    note: str  # the moderator's words, without what `changes` already says


@dataclass
class _Names:
    """What the entries' targets and values are called, for this viewer."""

    threads: dict[int, str | None]  # None: exists, but the viewer may not read it
    posts: dict[int, tuple[str, int] | None]  # (thread title, post number)
    people: dict[str, str]
    communities: dict[str, str | None]


def _split(target: str) -> tuple[str, str]:
    kind, _, value = target.partition(":")
    return kind, value


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def _names(actor: User, rows: list[AuditEntry]) -> _Names:
    thread_ids: set[int] = set()
    post_ids: set[int] = set()
    usernames: set[str] = set()
    slugs: set[str] = set()
    for row in rows:
        kind, value = _split(row.target)
        if kind in ("thread", "post") and value.isdigit():
            (thread_ids if kind == "thread" else post_ids).add(int(value))
        elif kind == "user":
            usernames.add(value)
        elif kind == "community":
            slugs.add(value)
        for name, pair in (row.changes or {}).items():
            for value_ in pair:
                if name == "community" and isinstance(value_, str):
                    slugs.add(value_)
                elif name == "thread" and _int(value_) is not None:
                    thread_ids.add(int(value_))
                elif name == "accepted_post" and _int(value_) is not None:
                    post_ids.add(int(value_))
    names = _Names({}, {}, {}, {})
    for thread in await Thread.filter(id__in=sorted(thread_ids)).select_related("community"):
        seen = await permissions.can_see_thread(actor, thread, thread.community)
        names.threads[thread.id] = thread.title if seen else None
    posts = await Post.filter(id__in=sorted(post_ids)).select_related("thread__community")
    for post in posts:
        try:
            await permissions.require_see_post(actor, post)
        except NotFound:
            names.posts[post.id] = None
        else:
            names.posts[post.id] = (post.thread.title, post.number)
    for username, display in await User.filter(username__in=sorted(usernames)).values_list(
        "username", "display_name"
    ):
        names.people[str(username)] = str(display)
    for community in await Community.filter(slug__in=sorted(slugs)):
        readable = await permissions.can_read(actor, community)
        names.communities[community.slug] = community.name if readable else None
    return names


def _post_words(found: tuple[str, int]) -> str:
    title, number = found
    return f"the opening post of {title}" if number <= 1 else f"reply #{number - 1} in {title}"


def _target(entry: AuditEntry, names: _Names) -> tuple[str, str | None]:
    kind, value = _split(entry.target)
    number = int(value) if value.isdigit() else None
    if kind == "thread" and number is not None:
        if number not in names.threads:
            return "a thread since deleted", None
        title = names.threads[number]
        return (title, f"/t/{number}") if title is not None else (UNSEEN_THREAD, None)
    if kind == "post" and number is not None:
        if number not in names.posts:
            return "a post since deleted", None
        post = names.posts[number]
        if post is None:
            return "a post you cannot see", None
        return _post_words(post), f"/p/{number}"
    if kind == "user":
        display = names.people.get(value)
        return (display, f"/u/{value}") if display else (f"@{value}", None)
    if kind == "community":
        if value not in names.communities:
            return f"community {value} (since removed)", None
        name = names.communities[value]
        return (name, f"/c/{value}") if name is not None else (UNSEEN_COMMUNITY, None)
    if kind == "year":
        return f"year {value}", None
    if kind == "item":
        return f"review item #{value}", None
    return entry.target, None


def _value(name: str, value: Any, names: _Names) -> str:
    words = STATE_WORDS.get(name, {})
    if (value is None or isinstance(value, str)) and value in words:
        return words[value]
    if value is None or value == "":
        return "site default" if name in POLICY_DEFAULTS else "none"
    if name == "community" and isinstance(value, str):
        if value not in names.communities:
            return value
        return names.communities[value] or UNSEEN_COMMUNITY
    if name == "thread" and _int(value) is not None:
        return names.threads.get(value) or UNSEEN_THREAD
    if name == "accepted_post" and _int(value) is not None:
        post = names.posts.get(value)
        return _post_words(post) if post is not None else "a post you cannot see"
    if name == "suspended_until" and isinstance(value, str):
        try:
            return f"{datetime.fromisoformat(value):%d %b %Y}"
        except ValueError:
            return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        if not value:
            return "none"
        return ", ".join(
            f"{item.get('word', '')} ({item.get('action', '')})"
            if isinstance(item, dict)
            else str(item)
            for item in value
        )
    return str(value)


def _note(entry: AuditEntry) -> str:
    """The note less the text the action wrote into it, where `changes` now says the same
    (entries written before values were recorded keep their whole note)."""
    changes = entry.changes or {}
    said = ""
    if entry.action == "community.policy" and changes:
        return ""  # the names of the changed settings
    if entry.action == "community.visibility" and "visibility" in changes:
        said = f"now {changes['visibility'][1]}"
    elif entry.action == "thread.move" and "community" in changes:
        old, new = changes["community"]
        said = f"from {old} to {new}."
    elif entry.action == "thread.tags" and "tags" in changes:
        old, new = (",".join(tags or []) or "(none)" for tags in changes["tags"])
        said = f"{old} -> {new}."
    if said and entry.note.startswith(said):
        return entry.note[len(said) :].strip()
    return entry.note


def _action(entry: AuditEntry) -> str:
    kind, _ = _split(entry.target)
    if kind == "user" and entry.action in PERSON_ACTION_LABELS:
        return PERSON_ACTION_LABELS[entry.action]
    known = ACTION_LABELS.get(entry.action)
    return known or entry.action.replace(".", " ").replace("_", " ").capitalize()


async def shown(actor: User | None, rows: list[AuditEntry]) -> list[Shown]:
    """The entries (from `entries`, for the same actor) as that actor may read them."""
    user = permissions.require_signed_in(actor, "read the audit log")
    names = await _names(user, rows)
    out = []
    for row in rows:
        target, url = _target(row, names)
        changes = [
            Change(
                field=name,
                label=FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
                old=_value(name, pair[0], names),
                new=_value(name, pair[1], names),
            )
            for name, pair in (row.changes or {}).items()
            if isinstance(pair, list) and len(pair) == 2
        ]
        out.append(Shown(row, _action(row), target, url, changes, _note(row)))
    return out
