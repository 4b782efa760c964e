"""Sentences an officer might write, one per script the forum serves, each with one word a
colleague would search for. Shared by the analysis and the search API tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    script: str
    sentence: str
    word: str  # a whole word of the sentence, as written there
    title: str  # a thread title in the same language


SAMPLES = [
    Sample(
        "hindi",
        "कार्यालय में सभी लंबित फाइलों का निपटारा इस सप्ताह के अंत तक किया जाना है।",
        "कार्यालय",
        "लंबित फाइलों का निपटारा",
    ),
    Sample(
        "bengali",
        "জেলা প্রশাসকের কার্যালয়ে আগামী সোমবার রাজস্ব বিষয়ক বৈঠক অনুষ্ঠিত হবে।",
        "রাজস্ব",
        "রাজস্ব বৈঠকের প্রস্তুতি",
    ),
    Sample(
        "tamil",
        "நாளை காலை பத்து மணிக்கு மாவட்ட ஆட்சியர் அலுவலகத்தில் குறைதீர்ப்பு கூட்டம் நடைபெறும்; "
        "தேவையான கோப்புகளை கொண்டு வரவும்.",
        "அலுவலகத்தில்",
        "குறைதீர்ப்பு கூட்டம் பற்றி",
    ),
    Sample(
        "telugu",
        "ప్రభుత్వ కార్యాలయంలో పెండింగ్\u200cలో ఉన్న అన్ని దరఖాస్తులపై వారం రోజుల్లో నిర్ణయం తీసుకోవాలి.",
        "నిర్ణయం",
        "దరఖాస్తుల పరిష్కారం ఎలా",
    ),
    Sample(
        "gujarati",
        "જિલ્લા કચેરીમાં તમામ અરજીઓનો નિકાલ આ મહિનાના અંત સુધીમાં કરવાનો છે.",
        "કચેરીમાં",
        "અરજીઓનો નિકાલ ક્યારે",
    ),
    Sample(
        "kannada",
        "ತಾಲ್ಲೂಕು ಕಚೇರಿಯಲ್ಲಿ ಎಲ್ಲಾ ಕಡತಗಳನ್ನು ಡಿಜಿಟಲ್ ರೂಪಕ್ಕೆ ಪರಿವರ್ತಿಸಲಾಗುತ್ತಿದೆ.",
        "ಕಡತಗಳನ್ನು",
        "ಕಡತಗಳ ಡಿಜಿಟಲೀಕರಣ ಹೇಗೆ",
    ),
    Sample(
        "malayalam",
        "പഞ്ചായത്ത് ഓഫീസിൽ പുതിയ അപേക്ഷകൾ സ്വീകരിക്കുന്ന സമയം മാറ്റിയിട്ടുണ്ട്; ജോലി സമയം രാവിലെ പത്ത് മുതലാണ്.",
        "അപേക്ഷകൾ",
        "അപേക്ഷ സ്വീകരിക്കുന്ന സമയം",
    ),
    Sample(
        "gurmukhi",
        "ਜ਼ਿਲ੍ਹਾ ਦਫ਼ਤਰ ਵਿੱਚ ਸਾਰੀਆਂ ਅਰਜ਼ੀਆਂ ਦਾ ਨਿਪਟਾਰਾ ਸਮੇਂ ਸਿਰ ਕੀਤਾ ਜਾਵੇਗਾ।",
        "ਨਿਪਟਾਰਾ",
        "ਅਰਜ਼ੀਆਂ ਦਾ ਨਿਪਟਾਰਾ",
    ),
    Sample(
        "odia",
        "ଜିଲ୍ଲା ପ୍ରଶାସନ କାର୍ଯ୍ୟାଳୟରେ ସମସ୍ତ ଅଭିଯୋଗର ଶୀଘ୍ର ସମାଧାନ କରାଯିବ।",
        "ଅଭିଯୋଗର",
        "ଅଭିଯୋଗ ସମାଧାନ ପ୍ରକ୍ରିୟା",
    ),
    Sample(
        "mixed",
        "कृपया सभी officers अपनी pending files की स्थिति आज शाम तक portal पर update करें।",
        "स्थिति",
        "Portal पर files की स्थिति",
    ),
]

BY_SCRIPT = {s.script: s for s in SAMPLES}
