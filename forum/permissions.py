"""The one authority on who may read, post and moderate where.

Every rule is written once here, on plain values: a `Reader` (who is asking: their id, whether
they administer the site, their memberships) and the facts of a community, thread or post. Each
is offered in the forms its callers need, all derived from that one definition:

- checks that raise (`allow_x`, on a Reader) and their booleans (`can_x`): Misago's pairs,
  both read off one function returning the rule's `Refusal` (or None);
- async checks taking models (`require_x`, which add "signed in and not suspended", site-wide
  or from the community, where writing needs it) and async booleans (`can_see_thread`...);
- query filters built from the same status tables: a tortoise `Q` (`threads_listed_q`,
  `posts_listed_q`, `readable_communities_q`...) and the raw-SQL predicate the fast read paths
  of forum/reads.py use (`threads_listed_sql`, `posts_listed_sql`, `answerable_sql`);
- the search mask: what the index may hold (`indexed_thread`, `indexed_post`, `indexed_*_q`);
- capabilities per object (`CommunityCaps`, `ThreadCaps`, `PostCaps`, `MemberCaps`,
  `PersonCaps`, `ReviewCaps`, `SiteCaps`), computed once per page from one Reader (and whether
  a suspension bars them from writing there), which templates and routes read instead of
  comparing roles or statuses themselves;
- the state marks templates show ("awaiting review", "removed", "private": `TEMPLATE_TESTS`).

Anything a caller may not read is reported as NotFound, so a private community's existence
does not leak. tests/authority_lint.py finds rules written anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from tortoise.expressions import F, Q

from forum.errors import DomainError, Invalid, NotFound, NotSignedIn, PermissionDenied
from forum.models import Community, CommunitySuspension, Membership, Post, Thread, User

# The values the rules speak of

PUBLISHED, PENDING, HIDDEN, DELETED, MERGED = "published", "pending", "hidden", "deleted", "merged"
HELD = (PENDING, HIDDEN)  # waiting for review, or taken down by moderators: their author sees them
MEMBER, MODERATOR, ASKED = "member", "moderator", "pending"
MEMBER_STATUSES = (MEMBER, MODERATOR)  # memberships that let someone read and post
PUBLIC, PRIVATE = "public", "private"
OPEN_VISIBILITIES = (PUBLIC,)  # communities anyone may read, signed in or not


# Who is asking


async def memberships(actor: User | None) -> dict[int, str]:
    """community id -> membership status, loaded once per actor object."""
    if actor is None:
        return {}
    cached: dict[int, str] | None = getattr(actor, "_chaupal_memberships", None)
    if cached is None:
        rows = await Membership.filter(user_id=actor.id).values_list("community_id", "status")
        cached = {int(cid): str(status) for cid, status in rows}
        actor._chaupal_memberships = cached
    return cached


def known_state(actor: User) -> tuple[dict[int, str], dict[int, CommunitySuspension]] | None:
    """The memberships and community suspensions already loaded for this actor object, if
    both are (for forum/web/personal.py to keep between requests)."""
    found_memberships = getattr(actor, "_chaupal_memberships", None)
    found_suspensions = getattr(actor, "_chaupal_suspensions", None)
    if found_memberships is None or found_suspensions is None:
        return None
    return found_memberships, found_suspensions


def adopt_state(
    actor: User, memberships: dict[int, str], suspensions: dict[int, CommunitySuspension]
) -> None:
    """Gives an actor object state loaded earlier for the same person at the same
    users.state_version (so it is what the database holds now). Never mutated: services that
    change it drop the object's copy (forget_*) and the next read loads afresh."""
    actor._chaupal_memberships = memberships
    actor._chaupal_suspensions = suspensions


def forget_memberships(actor: User | None) -> None:
    """Called by services that change the actor's memberships."""
    if actor is not None and hasattr(actor, "_chaupal_memberships"):
        del actor._chaupal_memberships


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is asking, as plain values: everything the rules below need to decide. The live
    channel keeps one per connection; pages build one per request (see `reader`)."""

    user_id: int | None = None
    is_admin: bool = False
    memberships: Mapping[int, str] = field(default_factory=dict)

    def status(self, community_id: int) -> str | None:
        return self.memberships.get(community_id)


ANONYMOUS = Reader()


async def reader(actor: User | None) -> Reader:
    if actor is None:
        return ANONYMOUS
    return Reader(actor.id, actor.is_admin, await memberships(actor))


def signed_in(who: Reader) -> bool:
    return who.user_id is not None


def is_self(who: Reader, user_id: int | None) -> bool:
    """Whether the reader is this person (their own post, thread or profile)."""
    return who.user_id is not None and who.user_id == user_id


def reader_class(who: Reader, community_id: int) -> tuple[bool, bool, str | None]:
    """All that the rules about one community, its threads and posts look at in the reader,
    apart from who they are: signed in, an administrator, their membership there. Readers of
    one class are offered the same on everything there that none of them wrote (`is_self`
    decides the rest), so pages may share what they render for them (forum/web/page_cache.py
    render_shared; tests/forum/test_shared_pages.py holds every rule to this)."""
    return (who.user_id is not None, administers(who), who.status(community_id))


def counts_as_member(status: str | None) -> bool:
    """A membership status that lets someone read a private community and post in it."""
    return status in MEMBER_STATUSES


# The facts the rules look at, as plain values (from a model or a view of forum/reads.py)


@dataclass(frozen=True, slots=True)
class ThreadFacts:
    status: str
    author_id: int
    community_id: int
    visibility: str  # of its community
    locked: bool = False
    merged_into_id: int | None = None


@dataclass(frozen=True, slots=True)
class PostFacts:
    status: str
    author_id: int
    number: int = 0


class ThreadRow(Protocol):
    """A thread as forum/reads.py's views show it."""

    @property
    def status(self) -> str: ...
    @property
    def author_id(self) -> int: ...
    @property
    def community_id(self) -> int: ...
    @property
    def locked(self) -> bool: ...
    @property
    def merged_into_id(self) -> int | None: ...


