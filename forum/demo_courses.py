"""The demo's course catalogue: about thirty courses across behavioural, functional and domain
competencies, some linked from the demo's threads, two communities tied to programmes, and a
little helpful activity so profiles and leaderboards have learning points to show.

All courses, figures and links are fictional and written for this demo. Loaded through the
same services as real use (forum/course_import.py, forum/courses.py, forum/social.py ...);
running it twice changes nothing."""

from __future__ import annotations

import json
from typing import Any

from forum import course_import, courses, demo_content, permissions, social, threads
from forum.models import Community, Course, Post, Thread, User
from moderation import actions
from search.port import CourseIndex

SITE = "https://courses.chaupal.example"

COURSES: list[dict[str, Any]] = [
    # ---- data and evidence ------------------------------------------------
    {
        "code": "IGOT-DATA-101",
        "title": "Working with data in government: the basics",
        "provider": "iGOT Karmayogi",
        "description": (
            "What makes data reliable, how registers become tables, and the five questions to "
            "ask of any figure before it goes into a note. Ends with an exercise on your own "
            "office's data: cleaning a register and summarising it for a review."
        ),
        "duration": "4h",
        "language": "English",
        "competencies": [
            "functional:Data and digital/Data analysis",
            "functional:Data and digital/Data collection",
        ],
    },
    {
        "code": "IGOT-DATA-VIS",
        "title": "Data visualisation for review meetings",
        "provider": "iGOT Karmayogi",
        "description": (
            "Choosing the chart that answers the question, one-page dashboards, and showing "
            "district or block indicators so that a review meeting decides something instead of "
            "admiring slides."
        ),
        "duration": "3h",
        "language": "English",
        "competencies": ["functional:Data and digital/Data visualisation", "Data analysis"],
    },
    {
        "code": "SHEETS-201",
        "title": "स्प्रेडशीट से मासिक रिपोर्ट: पिवट टेबल और लुकअप",
        "provider": "iGOT Karmayogi",
        "description": (
            "Pivot tables, lookups and simple checks that turn a section's registers into the "
            "monthly report in minutes. Taught in Hindi with downloadable practice sheets that "
            "work offline."
        ),
        "duration": "2h",
        "language": "Hindi",
        "competencies": ["Data analysis"],
    },
    {
        "code": "EVIDENCE-110",
        "title": "Evidence-based decision making for officers",
        "provider": "Capacity Building Programme",
        "description": (
            "Decide in advance what result would change your decision, read an evaluation "
            "critically, and commission analysis people will use. Short cases from health, "
            "agriculture and transport."
        ),
        "duration": "5h",
        "language": "English",
        "competencies": [
            "functional:Policy/Evidence use",
            "behavioural:Decision making",
        ],
    },
    {
        "code": "MEL-220",
        "title": "Monitoring schemes with indicators that mean something",
        "provider": "Capacity Building Programme",
        "description": (
            "Output and outcome indicators, baselines, targets that can be measured, and field "
            "verification. Participants rewrite the indicators of one scheme they run."
        ),
        "duration": "6h",
        "language": "English",
        "competencies": ["functional:Policy/Monitoring and evaluation"],
    },
    {
        "code": "GIS-150",
        "title": "Maps for field officers: GPS, QGIS and village boundaries",
        "provider": "Indira Gandhi National Forest Academy",
        "description": (
            "Recording points and tracks with a phone, bringing them into QGIS, overlaying "
            "cadastral and forest boundaries and printing a map a gram sabha can read."
        ),
        "duration": "8h",
        "language": "English",
        "competencies": ["functional:Data and digital/GIS and mapping"],
    },
    {
        "code": "HMIS-130",
        "title": "Health data quality: HMIS facility reporting",
        "provider": "National Health Systems Resource Centre",
        "description": (
            "Missing reports, outliers, duplicate facilities and the checks that catch them "
            "before the district health society meets. Includes a six-step routine for data "
            "officers."
        ),
        "duration": "3h",
        "language": "English",
        "competencies": ["Data analysis", "domain:Health/Public health"],
    },
    # ---- finance and procurement --------------------------------------------
    {
        "code": "GEM-301",
        "title": "Public procurement on GeM: bids, evaluation and audit",
        "provider": "National Institute of Financial Management",
        "description": (
            "Bid documents, single-bid situations, technical evaluation committees, "
            "re-tendering decisions and the questions audit asks about each of them."
        ),
        "duration": "6h",
        "language": "English",
        "competencies": [
            "functional:Finance/Public procurement",
            "domain:Finance/Public finance",
        ],
    },
    {
        "code": "GFR-210",
        "title": "Financial rules in practice: sanctions, advances and year-end spending",
        "provider": "National Institute of Financial Management",
        "description": (
            "Sanction powers, advances and their adjustment, and how to plan expenditure through "
            "the year so March is not a rush to spend."
        ),
        "duration": "4h",
        "language": "English",
        "competencies": ["functional:Finance/Financial management", "Public finance"],
    },
    {
        "code": "OUTCOME-BUDGET",
        "title": "Outcome budgeting: from outputs to outcomes",
        "provider": "National Institute of Financial Management",
        "description": (
            "Linking budget lines to results, writing outcome indicators a department can "
            "actually measure, and reporting them honestly."
        ),
        "duration": "3h",
        "language": "English",
        "competencies": ["Public finance", "Monitoring and evaluation"],
    },
    # ---- office and governance ---------------------------------------------
    {
        "code": "EOFFICE-101",
        "title": "ई-ऑफिस: फ़ाइल, नोटिंग और डाक",
        "provider": "Institute of Secretariat Training and Management",
        "description": (
            "Creating and moving electronic files, notes on the notesheet, handling receipts, "
            "and handing over files when a section is reorganised."
        ),
        "duration": "3h",
        "language": "Hindi",
        "competencies": ["functional:Office management/File management"],
    },
    {
        "code": "NOTING-102",
        "title": "Noting and drafting: clear notes, crisp letters",
        "provider": "Institute of Secretariat Training and Management",
        "description": (
            "Structure a note so the decision-maker sees the question first; draft letters, "
            "office memoranda and replies that say one thing each."
        ),
        "duration": "4h",
        "language": "English",
        "competencies": [
            "functional:Office management/Drafting",
            "behavioural:Communication",
        ],
    },
    {
        "code": "PQ-110",
        "title": "Handling parliament questions and assurances",
        "provider": "Institute of Secretariat Training and Management",
        "description": (
            "From the question's arrival to the reply: collecting inputs from divisions, "
            "tracking deadlines, and keeping a register of assurances that are followed up."
        ),
        "duration": "2h",
        "language": "English",
        "competencies": ["functional:Office management/Parliamentary work"],
    },
    {
        "code": "RTI-120",
        "title": "Right to Information for public information officers",
        "provider": "Institute of Secretariat Training and Management",
        "description": (
            "Time limits, transfers, exemptions and third-party information; writing replies "
            "that survive a first appeal."
        ),
        "duration": "3h",
        "language": "English",
        "competencies": ["functional:Governance/Transparency and RTI"],
    },
    {
        "code": "GRIEVANCE-115",
        "title": "Resolving public grievances well",
        "provider": "iGOT Karmayogi",
        "description": (
            "Reading a grievance for what the citizen needs, closing it with a real answer, "
            "and using the pattern of complaints to fix the service behind them."
        ),
        "duration": "2h",
        "language": "English",
        "competencies": [
            "functional:Governance/Grievance redressal",
            "behavioural:Citizen centricity",
        ],
    },
    # ---- innovation and design ----------------------------------------------
    {
        "code": "HCD-201",
        "title": "Human-centred design: user interviews and journey maps",
        "provider": "Public Innovation Academy",
        "description": (
            "Plan and run interviews with citizens and front-line staff, map a service journey "
            "and find the step where people give up."
        ),
        "duration": "5h",
        "language": "English",
        "competencies": ["functional:Innovation/Service design", "behavioural:Empathy"],
    },
    {
        "code": "PROTO-202",
        "title": "Prototyping a public service in a week",
        "provider": "Public Innovation Academy",
        "description": (
            "Paper forms, role play and small pilots: testing a change to a service with real "
            "users before anything is procured or notified."
        ),
        "duration": "6h",
        "language": "English",
        "competencies": ["Service design", "functional:Innovation/Experimentation"],
    },
    # ---- behavioural --------------------------------------------------------
    {
        "code": "LEAD-310",
        "title": "Leading a team through change",
        "provider": "Capacity Building Programme",
        "description": (
            "Explaining why a change is needed, bringing a reluctant team along and keeping "
            "morale when postings and priorities shift."
        ),
        "duration": "3h",
        "language": "English",
        "competencies": ["behavioural:Leadership", "Communication"],
    },
    {
        "code": "NEGOTIATE-140",
        "title": "Negotiation and conflict resolution for district officers",
        "provider": "Capacity Building Programme",
        "description": (
            "Preparing for a difficult meeting, separating positions from interests, and "
            "settling disputes between departments, contractors and communities."
        ),
        "duration": "4h",
        "language": "English",
        "competencies": ["behavioural:Negotiation", "behavioural:Collaboration"],
    },
    {
        "code": "ETHICS-100",
        "title": "Integrity in everyday decisions",
        "provider": "iGOT Karmayogi",
        "description": (
            "Conflicts of interest, gifts, recusal and saying no politely: short scenarios from "
            "procurement, postings and inspections."
        ),
        "duration": "90 min",
        "language": "English",
        "competencies": ["behavioural:Integrity"],
    },
    {
        "code": "SELF-120",
        "title": "समय और काम का प्रबंधन",
        "provider": "iGOT Karmayogi",
        "description": (
            "Planning the week around what matters, handling a full inbox and dak, and "
            "delegating without losing track."
        ),
        "duration": "2h",
        "language": "Hindi",
        "competencies": ["behavioural:Self-management"],
    },
    {
        "code": "CONVERGE-130",
        "title": "Working across departments: convergence that lasts",
        "provider": "Capacity Building Programme",
        "description": (
            "Joint plans, shared indicators and meetings that end with owners and dates: how "
            "district teams make schemes of different departments work together."
        ),
        "duration": "3h",
        "language": "English",
        "competencies": ["Collaboration", "domain:Rural development"],
    },
    # ---- domains -----------------------------------------------------------
    {
        "code": "FLOOD-220",
        "title": "Running a district flood control room",
        "provider": "National Institute of Disaster Management",
        "description": (
            "Set up the control room, run the first 72 hours, coordinate boats, relief camps "
            "and evacuation, and keep the situation report accurate."
        ),
        "duration": "8h",
        "language": "English",
        "competencies": ["domain:Disaster management", "Decision making"],
    },
    {
        "code": "HEAT-140",
        "title": "Heat action plans for districts and cities",
        "provider": "National Institute of Disaster Management",
        "description": (
            "Heat alerts, cooling spaces, work-hour changes and hospital preparedness: what a "
            "plan needs and how to tell whether it worked last summer."
        ),
        "duration": "3h",
        "language": "English",
        "competencies": ["Disaster management", "Public health"],
    },
    {
        "code": "FIRE-160",
        "title": "वन अग्नि रोकथाम: फायर लाइन और ग्राम स्वयंसेवक",
        "provider": "Indira Gandhi National Forest Academy",
        "description": (
            "Fire lines, fire watchers, village volunteers and responding to satellite fire "
            "alerts through the summer season."
        ),
        "duration": "4h",
        "language": "Hindi",
        "competencies": ["domain:Environment/Forest protection"],
    },
    {
        "code": "HWC-170",
        "title": "Human-wildlife conflict: ex-gratia, barriers and trust",
        "provider": "Indira Gandhi National Forest Academy",
        "description": (
            "Verifying crop and property damage quickly, paying ex-gratia on time, choosing "
            "barriers that work and keeping villages on the side of conservation."
        ),
        "duration": "5h",
        "language": "English",
        "competencies": ["domain:Environment/Wildlife conservation"],
    },
    {
        "code": "FRA-180",
        "title": "Forest Rights Act: community claims and maps",
        "provider": "Indira Gandhi National Forest Academy",
        "description": (
            "Community forest resource claims, reconciling gram sabha and department maps, and "
            "the committees' roles from village to district."
        ),
        "duration": "4h",
        "language": "English",
        "competencies": ["domain:Environment/Forest rights", "GIS and mapping"],
    },
    {
        "code": "BUS-240",
        "title": "Planning a city bus service",
        "provider": "Urban Transport Institute",
        "description": (
            "Route design, fleet size, depots, fares and contracts for a town starting its first "
            "bus service, with the numbers from three small cities."
        ),
        "duration": "6h",
        "language": "English",
        "competencies": ["domain:Urban transport"],
    },
    {
        "code": "GTFS-250",
        "title": "Public transport data with GTFS",
        "provider": "Urban Transport Institute",
        "description": (
            "Reading a GTFS feed, finding duplicate routes and service gaps, and publishing "
            "timetables apps can use."
        ),
        "duration": "3h",
        "language": "English",
        "competencies": ["Urban transport", "Data analysis"],
    },
    {
        "code": "MGNREGA-200",
        "title": "मनरेगा भुगतान: एफटीओ अस्वीकृति कम करना",
        "provider": "State Institute of Rural Development",
        "description": (
            "Why fund transfer orders are rejected, fixing account and Aadhaar seeding errors, "
            "and tracking wage payments until they reach workers."
        ),
        "duration": "2h",
        "language": "Hindi",
        "competencies": ["domain:Rural employment", "Rural development"],
    },
    # ---- programmes with communities of their own ---------------------------
    {
        "code": "FC-2016",
        "title": "Common Foundation Course, 2016 batch",
        "provider": "Lal Bahadur Shastri National Academy of Administration",
        "description": (
            "The foundation course shared by officers of all services in their first months: "
            "administration, law, economics, village visits and the habits of public service."
        ),
        "language": "English",
        "competencies": ["Leadership", "Collaboration", "Integrity"],
    },
    {
        "code": "PIA-2025",
        "title": "Public Innovation Academy exchange, 2025 cohort",
        "provider": "Public Innovation Academy",
        "description": (
            "A six-month exchange of Indian and Argentine public servants on design, data and "
            "evidence, ending in an innovation marathon on real problems from their offices."
        ),
        "language": "English",
        "competencies": ["Service design", "Experimentation", "Evidence use"],
    },
]
for _course in COURSES:
    _course["url"] = f"{SITE}/{_course['code'].lower()}"

