"""Database set-up: Tortoise configuration, migrations, and the open/close used by the lifespan."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.migrations.api import migrate as migrate_api

APP = "forum"


def normalise_url(url: str) -> str:
    """SQLite gets WAL and a busy timeout; postgresql:// is accepted as postgres://."""
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and ":memory:" not in url:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.setdefault("journal_mode", "WAL")
        query.setdefault("journal_size_limit", "67108864")
        query.setdefault("busy_timeout", "10000")
        url = urlunsplit(parts._replace(query=urlencode(query)))
    return url


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": normalise_url(database_url)},
        "apps": {
            APP: {
                "models": ["forum.models"],
                "migrations": "forum.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Used only by the `tortoise makemigrations` command line (see pyproject.toml).
MIGRATIONS_CONFIG = tortoise_config("sqlite://:memory:")


def sqlite_path(database_url: str) -> Path | None:
    """The file of a sqlite:// URL (None for PostgreSQL or an in-memory database)."""
    if not database_url.startswith("sqlite://") or ":memory:" in database_url:
        return None
    return Path(database_url[len("sqlite://") :].partition("?")[0])


def create_private_file(path: Path) -> None:
    """Creates an empty SQLite database readable and writable by its owner only, in a directory
    only its owner can enter if the directory is new. SQLite gives the -wal and -shm files it
    creates beside it the database file's permissions."""
    if path.exists():
        return
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # another process made it first
        pass


async def open_database(database_url: str, *, migrate: bool) -> None:
    config = tortoise_config(database_url)
    path = sqlite_path(database_url)
    if path is not None:
        create_private_file(path)
    if migrate:
        try:
            await migrate_api(config=config)
        finally:
            # Also on failure: an open SQLite connection's thread would keep the process alive.
            await Tortoise.close_connections()
    await Tortoise.init(config=config, _enable_global_fallback=True)


async def close_database() -> None:
    from forum import reads  # the fast reads' own SQLite connection goes with the others

    reads.close_reader()
    await Tortoise.close_connections()


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgres://", "postgresql://"))
