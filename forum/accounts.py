"""Accounts: registration, sign-in sessions, API tokens and profiles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from forum import live, notifications, permissions, reads, security, validation
from forum.errors import Conflict, Invalid, NotFound
from forum.events import times as event_times
from forum.models import ApiToken, Session, User

USERNAME_RE = re.compile(r"[a-z0-9_]{3,30}")
EMAIL_RE = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
PASSWORD_MIN = 10
PASSWORD_MAX = 200

SUGGESTED_ROLES = (
    "District Collector",
    "Sub-Divisional Magistrate",
    "Forest Officer",
    "Transport Planner",
    "Section Officer",
    "Under Secretary",
    "Deputy Secretary",
    "Medical Officer",
    "Finance Officer",
    "Block Development Officer",
    "Data Analyst",
    "Teacher Educator",
)
SUGGESTED_SECTORS = (
    "Environment",
    "Transport",
    "Health",
    "Finance",
    "Revenue",
    "Education",
    "Agriculture",
    "Rural Development",
    "Urban Development",
    "Digital Governance",
    "Personnel and Training",
)


def _now() -> datetime:
    return datetime.now(UTC)


def _username(value: object) -> str:
    if isinstance(value, str):
        value = value.strip().lower()
    return validation.pattern(
        value, "username", USERNAME_RE, "must be 3-30 lower-case letters, digits or underscores"
    )


def _email(value: object) -> str:
    email = validation.one_line(value, "email", min_len=3, max_len=254, label="Email")
    if not EMAIL_RE.fullmatch(email):
        raise Invalid("Email does not look like an address.", fields={"email": "is not an address"})
    return email.lower()


def _password(value: object, field: str = "password") -> str:
    if not isinstance(value, str) or not (PASSWORD_MIN <= len(value) <= PASSWORD_MAX):
        problem = f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"
        raise Invalid(f"Password {problem}.", fields={field: problem})
    return value


def _profile_fields(display_name: object, role: object, sector: object) -> dict[str, str]:
    return {
        "display_name": validation.one_line(
            display_name, "display_name", max_len=60, label="Display name"
        ),
        "role": validation.one_line(role, "role", max_len=80),
        "sector": validation.one_line(sector, "sector", max_len=80),
    }


async def register(
    username: object,
    email: object,
    password: object,
    display_name: object = None,
    role: object = None,
    sector: object = None,
    *,
    is_admin: bool = False,
) -> User:
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for field, check, raw in (
        ("username", _username, username),
        ("email", _email, email),
        ("password", _password, password),
    ):
        try:
            values[field] = check(raw)
        except Invalid as exc:
            errors.update(exc.fields)
    try:
        profile = _profile_fields(display_name, role, sector)
    except Invalid as exc:
        errors.update(exc.fields)
        profile = {}
    if errors:
        raise Invalid("Some fields need attention.", fields=errors)
    if await User.filter(username=values["username"]).exists():
        raise Conflict(
            "That username is taken.", code="username_taken", fields={"username": "is taken"}
        )
    if await User.filter(email=values["email"]).exists():
        raise Conflict(
            "That email is already registered.",
            code="email_taken",
            fields={"email": "is already registered"},
        )
    password_hash = await security.hash_password(values["password"])
    try:
        return await User.create(
            username=values["username"],
            email=values["email"],
            password_hash=password_hash,
            display_name=profile["display_name"] or values["username"],
            role=profile["role"],
            sector=profile["sector"],
            is_admin=is_admin,
        )
    except IntegrityError:
        raise Conflict("That username or email is taken.", code="username_taken") from None


async def authenticate(username: object, password: object) -> User | None:
    if (
        not isinstance(username, str)
        or not isinstance(password, str)
        or len(password) > PASSWORD_MAX
    ):
        return None
    user = await _by_username(username)
    ok = await security.verify_password(user.password_hash if user else None, password)
    return user if ok else None


async def _by_username(username: str) -> User | None:
    """Only a name that could have been registered is looked up (nothing else reaches SQL)."""
    name = username.strip().lower()
    return await User.get_or_none(username=name) if USERNAME_RE.fullmatch(name) else None


async def start_session(user: User, days: int) -> str:
    token = security.new_token()
    await Session.create(
        token_hash=security.token_digest(token), user=user, expires_at=_now() + timedelta(days=days)
    )
    return token


async def user_for_session(token: str) -> User | None:
    """The person a session cookie signs in (None when it is unknown or has expired), with
    their unread notification count (`notifications.unread_count` reads it)."""
    if not token or len(token) > 100:
        return None
    digest = security.token_digest(token)
    found = await reads.session_user(digest)
    if found is None:
        return None
    if found.expires_at is not None and found.expires_at <= _now():
        await Session.filter(token_hash=digest).delete()
        return None
    notifications.remember_unread(found.user, found.unread)
    found.user._chaupal_site_version = found.site_version
    return found.user


def site_version_read_with(user: User) -> int | None:
    """The site_state version read in the same query as this person's session (None if it
    was not: forum/reads.py `site_version` reads it)."""
    version: int | None = getattr(user, "_chaupal_site_version", None)
    return version


async def signed_out(user_id: int) -> None:
    """Live connections of this person check that what they signed in with still holds."""
    await live.emit(f"user:{user_id}", "account.changed")


async def end_session(token: str) -> None:
    digest = security.token_digest(token)
    async with in_transaction():
        for user_id in await Session.filter(token_hash=digest).values_list("user_id", flat=True):
            await signed_out(int(str(user_id)))
        await Session.filter(token_hash=digest).delete()


async def create_token(user: User, name: object = "") -> tuple[str, ApiToken]:
    label = validation.one_line(name, "name", max_len=60) or "API token"
    token = security.new_token()
    row = await ApiToken.create(token_hash=security.token_digest(token), user=user, name=label)
    return token, row


async def user_for_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    found = await reads.token_user(security.token_digest(token))
    if found is None:
        return None
    now = _now()
    if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=5):
        await ApiToken.filter(id=found.token_id).update(last_used_at=now)
    return found.user


async def revoke_token(token: str) -> bool:
    digest = security.token_digest(token)
    async with in_transaction():
        for user_id in await ApiToken.filter(token_hash=digest).values_list("user_id", flat=True):
            await signed_out(int(str(user_id)))
        return await ApiToken.filter(token_hash=digest).delete() > 0


async def list_tokens(user: User) -> list[ApiToken]:
    return await ApiToken.filter(user_id=user.id).order_by("-created_at")


async def revoke_token_by_id(user: User, token_id: int) -> None:
    async with in_transaction():
        if not await ApiToken.filter(id=token_id, user_id=user.id).delete():
            raise NotFound("No such token.")
        await signed_out(user.id)


async def update_profile(
    actor: User, user: User, *, display_name: object, role: object, sector: object, bio: object = ""
) -> User:
    await permissions.require_edit_profile(actor, user)
    fields = _profile_fields(display_name, role, sector)
    fields["display_name"] = fields["display_name"] or user.username
    fields["bio"] = validation.text(bio, "bio", max_len=1000)
    user.update_from_dict(fields)
    await user.save(update_fields=list(fields))
    return user


async def change_password(user: User, current: object, new: object) -> None:
    """Changes the password and signs out every session and token of the user."""
    if not isinstance(current, str) or not await security.verify_password(
        user.password_hash, current
    ):
        raise Invalid("The current password is wrong.", fields={"current_password": "is wrong"})
    password_hash = await security.hash_password(_password(new, "new_password"))
    async with in_transaction():
        await User.filter(id=user.id).update(password_hash=password_hash)
        await Session.filter(user_id=user.id).delete()
        await ApiToken.filter(user_id=user.id).delete()
        await signed_out(user.id)
    user.password_hash = password_hash


async def set_email_digest(user: User, on: bool) -> bool:
    """Opts in to (or out of) emailed digests of unread notifications."""
    if user.email_digest == on:
        return False
    user.email_digest = on
    await user.save(update_fields=["email_digest"])
    return True


async def suspend(user: User, until: datetime | None, reason: str) -> None:
    """Sets (or with until=None lifts) a suspension. Moderation decides who and why."""
    user.suspended_until, user.suspension_reason = until, reason[:1000] if until else ""
    await user.save(update_fields=["suspended_until", "suspension_reason"])
    await live.emit(f"user:{user.id}", "account.changed")


async def get_by_username(username: str) -> User:
    user = await _by_username(username)
    if user is None:
        raise NotFound("No such user.")
    return user


async def create_admin(username: str, email: str, password: str) -> User:
    """Creates the admin, or makes an existing user an admin with this password."""
    existing = await User.get_or_none(username=username.strip().lower())
    if existing is not None:
        existing.is_admin = True
        existing.password_hash = await security.hash_password(_password(password))
        await existing.save(update_fields=["is_admin", "password_hash"])
        return existing
    return await register(username, email, password, is_admin=True)


async def set_timezone(user: User, zone: object) -> str:
    """The zone event times are shown to this person in (an IANA name, e.g. Asia/Kolkata)."""
    name = event_times.zone_name(zone)
    await User.filter(id=user.id).update(timezone=name)
    user.timezone = name
    return name