# Demo threads (by title) and the courses their authors or moderators linked.
THREAD_COURSES: dict[str, list[str]] = {
    "Which iGOT-style courses actually helped with data work? Building a learning path": [
        "IGOT-DATA-101",
        "IGOT-DATA-VIS",
        "SHEETS-201",
        "EVIDENCE-110",
    ],
    "First 72 hours of a flood control room: what would you set up differently?": ["FLOOD-220"],
    "Ex-gratia for crop damage by elephants: how are you cutting complaint-to-payment time?": [
        "HWC-170"
    ],
    "Finding duplicate bus routes with a GTFS feed: a spreadsheet-only method": ["GTFS-250"],
    "Our district town wants a city bus service: where do we start with 40 buses?": ["BUS-240"],
    "Cleaning HMIS facility data before a review meeting: my six-step routine": ["HMIS-130"],
    "Heat action plan: what did you actually change after last summer?": ["HEAT-140"],
    "Single bid on a GeM tender: re-tender or proceed? What has audit said to you?": ["GEM-301"],
    "Journey mapping a certificate service in one afternoon: the template we used": ["HCD-201"],
    "Outcome budget indicators that are actually measurable: share yours": ["OUTCOME-BUDGET"],
}

COMMUNITY_COURSES = {"foundation-course-2016": "FC-2016", "innovation-academy-2025": "PIA-2025"}

