"""Sources: turn a configured URL into the items it offers now.

A source URL may be a feed (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1), a sitemap
(``<urlset>``, Google News ``<news:news>``, or a ``<sitemapindex>`` whose newest sitemaps are read),
a site's home page that links its feeds with ``<link rel="alternate">`` (the first feed found is
used and remembered), or an article page, which is then an item of its own. Identity of each item
is its GUID, its normalised URL (tracking parameters dropped) and a fingerprint of its title and
summary; the store decides what is new.

XML is read safely: a feed whose DTD declares any entity is refused before it can expand (one
plain entity referenced a million times is as bad as nested ones), and sitemaps may not carry a
DTD at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from digest.errors import DigestError, FeedError
from digest.fetch import Fetcher, Response
from digest.store import NewArticle, Source

log = logging.getLogger(__name__)

MAX_CHILD_SITEMAPS = 5  # of a sitemap index, the newest ones read on each look
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
    "application/json",
    "application/xml",
    "text/xml",
)
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|igshid|"
    r"ocid|cmpid|ref|ref_src|src|smid|sr_share|at_medium|at_campaign)$",
    re.I,
)


@dataclass(frozen=True)
class Collected:
    """What one look at a source found."""

    items: list[NewArticle]
    feed_url: str
    etag: str = ""
    last_modified: str = ""
    title: str = ""
    not_modified: bool = False
    moved_to: str = ""


def collect(fetcher: Fetcher, source: Source) -> Collected:
    """Fetch a source (conditionally, when it has validators) and list the items it offers.

    ``Collected.feed_url`` is the URL to ask next time: the discovered feed, or where permanent
    redirects (301/308) led; a temporary redirect (302/307) changes nothing.
    """
    url = source.feed_url or source.url
    response = fetcher.fetch(
        url, etag=source.etag, last_modified=source.last_modified, source=source.url
    )
    next_url = response.moved_to or url
    if response.status == 304:
        return Collected(
            [],
            next_url,
            response.etag or source.etag,
            response.last_modified or source.last_modified,
            not_modified=True,
            moved_to=response.moved_to,
        )
    if _looks_like_html(response):
        # An article links its site's feed too: following it would swap the one story asked
        # for for the whole site, so an article page stays a source of its own.
        article = is_article_page(response.body)
        feeds = [] if article else discover_feeds(response.body, response.url)
        if not feeds:
            item = _page_item(response, checked=article)
            return Collected(
                [item],
                next_url,
                response.etag,
                response.last_modified,
                item.title,
                moved_to=response.moved_to,
            )
        log.info("%s links the feed %s", url, feeds[0])
        response = fetcher.fetch(feeds[0], source=source.url)
        next_url = response.moved_to or feeds[0]
    if sitemap_kind(response.body) == "sitemapindex":
        title, items = "", _read_sitemap_index(fetcher, response, source.url)
    else:
        title, items = read_feed(
            response.body, response.url, response.headers.get("content-type", "")
        )
    return Collected(
        items,
        next_url,
        response.etag,
        response.last_modified,
        title,
        moved_to=response.moved_to,
    )


def read_feed(body: bytes, url: str, content_type: str = "") -> tuple[str, list[NewArticle]]:
    """Parse a feed document into (feed title, items). Raises FeedError when it is not a feed."""
    stripped = body.lstrip()
    if stripped.startswith(b"{") or "json" in content_type:
        return _read_json_feed(body, url)
    kind = sitemap_kind(body)
    if kind == "urlset":
        return "", read_sitemap(body, url)[0]
    if kind == "sitemapindex":
        raise FeedError(f"{url} is a sitemap index, not a feed")
    import feedparser  # imported here: it is slow to import and only gathering needs it

    body, content_type = _defuse(body, content_type, url)
    parsed: Any = feedparser.parse(body, response_headers={"content-type": content_type})
    if not parsed.entries and (not parsed.get("version") or (parsed.bozo and not parsed.feed)):
        # Nothing feed-like. (A well-formed feed with no items is just empty; a malformed one that
        # still has its channel is read, with a warning: feedparser's lenient parser recovers it.)
        reason = getattr(parsed, "bozo_exception", None) or "no feed elements"
        raise FeedError(f"{url} is not a readable feed: {reason}")
    if parsed.bozo:
        log.warning(
            "%s is malformed (%s); using the %d items that could be read",
            url,
            parsed.bozo_exception,
            len(parsed.entries),
        )
    return _plain(parsed.feed.get("title", "")), _read_items(parsed.entries, url, _feed_item)


def sitemap_kind(body: bytes) -> str:
    """'urlset' or 'sitemapindex' when ``body`` is a sitemap (by its root element), else ''."""
    head = body[:2048]
    if b"\x00" in head[:4] or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", errors="ignore").encode()
    match = _ROOT.search(head)
    name = match.group(1).split(b":")[-1] if match else b""
    return name.decode() if name in (b"urlset", b"sitemapindex") else ""


def read_sitemap(body: bytes, url: str) -> tuple[list[NewArticle], list[str]]:
    """The pages a sitemap lists, as items, and the sitemaps a sitemap index lists.

    Google News entries (``<news:news>``) give each item its title and publication date; plain
    entries give the URL and ``<lastmod>``. A DTD, entities or external references are refused.
    """
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as safe_xml
    from defusedxml import DefusedXmlException

    try:
        root = safe_xml.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FeedError(f"{url} is a sitemap with a DTD or entities, refused: {exc}") from None
    except ParseError as exc:
        raise FeedError(f"{url} is not a readable sitemap: {exc}") from None
    children: list[tuple[str, str]] = []
    items: list[NewArticle] = []
    for entry in root:
        name = _local(entry.tag)
        loc = _child_text(entry, "loc")
        if not loc:
            continue
        absolute = urljoin(url, loc)
        if name == "sitemap":
            children.append((_child_text(entry, "lastmod"), absolute))
        elif name == "url":
            news = next((child for child in entry if _local(child.tag) == "news"), None)
            title = _plain(_child_text(news, "title"))
            published = _iso_text(
                _child_text(news, "publication_date") or _child_text(entry, "lastmod")
            )
            url_norm = normalize_url(absolute)
            items.append(
                NewArticle(
                    guid=absolute,
                    url=absolute,
                    url_norm=url_norm,
                    fingerprint=fingerprint(title, "", url_norm),
                    title=title,
                    published_at=published,
                )
            )
    children.sort(key=lambda child: child[0], reverse=True)
    return items, [child_url for _, child_url in children]


def _read_sitemap_index(fetcher: Fetcher, response: Response, source: str) -> list[NewArticle]:
    _, children = read_sitemap(response.body, response.url)
    items: list[NewArticle] = []
    failures: list[str] = []
    for child in children[:MAX_CHILD_SITEMAPS]:
        try:
            page = fetcher.fetch(child, source=source)
            items += read_sitemap(page.body, page.url)[0]
        except DigestError as exc:
            log.warning("sitemap %s: %s", child, exc)
            failures.append(str(exc))
    if failures and not items:
        raise FeedError(f"{response.url}: none of its sitemaps could be read ({failures[0]})")
    return items


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """Feed URLs a page announces with ``<link rel="alternate">``, in page order."""
    import lxml.html

    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    found: list[str] = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        href = link.get("href")
        if "alternate" in rel and href and kind in FEED_TYPES and "comments" not in href.lower():
            absolute = urljoin(base_url, href)
            if absolute not in found:
                found.append(absolute)
    return found


def normalize_url(url: str) -> str:
    """A URL's identity: lower-case scheme and host, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and not (
        (parts.scheme == "http" and parts.port == 80)
        or (parts.scheme == "https" and parts.port == 443)
    ):
        host = f"{host}:{parts.port}"
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        )
    )
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), host, path, query, ""))


