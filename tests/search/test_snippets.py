"""Result snippets: matched words marked as the index sees them, everything else escaped, and
long texts cut to the parts around the matches."""

from __future__ import annotations

import re

from search.analysis import index_term
from search.snippets import MAX_CHARS, SEPARATOR, marked, snippet


def terms(*words: str) -> frozenset[str]:
    return frozenset(index_term(w) for w in words)


def marks(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_stemmed_forms_of_a_query_word_are_marked():
    html = snippet("Applications for transfer were applied late.", terms("application"))
    assert marks(html) == ["Applications"]


def test_everything_but_the_marks_is_escaped():
    text = '<script>alert("x")</script> pension & gratuity <b>rules</b>'
    html = snippet(text, terms("pension"))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    assert marks(html) == ["pension"]


def test_indian_script_words_are_marked_whole():
    html = snippet("मुख्य सचिव कार्यालय, भोपाल में बैठक", terms("कार्यालय"))
    assert marks(html) == ["कार्यालय"]


def test_a_long_text_is_cut_to_two_fragments_around_its_matches():
    filler = " ".join(["routine"] * 200)
    text = f"census begins {filler} ward maps {filler} census ends {filler} census again"
    html = snippet(text, terms("census", "ward"))
    assert html.count(SEPARATOR) == 1
    assert len(html) < 2 * (MAX_CHARS + 40)
    assert "ward" in marks(html)  # the fragment with the most distinct words wins a place
    assert html.index("census") < html.index("ward")  # shown in text order


def test_no_match_gives_nothing_so_the_caller_can_fall_back():
    assert snippet("Nothing relevant here.", terms("census")) == ""
    assert snippet("", terms("census")) == ""


def test_a_title_is_marked_whole_and_escaped():
    assert marked("Leave rules & <b>forms</b>", terms("forms")) == (
        "Leave rules &amp; &lt;b&gt;<mark>forms</mark>&lt;/b&gt;"
    )
    assert marked("Leave rules", frozenset()) == "Leave rules"


def test_stemming_keeps_the_first_letter_which_the_snippets_rely_on():
    words = "lying dying tying skies news ugly early only idly gently applications running"
    for word in words.split():
        assert index_term(word)[:1] == word[:1], word
    assert marks(snippet("Dying batteries were replaced.", terms("die"))) == ["Dying"]
