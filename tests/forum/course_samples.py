"""A small known catalogue for the course tests: each course is plainly about one thing, so a
discussion about that thing should find it first."""

from __future__ import annotations

import json

import httpx

from forum.models import User
from tests.conftest import bearer

CATALOGUE = [
    {
        "code": "DATA-VIS",
        "title": "Data visualisation for review meetings",
        "provider": "iGOT Karmayogi",
        "url": "https://learning.example.gov.in/data-vis",
        "description": "Choose the right chart, build a one-page dashboard and present "
        "indicators so a review meeting can decide.",
        "duration": "4h",
        "language": "English",
        "competencies": [
            "functional:Data and digital/Data analysis",
            "functional:Data and digital/Data visualisation",
        ],
    },
    {
        "code": "SHEETS-PIVOT",
        "title": "Spreadsheets for monthly reports: pivot tables and lookups",
        "provider": "iGOT Karmayogi",
        "url": "https://learning.example.gov.in/sheets",
        "description": "Summarise registers with pivot tables, join sheets with lookups and "
        "produce the section's monthly report in minutes.",
        "duration": "2h",
        "language": "Hindi",
        "competencies": ["Data analysis"],
    },
    {
        "code": "GEM-PROC",
        "title": "Public procurement on GeM: bids, evaluation and audit",
        "provider": "National Institute of Financial Management",
        "url": "https://learning.example.gov.in/gem",
        "description": "Tender documents, single-bid situations, technical evaluation, "
        "re-tendering decisions and what audit asks about them.",
        "duration": "6h",
        "language": "English",
        "competencies": ["functional:Finance/Public procurement", "domain:Public finance"],
    },
    {
        "code": "RTI-APPEALS",
        "title": "Right to Information: applications, transfers and first appeals",
        "provider": "Institute of Secretariat Training and Management",
        "url": "https://learning.example.gov.in/rti",
        "description": "Time limits, exemptions, transferring applications and hearing first "
        "appeals as a public information officer.",
        "duration": "3h",
        "language": "English",
        "competencies": ["domain:Governance/Transparency and RTI"],
    },
    {
        "code": "EOFFICE-SO",
        "title": "e-Office for section officers: files, noting and dak",
        "provider": "Institute of Secretariat Training and Management",
        "url": "https://learning.example.gov.in/eoffice",
        "description": "Create and move electronic files, write notes on the notesheet, "
        "handle receipts and transfer files when sections change.",
        "duration": "3h",
        "language": "Hindi",
        "competencies": ["functional:Office management/File management"],
    },
    {
        "code": "HCD-INTERVIEWS",
        "title": "Human-centred design: user interviews and journey maps",
        "provider": "Public Innovation Academy",
        "url": "https://learning.example.gov.in/hcd",
        "description": "Plan and run interviews with citizens, map a service journey and "
        "prototype a fix with front-line staff.",
        "duration": "5h",
        "language": "English",
        "competencies": ["functional:Innovation/Service design", "behavioural:Empathy"],
    },
    {
        "code": "FLOOD-CONTROL",
        "title": "Running a district flood control room",
        "provider": "National Institute of Disaster Management",
        "url": "https://learning.example.gov.in/flood",
        "description": "Set up the control room, run the first 72 hours, coordinate relief "
        "camps, boats and evacuation, and keep the situation report honest.",
        "duration": "8h",
        "language": "English",
        "competencies": ["domain:Disaster management"],
    },
    {
        "code": "FOREST-FIRE",
        "title": "Forest fire prevention with village volunteers",
        "provider": "Indira Gandhi National Forest Academy",
        "url": "https://learning.example.gov.in/fire",
        "description": "Fire lines, fire watchers, village volunteers and responding to "
        "satellite fire alerts in the summer season.",
        "duration": "4h",
        "language": "Hindi",
        "competencies": ["domain:Environment/Forest protection"],
    },
    {
        "code": "LEAD-CHANGE",
        "title": "Leading a team through change",
        "provider": "Capacity Building Commission",
        "url": "https://learning.example.gov.in/lead",
        "description": "Explain why change is needed, bring a reluctant team along and keep "
        "morale when postings and priorities shift.",
        "duration": "3h",
        "language": "English",
        "competencies": ["behavioural:Leadership", "behavioural:Communication"],
    },
    {
        "code": "HMIS-QUALITY",
        "title": "Health data quality: HMIS facility reporting",
        "provider": "National Health Systems Resource Centre",
        "url": "https://learning.example.gov.in/hmis",
        "description": "Find and fix errors in HMIS facility data: missing reports, outliers, "
        "duplicate facilities, before the district health review.",
        "duration": "3h",
        "language": "English",
        "competencies": ["Data analysis", "domain:Public health"],
    },
]


async def load(client: httpx.AsyncClient, admin: User, catalogue: list | None = None) -> dict:
    r = await client.post(
        "/api/v1/courses/import",
        content=json.dumps(catalogue or CATALOGUE),
        headers={**await bearer(admin), "content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    return r.json()
