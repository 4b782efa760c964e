"""The forum's tables. Services in forum/ own every write to them."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=30, unique=True)
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=60)
    role = fields.CharField(max_length=80, default="")
    sector = fields.CharField(max_length=80, default="")
    bio = fields.TextField(default="")
    is_admin = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"


# A signed-in browser. The cookie holds a random token; only its SHA-256 is stored.
class Session(Model):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name="sessions", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "sessions"


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name="tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=60, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"


class Community(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=40, unique=True)
    name = fields.CharField(max_length=80)
    description = fields.TextField(default="")
    kind = fields.CharField(max_length=10)
    visibility = fields.CharField(max_length=10, default="public")
    member_count = fields.IntField(default=0)
    thread_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "communities"


# status: pending (asked to join a private community), member or moderator.
class Membership(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name="memberships", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name="memberships", on_delete=fields.CASCADE
    )
    status = fields.CharField(max_length=10)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "memberships"
        unique_together = (("community", "user"),)


# status: published, pending (held for review), hidden or deleted.
class Thread(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name="threads", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name="threads", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=150)
    tags: fields.Field[list[str]] = fields.JSONField(default=list)
    status = fields.CharField(max_length=10, default="published", db_index=True)
    pinned = fields.BooleanField(default=False)
    locked = fields.BooleanField(default=False)
    post_count = fields.IntField(default=0)  # published posts, the first one included
    last_number = fields.IntField(default=0)  # the number given to the newest post
    participant_count = fields.IntField(default=0)
    last_poster: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=None, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_activity_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "threads"
        indexes = (("community_id", "status", "last_activity_at"),)


# One row per tag of a thread, so lists can be filtered by tag in SQL.
class ThreadTag(Model):
    id = fields.IntField(primary_key=True)
    thread: fields.ForeignKeyRelation[Thread] = fields.ForeignKeyField(
        "forum.Thread", related_name="tag_rows", on_delete=fields.CASCADE
    )
    tag = fields.CharField(max_length=30, db_index=True)

    class Meta:
        table = "thread_tags"
        unique_together = (("thread", "tag"),)


# status: published, pending (held for review), hidden or deleted (kept, shown as removed).
class Post(Model):
    id = fields.IntField(primary_key=True)
    thread: fields.ForeignKeyRelation[Thread] = fields.ForeignKeyField(
        "forum.Thread", related_name="posts", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name="posts", on_delete=fields.CASCADE
    )
    number = fields.IntField()
    body = fields.TextField()
    body_html = fields.TextField()
    status = fields.CharField(max_length=10, default="published")
    reply_to: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "forum.Post", related_name=None, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "posts"
        unique_together = (("thread", "number"),)


# The body a post had before an edit: the edit history.
class PostRevision(Model):
    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "forum.Post", related_name="revisions", on_delete=fields.CASCADE
    )
    editor: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=None, on_delete=fields.CASCADE
    )
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "post_revisions"


# Index work written in the same transaction as the change; the search writer drains it.
class SearchOutbox(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=10)
    object_id = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "search_outbox"


# Append-only record of moderator and admin actions.
class AuditEntry(Model):
    id = fields.IntField(primary_key=True)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=None, null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=40)
    target = fields.CharField(max_length=80)
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name=None, null=True, on_delete=fields.SET_NULL
    )
    note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_log"
