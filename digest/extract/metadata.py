"""Read a page's own declarations of title, author, date, language, canonical URL, image,
description and kind of piece.

Sources, most trusted first: the JSON-LD article object, Open Graph and other ``<meta>`` tags,
then the markup itself (``<h1>``, ``<time>``, byline elements, ``<title>``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

from digest.extract.kind import OTHER, read_kind, title_label

_SPACES = re.compile(r"\s+")
_ARTICLE_TYPE = re.compile(r"(Article|BlogPosting|Posting|Report)$")
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—·•:»]{1,2}\s+")
_BYLINE_PREFIX = re.compile(r"^(by|von|par|por|di|door|av)\s+", re.IGNORECASE)
_DATE_IN_TEXT = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?=$|[-_])")
# what follows a name in a byline: a role, a date, a read time ("Jane Doe | Energy editor")
_AUTHOR_SEPARATOR = re.compile(r"\s+[|·•–—-]\s+|\s*[|·•(\[]\s*|\s+\d")
_BYLINE_CLASS = re.compile(r"byline|author-?_*name|author__name|authorname", re.IGNORECASE)
_BYLINE_NAME_WORDS = 6
# how many elements after the headline a "By ..." line may sit
_BYLINE_REACH = 3
_MAX_AUTHOR_WORDS = 12
# lower-case words allowed inside a name ("von der", "bin", "and" between two names)
_PARTICLE_CHARS = 3
_PARTICLE_RUN = 2
# "BREAKING:", "LIVE |", "WATCH -": capitals, then a separator, then the headline
_CAPS_KICKER = re.compile(r"^((?:[A-Z][A-Z'’]{3,}\s?){1,3})\s*(?=[:|]|\s[-–—]\s)")
_KICKER_SEPARATOR = re.compile(r"^\s*[:|–—-]*\s*")
_KICKER_WORDS = 3
_MIN_DESCRIPTION_WORDS = 5
_MIN_TITLE_WORDS = 3

_AUTHOR_META = (
    "author",
    "article:author",
    "byl",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
)
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "article:published",
    "article.published",
    "og:pubdate",
    "publication_date",
    "ptime",
    "pdate",
    "citation_publication_date",
    "dcterms.issued",
    "dcterms.date",
    "dc.date.created",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
)
_TITLE_META = ("og:title", "twitter:title", "dc.title")
_IMAGE_META = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
)


@dataclass(frozen=True)
class Metadata:
    """The page's declared metadata; empty fields were not found."""

    title: str = ""
    author: str | None = None
    published: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    description: str = ""
    kind: str = OTHER


def read_metadata(tree: HtmlElement, url: str | None) -> Metadata:
    """Read the metadata of a parsed page; ``url`` makes relative links absolute."""
    meta = _meta_tags(tree)
    article = _json_ld_article(tree)
    publisher = article.get("publisher")
    site_name = meta.get("og:site_name") or _text(
        publisher.get("name") if isinstance(publisher, dict) else None
    )
    title = _find_title(tree, meta, article, site_name)
    kind = read_kind(tree, meta, _json_ld_objects(tree), url, title)
    return Metadata(
        title=strip_kicker(title, tree),
        author=_find_author(tree, meta, article),
        published=_find_published(tree, meta, article),
        language=_find_language(tree, meta, article),
        canonical_url=_absolute(_find_canonical(tree, meta), url),
        image=_absolute(_find_image(tree, meta, article), url),
        description=_find_description(meta, article),
        kind=kind,
    )


def _clean(value: str | None) -> str:
    return _SPACES.sub(" ", value or "").strip()


def _text(value: Any) -> str:
    """A plain string from a JSON-LD value that may be a string, an object or a list."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("url") or value.get("@value"))
    if isinstance(value, list):
        for item in value:
            text = _text(item)
            if text:
                return text
    return ""


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """``<meta>`` values by lower-cased name/property/itemprop; the first one of a name wins."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        value = element.get("content")
        if key and value and value.strip():
            found.setdefault(key.strip().lower(), _clean(value))
    return found


def _json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text, strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])


def _json_ld_article(tree: HtmlElement) -> dict[str, Any]:
    """The page's JSON-LD object describing an article (or, failing that, a web page)."""
    fallback: dict[str, Any] = {}
    for item in _json_ld_objects(tree):
        types = item.get("@type")
        names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
        if any(isinstance(n, str) and _ARTICLE_TYPE.search(n) for n in names):
            return item
        if not fallback and "WebPage" in names and ("headline" in item or "datePublished" in item):
            fallback = item
    return fallback


