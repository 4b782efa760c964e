"""Which language a piece of writing is in, judged by its script: enough to mark a Hindi title
or a Tamil post with `lang`, so browsers pick the right font and shaping and screen readers the
right voice. Text is judged by its first few hundred characters."""

from __future__ import annotations

from markupsafe import Markup

# The nine Indian scripts the search analyser knows sit side by side in Unicode, 128 code
# points each from U+0900, in this order. Devanagari is read as Hindi (Marathi, Nepali and
# Sanskrit share it; Hindi is what Chaupal's writers use it for).
BLOCK_LANGS = ("hi", "bn", "pa", "gu", "or", "ta", "te", "kn", "ml")
SAMPLE_CHARS = 400

# Counted in UTF-8, where C does the looping: every character of U+0800-U+0FFF starts with the
# byte E0, and the byte after it is A4 + (code point - U+0900) // 64, two of them per script.
LEAD = 0xE0
FIRST_SECOND = 0xA4
LAST_SECOND = FIRST_SECOND + 2 * len(BLOCK_LANGS) - 1
PAIRS = tuple(
    (bytes((LEAD, FIRST_SECOND + 2 * n)), bytes((LEAD, FIRST_SECOND + 2 * n + 1)))
    for n in range(len(BLOCK_LANGS))
)
NOT_ASCII_LETTERS = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).isalpha())


def language_of(text: str | None) -> str | None:
    """The language code of `text` when most of its letters are in one Indian script (judged by
    the script of its first such character), else None: English, the page's language, applies.
    Cheap enough for every render: ASCII text is answered at once, other text costs a few
    microseconds."""
    if not text:
        return None
    sample = text[:SAMPLE_CHARS]
    if sample.isascii():
        return None
    data = sample.encode("utf-8", "replace")
    first = data.find(LEAD)
    if first < 0 or first + 1 >= len(data) or not FIRST_SECOND <= data[first + 1] <= LAST_SECOND:
        return None
    block = (data[first + 1] - FIRST_SECOND) >> 1
    low, high = PAIRS[block]
    script = data.count(low) + data.count(high)
    other_scripts = data.count(LEAD) - script
    latin = len(data.translate(None, NOT_ASCII_LETTERS))
    if script * 2 <= script + other_scripts + latin:
        return None
    return BLOCK_LANGS[block]


ATTRIBUTES = {lang: Markup(' lang="{}"').format(lang) for lang in BLOCK_LANGS}
NO_ATTRIBUTE = Markup("")


def lang_attribute(text: str | None) -> Markup:
    """` lang="hi"` (with its leading space) for writing in an Indian script, else nothing: the
    Jinja filter `lang_attr`, as in `<h1{{ thread.title|lang_attr }}>`."""
    lang = language_of(text)
    return ATTRIBUTES[lang] if lang else NO_ATTRIBUTE
