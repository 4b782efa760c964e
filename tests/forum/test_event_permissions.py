"""The event rules of forum/permissions.py on plain values: who organises, manages, answers,
and sees the online link and who is going (each offered as allow_x, can_x and caps)."""

from __future__ import annotations

import pytest

from forum import permissions as p
from forum.errors import NotFound, NotSignedIn, PermissionDenied

C = 7  # the community
ORGANISER = 5
READERS = {
    "anonymous": p.ANONYMOUS,
    "outsider": p.Reader(1),
    "asked": p.Reader(2, memberships={C: "pending"}),
    "member": p.Reader(3, memberships={C: "member"}),
    "moderator": p.Reader(4, memberships={C: "moderator"}),
    "organiser": p.Reader(ORGANISER, memberships={C: "member"}),
    "admin": p.Reader(6, is_admin=True),
}


def facts(visibility: str, members_organise: bool) -> p.EventFacts:
    return p.EventFacts(C, visibility, ORGANISER, members_organise)


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("members_organise", [False, True])
def test_who_organises_manages_and_answers(visibility, members_organise):
    event = facts(visibility, members_organise)
    members = {"member", "organiser"}
    organisers = {"moderator", "admin"} | (members if members_organise else set())
    managers = {"moderator", "admin"} | ({"organiser"} if members_organise else set())
    for name, who in READERS.items():
        assert p.can_organise(who, C, visibility, members_organise=members_organise) == (
            name in organisers
        ), name
        assert p.can_manage_event(who, event) == (name in managers), name
        assert p.can_answer_event(who, C, visibility) == (name in members | {"moderator", "admin"})


def test_refusals_hide_private_events_from_outsiders():
    private = facts("private", True)
    for name in ("anonymous", "outsider", "asked"):
        with pytest.raises(NotFound):
            p.allow_manage_event(READERS[name], private)
        with pytest.raises(NotFound):
            p.allow_answer_event(READERS[name], C, "private")
    public = facts("public", False)
    with pytest.raises(NotSignedIn):
        p.allow_manage_event(p.ANONYMOUS, public)
    with pytest.raises(PermissionDenied):
        p.allow_manage_event(READERS["member"], public)
    with pytest.raises(PermissionDenied):
        p.allow_organise(READERS["member"], C, "public", members_organise=False)


def test_the_link_and_who_is_going_are_for_those_going_and_managers():
    event = facts("public", False)
    for name, who in READERS.items():
        for answer in (None, "going", "waitlisted", "not_going"):
            caps = p.event_caps(who, event, answer=answer)
            going_member = answer == "going" and name in {
                "member",
                "organiser",
                "moderator",
                "admin",
            }
            assert caps.sees_link == (caps.can_manage or going_member), (name, answer)
            assert caps.sees_attendees == caps.sees_link
    # Someone removed from the community keeps no privileges from an old answer.
    removed = p.Reader(9)
    assert not p.event_caps(removed, event, answer="going").sees_link
    with pytest.raises(PermissionDenied):
        p.allow_attendee_list(p.event_caps(removed, event, answer="going"))
    with pytest.raises(PermissionDenied):
        p.allow_attendee_export(p.event_caps(READERS["member"], event, answer="going"))
