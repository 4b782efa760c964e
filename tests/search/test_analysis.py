"""Text analysis for Indian scripts: whole words, one spelling per word, English stemming only."""

from __future__ import annotations

import re
import unicodedata

import pytest

from search.analysis import plain_analyzer, stem_word, text_analyzer, words
from tests.search.samples import BY_SCRIPT, SAMPLES

# Folded nukta signs: Devanagari and Gurmukhi only (Bengali and Odia nukta letters are distinct).
NUKTAS = "\u093c\u0a3c"
ZWNJ, ZWJ = "\u200c", "\u200d"
SEPARATORS = re.compile(r"[\s\u0964\u0965,.;:?!()\"-]+")


def tokens(text: str) -> list[str]:
    return [t.text for t in text_analyzer()(text)]


def plain_tokens(text: str) -> list[str]:
    return [t.text for t in plain_analyzer()(text)]


def expected_words(sentence: str) -> list[str]:
    """The spec, written independently of the analyser: words are what lies between spaces and
    punctuation, in NFC, without nukta signs or zero-width (non-)joiners, lower-cased."""
    result = []
    for raw in SEPARATORS.split(sentence):
        if not raw:
            continue
        decomposed = unicodedata.normalize("NFD", raw)
        kept = "".join(ch for ch in decomposed if ch not in NUKTAS + ZWNJ + ZWJ)
        result.append(unicodedata.normalize("NFC", kept).lower())
    return result


def is_latin(word: str) -> bool:
    return bool(re.fullmatch(r"[a-z]+", word))


# Whole words


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.script)
def test_each_script_is_cut_into_whole_words(sample):
    assert plain_tokens(sample.sentence) == expected_words(sample.sentence)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.script)
def test_the_searched_word_is_one_token(sample):
    (token,) = plain_tokens(sample.word)
    assert token in plain_tokens(sample.sentence)
    assert len(token) >= len(sample.word) - 2  # not a fragment: at most a nukta or joiner shorter


def test_karyalay_is_not_cut_at_its_vowel_signs():
    assert tokens("कार्यालय") == ["कार्यालय"]
    assert tokens("मुख्य सचिव कार्यालय, भोपाल") == ["मुख्य", "सचिव", "कार्यालय", "भोपाल"]


def test_words_helper_agrees_with_the_analyser():
    for sample in SAMPLES:
        assert words(sample.sentence) == plain_tokens(sample.sentence)


# One spelling per word


DECOMPOSABLE = [s for s in SAMPLES if unicodedata.normalize("NFD", s.sentence) != s.sentence]


def test_enough_samples_have_a_decomposed_form():
    assert {s.script for s in DECOMPOSABLE} >= {
        "bengali",
        "tamil",
        "telugu",
        "kannada",
        "malayalam",
        "odia",
    }


@pytest.mark.parametrize("sample", DECOMPOSABLE, ids=lambda s: s.script)
def test_nfd_input_gives_the_same_tokens_as_nfc(sample):
    nfc = unicodedata.normalize("NFC", sample.sentence)
    nfd = unicodedata.normalize("NFD", sample.sentence)
    assert nfc != nfd
    assert tokens(nfd) == tokens(nfc)
    assert all(t == unicodedata.normalize("NFC", t) for t in tokens(nfd))


def test_zyada_with_precomposed_nukta_with_combining_nukta_and_without_meet():
    precomposed = "\u095b\u094d\u092f\u093e\u0926\u093e"  # ज़्यादा with U+095B
    combining = "\u091c\u093c\u094d\u092f\u093e\u0926\u093e"  # ज + ़ ...
    bare = "ज्यादा"
    assert tokens(precomposed) == tokens(combining) == tokens(bare) == [bare]


def test_retroflex_flap_is_folded_the_same_way_in_every_spelling():
    precomposed = "\u092c\u095c\u093e"  # बड़ा with U+095C
    combining = "\u092c\u0921\u093c\u093e"  # बड़ा with ड + ़
    assert tokens(precomposed) == tokens(combining) == tokens("बडा") == ["बडा"]
    assert tokens("पढ़ाई") == tokens("पढाई")


