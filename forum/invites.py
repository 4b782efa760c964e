"""Invitations into a community: links its moderators share, and invitations for one person (by
username, or by email for someone who may not have an account yet). Who may make, see, use and
answer them is decided in forum/permissions.py; moderation/actions.py records their making and
revoking in the audit log."""

from __future__ import annotations

import asyncio
import re
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from forum import accounts, communities, digests, notifications, permissions, security, validation
from forum.errors import Conflict, DomainError, Invalid, NotFound
from forum.models import Community, CommunityInvite, User

DAYS_MAX = 365
USES_MAX = 10_000
PERSON_DAYS = 30  # a personal invitation stays open this long
OPEN_MAX = 500  # open invitations per community
LISTED = 100  # the newest invitations a community's moderators see
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,100}")
STATE_LABELS = {
    "open": "Open",
    "expired": "Expired",
    "used_up": "Used up",
    "revoked": "Revoked",
    "accepted": "Accepted",
    "declined": "Declined",
}


@dataclass(frozen=True)
class Mail:
    """How invitation emails go out: the site's SMTP server (CHAUPAL_SMTP_URL; None: the site
    sends no email) and the public address links start with."""

    smtp_url: str | None
    sender: str
    site_url: str


class MailFailed(DomainError):
    status = 503
    code = "mail_failed"


def link_path(community: Community, token: str) -> str:
    return f"/c/{community.slug}/invite/{token}"


def _now() -> datetime:
    return datetime.now(UTC)


def _optional_number(value: object, field: str, high: int) -> int | None:
    if value is None or value == "":
        return None
    number = validation.object_id(value.strip() if isinstance(value, str) else value)
    if number is None or number > high:
        raise Invalid(
            f"{field} must be a whole number from 1 to {high}.",
            fields={field: f"must be 1 to {high}, or empty"},
        )
    return number


async def _room(community: Community) -> None:
    if (
        await CommunityInvite.filter(community_id=community.id)
        .filter(permissions.open_invites_q(_now()))
        .count()
        >= OPEN_MAX
    ):
        raise Conflict(
            f"This community has {OPEN_MAX} open invitations; revoke some first.",
            code="too_many_invites",
        )


async def _make(
    community: Community,
    actor: User,
    kind: str,
    *,
    days: int | None,
    max_uses: int | None,
    invitee: User | None = None,
    email: str = "",
) -> tuple[CommunityInvite, str]:
    await _room(community)
    token = security.new_token()
    invite = await CommunityInvite.create(
        community=community,
        kind=kind,
        token_hash=security.token_digest(token),
        invitee=invitee,
        email=email,
        created_by=actor,
        expires_at=_now() + timedelta(days=days) if days else None,
        max_uses=max_uses,
    )
    return invite, token


async def create_link(
    actor: User | None,
    community: Community,
    *,
    expires_in_days: object = None,
    max_uses: object = None,
) -> tuple[CommunityInvite, str]:
    """A new invitation link; returns it and its token (shown once: only its hash is kept)."""
    user = await permissions.require_manage_invites(actor, community)
    days = _optional_number(expires_in_days, "expires_in_days", DAYS_MAX)
    uses = _optional_number(max_uses, "max_uses", USES_MAX)
    return await _make(community, user, permissions.LINK_INVITE, days=days, max_uses=uses)


async def _open_for(community: Community, **match: object) -> bool:
    return (
        await CommunityInvite.filter(community_id=community.id, **match)
        .filter(permissions.open_invites_q(_now()))
        .exists()
    )


async def invite_username(
    actor: User | None, community: Community, username: object
) -> CommunityInvite:
    """Invites an account by name: they are notified, with accept and decline."""
    user = await permissions.require_manage_invites(actor, community)
    name = validation.one_line(username, "username", min_len=1, max_len=40).lstrip("@").lower()
    target = await User.get_or_none(username=name[:30])
    if target is None:
        raise NotFound("No such user.", fields={"username": "is not anyone's username"})
    permissions.allow_invite_person(await permissions.reader(user), target.id)
    if await permissions.is_member(target, community):
        raise Conflict(
            f"@{target.username} is already a member.",
            code="already_member",
            fields={"username": "is already a member"},
        )
    if await _open_for(community, invitee_id=target.id, email=""):
        raise Conflict(
            f"@{target.username} has an open invitation already.",
            code="already_invited",
            fields={"username": "is invited already"},
        )
    invite, _ = await _make(
        community, user, permissions.PERSON_INVITE, days=PERSON_DAYS, max_uses=1, invitee=target
    )
    await _tell(target, invite, community, user)
    return invite


