"""Read a page's own declarations of title, author, date, language, canonical URL and image.

Sources, most trusted first: the JSON-LD article object, Open Graph and other ``<meta>`` tags,
then the markup itself (``<h1>``, ``<time>``, byline elements, ``<title>``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

_SPACES = re.compile(r"\s+")
_ARTICLE_TYPE = re.compile(r"(Article|BlogPosting|Posting|Report)$")
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—·•:»]{1,2}\s+")
_BYLINE_PREFIX = re.compile(r"^(by|von|par|por|di|door|av)\s+", re.IGNORECASE)
_DATE_IN_TEXT = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?=$|[-_])")

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
    kind: str = ""


def read_metadata(tree: HtmlElement, url: str | None) -> Metadata:
    """Read the metadata of a parsed page; ``url`` makes relative links absolute."""
    meta = _meta_tags(tree)
    article = _json_ld_article(tree)
    site_name = meta.get("og:site_name") or _text(article.get("publisher", {}).get("name"))
    return Metadata(
        title=_find_title(tree, meta, article, site_name),
        author=_find_author(tree, meta, article),
        published=_find_published(tree, meta, article),
        language=_find_language(tree, meta, article),
        canonical_url=_absolute(_find_canonical(tree, meta), url),
        image=_absolute(_find_image(tree, meta, article), url),
        description=_find_description(meta, article),
        kind=_find_kind(meta, article, url),
    )


def _find_description(meta: dict[str, str], article: dict[str, Any]) -> str:
    """The publisher's own one-line description of the article (og:description and the like)."""
    for value in (
        meta.get("og:description"),
        _text(article.get("description")),
        meta.get("twitter:description"),
        meta.get("description"),
    ):
        if value and len(value.split()) >= 5:
            return _clean(value)
    return ""


# Where a page says it holds someone's view rather than the news: JSON-LD types, section names,
# and the path segments publishers file such pieces under.
_OPINION = re.compile(
    r"\b(?:opinion|opinions|comment|commentary|editorial|editorials|op-?ed|column|columns|columnists?)\b",
    re.I,
)
_REVIEW = re.compile(r"\breviews?\b", re.I)


def _find_kind(meta: dict[str, str], article: dict[str, Any], url: str | None) -> str:
    """'opinion', 'review' or 'news': what kind of piece the page declares itself to be."""
    types = article.get("@type")
    names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    declared = " ".join(str(n) for n in names)
    if re.search(r"Opinion|Editorial|Commentary|Analysis|Column", declared):
        return "opinion"
    if re.search(r"Review", declared):
        return "review"
    section = " ".join(
        filter(None, [meta.get("article:section"), _text(article.get("articleSection"))])
    )
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "")
    segments = " ".join(path.split("/")[:-1] or [path]).replace("-", " ")
    if _OPINION.search(section) or _OPINION.search(segments):
        return "opinion"
    if _REVIEW.search(section) or _REVIEW.search(segments):
        return "review"
    return "news"


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


def _clean_author(value: str) -> str | None:
    value = _BYLINE_PREFIX.sub("", _clean(value))
    if not value or value.startswith(("http://", "https://", "/")) or len(value) > 100:
        return None
    return value


def _find_author(tree: HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> str | None:
    authors = article.get("author") or article.get("creator")
    if authors:
        names = authors if isinstance(authors, list) else [authors]
        cleaned = [_clean_author(_text(n)) for n in names]
        joined = ", ".join(dict.fromkeys(n for n in cleaned if n))
        if joined:
            return joined
    for key in _AUTHOR_META:
        value = _clean_author(meta.get(key, ""))
        if value:
            return value
    for element in tree.iter("a", "span", "div", "p", "address"):
        if element.get("rel") == "author" or element.get("itemprop") == "author":
            value = _clean_author(element.text_content())
            if value and len(value.split()) <= 6:
                return value
    return None


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