@pytest.mark.parametrize(
    ("with_nukta", "without"),
    [
        ("\u0a26\u0a2b\u0a3c\u0a24\u0a30", "\u0a26\u0a2b\u0a24\u0a30"),  # Gurmukhi ਦਫ਼ਤਰ / ਦਫਤਰ
        ("\u0a5b\u0a3f\u0a32\u0a4d\u0a39\u0a3e", "\u0a1c\u0a3f\u0a32\u0a4d\u0a39\u0a3e"),  # ਜ਼ਿਲ੍ਹਾ
    ],
)
def test_gurmukhi_nukta_is_folded(with_nukta, without):
    assert tokens(with_nukta) == tokens(without)
    assert len(tokens(with_nukta)) == 1


@pytest.mark.parametrize(
    ("with_nukta", "plain"),
    [
        ("\u09a1\u09bc\u09be\u0995", "\u09a1\u09be\u0995"),  # Bengali ড়াক is not ডাক
        ("\u0b13\u0b21\u0b3c\u0b3f\u0b06", "\u0b13\u0b21\u0b3f\u0b06"),  # Odia ଓଡ଼ିଆ is not ଓଡିଆ
        ("\u0a9d\u0abc\u0aa1", "\u0a9d\u0aa1"),  # Gujarati nukta letter
    ],
)
def test_nukta_letters_of_bengali_odia_and_gujarati_stay_distinct(with_nukta, plain):
    assert tokens(with_nukta) != tokens(plain)
    assert len(tokens(with_nukta)) == 1


def test_precomposed_and_decomposed_odia_nukta_letters_meet():
    assert tokens("\u0b13\u0b5c\u0b3f\u0b06") == tokens("\u0b13\u0b21\u0b3c\u0b3f\u0b06")


def test_zero_width_joiners_are_removed():
    assert tokens("पेंडिंग\u200cलो") == tokens("पेंडिंगलो")
    assert tokens("क्\u200dष") == tokens("क्ष")
    telugu = BY_SCRIPT["telugu"].sentence
    assert ZWNJ in telugu
    assert tokens(telugu) == tokens(telugu.replace(ZWNJ, ""))
    for token in tokens(telugu) + tokens("अ\u200dब\u200cस"):
        assert ZWNJ not in token and ZWJ not in token


def test_a_joiner_does_not_split_a_word():
    assert len(tokens("पेंडिंग\u200cलो")) == 1
    assert len(tokens("\u0d05\u0d35\u0d7e\u200d")) == 1


def test_malayalam_chillu_written_with_a_joiner_matches_the_atomic_chillu():
    """ഓഫീസിൽ is typed with the atomic chillu U+0D7D or, by older keyboards, as ല + ് + ZWJ.
    Once joiners are dropped both spellings of the same word must meet."""
    atomic = "\u0d13\u0d2b\u0d40\u0d38\u0d3f\u0d7d"
    legacy = "\u0d13\u0d2b\u0d40\u0d38\u0d3f\u0d32\u0d4d\u200d"
    assert tokens(legacy) == tokens(atomic)


# Stemming


def test_english_plurals_meet_their_singular():
    assert tokens("officers") == tokens("officer")
    assert tokens("Transfers transferred") == tokens("transfer transfer")
    assert tokens("Grievances") == tokens("grievance")


def test_english_words_are_lower_cased():
    assert tokens("DISTRICT Collector") == tokens("district collector")


def test_devanagari_is_not_touched_by_the_stemmer():
    for word in ("अधिकारियों", "फाइलों", "कार्यालयों", "योजनाएं"):
        assert stem_word(word) == word
        assert tokens(word) == [word]
    assert tokens("अधिकारियों") != tokens("अधिकारी")


@pytest.mark.parametrize(
    "sample", [s for s in SAMPLES if s.script != "mixed"], ids=lambda s: s.script
)
def test_the_stemmer_leaves_every_indian_script_as_written(sample):
    assert tokens(sample.sentence) == plain_tokens(sample.sentence)


def test_mixed_sentence_stems_only_its_english_words():
    sentence = BY_SCRIPT["mixed"].sentence
    plain, stemmed = plain_tokens(sentence), tokens(sentence)
    assert len(plain) == len(stemmed)
    for before, after in zip(plain, stemmed, strict=True):
        if is_latin(before):
            assert after == stem_word(before)
        else:
            assert after == before
    assert "officers" in plain and "officers" not in stemmed
    assert stem_word("officer") in stemmed
    assert {"स्थिति", "करें", "कृपया"} <= set(stemmed)