async def _tell(target: User, invite: CommunityInvite, community: Community, by: User) -> None:
    await notifications.notify(
        target.id,
        "invite",
        invite_id=invite.id,
        community=community.slug,
        name=community.name,
        by=by.username,
    )


async def invite_email(
    actor: User | None, community: Community, email: object, *, mail: Mail
) -> tuple[CommunityInvite, str]:
    """Invites an email address: a link that works once is emailed to it (send it with
    `send_email` once this is committed). If the address is an account's, that account is also
    notified, with accept and decline; the moderator is told the same either way."""
    user = await permissions.require_manage_invites(actor, community)
    address = validation.one_line(email, "email", min_len=3, max_len=254, label="Email").lower()
    if not accounts.EMAIL_RE.fullmatch(address):
        raise Invalid("Email does not look like an address.", fields={"email": "is not an address"})
    if not mail.smtp_url:
        raise Invalid(
            "This site does not send email: invite by username, or share a link.",
            code="email_unavailable",
            fields={"email": "cannot be sent from this site"},
        )
    if await _open_for(community, email=address):
        raise Conflict(
            "That address has an open invitation already.",
            code="already_invited",
            fields={"email": "is invited already"},
        )
    target = await User.get_or_none(email=address)
    if target is not None and permissions.is_self(await permissions.reader(user), target.id):
        target = None  # their own address: an ordinary email link, nothing more
    invite, token = await _make(
        community,
        user,
        permissions.PERSON_INVITE,
        days=PERSON_DAYS,
        max_uses=1,
        invitee=target,
        email=address,
    )
    if target is not None and not await permissions.is_member(target, community):
        await _tell(target, invite, community, user)
    return invite, token