def fingerprint(title: str, text: str, url_norm: str) -> str:
    """A hash of what an item says, so a re-published item with a new GUID is still recognised.

    Without any text the title alone is too weak ("Morning briefing"), so the URL joins in.
    """
    words = " ".join(re.findall(r"\w+", f"{title} {text[:500]}".lower()))
    if not text.strip():
        words += " " + url_norm
    return hashlib.sha256(words.encode()).hexdigest()[:32]


def _feed_item(entry: Any, feed_url: str) -> NewArticle | None:
    link = entry.get("link") or ""
    url = urljoin(feed_url, link) if link else ""
    title = _plain(entry.get("title", ""))
    content = entry.get("content") or []
    raw_text = content[0].get("value", "") if content else entry.get("summary", "")
    text = html_to_text(raw_text)
    guid = entry.get("id") or url or title
    if not guid and text:
        # RSS allows an item that is only a description: its text is then its identity.
        guid = "text:" + hashlib.sha256(text.encode()).hexdigest()[:32]
    if not guid or not (url or text):
        return None
    published = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
    author = _plain(entry.get("author", ""))
    url_norm = normalize_url(url) if url else f"guid:{guid}"
    return NewArticle(
        guid=str(guid),
        url=url,
        url_norm=url_norm,
        fingerprint=fingerprint(title, text, url_norm),
        title=title or _headline(text),
        published_at=published,
        author=author,
        feed_text=text,
    )


