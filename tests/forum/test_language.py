"""Which language a title or post is in, by its script: the `lang` attribute pages put on it."""

from __future__ import annotations

import pytest

from forum.language import SAMPLE_CHARS, lang_attribute, language_of


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("मनरेगा मज़दूरी भुगतान में देरी: एफटीओ अस्वीकृति कैसे कम करें?", "hi"),
        ("জেলা প্রশাসনের বার্ষিক পরিকল্পনা", "bn"),
        ("ਪੰਜਾਬ ਦੇ ਪਿੰਡਾਂ ਵਿੱਚ ਪਾਣੀ", "pa"),
        ("ગ્રામ પંચાયતનું બજેટ", "gu"),
        ("ଓଡ଼ିଶାରେ ବନ୍ୟା ପରିଚାଳନା", "or"),
        ("மாவட்ட ஆட்சியர் அலுவலகம்", "ta"),
        ("తెలంగాణ జిల్లా పరిపాలన", "te"),
        ("ಕರ್ನಾಟಕದ ಗ್ರಾಮ ಪಂಚಾಯತಿ", "kn"),
        ("കേരളത്തിലെ ആരോഗ്യ സേവനം", "ml"),
    ],
)
def test_writing_mostly_in_an_indian_script_is_marked_with_its_language(
    text: str, lang: str
) -> None:
    assert language_of(text) == lang
    assert lang_attribute(text) == f' lang="{lang}"'


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "How do you clear e-office backlogs?",
        "Lucía Fernández on the café budget: ₹ 40 lakh, résumé attached",
        # A few Hindi words in an English sentence: still English.
        "Our MGNREGA review: the FTO (फंड ट्रांसफर ऑर्डर) rejections fell after we mapped accounts",
        "ไทย ภาษา",  # a script that is not one of India's nine: no guess
    ],
)
def test_english_mixed_and_other_writing_is_not_marked(text: str | None) -> None:
    assert language_of(text) is None
    assert lang_attribute(text) == ""


def test_mostly_hindi_with_some_english_is_hindi() -> None:
    assert language_of("e-office में फ़ाइल ट्रांसफ़र कैसे करें, जब अनुभाग बदल जाए?") == "hi"


def test_only_the_start_of_a_long_post_is_read() -> None:
    english_then_hindi = "a" * SAMPLE_CHARS + "हिंदी" * 1000
    assert language_of(english_then_hindi) is None
    assert language_of("हिंदी में पूरा उत्तर " * 10 + "and then a long English tail " * 500) == "hi"


def test_the_attribute_is_safe_markup_for_templates() -> None:
    marked = lang_attribute("नमस्ते")
    assert hasattr(marked, "__html__") and marked.__html__() == ' lang="hi"'
