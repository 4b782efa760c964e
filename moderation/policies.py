"""Community policies: pre-moderation, new-user sandboxing, link limits, word filters and
duplicate posts. `screen` decides whether a new post is published or held for review.

Each community may set its own values; what it leaves empty falls back to the site default."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from forum import permissions, validation
from forum.errors import Conflict, Invalid
from forum.models import Community, Post, User
from search.analysis import normalise

PREMODERATION = ("off", "new_users", "all")
WORD_ACTIONS = ("block", "hold", "replace")
MAX_WORD_FILTERS = 100
DUPLICATE_WINDOW = timedelta(minutes=10)
DUPLICATE_MIN_LENGTH = 30  # short acknowledgements ("Thank you, this helped") may repeat
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class Policy:
    premoderation: str = "off"
    new_user_posts: int = 3  # a member is "new" until this many of their posts are published
    new_user_link_limit: int = 2  # links a new member's post may carry before it is held
    word_filters: tuple[dict[str, str], ...] = ()
    flag_hide_score: float = 3.0  # reports (weighted) that hide a post until a moderator looks


SITE_DEFAULT = Policy()


def effective(community: Community, site: Policy = SITE_DEFAULT) -> Policy:
    return Policy(
        premoderation=community.premoderation or site.premoderation,
        new_user_posts=(
            community.new_user_posts
            if community.new_user_posts is not None
            else site.new_user_posts
        ),
        new_user_link_limit=(
            community.new_user_link_limit
            if community.new_user_link_limit is not None
            else site.new_user_link_limit
        ),
        word_filters=tuple(community.word_filters or ()) + site.word_filters,
        flag_hide_score=(
            community.flag_hide_score
            if community.flag_hide_score is not None
            else site.flag_hide_score
        ),
    )


@dataclass
class Screening:
    status: str  # "published" or "pending"
    body: str
    reasons: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        """Held for review: its author and moderators see it until a moderator approves it."""
        return permissions.held(self.status)

    def note(self) -> str:
        labels = {
            "premoderation": "this community reviews posts before they appear",
            "new_user": "posts from new members are reviewed first",
            "links": "it has more links than new members may post",
            "word_filter": "it contains a word this community reviews",
        }
        return (
            "Held for review: " + "; ".join(labels.get(r, r) for r in _unique(self.reasons)) + "."
        )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def body_hash(body: str) -> str:
    return hashlib.sha256(" ".join(body.lower().split()).encode("utf-8")).hexdigest()


def _phrase_regex(phrase: str) -> re.Pattern[str]:
    """A filter word matches whole words (in any script), case-insensitively."""
    return re.compile(
        rf"(?<![\w\u0900-\u0dff]){re.escape(phrase)}(?![\w\u0900-\u0dff])", re.IGNORECASE
    )


def apply_word_filters(body: str, filters: tuple[dict[str, str], ...]) -> tuple[str, list[str]]:
    """Returns the body (with replacements made) and the actions that matched."""
    matched: list[str] = []
    text = body
    folded = normalise(body)
    for rule in filters:
        word = normalise(rule.get("word", ""))
        if not word:
            continue
        pattern = _phrase_regex(word)
        if not pattern.search(folded):
            continue
        action = rule.get("action", "hold")
        matched.append(action)
        if action == "replace":
            replacement = rule.get("replacement") or "\u2217" * 3
            # Backslashes doubled: the replacement is literal text (\1 or \q are not templates).
            literal = replacement.replace("\\", "\\\\")
            text = _phrase_regex(rule["word"]).sub(literal, text)
    return text, matched


async def published_posts(user: User) -> int:
    return await Post.filter(author_id=user.id, status="published").count()


async def screen(
    actor: User, community: Community, body: str, *, moderator: bool, editing: Post | None = None
) -> Screening:
    """Decides how a new post, or the new text of a post being edited, enters the community.
    Raises Invalid for a blocked word and Conflict for the same text as another recent post."""
    policy = effective(community)
    recent = datetime.now(UTC) - DUPLICATE_WINDOW
    others = Post.filter(
        author_id=actor.id, body_hash=body_hash(body), created_at__gte=recent, status__not="deleted"
    )
    if editing is not None:
        others = others.exclude(id=editing.id)
    if len(body) >= DUPLICATE_MIN_LENGTH and await others.exists():
        raise Conflict("You posted this same text a few minutes ago.", code="duplicate_post")
    if moderator:
        return Screening("published", body)
    text, matched = apply_word_filters(body, policy.word_filters)
    if "block" in matched:
        raise Invalid(
            "Your post contains a word this community does not allow. Please rephrase it.",
            code="blocked_word",
            fields={"body": "contains a word this community does not allow"},
        )
    reasons: list[str] = []
    if "hold" in matched:
        reasons.append("word_filter")
    if policy.premoderation == "all":
        reasons.append("premoderation")
    new_user = await published_posts(actor) < policy.new_user_posts
    if new_user and policy.premoderation == "new_users":
        reasons.append("new_user")
    if new_user and len(_LINK.findall(text)) > policy.new_user_link_limit:
        reasons.append("links")
    return Screening("pending" if reasons else "published", text, reasons)


def parse_word_filters(value: object) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise Invalid("Word filters must be a list.", fields={"word_filters": "must be a list"})
    if len(value) > MAX_WORD_FILTERS:
        raise Invalid(
            f"At most {MAX_WORD_FILTERS} word filters.",
            fields={"word_filters": f"at most {MAX_WORD_FILTERS}"},
        )
    rules: list[dict[str, str]] = []
    for item in value:
        if not isinstance(item, dict):
            raise Invalid("Each word filter is an object.", fields={"word_filters": "bad entry"})
        word = validation.one_line(
            item.get("word"), "word_filters", min_len=2, max_len=60, label="Filter word"
        )
        action = validation.choice(item.get("action", "hold"), "word_filters", WORD_ACTIONS)
        rule = {"word": word, "action": action}
        if action == "replace":
            rule["replacement"] = validation.one_line(
                item.get("replacement") or "***", "word_filters", max_len=60, label="Replacement"
            )
        rules.append(rule)
    return rules


def parse_word_filter_lines(text: str) -> list[dict[str, str]]:
    """The settings form's format: one rule a line, `word` or `word = hold|block|replace:text`."""
    rules: list[dict[str, object]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        word, _, rest = line.partition("=")
        action, _, replacement = rest.strip().partition(":")
        rules.append(
            {
                "word": word.strip(),
                "action": action.strip() or "hold",
                "replacement": replacement.strip(),
            }
        )
    return parse_word_filters(rules)


def word_filter_lines(rules: list[dict[str, str]]) -> str:
    lines = []
    for rule in rules:
        suffix = f" = {rule['action']}" + (
            f":{rule['replacement']}" if rule["action"] == "replace" else ""
        )
        lines.append(rule["word"] + suffix)
    return "\n".join(lines)


SETTINGS = (
    "premoderation",
    "new_user_link_limit",
    "new_user_posts",
    "word_filters",
    "flag_hide_score",
)


async def update(community: Community, data: dict[str, object]) -> list[str]:
    """Sets the policy fields present in data; returns the names of those that changed."""
    unknown = set(data) - set(SETTINGS)
    if unknown:
        raise Invalid(
            "Unknown fields: " + ", ".join(sorted(unknown)),
            fields={k: "is not a setting" for k in unknown},
        )
    changes: dict[str, object] = {}
    if "premoderation" in data:
        changes["premoderation"] = validation.choice(
            data["premoderation"], "premoderation", PREMODERATION
        )
    for name, low, high in (("new_user_link_limit", 0, 50), ("new_user_posts", 0, 100)):
        if name in data:
            value = data[name]
            if value is None or value == "":
                changes[name] = None
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | str)
                or not str(value).isdigit()
            ):
                raise Invalid(
                    f"{name} must be a whole number.", fields={name: "must be a whole number"}
                )
            number = int(value)
            if not low <= number <= high:
                raise Invalid(
                    f"{name} must be {low}-{high}.", fields={name: f"must be {low}-{high}"}
                )
            changes[name] = number
    if "flag_hide_score" in data:
        value = data["flag_hide_score"]
        if value is None or value == "":
            changes["flag_hide_score"] = None
        else:
            try:
                score = float(str(value))
            except ValueError:
                score = -1.0
            if not 1.0 <= score <= 100.0:
                raise Invalid(
                    "flag_hide_score must be 1-100.", fields={"flag_hide_score": "must be 1-100"}
                )
            changes["flag_hide_score"] = score
    if "word_filters" in data:
        changes["word_filters"] = parse_word_filters(data["word_filters"])
    changed = [k for k, v in changes.items() if getattr(community, k) != v]
    if changed:
        community.update_from_dict({k: changes[k] for k in changed})
        await community.save(update_fields=changed)
    return changed
