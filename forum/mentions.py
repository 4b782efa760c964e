"""@mentions: the people a post names, and telling them when the post is there for them to read:
at once for a published post (an opening post or a reply), when a moderator approves a held
one, and for an edit, only the people it names for the first time. Each person is told once per
post, and only if they may read the thread (forum/permissions.py decides)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from forum import notifications, permissions, social
from forum.models import Post, PostRevision, Thread, User

MENTION = re.compile(r"(?<![\w@])@([a-z0-9_]{3,30})\b", re.IGNORECASE)
MENTIONS_MAX = 20  # names looked up per post; more is a list, not a conversation


def named_in(body: str) -> set[str]:
    """The usernames a text @mentions (lower case)."""
    return {name.lower() for name in MENTION.findall(body)}


async def tell(
    post: Post,
    thread: Thread,
    author: User,
    *,
    skip: Iterable[int] = (),
    earlier: Iterable[str] = (),
) -> set[int]:
    """Notifies ("mention") the people the post names who may read its thread, except its
    author, those in `skip` (told already about this post) and those who muted the thread or
    its community; names already in `earlier` texts of the post were announced with them.
    Call inside the transaction that publishes the post; returns who was told."""
    names = named_in(post.body)
    for text in earlier:
        names -= named_in(text)
    if not names:
        return set()
    found = await User.filter(username__in=sorted(names)[:MENTIONS_MAX]).values_list(
        "id", flat=True
    )
    _, muters = await social.audience(thread)
    left = {int(str(i)) for i in found} - set(skip) - muters - {author.id}
    told = set(await permissions.thread_readers_among(left, thread, thread.community))
    data = {
        "thread_id": thread.id,
        "post_id": post.id,
        "title": thread.title,
        "by": author.username,
    }
    for user_id in sorted(told):
        await notifications.notify(user_id, "mention", **data)
    return told


async def tell_after_edit(post: Post, thread: Thread, editor: User) -> set[int]:
    """After an edit readers see: the people the new text names whom no earlier version of the
    post named (those were told, or not, when that version was published)."""
    earlier = await PostRevision.filter(post_id=post.id).values_list("body", flat=True)
    return await tell(post, thread, editor, earlier=[str(body) for body in earlier])
