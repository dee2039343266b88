"""Tell what kind of piece a page is: opinion, review, news, blog or other.

The evidence, most trusted first, each read from the page's own markup or address:

1. the JSON-LD ``@type`` (``OpinionNewsArticle``, ``Review``, ``AnalysisNewsArticle``, ...);
2. the declared section (``article:section``, ``articleSection`` and the like) and Facebook's
   ``article:opinion`` flag;
3. a segment of the URL's path (``/opinion/``, ``/comment/``, ``/reviews/``);
4. a short visible label next to the headline ("Opinion", "Analysis"), or one prefixed to it
   ("Opinion | ...").

An analysis, a column or an editorial is someone's reading of the news, so it counts as
``opinion``: its claims are the writer's. An opinion or review sign from any source wins over a
plain news sign, because many outlets mark every page ``NewsArticle`` whatever it holds.
``other`` means nothing told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

OPINION = "opinion"
REVIEW = "review"
NEWS = "news"
BLOG = "blog"
OTHER = "other"
_SPECIFIC = (OPINION, REVIEW)

# schema.org types; the generic Article and WebPage say nothing about the kind
_SCHEMA_TYPES = {
    "opinionnewsarticle": OPINION,
    "analysisnewsarticle": OPINION,
    "reviewnewsarticle": REVIEW,
    "review": REVIEW,
    "criticreview": REVIEW,
    "newsarticle": NEWS,
    "reportagenewsarticle": NEWS,
    "backgroundnewsarticle": NEWS,
    "liveblogposting": NEWS,
    "blogposting": BLOG,
}
# the names outlets give their sections and labels, as one word or a path segment
_SECTION_NAMES = {
    "opinion": OPINION,
    "opinions": OPINION,
    "comment": OPINION,
    "commentisfree": OPINION,
    "commentary": OPINION,
    "editorial": OPINION,
    "editorials": OPINION,
    "column": OPINION,
    "columns": OPINION,
    "columnists": OPINION,
    "op-ed": OPINION,
    "oped": OPINION,
    "op-eds": OPINION,
    "viewpoint": OPINION,
    "viewpoints": OPINION,
    "perspective": OPINION,
    "perspectives": OPINION,
    "analysis": OPINION,
    "review": REVIEW,
    "reviews": REVIEW,
    "news": NEWS,
    "blog": BLOG,
    "blogs": BLOG,
}
_SECTION_META = ("article:section", "parsely-section", "section", "article.section", "category")
_LABEL_CLASS = re.compile(
    r"kicker|eyebrow|label|rubric|section|category|flag|overline|tag", re.IGNORECASE
)
_LABEL_WORDS = 3
# how many elements before the headline may hold its label
_LABEL_REACH = 2
_WORD = re.compile(r"[\w-]+")
# "Opinion | The case for ..." or "Analysis: Why ...": a label before the headline's separator
_TITLE_LABEL = re.compile(r"^\s*([\w -]{3,30}?)\s*(?:[|:]|\s[-–—]\s)\s*\S")


def read_kind(
    tree: HtmlElement,
    meta: dict[str, str],
    json_ld: Iterable[dict[str, Any]],
    url: str | None,
    title: str,
) -> str:
    """The kind of piece: ``opinion``, ``review``, ``news``, ``blog`` or ``other``."""
    found = [
        *_from_json_ld(json_ld),
        *_from_meta(meta),
        *_from_url(url),
        *_from_labels(tree),
        *_from_title(title),
    ]
    for kind in found:
        if kind in _SPECIFIC:
            return kind
    return found[0] if found else OTHER


def title_label(title: str) -> str:
    """The kind label prefixed to a headline ("Opinion | ..."), or ``""`` when there is none."""
    match = _TITLE_LABEL.match(title)
    if match and _section_kind(match.group(1)):
        return match.group(1)
    return ""


def _section_kind(name: str) -> str | None:
    """The kind a short section name or label stands for, if it names one."""
    words = _WORD.findall(name.lower())
    if not words or len(words) > _LABEL_WORDS:
        return None
    joined = "-".join(words)
    if joined in _SECTION_NAMES:
        return _SECTION_NAMES[joined]
    # "Guest opinion", "Film review", "News analysis": the last word names the kind
    return _SECTION_NAMES.get(words[-1]) if words[-1] != "news" else None


def _from_json_ld(objects: Iterable[dict[str, Any]]) -> list[str]:
    found = []
    for item in objects:
        types = item.get("@type")
        names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
        for name in names:
            if isinstance(name, str) and name.lower() in _SCHEMA_TYPES:
                found.append(_SCHEMA_TYPES[name.lower()])
        section = item.get("articleSection")
        sections = section if isinstance(section, list) else [section]
        found.extend(k for s in sections if isinstance(s, str) and (k := _section_kind(s)))
    return found


def _from_meta(meta: dict[str, str]) -> list[str]:
    found = []
    if meta.get("article:opinion", "").lower() == "true":
        found.append(OPINION)
    for key in _SECTION_META:
        kind = _section_kind(meta.get(key, ""))
        if kind:
            found.append(kind)
    if meta.get("og:type", "").lower() in ("blog", "blogposting"):
        found.append(BLOG)
    return found


def _from_url(url: str | None) -> list[str]:
    if not url:
        return []
    # the sections before the slug, whether or not the path ends in "/"
    segments = [s.lower() for s in urlsplit(url).path.split("/") if s][:-1]
    found = []
    for segment in segments:
        if segment in _SECTION_NAMES:
            found.append(_SECTION_NAMES[segment])
            continue
        # "/book-reviews/", "/opinion-pieces/": a word of the segment names the kind
        found.extend(
            kind for word in segment.split("-") if (kind := _SECTION_NAMES.get(word)) in _SPECIFIC
        )
    return found


def _from_labels(tree: HtmlElement) -> list[str]:
    """Kinds named by a short label inside the headline or in the elements just around it."""
    headline = next(tree.iter("h1"), None)
    if headline is None:
        return []
    near: list[HtmlElement] = list(headline)
    before = headline.getprevious()
    for _ in range(_LABEL_REACH):
        if before is None:
            break
        near.append(before)
        before = before.getprevious()
    after = headline.getnext()
    if after is not None:
        near.append(after)
    found = []
    for element in near:
        for part in element.iter():
            if not isinstance(part.tag, str) or part.tag in ("nav", "ul", "ol", "button"):
                continue
            name = f"{part.get('class', '')} {part.get('id', '')}"
            if part.getparent() is not headline and not _LABEL_CLASS.search(name):
                continue
            kind = _section_kind(part.text_content())
            if kind and kind != NEWS:
                found.append(kind)
    return found


def _from_title(title: str) -> list[str]:
    label = title_label(title)
    kind = _section_kind(label) if label else None
    return [kind] if kind else []
