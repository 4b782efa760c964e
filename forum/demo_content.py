"""Demo content for a fresh Chaupal install.

Pure data: communities of practice, sample members and seeded discussion
threads (English and Hindi) that show how officers who move between roles
and sectors use the forum to swap techniques and ask each other for help.

All people, districts and figures here are fictional and illustrative.

Shapes:

- COMMUNITIES: slug, name, description, kind ("role" | "sector" | "topic" |
  "alumni"), visibility ("public" | "private").
- USERS: username, display_name, role, sector, communities (slugs the user
  belongs to), moderates (subset of communities).
- THREADS: community, author, title, body (Markdown), tags, pinned, locked,
  replies. Each reply has author, body (Markdown) and reply_to (an index into
  the same thread's replies list, or None for a reply to the thread itself);
  an optional "quote": True means the reply opens by quoting the post it
  answers.
"""

from __future__ import annotations

from typing import Any

COMMUNITIES: list[dict[str, Any]] = [
    # ---- role-based -------------------------------------------------------
    {
        "slug": "district-collectors",
        "name": "District Collectors",
        "description": (
            "A peer space for serving and former District Collectors and Deputy "
            "Commissioners to compare notes on revenue administration, scheme "
            "convergence, disaster response and the daily craft of running a "
            "district office."
        ),
        "kind": "role",
        "visibility": "public",
    },
    {
        "slug": "forest-officers",
        "name": "Forest Officers",
        "description": (
            "Divisional and Range Forest Officers trading field-tested practice on "
            "protection, working plans, forest rights and living alongside wildlife."
        ),
        "kind": "role",
        "visibility": "public",
    },
    {
        "slug": "transport-planners",
        "name": "Transport Planners",
        "description": (
            "Planners in state transport departments, urban transport authorities "
            "and city corporations sharing methods for route planning, fleet "
            "decisions and working with travel-demand data."
        ),
        "kind": "role",
        "visibility": "public",
    },
    {
        "slug": "section-officers",
        "name": "Section Officers",
        "description": (
            "A closed group for Section Officers and Under Secretaries to discuss "
            "file management, e-Office workflows, parliament questions and the "
            "unwritten rules of a secretariat desk."
        ),
        "kind": "role",
        "visibility": "private",
    },
    # ---- sector-based -----------------------------------------------------
    {
        "slug": "environment-wildlife",
        "name": "Environment & Wildlife",
        "description": (
            "Cross-department discussion on conservation, forest fire, "
            "eco-sensitive zones and pollution control, and on the monitoring "
            "data behind all of them."
        ),
        "kind": "sector",
        "visibility": "public",
    },
    {
        "slug": "urban-transport",
        "name": "Urban Transport",
        "description": (
            "City buses, last-mile connectivity, parking, road safety and street "
            "design, discussed by the people who plan, fund and run them."
        ),
        "kind": "sector",
        "visibility": "public",
    },
    {
        "slug": "public-health",
        "name": "Public Health",
        "description": (
            "District and state health teams, collectors and finance staff working "
            "through NHM implementation, disease surveillance, health committees "
            "and seasonal preparedness."
        ),
        "kind": "sector",
        "visibility": "public",
    },
    {
        "slug": "public-finance",
        "name": "Public Finance",
        "description": (
            "Budgeting, expenditure management, procurement and audit: how officers "
            "keep public money moving on time and on record."
        ),
        "kind": "sector",
        "visibility": "public",
    },
    # ---- topic-based ------------------------------------------------------
    {
        "slug": "data-digital-governance",
        "name": "Data & Digital Governance",
        "description": (
            "Dashboards, data quality, digital public infrastructure and "
            "responsible data sharing across departments. Beginners' questions are "
            "as welcome as expert ones."
        ),
        "kind": "topic",
        "visibility": "public",
    },
    {
        "slug": "human-centred-design",
        "name": "Human-Centred Design",
        "description": (
            "Service design, user research, journey mapping and prototyping inside "
            "government, with honest notes on what survived contact with the system."
        ),
        "kind": "topic",
        "visibility": "public",
    },
    # ---- alumni -----------------------------------------------------------
    {
        "slug": "innovation-academy-2025",
        "name": "Public Innovation Academy: 2025 Cohort",
        "description": (
            "Private space for the 2025 exchange cohort of Indian and Argentine "
            "public servants who trained together in design, data and evidence use. "
            "Innovation marathons, meetups and project follow-ups live here."
        ),
        "kind": "alumni",
        "visibility": "private",
    },
    {
        "slug": "foundation-course-2016",
        "name": "Foundation Course 2016 Batch",
        "description": (
            "Alumni of the 2016 common foundation course, now spread across services "
            "and states: catch-ups, postings news and help for batchmates taking on "
            "unfamiliar roles."
        ),
        "kind": "alumni",
        "visibility": "public",
    },
]


USERS: list[dict[str, Any]] = [
    {
        "username": "anita_rao",
        "display_name": "Anita Rao",
        "role": "District Collector",
        "sector": "Revenue",
        "communities": [
            "district-collectors",
            "urban-transport",
            "public-health",
            "data-digital-governance",
            "foundation-course-2016",
        ],
        "moderates": ["district-collectors"],
    },
    {
        "username": "vikram_singh",
        "display_name": "Vikram Singh",
        "role": "Divisional Forest Officer",
        "sector": "Environment",
        "communities": [
            "forest-officers",
            "environment-wildlife",
            "human-centred-design",
            "foundation-course-2016",
        ],
        "moderates": ["forest-officers", "environment-wildlife"],
    },
    {
        "username": "meera_iyer",
        "display_name": "Meera Iyer",
        "role": "Transport Planner",
        "sector": "Transport",
        "communities": [
            "transport-planners",
            "urban-transport",
            "forest-officers",
            "environment-wildlife",
            "human-centred-design",
            "innovation-academy-2025",
        ],
        "moderates": ["transport-planners", "urban-transport"],
    },
    {
        "username": "rajesh_kumar",
        "display_name": "राजेश कुमार",
        "role": "Section Officer",
        "sector": "Education",
        "communities": [
            "section-officers",
            "public-finance",
            "data-digital-governance",
        ],
        "moderates": ["section-officers"],
    },
    {
        "username": "priya_sharma",
        "display_name": "Dr. Priya Sharma",
        "role": "Medical Officer",
        "sector": "Health",
        "communities": [
            "public-health",
            "data-digital-governance",
            "human-centred-design",
            "innovation-academy-2025",
        ],
        "moderates": ["public-health"],
    },
    {
        "username": "suresh_menon",
        "display_name": "Suresh Menon",
        "role": "Finance Officer",
        "sector": "Finance",
        "communities": [
            "public-finance",
            "section-officers",
            "public-health",
        ],
        "moderates": ["public-finance"],
    },
    {
        "username": "lucia_fernandez",
        "display_name": "Lucía Fernández",
        "role": "Data Analyst",
        "sector": "Digital Governance",
        "communities": [
            "innovation-academy-2025",
            "human-centred-design",
            "data-digital-governance",
            "urban-transport",
            "transport-planners",
        ],
        "moderates": ["innovation-academy-2025", "human-centred-design"],
    },
    {
        "username": "arjun_deshpande",
        "display_name": "Arjun Deshpande",
        "role": "Deputy Secretary",
        "sector": "Digital Governance",
        "communities": [
            "data-digital-governance",
            "district-collectors",
            "section-officers",
            "public-finance",
            "transport-planners",
            "foundation-course-2016",
            "innovation-academy-2025",
        ],
        "moderates": ["data-digital-governance"],
    },
    {
        "username": "kavita_meena",
        "display_name": "कविता मीणा",
        "role": "District Collector",
        "sector": "Revenue",
        "communities": [
            "district-collectors",
            "forest-officers",
            "environment-wildlife",
            "public-health",
            "foundation-course-2016",
        ],
        "moderates": ["foundation-course-2016"],
    },
    {
        "username": "deepak_verma",
        "display_name": "Deepak Verma",
        "role": "Range Forest Officer",
        "sector": "Environment",
        "communities": [
            "forest-officers",
            "environment-wildlife",
            "data-digital-governance",
            "innovation-academy-2025",
        ],
        "moderates": [],
    },
]