class PostRow(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def author_id(self) -> int: ...
    @property
    def number(self) -> int: ...


def thread_facts(thread: Thread, community: Community | None = None) -> ThreadFacts:
    """The facts of a thread model (its community loaded, or given)."""
    place = community if community is not None else thread.community
    return ThreadFacts(
        status=thread.status,
        author_id=thread.author_id,  # type: ignore[attr-defined]
        community_id=place.id,
        visibility=place.visibility,
        locked=thread.locked,
        merged_into_id=thread.merged_into_id,
    )


def view_facts(view: ThreadRow, visibility: str) -> ThreadFacts:
    """The facts of a thread view of forum/reads.py, given its community's visibility."""
    return ThreadFacts(
        status=view.status,
        author_id=view.author_id,
        community_id=view.community_id,
        visibility=visibility,
        locked=view.locked,
        merged_into_id=view.merged_into_id,
    )


def post_facts(post: Post | PostRow) -> PostFacts:
    return PostFacts(status=post.status, author_id=post.author_id, number=post.number)  # type: ignore[union-attr]


# The status tables. Each says which statuses of a thread or post a reader sees: every reader
# of the community, the author of their own, and the community's moderators. The booleans, the
# ORM filters and the SQL predicates below are all read off these.


_STATUS_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class StatusRule:
    everyone: tuple[str, ...]
    own: tuple[str, ...] = ()  # also seen by their author
    moderators: tuple[str, ...] | None = None  # also seen by moderators; None: every status

    def __post_init__(self) -> None:  # the SQL below writes them as literals
        words = (*self.everyone, *self.own, *(self.moderators or ()))
        assert all(_STATUS_WORD.fullmatch(s) for s in words), words

    def allows(self, who: Reader, *, status: str, author_id: int, moderator: bool) -> bool:
        if status in self.everyone:
            return True
        if moderator and (self.moderators is None or status in self.moderators):
            return True
        return status in self.own and is_self(who, author_id)

    def seen_by(self, moderator: bool) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
        """(statuses this kind of reader sees of anyone's, None meaning all; statuses they
        see only of their own)."""
        if moderator:
            if self.moderators is None:
                return None, ()
            seen = tuple(dict.fromkeys((*self.everyone, *self.moderators)))
            return seen, tuple(s for s in self.own if s not in seen)
        return self.everyone, self.own

    def q(
        self,
        who: Reader,
        *,
        moderator: bool,
        status: str = "status",
        author: str = "author_id",
    ) -> Q:
        """The ORM filter: rows of this rule a reader sees (field names relative to the model
        queried, e.g. status="thread__status")."""
        seen, own = self.seen_by(moderator)
        if seen is None:
            return Q()
        query = _q({f"{status}__in": list(seen)})
        if own and who.user_id is not None:
            query = query | _q({f"{status}__in": list(own), author: who.user_id})
        return query

    def sql(
        self, who: Reader, *, moderator: bool, status: str, author: str
    ) -> tuple[str, tuple[Any, ...]]:
        """The raw-SQL predicate and its parameters ('?' placeholders): "" when every row
        passes. The text depends only on the kind of reader, so callers may cache by it."""
        seen, own = self.seen_by(moderator)
        if seen is None:
            return "", ()
        if own and who.user_id is not None:
            return _sql_with_own(seen, own, status, author), (who.user_id,)
        return _sql_in(status, seen), ()


def _q(filters: dict[str, Any]) -> Q:
    return Q(**filters)


@lru_cache(maxsize=64)
def _sql_in(column: str, statuses: tuple[str, ...]) -> str:
    if len(statuses) == 1:
        return f"{column} = '{statuses[0]}'"
    return f"{column} IN ({', '.join(repr(s) for s in statuses)})"


@lru_cache(maxsize=64)
def _sql_with_own(seen: tuple[str, ...], own: tuple[str, ...], column: str, author: str) -> str:
    return f"({_sql_in(column, seen)} OR ({_sql_in(column, own)} AND {author} = ?))"


# A thread's page: published threads for every reader of the community; held and hidden ones
# for their author and moderators; deleted ones for moderators. A merged thread's address leads
# to where it went (so it is as visible as that thread: see `can_see_thread_in`).
THREAD_SEEN = StatusRule(everyone=(PUBLISHED, MERGED), own=HELD, moderators=None)
# A community's thread list: moderators see held and hidden threads too, authors their held ones.
THREAD_LISTED = StatusRule(everyone=(PUBLISHED,), own=(PENDING,), moderators=HELD)
# Feeds across communities (home, a person's page, best of, bookmarks' lists): published only.
THREAD_FEED = StatusRule(everyone=(PUBLISHED,), moderators=())
# Replies go to published threads only.
THREAD_OPEN = StatusRule(everyone=(PUBLISHED,), moderators=())
# A thread's pages list deleted posts (shown as removed), and held or hidden ones to their author
# and moderators.
POST_LISTED = StatusRule(everyone=(PUBLISHED, DELETED), own=HELD, moderators=None)
# Whose words are shown: published posts to every reader; held and hidden ones to their author
# and moderators; deleted ones to moderators only.
POST_BODY = StatusRule(everyone=(PUBLISHED,), own=HELD, moderators=None)
# What may be answered, quoted, reacted to or accepted as the answer: published posts.
POST_ANSWERABLE = StatusRule(everyone=(PUBLISHED,), moderators=())
# What may be reported: published posts, and hidden ones (more reports add to their review).
POST_FLAGGABLE = StatusRule(everyone=(PUBLISHED, HIDDEN), moderators=())
# What may still be edited or deleted (by its author, or a moderator): anything not deleted.
POST_EDITABLE = StatusRule(everyone=(PUBLISHED, *HELD), moderators=())


# Why a rule says no. Each rule below is written once, as a function returning its refusal (or
# None): `allow_x` raises that refusal's error, `can_x` asks whether there is none (no exception
# is made for a boolean, so capabilities stay cheap on hot pages).


@dataclass(frozen=True, slots=True)
class Refusal:
    error: type[DomainError]
    message: str
    code: str | None = None
    fields: tuple[tuple[str, str], ...] = ()

    def exception(self) -> DomainError:
        return self.error(self.message, code=self.code, fields=dict(self.fields) or None)


def _raise(refusal: Refusal | None) -> None:
    if refusal is not None:
        raise refusal.exception()


NO_COMMUNITY = Refusal(NotFound, "No such community.")
NO_THREAD = Refusal(NotFound, "No such thread.")
NO_POST = Refusal(NotFound, "No such post.")
NOT_A_MODERATOR = Refusal(PermissionDenied, "Only this community's moderators may do that.")
THREAD_LOCKED = Refusal(PermissionDenied, "This thread is locked.", "thread_locked")


def _sign_in(doing: str) -> Refusal:
    return Refusal(NotSignedIn, f"Sign in to {doing}.")


SIGN_IN_TO_POST = _sign_in("post")
SIGN_IN_TO_MODERATE = _sign_in("moderate")


# Communities


def reads_community(who: Reader, community_id: int, visibility: str) -> bool:
    if open_to_all(visibility):
        return True
    return administers(who) or counts_as_member(who.status(community_id))


def open_to_all(visibility: str) -> bool:
    """Whether anyone, signed in or not, may read a community of this visibility."""
    return visibility in OPEN_VISIBILITIES


def moderates(who: Reader, community_id: int) -> bool:
    return administers(who) or who.status(community_id) == MODERATOR


def moderated_by(who: Reader) -> list[int] | None:
    """Communities this reader moderates; None means all of them (administrators)."""
    if administers(who):
        return None
    return sorted(c for c, s in who.memberships.items() if s == MODERATOR)


def moderates_somewhere(who: Reader) -> bool:
    ids = moderated_by(who)
    return who.user_id is not None and (ids is None or bool(ids))


def member_community_ids(who: Reader) -> list[int]:
    """Communities the reader belongs to (as member or moderator), for "my communities"."""
    return sorted(c for c, s in who.memberships.items() if counts_as_member(s))


def readable_communities_q(who: Reader, *, id_field: str = "id", prefix: str = "") -> Q:
    """The ORM filter of `reads_community`: open communities, and those the reader belongs to."""
    if administers(who):
        return Q()
    return _q({f"{prefix}visibility__in": list(OPEN_VISIBILITIES)}) | _q(
        {f"{id_field}__in": member_community_ids(who) or [0]}
    )


def allow_read_community(who: Reader, community_id: int, visibility: str) -> None:
    if not reads_community(who, community_id, visibility):
        raise NO_COMMUNITY.exception()


NOT_A_MEMBER = Refusal(PermissionDenied, "Join this community to post in it.", "not_a_member")


def _post_in(who: Reader, community_id: int, visibility: str) -> Refusal | None:
    if not reads_community(who, community_id, visibility):
        return NO_COMMUNITY
    if who.user_id is None:
        return SIGN_IN_TO_POST
    if not (administers(who) or counts_as_member(who.status(community_id))):
        return NOT_A_MEMBER
    return None


def allow_post_in(who: Reader, community_id: int, visibility: str) -> None:
    _raise(_post_in(who, community_id, visibility))


def can_post_in(who: Reader, community_id: int, visibility: str) -> bool:
    return _post_in(who, community_id, visibility) is None


def joins_at_once(who: Reader, visibility: str) -> bool:
    """Joining an open community (or any, for administrators) is immediate; joining a private
    one asks its moderators."""
    return open_to_all(visibility) or administers(who)


def member_statuses_listed(who: Reader, community_id: int, wanted: str | None) -> list[str]:
    """Which memberships a community's member list shows: members and moderators to its
    readers, pending requests (asked for by name) to its moderators only."""
    if wanted is None:
        return list(MEMBER_STATUSES)
    if wanted == ASKED:
        _raise(_moderate(who, community_id))
    return [wanted]


def _moderate(who: Reader, community_id: int) -> Refusal | None:
    if who.user_id is None:
        return SIGN_IN_TO_MODERATE
    return None if moderates(who, community_id) else NOT_A_MODERATOR


ADMINS_NAME_MODERATORS = Refusal(
    PermissionDenied, "Only site administrators name or remove moderators."
)


def _member_status(
    who: Reader, community_id: int, target_id: int, old: str | None, new: str
) -> Refusal | None:
    """Moderators manage members; naming or removing a moderator is for administrators (a
    moderator may step down)."""
    if not moderates(who, community_id):
        return NOT_A_MODERATOR
    touches_moderator = MODERATOR in (old, new)
    if touches_moderator and not administers(who) and not is_self(who, target_id):
        return ADMINS_NAME_MODERATORS
    return None


def allow_member_status(
    who: Reader, community_id: int, *, target_id: int, old: str | None, new: str
) -> None:
    _raise(_member_status(who, community_id, target_id, old, new))


def can_member_status(
    who: Reader, community_id: int, *, target_id: int, old: str | None, new: str
) -> bool:
    return _member_status(who, community_id, target_id, old, new) is None


# Invitations. A community's moderators (and administrators) invite people: with a link that
# anyone signed in may open to become a member at once (no approval), or by name or email for
# one person. An invitation works while it is open: not revoked, not answered, not expired and
# not used up; one that is not says only that (nothing of its community). A personal
# invitation is for its invitee alone. Whoever the moderators removed is not let back in by a
# shared link, only by a moderator's own decision (adding them again, or inviting them by name
# and their accepting); nobody suspended, site-wide or from that community, joins by
# invitation while the suspension runs.

INVITE_OPEN = "open"
LINK_INVITE, PERSON_INVITE = "link", "person"
INVITE_ANSWERS = ("accepted", "declined")


@dataclass(frozen=True, slots=True)
class InviteFacts:
    kind: str  # LINK_INVITE or PERSON_INVITE
    status: str  # open, accepted, declined or revoked
    expires_at: datetime | None
    uses: int
    max_uses: int | None
    invitee_id: int | None  # a personal invitation's account, when known


def invite_facts(invite: Any) -> InviteFacts:
    """The facts of a CommunityInvite row."""
    return InviteFacts(
        kind=invite.kind,
        status=invite.status,
        expires_at=invite.expires_at,
        uses=invite.uses,
        max_uses=invite.max_uses,
        invitee_id=invite.invitee_id,
    )


def invite_state(invite: InviteFacts, now: datetime) -> str:
    """What a moderator's list says of an invitation: open, expired, used_up, revoked,
    accepted or declined."""
    if invite.status != INVITE_OPEN:
        return invite.status
    if invite.expires_at is not None and invite.expires_at <= now:
        return "expired"
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return "used_up"
    return INVITE_OPEN


def invite_open(invite: InviteFacts, now: datetime) -> bool:
    return invite_state(invite, now) == INVITE_OPEN


def open_invites_q(now: datetime) -> Q:
    """The ORM filter of `invite_open` (the conditional update that takes one use)."""
    return (
        Q(status=INVITE_OPEN)
        & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        & (Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
    )


def is_link_invite(invite: InviteFacts) -> bool:
    return invite.kind == LINK_INVITE


INVITE_GONE = Refusal(
    NotFound,
    "This invitation is not valid any more: it was revoked, it expired or it was used up.",
    "invite_gone",
)
NO_INVITATION = Refusal(NotFound, "No such invitation.")
INVITES_FOR_MODERATORS = Refusal(
    PermissionDenied, "Only this community's moderators may invite people to it."
)
REMOVED_BY_MODERATORS = Refusal(
    PermissionDenied,
    "The moderators removed you from this community; only they can let you back in.",
    "removed",
)
NOT_YOURSELF = Refusal(Invalid, "You cannot invite yourself.", fields=(("username", "is you"),))


def _manage_invites(who: Reader, community_id: int, visibility: str) -> Refusal | None:
    if not reads_community(who, community_id, visibility):
        return NO_COMMUNITY
    if who.user_id is None:
        return _sign_in("invite people")
    return None if moderates(who, community_id) else INVITES_FOR_MODERATORS


def allow_manage_invites(who: Reader, community_id: int, visibility: str) -> None:
    """Making, listing and revoking a community's invitations."""
    _raise(_manage_invites(who, community_id, visibility))


def can_manage_invites(who: Reader, community_id: int, visibility: str) -> bool:
    return _manage_invites(who, community_id, visibility) is None


def allow_invite_person(who: Reader, target_id: int) -> None:
    """Given that the reader manages invitations: anyone but themselves (whether the person
    already belongs is the service's bookkeeping)."""
    if is_self(who, target_id):
        _raise(NOT_YOURSELF)


def _use_invite(
    who: Reader, invite: InviteFacts, now: datetime, *, removed: bool
) -> Refusal | None:
    """Opening an invitation (its page shows the community's name) and accepting it."""
    if not invite_open(invite, now):
        return INVITE_GONE
    if who.user_id is None:
        return _sign_in("accept the invitation")
    if invite.invitee_id is not None and not is_self(who, invite.invitee_id):
        return INVITE_GONE  # someone else's: as if it did not exist
    if removed and is_link_invite(invite):
        return REMOVED_BY_MODERATORS
    return None


def allow_use_invite(who: Reader, invite: InviteFacts, now: datetime, *, removed: bool) -> None:
    _raise(_use_invite(who, invite, now, removed=removed))


def can_use_invite(who: Reader, invite: InviteFacts, now: datetime, *, removed: bool) -> bool:
    return _use_invite(who, invite, now, removed=removed) is None


def allow_see_invite(who: Reader, invite: InviteFacts, now: datetime) -> None:
    """What the invitation's page may show at all: an open invitation, to whoever it is for
    (anyone for a link). Signed out, only that it asks them to sign in."""
    if not invite_open(invite, now):
        _raise(INVITE_GONE)
    if who.user_id is not None and invite.invitee_id is not None:
        if not is_self(who, invite.invitee_id):
            _raise(INVITE_GONE)


def allow_answer_invite(who: Reader, invite: InviteFacts) -> None:
    """Accepting or declining from one's notifications: personal invitations, by their invitee."""
    if invite.invitee_id is None or not is_self(who, invite.invitee_id):
        _raise(NO_INVITATION)


def lifts_removal(invite: InviteFacts) -> bool:
    """A personal invitation is a moderator's decision about that person: accepting it lets
    someone they removed back in."""
    return not is_link_invite(invite)


def reinstates(status: str) -> bool:
    """Adding someone as a member or moderator lets them back in after a removal."""
    return counts_as_member(status)


def removes(old: str | None, new: str) -> bool:
    """Removing a member (not declining a request to join) bars shared links for them."""
    return counts_as_member(old) and not counts_as_member(new)


# Threads


def sees_thread(
    who: Reader, *, status: str, author_id: int, community_id: int, visibility: str
) -> bool:
    if not reads_community(who, community_id, visibility):
        return False
    return THREAD_SEEN.allows(
        who, status=status, author_id=author_id, moderator=moderates(who, community_id)
    )


def _see_thread(who: Reader, thread: ThreadFacts) -> Refusal | None:
    seen = sees_thread(
        who,
        status=thread.status,
        author_id=thread.author_id,
        community_id=thread.community_id,
        visibility=thread.visibility,
    )
    return None if seen else NO_THREAD


def allow_see_thread(who: Reader, thread: ThreadFacts) -> None:
    _raise(_see_thread(who, thread))


def forwards_to(thread: ThreadFacts | ThreadRow) -> int | None:
    """A merged thread's address leads to the thread it joined."""
    return thread.merged_into_id if thread.status == MERGED else None


def thread_listed(who: Reader, thread: ThreadFacts) -> bool:
    return reads_community(who, thread.community_id, thread.visibility) and THREAD_LISTED.allows(
        who,
        status=thread.status,
        author_id=thread.author_id,
        moderator=moderates(who, thread.community_id),
    )


def feed_listed(who: Reader, thread: ThreadFacts) -> bool:
    """Whether a feed across communities (the home page) shows this thread to the reader."""
    return reads_community(who, thread.community_id, thread.visibility) and THREAD_FEED.allows(
        who, status=thread.status, author_id=thread.author_id, moderator=False
    )


def threads_listed_q(who: Reader, community_id: int) -> Q:
    """The ORM filter of a community's thread list (given that the reader reads it)."""
    return THREAD_LISTED.q(who, moderator=moderates(who, community_id))


def threads_listed_sql(
    who: Reader, community_id: int, *, alias: str = "t"
) -> tuple[str, tuple[Any, ...]]:
    """The same, as the SQL predicate of forum/reads.py's thread lists."""
    return THREAD_LISTED.sql(
        who,
        moderator=moderates(who, community_id),
        status=f"{alias}.status",
        author=f"{alias}.author_id",
    )


def readable_communities_sql(who: Reader, *, alias: str = "c") -> tuple[str, tuple[Any, ...]]:
    """`readable_communities_q` as the SQL predicate of forum/reads.py ("" for admins: all)."""
    if administers(who):
        return "", ()
    ids = member_community_ids(who)
    visible = _sql_in(f"{alias}.visibility", OPEN_VISIBILITIES)
    if not ids:
        return visible, ()
    return f"({visible} OR {alias}.id IN ({', '.join('?' * len(ids))}))", tuple(ids)


def feed_threads_sql(*, alias: str = "t") -> str:
    """`feed_threads_q`'s status rule as SQL (the communities are the caller's to add)."""
    predicate, _ = THREAD_FEED.sql(
        ANONYMOUS, moderator=False, status=f"{alias}.status", author=f"{alias}.author_id"
    )
    return predicate


def feed_threads_q(readable_ids: list[int] | None) -> Q:
    """Threads shown in feeds across communities (home, a person's page, best of): published
    ones, in the communities the reader reads (`readable_community_ids`; None: all)."""
    query = THREAD_FEED.q(ANONYMOUS, moderator=False)
    if readable_ids is not None:
        query &= Q(community_id__in=readable_ids or [0])
    return query


def accepts_replies(thread: ThreadFacts) -> bool:
    return thread.status in THREAD_OPEN.everyone


THREAD_CLOSED = Refusal(PermissionDenied, "This thread is not open for replies.", "thread_closed")


def _reply(who: Reader, thread: ThreadFacts) -> Refusal | None:
    return (
        _see_thread(who, thread)
        or _post_in(who, thread.community_id, thread.visibility)
        or (None if accepts_replies(thread) else THREAD_CLOSED)
        or (THREAD_LOCKED if thread.locked and not moderates(who, thread.community_id) else None)
    )


def allow_reply(who: Reader, thread: ThreadFacts) -> None:
    _raise(_reply(who, thread))


def can_reply(who: Reader, thread: ThreadFacts) -> bool:
    return _reply(who, thread) is None


TAGS_FOR_AUTHOR = Refusal(
    PermissionDenied, "Only the thread's author or a moderator can change its tags."
)
ANSWER_FOR_ASKER = Refusal(
    PermissionDenied, "Only the person who asked or a moderator can accept an answer."
)
SIGN_IN = _sign_in("do that")


def _author_or_moderator(who: Reader, thread: ThreadFacts, refusal: Refusal) -> Refusal | None:
    if who.user_id is None:
        return SIGN_IN
    if moderates(who, thread.community_id) or is_self(who, thread.author_id):
        return None
    return refusal


def allow_edit_tags(who: Reader, thread: ThreadFacts) -> None:
    _raise(_author_or_moderator(who, thread, TAGS_FOR_AUTHOR))


def can_edit_tags(who: Reader, thread: ThreadFacts) -> bool:
    return _author_or_moderator(who, thread, TAGS_FOR_AUTHOR) is None


def allow_accept_answer(who: Reader, thread: ThreadFacts) -> None:
    _raise(_author_or_moderator(who, thread, ANSWER_FOR_ASKER))


def can_accept_answer(who: Reader, thread: ThreadFacts) -> bool:
    return _author_or_moderator(who, thread, ANSWER_FOR_ASKER) is None


MERGE_INTO_PUBLISHED = Refusal(
    Invalid, "Merge into a published thread.", fields=(("into", "is not open"),)
)


def _merge(source: ThreadFacts, target: ThreadFacts) -> Refusal | None:
    """Given that the actor moderates both: a thread joins a published thread, once."""
    if not accepts_replies(target) or source.status == MERGED:
        return MERGE_INTO_PUBLISHED
    return None


def allow_merge(source: ThreadFacts, target: ThreadFacts) -> None:
    _raise(_merge(source, target))


def can_merge(source: ThreadFacts, target: ThreadFacts) -> bool:
    return _merge(source, target) is None


# Posts


def author_sees_own(actor: User | Reader | None, *, status: str, author_id: int) -> bool:
    """Pending and hidden posts are shown to their author."""
    return status in POST_BODY.own and is_self(_as_reader(actor), author_id)


def _as_reader(actor: User | Reader | None) -> Reader:
    if isinstance(actor, Reader):
        return actor
    return ANONYMOUS if actor is None else Reader(actor.id, actor.is_admin)


def post_body_shown(
    actor: User | Reader | None, *, status: str, author_id: int, moderator: bool
) -> bool:
    """Whether a post's words are shown, given that the reader sees its thread and whether they
    moderate its community."""
    return POST_BODY.allows(
        _as_reader(actor), status=status, author_id=author_id, moderator=moderator
    )


def post_listed(
    actor: User | Reader | None, *, status: str, author_id: int, moderator: bool
) -> bool:
    """Whether a post appears in a thread's pages at all: deleted ones do, shown as removed."""
    return POST_LISTED.allows(
        _as_reader(actor), status=status, author_id=author_id, moderator=moderator
    )


def sees_post_body(who: Reader, *, status: str, author_id: int, community_id: int) -> bool:
    """Given that the reader sees the thread: see POST_BODY."""
    return POST_BODY.allows(
        who, status=status, author_id=author_id, moderator=moderates(who, community_id)
    )


def shown_to_readers(status: str) -> bool:
    """Whether every reader of its thread sees a post's text (live events carry it): what an
    edit changes at once for them, so a held edit waits while they keep the approved text."""
    return status in POST_BODY.everyone


def pending_edit_shown(actor: User | Reader | None, *, author_id: int, moderator: bool) -> bool:
    """An edit waiting for review is shown to the post's author and the community's moderators
    (readers see the approved text)."""
    return moderator or is_self(_as_reader(actor), author_id)


def held(status: str) -> bool:
    """Held for review or hidden by moderators: seen by its author and moderators, and what a
    moderator's approval publishes."""
    return status in HELD


def posts_listed_q(who: Reader, community_id: int) -> Q:
    """The ORM filter of the posts a thread's pages list (given that the reader sees it)."""
    return POST_LISTED.q(who, moderator=moderates(who, community_id))


def posts_listed_sql(
    who: Reader, community_id: int, *, alias: str = "p"
) -> tuple[str, tuple[Any, ...]]:
    """The same, as the SQL predicate of forum/reads.py's post pages ("" for moderators)."""
    return POST_LISTED.sql(
        who,
        moderator=moderates(who, community_id),
        status=f"{alias}.status",
        author=f"{alias}.author_id",
    )


def answerable(status: str) -> bool:
    return status in POST_ANSWERABLE.everyone


def answerable_q(*, status: str = "status") -> Q:
    return POST_ANSWERABLE.q(ANONYMOUS, moderator=False, status=status)


def answerable_sql(*, alias: str = "p") -> str:
    return POST_ANSWERABLE.sql(ANONYMOUS, moderator=False, status=f"{alias}.status", author="")[0]


NOT_ANSWERABLE = Refusal(
    Invalid,
    "You can only reply to a visible post of this thread.",
    fields=(("reply_to", "is not a post of this thread"),),
)


def allow_answer(post: PostFacts) -> None:
    """A reply answers (quotes) a published post of its thread."""
    if not answerable(post.status):
        _raise(NOT_ANSWERABLE)


def _see_post(who: Reader, thread: ThreadFacts, post: PostFacts) -> Refusal | None:
    listed = post_listed(
        who,
        status=post.status,
        author_id=post.author_id,
        moderator=moderates(who, thread.community_id),
    )
    return _see_thread(who, thread) or (None if listed else NO_POST)


def allow_see_post(who: Reader, thread: ThreadFacts, post: PostFacts) -> None:
    """A post's own address: listed in a thread the reader sees."""
    _raise(_see_post(who, thread, post))


def allow_see_post_body(who: Reader, thread: ThreadFacts, post: PostFacts) -> None:
    """Its words (and so its edit history)."""
    shown = sees_post_body(
        who, status=post.status, author_id=post.author_id, community_id=thread.community_id
    )
    _raise(_see_thread(who, thread) or (None if shown else NO_POST))


SIGN_IN_TO_EDIT = _sign_in("edit posts")
OWN_POSTS_ONLY = Refusal(PermissionDenied, "You can only change your own posts.")


# The post rules come in two parts: the thread's (seen by the reader: the same for every post of
# a page, so `post_caps` asks it once) and the post's own, given whether the reader moderates.


def editable(status: str) -> bool:
    """Whether a post may still take new text (by its author, a moderator, or an approved edit)."""
    return status in POST_EDITABLE.everyone


def _editable(who: Reader, post: PostFacts) -> Refusal | None:
    if who.user_id is None:
        return SIGN_IN_TO_EDIT
    return None if editable(post.status) else NO_POST


def _edit_right(
    who: Reader, thread: ThreadFacts, post: PostFacts, moderator: bool
) -> Refusal | None:
    """Editing and deleting: the author while the thread is unlocked, or a moderator."""
    if moderator:
        return None
    if not is_self(who, post.author_id):
        return OWN_POSTS_ONLY
    return THREAD_LOCKED if thread.locked else None


def _edit_this_post(
    who: Reader, thread: ThreadFacts, post: PostFacts, moderator: bool
) -> Refusal | None:
    return _editable(who, post) or _edit_right(who, thread, post, moderator)


def _edit_post(who: Reader, thread: ThreadFacts, post: PostFacts) -> Refusal | None:
    return _see_thread(who, thread) or _edit_this_post(
        who, thread, post, moderates(who, thread.community_id)
    )


def allow_edit_post(who: Reader, thread: ThreadFacts, post: PostFacts) -> None:
    _raise(_edit_post(who, thread, post))


def can_edit_post(who: Reader, thread: ThreadFacts, post: PostFacts) -> bool:
    return _edit_post(who, thread, post) is None


SIGN_IN_TO_REACT = _sign_in("react")
REACT_TO_PUBLISHED = Refusal(PermissionDenied, "You can react only to published posts.")
OWN_POST_REACTION = Refusal(PermissionDenied, "You cannot react to your own post.", "own_post")


def _react_to_this(who: Reader, post: PostFacts) -> Refusal | None:
    if who.user_id is None:
        return SIGN_IN_TO_REACT
    if not answerable(post.status):
        return REACT_TO_PUBLISHED
    return OWN_POST_REACTION if is_self(who, post.author_id) else None


def _react(who: Reader, thread: ThreadFacts, post: PostFacts) -> Refusal | None:
    return _see_thread(who, thread) or _react_to_this(who, post)


def allow_react(who: Reader, thread: ThreadFacts, post: PostFacts) -> None:
    _raise(_react(who, thread, post))


def can_react(who: Reader, thread: ThreadFacts, post: PostFacts) -> bool:
    return _react(who, thread, post) is None


SIGN_IN_TO_FLAG = _sign_in("flag posts")
OWN_POST_FLAG = Refusal(PermissionDenied, "You cannot flag your own post.", "own_post")


def _flag_this(who: Reader, post: PostFacts) -> Refusal | None:
    """Asked before the report form shows a post's words, and again when the report is filed.
    A removed post cannot be reported (nor its words shown)."""
    if who.user_id is None:
        return SIGN_IN_TO_FLAG
    if post.status not in POST_FLAGGABLE.everyone:
        return NO_POST
    return OWN_POST_FLAG if is_self(who, post.author_id) else None


def _flag_post(who: Reader, thread: ThreadFacts, post: PostFacts) -> Refusal | None:
    return _see_thread(who, thread) or _flag_this(who, post)


def allow_flag_post(who: Reader, thread: ThreadFacts, post: PostFacts) -> None:
    _raise(_flag_post(who, thread, post))


def can_flag_post(who: Reader, thread: ThreadFacts, post: PostFacts) -> bool:
    return _flag_post(who, thread, post) is None


# The search mask: the index holds only what every reader of a community sees (the searcher
# then keeps to the communities the reader reads: `readable_community_ids`).


def indexed_thread(status: str) -> bool:
    return status in THREAD_LISTED.everyone


def indexed_post(status: str) -> bool:
    """A reply's words, and the opening post's words in its thread's document."""
    return status in POST_BODY.everyone


def indexed_thread_q(*, prefix: str = "") -> Q:
    """Threads whose documents are indexed (prefix: the relation, e.g. "thread__")."""
    return THREAD_LISTED.q(ANONYMOUS, moderator=False, status=f"{prefix}status")


def indexed_post_q() -> Q:
    """Posts whose words are indexed (for replies, in an indexed thread: `indexed_posts_q`)."""
    return POST_BODY.q(ANONYMOUS, moderator=False)


def indexed_posts_q() -> Q:
    """Posts whose words are indexed, in threads that are (joins the thread)."""
    return indexed_post_q() & indexed_thread_q(prefix="thread__")


# People


def suspended(user: User | None) -> bool:
    until = user.suspended_until if user is not None else None
    return until is not None and until > datetime.now(UTC)


def administers(actor: User | Reader | None) -> bool:
    """Site administrators: everything, everywhere."""
    if isinstance(actor, Reader):
        return actor.user_id is not None and actor.is_admin
    return actor is not None and actor.is_admin


def allow_edit_profile(who: Reader, person_id: int) -> None:
    if not (is_self(who, person_id) or administers(who)):
        raise PermissionDenied("You can only edit your own profile.")


ADMINS_NOT_SUSPENDED = Refusal(PermissionDenied, "Administrators cannot be suspended.")
NOT_ONESELF = Refusal(PermissionDenied, "You cannot suspend yourself.")


def _suspendable(who: Reader, target_id: int, target_is_admin: bool) -> Refusal | None:
    """Nobody suspends an administrator or themselves (who may suspend whom where: see
    `require_suspend`)."""
    if target_is_admin:
        return ADMINS_NOT_SUSPENDED
    return NOT_ONESELF if is_self(who, target_id) else None


def decides_about_people(who: Reader) -> bool:
    """Reports about people (not posts) are for administrators."""
    return administers(who)


def allow_decide_about_people(who: Reader) -> None:
    if not decides_about_people(who):
        raise PermissionDenied("Only administrators decide about people.")


def standing_role(who: Reader, community_id: int | None) -> str:
    """What a person is where they act: "admin", "moderator" (of that community) or "member"."""
    if administers(who):
        return "admin"
    if community_id is not None and moderates(who, community_id):
        return MODERATOR
    return MEMBER


def audit_scope(who: Reader) -> list[int] | None:
    """Communities whose audit entries (and review items) the reader may read; None: all."""
    ids = moderated_by(who)
    if ids is not None and not ids:
        raise PermissionDenied("Only moderators can read the audit log.")
    return ids


# Capabilities: what a page offers this reader, computed once per page from one Reader.


@dataclass(frozen=True, slots=True)
class SiteCaps:
    signed_in: bool = False
    can_create_communities: bool = False
    moderates_somewhere: bool = False  # the review queue
    suspended: bool = False


def site_caps(who: Reader, user: User | None = None) -> SiteCaps:
    return SiteCaps(
        signed_in=signed_in(who),
        can_create_communities=administers(who),
        moderates_somewhere=moderates_somewhere(who),
        suspended=suspended(user),
    )


@dataclass(frozen=True, slots=True)
class CommunityCaps:
    can_read: bool = False
    can_post: bool = False
    can_moderate: bool = False
    can_set_visibility: bool = False  # administrators
    can_name_moderators: bool = False  # administrators
    can_join: bool = False  # signed in, neither a member nor waiting
    join_asks: bool = False  # joining waits for the moderators: "Ask to join"
    can_leave: bool = False
    asked: bool = False  # a request to join is waiting
    is_member: bool = False  # a member or moderator
    is_moderator: bool = False  # named a moderator of it ("You moderate")
    can_invite: bool = False  # moderators make invitation links and invite people
    suspended: bool = False  # from writing here (site-wide or in this community)


def community_caps(
    who: Reader, community_id: int, visibility: str, *, suspended: bool = False
) -> CommunityCaps:
    """`suspended`: the reader may not write here for now (`suspension_notice` says why)."""
    status = who.status(community_id)
    moderator = moderates(who, community_id)
    return CommunityCaps(
        can_read=reads_community(who, community_id, visibility),
        can_post=not suspended and can_post_in(who, community_id, visibility),
        can_moderate=moderator,
        can_set_visibility=administers(who),
        can_name_moderators=administers(who),
        can_join=signed_in(who) and status is None,
        join_asks=not joins_at_once(who, visibility),
        can_leave=counts_as_member(status),
        asked=status == ASKED,
        is_member=counts_as_member(status),
        is_moderator=status == MODERATOR,
        can_invite=can_manage_invites(who, community_id, visibility),
        suspended=suspended,
    )


def communities_caps(
    who: Reader, communities: Iterable[tuple[int, str]]
) -> dict[int, CommunityCaps]:
    """community id -> caps, for lists (pairs of id and visibility)."""
    return {cid: community_caps(who, cid, visibility) for cid, visibility in communities}


@dataclass(frozen=True, slots=True)
class MemberCaps:
    """What a community's member list offers on one person's row."""

    can_make_moderator: bool = False
    can_make_member: bool = False
    can_remove: bool = False


def member_caps(who: Reader, community_id: int, *, target_id: int, status: str) -> MemberCaps:
    if is_self(who, target_id) and not administers(who):
        return MemberCaps()  # a moderator steps down through the API, not from the list

    def may(new: str) -> bool:
        return status != new and can_member_status(
            who, community_id, target_id=target_id, old=status, new=new
        )

    return MemberCaps(
        can_make_moderator=may(MODERATOR),
        can_make_member=may(MEMBER),
        can_remove=may("removed"),
    )


@dataclass(frozen=True, slots=True)
class ThreadCaps:
    can_read: bool = False
    can_reply: bool = False
    can_moderate: bool = False  # pin, lock, feature, move, merge
    can_edit_tags: bool = False
    can_accept: bool = False
    accepts_replies: bool = False  # published: replies are open once a thread is
    can_join: bool = False  # signed in, not a member: the reply box offers joining
    join_asks: bool = False
    is_member: bool = False
    suspended: bool = False  # from writing here: no replies, edits, reactions or reports


def thread_caps(who: Reader, thread: ThreadFacts, *, suspended: bool = False) -> ThreadCaps:
    """`suspended`: the reader may not write in its community for now."""
    community = community_caps(who, thread.community_id, thread.visibility)
    writes = not suspended
    return ThreadCaps(
        can_read=_see_thread(who, thread) is None,
        can_reply=writes and can_reply(who, thread),
        can_moderate=community.can_moderate,
        can_edit_tags=writes and can_edit_tags(who, thread),
        can_accept=writes and can_accept_answer(who, thread),
        accepts_replies=accepts_replies(thread),
        can_join=signed_in(who) and not community.can_post,
        join_asks=community.join_asks,
        is_member=community.can_post,
        suspended=suspended,
    )


@dataclass(frozen=True, slots=True)
class PostCaps:
    body_shown: bool = False
    note_shown: bool = False  # a moderator's note on a held or hidden post: with its words
    can_answer: bool = False  # reply to it, quote it
    can_accept: bool = False  # mark it as the accepted answer
    can_edit: bool = False  # and delete
    can_flag: bool = False
    can_react: bool = False
    counts_shown: bool = False  # its reactions
    own: bool = False  # the reader wrote it ("your edit is waiting")


def post_caps(
    who: Reader, thread: ThreadFacts, caps: ThreadCaps, post: PostFacts, *, has_note: bool = False
) -> PostCaps:
    """What one post of a thread page offers, given the thread's caps (computed once)."""
    if not caps.can_read:
        return PostCaps()
    moderator, writes = caps.can_moderate, not caps.suspended
    body = POST_BODY.allows(who, status=post.status, author_id=post.author_id, moderator=moderator)
    open_post = answerable(post.status)
    return PostCaps(
        body_shown=body,
        note_shown=body and has_note and held(post.status),
        can_answer=caps.can_reply and open_post,
        can_accept=caps.can_accept and open_post and post.number > 1,
        can_edit=writes and _edit_this_post(who, thread, post, moderator) is None,
        can_flag=writes and body and _flag_this(who, post) is None,
        can_react=writes and _react_to_this(who, post) is None,
        counts_shown=body and open_post,
        own=is_self(who, post.author_id),
    )


REVIEW_WAITING = "open"  # a review item's status until a moderator decides


@dataclass(frozen=True, slots=True)
class ReviewCaps:
    """What the review queue offers on one item."""

    can_decide: bool = False
    decided: bool = False  # shows its resolution


def review_caps(who: Reader, *, kind: str, status: str) -> ReviewCaps:
    waiting = status == REVIEW_WAITING
    about_people = kind == "user"
    return ReviewCaps(
        can_decide=waiting
        and moderates_somewhere(who)
        and (not about_people or decides_about_people(who)),
        decided=not waiting,
    )


@dataclass(frozen=True, slots=True)
class PersonCaps:
    """What a person's page offers the reader (suspending: moderation/actions.py
    suspension_choices, from `can_suspend`)."""

    is_self: bool = False
    can_flag: bool = False


def person_caps(who: Reader, *, person_id: int) -> PersonCaps:
    return PersonCaps(
        is_self=is_self(who, person_id),
        can_flag=signed_in(who) and not is_self(who, person_id),
    )


# State marks pages show: each takes the thing shown (a thread, post, community, membership or
# person) and says whether the mark applies. Templates ask `{% if p is removed %}`.


def _status_of(thing: object) -> str:
    return str(getattr(thing, "status", ""))


def is_awaiting_review(thing: object) -> bool:
    return _status_of(thing) == PENDING


def is_hidden_by_moderators(thing: object) -> bool:
    return _status_of(thing) == HIDDEN


def is_held(thing: object) -> bool:
    return held(_status_of(thing))


def is_removed(thing: object) -> bool:
    """Deleted: a thread gone with its only post, or a post shown as removed."""
    return _status_of(thing) == DELETED


def is_published(thing: object) -> bool:
    return _status_of(thing) == PUBLISHED


def is_private(community: object) -> bool:
    return not open_to_all(str(getattr(community, "visibility", PUBLIC)))


def is_moderator_membership(membership: object) -> bool:
    return _status_of(membership) == MODERATOR


def is_administrator(person: object) -> bool:
    return administers(person if isinstance(person, User | Reader) else None)


TEMPLATE_TESTS: dict[str, Callable[[object], bool]] = {
    "awaiting_review": is_awaiting_review,
    "hidden_by_moderators": is_hidden_by_moderators,
    "held": is_held,
    "removed": is_removed,
    "published": is_published,
    "private": is_private,
    "moderator_membership": is_moderator_membership,
    "administrator": is_administrator,
}


# Async checks and booleans taking models (the services' forms of the rules above)


async def status_in(actor: User | None, community: Community) -> str | None:
    return await status_of(actor, community.id)


async def is_member(actor: User | None, community: Community) -> bool:
    return await is_member_of(actor, community.id)


async def can_read(actor: User | None, community: Community) -> bool:
    return await can_read_in(actor, community.id, community.visibility)


async def status_of(actor: User | None, community_id: int) -> str | None:
    return (await memberships(actor)).get(community_id)


async def is_member_of(actor: User | None, community_id: int) -> bool:
    return counts_as_member(await status_of(actor, community_id))


async def can_read_in(actor: User | None, community_id: int, visibility: str) -> bool:
    return reads_community(await reader(actor), community_id, visibility)


async def can_moderate_in(actor: User | None, community_id: int) -> bool:
    return moderates(await reader(actor), community_id)


MERGE_CHAIN_MAX = 5  # as forum/live_gate.py


async def can_see_thread_in(
    actor: User | None,
    *,
    status: str,
    author_id: int,
    community_id: int,
    visibility: str,
    merged_into_id: int | None = None,
) -> bool:
    who = await reader(actor)
    if not sees_thread(
        who, status=status, author_id=author_id, community_id=community_id, visibility=visibility
    ):
        return False
    if status == MERGED:
        return await _sees_merge_target(who, merged_into_id)
    return True


async def _sees_merge_target(who: Reader, thread_id: int | None) -> bool:
    """A merged thread's address leads to where it went, so it is exactly as visible as the
    thread it joined (which may be in a private community, or merged on in turn). The live
    channel's snapshot (forum/live_gate.py) follows merges the same way."""
    for _ in range(MERGE_CHAIN_MAX):
        if thread_id is None:
            return False
        rows = await Thread.filter(id=thread_id).values_list(
            "status", "author_id", "community_id", "community__visibility", "merged_into_id"
        )
        if not rows:
            return False
        status, author_id, community_id, visibility, into = rows[0]
        if not sees_thread(
            who,
            status=str(status),
            author_id=int(str(author_id)),
            community_id=int(str(community_id)),
            visibility=str(visibility),
        ):
            return False
        if status != MERGED:
            return True
        thread_id = int(str(into)) if into is not None else None
    return False


async def require_read(actor: User | None, community: Community) -> None:
    if not await can_read(actor, community):
        raise NotFound("No such community.")


async def can_moderate(actor: User | None, community: Community) -> bool:
    return await can_moderate_in(actor, community.id)


async def require_moderate(actor: User | None, community: Community) -> None:
    await require_read(actor, community)
    _raise(_moderate(await reader(actor), community.id))


def require_signed_in(actor: User | None, doing: str = "do that") -> User:
    if actor is None:
        raise NotSignedIn(f"Sign in to {doing}.")
    return actor


def _suspension_text(start: str, until: datetime, reason: str) -> str:
    when = until.strftime("%d %b %Y %H:%M UTC")
    return f"{start} until {when}." + (f" Reason: {reason}" if reason else "")


def site_suspension_notice(user: User | None) -> str | None:
    """What a person suspended site-wide is told, or None."""
    if user is None or not suspended(user):
        return None
    assert user.suspended_until is not None
    return _suspension_text(
        "Your account is suspended", user.suspended_until, user.suspension_reason
    )


def require_active(actor: User | None, doing: str = "do that") -> User:
    """Signed in and not suspended site-wide: needed to post, edit, flag, react and join."""
    user = require_signed_in(actor, doing)
    notice = site_suspension_notice(user)
    if notice is not None:
        raise PermissionDenied(notice, code="suspended")
    return user


def require_admin(actor: User | None) -> User:
    user = require_signed_in(actor)
    if not administers(user):
        raise PermissionDenied("Only site administrators may do that.")
    return user


async def readable_community_ids(actor: User | None) -> list[int] | None:
    """Ids of every community the actor may read, or None meaning "all of them" (admins)."""
    who = await reader(actor)
    if administers(who):
        return None
    public = await Community.filter(readable_communities_q(ANONYMOUS)).values_list("id", flat=True)
    return sorted({int(str(c)) for c in public} | set(member_community_ids(who)))


async def reader_ids(community: Community) -> set[int] | None:
    """Everyone who may read a private community (members, its moderators, administrators);
    None for a public one, which anyone may read. For telling people about new posts."""
    if open_to_all(community.visibility):
        return None
    members = await Membership.filter(
        community_id=community.id, status__in=MEMBER_STATUSES
    ).values_list("user_id", flat=True)
    admins = await User.filter(is_admin=True).values_list("id", flat=True)
    return {int(str(u)) for u in (*members, *admins)}


async def can_see_thread(actor: User | None, thread: Thread, community: Community) -> bool:
    return await can_see_thread_in(
        actor,
        status=thread.status,
        author_id=thread.author_id,  # type: ignore[attr-defined]
        community_id=community.id,
        visibility=community.visibility,
        merged_into_id=thread.merged_into_id,
    )


async def require_see_thread(actor: User | None, thread: Thread, community: Community) -> None:
    if not await can_see_thread(actor, thread, community):
        raise NotFound("No such thread.")


async def can_see_post_body(actor: User | None, post: Post, community: Community) -> bool:
    """Readers of the thread see published posts; pending and hidden ones only their author and
    moderators; deleted ones show as removed (moderators still see the body)."""
    return sees_post_body(
        await reader(actor),
        status=post.status,
        author_id=post.author_id,  # type: ignore[attr-defined]
        community_id=community.id,
    )


async def require_see_post(actor: User | None, post: Post) -> None:
    """A post (with its thread and community loaded) the actor may open: NotFound otherwise."""
    thread = post.thread
    await require_see_thread(actor, thread, thread.community)
    allow_see_post(await reader(actor), thread_facts(thread), post_facts(post))


async def require_see_post_body(actor: User | None, post: Post) -> None:
    thread = post.thread
    allow_see_post_body(await reader(actor), thread_facts(thread), post_facts(post))


async def require_post_in(actor: User | None, community: Community) -> User:
    user = require_active(actor, "post")
    who = await reader(user)
    allow_read_community(who, community.id, community.visibility)
    await require_active_in(user, community, "post")
    allow_post_in(who, community.id, community.visibility)
    return user


async def require_reply(actor: User | None, thread: Thread, community: Community) -> User:
    await require_see_thread(actor, thread, community)
    user = await require_post_in(actor, community)
    allow_reply(await reader(user), thread_facts(thread, community))
    return user


async def require_edit_post(
    actor: User | None, post: Post, thread: Thread, community: Community
) -> User:
    await require_see_thread(actor, thread, community)
    user = require_signed_in(actor, "edit posts")
    who, facts = await reader(user), post_facts(post)
    _raise(_editable(who, facts))
    await require_active_in(user, community, "edit posts")  # suspended: no edits nor deletes
    _raise(_edit_right(who, thread_facts(thread, community), facts, moderates(who, community.id)))
    return user


async def require_react(actor: User | None, post: Post) -> User:
    user = require_active(actor, "react")
    thread = post.thread
    await require_see_thread(user, thread, thread.community)
    await require_active_in(user, thread.community, "react")
    allow_react(await reader(user), thread_facts(thread), post_facts(post))
    return user


async def require_flag_post(actor: User | None, post: Post) -> User:
    user = require_active(actor, "flag posts")
    thread = post.thread
    await require_see_thread(user, thread, thread.community)
    await require_active_in(user, thread.community, "flag posts")
    allow_flag_post(await reader(user), thread_facts(thread), post_facts(post))
    return user


async def require_edit_tags(actor: User | None, thread: Thread) -> User:
    user = await require_active_in(actor, thread.community, "edit tags")
    allow_edit_tags(await reader(user), thread_facts(thread))
    return user


async def require_accept_answer(actor: User | None, thread: Thread) -> User:
    user = await require_active_in(actor, thread.community, "accept an answer")
    allow_accept_answer(await reader(user), thread_facts(thread))
    return user


async def require_merge(actor: User | None, source: Thread, target: Thread) -> None:
    await require_moderate(actor, source.community)
    await require_moderate(actor, target.community)
    if source.id == target.id:
        raise Invalid("A thread cannot be merged into itself.", fields={"into": "is this thread"})
    allow_merge(thread_facts(source), thread_facts(target))


async def require_member_status(
    actor: User | None, community: Community, *, target_id: int, old: str | None, new: str
) -> User:
    await require_moderate(actor, community)
    assert actor is not None
    allow_member_status(await reader(actor), community.id, target_id=target_id, old=old, new=new)
    return actor


async def require_member_list(
    actor: User | None, community: Community, wanted: str | None
) -> list[str]:
    await require_read(actor, community)
    return member_statuses_listed(await reader(actor), community.id, wanted)


async def require_see_invites(actor: User | None, community: Community) -> User:
    """Listing a community's invitations: its moderators."""
    await require_read(actor, community)
    allow_manage_invites(await reader(actor), community.id, community.visibility)
    return require_signed_in(actor, "invite people")


async def require_manage_invites(actor: User | None, community: Community) -> User:
    """Making and revoking them: its moderators, while not suspended."""
    return require_active(await require_see_invites(actor, community), "invite people")


async def require_use_invite(
    actor: User | None, community: Community, invite: InviteFacts, *, removed: bool
) -> User:
    """Accepting an open invitation: signed in, not suspended (site-wide or from the community),
    and, for a shared link, not removed by the moderators."""
    allow_use_invite(await reader(actor), invite, datetime.now(UTC), removed=removed)
    user = require_active(actor, "join communities")
    await require_active_in(user, community, "join this community")
    return user


async def require_edit_profile(actor: User, person: User) -> None:
    allow_edit_profile(await reader(actor), person.id)


# Suspensions from one community: its moderators bar a member from writing there (posting,
# replying, editing, deleting, reacting, flagging) until a date. Reading is unaffected.


async def community_suspensions(actor: User | None) -> dict[int, CommunitySuspension]:
    """community id -> the actor's current suspension there, loaded once per actor object."""
    if actor is None:
        return {}
    cached: dict[int, CommunitySuspension] | None = getattr(actor, "_chaupal_suspensions", None)
    if cached is None:
        rows = await CommunitySuspension.filter(user_id=actor.id, until__gt=datetime.now(UTC))
        cached = {int(row.community_id): row for row in rows}  # type: ignore[attr-defined]
        actor._chaupal_suspensions = cached
    return cached


def forget_suspensions(user: User | None) -> None:
    """Called by services that suspend someone or lift a suspension."""
    if user is not None and hasattr(user, "_chaupal_suspensions"):
        del user._chaupal_suspensions


async def suspension_in(actor: User | None, community_id: int) -> CommunitySuspension | None:
    found = (await community_suspensions(actor)).get(community_id)
    return found if found is not None and found.until > datetime.now(UTC) else None


async def suspended_in(actor: User | None, community_id: int) -> bool:
    return await suspension_in(actor, community_id) is not None


class NamedCommunity(Protocol):
    """A community row or a read path's view of one."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


async def suspension_notice(actor: User | None, community: NamedCommunity) -> str | None:
    """Why the actor may not write in this community for now (a suspension there or site-wide),
    or None: what its pages show them (and their capabilities there say: `suspended=`)."""
    site = site_suspension_notice(actor)
    if site is not None:
        return site
    found = await suspension_in(actor, community.id)
    if found is None:
        return None
    return _suspension_text(
        f"You are suspended from posting in {community.name}", found.until, found.reason
    )


async def require_active_in(
    actor: User | None, community: NamedCommunity, doing: str = "do that"
) -> User:
    """require_active, and not suspended from this community. Callers have checked that the
    actor may read the community (the refusal names it)."""
    user = require_active(actor, doing)
    notice = await suspension_notice(user, community)
    if notice is not None:
        raise PermissionDenied(notice, code="suspended")
    return user


SITE_WIDE_FOR_ADMINS = Refusal(
    Invalid,
    "Name the community you moderate to suspend someone from it; only site administrators "
    "suspend people everywhere.",
    "community_required",
    (("community", "is required: a community you moderate"),),
)
ONLY_MODERATORS_SUSPEND = Refusal(
    PermissionDenied, "Only moderators and administrators may suspend people."
)
SUSPEND_FROM_YOURS = Refusal(
    PermissionDenied, "You can suspend people only from communities you moderate."
)
ADMINS_SUSPEND_MODERATORS = Refusal(
    PermissionDenied, "Only site administrators may suspend a community's moderators."
)
MEMBERS_ONLY = Refusal(
    PermissionDenied, "You can suspend only members of communities you moderate."
)


def _suspend(
    who: Reader, target_id: int, target_is_admin: bool, community_id: int | None, theirs: str | None
) -> Refusal | None:
    """The one rule on who may suspend whom. Site-wide: administrators only. From a community:
    its moderators may suspend its plain members (not its moderators, nor anyone elsewhere);
    administrators anyone. Nobody suspends an administrator or themselves. (`theirs`: the
    target's membership status in that community.)"""
    refusal = _suspendable(who, target_id, target_is_admin)
    if refusal is not None:
        return refusal
    if administers(who):
        return None
    if community_id is None:
        return SITE_WIDE_FOR_ADMINS if moderates_somewhere(who) else ONLY_MODERATORS_SUSPEND
    if not moderates(who, community_id):
        return SUSPEND_FROM_YOURS
    if theirs == MODERATOR:
        return ADMINS_SUSPEND_MODERATORS
    return None if counts_as_member(theirs) else MEMBERS_ONLY


async def _suspend_refusal(
    actor: User, target: User, community: Community | None
) -> Refusal | None:
    theirs = await status_of(target, community.id) if community is not None else None
    return _suspend(
        await reader(actor),
        target.id,
        target.is_admin,
        community.id if community is not None else None,
        theirs,
    )


async def can_suspend(actor: User | None, target: User, community: Community | None) -> bool:
    return actor is not None and await _suspend_refusal(actor, target, community) is None


async def require_suspend(actor: User | None, target: User, community: Community | None) -> User:
    user = require_signed_in(actor, "suspend people")
    _raise(await _suspend_refusal(user, target, community))
    return user


def lifts_suspension(who: Reader, community_id: int | None) -> bool:
    """Administrators lift any suspension; a community's moderators those from it."""
    return administers(who) if community_id is None else moderates(who, community_id)


async def require_lift_suspension(actor: User | None, community: Community | None) -> User:
    if community is None:
        return require_admin(actor)
    await require_moderate(actor, community)
    return require_signed_in(actor)


async def can_lift_suspension(actor: User | None, community: Community | None) -> bool:
    return actor is not None and lifts_suspension(
        await reader(actor), community.id if community is not None else None
    )


async def moderated_community_ids(actor: User | None) -> list[int] | None:
    """Communities the actor moderates; None means all of them (administrators)."""
    return moderated_by(await reader(actor))


async def may_see_suspension(actor: User | None, person: User, community_id: int) -> bool:
    """A community suspension is shown to the person and to that community's moderators."""
    if actor is None:
        return False
    who = await reader(actor)
    return is_self(who, person.id) or moderates(who, community_id)


async def require_moderator_somewhere(actor: User | None, doing: str = "moderate") -> User:
    user = require_signed_in(actor, doing)
    if not moderates_somewhere(await reader(user)):
        raise PermissionDenied("Only moderators can see the review queue.")
    return user


async def communities_of(actor: User | None) -> list[int]:
    """Ids of the communities the actor belongs to (as a member or moderator)."""
    return member_community_ids(await reader(actor))


# Events (meetups, innovation marathons, webinars)
#
# An event is seen by whoever reads its community, cancelled or not. Its managers (the
# community's moderators, and its organiser while they may still organise there) edit and cancel
# it, see the waitlist and attendance, export the list and post marathon challenges. Members
# answer (RSVP) and form or join teams. The online link and who is going are for those going
# (while still members) and the managers.

GOING = "going"  # the RSVP answer that holds a place


@dataclass(frozen=True, slots=True)
class EventFacts:
    community_id: int
    visibility: str  # of its community
    organiser_id: int
    members_organise: bool  # the community lets its members organise events


NO_EVENT = Refusal(NotFound, "No such event.")
NOT_AN_ORGANISER = Refusal(
    PermissionDenied,
    "Only this community's moderators (or its members, where the community allows it) "
    "organise events here.",
    "not_an_organiser",
)
NOT_THE_ORGANISER = Refusal(
    PermissionDenied, "Only the event's organiser or a moderator can do that."
)
JOIN_TO_ANSWER = Refusal(
    PermissionDenied, "Join this community to answer its events.", "not_a_member"
)
TEAM_MEMBERS_ONLY = Refusal(PermissionDenied, "Only the team's members post its result.")
GOING_ONLY = Refusal(PermissionDenied, "Only those going and the organisers see who is going.")
EXPORT_FOR_ORGANISERS = Refusal(
    PermissionDenied, "Only the event's organiser or a moderator can export the list."
)


def attending(answer: str | None) -> bool:
    """Whether an RSVP answer holds a place."""
    return answer == GOING


def _organise(
    who: Reader, community_id: int, visibility: str, *, members_organise: bool
) -> Refusal | None:
    if not reads_community(who, community_id, visibility):
        return NO_COMMUNITY
    if not signed_in(who):
        return _sign_in("organise events")
    if moderates(who, community_id):
        return None
    if members_organise and counts_as_member(who.status(community_id)):
        return None
    return NOT_AN_ORGANISER


def allow_organise(
    who: Reader, community_id: int, visibility: str, *, members_organise: bool
) -> None:
    _raise(_organise(who, community_id, visibility, members_organise=members_organise))


def can_organise(
    who: Reader, community_id: int, visibility: str, *, members_organise: bool
) -> bool:
    """Creating events: the community's moderators, and its members where it lets them."""
    return _organise(who, community_id, visibility, members_organise=members_organise) is None


def _manage_event(who: Reader, event: EventFacts) -> Refusal | None:
    if not reads_community(who, event.community_id, event.visibility):
        return NO_EVENT
    if not signed_in(who):
        return _sign_in("manage events")
    if moderates(who, event.community_id):
        return None
    organiser = is_self(who, event.organiser_id)
    if organiser and can_organise(
        who, event.community_id, event.visibility, members_organise=event.members_organise
    ):
        return None
    return NOT_THE_ORGANISER


def allow_manage_event(who: Reader, event: EventFacts) -> None:
    _raise(_manage_event(who, event))


def can_manage_event(who: Reader, event: EventFacts) -> bool:
    return _manage_event(who, event) is None


def _answer_event(who: Reader, community_id: int, visibility: str) -> Refusal | None:
    if not reads_community(who, community_id, visibility):
        return NO_EVENT
    if not signed_in(who):
        return _sign_in("answer events")
    if administers(who) or counts_as_member(who.status(community_id)):
        return None
    return JOIN_TO_ANSWER


def allow_answer_event(who: Reader, community_id: int, visibility: str) -> None:
    _raise(_answer_event(who, community_id, visibility))


def can_answer_event(who: Reader, community_id: int, visibility: str) -> bool:
    """Answering (RSVP), forming and joining marathon teams: members, as for posting."""
    return _answer_event(who, community_id, visibility) is None


@dataclass(frozen=True, slots=True)
class EventCaps:
    """What one reader may do and see of one event; pages, the API and calendar files read it."""

    can_manage: bool = False  # edit, cancel, the waitlist and attendance, export, challenges
    can_answer: bool = False  # RSVP, form or join a team
    sees_link: bool = False  # the online link
    sees_attendees: bool = False  # who is going
    can_organise: bool = False  # create more events in this community


def event_caps(who: Reader, event: EventFacts, *, answer: str | None) -> EventCaps:
    manage = can_manage_event(who, event)
    member = can_answer_event(who, event.community_id, event.visibility)
    going = attending(answer) and member  # someone removed since keeps no privileges
    return EventCaps(
        can_manage=manage,
        can_answer=member,
        sees_link=manage or going,
        sees_attendees=manage or going,
        can_organise=can_organise(
            who, event.community_id, event.visibility, members_organise=event.members_organise
        ),
    )


def allow_attendee_list(caps: EventCaps) -> None:
    if not caps.sees_attendees:
        _raise(GOING_ONLY)


def allow_attendee_export(caps: EventCaps) -> None:
    if not caps.can_manage:
        _raise(EXPORT_FOR_ORGANISERS)


async def require_see_event(
    actor: User | None, community: Community, *, what: str = "event"
) -> None:
    if not reads_community(await reader(actor), community.id, community.visibility):
        raise NotFound(f"No such {what}.")


async def require_organise(
    actor: User | None, community: Community, *, members_organise: bool
) -> User:
    await require_read(actor, community)
    user = await require_active_in(actor, community, "organise events")
    allow_organise(
        await reader(user), community.id, community.visibility, members_organise=members_organise
    )
    return user


async def require_manage_event(
    actor: User | None, community: Community, *, organiser_id: int, members_organise: bool
) -> User:
    facts = EventFacts(community.id, community.visibility, organiser_id, members_organise)
    allow_manage_event(await reader(actor), facts)
    assert actor is not None  # allowed: signed in
    return actor


async def require_answer_event(actor: User | None, community: Community) -> User:
    await require_see_event(actor, community)
    user = await require_active_in(actor, community, "answer events")
    allow_answer_event(await reader(user), community.id, community.visibility)
    return user


async def require_post_team_result(
    actor: User | None, community: Community, *, on_team: bool, manager: bool
) -> User:
    """A team's result is posted by its members or the event's managers."""
    await require_see_event(actor, community)
    user = await require_active_in(actor, community, "post a result")
    if manager:
        return user
    if not (on_team and can_answer_event(await reader(user), community.id, community.visibility)):
        _raise(TEAM_MEMBERS_ONLY)
    return user


async def readers_of(user_ids: list[int], community: Community) -> list[int]:
    """Of these people, those who may read the community now (who may be told about its
    events: reminders, changes, promotions)."""
    allowed = await reader_ids(community)
    return list(user_ids) if allowed is None else [u for u in user_ids if u in allowed]


async def thread_readers_among(
    user_ids: Iterable[int], thread: Thread, community: Community
) -> list[int]:
    """Of these people, those who may read the thread now (who may be told about a post in it,
    e.g. an @mention): readers of its community, and of a thread not every reader sees (held or
    hidden), only those the thread page would let in (its author, moderators)."""
    wanted = await readers_of(sorted(set(user_ids)), community)
    if not wanted or thread.status in THREAD_SEEN.everyone:
        return wanted
    people = await User.filter(id__in=wanted)
    return [person.id for person in people if await can_see_thread(person, thread, community)]


# Courses and learning points


def links_courses(who: Reader, *, author_id: int, community_id: int) -> bool:
    """Courses are linked to a thread (and unlinked) by its author and its community's
    moderators."""
    if who.user_id is None:
        return False
    return who.user_id == author_id or moderates(who, community_id)


async def can_link_courses(actor: User | None, thread: Thread, community: Community) -> bool:
    return links_courses(
        await reader(actor),
        author_id=thread.author_id,  # type: ignore[attr-defined]
        community_id=community.id,
    )


async def require_link_courses(actor: User | None, thread: Thread, community: Community) -> User:
    await require_see_thread(actor, thread, community)
    user = require_active(actor, "link courses")
    if not await can_link_courses(user, thread, community):
        raise PermissionDenied("Only the thread's author or a moderator can link courses to it.")
    return user


def require_manage_catalogue(actor: User | None) -> User:
    """Adding, importing and changing the course catalogue: site administrators."""
    return require_admin(actor)


def require_adjust_points(actor: User | None) -> User:
    """Adjusting someone's learning points and setting the yearly target: site administrators."""
    return require_admin(actor)


def earns_points(recipient_id: int, *, granted_by: int | None, asker_id: int | None = None) -> bool:
    """Learning points come from others: nobody earns them by acknowledging themselves, nor for
    answering their own question."""
    return recipient_id != granted_by and recipient_id != asker_id


@dataclass(frozen=True, slots=True)
class Discussion:
    """What earned a points entry, as it is now: its thread and, for an answer or a reaction,
    the post."""

    thread: ThreadFacts
    post: PostFacts | None = None


def reads_discussion(who: Reader, discussion: Discussion) -> bool:
    """The reader may read the thread and, when a post is named, that post's body."""
    thread = discussion.thread
    if not sees_thread(
        who,
        status=thread.status,
        author_id=thread.author_id,
        community_id=thread.community_id,
        visibility=thread.visibility,
    ):
        return False
    post = discussion.post
    return post is None or sees_post_body(
        who, status=post.status, author_id=post.author_id, community_id=thread.community_id
    )


def sees_points_entry(who: Reader, *, owner_id: int, discussion: Discussion | None) -> bool:
    """A person and administrators see every entry of the person's ledger. Others see an entry
    only if they may read what earned it (so a private discussion never shows in a profile's
    history, total or a leaderboard); entries earned outside discussions (adjustments) are the
    person's own business."""
    if who.is_admin or (who.user_id is not None and who.user_id == owner_id):
        return True
    return discussion is not None and reads_discussion(who, discussion)


def threads_listed_anywhere_q(who: Reader, prefix: str = "") -> Q:
    """The ORM filter of threads a reader sees in lists that span communities (a course's
    discussions and their counts): a community's thread list (THREAD_LISTED) in every community
    they read. `prefix` is the relation leading to the thread ("thread__") when filtering
    another table."""
    fields = {"status": f"{prefix}status", "author": f"{prefix}author_id"}
    shown = THREAD_LISTED.q(who, moderator=False, **fields)
    moderated = moderated_by(who)
    if moderated is None or moderated:
        held = THREAD_LISTED.q(who, moderator=True, **fields)
        if moderated is not None:
            held &= _q({f"{prefix}community_id__in": moderated})
        shown |= held
    return shown & readable_communities_q(
        who, id_field=f"{prefix}community_id", prefix=f"{prefix}community__"
    )
