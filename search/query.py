"""The query language a person would guess, parsed into bounded Whoosh queries.

words            all must match (stemmed for English, whole words for Indian scripts); when
                 nothing has them all, any of them (WhooshIndex.search falls back)
"exact phrase"   words in this order
-word, -"phrase" must not match
a OR b           either
prefix*          words starting with prefix (at least 2 letters, bounded expansion)
community:slug  tag:x  author:name  in:title
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as q

from forum.errors import BadRequest
from search.analysis import normalise, stem_word, words

MAX_LENGTH = 300
MAX_TERMS = 16
MAX_WILDCARDS = 3
MAX_EXPANSION = 64
TITLE_BOOST = 3.0

_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')


@dataclass
class Parsed:
    must: list[q.Query] = field(default_factory=list)
    must_not: list[q.Query] = field(default_factory=list)
    community: str | None = None
    tag: str | None = None
    author: str | None = None
    title_only: bool = False
    plain_words: list[str] = field(default_factory=list)  # for "did you mean"

    @property
    def empty(self) -> bool:
        return not self.must


Expander = Callable[[str], list[str]]  # prefix -> whole indexed words starting with it


def _fields(title_only: bool) -> list[tuple[str, float]]:
    return [("title", TITLE_BOOST)] if title_only else [("title", TITLE_BOOST), ("body", 1.0)]


def _word_query(tokens: list[str], title_only: bool) -> q.Query:
    """One user word may analyse to several tokens (e-office -> e, offic): then a phrase."""
    parts: list[q.Query] = []
    for name, boost in _fields(title_only):
        if len(tokens) == 1:
            parts.append(q.Term(name, tokens[0], boost=boost))
        else:
            parts.append(q.Phrase(name, tokens, boost=boost))
    return parts[0] if len(parts) == 1 else q.Or(parts)


def _analysed(text: str) -> list[str]:
    return [stem_word(w) for w in words(text)]


def parse(text: str, expand: Expander) -> Parsed:
    """`expand(field, prefix)` lists indexed terms of a field starting with prefix."""
    if len(text) > MAX_LENGTH:
        raise BadRequest(f"Search for at most {MAX_LENGTH} characters.", code="query_too_long")
    parsed = Parsed()
    pending_or = False
    wildcards = terms = 0
    for match in _TOKEN.finditer(text):
        negate, operator, phrase, bare = match.groups()
        if operator:
            op = operator.lower()
            value = (phrase if phrase is not None else bare or "").strip()
            if op in ("community", "tag", "author") and value:
                setattr(parsed, op, value.lower()[:40])
                continue
            if op == "in" and value.lower() == "title":
                parsed.title_only = True
                continue
            bare = f"{operator}:{bare}" if bare else None  # not an operator: search it as text
        if bare == "OR" and not negate:
            pending_or = bool(parsed.must)
            continue
        node: q.Query | None = None
        if phrase is not None:
            tokens = _analysed(phrase)
            if tokens:
                node = _word_query(tokens, False)
                terms += len(tokens)
        elif bare is not None and "*" in bare:
            wildcards += 1
            if wildcards > MAX_WILDCARDS:
                raise BadRequest(
                    f"Use at most {MAX_WILDCARDS} wildcards.", code="query_too_complex"
                )
            stem = normalise(bare.rstrip("*"))
            if len(stem) < 2 or "*" in stem:
                raise BadRequest(
                    "Put at least two letters before a * and use it only at the end of a word.",
                    code="bad_wildcard",
                )
            node = _prefix_query(stem, expand)
            terms += 1
        elif bare is not None:
            tokens = _analysed(bare)
            if tokens:
                node = _word_query(tokens, False)
                terms += len(tokens)
                if not negate:
                    parsed.plain_words.extend(words(bare))
        if node is None:
            continue
        if terms > MAX_TERMS:
            raise BadRequest(f"Use at most {MAX_TERMS} words.", code="query_too_complex")
        if negate:
            parsed.must_not.append(node)
        elif pending_or and parsed.must:
            parsed.must[-1] = q.Or([parsed.must[-1], node])
        else:
            parsed.must.append(node)
        pending_or = False
    if parsed.title_only:
        parsed.must = [_restrict_to_title(n) for n in parsed.must]
    return parsed


def _prefix_query(prefix: str, expand: Expander) -> q.Query:
    """prefix* -> the indexed (stemmed) forms of the whole words that start with it."""
    stems = list(dict.fromkeys(stem_word(word) for word in expand(prefix)))[:MAX_EXPANSION]
    if not stems:
        return q.NullQuery
    return q.Or([_word_query([s], False) for s in stems])


def _restrict_to_title(node: q.Query) -> q.Query:
    """in:title keeps only the title parts of each word's alternatives."""
    if isinstance(node, q.Or):
        kept = [_restrict_to_title(child) for child in node.subqueries]
        kept = [k for k in kept if k is not q.NullQuery]
        return q.Or(kept) if kept else q.NullQuery
    if getattr(node, "fieldname", None) == "body":
        return q.NullQuery
    return node


def build(parsed: Parsed, *, any_word: bool = False) -> q.Query:
    """Every word must match; with any_word, any one of them (ranked by how many and how
    well), the fallback when no document has them all. Exclusions hold either way."""
    joined = q.Or if any_word else q.And
    positive: q.Query = joined(parsed.must) if len(parsed.must) > 1 else parsed.must[0]
    if parsed.must_not:
        return q.AndNot(positive, q.Or(parsed.must_not))
    return positive
