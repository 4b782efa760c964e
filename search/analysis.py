"""Text analysis that keeps Indian-script words whole.

Python's `\\w` does not match combining marks, so the stock tokenizer cuts Hindi words at every
vowel sign (कार्यालय becomes क, र, य, लय). Here a word is a run of letters, digits and
combining marks of any script. Tokens are NFC-normalised; zero-width joiners and nukta signs
are dropped so spellings with and without them meet (ज़्यादा = ज्यादा), old-style Malayalam
chillu spellings become the atomic letters; Latin words are
lower-cased and stemmed (Porter2), other scripts are left as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import Analyzer, Token, Tokenizer
from whoosh.lang.porter2 import stem


def _mark_class() -> str:
    """A regex character class of every combining mark (Unicode categories Mn, Mc, Me)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):  # every script the forum serves is in the Basic Multilingual Plane
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


_MARKS = _mark_class()
WORD = re.compile(rf"[\w{_MARKS}\u200c\u200d]+(?:[.'’][\w{_MARKS}]+)*")
# Dropped: the Devanagari and Gurmukhi nukta (Hindi and Punjabi writers use it
# inconsistently: ज़्यादा / ज्यादा), zero-width (non-)joiners and soft hyphens. Bengali and Odia
# nukta letters such as য় are distinct letters and are kept.
_DROP = dict.fromkeys(map(ord, "\u093c\u0a3c\u200c\u200d\u00ad"))
# Malayalam chillu letters were once written as consonant + virama + ZWJ; use the atomic ones.
_CHILLU = {
    "\u0d23\u0d4d\u200d": "\u0d7a",
    "\u0d28\u0d4d\u200d": "\u0d7b",
    "\u0d30\u0d4d\u200d": "\u0d7c",
    "\u0d32\u0d4d\u200d": "\u0d7d",
    "\u0d33\u0d4d\u200d": "\u0d7e",
    "\u0d15\u0d4d\u200d": "\u0d7f",
}
_LATIN = re.compile(r"[a-z]+")


@lru_cache(maxsize=50_000)
def normalise(word: str) -> str:
    if "\u200d" in word:
        for old, new in _CHILLU.items():
            word = word.replace(old, new)
    text = unicodedata.normalize("NFD", word).translate(_DROP)
    text = unicodedata.normalize("NFC", text).lower()
    return text.replace("’", "'")


@lru_cache(maxsize=50_000)
def stem_word(word: str) -> str:
    return stem(word) if _LATIN.fullmatch(word) else word


class WordTokenizer(Tokenizer):
    """Whole words, normalised (and stemmed if Latin): the tokens `normalise` and `index_term`
    give, in one step rather than a tokenizer and filters, since highlighting runs it over
    every result. Positions count every word, even one that normalises to nothing."""

    def __init__(self, stemming: bool) -> None:
        self.stemming = stemming

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        term = index_term if self.stemming else normalise
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, match in enumerate(WORD.finditer(value), start=start_pos):
            text = term(match.group(0))
            if not text:
                continue
            token.text, token.boost, token.stopped = text, 1.0, False
            if keeporiginal:
                token.original = match.group(0)
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def text_analyzer() -> Analyzer:
    return WordTokenizer(stemming=True)


def plain_analyzer() -> Analyzer:
    """Same words as text_analyzer without stemming: used for spelling suggestions and prefixes."""
    return WordTokenizer(stemming=False)


def words(text: str) -> list[str]:
    return [normalise(m.group(0)) for m in WORD.finditer(text)]


@lru_cache(maxsize=200_000)
def index_term(word: str) -> str:
    """What text_analyzer makes of one word: normalised, then stemmed if Latin."""
    return stem_word(normalise(word))


def positions(text: str) -> dict[str, list[int]]:
    """Term -> positions, exactly as text_analyzer numbers them, without its per-token objects:
    indexing spends most of its time here, so this is text_analyzer's fast path."""
    found: dict[str, list[int]] = {}
    for pos, word in enumerate(WORD.findall(text)):
        term = index_term(word)
        if term:
            found.setdefault(term, []).append(pos)
    return found


class WordCount:
    """How often each whole (unstemmed, normalised) word occurs in the texts added: for the
    vocabulary. Counts raw words first and normalises each distinct one once."""

    def __init__(self) -> None:
        self._raw: Counter[str] = Counter()

    def add(self, text: str) -> None:
        self._raw.update(WORD.findall(text))

    def counts(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for word, n in self._raw.items():
            if normal := normalise(word):
                counts[normal] += n
        return dict(counts)