def _strip_site_name(title: str, site_name: str | None) -> str:
    """Drop a " | Site Name" part from either end of a title."""
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    site = (site_name or "").lower()
    for index in (-1, 0):
        part = parts[index].strip().lower()
        if site and (part == site or part in site or site in part):
            rest = parts[:-1] if index == -1 else parts[1:]
            return " - ".join(p.strip() for p in rest) if len(rest) > 1 else rest[0].strip()
    # unknown site name: a short last part after a long title is most likely the site
    if len(parts[-1].split()) <= 3 and len(" ".join(parts[:-1]).split()) >= 4:
        separator = _TITLE_SEPARATOR.findall(title)[-1]
        return title[: title.rfind(separator)].strip()
    return title


def _find_title(
    tree: HtmlElement, meta: dict[str, str], article: dict[str, Any], site_name: str | None
) -> str:
    headline = _text(article.get("headline"))
    if headline:
        return headline
    h1s = [_clean(h.text_content()) for h in tree.iter("h1")]
    h1s = [h for h in h1s if h]
    declared = next((meta[k] for k in _TITLE_META if meta.get(k)), "")
    if not declared:
        titles = [_clean(t.text_content()) for t in tree.iter("title")]
        declared = next((t for t in titles if t), "")
    if declared:
        stripped = _strip_site_name(declared, site_name)
        # a headline shown on the page that the declared title starts with is the cleanest form
        for h1 in h1s:
            if len(h1) > 10 and declared.startswith(h1):
                return h1
        return stripped
    return h1s[0] if h1s else ""


def clean_author(value: str) -> str | None:
    """The person's name from a byline or author field, without "By", bio, role or date.

    "By Jane Doe | Staff writer" and "Jane Doe is a reporter at ..." give "Jane Doe";
    "Ursula von der Leyen" and "Jane Doe and John Smith" stay whole. ``None`` when what is
    left does not read as a name (an address, a sentence, nothing).
    """
    value = _BYLINE_PREFIX.sub("", _clean(value))
    if not value or value.startswith(("http://", "https://", "/")):
        return None
    board = _EDITORIAL_BYLINE.match(value)
    if board:
        # "By the Westmarch Evening Post editorial board": no person, but whose view it is
        return board.group(1)
    names = []
    for part in _AUTHOR_SEPARATOR.split(value)[0].split(","):
        name = _name_words(part.split())
        if not name:
            break
        names.append(name)
        if len(name.split()) < len(part.split()):
            break  # the name ran into a bio or role: what follows is not another name
    joined = ", ".join(names)
    if not joined or "@" in joined or len(joined.split()) > _MAX_AUTHOR_WORDS:
        return None
    return _BYLINE_PREFIX.sub("", joined)


# An unsigned leader's byline: the paper's editorial board or its editors.
_EDITORIAL_BYLINE = re.compile(
    r"^(?:the\s+)?((?:[A-Z][\w'&.-]*\s+){0,5}(?:editorial\s+(?:board|team)|editors))\.?$",
    re.IGNORECASE,
)


def _name_words(words: list[str]) -> str:
    """The leading words that make a name: capitalised, with short lower-case particles
    ("von der", "and") only between capitalised words."""
    kept: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if not word[:1].islower():
            kept.append(word)
            index += 1
            continue
        run = 0
        while index + run < len(words) and words[index + run][:1].islower():
            run += 1
        closes = index + run < len(words)
        short = all(len(w) <= _PARTICLE_CHARS and w.isalpha() for w in words[index : index + run])
        if not kept or not closes or run > _PARTICLE_RUN or not short:
            break
        kept.extend(words[index : index + run])
        index += run
    return " ".join(kept).strip(" .;:")