THREADS: list[dict[str, Any]] = [
    # =====================================================================
    # district-collectors
    # =====================================================================
    {
        "community": "district-collectors",
        "author": "anita_rao",
        "title": "Welcome to District Collectors: how we use this space",
        "body": (
            "Welcome, and thank you for joining. This community is for officers who "
            "are running a district now or have run one recently. Most of us learnt "
            "the job by phoning a batchmate at 11 pm; the idea here is to make those "
            "conversations searchable.\n\n"
            "**A few ground rules:**\n\n"
            "- Ask specific questions. 'How did you handle X when Y happened?' gets "
            "better answers than 'Any tips on X?'\n"
            "- Never post names of complainants, beneficiaries or staff under "
            "inquiry. Describe the situation, not the person.\n"
            "- Share what failed as well as what worked. A failed experiment written "
            "down saves someone else a quarter.\n"
            "- Tag posts with the scheme or function (for example `mgnrega`, "
            "`flood`, `land-records`) so they are easy to find later.\n\n"
            "If a thread turns into a useful checklist, moderators will link it from "
            "this post. Introduce yourself below with your current posting (state "
            "and function only) and one problem you are working on this month."
        ),
        "tags": ["guidelines", "welcome"],
        "pinned": True,
        "locked": False,
        "replies": [
            {
                "author": "kavita_meena",
                "body": (
                    "Hello everyone. Collector for fourteen months now, previously "
                    "Director in a tribal welfare department. This month's problem: "
                    "bringing down MGNREGA payment rejections, which I will post about "
                    "separately. Happy to share our grievance-tracking sheet with "
                    "anyone setting one up."
                ),
                "reply_to": None,
            },
            {
                "author": "arjun_deshpande",
                "body": (
                    "Not in a district any more (Deputy Secretary at the Centre since "
                    "last year), but I was Collector for two years before that. Happy "
                    "to answer questions on how proposals look from the ministry side: "
                    "what makes a district's request move quickly and what makes it "
                    "sit in a file."
                ),
                "reply_to": None,
            },
            {
                "author": "anita_rao",
                "body": (
                    "> Happy to answer questions on how proposals look from the "
                    "ministry side: what makes a district's request move quickly and "
                    "what makes it sit in a file.\n\n"
                    "Please do write that up as its own thread, Arjun. Half our "
                    "reminder letters to ministries would not be needed if we knew "
                    "what the desk officer actually checks first."
                ),
                "reply_to": 1,
                "quote": True,
            },
        ],
    },
    {
        "community": "district-collectors",
        "author": "kavita_meena",
        "title": "मनरेगा मज़दूरी भुगतान में देरी: एफटीओ अस्वीकृति कैसे कम करें?",
        "body": (
            "पिछले तीन महीनों में हमारे ज़िले में मनरेगा मज़दूरी के लगभग 11 प्रतिशत "
            "भुगतान अस्वीकृत हुए। ज़्यादातर मामलों में कारण एक जैसे थे: आधार से बैंक "
            "खाते की मैपिंग निष्क्रिय, खाता बंद या निष्क्रिय, और नाम की वर्तनी में अंतर।\n\n"
            "अब तक हमने ये कदम उठाए हैं:\n\n"
            "- हर सोमवार ब्लॉक स्तर पर अस्वीकृत भुगतानों की सूची निकालकर ग्राम रोज़गार "
            "सहायक को दी जाती है।\n"
            "- बैंक सखी और डाक विभाग के साथ मिलकर गाँव में ही खाते सक्रिय करने के शिविर।\n"
            "- दूसरे हस्ताक्षरकर्ता द्वारा एफटीओ पर हस्ताक्षर में देरी को रोज़ की समीक्षा "
            "में शामिल किया।\n\n"
            "**सवाल:** क्या किसी ने अस्वीकृति दर को 3 प्रतिशत से नीचे लाने में सफलता "
            "पाई है? विशेष रूप से, पुराने अस्वीकृत मामलों को दोबारा भुगतान तक पहुँचाने "
            "की प्रक्रिया आपने कैसे व्यवस्थित की? विलंब क्षतिपूर्ति की गणना भी हमारे "
            "यहाँ समय पर नहीं हो पा रही है।"
        ),
        "tags": ["mgnrega", "wage-payments", "dbt"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "anita_rao",
                "body": (
                    "हमारे यहाँ सबसे बड़ा अंतर तब आया जब हमने अस्वीकृत मामलों को कारण "
                    "के हिसाब से बाँटकर अलग-अलग ज़िम्मेदारी तय की। खाता निष्क्रिय हो तो "
                    "बैंक, मैपिंग की समस्या हो तो ब्लॉक का डेटा ऑपरेटर, और नाम में अंतर हो "
                    "तो पंचायत सचिव। छह हफ़्तों में दर 9 से 4 प्रतिशत पर आ गई। हर शुक्रवार "
                    "पाँच सबसे पिछड़ी पंचायतों को फ़ोन पर समीक्षा में बुलाते थे।"
                ),
                "reply_to": None,
            },
            {
                "author": "arjun_deshpande",
                "body": (
                    "एक practical बात: delay compensation की calculation system में तभी "
                    "सही आती है जब मस्टर रोल बंद होने की तारीख़ और measurement की entry "
                    "समय पर हो। हमने देखा कि 8वें दिन के बाद ज़्यादातर देरी measurement "
                    "book में थी, bank में नहीं। तो block-wise 'muster closed to MB entry' "
                    "का average days निकालिए, वहीं असली bottleneck दिखेगा।"
                ),
                "reply_to": None,
            },
            {
                "author": "kavita_meena",
                "body": (
                    "यह सुझाव बहुत काम का निकला। हमारे चार ब्लॉकों में मस्टर रोल बंद "
                    "होने से माप-पुस्तिका में प्रविष्टि तक औसतन 6 दिन से ज़्यादा लग रहे "
                    "थे। अब कनिष्ठ अभियंताओं का साप्ताहिक रोस्टर बना दिया है और माप की "
                    "प्रविष्टि तीन दिन के भीतर अनिवार्य कर दी है। अगले महीने परिणाम यहीं "
                    "साझा करूँगी।"
                ),
                "reply_to": 1,
            },
        ],
    },
    {
        "community": "district-collectors",
        "author": "anita_rao",
        "title": "First 72 hours of a flood control room: what would you set up differently?",
        "body": (
            "Monsoon is six weeks away and this will be my first season as Collector "
            "in a district where two rivers overflow most years. The disaster "
            "management plan is 180 pages long and, honestly, nobody in the control "
            "room has read it end to end.\n\n"
            "I am trying to reduce it to what matters in the first 72 hours. My draft "
            "list:\n\n"
            "1. A single roster for the control room with a named shift lead, not "
            "just 'duty officer'.\n"
            "2. Pre-identified relief camps with a checked count of toilets and "
            "drinking water points, not just a building name.\n"
            "3. One broadcast list per tehsil, owned by the tehsildar, for verified "
            "messages only.\n"
            "4. Boats and divers listed by phone number, re-verified on 1 June.\n\n"
            "What did you add after your first season? I am particularly interested "
            "in rumour control and in the flow of information to the state emergency "
            "operations centre without burying the control room in formats."
        ),
        "tags": ["disaster-management", "flood", "control-room"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "kavita_meena",
                "body": (
                    "Add a **missing persons desk** separate from the main control "
                    "room line. In our first flood the main number was jammed by "
                    "families looking for relatives, and genuine rescue calls were "
                    "waiting. One constable, one revenue clerk and a register were "
                    "enough. Also pre-print camp registration forms. Generators fail, "
                    "printers fail first."
                ),
                "reply_to": None,
            },
            {
                "author": "arjun_deshpande",
                "body": (
                    "On the state flow: agree with them on day one which three numbers "
                    "they need every six hours (people evacuated, camps running, "
                    "casualties) and send only those. Everything else goes in one "
                    "evening situation report. We cut the number of calls from the "
                    "state to the control room by more than half this way."
                ),
                "reply_to": None,
            },
            {
                "author": "anita_rao",
                "body": (
                    "> Generators fail, printers fail first.\n\n"
                    "Noted, and painfully true. We will keep 2,000 blank registration "
                    "forms per camp in sealed packets with the tehsildar. Did you "
                    "number the forms in advance, or assign numbers at the camp?"
                ),
                "reply_to": 0,
                "quote": True,
            },
            {
                "author": "kavita_meena",
                "body": (
                    "Numbered in advance: camp code plus serial. It made "
                    "reconciliation with ration distribution much easier afterwards, "
                    "and the audit team later asked for exactly that."
                ),
                "reply_to": 2,
            },
        ],
    },
    # =====================================================================
    # forest-officers
    # =====================================================================
    {
        "community": "forest-officers",
        "author": "vikram_singh",
        "title": "Ex-gratia for crop damage by elephants: how are you cutting complaint-to-payment time?",
        "body": (
            "In my division we received about 1,400 crop-damage claims last year, "
            "mostly paddy and banana, across 38 villages on the elephant corridor. "
            "The average time from complaint to payment was 74 days. The state norm "
            "says 30.\n\n"
            "Where the days go, from our own file sampling:\n\n"
            "- **Joint inspection:** 18 days on average, because the forester and "
            "the revenue patwari rarely reach the same field on the same day.\n"
            "- **Valuation:** another 12 days waiting for the agriculture "
            "department's rate certificate.\n"
            "- **Sanction and payment:** the rest, mostly batching claims until the "
            "month end.\n\n"
            "We are now trying geo-tagged photographs taken by the beat guard within "
            "48 hours, with the patwari countersigning later. Has anyone got legal "
            "cover for replacing the joint physical inspection this way? And does "
            "anyone pay in weekly batches instead of monthly?"
        ),
        "tags": ["human-wildlife-conflict", "compensation", "elephants"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "deepak_verma",
                "body": (
                    "Our range moved to weekly batches last October. It helped, but "
                    "only after the DDO agreed to accept a consolidated bill with the "
                    "claim list as an annexure. Before that each claim was a separate "
                    "bill and the treasury returned half of them for small errors. "
                    "Average payment time in the range is now around 35 days."
                ),
                "reply_to": None,
            },
            {
                "author": "kavita_meena",
                "body": (
                    "From the revenue side: the patwari delay is real, and it is not "
                    "always negligence. In peak season one patwari covers 9 to 12 "
                    "villages and is also doing crop cutting experiments. We issued a "
                    "district order that crop-damage inspections in corridor villages "
                    "get priority over routine mutation work from October to December. "
                    "That gave tehsildars cover to move people."
                ),
                "reply_to": None,
            },
            {
                "author": "meera_iyer",
                "body": (
                    "When I was in a wildlife division we got an order issued that "
                    "accepted timestamped geo-tagged photos plus a panchnama signed by "
                    "two villagers as valid inspection evidence when the revenue "
                    "official could not reach within 72 hours. It took four months of "
                    "drafting and one refusal from the law department, so start early. "
                    "Happy to share the anonymised draft by message."
                ),
                "reply_to": None,
            },
            {
                "author": "vikram_singh",
                "body": (
                    "> It took four months of drafting and one refusal from the law "
                    "department, so start early.\n\n"
                    "That is exactly the warning I needed. Please do share the draft. "
                    "Was the law department's objection about evidence value or about "
                    "delegating the revenue official's role?"
                ),
                "reply_to": 2,
                "quote": True,
            },
            {
                "author": "meera_iyer",
                "body": (
                    "Delegation. Their view was that a forest official cannot certify "
                    "crop loss on behalf of revenue. The second draft kept the revenue "
                    "official as the certifying authority but allowed certification on "
                    "the basis of the photo record, and that went through."
                ),
                "reply_to": 3,
            },
        ],
    },
    {
        "community": "forest-officers",
        "author": "deepak_verma",
        "title": "वन अधिकार अधिनियम के सामुदायिक दावे: ग्राम सभा का नक्शा और वन विभाग का नक्शा मेल नहीं खाते",
        "body": (
            "मेरी रेंज में पिछले साल सात गाँवों से सामुदायिक वन संसाधन के दावे आए। "
            "उपखंड स्तरीय समिति में लगभग हर दावे पर एक ही आपत्ति आई: ग्राम सभा द्वारा "
            "बनाया गया सीमा-नक्शा वन विभाग के कम्पार्टमेंट नक्शे से मेल नहीं खाता।\n\n"
            "ग्राम सभा ने पारंपरिक सीमाएँ नदी, पहाड़ी और पुराने पत्थरों के आधार पर "
            "बनाई हैं, जबकि हमारे नक्शे सर्वे नंबर और कम्पार्टमेंट रेखाओं पर आधारित हैं। "
            "दोनों सही हो सकते हैं, पर समिति को एक साझा आधार चाहिए।\n\n"
            "**मेरे सवाल:**\n\n"
            "- क्या आपने संयुक्त सत्यापन के लिए जीपीएस से सीमा-चिह्नों की रिकॉर्डिंग की है?\n"
            "- पड़ोसी गाँवों के दावों में सीमा एक-दूसरे पर चढ़ती हो तो समिति ने क्या "
            "प्रक्रिया अपनाई?\n"
            "- वन विभाग का प्रतिनिधि होने के नाते ग्राम सभा का भरोसा कैसे बनाए रखें?"
        ),
        "tags": ["forest-rights-act", "community-claims", "mapping"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "kavita_meena",
                "body": (
                    "ज़िला स्तरीय समिति की अध्यक्ष होने के नाते मेरा अनुभव यह है कि "
                    "नक्शों का मेल न खाना दावा अस्वीकार करने का कारण नहीं होना चाहिए। "
                    "हमने संयुक्त सत्यापन दल बनाए, जिनमें वनरक्षक, पटवारी और ग्राम सभा के "
                    "दो बुज़ुर्ग सदस्य थे। सीमा-चिह्नों के जीपीएस बिंदु लेकर दोनों नक्शों "
                    "पर एक साथ दिखाए गए। आधे से ज़्यादा अंतर वहीं बैठकर सुलझ गए।"
                ),
                "reply_to": None,
            },
            {
                "author": "vikram_singh",
                "body": (
                    "पड़ोसी गाँवों की साझा सीमा पर हमने दोनों ग्राम सभाओं की संयुक्त "
                    "बैठक कराई और साझा क्षेत्र को संयुक्त प्रबंधन क्षेत्र के रूप में दर्ज "
                    "करने का प्रस्ताव रखा। हर मामले में सहमति नहीं बनी, पर जहाँ बनी वहाँ "
                    "समिति ने बिना आपत्ति अनुमोदन दिया। ज़रूरी बात: बैठक का कार्यवृत्त "
                    "स्थानीय बोली में पढ़कर सुनाएँ और उसी दिन हस्ताक्षर लें।"
                ),
                "reply_to": None,
            },
            {
                "author": "deepak_verma",
                "body": (
                    "> आधे से ज़्यादा अंतर वहीं बैठकर सुलझ गए।\n\n"
                    "धन्यवाद मैडम। हम अगले महीने दो गाँवों में यही तरीका आज़माएँगे। एक "
                    "सवाल: संयुक्त सत्यापन का ख़र्च किस मद से हुआ? हमारे यहाँ वाहन और "
                    "उपकरण के लिए अलग बजट नहीं है।"
                ),
                "reply_to": 0,
                "quote": True,
            },
            {
                "author": "kavita_meena",
                "body": (
                    "जनजातीय कल्याण विभाग की प्रशासनिक मद से। ज़िला कल्याण अधिकारी से "
                    "बात कीजिए, आम तौर पर वन अधिकार क्रियान्वयन के लिए कुछ राशि रहती है। "
                    "जीपीएस के लिए मोबाइल ऐप ही पर्याप्त रहा, अलग उपकरण नहीं ख़रीदा।"
                ),
                "reply_to": 2,
            },
        ],
    },
    {
        "community": "forest-officers",
        "author": "meera_iyer",
        "title": "Handing over a wildlife division: what I wish my predecessor had written down",
        "body": (
            "I handed over my division last month when I moved to a transport "
            "posting. Writing the handover note made me realise how much of the job "
            "lived only in my head, and how little I had received when I joined three "
            "years ago: a charge report, a stock register and a list of pending court "
            "cases.\n\n"
            "This time I tried a different structure, in case it helps others:\n\n"
            "- **People:** the villagers, NGO contacts and one retired forester who "
            "know what is really happening, with a note on how to approach each.\n"
            "- **Calendars:** when the fire season actually starts here (not the "
            "official date), when elephants move, when the annual plan of operations "
            "must reach the circle office.\n"
            "- **Open loops:** every promise I made in a village meeting that is not "
            "yet done.\n"
            "- **Traps:** the three court cases where a missed hearing would be "
            "costly.\n\n"
            "What would you add? I think the open loops list is the most valuable part "
            "and the one most often missing."
        ),
        "tags": ["handover", "role-transition", "institutional-memory"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "vikram_singh",
                "body": (
                    "Add the informal agreements with neighbouring divisions: who "
                    "patrols which stretch of the boundary road, who pays for the "
                    "shared watchtower. These are never in writing and they collapse "
                    "the month one officer leaves."
                ),
                "reply_to": None,
            },
            {
                "author": "deepak_verma",
                "body": (
                    "From the range level: please list the frontline staff due for "
                    "transfer or retirement in the next year. Half the institutional "
                    "memory of a range is one experienced forest guard. When he "
                    "retires, nobody knows where the old boundary pillars are."
                ),
                "reply_to": None,
            },
        ],
    },
    # =====================================================================
    # transport-planners
    # =====================================================================
    {
        "community": "transport-planners",
        "author": "meera_iyer",
        "title": "Moved from wildlife to transport last month: where should I start?",
        "body": (
            "A month ago I was managing the buffer zone of a tiger reserve. Now I am "
            "the transport planner in a metropolitan transport authority, on "
            "deputation. The shift is real: my vocabulary was corridors, prey base "
            "and fire lines, and now it is headways, ridership and dead kilometres.\n\n"
            "Some things transfer surprisingly well. Both jobs are about movement "
            "across a landscape, conflict at the edges and working with people who do "
            "not report to you. But I lack basic technical fluency.\n\n"
            "What I have done so far:\n\n"
            "1. Finished two short iGOT-style modules on urban mobility basics and one "
            "on data for decision making.\n"
            "2. Rode 14 bus routes end to end with a notebook.\n"
            "3. Sat with the depot managers for a full shift.\n\n"
            "What would you put on a 90-day learning list for someone in my position? "
            "Courses, datasets, or people to shadow are all welcome."
        ),
        "tags": ["role-transition", "learning-paths", "competencies"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "lucia_fernandez",
                "body": (
                    "Welcome to transport! Riding the routes is the best thing you "
                    "could have done first. I would add: learn to open a GTFS feed "
                    "yourself. Even with a spreadsheet you can answer questions like "
                    "which stops have more than 10 minutes between buses at peak. Once "
                    "you can ask the data simple questions, conversations with "
                    "consultants change completely."
                ),
                "reply_to": None,
            },
            {
                "author": "arjun_deshpande",
                "body": (
                    "From the ministry side: read the last three years of the "
                    "authority's board agenda notes and minutes. They tell you which "
                    "decisions were deferred and why, and which ones will come back to "
                    "you. Also look up the competency framework for your role on the "
                    "learning platform; it maps surprisingly well to what boards "
                    "actually ask planners."
                ),
                "reply_to": None,
            },
            {
                "author": "meera_iyer",
                "body": (
                    "> Once you can ask the data simple questions, conversations with "
                    "consultants change completely.\n\n"
                    "Already true after one week. I asked our consultant why two routes "
                    "had identical stop sequences for 8 km and the answer was a "
                    "historic permit nobody had reviewed. Is there a short GTFS guide "
                    "you would recommend for non-programmers?"
                ),
                "reply_to": 0,
                "quote": True,
            },
            {
                "author": "lucia_fernandez",
                "body": (
                    "I will write one up as a separate thread with the steps our team "
                    "used, with only a spreadsheet and a free GIS tool. Give me a week."
                ),
                "reply_to": 2,
            },
        ],
    },
    {
        "community": "transport-planners",
        "author": "lucia_fernandez",
        "title": "Finding duplicate bus routes with a GTFS feed: a spreadsheet-only method",
        "body": (
            "As promised in Meera's thread, here is the method our team used to find "
            "overlapping routes before a network review. No programming needed, "
            "though a script makes it faster.\n\n"
            "**Steps:**\n\n"
            "1. Download the GTFS feed (a zip of text files). Open `trips.txt` and "
            "`stop_times.txt`.\n"
            "2. For each route, pick the most frequent trip and list its stop "
            "sequence.\n"
            "3. For every pair of routes, count the stops they share in the same "
            "order. Divide by the shorter route's stop count.\n"
            "4. Flag pairs with more than 70 percent overlap.\n"
            "5. Map the flagged pairs and ride them at peak before drawing any "
            "conclusion.\n\n"
            "In our case 31 of 212 routes were flagged; after field checks, 11 were "
            "merged or shortened, freeing 46 buses for unserved areas. Step 5 matters: "
            "some overlaps exist because a corridor genuinely needs the frequency.\n\n"
            "A worked example with a small sample feed is at "
            "https://example.org/gtfs-overlap-guide."
        ),
        "tags": ["gtfs", "route-rationalisation", "open-data"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "meera_iyer",
                "body": (
                    "Tried this on our feed over the weekend: 212 routes here too, "
                    "coincidentally, and 27 flagged. The hardest part was step 2. Some "
                    "routes have five variants and the most frequent trip is not the "
                    "one people think of as the route. I ended up picking the variant "
                    "with the most trips between 8 and 10 am."
                ),
                "reply_to": None,
            },
            {
                "author": "arjun_deshpande",
                "body": (
                    "Useful. One caution: before merging routes, check whether any were "
                    "sanctioned under a scheme with conditions on serving particular "
                    "areas. We had a case where a merged route dropped two stops near a "
                    "hospital and it became a question in the assembly."
                ),
                "reply_to": None,
            },
            {
                "author": "lucia_fernandez",
                "body": (
                    "> We had a case where a merged route dropped two stops near a "
                    "hospital and it became a question in the assembly.\n\n"
                    "Good point, and it is why we now add a column for stops near "
                    "essential services before step 4. Anything within 300 m of a "
                    "hospital, school or government office is flagged and cannot be "
                    "dropped without a separate note."
                ),
                "reply_to": 1,
                "quote": True,
            },
        ],
    },
    # =====================================================================
    # section-officers (private)
    # =====================================================================
    {
        "community": "section-officers",
        "author": "rajesh_kumar",
        "title": "ई-ऑफिस में अनुभाग बदलने के बाद पुरानी फ़ाइलों और नोटशीट का क्या करें?",
        "body": (
            "पिछले महीने हमारे विभाग में दो अनुभागों का पुनर्गठन हुआ। लगभग 640 ई-फ़ाइलें "
            "एक अनुभाग से दूसरे अनुभाग में जानी थीं। समस्या यह आई कि कई फ़ाइलें "
            "स्थानांतरित हो चुके अधिकारियों के इनबॉक्स में अटकी हैं, कुछ में मसौदे अधूरे "
            "पड़े हैं और कुछ भौतिक फ़ाइलों के भाग अभी तक स्कैन नहीं हुए।\n\n"
            "हमने अब तक यह किया:\n\n"
            "- हर फ़ाइल की सूची बनाई: चालू, बंद करने योग्य, और अभिलेख कक्ष में भेजने "
            "योग्य।\n"
            "- बंद करने योग्य फ़ाइलों पर अंतिम टिप्पणी लिखकर उन्हें बंद किया।\n"
            "- चालू फ़ाइलों को नए अनुभाग अधिकारी के नाम स्थानांतरित करने के लिए "
            "तकनीकी सहायता केंद्र को अनुरोध भेजा।\n\n"
            "**सवाल:** अधूरे मसौदों और पुराने अधिकारियों के पास अटकी फ़ाइलों के लिए "
            "आपने क्या प्रक्रिया अपनाई? क्या किसी ने स्थानांतरण से पहले की कोई "
            "जाँच-सूची बनाई है?"
        ),
        "tags": ["e-office", "file-management", "restructuring"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "suresh_menon",
                "body": (
                    "हमारे यहाँ भी यही हुआ था। सबसे ज़रूरी step: transfer से पहले हर "
                    "officer से अपना inbox clear करवाइए, वरना बाद में file उनके नाम पर "
                    "pending दिखती रहती है और admin rights वाले व्यक्ति को ही हटानी पड़ती "
                    "है। हमने एक simple checklist बनाई थी: inbox, drafts, parked files, "
                    "और DSC की validity. तीन दिन की deadline दी, और Under Secretary ने "
                    "daily review किया।"
                ),
                "reply_to": None,
            },
            {
                "author": "arjun_deshpande",
                "body": (
                    "अधूरे मसौदों के लिए नियम स्पष्ट रखिए: या तो लेखक अधिकारी जाने से "
                    "पहले उसे पूरा करे, या नोटशीट पर टिप्पणी लिखे कि मसौदा अधूरा है और किस "
                    "बिंदु तक पहुँचा है। बिना टिप्पणी के पड़ा मसौदा बाद में कोई नहीं छूता। "
                    "भौतिक भागों के लिए भाग-फ़ाइल बनाकर स्कैनिंग की समय-सीमा तय कीजिए।"
                ),
                "reply_to": None,
            },
            {
                "author": "rajesh_kumar",
                "body": (
                    "> बिना टिप्पणी के पड़ा मसौदा बाद में कोई नहीं छूता।\n\n"
                    "बिल्कुल सही। हमारे यहाँ ऐसे 37 मसौदे मिले, जिनमें से कुछ एक साल "
                    "पुराने थे। अब हर शुक्रवार अनुभाग स्तर पर मसौदों की सूची की समीक्षा "
                    "होगी। सुरेश जी की जाँच-सूची भी अपना रहे हैं, धन्यवाद।"
                ),
                "reply_to": 1,
                "quote": True,
            },
        ],
    },
    {
        "community": "section-officers",
        "author": "suresh_menon",
        "title": "Tracking parliament question replies across three divisions without a spreadsheet mess",
        "body": (
            "During the last session our wing handled 58 parliament questions, and for "
            "each one inputs came from three divisions and at least one attached "
            "office. We tracked everything in a shared spreadsheet that had 14 "
            "versions by the second week, and one reply went up with an outdated "
            "figure.\n\n"
            "For the coming session I want a simpler system. Current idea:\n\n"
            "- One tracker owned by one Section Officer, view-only for everyone else.\n"
            "- Fixed internal deadlines: inputs by day 2, draft by day 3, approval by "
            "day 4.\n"
            "- Every figure in a draft reply carries its source and date in a comment, "
            "removed only at the final stage.\n\n"
            "How do others manage this? Is anyone using e-Office itself for tracking "
            "instead of a separate sheet?"
        ),
        "tags": ["parliament-questions", "tracking", "e-office"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "rajesh_kumar",
                "body": (
                    "We tried running everything inside e-Office: one file per "
                    "question, inputs as receipts. It works for the record but not for "
                    "a quick view of what is pending. So we kept a one-page tracker "
                    "with only four columns: question number, due date, pending with "
                    "whom, and status. Anything more detailed goes in the file."
                ),
                "reply_to": None,
            },
            {
                "author": "arjun_deshpande",
                "body": (
                    "Your third point is the one that will save you. In my experience "
                    "wrong figures come from a division quoting last year's data "
                    "without saying so. Insist on figure, source and as-on date for "
                    "every number, and return inputs that do not have them. It feels "
                    "bureaucratic for a week and then everyone gets used to it."
                ),
                "reply_to": None,
            },
        ],
    },
    # =====================================================================
    # environment-wildlife
    # =====================================================================
    {
        "community": "environment-wildlife",
        "author": "vikram_singh",
        "title": "Camera-trap images are piling up: how do you triage 2 lakh frames a season?",
        "body": (
            "We deployed 120 camera-trap pairs this season for the annual monitoring "
            "exercise and came back with roughly 2.1 lakh frames. About 70 percent "
            "are empty: grass moving, sun flare, cattle. Last year two range staff "
            "spent six weeks sorting images and the analysis reached the state only "
            "in September.\n\n"
            "What we are trying this year:\n\n"
            "- An open-source classifier to remove empty frames first, with a 5 "
            "percent random check by staff.\n"
            "- A strict naming convention (station code, date, camera side) so images "
            "never lose their location.\n"
            "- A shared drive per range, backed up to an external disk kept at the "
            "division office.\n\n"
            "If you have used an automatic classifier, how much did you trust it? What "
            "error rate did you accept, and who signs off on the final species count?"
        ),
        "tags": ["camera-traps", "wildlife-monitoring", "data-management"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "deepak_verma",
                "body": (
                    "We used a classifier last season. It removed empty frames well, "
                    "but it also removed some frames where a leopard was only partly "
                    "visible at the edge. After that we set the threshold lower and "
                    "accepted more false positives. Staff time went from six weeks to "
                    "about ten days."
                ),
                "reply_to": None,
            },
            {
                "author": "meera_iyer",
                "body": (
                    "Fix the naming convention before deployment, not after. We once "
                    "lost nearly 4,000 frames because a memory card was swapped between "
                    "stations and nobody could prove which location it came from."
                ),
                "reply_to": None,
            },
            {
                "author": "vikram_singh",
                "body": (
                    "> After that we set the threshold lower and accepted more false "
                    "positives.\n\n"
                    "A sensible trade. For a monitoring count, a missed leopard is "
                    "worse than a few extra frames to review. What threshold did you "
                    "settle on, and did the research institute accept the method?"
                ),
                "reply_to": 0,
                "quote": True,
            },
            {
                "author": "deepak_verma",
                "body": (
                    "We settled at 0.2 on the classifier's confidence score, so "
                    "anything above that went to human review. The institute accepted "
                    "it after we attached the results of the 5 percent manual check, "
                    "which showed no missed detections in the sample."
                ),
                "reply_to": 2,
            },
        ],
    },
    {
        "community": "environment-wildlife",
        "author": "deepak_verma",
        "title": "गर्मियों में वन अग्नि: फायर लाइन और गाँव के स्वयंसेवकों के साथ हमारा अनुभव",
        "body": (
            "पिछले अग्नि मौसम में मेरी रेंज में 46 आग की घटनाएँ दर्ज हुईं, जिनमें से 31 "
            "सड़क किनारे या खेतों की सफ़ाई के दौरान शुरू हुईं। इस बार हमने कुछ बदलाव किए "
            "हैं और अनुभव साझा करना चाहता हूँ।\n\n"
            "- फ़रवरी के पहले सप्ताह तक 18 किलोमीटर फायर लाइन की सफ़ाई पूरी की, पिछले "
            "साल यह काम मार्च में होता था।\n"
            "- हर संवेदनशील गाँव में पाँच स्वयंसेवकों का दल, जिन्हें झाड़ू-बीटर और पानी "
            "की बोतलें दी गईं।\n"
            "- उपग्रह से मिलने वाली अग्नि चेतावनी सीधे बीट गार्ड और स्वयंसेवक दल के "
            "मुखिया तक पहुँचाने के लिए एक फ़ोन समूह।\n\n"
            "**अनुभव:** चेतावनी मिलने से आग तक पहुँचने का औसत समय लगभग 3 घंटे से घटकर "
            "70 मिनट हुआ। पर स्वयंसेवकों को पूरे मौसम जोड़े रखना कठिन है। आप लोग उन्हें "
            "कैसे प्रोत्साहित करते हैं?"
        ),
        "tags": ["forest-fire", "community-participation", "fire-alerts"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "vikram_singh",
                "body": (
                    "हमारे प्रभाग में स्वयंसेवक दलों को संयुक्त वन प्रबंधन समिति से जोड़ा "
                    "गया है। जिस गाँव में पूरे मौसम कोई बड़ी आग नहीं लगती, उसकी समिति को "
                    "अगले वर्ष के सूक्ष्म योजना कार्यों में प्राथमिकता मिलती है। नकद "
                    "प्रोत्साहन से ज़्यादा यह सामुदायिक मान्यता काम करती है।"
                ),
                "reply_to": None,
            },
            {
                "author": "kavita_meena",
                "body": (
                    "ज़िला प्रशासन की ओर से हमने फसल अवशेष जलाने पर ग्राम पंचायतों के साथ "
                    "अलग अभियान चलाया, क्योंकि कई आग खेतों से जंगल तक पहुँचती हैं। पटवारी "
                    "और वनरक्षक ने मिलकर उन खेतों की सूची बनाई जिनकी सीमा जंगल से लगती है। "
                    "उन किसानों से सीधे बात करना सबसे असरदार रहा।"
                ),
                "reply_to": None,
            },
            {
                "author": "deepak_verma",
                "body": (
                    "> नकद प्रोत्साहन से ज़्यादा यह सामुदायिक मान्यता काम करती है।\n\n"
                    "हमारा अनुभव भी यही कहता है। पिछले साल जिस गाँव के दल को ग्राम सभा में "
                    "सम्मानित किया गया था, वहाँ इस साल सबसे ज़्यादा स्वयंसेवक आगे आए। "
                    "अगली समिति बैठक में आपका मॉडल प्रस्तावित करूँगा।"
                ),
                "reply_to": 0,
                "quote": True,
            },
        ],
    },
    {
        "community": "environment-wildlife",
        "author": "kavita_meena",
        "title": "Eco-sensitive zone notification: how do you explain it in a gram sabha without causing panic?",
        "body": (
            "The draft eco-sensitive zone notification around a sanctuary in my "
            "district covers 23 villages. Before the formal objection period opens, we "
            "want to hold gram sabha meetings so people understand what changes and "
            "what does not.\n\n"
            "The first rumour has already spread: that people will lose their land or "
            "be unable to build houses. Neither is true, but a 40-page notification "
            "full of schedules does not help.\n\n"
            "My plan is a one-page explainer in the local language with three columns, "
            "**allowed**, **regulated** and **prohibited**, using examples from daily "
            "life: building a house, running a flour mill, opening a stone quarry.\n\n"
            "Has anyone done something similar? I would especially like to know who "
            "presented it (revenue, forest, or both together) and which questions came "
            "up most often."
        ),
        "tags": ["eco-sensitive-zone", "public-communication", "gram-sabha"],
        "pinned": False,
        "locked": False,
        "replies": [],
    },
    # =====================================================================
    # urban-transport
    # =====================================================================
    {
        "community": "urban-transport",
        "author": "meera_iyer",
        "title": "Bus stop audit with women commuters: a five-question checklist that worked",
        "body": (
            "In my forest postings I used short participatory walks with villagers to "
            "map human-wildlife conflict spots. Last month we tried the same idea for "
            "bus stops, with 22 women commuters from two self-help groups and a "
            "college.\n\n"
            "Each pair walked to three stops near their homes after 7 pm and answered "
            "five questions:\n\n"
            "1. Is the stop lit well enough to read the route number?\n"
            "2. Can you see the approaching bus from under the shelter?\n"
            "3. Is there a shop, kiosk or guard within sight?\n"
            "4. Is the path from the stop to the nearest lane free of broken "
            "pavement?\n"
            "5. Would you wait here alone for 15 minutes?\n\n"
            "Of 66 stops audited, 29 got a no on question 5, and poor lighting "
            "explained most of them. The repair list reached the municipal "
            "corporation within a week, and 17 lights were fixed in the first month. "
            "The checklist is at https://example.org/bus-stop-audit."
        ),
        "tags": ["gender", "bus-stops", "participatory-audit"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "lucia_fernandez",
                "body": (
                    "We ran something very similar in my city a few years ago, and the "
                    "fifth question was the most powerful there too. One addition: ask "
                    "participants to rate the stop again a month after repairs. The "
                    "before-and-after numbers convinced the budget office more than any "
                    "report."
                ),
                "reply_to": None,
            },
            {
                "author": "anita_rao",
                "body": (
                    "We will copy this for our district headquarters town. One "
                    "practical question: did you pay the participants or provide "
                    "transport? Our self-help group federation has asked whether "
                    "evening time will be compensated."
                ),
                "reply_to": None,
            },
            {
                "author": "meera_iyer",
                "body": (
                    "We paid a travel allowance equal to a day's bus pass and provided "
                    "tea and an escort vehicle for the return. The whole exercise cost "
                    "less than 8,000 rupees. Budget it from the start; it signals that "
                    "their time is valued."
                ),
                "reply_to": 1,
            },
        ],
    },
    {
        "community": "urban-transport",
        "author": "lucia_fernandez",
        "title": "Feedback round: draft guidance on e-rickshaw permits for last-mile routes (closed)",
        "body": (
            "**This feedback round is now closed. Thank you to everyone who "
            "contributed; the revised draft is linked below.**\n\n"
            "We shared a draft guidance note for cities designing permit systems for "
            "e-rickshaws as last-mile feeders to bus and metro stations. The draft "
            "proposed:\n\n"
            "- Route-based permits linked to specific stations rather than area-wide "
            "permits.\n"
            "- A cap per station based on peak-hour passenger counts, reviewed every "
            "six months.\n"
            "- Designated pick-up bays within 50 m of station exits.\n\n"
            "Feedback from this thread has been incorporated, especially on "
            "enforcement capacity and on drivers who already operate without permits. "
            "The revised version is at https://example.org/e-rickshaw-guidance-v2. "
            "Please send further comments through the urban transport working group."
        ),
        "tags": ["e-rickshaw", "permits", "last-mile", "consultation"],
        "pinned": False,
        "locked": True,
        "replies": [
            {
                "author": "anita_rao",
                "body": (
                    "Enforcement is the weak point. In our town the traffic police have "
                    "11 staff for the whole municipal area. A cap per station works "
                    "only if the permit is visible from a distance, such as a coloured "
                    "plate or a large station-code sticker."
                ),
                "reply_to": None,
            },
            {
                "author": "meera_iyer",
                "body": (
                    "Please add a transition clause for existing drivers. If permits "
                    "go to new entrants by lottery, you will have a protest on day one. "
                    "We gave existing drivers with six months of proof of operation a "
                    "priority window of 60 days."
                ),
                "reply_to": None,
            },
            {
                "author": "lucia_fernandez",
                "body": (
                    "> We gave existing drivers with six months of proof of operation a "
                    "priority window of 60 days.\n\n"
                    "Added to the revised draft as section 4.2, along with Anita's "
                    "suggestion on visible station codes. Closing this thread now; "
                    "thank you both."
                ),
                "reply_to": 1,
                "quote": True,
            },
        ],
    },
    {
        "community": "urban-transport",
        "author": "anita_rao",
        "title": "Our district town wants a city bus service: where do we start with 40 buses?",
        "body": (
            "Our district headquarters town has about 4.5 lakh people and no "
            "organised city bus service, only shared autos and some private "
            "minibuses. The state has offered 40 electric buses under a scheme, with "
            "operations on a gross cost contract.\n\n"
            "I have to send a route plan and a depot proposal in three months. My "
            "questions:\n\n"
            "- How do you choose the first routes with no ridership data at all?\n"
            "- Depot land: one option is central but small, the other large but 7 km "
            "out. Which matters more?\n"
            "- What should the city own (data, ticketing, stop infrastructure) and "
            "what should it leave to the operator?\n\n"
            "I am not a transport specialist, and the municipal engineer is honest "
            "that neither is he."
        ),
        "tags": ["city-bus", "electric-buses", "network-planning"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "meera_iyer",
                "body": (
                    "Start with a quick origin-destination survey at 20 to 30 points: "
                    "bus stand, railway station, hospitals, colleges, big markets. A "
                    "week of shared-auto counts at major junctions also shows where "
                    "demand already exists. With 40 buses, aim for 6 to 8 routes at "
                    "frequencies people can rely on, rather than 15 routes that each "
                    "come every 45 minutes."
                ),
                "reply_to": None,
            },
            {
                "author": "lucia_fernandez",
                "body": (
                    "On ownership: **the data** first. Write into the contract that the "
                    "operator must share the vehicle location feed and ticketing data "
                    "in an open format, in real time, at no extra cost. It is very hard "
                    "to add later. The stops and the route plan should also remain the "
                    "city's."
                ),
                "reply_to": None,
            },
            {
                "author": "anita_rao",
                "body": (
                    "> With 40 buses, aim for 6 to 8 routes at frequencies people can "
                    "rely on, rather than 15 routes that each come every 45 minutes.\n\n"
                    "This is the opposite of what every councillor is asking for, which "
                    "is a bus to their own ward. How did you handle that pressure?"
                ),
                "reply_to": 0,
                "quote": True,
            },
            {
                "author": "meera_iyer",
                "body": (
                    "By showing maps. We drew both options and showed how long people "
                    "would wait under each, then promised a review after six months of "
                    "ridership data. Most councillors agreed once they saw their ward "
                    "would be within 500 m of a frequent route, even if no bus ran "
                    "through it."
                ),
                "reply_to": 2,
            },
            {
                "author": "lucia_fernandez",
                "body": (
                    "On depot land, electric buses change the calculation. Charging "
                    "needs a large power connection, and a 7 km dead run twice a day is "
                    "a real cost but usually cheaper than an undersized depot you cannot "
                    "expand. Check the substation capacity near both sites before "
                    "deciding."
                ),
                "reply_to": None,
            },
        ],
    },
    # =====================================================================
    # public-health
    # =====================================================================
    {
        "community": "public-health",
        "author": "priya_sharma",
        "title": "ज़िला स्वास्थ्य समिति की बैठक को औपचारिकता से आगे कैसे ले जाएँ?",
        "body": (
            "ज़िला स्वास्थ्य समिति की बैठक हर महीने होती है, पर मेरा अनुभव है कि अधिकांश "
            "समय पिछले कार्यवृत्त पढ़ने और लंबी प्रस्तुतियों में निकल जाता है। निर्णय कम "
            "होते हैं और अगली बैठक में वही मुद्दे फिर आते हैं।\n\n"
            "हम अगले महीने से यह प्रयोग करना चाहते हैं:\n\n"
            "1. बैठक से तीन दिन पहले एक पन्ने की कार्यसूची, जिसमें हर बिंदु के साथ लिखा "
            "हो कि किस निर्णय की ज़रूरत है।\n"
            "2. लंबी प्रस्तुति के बजाय सिर्फ़ पाँच संकेतक: संस्थागत प्रसव, पूर्ण "
            "टीकाकरण, टीबी जाँच, दवाओं की उपलब्धता और रिक्त पद।\n"
            "3. पिछली बैठक के निर्णयों पर की गई कार्रवाई की रिपोर्ट सबसे पहले, ज़िम्मेदार "
            "अधिकारी और तारीख़ के साथ।\n\n"
            "क्या किसी ने ऐसा ढाँचा अपनाया है? समिति के अध्यक्ष, यानी ज़िलाधिकारी, के "
            "सामने इसे कैसे प्रस्तावित करें?"
        ),
        "tags": ["district-health-society", "meetings", "nhm"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "kavita_meena",
                "body": (
                    "अध्यक्ष के रूप में कह सकती हूँ कि ज़िलाधिकारी को यह ढाँचा पसंद आएगा, "
                    "क्योंकि समय बचता है। हमारे यहाँ बैठक 90 मिनट तक सीमित है। एक सुझाव: "
                    "कार्रवाई रिपोर्ट में लाल, पीला और हरा रंग दीजिए। लाल बिंदुओं पर ही "
                    "चर्चा होती है, बाकी सिर्फ़ पढ़े हुए माने जाते हैं।"
                ),
                "reply_to": None,
            },
            {
                "author": "anita_rao",
                "body": (
                    "हमने खंड चिकित्सा अधिकारियों को बारी-बारी से बुलाना शुरू किया। हर "
                    "बैठक में दो खंड अपनी एक सफलता और एक अड़चन दस मिनट में बताते हैं। "
                    "इससे बाकी खंडों को भी सीखने को मिलता है और बैठक केवल ज़िला मुख्यालय "
                    "की समीक्षा बनकर नहीं रह जाती।"
                ),
                "reply_to": None,
            },
            {
                "author": "priya_sharma",
                "body": (
                    "> लाल बिंदुओं पर ही चर्चा होती है, बाकी सिर्फ़ पढ़े हुए माने जाते हैं।\n\n"
                    "यह बहुत उपयोगी है। हम इसे अगली बैठक से लागू करेंगे और तीन महीने बाद "
                    "बताएँगे कि निर्णयों पर अमल की दर में क्या फ़र्क़ पड़ा।"
                ),
                "reply_to": 0,
                "quote": True,
            },
        ],
    },
    {
        "community": "public-health",
        "author": "anita_rao",
        "title": "Heat action plan: what did you actually change after last summer?",
        "body": (
            "Last summer our district recorded 19 days above 45°C and the hospitals "
            "saw a spike in heat illness in the second week of May. We had a heat "
            "action plan on paper, but the review afterwards showed most of it was "
            "activated late.\n\n"
            "Changes we are making this year:\n\n"
            "- **Trigger-based action:** specific steps are tied to the heat alert "
            "colour, not to a meeting decision.\n"
            "- Cool rooms with ice packs and ORS at the district hospital and six "
            "CHCs, ready by 1 April.\n"
            "- MGNREGA worksite timings shifted to 6 am to 11 am on orange and red "
            "alert days.\n"
            "- Drinking water points at bus stands and markets, mapped and assigned to "
            "named departments.\n\n"
            "What did you change after your last summer, and what turned out not to "
            "matter? I would also like to know how you counted heat deaths, since our "
            "numbers were disputed."
        ),
        "tags": ["heatwave", "preparedness", "heat-action-plan"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "priya_sharma",
                "body": (
                    "On counting: agree in advance with the district hospital and the "
                    "surveillance unit on a case definition and a simple line list. "
                    "Last year we had three numbers from three offices, because some "
                    "counted only deaths certified by a doctor and others included "
                    "suspected cases reported by ASHAs. One common format from 1 April "
                    "avoids most of that."
                ),
                "reply_to": None,
            },
            {
                "author": "kavita_meena",
                "body": (
                    "What mattered least for us was the awareness hoardings; nobody "
                    "reads them at 44°C. What mattered most was the ASHA home visits to "
                    "elderly people living alone, using a list prepared from the "
                    "pension database. It took two days to prepare and was probably the "
                    "most effective step."
                ),
                "reply_to": None,
            },
            {
                "author": "suresh_menon",
                "body": (
                    "From the finance side: get the heat action items into the "
                    "district contingency plan with a pre-approved amount, so "
                    "departments are not waiting for a sanction in the middle of May. "
                    "Last year ORS and ice packs were bought under emergency "
                    "procurement at higher rates because the approval came late."
                ),
                "reply_to": None,
            },
            {
                "author": "anita_rao",
                "body": (
                    "> What mattered most was the ASHA home visits to elderly people "
                    "living alone, using a list prepared from the pension database.\n\n"
                    "This goes into our plan this week. Did you share the pension list "
                    "directly with ASHAs, or through the ANM? I am conscious of the "
                    "privacy side."
                ),
                "reply_to": 1,
                "quote": True,
            },
            {
                "author": "kavita_meena",
                "body": (
                    "Through the ANM, and only name, village and a contact number. No "
                    "pension amounts or account details. The list was deleted at the "
                    "end of June and we recorded that on file."
                ),
                "reply_to": 3,
            },
        ],
    },
    {
        "community": "public-health",
        "author": "suresh_menon",
        "title": "Untied funds at PHCs lying unspent: a rules problem or a confidence problem?",
        "body": (
            "I review utilisation of NHM funds in our district, and one pattern keeps "
            "coming back: untied funds at primary health centres are 30 to 40 percent "
            "spent by January, and then there is a rush in February and March.\n\n"
            "When I ask medical officers, the answers are similar: unclear about what "
            "is allowed, fear of audit objections, and no help with the paperwork. "
            "Meanwhile small repairs and essential items wait.\n\n"
            "I am thinking of preparing a one-page list of clearly permitted expenses "
            "with examples, signed off by the district programme management unit, plus "
            "a sample set of documents for a typical purchase.\n\n"
            "Has anyone done this? Did it increase spending in the first half of the "
            "year, and did audit accept it?"
        ),
        "tags": ["untied-funds", "primary-health", "nhm"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "priya_sharma",
                "body": (
                    "As a medical officer: yes, it is mostly confidence. I spent my "
                    "first year at a PHC not touching the untied fund because my "
                    "predecessor had an audit para over a water pump repair. Please "
                    "include items like minor electrical repairs, curtains for the "
                    "labour room and printing of registers; these are the common doubts."
                ),
                "reply_to": None,
            },
            {
                "author": "kavita_meena",
                "body": (
                    "We did this two years ago. Spending by the end of September went "
                    "from about 25 percent to 55 percent in the first year. The key was "
                    "that the district accounts manager visited each PHC once to go "
                    "through the sample file with the staff. The list alone was not "
                    "enough."
                ),
                "reply_to": None,
            },
            {
                "author": "suresh_menon",
                "body": (
                    "> The key was that the district accounts manager visited each PHC "
                    "once to go through the sample file with the staff.\n\n"
                    "A useful caution. We have 28 PHCs; I will plan the visits over two "
                    "months alongside the quarterly audits so they do not become an "
                    "extra burden on the accounts staff."
                ),
                "reply_to": 1,
                "quote": True,
            },
        ],
    },
    # =====================================================================
    # public-finance
    # =====================================================================
    {
        "community": "public-finance",
        "author": "rajesh_kumar",
        "title": "वित्तीय वर्ष के अंतिम महीने में व्यय की भीड़ से कैसे बचें?",
        "body": (
            "हर साल मार्च में हमारे विभाग में व्यय की भीड़ लगती है। पिछले वर्ष कुल बजट का "
            "लगभग 28 प्रतिशत केवल मार्च में खर्च हुआ, जबकि दिशा-निर्देशों के अनुसार "
            "अंतिम तिमाही में 33 प्रतिशत और मार्च में 15 प्रतिशत से अधिक व्यय नहीं होना "
            "चाहिए।\n\n"
            "कारण लगभग तय हैं: स्वीकृति देर से मिलती है, राज्यों से उपयोगिता प्रमाणपत्र "
            "समय पर नहीं आते, और ख़रीद की प्रक्रिया तीसरी तिमाही में शुरू होती है।\n\n"
            "हमने इस वर्ष मासिक व्यय योजना को हर अनुभाग के स्तर पर बाँटा है और हर महीने "
            "की 5 तारीख़ को उसकी समीक्षा होती है। **आपके अनुभव में और कौन से कदम कारगर "
            "रहे?** विशेषकर उपयोगिता प्रमाणपत्रों की देरी के लिए।"
        ),
        "tags": ["year-end-spending", "budget-planning", "utilisation-certificates"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "suresh_menon",
                "body": (
                    "उपयोगिता प्रमाणपत्रों के लिए हमने राज्यों के नोडल अधिकारियों के साथ "
                    "तिमाही वीडियो बैठक शुरू की। हर बैठक से पहले लंबित प्रमाणपत्रों की सूची "
                    "राशि और अवधि के साथ भेजी जाती है। जिस राज्य का प्रमाणपत्र छह महीने से "
                    "अधिक लंबित हो, उसकी अगली किस्त पर निर्णय उसी बैठक में होता है। इससे "
                    "लंबित मामले लगभग आधे रह गए।"
                ),
                "reply_to": None,
            },
            {
                "author": "arjun_deshpande",
                "body": (
                    "ख़रीद की प्रक्रिया पहली तिमाही में ही शुरू करना सबसे असरदार कदम है। "
                    "हमने अप्रैल में ही सभी अनुभागों से वार्षिक ख़रीद योजना माँगी और जिनकी "
                    "योजना नहीं आई, उनकी मार्च की फ़ाइलें अलग से जाँच के लिए चिह्नित कीं। "
                    "दूसरे साल से सबने समय पर योजना भेजी।"
                ),
                "reply_to": None,
            },
        ],
    },
    {
        "community": "public-finance",
        "author": "suresh_menon",
        "title": "Single bid on a GeM tender: re-tender or proceed? What has audit said to you?",
        "body": (
            "We floated a bid on GeM for laboratory equipment worth about 38 lakh "
            "rupees and received only one technically qualified bid. The price is "
            "within 6 percent of the last purchase price, adjusted for inflation. The "
            "indenting division wants to proceed because the equipment is needed "
            "before the monsoon testing season.\n\n"
            "My understanding is that a single bid is not automatically invalid, but "
            "the committee must record why re-tendering is not in the public interest "
            "and how the reasonableness of price was established.\n\n"
            "Questions for those who have faced this:\n\n"
            "- What documents did your committee rely on for price reasonableness?\n"
            "- Did you check whether the bid conditions themselves were restrictive?\n"
            "- Did audit later accept your reasoning, or raise a para anyway?"
        ),
        "tags": ["gem", "procurement", "audit"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "arjun_deshpande",
                "body": (
                    "Check the bid conditions first, honestly. In two of our single-bid "
                    "cases the eligibility criteria asked for past supply experience "
                    "that only one or two firms in the country had, and audit picked "
                    "that up both times. Where the conditions were reasonable and we had "
                    "documented a market survey plus the last purchase price, audit "
                    "accepted it."
                ),
                "reply_to": None,
            },
            {
                "author": "rajesh_kumar",
                "body": (
                    "हमारी समिति ने कीमत की तर्कसंगतता के लिए पिछली तीन ख़रीदों की दरें, "
                    "निर्माता की मूल्य सूची और दूसरे विभाग की हाल की ख़रीद की दर का "
                    "तुलनात्मक विवरण लगाया था। लेखापरीक्षा ने बाद में कोई आपत्ति नहीं की।"
                ),
                "reply_to": None,
            },
            {
                "author": "suresh_menon",
                "body": (
                    "> Where the conditions were reasonable and we had documented a "
                    "market survey plus the last purchase price, audit accepted it.\n\n"
                    "Thank you both. Our eligibility clause asked for three years of "
                    "supply to government labs, which may have been restrictive. I will "
                    "record that in the committee minutes and ask the division to relax "
                    "it in future bids even if we proceed this time."
                ),
                "reply_to": 0,
                "quote": True,
            },
        ],
    },
    {
        "community": "public-finance",
        "author": "arjun_deshpande",
        "title": "Outcome budget indicators that are actually measurable: share yours",
        "body": (
            "Every year we prepare the outcome budget, and every year a third of our "
            "indicators are either outputs dressed up as outcomes or outcomes we "
            "cannot measure within the year.\n\n"
            "Some examples from our own list that we are rewriting:\n\n"
            "- 'Improved digital literacy' (no baseline, no measure) becomes **share "
            "of trained users who complete a transaction on their own within 30 "
            "days**.\n"
            "- 'Number of workshops held' stays, but moves to the output column where "
            "it belongs.\n"
            "- 'Increased efficiency in grievance redressal' becomes **median days to "
            "close a grievance, with the share reopened within 60 days**.\n\n"
            "If you have rewritten indicators for your ministry or department, please "
            "share a before and after. I am hoping we can build a small library here "
            "that others can borrow from."
        ),
        "tags": ["outcome-budget", "indicators"],
        "pinned": False,
        "locked": False,
        "replies": [],
    },
    # =====================================================================
    # data-digital-governance
    # =====================================================================
    {
        "community": "data-digital-governance",
        "author": "arjun_deshpande",
        "title": "Community guidelines: sharing data, screenshots and dashboards safely",
        "body": (
            "Welcome to Data & Digital Governance. Members range from officers "
            "building their first dashboard to analysts running state data platforms. "
            "Please keep beginner questions coming; nobody is expected to know "
            "everything.\n\n"
            "**Before you post a screenshot or a file:**\n\n"
            "1. Remove names, phone numbers, Aadhaar or account numbers, and anything "
            "that identifies a beneficiary, even partially.\n"
            "2. Aggregate to block or district level where possible. Small counts "
            "(fewer than 10) can identify people in a village.\n"
            "3. Do not post login pages, internal addresses or credentials, even "
            "expired ones.\n"
            "4. If a dataset is not yet public, describe its structure instead of "
            "sharing it.\n\n"
            "**When you ask a question,** mention the tool you are using and the size "
            "of the data. It saves two rounds of replies.\n\n"
            "Moderators may edit posts to remove sensitive details and will tell you "
            "when they do."
        ),
        "tags": ["guidelines", "data-protection"],
        "pinned": True,
        "locked": False,
        "replies": [
            {
                "author": "lucia_fernandez",
                "body": (
                    "Thank you for point 2. In our team the rule is no cell below 5 in "
                    "any published table, and we round everything else to the nearest 5 "
                    "for village-level data. It is simple enough that staff can follow "
                    "it without a statistics background."
                ),
                "reply_to": None,
            },
            {
                "author": "priya_sharma",
                "body": (
                    "One more from the health side: date of birth and date of admission "
                    "together can identify a patient even without a name. Please blur "
                    "both in any screenshot from a facility register or software."
                ),
                "reply_to": None,
            },
        ],
    },
    {
        "community": "data-digital-governance",
        "author": "priya_sharma",
        "title": "Cleaning HMIS facility data before a review meeting: my six-step routine",
        "body": (
            "Every month I prepare facility-level data for our district review, and "
            "every month someone questioned the numbers in the meeting. Over the past "
            "year I have settled on a routine that takes about two hours and has "
            "ended most of those arguments.\n\n"
            "1. **Completeness:** list facilities that have not reported, before "
            "anything else.\n"
            "2. **Outliers:** flag any indicator that moved more than 50 percent from "
            "the previous month.\n"
            "3. **Impossible values:** more deliveries than registered pregnancies, "
            "more doses than vaccines received.\n"
            "4. **Copy-paste:** identical figures three months in a row usually mean "
            "nobody entered new data.\n"
            "5. **Call, do not correct:** phone the facility and ask, then record what "
            "they said.\n"
            "6. **Note on the slide:** every chart carries a line on what was "
            "corrected and why.\n\n"
            "Step 5 is the slow one, but it is the reason the numbers are now trusted. "
            "What checks do others use?"
        ),
        "tags": ["data-quality", "health-data", "review-meetings"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "anita_rao",
                "body": (
                    "Step 6 changed our review meetings too. Once the slide says three "
                    "facilities revised their figures after a call on the 4th, nobody "
                    "wastes ten minutes doubting the whole dataset. I have asked all "
                    "departments in the district to follow the same practice."
                ),
                "reply_to": None,
            },
            {
                "author": "lucia_fernandez",
                "body": (
                    "For step 2, a percentage alone can mislead at small facilities: "
                    "going from 2 to 4 deliveries is a 100 percent jump. We use both a "
                    "percentage and an absolute threshold, so a facility is flagged only "
                    "if the change is above 50 percent and above 10 in absolute numbers."
                ),
                "reply_to": None,
            },
            {
                "author": "deepak_verma",
                "body": (
                    "Not from health, but the same routine works for forest offence "
                    "registers. Step 4 is a real problem for us: some ranges report zero "
                    "offences for months, which usually means a reporting gap, not good "
                    "news."
                ),
                "reply_to": None,
            },
            {
                "author": "priya_sharma",
                "body": (
                    "> We use both a percentage and an absolute threshold, so a "
                    "facility is flagged only if the change is above 50 percent and "
                    "above 10 in absolute numbers.\n\n"
                    "This would remove most of our false alarms from sub-centres. I will "
                    "try it next month and report back."
                ),
                "reply_to": 1,
                "quote": True,
            },
            {
                "author": "rajesh_kumar",
                "body": (
                    "शून्य रिपोर्टिंग की यही समस्या हमारे विद्यालय आँकड़ों में भी है। हमने "
                    "नियम बनाया कि लगातार तीन महीने शून्य रिपोर्ट करने वाली इकाई से लिखित "
                    "पुष्टि ली जाएगी। इससे कई छूटी हुई प्रविष्टियाँ सामने आईं।"
                ),
                "reply_to": 2,
            },
        ],
    },
    {
        "community": "data-digital-governance",
        "author": "deepak_verma",
        "title": "Which iGOT-style courses actually helped with data work? Building a learning path",
        "body": (
            "I am a range forest officer and more and more of my work is data: fire "
            "alerts, plantation survival counts, offence records, camera-trap results. "
            "I have basic spreadsheet skills but nothing formal.\n\n"
            "The learning platform has dozens of courses tagged to data and digital "
            "competencies. I have 40 hours this year for self-paced learning and want "
            "to use them well rather than collect certificates.\n\n"
            "If a course actually changed how you work, please share:\n\n"
            "- The course topic and roughly how long it was\n"
            "- What you could do afterwards that you could not do before\n"
            "- Whether it suited a field officer with patchy internet\n\n"
            "I will compile the answers into a short learning path and post it here "
            "for others in field roles."
        ),
        "tags": ["learning-paths", "competencies", "igot"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "arjun_deshpande",
                "body": (
                    "Start with the competency framework for your role, not the course "
                    "catalogue. For field officers the data competencies are usually "
                    "collecting data reliably, basic analysis in a spreadsheet, and "
                    "presenting it so someone can decide. Pick one short course for "
                    "each. A four-hour module on data visualisation changed my review "
                    "presentations more than anything else."
                ),
                "reply_to": None,
            },
            {
                "author": "lucia_fernandez",
                "body": (
                    "At our academy in Argentina, the short courses that worked best "
                    "were the ones with a practical assignment on your own data. If a "
                    "course lets you submit your plantation survival sheet as the "
                    "exercise, choose it over a longer theoretical one."
                ),
                "reply_to": None,
            },
            {
                "author": "anita_rao",
                "body": (
                    "Download the modules when you are at headquarters. Most of the "
                    "micro-learning videos play offline in the mobile app once "
                    "downloaded, which matters if your range office has a weak signal. "
                    "I finished most of mine on train journeys."
                ),
                "reply_to": None,
            },
            {
                "author": "priya_sharma",
                "body": (
                    "The course on evidence-based decision making helped me mostly "
                    "through one idea: decide before the analysis what result would "
                    "change your decision. It stopped me making charts nobody used."
                ),
                "reply_to": None,
            },
            {
                "author": "rajesh_kumar",
                "body": (
                    "स्प्रेडशीट में पिवट टेबल वाला छोटा कोर्स मेरे लिए सबसे काम का रहा। "
                    "केवल दो घंटे का था, और उसके बाद अनुभाग की मासिक रिपोर्ट बनाने का समय "
                    "आधा रह गया।"
                ),
                "reply_to": None,
            },
            {
                "author": "deepak_verma",
                "body": (
                    "> Start with the competency framework for your role, not the "
                    "course catalogue.\n\n"
                    "That reframes it well. My role profile lists exactly three data "
                    "competencies, matching what you said. Plan: one course per "
                    "competency, plus Rajesh ji's pivot table module. I will post the "
                    "full path by the end of the month."
                ),
                "reply_to": 0,
                "quote": True,
            },
            {
                "author": "arjun_deshpande",
                "body": (
                    "Good plan. When you post it, add how many hours each course really "
                    "took compared with what was advertised. Everyone wants that "
                    "information and nobody shares it."
                ),
                "reply_to": 5,
            },
        ],
    },
    # =====================================================================
    # human-centred-design
    # =====================================================================
    {
        "community": "human-centred-design",
        "author": "lucia_fernandez",
        "title": "Journey mapping a certificate service in one afternoon: the template we used",
        "body": (
            "At the academy we teach journey mapping over two days, but most teams "
            "do not have two days. Last month I ran a compressed version in four hours "
            "with a municipal team working on income certificates.\n\n"
            "**What we did:**\n\n"
            "- **Hour 1:** three staff members called five recent applicants and "
            "asked them to describe their experience from the moment they needed the "
            "certificate.\n"
            "- **Hour 2:** we put every step on the wall, including the ones outside "
            "the office: finding a form, printing it, getting a local "
            "representative's signature.\n"
            "- **Hour 3:** each step got a colour for how people felt and a number for "
            "how many days it took.\n"
            "- **Hour 4:** we picked one painful step the team could change without "
            "new rules.\n\n"
            "The chosen fix was accepting a self-declaration in place of one document. "
            "Average time dropped from 11 days to 6. Template: "
            "https://example.org/journey-map-template"
        ),
        "tags": ["journey-mapping", "service-design", "templates"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "priya_sharma",
                "body": (
                    "We tried this for ante-natal registration at a CHC. The calls in "
                    "hour 1 were eye-opening: three of five women said the hardest part "
                    "was being sent back for a photocopy. We now have a photocopier at "
                    "the registration desk, which cost almost nothing."
                ),
                "reply_to": None,
            },
            {
                "author": "vikram_singh",
                "body": (
                    "Does it work when the applicants are village committees rather "
                    "than individuals? I am thinking of approving micro-plans under "
                    "joint forest management, which takes months."
                ),
                "reply_to": None,
            },
            {
                "author": "lucia_fernandez",
                "body": (
                    "Yes, but interview two or three members of each committee "
                    "separately: the president, the secretary and an ordinary member. "
                    "They often describe very different journeys, and the differences "
                    "are where the problems hide."
                ),
                "reply_to": 1,
            },
            {
                "author": "meera_iyer",
                "body": (
                    "Vikram, when I was in the division we mapped micro-plan approval "
                    "roughly. The biggest delay was not approval at all; it was the "
                    "committee waiting for the forester to bring back a typed draft. A "
                    "laptop and printer at the range office cut six weeks."
                ),
                "reply_to": 1,
            },
        ],
    },
    {
        "community": "human-centred-design",
        "author": "vikram_singh",
        "title": "How do you run user interviews when you are the officer people are afraid of?",
        "body": (
            "I have been trying to apply user research methods from a short design "
            "course in my division, and I keep hitting the same wall. When the DFO "
            "sits down in a village to ask about a scheme, people tell me what they "
            "think I want to hear. Everything is fine, the staff are helpful, no "
            "problems.\n\n"
            "Things I have tried:\n\n"
            "- Going without uniform and without the range staff. Slightly better.\n"
            "- Asking about a specific recent event ('the last time you sold tendu "
            "leaves') instead of general questions. Much better.\n\n"
            "But the power gap remains. How do others handle this? Do you send someone "
            "else to do the interviews, and if so, who?"
        ),
        "tags": ["user-research", "power-dynamics", "field-interviews"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "lucia_fernandez",
                "body": (
                    "We faced the same with inspectors. What worked: train two or three "
                    "junior staff or local youth to do the interviews, and take notes "
                    "silently in the background or not at all. Also, ask people to show, "
                    "not tell: 'Can you show me the receipt you got?' reveals more than "
                    "any question about satisfaction."
                ),
                "reply_to": None,
            },
            {
                "author": "priya_sharma",
                "body": (
                    "In health we ask about other people: 'What problems do women in "
                    "this village usually face when they come to the PHC?' People find "
                    "it easier to talk about others than about themselves, especially "
                    "to a doctor."
                ),
                "reply_to": None,
            },
            {
                "author": "meera_iyer",
                "body": (
                    "> Also, ask people to show, not tell: 'Can you show me the receipt "
                    "you got?' reveals more than any question about satisfaction.\n\n"
                    "True in transport too. Asking commuters to trace their trip on a "
                    "phone map showed us a transfer that no survey had captured."
                ),
                "reply_to": 0,
                "quote": True,
            },
        ],
    },
    # =====================================================================
    # innovation-academy-2025 (private)
    # =====================================================================
    {
        "community": "innovation-academy-2025",
        "author": "lucia_fernandez",
        "title": "Welcome, 2025 cohort: how this space works and what is coming up",
        "body": (
            "Welcome to our private space! Only the 2025 exchange cohort can see this "
            "group, so feel free to share drafts, half-finished ideas and honest "
            "reflections on your projects.\n\n"
            "**How we use it:**\n\n"
            "- One thread per project for updates. Post at least once a month, even "
            "if the update is that you are stuck.\n"
            "- Events (meetups, innovation marathons, online talks) are announced here "
            "first.\n"
            "- Write in English, Hindi or Spanish; add a short English summary if you "
            "want the whole cohort to respond.\n\n"
            "**Coming up:**\n\n"
            "1. Online check-in on the last Thursday of every month, 5:30 pm India "
            "time / 9 am Buenos Aires.\n"
            "2. An innovation marathon in March, with teams mixing both countries.\n"
            "3. A joint showcase at the end of the year where each project presents "
            "one result, big or small.\n\n"
            "Introduce yourself below with your project in one sentence."
        ),
        "tags": ["welcome", "cohort", "meetups"],
        "pinned": True,
        "locked": False,
        "replies": [
            {
                "author": "meera_iyer",
                "body": (
                    "¡Hola a todos! My project: redesigning the bus stop experience for "
                    "women commuters in my city, building on the participatory walks I "
                    "used in forest villages. Result so far: 17 stops relit in one "
                    "month."
                ),
                "reply_to": None,
            },
            {
                "author": "priya_sharma",
                "body": (
                    "Hello from a district in central India. My project: making "
                    "district health committee meetings decide more and present less. "
                    "Early days, but the first trial meeting ended 25 minutes early "
                    "with six decisions recorded."
                ),
                "reply_to": None,
            },
        ],
    },
    {
        "community": "innovation-academy-2025",
        "author": "priya_sharma",
        "title": "Innovation marathon in March: team formation and problem statements",
        "body": (
            "Lucía asked me to coordinate problem statements for the March innovation "
            "marathon. The format is one intensive day, online, with mixed teams of "
            "three or four from both countries.\n\n"
            "Draft problem statements so far:\n\n"
            "1. How might we reduce the number of times a citizen is asked for the "
            "same document by different offices?\n"
            "2. How might we help field staff report data they trust, not just data "
            "they are asked for?\n"
            "3. How might we make a handover between officers keep the informal "
            "knowledge that usually walks out the door?\n\n"
            "Please say which one you would like to work on, and suggest edits. I would "
            "like to fix teams by the 20th so that each team can do two user "
            "interviews before the day itself."
        ),
        "tags": ["innovation-marathon", "problem-statements", "teams"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "lucia_fernandez",
                "body": (
                    "Great list. Problem 3 matches what we see in Argentina: when a "
                    "director changes, projects stop for months. I would like to be on "
                    "that team. Let us keep at least one person from each country in "
                    "every team."
                ),
                "reply_to": None,
            },
            {
                "author": "meera_iyer",
                "body": (
                    "Problem 3 for me too, please. I have just been through a handover "
                    "from wildlife to transport and have a template we can test. If "
                    "problem 3 gets too many people, I can move to problem 1."
                ),
                "reply_to": None,
            },
            {
                "author": "priya_sharma",
                "body": (
                    "> If problem 3 gets too many people, I can move to problem 1.\n\n"
                    "Thank you, Meera. Let us keep it simple: you and Lucía take problem "
                    "3, and I will take problem 2 with colleagues from the wider cohort "
                    "list. Problem 1 goes to the Buenos Aires team."
                ),
                "reply_to": 1,
                "quote": True,
            },
            {
                "author": "lucia_fernandez",
                "body": (
                    "Agreed. I will send the calendar invitation and a shared board for "
                    "interview notes. Remember: two interviews before the marathon, at "
                    "least one with someone outside government."
                ),
                "reply_to": 2,
            },
        ],
    },
    # =====================================================================
    # foundation-course-2016
    # =====================================================================
    {
        "community": "foundation-course-2016",
        "author": "kavita_meena",
        "title": "Nine years after the foundation course: which habit from those months still helps you?",
        "body": (
            "A batchmate asked me this at a training last week and I have been "
            "thinking about it since. Nine years on, we are Collectors, DFOs and "
            "deputy secretaries, and most of what we memorised in those months is "
            "gone.\n\n"
            "For me it is the village visit diary. During the village attachment we "
            "had to write down, every evening, one thing we saw that did not match the "
            "official report. I still do this after every field visit, and the diary "
            "has been the source of at least three orders I later issued.\n\n"
            "What stayed with you?\n\n"
            "Separately, a reunion: several of us will be in the capital for a "
            "mid-career training in November. If there is interest I can book a room "
            "for an evening meetup."
        ),
        "tags": ["batch-reunion", "reflections", "meetups"],
        "pinned": False,
        "locked": False,
        "replies": [
            {
                "author": "vikram_singh",
                "body": (
                    "The trek. Not the trek itself, but the lesson that the slowest "
                    "person sets the pace of the team. I think of it every time I plan "
                    "a field operation with a mixed team of staff and villagers. Count "
                    "me in for November."
                ),
                "reply_to": None,
            },
            {
                "author": "anita_rao",
                "body": (
                    "Reading the whole file before reading the note, which our course "
                    "director insisted on. It takes longer, but it has stopped me from "
                    "signing something the last page contradicted more times than I can "
                    "count. Yes to the meetup."
                ),
                "reply_to": None,
            },
            {
                "author": "arjun_deshpande",
                "body": (
                    "For me it is the discipline of writing a note on one page. At the "
                    "ministry it is the most valued skill and the rarest. I will be in "
                    "the capital anyway, so happy to help organise the meetup."
                ),
                "reply_to": None,
            },
            {
                "author": "kavita_meena",
                "body": (
                    "> I will be in the capital anyway, so happy to help organise the "
                    "meetup.\n\n"
                    "Wonderful, thank you. Let us fix the second Friday of November. I "
                    "will share a form for names and dietary preferences here closer to "
                    "the date."
                ),
                "reply_to": 2,
                "quote": True,
            },
        ],
    },
]