COMMUNITY_COMPETENCIES = {
    "data-digital-governance": ["data-analysis", "data-visualisation", "gis-and-mapping"],
    "public-finance": ["public-procurement", "financial-management", "public-finance"],
    "forest-officers": ["forest-protection", "wildlife-conservation", "forest-rights"],
    "human-centred-design": ["service-design", "empathy", "experimentation"],
    "public-health": ["public-health", "data-analysis"],
    "urban-transport": ["urban-transport"],
    "district-collectors": ["disaster-management", "leadership", "collaboration"],
}

USER_COMPETENCIES = {
    "deepak_verma": ["data-analysis", "forest-protection", "gis-and-mapping"],
    "meera_iyer": ["urban-transport", "data-analysis", "leadership"],
    "priya_sharma": ["public-health", "evidence-use", "data-analysis"],
    "suresh_menon": ["public-procurement", "financial-management"],
}

# Helpful activity: (thread title, reply index accepted as the answer by the asker), reactions
# (thread title, reply index, reactor) and threads added to their community's best of.
ACCEPTED = [
    ("Which iGOT-style courses actually helped with data work? Building a learning path", 0),
    ("Single bid on a GeM tender: re-tender or proceed? What has audit said to you?", 0),
]
REACTIONS = [
    (ACCEPTED[0][0], 0, "deepak_verma", "helpful"),
    (ACCEPTED[0][0], 0, "priya_sharma", "insightful"),
    (ACCEPTED[0][0], 1, "deepak_verma", "thanks"),
    (ACCEPTED[0][0], 4, "deepak_verma", "helpful"),
    (ACCEPTED[0][0], 3, "arjun_deshpande", "insightful"),
]
BEST_OF = ["Cleaning HMIS facility data before a review meeting: my six-step routine"]


