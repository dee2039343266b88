"""Decode and parse an HTML page into an lxml tree, whatever state it arrives in."""

from __future__ import annotations

import codecs
import re

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

# a charset declared by <meta charset>, <meta http-equiv ... charset=> or <?xml encoding>
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# control characters libxml2 refuses (everything below space but tab, newline, carriage return)
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_PARSER = HTMLParser(
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
    default_doctype=False,
)


def decode_page(data: bytes) -> str:
    """Decode page bytes: a byte-order mark wins, then a declared charset, then UTF-8, then a guess.

    Servers and pages often disagree; a declaration that fails to decode the bytes is ignored.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    match = _DECLARED_CHARSET.search(data[:4096])
    if match:
        declared = (match.group(1) or match.group(2)).decode("ascii", errors="ignore").lower()
        try:
            codec = codecs.lookup(declared).name
        except LookupError:
            codec = ""
        # browsers read latin-1 and ascii labels as windows-1252, which has more characters
        if codec in ("latin-1", "iso8859-1", "ascii"):
            codec = "cp1252"
        if codec:
            try:
                return data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from trafilatura.utils import detect_encoding

    for guess in detect_encoding(data):
        try:
            return data.decode(guess)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


def parse_page(html: str | bytes) -> HtmlElement | None:
    """Parse a page into an lxml tree; ``None`` when there is nothing to parse.

    Raises only on input lxml cannot handle at all; the caller treats that as an empty page.
    """
    if isinstance(html, bytes | bytearray):
        text = decode_page(bytes(html))
    elif isinstance(html, str):
        text = html
    else:
        return None
    # lxml refuses str input that carries an encoding declaration, and libxml2 stops at NULs
    text = _INVALID_XML_CHARS.sub("", _XML_DECLARATION.sub("", text, count=1))
    if not text.strip():
        return None
    try:
        # bytes in a declared encoding parse faster in libxml2 than a Python str
        tree = document_fromstring(text.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    if not isinstance(tree, HtmlElement):
        return None
    return tree