# Events, made through forum/events/ by forum/demo.py. Times are relative to when the demo is
# loaded: `days` from now (negative: already held), at `at` o'clock in `timezone`.
# `going` answer in order (past the capacity they join the waitlist); `attended` are marked
# after a past event; marathons list challenges with their teams (founder first).
EVENTS: list[dict[str, Any]] = [
    {
        "community": "innovation-academy-2025",
        "organiser": "lucia_fernandez",
        "title": "Cohort check-in: three months after the academy",
        "kind": "webinar",
        "days": -38,
        "at": "17:30",
        "hours": 1.5,
        "timezone": "Asia/Kolkata",
        "location": "",
        "online_url": "https://meet.example.org/cohort-2025-checkin",
        "capacity": None,
        "description": (
            "Our first monthly check-in since the academy ended. Each of us gets four "
            "minutes: what we tried, what the system pushed back on, and one thing we need "
            "from the cohort.\n\n"
            "- 5:30 pm India time / 9:00 am Buenos Aires\n"
            "- Camera optional, honesty compulsory\n"
            "- Notes go in the discussion thread afterwards"
        ),
        "going": ["lucia_fernandez", "meera_iyer", "priya_sharma", "arjun_deshpande"],
        "attended": ["lucia_fernandez", "meera_iyer", "priya_sharma"],
    },
    {
        "community": "innovation-academy-2025",
        "organiser": "lucia_fernandez",
        "title": "Cohort dinner in New Delhi during the exchange visit",
        "kind": "meetup",
        "days": 12,
        "at": "19:30",
        "hours": 2.5,
        "timezone": "Asia/Kolkata",
        "location": "India International Centre, Lodhi Road, New Delhi (dining hall annexe)",
        "online_url": "",
        "capacity": 3,
        "description": (
            "The Argentine half of the cohort is in Delhi for the exchange visit. The table "
            "we booked seats only three, so answer early; if you cannot come after all, say "
            "so and the next person on the waitlist gets your place.\n\n"
            "Bring one photo of something your project changed on the ground."
        ),
        "going": [
            "lucia_fernandez",
            "meera_iyer",
            "priya_sharma",
            "arjun_deshpande",
            "deepak_verma",
        ],
    },
    {
        "community": "innovation-academy-2025",
        "organiser": "lucia_fernandez",
        "title": "Innovation marathon: knowledge that survives a transfer",
        "kind": "marathon",
        "days": 24,
        "at": "09:00",
        "hours": 9,
        "timezone": "Asia/Kolkata",
        "location": "",
        "online_url": "https://meet.example.org/cohort-2025-marathon",
        "capacity": 24,
        "description": (
            "One intensive day, online, in mixed teams from both countries. Each team takes "
            "one challenge, does two user interviews beforehand (at least one with someone "
            "outside government), and ends the day with a prototype it can test the next "
            "week.\n\n"
            "**Timetable (India time):** 9:00 framing · 11:00 ideas · 14:00 prototype · "
            "17:00 three-minute presentations · 17:45 what we test next.\n\n"
            "Answer that you are going, then form or join a team under a challenge below."
        ),
        "going": [
            "lucia_fernandez",
            "meera_iyer",
            "priya_sharma",
            "arjun_deshpande",
            "deepak_verma",
        ],
        "challenges": [
            {
                "title": "Ask once: papers a citizen gives one office, reused by the next",
                "statement": (
                    "A family applying for a scholarship, a ration card and a caste "
                    "certificate hands over the same proof of address three times, to three "
                    "offices that sit in the same building. How might the second and third "
                    "office rely on what the first one already checked, without a new "
                    "database project?"
                ),
                "team_size": 3,
                "teams": [{"name": "One form", "members": ["arjun_deshpande"]}],
            },
            {
                "title": "Field data that field staff trust",
                "statement": (
                    "Range staff and health workers fill in returns that nobody returns to "
                    "them. How might the people who collect data see it used, so that what "
                    "they report is what they see?"
                ),
                "team_size": 3,
                "teams": [{"name": "Ground truth", "members": ["priya_sharma", "deepak_verma"]}],
            },
            {
                "title": "Handovers that keep what the last officer knew",
                "statement": (
                    "When a Collector or a director is transferred, projects stall for months "
                    "and the informal knowledge (who to call, what was promised, what failed "
                    "before) walks out of the door. How might a handover carry it?"
                ),
                "team_size": 4,
                "teams": [{"name": "Relay", "members": ["lucia_fernandez", "meera_iyer"]}],
            },
        ],
    },
    {
        "community": "foundation-course-2016",
        "organiser": "kavita_meena",
        "title": "Batch reunion evening during the mid-career training",
        "kind": "meetup",
        "days": 9,
        "at": "19:00",
        "hours": 3,
        "timezone": "Asia/Kolkata",
        "location": "Officers' mess, Academy campus, Mussoorie",
        "online_url": "",
        "capacity": 30,
        "description": (
            "Several of us are on campus for the mid-career programme. An evening to catch "
            "up, and for each of us to bring one habit from the foundation course that still "
            "works (see the thread on the village visit diary)."
        ),
        "going": ["kavita_meena", "anita_rao", "vikram_singh"],
    },
]


def moderator_of(slug: str) -> str | None:
    """The first demo member who moderates this community, if any."""
    for spec in USERS:
        if slug in spec.get("moderates", ()):
            return str(spec["username"])
    return None
