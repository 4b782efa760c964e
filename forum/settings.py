"""Settings, read once from the environment (prefix CHAUPAL_) and passed around as a value."""

from __future__ import annotations

import ipaddress
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

TRUE_WORDS = {"1", "true", "yes", "on"}


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in TRUE_WORDS


def private_dir(path: Path) -> None:
    """Creates the directory readable by its owner only (it holds the database, the search
    index and the secret key). One that exists is left as its owner made it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _secret_key(data_dir: Path) -> str:
    """The key kept in the data dir, made on first run so sessions survive restarts. Workers
    starting together agree on one: it is written whole to a file of its own, then linked
    into place, which only the first to get there does; the others read that one."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    private_dir(data_dir)
    key = secrets.token_urlsafe(48)
    fd, written = tempfile.mkstemp(dir=data_dir, prefix=".secret_key.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key)
        try:
            os.link(written, path)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
    finally:
        os.unlink(written)
    return key


def networks(value: str, name: str = "CHAUPAL_FORWARDED_ALLOW_IPS") -> tuple[Network, ...]:
    """A comma list of addresses (10.0.0.5) or networks (10.0.0.0/24, fd00::/8)."""
    found = []
    for entry in value.split(","):
        if entry.strip():
            try:
                found.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"{name}: {entry.strip()!r} is not an address or network"
                ) from None
    return tuple(found)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    redis_url: str | None = None
    login_required: bool = False
    site_name: str = "Chaupal"
    # Public origin(s) accepted for state-changing requests besides the request's own host.
    allowed_origins: tuple[str, ...] = ()
    # Reverse proxies whose X-Forwarded-For / Forwarded headers name the client (none: the
    # peer is the client, whatever headers it sends).
    forwarded_allow_ips: tuple[Network, ...] = ()
    secure_cookies: bool = False
    session_days: int = 30
    max_body_bytes: int = 256 * 1024
    posts_per_page: int = 20
    threads_per_page: int = 25
    migrate_on_start: bool = True
    smtp_url: str | None = None
    mail_from: str = "Chaupal <chaupal@localhost>"
    site_url: str = "http://127.0.0.1:8000"
    digest_every: float = 3600.0
    # How often each worker looks for due event reminders (seconds); 0 turns the scheduler off.
    reminder_every: float = 60.0
    rate_limits_enabled: bool = True
    # Overrides of moderation/limits.py defaults: CHAUPAL_RATE_<ACTION>_<USER|IP> -> "10/minute".
    rate_limits: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        data_dir = Path(env.get("CHAUPAL_DATA_DIR") or "./data").resolve()
        private_dir(data_dir)
        database_url = env.get("CHAUPAL_DATABASE_URL") or f"sqlite://{data_dir / 'chaupal.sqlite3'}"
        secret_key = env.get("CHAUPAL_SECRET_KEY") or _secret_key(data_dir)
        origins = tuple(
            o.strip().rstrip("/")
            for o in env.get("CHAUPAL_ALLOWED_ORIGINS", "").split(",")
            if o.strip()
        )
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            secret_key=secret_key,
            redis_url=env.get("CHAUPAL_REDIS_URL") or None,
            login_required=_flag(env, "CHAUPAL_LOGIN_REQUIRED", False),
            site_name=env.get("CHAUPAL_SITE_NAME") or "Chaupal",
            allowed_origins=origins,
            forwarded_allow_ips=networks(env.get("CHAUPAL_FORWARDED_ALLOW_IPS", "")),
            secure_cookies=_flag(env, "CHAUPAL_SECURE_COOKIES", False),
            migrate_on_start=_flag(env, "CHAUPAL_MIGRATE_ON_START", True),
            rate_limits_enabled=_flag(env, "CHAUPAL_RATE_LIMITS", True),
            smtp_url=env.get("CHAUPAL_SMTP_URL") or None,
            mail_from=env.get("CHAUPAL_MAIL_FROM") or "Chaupal <chaupal@localhost>",
            site_url=(env.get("CHAUPAL_SITE_URL") or "http://127.0.0.1:8000").rstrip("/"),
            digest_every=float(env.get("CHAUPAL_DIGEST_EVERY") or 3600),
            reminder_every=float(env.get("CHAUPAL_REMINDER_EVERY") or 60),
            rate_limits={
                k: v
                for k, v in env.items()
                if k.startswith("CHAUPAL_RATE_") and k != "CHAUPAL_RATE_LIMITS"
            },
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def course_index_dir(self) -> Path:
        return self.data_dir / "courses"