def _read_json_feed(body: bytes, url: str) -> tuple[str, list[NewArticle]]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"{url} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise FeedError(f"{url} is JSON but not a JSON Feed (no 'items' list)")
    return _plain(str(doc.get("title") or "")), _read_items(doc["items"], url, _json_feed_item)


def _read_items(
    entries: Iterable[Any], url: str, read_one: Callable[[Any, str], NewArticle | None]
) -> list[NewArticle]:
    """Each entry read by ``read_one``; a malformed one (a broken link, a date out of range) is
    logged and skipped, never the whole feed."""
    items: list[NewArticle] = []
    for number, entry in enumerate(entries, 1):
        try:
            item = read_one(entry, url)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            log.warning("%s: item %d skipped: %s", url, number, exc)
            continue
        if item is not None:
            items.append(item)
    return items


def _json_feed_item(entry: Any, url: str) -> NewArticle | None:
    """One JSON Feed item; None when it has no identity. Raises on a malformed one."""
    if not isinstance(entry, dict):
        return None
    link = str(entry.get("url") or entry.get("external_url") or "")
    item_url = urljoin(url, link) if link else ""
    title = _plain(str(entry.get("title") or ""))
    text = str(entry.get("content_text") or "") or html_to_text(
        str(entry.get("content_html") or entry.get("summary") or "")
    )
    guid = str(entry.get("id") or item_url)
    if not guid:
        return None
    authors = entry.get("authors") or ([entry["author"]] if entry.get("author") else [])
    if not isinstance(authors, list):
        authors = []  # 'authors' must be a list of objects; anything else names nobody
    author = ", ".join(str(a.get("name", "")) for a in authors if isinstance(a, dict))
    url_norm = normalize_url(item_url) if item_url else f"guid:{guid}"
    return NewArticle(
        guid=guid,
        url=item_url,
        url_norm=url_norm,
        fingerprint=fingerprint(title, text, url_norm),
        title=title,
        published_at=_iso_text(str(entry.get("date_published") or "")),
        author=author,
        feed_text=text,
    )


def is_article_page(html: bytes) -> bool:
    """Whether a page declares itself an article: ``og:type`` article, a schema.org Article
    (JSON-LD or microdata) or an ``<article>`` element."""
    import lxml.html

    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return False
    for meta in doc.iter("meta"):
        if (meta.get("property") or "").lower() == "og:type":
            return (meta.get("content") or "").strip().lower() == "article"
    kinds = ("article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle")
    for element in doc.xpath("//*[@itemtype]"):
        if element.get("itemtype", "").rstrip("/").rsplit("/", 1)[-1].lower() in kinds:
            return True
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for entry in data if isinstance(data, list) else [data]:
            kind = entry.get("@type") if isinstance(entry, dict) else None
            if any(str(k).lower() in kinds for k in (kind if isinstance(kind, list) else [kind])):
                return True
    return bool(doc.xpath("//article"))


MIN_PAGE_WORDS = 150  # a page without article markup is taken as one only with this much text


