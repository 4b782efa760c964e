"""The forum's tables. Services in forum/ own every write to them."""

from __future__ import annotations

from typing import Any

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
    suspended_until = fields.DatetimeField(null=True)
    suspension_reason = fields.TextField(default="", db_default="")
    email_digest = fields.BooleanField(default=False, db_default=False)
    digest_sent_at = fields.DatetimeField(null=True)
    # The IANA zone event times are shown in; empty: the site's default (Asia/Kolkata).
    timezone = fields.CharField(max_length=64, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    # Bumped by database triggers (migration 0008) whenever the person's memberships,
    # community suspensions, bookmarks, reactions or watch settings change: what
    # forum/personal.py caches of them is keyed by it.
    state_version = fields.IntField(default=0, db_default=0)

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
    # Moderation policy; empty values mean "use the site default" (see moderation/policies.py).
    premoderation = fields.CharField(max_length=10, default="", db_default="")
    new_user_link_limit = fields.IntField(null=True)
    new_user_posts = fields.IntField(null=True)
    word_filters: fields.Field[list[dict[str, Any]]] = fields.JSONField(
        default=list, db_default="[]"
    )
    flag_hide_score = fields.FloatField(null=True)
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
        indexes = (("user_id", "status"),)  # a person's memberships, read when they sign in


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
    featured = fields.BooleanField(default=False, db_default=False)
    # Bumped by every change to the thread or its posts: keys caches of rendered pages.
    version = fields.IntField(default=0, db_default=0)
    accepted_post_id = fields.IntField(null=True)
    merged_into_id = fields.IntField(null=True)
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
        # Newest activity first, each walked in order and stopped after a page whatever the
        # reader's status predicate (tests/forum/test_query_plans.py): a community's pinned
        # and other threads, all of a community's, and the feeds across communities (home).
        indexes = (
            ("community_id", "status", "last_activity_at"),
            ("community_id", "pinned", "last_activity_at", "id"),
            ("community_id", "last_activity_at", "id"),
            ("status", "last_activity_at", "id"),
        )


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
    thread_id: int  # the key columns Tortoise adds, declared for the type checker
    reply_to_id: int | None
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
    # Why a moderator held, hid or rejected it: shown to the author.
    moderation_note = fields.TextField(default="", db_default="")
    body_hash = fields.CharField(max_length=64, default="", db_default="", db_index=True)

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
    # What the action changed, recorded when it happened: {"field": [old, new], ...} (None on
    # entries written before values were recorded, and on actions that change no value).
    changes: fields.Field[dict[str, list[Any]] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_log"


# Something that needs a moderator's decision. kind: flagged_post, queued_post, queued_edit
# (a published post's new text, waiting while the approved text stays shown), join_request or
# user. One open item per target and kind; `status` is "open" until a moderator decides.
class ReviewItem(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=20, db_index=True)
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name=False, null=True, on_delete=fields.CASCADE
    )
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "forum.Post", related_name=False, null=True, on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.CASCADE
    )
    reasons: fields.Field[list[str]] = fields.JSONField(default=list)
    score = fields.FloatField(default=0.0)
    status = fields.CharField(max_length=12, default="open", db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    resolved_at = fields.DatetimeField(null=True)
    resolved_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    resolution = fields.CharField(max_length=20, default="")
    note = fields.TextField(default="")
    body = fields.TextField(default="", db_default="")  # queued_edit: the proposed text

    class Meta:
        table = "review_items"
        indexes = (("post_id", "status"),)


# A member barred from posting in one community until a date, by its moderators (a site-wide
# suspension, User.suspended_until, is for administrators). Leaving the community keeps it.
class CommunitySuspension(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name=False, on_delete=fields.CASCADE
    )
    until = fields.DatetimeField()
    reason = fields.TextField(default="")
    suspended_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "community_suspensions"
        unique_together = (("user", "community"),)


# A member's report about a post (or a person). One per flagger and target.
class Flag(Model):
    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[ReviewItem] = fields.ForeignKeyField(
        "forum.ReviewItem", related_name="flags", on_delete=fields.CASCADE
    )
    flagger: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    post_id = fields.IntField(null=True)
    target_user_id = fields.IntField(null=True)
    reason = fields.CharField(max_length=12)
    note = fields.TextField(default="")
    weight = fields.FloatField(default=1.0)
    outcome = fields.CharField(max_length=10, default="")  # "", "upheld" or "declined"
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "flags"
        unique_together = (("flagger", "post_id"), ("flagger", "target_user_id"))


# Something a person should know: a reply, a mention, a moderation outcome...
class Notification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name="notifications", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=30)
    data: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notifications"
        # Unread counts; and a person's notifications newest first, a page at a time.
        indexes = (("user_id", "read_at"), ("user_id", "id"))


# Live events, written in the same transaction as the change and delivered after commit.
# Their ids order them across workers, so a client can resume with `since`.
class LiveEvent(Model):
    id = fields.BigIntField(primary_key=True)
    topic = fields.CharField(max_length=60, db_index=True)
    type = fields.CharField(max_length=30)
    data: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "live_events"
        indexes = (("topic", "id"),)


