"""Find the publisher's own short summary box ("In Short", "Key points", ...) and lift it out.

Two signals, either enough: a short label heading ("Key points") followed by a list, or a
container whose class or id names a summary box ("key-points", "story-highlights") and holds
a short list. The box is removed from the tree so the main text does not repeat it.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

_LABELS = {
    "in short",
    "in brief",
    "key points",
    "key point",
    "keypoints",
    "key takeaways",
    "takeaways",
    "key facts",
    "highlights",
    "story highlights",
    "article highlights",
    "at a glance",
    "tl;dr",
    "tldr",
    "summary",
    "the big picture",
    "what you need to know",
    "the essentials",
    "main points",
    "das wichtigste in kürze",
    "auf einen blick",
    "en bref",
    "l'essentiel",
}
_BOX_NAME = re.compile(
    r"key-?points|keypoints|key-?takeaways|takeaways|highlights|in-?short|tl-?dr|at-?a-?glance"
    r"|summary-?(?:box|list|bullets)|article-?summary|story-?summary",
    re.IGNORECASE,
)
_NOT_A_BOX = re.compile(r"video|gallery|sport|score|match|search|nav|menu", re.IGNORECASE)
_LABEL_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b", "header"}
_LABEL_TRIM = re.compile(r"^[\s:–—-]+|[\s:.–—-]+$")
_MAX_ITEMS = 8
_MAX_LABEL_CHARS = 60
_MAX_ITEM_WORDS = 60


def take_publisher_summary(tree: HtmlElement) -> tuple[str, ...]:
    """Remove the publisher's summary box from ``tree`` and return its bullets (``()`` if none)."""
    for element in tree.iter(*_LABEL_TAGS):
        if len(element) > 1:
            continue
        # the label's own text, read without text_content(), which is slow on every element
        child = element[0] if len(element) else None
        if child is not None and len(child):
            continue
        own = element.text or ""
        if child is not None:
            own += (child.text or "") + (child.tail or "")
        if len(own) > _MAX_LABEL_CHARS:
            continue
        label = _LABEL_TRIM.sub("", " ".join(own.split())).lower()
        if label not in _LABELS:
            continue
        found = _list_after(element)
        if found is not None:
            bullets = _bullets(found)
            if bullets:
                _remove(found)
                _remove(_outermost_label(element))
                return bullets
    for element in tree.iter("div", "section", "aside", "ul", "ol"):
        name = f"{element.get('class', '')} {element.get('id', '')}"
        if not _BOX_NAME.search(name) or _NOT_A_BOX.search(name):
            continue
        lists = [element] if element.tag in ("ul", "ol") else list(element.iter("ul", "ol"))
        if len(lists) != 1:
            continue
        bullets = _bullets(lists[0])
        if bullets:
            _remove(element)
            return bullets
    return ()


def _outermost_label(element: HtmlElement) -> HtmlElement:
    """The label with its wrappers that hold nothing else (``<p><strong>label</strong></p>``)."""
    while True:
        parent = element.getparent()
        if parent is None or len(parent) != 1 or (parent.text or "").strip():
            return element
        if parent.tag not in _LABEL_TAGS:
            return element
        element = parent


def _list_after(label: HtmlElement) -> HtmlElement | None:
    """The list right after a label, looking up through wrappers that hold only the label."""
    element: HtmlElement | None = label
    for _ in range(4):
        if element is None:
            return None
        sibling = element.getnext()
        # skip empty spacers between the label and its list
        while sibling is not None and not isinstance(sibling.tag, str):
            sibling = sibling.getnext()
        if sibling is not None:
            if sibling.tag in ("ul", "ol"):
                return sibling
            inner = [e for e in sibling.iter("ul", "ol")]
            if len(inner) == 1 and len(sibling.text_content()) <= len(inner[0].text_content()) + 40:
                return inner[0]
            return None
        element = element.getparent()
    return None


def _bullets(items: HtmlElement) -> tuple[str, ...]:
    lines = [" ".join(li.text_content().split()) for li in items.iter("li")]
    lines = [line for line in lines if line]
    if not 1 <= len(lines) <= _MAX_ITEMS:
        return ()
    if any(len(line.split()) > _MAX_ITEM_WORDS for line in lines):
        return ()
    # a list of links is navigation or teasers of other stories, not a summary
    entries = list(items.iter("li"))
    if sum(1 for li in entries if li.find(".//a") is not None) > len(entries) / 2:
        return ()
    if items.find(".//img") is not None:
        return ()
    return tuple(lines)


def _remove(element: HtmlElement) -> None:
    parent = element.getparent()
    if parent is None:
        return
    # keep the text that follows the element in the document
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
