"""Field checks shared by the services. Each raises Invalid naming the field."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from forum.errors import Invalid

# Bidirectional embeddings, overrides (U+202A-202E) and isolates (U+2066-2069): in a title, a
# name or a tag they only serve to make text read differently from what it is.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)], None)


def storable(value: str) -> bool:
    """Whether text can be stored and sent: no NUL character, no lone surrogate (neither is
    valid in PostgreSQL text, nor the surrogate in UTF-8)."""
    return "\x00" not in value and not has_lone_surrogate(value)


def has_lone_surrogate(value: str) -> bool:
    """A surrogate code point on its own (JSON may spell one as "\\ud800"): not text."""
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text(
    value: object, field: str, *, min_len: int = 0, max_len: int, label: str | None = None
) -> str:
    name = label or field.replace("_", " ").capitalize()
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{name} must be text.", fields={field: "must be text"})
    if has_lone_surrogate(value):
        problem = "contains characters that are not text"
        raise Invalid(f"{name} {problem}.", fields={field: problem})
    cleaned = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\x00", "")
    cleaned = cleaned.strip()
    if len(cleaned) < min_len:
        problem = "is required" if min_len <= 1 else f"needs at least {min_len} characters"
        raise Invalid(f"{name} {problem}.", fields={field: problem})
    if len(cleaned) > max_len:
        problem = f"must be at most {max_len} characters"
        raise Invalid(f"{name} {problem}.", fields={field: problem})
    return cleaned


def one_line(
    value: object, field: str, *, min_len: int = 0, max_len: int, label: str | None = None
) -> str:
    if isinstance(value, str):
        value = without_bidi_controls(value)
    cleaned = text(value, field, min_len=min_len, max_len=max_len, label=label)
    return " ".join(cleaned.split())


def without_bidi_controls(value: str) -> str:
    return value.translate(_BIDI_CONTROLS)


def choice(value: object, field: str, options: Iterable[str]) -> str:
    allowed = tuple(options)
    if value not in allowed:
        problem = "must be one of " + ", ".join(allowed)
        raise Invalid(f"{field.capitalize()} {problem}.", fields={field: problem})
    return str(value)


def pattern(value: object, field: str, regex: re.Pattern[str], explain: str) -> str:
    if not isinstance(value, str) or not regex.fullmatch(value):
        raise Invalid(f"{field.capitalize()} {explain}.", fields={field: explain})
    return value


TAG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,29}")
MAX_TAGS = 5


def tags(value: object) -> list[str]:
    """Accepts a list or a comma/space separated string; lower-cases; keeps order; no repeats."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items: list[object] = [t for t in re.split(r"[\s,]+", value) if t]
    elif isinstance(value, list):
        items = list(value)
    else:
        raise Invalid("Tags must be a list.", fields={"tags": "must be a list of words"})
    result: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise Invalid("Tags must be words.", fields={"tags": "must be a list of words"})
        tag = without_bidi_controls(item).strip().lower().lstrip("#")
        if not TAG_RE.fullmatch(tag):
            problem = f"'{tag[:30]}' is not a tag: use up to 30 letters, digits or dashes"
            raise Invalid(f"Tags: {problem}.", fields={"tags": problem})
        if tag not in result:
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise Invalid(f"At most {MAX_TAGS} tags.", fields={"tags": f"at most {MAX_TAGS} tags"})
    return result


MAX_ID = 2_147_483_647  # ids are 32-bit in PostgreSQL
_ID = re.compile(r"[0-9]{1,10}")


def object_id(value: object) -> int | None:
    """A row id from JSON or a URL: a positive 32-bit whole number, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _ID.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        return value
    return None


def integer(value: object, field: str) -> int:
    """An id given in a request body."""
    found = object_id(value)
    if found is None:
        raise Invalid(f"{field} must be an id.", fields={field: "must be an id"})
    return found
