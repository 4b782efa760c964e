"""Innovation marathons: organisers post challenge statements; people going form or join a
team per challenge (at most the challenge's team size; one team per person per marathon);
teams post their result; a results page lists them.

Joining a team first takes a seat with a conditional UPDATE on the team's row (its member
count below its size limit), then adds the member; the unique (marathon, person) row refuses
a second team, and the whole transaction rolls back."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from forum import permissions, threads, validation
from forum.errors import Conflict, Invalid, NotFound
from forum.events import rsvp, times
from forum.events.organise import members_organise
from forum.events.reads import EventView
from forum.models import Event, MarathonChallenge, MarathonTeam, MarathonTeamMember, User

TEAM_SIZE_MAX = 20
CHALLENGES_MAX = 30
RESULT_MAX = 10_000


@dataclass
class TeamView:
    team: MarathonTeam
    members: list[User] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.team.member_count >= self.team.size_limit


@dataclass
class ChallengeView:
    challenge: MarathonChallenge
    teams: list[TeamView] = field(default_factory=list)


@dataclass
class Board:
    """A marathon's challenges with their teams, and the reader's own team."""

    challenges: list[ChallengeView]
    my_team_id: int | None


def _require_marathon(event: Event) -> None:
    if event.kind != "marathon":
        raise NotFound("This event is not an innovation marathon.")


def _require_open(event: Event) -> None:
    if event.cancelled_at is not None:
        raise Conflict("This event was cancelled.", code="event_cancelled")


async def _manager(actor: User | None, event: Event) -> User:
    return await permissions.require_manage_event(
        actor,
        event.community,
        organiser_id=event.organiser_id,  # type: ignore[attr-defined]
        members_organise=await members_organise(event.community.id),
    )


def _team_size(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= TEAM_SIZE_MAX:
        raise Invalid(
            f"Team size must be 1-{TEAM_SIZE_MAX}.",
            fields={"team_size": f"must be a whole number from 1 to {TEAM_SIZE_MAX}"},
        )
    return value


async def add_challenge(
    actor: User | None, event: Event, *, title: object, statement: object, team_size: object
) -> MarathonChallenge:
    _require_marathon(event)
    await _manager(actor, event)
    _require_open(event)
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for name, check in (
        ("title", lambda: validation.one_line(title, "title", min_len=5, max_len=150)),
        ("statement", lambda: validation.text(statement, "statement", max_len=RESULT_MAX)),
        ("team_size", lambda: _team_size(team_size if team_size not in (None, "") else 4)),
    ):
        try:
            values[name] = check()
        except Invalid as exc:
            errors.update(exc.fields)
    if errors:
        raise Invalid("Some fields need attention.", fields=errors)
    if await MarathonChallenge.filter(event_id=event.id).count() >= CHALLENGES_MAX:
        raise Conflict(f"A marathon has at most {CHALLENGES_MAX} challenges.")
    statement_text = str(values["statement"])
    return await MarathonChallenge.create(
        event_id=event.id,
        title=values["title"],
        statement=statement_text,
        statement_html=await threads.render(statement_text) if statement_text else "",
        team_size=values["team_size"],
    )


async def board(actor: User | None, view: EventView) -> Board:
    """Challenges (in the order posted), their teams and members; readable by whoever sees
    the event."""
    event = view.event
    challenges = await MarathonChallenge.filter(event_id=event.id).order_by("id")
    teams = await MarathonTeam.filter(event_id=event.id).order_by("created_at", "id")
    members = (
        await MarathonTeamMember.filter(event_id=event.id)
        .order_by("joined_at", "id")
        .select_related("user")
    )
    by_team: dict[int, TeamView] = {t.id: TeamView(t) for t in teams}
    mine = None
    for m in members:
        by_team[m.team_id].members.append(m.user)  # type: ignore[attr-defined]
        if actor is not None and m.user.id == actor.id:  # bookkeeping: marks the reader's own team
            mine = m.team_id  # type: ignore[attr-defined]
    views = {c.id: ChallengeView(c) for c in challenges}
    for t in teams:
        views[t.challenge_id].teams.append(by_team[t.id])  # type: ignore[attr-defined]
    return Board(challenges=list(views.values()), my_team_id=mine)


async def _participant(actor: User | None, event: Event) -> User:
    user = await permissions.require_answer_event(actor, event.community)
    _require_open(event)
    if event.ends_at <= times.now():
        raise Conflict("This marathon is over.", code="event_over")
    if not permissions.attending(await rsvp.answer_of(user, event.id)):
        raise Conflict("Answer that you are going before joining a team.", code="not_going")
    return user


async def form_team(
    actor: User | None, event: Event, challenge_id: int, name: object
) -> MarathonTeam:
    """Forms a team for a challenge, with its founder as first member."""
    _require_marathon(event)
    user = await _participant(actor, event)
    challenge = await MarathonChallenge.get_or_none(id=challenge_id, event_id=event.id)
    if challenge is None:
        raise NotFound("No such challenge.")
    team_name = validation.one_line(name, "name", min_len=2, max_len=60)
    try:
        async with in_transaction():
            team = await MarathonTeam.create(
                event_id=event.id,
                challenge_id=challenge.id,
                name=team_name,
                size_limit=challenge.team_size,
                member_count=1,
            )
            await MarathonTeamMember.create(event_id=event.id, team_id=team.id, user_id=user.id)
    except IntegrityError:
        if await MarathonTeamMember.filter(event_id=event.id, user_id=user.id).exists():
            raise Conflict(
                "You are already on a team in this marathon.", code="already_on_a_team"
            ) from None
        raise Conflict(
            "A team with that name exists for this challenge.",
            code="team_name_taken",
            fields={"name": "is taken"},
        ) from None
    return team


async def get_team(event: Event, team_id: int) -> MarathonTeam:
    team = await MarathonTeam.get_or_none(id=team_id, event_id=event.id)
    if team is None:
        raise NotFound("No such team.")
    return team


async def join_team(actor: User | None, event: Event, team: MarathonTeam) -> None:
    _require_marathon(event)
    user = await _participant(actor, event)
    try:
        async with in_transaction():
            seated = await MarathonTeam.filter(id=team.id, member_count__lt=F("size_limit")).update(
                member_count=F("member_count") + 1
            )
            if not seated:
                raise Conflict("This team is full.", code="team_full")
            await MarathonTeamMember.create(event_id=event.id, team_id=team.id, user_id=user.id)
    except IntegrityError:
        raise Conflict(
            "You are already on a team in this marathon.", code="already_on_a_team"
        ) from None


async def leave_team(actor: User | None, event: Event) -> bool:
    """Leaves one's team in this marathon; a team left empty without a result goes away."""
    _require_marathon(event)
    user = permissions.require_signed_in(actor, "leave a team")
    return await drop_member(event.id, user.id)