def compose_email(
    invite: CommunityInvite, token: str, community: Community, by: User, *, mail: Mail
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = invite.email
    message["Subject"] = f"Invitation to join {community.name} on Chaupal"[:150]
    until = invite.expires_at.strftime("%d %b %Y") if invite.expires_at else ""
    message.set_content(
        "Namaste,\n\n"
        f"{by.display_name} (@{by.username}) invites you to join {community.name}, "
        "a community of practice on Chaupal.\n\n"
        f"Open this link to join (sign in, or create an account first):\n"
        f"{mail.site_url}{link_path(community, token)}\n\n"
        f"The link works once{f', until {until}' if until else ''}. "
        "If you did not expect this invitation, you can ignore this email.\n"
    )
    return message


async def send_email(
    invite: CommunityInvite, token: str, community: Community, by: User, *, mail: Mail
) -> None:
    """Sends an email invitation (after it is committed). Raises MailFailed if the SMTP server
    does not take it."""
    assert mail.smtp_url is not None
    message = compose_email(invite, token, community, by, mail=mail)
    try:
        await asyncio.to_thread(digests.deliver, mail.smtp_url, message)
    except (OSError, smtplib.SMTPException):
        raise MailFailed(
            "The invitation email could not be sent; nothing was sent. Try again later."
        ) from None


async def close(invite: CommunityInvite) -> bool:
    """Revokes an invitation that is still open (or expired, or used up); returns whether it
    changed."""
    changed = await CommunityInvite.filter(id=invite.id, status=permissions.INVITE_OPEN).update(
        status="revoked", closed_at=_now()
    )
    if changed:
        invite.status = "revoked"
    return changed > 0


async def get_for_moderator(
    actor: User | None, community: Community, invite_id: int
) -> CommunityInvite:
    await permissions.require_manage_invites(actor, community)
    invite = await CommunityInvite.get_or_none(id=invite_id, community_id=community.id)
    if invite is None:
        raise NotFound("No such invitation.")
    return invite


async def revoke(actor: User | None, community: Community, invite_id: int) -> bool:
    return await close(await get_for_moderator(actor, community, invite_id))


@dataclass(frozen=True)
class Listed:
    invite: CommunityInvite
    state: str  # open, expired, used_up, revoked, accepted or declined
    to: str  # "" for a link; "@name" or the email address typed


def shown_to(invite: CommunityInvite) -> str:
    """Whom a personal invitation was for, as the moderator gave it: an email invitation shows
    the address (never whether it is an account's)."""
    if invite.email:
        return invite.email
    return f"@{invite.invitee.username}" if invite.invitee else ""


async def listing(actor: User | None, community: Community) -> list[Listed]:
    """The community's newest invitations, for its moderators."""
    await permissions.require_see_invites(actor, community)
    rows = (
        await CommunityInvite.filter(community_id=community.id)
        .order_by("-id")
        .limit(LISTED)
        .select_related("created_by", "invitee")
    )
    now = _now()
    return [
        Listed(r, permissions.invite_state(permissions.invite_facts(r), now), shown_to(r))
        for r in rows
    ]


@dataclass(frozen=True)
class Opened:
    """An invitation as its page shows it: only its community's name and address."""

    invite: CommunityInvite
    community: Community
    status: str | None  # the reader's membership there now
    refusal: str | None  # why accepting would be refused (removed, suspended), if it would


async def _by_token(slug: str | None, token: str) -> CommunityInvite:
    gone = permissions.INVITE_GONE.exception()
    if not TOKEN_RE.fullmatch(token):
        raise gone
    invite = await CommunityInvite.get_or_none(token_hash=security.token_digest(token))
    if invite is None:
        raise gone
    await invite.fetch_related("community")
    if slug is not None and invite.community.slug != slug:
        raise gone
    return invite


async def open_link(actor: User | None, slug: str | None, token: str) -> Opened | None:
    """What the invitation's page may show: None when signed out (it asks them to sign in and
    shows nothing of the community); NotFound (`INVITE_GONE`) when it is not open or is someone
    else's."""
    invite = await _by_token(slug, token)
    facts = permissions.invite_facts(invite)
    who = await permissions.reader(actor)
    permissions.allow_see_invite(who, facts, _now())
    if actor is None:
        return None
    community = invite.community
    refusal = None
    try:
        await permissions.require_use_invite(
            actor, community, facts, removed=await communities.was_removed(actor, community)
        )
    except DomainError as exc:
        refusal = exc.message
    return Opened(invite, community, await permissions.status_in(actor, community), refusal)


async def accept_link(actor: User | None, slug: str | None, token: str) -> tuple[Community, str]:
    """Joins by an invitation link (or an emailed invitation); returns the community and the
    membership status."""
    invite = await _by_token(slug, token)
    return invite.community, await _accept(actor, invite)


async def _accept(actor: User | None, invite: CommunityInvite) -> str:
    community = invite.community
    facts = permissions.invite_facts(invite)
    removed = actor is not None and await communities.was_removed(actor, community)
    user = await permissions.require_use_invite(actor, community, facts, removed=removed)
    current = await permissions.status_in(user, community)
    if permissions.counts_as_member(current):
        assert current is not None
        return current  # already in: the invitation stays for someone else
    now = _now()
    personal = not permissions.is_link_invite(facts)
    changes: dict[str, object] = {"uses": F("uses") + 1, "last_used_at": now}
    if personal:
        changes.update(status="accepted", closed_at=now)
    try:
        async with in_transaction():
            took = (
                await CommunityInvite.filter(id=invite.id)
                .filter(permissions.open_invites_q(now))
                .update(**changes)
            )
            if not took:  # used up or revoked a moment ago
                raise permissions.INVITE_GONE.exception()
            return await communities.admit_invited(
                user, community, reinstate=permissions.lifts_removal(facts)
            )
    except IntegrityError:  # the same person joined a moment ago: this use is not taken
        permissions.forget_memberships(user)
        return await permissions.status_in(user, community) or permissions.MEMBER


async def _personal(actor: User | None, invite_id: int) -> CommunityInvite:
    user = permissions.require_signed_in(actor, "answer invitations")
    invite = await CommunityInvite.get_or_none(id=invite_id).select_related("community")
    if invite is None:
        raise NotFound("No such invitation.")
    permissions.allow_answer_invite(
        await permissions.reader(user), permissions.invite_facts(invite)
    )
    return invite


async def accept(actor: User | None, invite_id: int) -> tuple[Community, str]:
    """The invitee accepts a personal invitation (from their notifications)."""
    invite = await _personal(actor, invite_id)
    return invite.community, await _accept(actor, invite)


async def decline(actor: User | None, invite_id: int) -> Community | None:
    """The invitee declines; returns the community (None if the invitation was not open)."""
    invite = await _personal(actor, invite_id)
    if not permissions.invite_open(permissions.invite_facts(invite), _now()):
        raise permissions.INVITE_GONE.exception()
    changed = await CommunityInvite.filter(id=invite.id, status=permissions.INVITE_OPEN).update(
        status="declined", closed_at=_now()
    )
    return invite.community if changed else None


async def mine(actor: User | None) -> list[CommunityInvite]:
    """The open personal invitations for the actor, newest first, with their communities."""
    user = permissions.require_signed_in(actor, "see your invitations")
    return (
        await CommunityInvite.filter(invitee_id=user.id)
        .filter(permissions.open_invites_q(_now()))
        .order_by("-id")
        .limit(LISTED)
        .select_related("community", "created_by")
    )