async def seed(index: CourseIndex | None, admin: User) -> str:
    """Loads the catalogue and its links; returns what it did (nothing, the second time)."""
    if await Course.filter(code=COURSES[0]["code"]).exists():
        return ""
    report = await course_import.import_text(None, _as_json(), fmt="json", index=index)
    people = {u.username: u for u in await User.all()}
    by_title = {t.title: t for t in await Thread.all().select_related("community", "author")}
    linked = 0
    for title, codes in THREAD_COURSES.items():
        thread = by_title.get(title)
        if thread is not None:
            linked += await courses.link_many(thread.author, thread, codes)
    for slug, code in COMMUNITY_COURSES.items():
        community = await Community.get_or_none(slug=slug)
        if community is not None:
            await courses.tie(admin, community, code)
    for slug, wanted in COMMUNITY_COMPETENCIES.items():
        community = await Community.get_or_none(slug=slug)
        if community is not None:
            await courses.set_community_competencies(admin, community, wanted)
    for username, wanted in USER_COMPETENCIES.items():
        if username in people:
            await courses.set_user_competencies(people[username], wanted)
    await _activity(admin, people, by_title)
    return (
        f" Catalogue: {report.created} courses, {linked} links from threads, "
        f"{len(COMMUNITY_COURSES)} communities tied to programmes."
    )


def _as_json() -> str:
    return json.dumps(COURSES, ensure_ascii=False)


async def _activity(admin: User, people: dict[str, User], by_title: dict[str, Thread]) -> None:
    async def reply(title: str, index: int) -> Post | None:
        thread = by_title.get(title)
        if thread is None:
            return None
        return await Post.get_or_none(thread_id=thread.id, number=index + 2).select_related(
            "thread__community"
        )

    for title, index in ACCEPTED:
        post = await reply(title, index)
        if post is not None:
            thread = by_title[title]
            await threads.accept_answer(thread.author, thread, post.id)
    for title, index, username, kind in REACTIONS:
        post = await reply(title, index)
        if post is not None and username in people:
            permissions.forget_memberships(people[username])
            await social.react(people[username], post, kind)
    for title in BEST_OF:
        if title in by_title:  # credited to the community's demo moderator, who chose it
            thread = by_title[title]
            name = demo_content.moderator_of(thread.community.slug)
            chooser = people.get(name) if name else None
            permissions.forget_memberships(chooser)
            await actions.feature_thread(chooser or admin, thread, True, "A model answer.")
