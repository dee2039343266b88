"""Reshape the page before main-content selection so the article is found whole."""

from __future__ import annotations

import re
from collections import defaultdict

from lxml.html import HtmlElement

# class names that article-body containers carry
_BODY_CLASS = re.compile(r"body|content|article|text|story|entry|post|paragraph", re.IGNORECASE)
# prose a container must hold in its own paragraphs to count as a piece of the article body
_MIN_PROSE_CHARS = 150
_MAX_COUSIN_DEPTH = 3


def _prose_chars(element: HtmlElement) -> int:
    return sum(len(p.text_content()) for p in element.iterchildren("p"))


def _related(first: HtmlElement, other: HtmlElement) -> bool:
    """Whether two containers are siblings or cousins, neither inside the other."""
    first_ancestors = list(first.iterancestors())[:_MAX_COUSIN_DEPTH]
    other_ancestors = list(other.iterancestors())[:_MAX_COUSIN_DEPTH]
    if first in other_ancestors or other in first_ancestors:
        return False
    return any(a in first_ancestors for a in other_ancestors)


def join_split_bodies(tree: HtmlElement) -> None:
    """Join an article body split into several same-class containers (between ads, embeds).

    Main-content selection picks one container; when a site cuts the body into a run of
    ``<div class="article-body">`` blocks, only the first would survive. Every such container
    must hold prose paragraphs of its own, so a grid of teaser cards is not mistaken for one.
    """
    groups: defaultdict[str, list[HtmlElement]] = defaultdict(list)
    for element in tree.iter("div", "section"):
        name = element.get("class")
        if name and _BODY_CLASS.search(name):
            groups[name].append(element)
    for members in groups.values():
        if len(members) < 2 or any(_prose_chars(m) < _MIN_PROSE_CHARS for m in members):
            continue
        first = members[0]
        for other in members[1:]:
            if not _related(first, other):
                continue
            parent = other.getparent()
            if parent is None:
                continue
            for child in list(other):
                first.append(child)
            parent.remove(other)
