"""Event times: entered with a zone (Asia/Kolkata unless another is given), stored in UTC,
shown in the viewer's zone as DD-MM-YYYY."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from forum.errors import Invalid

DEFAULT_ZONE = "Asia/Kolkata"
# Offered first in forms; any IANA zone name is accepted.
COMMON_ZONES = (
    "Asia/Kolkata",
    "UTC",
    "America/Argentina/Buenos_Aires",
    "Asia/Dubai",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
)
MAX_INPUT = 40  # characters of a time as text


@functools.cache
def all_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_name(value: object, field: str = "timezone") -> str:
    """A known IANA zone name (empty or None: the default)."""
    if value is None or value == "":
        return DEFAULT_ZONE
    if not isinstance(value, str) or len(value) > 64 or value not in all_zones():
        raise Invalid(
            "That is not a time zone we know (use a name like Asia/Kolkata).",
            fields={field: "must be a time zone name like Asia/Kolkata"},
        )
    return value


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def parse(value: object, field: str, zone_given: str | None) -> datetime:
    """A time from the API or a form, as an aware UTC datetime.

    ISO 8601 with an offset ("2026-03-18T18:00:00+05:30", or "Z") stands on its own. Without
    an offset the time is read in `zone_given`, the zone the caller named; if they named none
    it is refused, since guessing would move the event."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{_label(field)} is required.", fields={field: "is required"})
    text = value.strip()
    if len(text) > MAX_INPUT:
        raise Invalid(f"{_label(field)} is not a time.", fields={field: "is not a time"})
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise Invalid(
            f"{_label(field)} must be a date and time like 2026-03-18T18:00+05:30.",
            fields={field: "must be a date and time like 2026-03-18T18:00+05:30"},
        ) from None
    if moment.tzinfo is None:
        if zone_given is None:
            raise Invalid(
                f"{_label(field)} needs a time zone: add an offset (+05:30) or give 'timezone'.",
                fields={field: "needs an offset like +05:30, or a timezone"},
            )
        moment = local_to_utc(moment, zone_given, field)
    if not 2000 <= moment.year <= 2200:
        raise Invalid(
            f"{_label(field)} must be between the years 2000 and 2200.",
            fields={field: "must be between the years 2000 and 2200"},
        )
    return moment.astimezone(UTC)


def local_to_utc(naive: datetime, zone_name_: str, field: str) -> datetime:
    """A wall-clock time in a zone; a time the clocks skip (a daylight-saving gap) is refused."""
    tz = zone(zone_name_)
    aware = naive.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != naive:
        raise Invalid(
            f"{_label(field)} does not exist in {zone_name_} (the clocks skip it).",
            fields={field: f"does not exist in {zone_name_}"},
        )
    return aware.astimezone(UTC)


def local(value: datetime, zone_name_: str | None) -> datetime:
    return value.astimezone(zone(zone_name_))


def show(value: datetime, zone_name_: str | None) -> str:
    """'18-03-2026 18:00 IST' in the given zone."""
    moment = local(value, zone_name_)
    return f"{moment:%d-%m-%Y %H:%M} {_abbreviation(moment)}"


def show_date(value: datetime, zone_name_: str | None) -> str:
    return f"{local(value, zone_name_):%d-%m-%Y}"


def show_time(value: datetime, zone_name_: str | None) -> str:
    moment = local(value, zone_name_)
    return f"{moment:%H:%M} {_abbreviation(moment)}"


def show_span(starts: datetime, ends: datetime, zone_name_: str | None) -> str:
    """'18-03-2026 18:00 – 20:00 IST', or both dates when it spans days."""
    a, b = local(starts, zone_name_), local(ends, zone_name_)
    if a.date() == b.date():
        return f"{a:%d-%m-%Y %H:%M} – {b:%H:%M} {_abbreviation(b)}"
    return f"{a:%d-%m-%Y %H:%M} {_abbreviation(a)} – {b:%d-%m-%Y %H:%M} {_abbreviation(b)}"


def form_value(value: datetime, zone_name_: str | None) -> str:
    """The value of a datetime-local input showing this time in the zone."""
    return f"{local(value, zone_name_):%Y-%m-%dT%H:%M}"


def iso(value: datetime, zone_name_: str | None) -> str:
    return local(value, zone_name_).isoformat()


def _abbreviation(moment: datetime) -> str:
    name = moment.tzname() or ""
    # Zones without a common abbreviation give an offset like "-03": say "UTC-03".
    if name[:1] in "+-":
        return f"UTC{name}"
    return name


def _label(field: str) -> str:
    return {"starts_at": "The start", "ends_at": "The end"}.get(
        field, field.replace("_", " ").capitalize()
    )


def now() -> datetime:
    return datetime.now(UTC)
