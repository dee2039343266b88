"""Keep page furniture out of the article text: bylines, bios, dates, labels, captions, promos.

Two passes, both by the page's structure first and wording only as support.

Before main-content selection, :func:`prune_furniture` removes what the markup marks as
furniture: small elements whose class, id or role names a byline, author card, tag list, promo,
subscription offer, cookie or consent banner, caption, credit, kicker, label or date line; a short
block that is mostly a ``<time>``; the caption beside an image.
Size guards keep it from touching the article: an element holding several paragraphs, the
headline, or a large share of the page's text is never removed.

After selection, :func:`drop_furniture_lines` judges the lines by shape and position, which is
all a page built of bare ``<div>``s offers: an end marker ("ENDS", "###", "-30-") ends the
article; date and time lines, bare contact lines, bracketed promos and credits, bylines and the
author's bio go; so does text that sits before the headline on the page (promo strips, labels),
and the short label-like lines at either end of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree
from lxml.html import HtmlElement

from digest.extract.boilerplate import is_promotion, word_key
from digest.extract.metadata import clean_author

_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# class/id tokens naming furniture; a token must be a whole part of a class name. Not "label"
# (Drupal marks every body field "field--label-hidden") nor "readmore" (a "read more" expander
# holds the rest of the article)
_FURNITURE_TOKENS = frozenset(
    """
    byline bylines author authors bio biography tags taglist tagline keywords promo promos
    promotion subscribe subscription subscriptions paywall offer offers newsletter newsletters
    signup cookie cookies consent gdpr caption captions credit credits kicker eyebrow rubric
    breadcrumb breadcrumbs timestamp dateline pubdate published updated meta reprint
    reprints republish syndication permissions related share sharing social
    """.split()
)
# WordPress puts "tag-x" and "category-x" on the article itself: these count only as the last
# token of a class name ("post-tags", "entry-categories")
_LAST_TOKENS = frozenset({"tag", "category", "categories", "date", "time"})
# any token as a substring of lower-cased names: a quick test before the names are split
_ANY_TOKEN = re.compile("|".join(sorted(_FURNITURE_TOKENS | _LAST_TOKENS, key=len, reverse=True)))
# the elements that carry a name or a role at all, found by libxml2 faster than a walk in Python
_NAMED = etree.XPath(".//*[@class or @id or @role]")
_FURNITURE_ROLES = frozenset(
    """
    complementary contentinfo navigation banner search dialog alertdialog toolbar menu menubar
    tablist
    """.split()
)
_INLINE = frozenset(
    {"span", "a", "em", "strong", "b", "i", "small", "time", "abbr", "font", "label", "sup"}
)
# guards: furniture is small, and never holds the headline or several paragraphs
_MAX_FURNITURE_WORDS = 120
_MAX_PAGE_SHARE = 0.25
_MAX_PARAGRAPHS = 2
_INLINE_CONTEXT_WORDS = 5
_TIME_LINE_WORDS = 12
_TIME_SHARE = 0.4
_CAPTION_WORDS = 40
_CAPTION_CLIMB = 3

_WORD = re.compile(r"\w+")
# Chinese and Japanese run words together: each character counts as a word
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]」』）]*$")
_SHORT_LINE_WORDS = 8
# "ENDS", "- END -", "###", "# # #", "-30-": the press-release convention for "the story ends"
_END_MARKER = re.compile(r"^[\s*_–—-]*(?:ENDS?|#\s?#\s?#|-30-)[\s*_–—-]*$")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?"
_DATE = re.compile(
    rf"""\b\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}(?:[ T]\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?
    | \b\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}\b
    | (?:\b{_WEEKDAY}\s+)?\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?
    | (?:\b{_WEEKDAY}\s+)?\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+\d{{4}})?
    | \b\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{{2,4}}\b)?
    | \b\d{{1,2}}(?:\.\d{{2}})?\s*[ap]\.?m\.?(?:\s+[A-Z]{{2,4}}\b)?
    | \b\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b""",
    re.IGNORECASE | re.VERBOSE,
)
# a date line may carry a few more words: "Published", "Updated on", "by", "GMT"
_DATE_LINE_EXTRA_WORDS = 3
_DATE_LINE_SHARE = 0.5
# an address, a handle or a link, optionally after a short label ("Listen: https://...")
_CONTACT = re.compile(
    r"""^(?:[^\W\d][\w ]{0,24}:\s*)?
    (?:(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+|@\w{2,}|[\w-]+(?:\.[\w-]+)+/\S*)
    (?:\s*[|,/·•]?\s*(?:(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+|@\w{2,}))*\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_BRACKETS = {"(": ")", "[": "]"}
_BRACKETED_WORDS = 40
_BRACKETED_CREDIT_WORDS = 25
_MIN_LINK_KEY_CHARS = 4
_BRACKETED_ONE_LINK_WORDS = 12
_BYLINE = re.compile(r"^(?:by|von|par|por|di|door|av)\s+[^\W\d_]", re.IGNORECASE)
_BYLINE_WORDS = 10
_AUTHOR_LINE_EXTRA_WORDS = 10
_BIO_WORDS = 60
_MAX_BEFORE_HEADLINE_SHARE = 0.2
# bylines and bios sit within this many lines of either end of the text
_EDGE_LINES = 3


def _words(text: str) -> int:
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return len(_WORD.findall(text))
    return len(_WORD.findall(_UNSPACED.sub(" ", text))) + unspaced


@lru_cache(maxsize=4096)
def _names_furniture_by(class_and_id: str) -> bool:
    """Whether class and id names (space-separated) hold a furniture token."""
    # most names hold none of the tokens even as a substring: skip splitting those
    if not _ANY_TOKEN.search(class_and_id.lower()):
        return False
    for name in class_and_id.split():
        parts = [p for p in _TOKEN_SPLIT.split(_CAMEL.sub("-", name).lower()) if p]
        if parts and (parts[-1] in _LAST_TOKENS or not _FURNITURE_TOKENS.isdisjoint(parts)):
            return True
    return False


def _names_furniture(element: HtmlElement) -> bool:
    role = element.get("role")
    if role and role.strip().lower() in _FURNITURE_ROLES:
        return True
    names = f"{element.get('class', '')} {element.get('id', '')}"
    return bool(names.strip()) and _names_furniture_by(names)


def _size(element: HtmlElement, limit: int) -> int:
    """About how many words an element's text holds, counting no further than past ``limit``.

    Split on white space, which is fast and close enough for the size guards.
    """
    total = 0
    for text in element.itertext():
        total += len(text.split())
        if not text.isascii():
            total += len(_UNSPACED.findall(text))
        if total > limit:
            break
    return total


def _removable(element: HtmlElement, page_words: int) -> bool:
    """Whether an element is small enough, and far enough from the article, to be furniture."""
    if element.tag in ("html", "body", "main", "article"):
        return False
    limit = int(min(_MAX_FURNITURE_WORDS, _MAX_PAGE_SHARE * page_words))
    if _size(element, limit) > limit:
        return False
    if element.find(".//h1") is not None:
        return False
    paragraphs = sum(1 for p in element.iter("p") if _words(p.text_content()) >= 15)
    if paragraphs > _MAX_PARAGRAPHS:
        return False
    return not (element.tag in _INLINE and _inside_prose(element))


def _inside_prose(element: HtmlElement) -> bool:
    """Whether an inline element is part of a sentence: its block holds more words around it."""
    block = _block_of(element)
    if block is None:
        return False
    around = _words(block.text_content()) - _words(element.text_content())
    return around >= _INLINE_CONTEXT_WORDS


def _block_of(element: HtmlElement) -> HtmlElement | None:
    parent = element.getparent()
    while parent is not None and parent.tag in _INLINE:
        parent = parent.getparent()
    return parent


def prune_furniture(tree: HtmlElement) -> None:
    """Remove from ``tree`` the small elements its markup marks as page furniture."""
    body = tree.find("body")
    if body is None:
        return
    # only the page's size up to where it no longer tightens the guard matters
    page_words = _size(body, int(_MAX_FURNITURE_WORDS / _MAX_PAGE_SHARE))
    doomed: list[HtmlElement] = []
    # inline elements named like furniture, and <time>s, that may sit inside a sentence
    marked: list[HtmlElement] = []
    for element in _NAMED(body):
        if _names_furniture(element):
            if _removable(element, page_words):
                doomed.append(element)
            elif element.tag in _INLINE:
                marked.append(element)
    for element in body.iter("time"):
        block = _block_of(element)
        if block is not None and _is_time_line(block, element) and _removable(block, page_words):
            doomed.append(block)
        else:
            marked.append(element)
    for image in body.iter("img"):
        caption = _caption_box(image)
        if caption is not None and _removable(caption, page_words):
            doomed.append(caption)
    # a date or name marked up inside a sentence is the sentence's: unwrap it, so that no
    # later step that drops such elements takes words out of the article
    for element in marked:
        if _inside_prose(element):
            element.drop_tag()
    for element in doomed:
        # drop_tree keeps the text that follows the element; an element already taken out
        # with an ancestor has nothing left to drop
        if element.getparent() is not None:
            element.drop_tree()


def _is_time_line(block: HtmlElement, time: HtmlElement) -> bool:
    """A short block that is mostly a ``<time>``: "Updated <time>3 March</time>"."""
    text = " ".join(block.text_content().split())
    words = _words(text)
    if not words or words > _TIME_LINE_WORDS:
        return False
    share = _words(time.text_content()) / words
    return share >= _TIME_SHARE or not _SENTENCE_END.search(text)


def _caption_box(image: HtmlElement) -> HtmlElement | None:
    """The small box holding an image and its caption or credit, when there is one.

    Climb from the image through wrappers that hold nothing but it; the first box that holds
    some text besides is the picture with its caption, when that text is short and the box holds
    no other picture. A paragraph with an inline icon is not a caption box.
    """
    box = image.getparent()
    for _ in range(_CAPTION_CLIMB):
        if box is None or box.tag in ("body", "article", "main", "p", "li", "td", "a"):
            return None
        text = box.text_content()
        if text.strip():
            words = _words(text)
            if words > _CAPTION_WORDS or sum(1 for _ in box.iter("img")) != 1:
                return None
            if any(_words(p.text_content()) >= _CAPTION_WORDS for p in box.iter("p")):
                return None
            return box
        box = box.getparent()
    return None


@dataclass(frozen=True)
class PageSigns:
    """What the page tells about its lines beyond their wording."""

    author: str = ""
    # the page's link texts (word keys), to recognise a bracketed promo that links out
    links: frozenset[str] = field(default_factory=frozenset)
    # the text before the headline on the page (word keys), and all of the page's text
    before_headline: str = ""
    page_text: str = ""


def read_signs(tree: HtmlElement, title: str, author: str | None, links: set[str]) -> PageSigns:
    """Read the page's signs for :func:`drop_furniture_lines` (before anything is removed)."""
    before, page = _split_at_headline(tree, title)
    return PageSigns(
        author=word_key(author.split(",")[0]) if author else "",
        links=frozenset(k for k in links if len(k) >= _MIN_LINK_KEY_CHARS),
        before_headline=before,
        page_text=page,
    )


def _split_at_headline(tree: HtmlElement, title: str) -> tuple[str, str]:
    """The page's text before its headline, and all of the page's text, as word keys.

    The headline is the ``<h1>`` that carries the title; without one, nothing is "before".
    """
    body = tree.find("body")
    title_key = word_key(title)
    if body is None or not title_key:
        return "", ""
    headline = None
    for h1 in body.iter("h1"):
        h1_key = word_key(h1.text_content())
        if h1_key and (h1_key in title_key or title_key in h1_key):
            headline = h1
            break
    if headline is None:
        return "", ""
    holders = set(headline.iterancestors())
    before: list[str] = []
    for element in body.iter():
        if element is headline:
            break
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "noscript"):
            continue
        if element.text:
            before.append(element.text)
        # an ancestor's tail comes after the headline in reading order
        if element.tail and element not in holders:
            before.append(element.tail)
    return word_key(" ".join(before)), body.text_content()


def _contains(haystack: str, needle: str) -> bool:
    return bool(needle) and f" {needle} " in f" {haystack} "


def _count(haystack: str, needle: str) -> int:
    return f" {haystack} ".count(f" {needle} ")


def is_short_fragment(line: str) -> bool:
    """A line of a few words that does not end as a sentence: a label, a heading, a credit."""
    words = _words(line)
    return 0 < words < _SHORT_LINE_WORDS and not _SENTENCE_END.search(line)


def is_date_line(line: str) -> bool:
    """A line that is a date or time with a word or two around it ("Updated 3 March, 10:05")."""
    if line.startswith("- "):
        return False
    words = _words(line)
    if not words or words > _TIME_LINE_WORDS:
        return False
    dated = sum(_words(m.group(0)) for m in _DATE.finditer(line))
    if not dated:
        return False
    if _SENTENCE_END.search(line):
        return dated / words >= _DATE_LINE_SHARE
    return words - dated <= _DATE_LINE_EXTRA_WORDS


def is_contact_line(line: str) -> bool:
    """A line that is only an address, a handle or a link, perhaps after a short label."""
    return bool(_CONTACT.match(line.strip(" -•|")))


def is_bracketed_furniture(line: str, links: frozenset[str]) -> bool:
    """A whole line in brackets that links out ("[Sign up for ... here]") or is a credit.

    A bracketed sentence without a link ("(The company did not reply.)") is the article's.
    """
    text = line.strip()
    if len(text) < 3 or text[0] not in _BRACKETS:
        return False
    words = _words(text)
    if _BRACKETS[text[0]] not in text:
        # the bracket's closing link went to a line of its own: "[Sign up for ..." + "here]"
        return words <= _BRACKETED_CREDIT_WORDS and not _SENTENCE_END.search(text)
    if _BRACKETS[text[0]] != text[-1]:
        return False
    if words > _BRACKETED_WORDS:
        return False
    inner = text[1:-1].strip()
    line_key = word_key(inner)
    # the promo's link closes it: "[Sign up for the morning briefing here]"; a one-word link
    # closes a sentence in brackets too often to count in a long one
    for link in links:
        if line_key == link or line_key.endswith(" " + link):
            if " " in link or words <= _BRACKETED_ONE_LINK_WORDS:
                return True
    return words <= _BRACKETED_CREDIT_WORDS and not _SENTENCE_END.search(inner)


def is_byline(line: str, author: str) -> bool:
    """A byline: "By Jane Doe, Staff writer", or a short line naming the page's author."""
    if _SENTENCE_END.search(line):
        return False
    words = _words(line)
    if author and _contains(word_key(line), author):
        return words <= len(author.split()) + _AUTHOR_LINE_EXTRA_WORDS
    return words <= _BYLINE_WORDS and bool(_BYLINE.match(line)) and bool(clean_author(line))


def _is_bio(line: str, author: str) -> bool:
    """A tagline about the author: a short paragraph that opens with their full name."""
    return (
        bool(author)
        and len(author.split()) >= 2
        and _words(line) <= _BIO_WORDS
        and word_key(line).startswith(author + " ")
    )


def _before_headline_lines(lines: list[str], signs: PageSigns) -> set[int]:
    """The lines whose text sits only before the headline on the page.

    A promo strip or label above the headline is small; when much of the text comes from
    before the ``<h1>``, that heading is not the top of the article, and nothing is dropped.
    """
    found = set()
    page = ""
    for index, line in enumerate(lines):
        line_key = word_key(line)
        if not _contains(signs.before_headline, line_key):
            continue
        page = page or word_key(signs.page_text)
        # on the page only before the headline: every time the page says it, it is there
        if _count(page, line_key) == _count(signs.before_headline, line_key):
            found.add(index)
    dropped = sum(_words(lines[i]) for i in found)
    if dropped > _MAX_BEFORE_HEADLINE_SHARE * sum(_words(line) for line in lines):
        return set()
    return found


def _is_prose(line: str) -> bool:
    return not is_short_fragment(line)


def drop_furniture_lines(lines: list[str], signs: PageSigns) -> list[str]:
    """Drop the lines of page furniture from extracted paragraphs (one paragraph per line).

    An end marker cuts the text; then date lines, contact lines, bracketed promos and credits,
    bylines and text from before the headline go; then the label-like lines, bios and closing
    call-outs at either end. Text without any prose line is returned as it came.
    """
    lines = cut_at_end_marker(lines)
    before = _before_headline_lines(lines, signs)
    kept = []
    for index, line in enumerate(lines):
        near_edge = index < _EDGE_LINES or index >= len(lines) - _EDGE_LINES
        if (
            is_date_line(line)
            or is_contact_line(line)
            or is_bracketed_furniture(line, signs.links)
            or (near_edge and is_byline(line, signs.author))
            or index in before
        ):
            continue
        kept.append(line)
    if not any(_is_prose(line) for line in kept):
        return kept
    while kept and _is_opening_furniture(kept[0], signs.author):
        kept.pop(0)
    while kept and _is_closing(kept[-1], signs.author):
        kept.pop()
    return kept


def _is_opening_furniture(line: str, author: str) -> bool:
    """Furniture at the start of the text: a label, a kicker, a tagline about the author.

    A list, or a line that introduces one ("Ingredients:"), is the article's own.
    """
    if line.startswith("- ") or line.rstrip().endswith(":"):
        return False
    return is_short_fragment(line) or _is_bio(line, author)


def _is_closing(line: str, author: str) -> bool:
    """Furniture at the end of the text: a label, a bio, a call-out, a reprint note."""
    if line.startswith("- "):
        return False  # a list ending the article is the article's
    if is_short_fragment(line) or _is_bio(line, author):
        return True
    return is_promotion(line)


def cut_at_end_marker(lines: list[str]) -> list[str]:
    """Cut the text at an end marker that follows some prose; what comes after is boilerplate."""
    for index, line in enumerate(lines):
        if _END_MARKER.match(line) and any(_is_prose(previous) for previous in lines[:index]):
            return lines[:index]
    return lines