# A member's reaction to a post: helpful, insightful or thanks. One of each kind per person.
class Reaction(Model):
    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "forum.Post", related_name="reactions", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=12)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reactions"
        unique_together = (("post", "user", "kind"),)


class Bookmark(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    thread: fields.ForeignKeyRelation[Thread] = fields.ForeignKeyField(
        "forum.Thread", related_name=False, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "bookmarks"
        unique_together = (("user", "thread"),)


# Watching or muting a thread or a community. level: "watching" (every new post) or "muted"
# (no notifications, not even replies).
class Subscription(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    thread: fields.ForeignKeyNullableRelation[Thread] = fields.ForeignKeyField(
        "forum.Thread", related_name=False, null=True, on_delete=fields.CASCADE
    )
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name=False, null=True, on_delete=fields.CASCADE
    )
    level = fields.CharField(max_length=10)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "subscriptions"
        unique_together = (("user", "thread"), ("user", "community"))


# Meetups, innovation marathons and webinars, organised in a community. Times are stored in
# UTC with the zone they were entered in (for display and calendar files). A cancelled event
# keeps its row (cancelled_at set). going_count and waitlist_count move in the same
# transaction as the RSVP rows they count; every RSVP change updates the event row first, so
# changes to one event's places are serialised in the database (see forum/events/rsvp.py).
class Event(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name=False, on_delete=fields.CASCADE
    )
    organiser: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    # Its discussion thread, created with it.
    thread: fields.ForeignKeyNullableRelation[Thread] = fields.ForeignKeyField(
        "forum.Thread", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharField(max_length=10)
    title = fields.CharField(max_length=150)
    description = fields.TextField(default="")
    description_html = fields.TextField(default="")
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    timezone = fields.CharField(max_length=64, default="Asia/Kolkata")
    location = fields.CharField(max_length=200, default="")
    online_url = fields.CharField(max_length=500, default="")
    capacity = fields.IntField(null=True)
    going_count = fields.IntField(default=0)
    waitlist_count = fields.IntField(default=0)
    # Bumped by every change of places: the first write of an RSVP's transaction.
    places_version = fields.IntField(default=0)
    # Bumped by every change calendar apps should pick up (iCalendar SEQUENCE).
    sequence = fields.IntField(default=0)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "events"
        # ends_at: what is not over yet (the home page's next events).
        indexes = (("community_id", "starts_at"), ("starts_at", "id"), ("thread_id",), ("ends_at",))


# One person's answer to one event: going, waitlisted (in order of queued_at, then id) or
# not_going. `attended` is set by organisers after the event.
class EventRsvp(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "forum.Event", related_name=False, on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    answer = fields.CharField(max_length=12)
    queued_at = fields.DatetimeField()
    attended = fields.BooleanField(default=False)
    attended_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event_rsvps"
        unique_together = (("event", "user"),)
        indexes = (("event_id", "answer", "queued_at", "id"), ("user_id", "answer"))


# A reminder due before an event (kind "day" or "hour"). The scheduler claims a due row by
# setting sent_at with a conditional UPDATE in the transaction that writes the notifications,
# so after a crash it is sent later and two workers never both send it.
class EventReminder(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "forum.Event", related_name=False, on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=8)
    due_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "event_reminders"
        unique_together = (("event", "kind"),)
        indexes = (("sent_at", "due_at"),)


# A person's secret calendar link, for feeds calendar apps fetch without signing in. Only the
# SHA-256 of the key is kept; making a new one or revoking ends the old one.
class CalendarKey(Model):
    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    key_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "calendar_keys"


# Whether a community's members (not only its moderators) may organise events.
class EventPolicy(Model):
    id = fields.IntField(primary_key=True)
    community: fields.OneToOneRelation[Community] = fields.OneToOneField(
        "forum.Community", related_name=False, on_delete=fields.CASCADE
    )
    members_organise = fields.BooleanField(default=False)

    class Meta:
        table = "event_policies"


# Innovation marathons: organisers post challenge statements; participants form teams per
# challenge (at most team_size people); each person is on one team per marathon (the unique
# (event, user) of MarathonTeamMember).
class MarathonChallenge(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "forum.Event", related_name=False, on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=150)
    statement = fields.TextField(default="")
    statement_html = fields.TextField(default="")
    team_size = fields.IntField(default=4)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "marathon_challenges"


class MarathonTeam(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "forum.Event", related_name=False, on_delete=fields.CASCADE
    )
    challenge: fields.ForeignKeyRelation[MarathonChallenge] = fields.ForeignKeyField(
        "forum.MarathonChallenge", related_name=False, on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=60)
    # The challenge's team size when the team was formed; joins are checked against it.
    size_limit = fields.IntField()
    member_count = fields.IntField(default=0)
    result = fields.TextField(default="")
    result_html = fields.TextField(default="")
    result_url = fields.CharField(max_length=500, default="")
    result_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "marathon_teams"
        unique_together = (("challenge", "name"),)


class MarathonTeamMember(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "forum.Event", related_name=False, on_delete=fields.CASCADE
    )
    team: fields.ForeignKeyRelation[MarathonTeam] = fields.ForeignKeyField(
        "forum.MarathonTeam", related_name=False, on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    joined_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "marathon_team_members"
        unique_together = (("event", "user"),)


# The training catalogue: courses mapped to a competency framework (behavioural, functional and
# domain competencies, each in a theme), as iGOT maps them.
class Competency(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=80, unique=True)
    name = fields.CharField(max_length=80)
    kind = fields.CharField(max_length=12)  # behavioural, functional or domain
    theme = fields.CharField(max_length=80, default="")

    class Meta:
        table = "competencies"


# A course of the catalogue, upserted by code. `content_hash` is a digest of every imported
# field, so importing the same row again changes nothing; the course search index keeps it too.
class Course(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True)
    title = fields.CharField(max_length=200, db_index=True)
    provider = fields.CharField(max_length=120, default="", db_index=True)
    url = fields.CharField(max_length=500, default="")
    description = fields.TextField(default="")
    duration_minutes = fields.IntField(null=True)
    language = fields.CharField(max_length=40, default="", db_index=True)
    content_hash = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "courses"


class CourseCompetency(Model):
    id = fields.IntField(primary_key=True)
    course: fields.ForeignKeyRelation[Course] = fields.ForeignKeyField(
        "forum.Course", related_name="competency_links", on_delete=fields.CASCADE
    )
    competency: fields.ForeignKeyRelation[Competency] = fields.ForeignKeyField(
        "forum.Competency", related_name=False, on_delete=fields.CASCADE
    )

    class Meta:
        table = "course_competencies"
        unique_together = (("course", "competency"),)
        indexes = (("competency_id", "course_id"),)


# A course linked to a discussion by the thread's author or a moderator.
class ThreadCourse(Model):
    id = fields.IntField(primary_key=True)
    thread: fields.ForeignKeyRelation[Thread] = fields.ForeignKeyField(
        "forum.Thread", related_name=False, on_delete=fields.CASCADE
    )
    course: fields.ForeignKeyRelation[Course] = fields.ForeignKeyField(
        "forum.Course", related_name=False, on_delete=fields.CASCADE
    )
    linked_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "thread_courses"
        unique_together = (("thread", "course"),)
        indexes = (("course_id", "thread_id"),)


# A community tied to a course or programme: an alumni group, a course's batch forum.
class CommunityCourse(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name=False, on_delete=fields.CASCADE
    )
    course: fields.ForeignKeyRelation[Course] = fields.ForeignKeyField(
        "forum.Course", related_name=False, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "community_courses"
        unique_together = (("community", "course"),)
        indexes = (("course_id", "community_id"),)


class CommunityCompetency(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name=False, on_delete=fields.CASCADE
    )
    competency: fields.ForeignKeyRelation[Competency] = fields.ForeignKeyField(
        "forum.Competency", related_name=False, on_delete=fields.CASCADE
    )

    class Meta:
        table = "community_competencies"
        unique_together = (("community", "competency"),)


class UserCompetency(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    competency: fields.ForeignKeyRelation[Competency] = fields.ForeignKeyField(
        "forum.Competency", related_name=False, on_delete=fields.CASCADE
    )

    class Meta:
        table = "user_competencies"
        unique_together = (("user", "competency"),)


# Learning points: an append-only ledger. Each entry has an idempotency key naming what earned
# it (`accepted:<post>`, `reaction:<post>:<reactor>`, `best_of:<thread>`, ...), unique, so an
# action undone and done again never counts twice. Entries are never changed or deleted;
# admins correct with an adjustment entry of their own.
class PointEntry(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    points = fields.IntField()
    reason = fields.CharField(max_length=20)
    key = fields.CharField(max_length=120, unique=True)
    note = fields.TextField(default="")
    thread_id = fields.IntField(null=True, db_index=True)
    post_id = fields.IntField(null=True)
    actor_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "point_entries"
        indexes = (("user_id", "created_at"),)


# The yearly points target, set by admins; a year without a row uses the default.
class PointsTarget(Model):
    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    target = fields.IntField()
    set_by_id = fields.IntField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "points_targets"


# An invitation into a community, made by its moderators. kind "link": a shareable link (optional
# expiry and number of uses); kind "person": for one account (by username, or the account of the
# email address typed) or one email address, used once. Only the SHA-256 of the link's token is
# kept. status: open, accepted or declined (a person's answer), or revoked.
class CommunityInvite(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name=False, on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=10)
    token_hash = fields.CharField(max_length=64, unique=True)
    invitee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254, default="")
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    status = fields.CharField(max_length=10, default="open")
    expires_at = fields.DatetimeField(null=True)
    max_uses = fields.IntField(null=True)
    uses = fields.IntField(default=0)
    last_used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "community_invites"
        indexes = (("community_id", "status"), ("invitee_id", "status"))


# Someone a community's moderators removed: an invitation link does not let them back in until
# a moderator reinstates them (adds them again, or invites them by name and they accept).
class CommunityRemoval(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, on_delete=fields.CASCADE
    )
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "forum.Community", related_name=False, on_delete=fields.CASCADE
    )
    removed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "forum.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "community_removals"
        unique_together = (("user", "community"),)