def _find_author(tree: HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> str | None:
    authors = article.get("author") or article.get("creator")
    if authors:
        names = authors if isinstance(authors, list) else [authors]
        cleaned = [clean_author(_text(n)) for n in names]
        joined = ", ".join(dict.fromkeys(n for n in cleaned if n))
        if joined:
            return joined
    for key in _AUTHOR_META:
        value = clean_author(meta.get(key, ""))
        if value:
            return value
    for element in tree.iter("a", "span", "div", "p", "address"):
        name = element.get("class", "")
        if (
            element.get("rel") == "author"
            or element.get("itemprop") == "author"
            or _BYLINE_CLASS.search(name)
        ):
            value = clean_author(element.text_content())
            if value and len(value.split()) <= _BYLINE_NAME_WORDS:
                return value
    return _byline_below_headline(tree)


def _byline_below_headline(tree: HtmlElement) -> str | None:
    """The name in a "By ..." line among the few elements right after the headline."""
    headline = next(tree.iter("h1"), None)
    element = headline.getnext() if headline is not None else None
    for _ in range(_BYLINE_REACH):
        if element is None:
            return None
        text = _clean(element.text_content())
        if _BYLINE_PREFIX.match(text) and len(text.split()) <= _BYLINE_NAME_WORDS + 4:
            name = clean_author(text)
            if name:
                return name
        element = element.getnext()
    return None


def _find_description(meta: dict[str, str], article: dict[str, Any]) -> str:
    """The publisher's own one- or two-sentence description of the piece, ``""`` if none.

    A "description" of a word or four is a site's slogan or a section name, not a description.
    """
    for value in (
        meta.get("og:description"),
        _text(article.get("description")),
        meta.get("twitter:description"),
        meta.get("description"),
        meta.get("dc.description"),
    ):
        if value and len(value.split()) >= _MIN_DESCRIPTION_WORDS:
            # Some sites escape their meta content twice: "&amp;nbsp;" reads "&nbsp;" once parsed.
            return _clean(html.unescape(value))
    return ""


def strip_kicker(title: str, tree: HtmlElement) -> str:
    """The headline without a kicker glued to its front ("BREAKING: ", "Opinion | ").

    A kicker is told by the markup (its own element at the start of the ``<h1>``, or a label
    element the headline starts with), by a kind label before a separator, or by its shape:
    one to three capitalised words and a colon, where those words appear nowhere else on the
    page (an acronym such as "NASA: ..." names the subject, and the article repeats it).
    """
    kicker = title_label(title) or _markup_kicker(title, tree) or _shape_kicker(title, tree)
    if not kicker:
        return title
    rest = _KICKER_SEPARATOR.sub("", title[len(kicker) :])
    return rest if len(rest.split()) >= _MIN_TITLE_WORDS else title


def _markup_kicker(title: str, tree: HtmlElement) -> str:
    for headline in tree.iter("h1"):
        first = headline[0] if len(headline) and not (headline.text or "").strip() else None
        if first is None or not isinstance(first.tag, str):
            continue
        text = _clean(first.text_content())
        rest = _clean(first.tail)
        if text and rest and len(text.split()) <= _KICKER_WORDS and title.startswith(text):
            return text
    return ""


def _shape_kicker(title: str, tree: HtmlElement) -> str:
    match = _CAPS_KICKER.match(title)
    if not match:
        return ""
    kicker = match.group(1).strip()
    body = tree.find("body")
    if body is None:
        return ""
    text = " ".join(
        t for e in body.iter() if e.tag not in ("script", "style") for t in (e.text, e.tail) if t
    )
    text = _clean(text)
    uses = len(re.findall(rf"(?<!\w){re.escape(kicker)}(?!\w)", text))
    headlines = text.count(_clean(title[len(kicker) :]).lstrip(":|-–— ")) if title else 0
    return kicker if uses <= headlines else ""


def _normalise_date(value: str) -> str | None:
    """An ISO 8601 date or datetime from a declared date, or ``None`` if it is not one."""
    value = value.strip()
    if not value:
        return None
    candidate = value.replace("Z", "+00:00") if value.endswith("Z") else value
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        parsed = None
    if parsed is not None:
        if len(candidate) <= 10:
            return parsed.date().isoformat()
        return parsed.isoformat()
    match = _DATE_IN_TEXT.search(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            return datetime(year, month, day).date().isoformat()
        except ValueError:
            return None
    return None


def _find_published(tree: HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> str | None:
    for key in ("datePublished", "dateCreated", "uploadDate"):
        date = _normalise_date(_text(article.get(key)))
        if date:
            return date
    for key in _DATE_META:
        date = _normalise_date(meta.get(key, ""))
        if date:
            return date
    for element in tree.iter("time"):
        date = _normalise_date(element.get("datetime") or "")
        if date:
            return date
    return None


def _find_language(tree: HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> str | None:
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        meta.get("content-language"),
        meta.get("dc.language"),
        meta.get("og:locale"),
        _text(article.get("inLanguage")),
    ]
    for element in tree.iter("meta"):
        if (element.get("http-equiv") or "").lower() == "content-language":
            candidates.append(element.get("content"))
    for candidate in candidates:
        match = _LANGUAGE.match((candidate or "").strip())
        if match:
            return match.group(0).lower()
    return None


def _find_canonical(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    for element in tree.iter("link"):
        if "canonical" in (element.get("rel") or "").lower().split() and element.get("href"):
            return element.get("href", "").strip()
    return meta.get("og:url")


def _find_image(tree: HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> str | None:
    for key in _IMAGE_META:
        if meta.get(key):
            return meta[key]
    image = _text(article.get("image") or article.get("thumbnailUrl"))
    if image:
        return image
    for element in tree.iter("link"):
        if (element.get("rel") or "").lower() == "image_src" and element.get("href"):
            return element.get("href")
    return None


def _absolute(link: str | None, base: str | None) -> str | None:
    if not link:
        return None
    link = link.strip()
    if link.startswith(("data:", "javascript:")):
        return None
    if link.startswith("//"):
        scheme = base.split(":", 1)[0] if base and ":" in base else "https"
        return f"{scheme}:{link}"
    return urljoin(base, link) if base else link
