"""Result snippets: the parts of a text around the words a query matched, with those words in
<mark>, everything else HTML-escaped.

Words are matched as the index sees them (search.analysis.index_term), so "applied" marks
"applications" when the query said "application". One pass over the text's words; Whoosh's
highlighter took a quarter of a search's time building token objects and fragments."""

from __future__ import annotations

from collections.abc import Collection
from html import escape

from search.analysis import WORD, index_term

MAX_CHARS = 240  # of text in one fragment
SURROUND = 70  # characters of context on each side of a match
SEPARATOR = " … "


def snippet(text: str, terms: Collection[str], *, fragments: int = 2) -> str:
    """Up to `fragments` pieces of text around its matches, the best (most distinct words
    matched, then earliest) first chosen, shown in text order; "" when nothing matches."""
    matches = _matches(text, terms)
    if not matches:
        return ""
    pieces: list[list[tuple[int, int, str]]] = []
    for match in matches:
        current = pieces[-1] if pieces else None
        if current is not None and match[1] - current[0][0] + 2 * SURROUND <= MAX_CHARS:
            current.append(match)
        else:
            pieces.append([match])
    best = sorted(pieces, key=lambda piece: (-len({term for *_, term in piece}), piece[0][0]))
    chosen = sorted(best[:fragments], key=lambda piece: piece[0][0])
    return SEPARATOR.join(_fragment(text, piece) for piece in chosen)


def _matches(text: str, terms: Collection[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of each word of text that is one of terms."""
    if not text or not terms:
        return []
    # English stemming never changes a word's first letter: a plain a-z word can only match a
    # term with its initial, and the others need not be stemmed at all (stemming is slow).
    initials = {term[:1] for term in terms}
    return [
        (m.start(), m.end(), term)
        for m in WORD.finditer(text)
        if (word := m.group(0))[:1].lower() in initials or not (word.isascii() and word.isalpha())
        if (term := index_term(word)) in terms
    ]


def _fragment(text: str, piece: list[tuple[int, int, str]]) -> str:
    start = _word_boundary(text, max(0, piece[0][0] - SURROUND), backwards=True)
    end = _word_boundary(text, min(len(text), piece[-1][1] + SURROUND), backwards=False)
    return _render(text, piece, start, end).strip()


def marked(text: str, terms: Collection[str]) -> str:
    """All of text, escaped, with the matched words in <mark>."""
    matches = _matches(text, terms)
    return _render(text, matches, 0, len(text)) if matches else escape(text, quote=False)


def _render(text: str, piece: list[tuple[int, int, str]], start: int, end: int) -> str:
    out: list[str] = []
    at = start
    for first, last, _ in piece:
        out.append(escape(text[at:first], quote=False))
        out.append(f"<mark>{escape(text[first:last], quote=False)}</mark>")
        at = last
    out.append(escape(text[at:end], quote=False))
    return "".join(out)


def _word_boundary(text: str, at: int, *, backwards: bool) -> int:
    """Moves `at` off the middle of a word (to the space before or after it)."""
    if at <= 0 or at >= len(text):
        return at
    step = -1 if backwards else 1
    limit = 20  # never walk far: a very long "word" is cut
    while 0 < at < len(text) and not text[at].isspace() and limit:
        at += step
        limit -= 1
    return at
