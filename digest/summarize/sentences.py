"""Splitting article text into sentences and words; deciding whether a text is worth summarising.

Rule-based on purpose: it needs no downloaded data (nltk's punkt would) and it is fast enough to run
on every article before any model sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that end with a full stop without ending the sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st jr sr gen gov sen rep rt lt col sgt capt cmdr adm maj rev hon pres supt
    det insp cpl pvt inc co corp ltd bros vs etc no nos mt ft ave blvd rd jan feb mar apr jun jul
    aug sep sept oct nov dec fig al approx dept est univ""".split()
)
_BOUNDARY = re.compile(r"""([.!?]+["'”’)\]]*)\s+(?=["'“‘(\[]?[A-Z0-9])""")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’.-][A-Za-z0-9]+)*")
_PARAGRAPH = re.compile(r"\s*\n\s*\n\s*|\s*\n(?=\s*[A-Z\"“])")
# A line that stops on a comma or a word that cannot end a sentence was wrapped by the page
# ("Kate Henshaw, who in 2008 won the\nAfrica Movie Academy Award ..."): it goes on below.
# Not when the next line opens a sentence of its own: a capitalised word that only opens one,
# then a word in lower case ("That cannot go on\nThere are some numbers ...": a standfirst
# without its stop, above the first paragraph).
_WRAPPED = re.compile(
    r"(,|\b(?:the|a|an|of|to|in|on|at|for|with|by|from|and|or|but|that|who|which|whose|was|"
    r"were|is|are|has|had|have|will|would|its|their|his|her)) *\n(?=[ \t]*\S)"
    r"(?![ \t]*(?:The|There|It|This|That|These|Those|He|She|They|We|But|And|A|An|In|On|At|"
    r"When|After|As|If)[ \t]+[a-z])"
)
# A line of a few words with no stop, above one that starts in lower case, is a heading over its
# section ("Installation\nyapapi is available as a PyPI package."), not a line the page wrapped:
# wrapping leaves longer lines. It stands alone.
HEADING_WORDS = 3
_HEADING = re.compile(
    rf"(?m)^([ \t]*[^\s.!?:;,]+(?:[ \t]+[^\s.!?:;,]+){{0,{HEADING_WORDS - 1}}}[ \t]*)\n"
    r"(?=[ \t]*[a-z])"
)

# A short list is enough to tell running English prose from other languages and from lists of names.
_ENGLISH_STOPWORDS = frozenset(
    """the a an and or but of to in on at for with from by as is are was were be been has have had
    it its this that these those he she they we you i his her their our not will would said says
    who which what when after before than there""".split()
)
MIN_WORDS = 40


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, keeping each sentence's own punctuation and quotes.

    Paragraph breaks always end a sentence. A full stop after a known abbreviation ("Mr.", "Sept."),
    an initial ("J. Smith") or inside a dotted acronym ("U.S. officials") does not.
    """
    sentences: list[str] = []
    for paragraph in _paragraphs(text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            if match.group(1).startswith(".") and is_abbreviation(paragraph[start : match.start()]):
                continue
            if _inside_a_short_quote(paragraph[start : match.end(1)], paragraph[match.end(1) :]):
                continue
            sentences.append(paragraph[start : match.end(1)].strip())
            start = match.end()
        rest = paragraph[start:].strip()
        if rest:
            sentences.append(rest)
    return sentences


def _paragraphs(text: str) -> list[str]:
    """``text`` cut where a sentence must end: at a blank line, at a line break before a capital,
    and after a heading; a line the page wrapped is joined to the next."""
    joined = _WRAPPED.sub(r"\1 ", text.strip())
    return _PARAGRAPH.split(_HEADING.sub("\\1\n\n", joined))


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article: its text, its position, and whether it sits inside (or runs
    into) a quotation that other sentences share ("First. Second," she said: both are quoted)."""

    text: str
    index: int
    quoted: bool


def marked_sentences(text: str, limit: int | None = None) -> list[Sentence]:
    """The first ``limit`` sentences of ``text`` (all by default), each marked :attr:`quoted` when a
    quotation is open at its start or still open at its end. Quotations never cross a paragraph."""
    found: list[Sentence] = []
    for paragraph in _paragraphs(text):
        open_quote = False
        for sentence in split_sentences(paragraph):
            opened_before = open_quote
            for char in sentence:
                if char == "“":
                    open_quote = True
                elif char == "”":
                    open_quote = False
                elif char == '"':
                    open_quote = not open_quote
            found.append(Sentence(sentence, len(found), opened_before or open_quote))
            if limit is not None and len(found) >= limit:
                return found
    return found


def _inside_a_short_quote(sentence: str, after: str) -> bool:
    """Whether the sentence so far has opened, after its first words, a quotation that closes within
    a few words of ``after``: the stops of a slogan or a title inside a sentence ('South Dakota's
    viral "Meth. We're on it." awareness campaign has been facing backlash') end no sentence. A
    quotation that opens the sentence, or a long one, is speech, split as usual."""
    opened = -1
    for at, char in enumerate(sentence):
        if char == "“" or (char == '"' and opened < 0):
            opened = at
        elif char in '”"':
            opened = -1
    if opened < 0 or not re.search(r"\w", sentence[:opened]):
        return False
    closing = re.search(r"[”\"]", after)
    return closing is not None and len(after[: closing.start()].split()) <= SHORT_QUOTE_WORDS


SHORT_QUOTE_WORDS = 8


def is_abbreviation(before: str) -> bool:
    last = before.rsplit(None, 1)[-1] if before.strip() else ""
    last = last.lstrip("\"'“‘([")
    if not last:
        return False
    if len(last) == 1 and last.isupper():
        return True  # an initial
    if any(char.isdigit() for char in last):
        return False  # "fell 0.5%." ends a sentence; a decimal point is no abbreviation
    if "." in last:
        return True  # U.S, a.m, Ph.D
    return last.lower() in _ABBREVIATIONS


def words(text: str) -> list[str]:
    """The words of ``text`` (letters, digits, inner apostrophes, dots and hyphens), in order."""
    return _WORD.findall(text)


def count_words(text: str) -> int:
    """How many words a reader would count in ``text``."""
    return len(text.split())


def unsuitable(text: str) -> str | None:
    """Say why ``text`` should not be summarised, or return None when it should.

    Reasons: it is empty, it is too short to need a summary (under 40 words or a single sentence),
    or it does not read as English (mostly non-Latin script, or too few common English words). The
    caller shows the feed's own excerpt instead, or skips the article with the reason; no summary is
    invented.
    """
    stripped = text.strip()
    if not stripped:
        return "empty: the article has no text"
    letters = [c for c in stripped if c.isalpha()]
    if letters and sum(c.isascii() for c in letters) / len(letters) < 0.8:
        return "not English: most letters are outside the Latin alphabet"
    tokens = [w.lower() for w in words(stripped)]
    if len(tokens) < MIN_WORDS or len(split_sentences(stripped)) < 2:
        return f"too short: {len(tokens)} words, a summary would not be shorter than the text"
    if sum(t in _ENGLISH_STOPWORDS for t in tokens) / len(tokens) < 0.15:
        return "not English: too few common English words"
    return None
