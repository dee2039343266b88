"""Extract an article's main text and metadata from an HTML page.

The page is parsed once, then read in this order:

1. metadata from the page's own declarations (JSON-LD, Open Graph, ``<meta>``, ``<time>``,
   ``<link rel=canonical>``), with the kind of piece (opinion, news, ...) and a headline freed of
   its kicker ("BREAKING: ");
2. the publisher's short summary box ("In Short", "Key points") is lifted out of the tree, so it
   lands in ``publisher_summary`` and not in ``text``;
3. page furniture the markup marks (bylines, author cards, tag lists, promos, cookie banners,
   captions, date lines) is removed from the tree;
4. an article body split into several same-class containers is joined;
5. trafilatura selects the main text in its fast mode; when that finds under a tenth of the
   page's visible text, its slower comparison with readability and jusText runs on that page;
6. the boilerplate lines that survive selection are dropped by wording and shape (share, comment
   and newsletter prompts, link-only lines, teaser lists, menus, copyright and call-outs), then
   the furniture lines by shape and position (date lines, bylines and bios, bracketed promos,
   text from before the headline, labels at either end); an end marker ("ENDS", "###") ends
   the article.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lxml.html import HtmlElement

from digest.extract.boilerplate import clean_paragraphs, link_texts
from digest.extract.content import join_split_bodies
from digest.extract.furniture import (
    PageSigns,
    cut_at_end_marker,
    drop_furniture_lines,
    prune_furniture,
    read_signs,
)
from digest.extract.kind import OTHER
from digest.extract.metadata import Metadata, read_metadata
from digest.extract.page import parse_page
from digest.extract.summary_box import take_publisher_summary

LOGGER = logging.getLogger(__name__)

# below this share of the page's visible text, the fast pass probably picked the wrong block
RESCUE_SHARE = 0.1


@dataclass(frozen=True)
class Extracted:
    """What :func:`extract` found on one page.

    ``author`` is the byline's name(s) only, without "By", role or bio; ``description`` is the
    publisher's own description of the piece (``og:description`` or ``<meta name=description>``,
    ``""`` when there is none); ``kind`` is ``opinion`` (columns, editorials and analysis too),
    ``review``, ``news``, ``blog`` or ``other`` (no sign of which).
    """

    title: str
    text: str
    author: str | None = None
    published: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    publisher_summary: tuple[str, ...] = ()
    description: str = ""
    kind: str = OTHER


def extract(html: str | bytes, url: str | None = None) -> Extracted:
    """Extract the main article text and metadata of one HTML page.

    ``html`` may be text or raw bytes (decoded by BOM, declared charset, then detection);
    ``url`` is the page's address, used to make the image and canonical URLs absolute.
    ``text`` holds one paragraph per line, without navigation, share, comment, newsletter,
    related-links or cookie blocks, and without the publisher's own summary box, which is
    returned in ``publisher_summary``. Never raises on malformed input; ``text`` is ``""``
    when the page has no article text.
    """
    try:
        tree = parse_page(html)
    except Exception:  # a broken page is data, not a bug: report nothing found
        LOGGER.debug("could not parse page %s", url, exc_info=True)
        return Extracted(title="", text="")
    if tree is None:
        return Extracted(title="", text="")
    try:
        metadata = read_metadata(tree, url)
    except Exception:
        LOGGER.debug("could not read metadata of %s", url, exc_info=True)
        metadata = Metadata()
    try:
        summary = take_publisher_summary(tree)
    except Exception:
        LOGGER.debug("could not look for a summary box in %s", url, exc_info=True)
        summary = ()
    try:
        links = link_texts(tree)
        signs = read_signs(tree, metadata.title, metadata.author, links)
        prune_furniture(tree)
        join_split_bodies(tree)
        text = _select_text(tree, url, metadata.title, links, signs)
    except Exception:
        LOGGER.debug("could not extract text of %s", url, exc_info=True)
        text = ""
    return Extracted(
        title=metadata.title,
        text=text,
        author=metadata.author,
        published=metadata.published,
        language=metadata.language,
        canonical_url=metadata.canonical_url,
        image=metadata.image,
        publisher_summary=summary,
        description=metadata.description,
        kind=metadata.kind,
    )


def _select_text(
    tree: HtmlElement, url: str | None, title: str, links: set[str], signs: PageSigns
) -> str:
    # imported here: trafilatura pulls in jusText, htmldate and friends, which `digest --help`
    # does not need
    from trafilatura import bare_extraction
    from trafilatura.metadata import Document

    # fast: without trafilatura's second opinions (readability, jusText), which cost more than
    # the boilerplate filters that follow and do the same job on most pages
    document = bare_extraction(tree, url=url, fast=True, include_comments=False)
    found = _text_size(document.text) if isinstance(document, Document) else 0
    # the fast pass found little of a page with much text: its main-content guess probably
    # missed, so pay for the second opinions on this page only
    if found < RESCUE_SHARE * _page_text_size(tree):
        rescued = bare_extraction(tree, url=url, fast=False, include_comments=False)
        if isinstance(rescued, Document) and _text_size(rescued.text) > found:
            document = rescued
    if not isinstance(document, Document) or not document.text:
        return ""
    # the end marker first: "###" and "-30-" have no words, and the filters would drop them
    lines = cut_at_end_marker(document.text.splitlines())
    lines = clean_paragraphs(lines, title, links)
    return "\n".join(drop_furniture_lines(lines, signs))


def _text_size(text: str | None) -> int:
    """Characters of a text, not counting white space."""
    return len(text or "") - sum(map((text or "").count, " \n\t\r"))


def _page_text_size(tree: HtmlElement) -> int:
    """Characters of text a reader could see on the page, not counting white space."""
    body = tree.find("body")
    if body is None:
        return 0
    hidden = sum(_text_size(e.text_content()) for e in body.iter("script", "style", "noscript"))
    return _text_size(body.text_content()) - hidden