async def drop_member(event_id: int, user_id: int) -> bool:
    """Takes the person off their team in this marathon. Writes first (the team's count), so
    that on SQLite no other process can outdate what this transaction reads."""
    mine = MarathonTeamMember.filter(event_id=event_id, user_id=user_id)
    async with in_transaction():
        counted = await MarathonTeam.filter(id__in=Subquery(mine.values("team_id"))).update(
            member_count=F("member_count") - 1
        )
        if not counted:
            return False
        team_ids = await mine.values_list("team_id", flat=True)
        await mine.delete()
        await MarathonTeam.filter(
            id__in=list(team_ids), member_count__lte=0, result_at__isnull=True
        ).delete()
    return True


async def post_result(
    actor: User | None, view: EventView, team: MarathonTeam, *, result: object, url: object
) -> MarathonTeam:
    """A team's members (or the event's managers) post or update its result."""
    event = view.event
    _require_marathon(event)
    on_team = (
        actor is not None
        and await MarathonTeamMember.filter(team_id=team.id, user_id=actor.id).exists()
    )
    await permissions.require_post_team_result(
        actor, event.community, on_team=on_team, manager=view.caps.can_manage
    )
    text = validation.text(result, "result", min_len=1, max_len=RESULT_MAX)
    link = validation.one_line(url, "url", max_len=500, label="Link")
    if link:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise Invalid(
                "The link must start with https://.", fields={"url": "must be a web address"}
            )
    when = times.now()
    html = await threads.render(text)
    await MarathonTeam.filter(id=team.id).update(
        result=text, result_html=html, result_url=link, result_at=when
    )
    team.result, team.result_html, team.result_url, team.result_at = text, html, link, when
    return team