def _page_item(response: Response, *, checked: bool = False) -> NewArticle:
    """The page as one item. A page not ``checked`` as an article, and with too little text to
    be one ("Contact us"), is refused: it links no feed either."""
    from digest.extract import extract

    page = extract(response.body, response.url)
    if not checked and len(page.text.split()) < MIN_PAGE_WORDS:
        raise FeedError(
            f"{response.url} is neither a feed nor an article: it links no feed, and its "
            f"{len(page.text.split())} words of text do not make an article",
            hint="Give the site's feed or home page (one that links its feed), or one article's "
            "URL.",
        )
    url = page.canonical_url or response.url
    url_norm = normalize_url(url)
    return NewArticle(
        guid=url,
        url=url,
        url_norm=url_norm,
        fingerprint=fingerprint(page.title, page.text, url_norm),
        title=page.title,
        published_at=page.published or "",
        author=page.author or "",
    )


def _defuse(body: bytes, content_type: str, url: str) -> tuple[bytes, str]:
    """The feed in UTF-8 as feedparser would convert it; refused if its DTD has unsafe entities.

    feedparser strips entity declarations with line-based patterns before its XML parser runs, and
    a DOCTYPE written on one line slips past them: a billion-laughs feed then costs seconds and
    tens of megabytes before expat's own limit stops it. So the exact bytes the parser will see are
    checked first, by expat itself, reading only the DTD.
    """
    from feedparser.encodings import convert_to_utf8
    from feedparser.sanitizer import replace_doctype

    outcome: dict[str, Any] = {}
    data = convert_to_utf8({"content-type": content_type or "application/xml"}, body, outcome)
    if not outcome.get("encoding"):
        return body, content_type or "application/xml"  # undecodable: feedparser's loose parser
    if b"<!ENTITY" in data:
        unsafe = _unsafe_entity(replace_doctype(data)[1])
        if unsafe:
            raise FeedError(
                f"{url} declares the XML entity '{unsafe}'; feeds may not declare entities "
                "(they can expand without limit or load files): refused",
                hint="A genuine feed never needs this; ask the publisher or remove the source.",
            )
    return data, "application/xml; charset=utf-8"


class _EndOfDTD(Exception):
    pass


def _unsafe_entity(data: bytes) -> str:
    """The name of the first entity the DTD declares, else ''."""
    from xml.parsers import expat

    found: list[str] = []

    def declared(name: str, parameter: int, *_: str | None) -> None:
        # Any declaration: even one plain internal entity, referenced a million times, expands a
        # few megabytes into gigabytes. Sitemaps refuse a DTD outright; feeds refuse entities.
        found.append(("%" if parameter else "") + name)
        raise _EndOfDTD

    def stop(*_: Any) -> None:
        raise _EndOfDTD

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = declared
    parser.EndDoctypeDeclHandler = stop
    parser.StartElementHandler = stop
    try:
        parser.Parse(data, True)
    except (_EndOfDTD, expat.ExpatError):
        pass  # a broken DTD stops feedparser's strict parse at the same point, before expansion
    return found[0] if found else ""


_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)[\s>/]")


def _child_text(element: Any, name: str) -> str:
    """The text of ``element``'s first direct child called ``name`` (any namespace), else ''."""
    for child in element if element is not None else ():
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _looks_like_html(response: Response) -> bool:
    if response.content_type in ("text/html", "application/xhtml+xml"):
        return True
    head = response.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment, one paragraph per line; tolerant of any input."""
    if "<" not in markup:
        return _squash(markup)
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return _squash(re.sub(r"<[^>]+>", " ", markup))
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for block in root.iter("p", "br", "li", "div", "h1", "h2", "h3", "h4", "blockquote", "tr"):
        block.tail = "\n" + (block.tail or "")
    lines = (_squash(line) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def _headline(text: str, words: int = 12) -> str:
    """A stand-in title for an untitled item: the start of its first sentence."""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].split()
    return " ".join(first[:words]) + (" …" if len(first) > words else "")


def _plain(value: str) -> str:
    return _squash(html_to_text(value)) if "<" in value else _squash(value)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _iso(struct: Any) -> str:
    if not struct:
        return ""
    try:
        year, month, day, hour, minute, second = struct[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat()
    except (TypeError, ValueError):
        return ""


def _iso_text(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).isoformat()
    except (ValueError, OverflowError):  # year 1 with an offset west of UTC leaves the range
        return ""
