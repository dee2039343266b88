"""Drop boilerplate paragraphs that survive main-content selection.

Share prompts, comment forms, newsletter and social calls, "read more" links, cookie notices and
footer lines look alike on every site, so they are recognised by their wording and length, not by
site. A paragraph of ordinary prose is never dropped for a phrase it merely contains: the
patterns match whole short lines, or the start of a short line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml.etree import _Element

# a short line (few words) that is entirely one of these is boilerplate
_WHOLE_LINE = re.compile(
    r"""^(?:
      leave\ a\ (?:reply|comment)|post\ a\ comment|add\ (?:a\ )?comment|comments?|\d+\ comments?
    | (?:show|view|load|read)\ (?:all\ |more\ )?comments?(?:\ \(\d+\))?
    | be\ the\ first\ to\ comment.*|join\ the\ (?:conversation|discussion)
    | cancel\ reply|reply|report(?:\ comment)?|log\ ?in\ to\ (?:reply|comment).*
    | share|share\ (?:this|on|via|the)\b.*|shares?|tweet|email|e-mail|print|pin\ it|copy\ link
    | facebook|twitter|whatsapp|linkedin|pinterest|reddit|telegram|messenger|flipboard|x
    | click\ to\ (?:share|email|print).*|like\ this:?|loading\.*|related|tags?:?|topics?:?
    | advertisement|advertising|ad|sponsored(?:\ content)?|anzeige|werbung
    | exit\ mobile\ version|skip\ to\ (?:main\ )?content|back\ to\ top|scroll\ to\ top
    | (?:read|see)\ (?:more|also|next)(?:\ (?:stories|articles|news))?
    | related\ (?:articles|stories|posts|content|coverage|news|topics|reading)
    | (?:more|top|latest)\ (?:stories|news|headlines|from\ .{1,40})
    | you\ (?:may|might)\ also\ (?:like|be\ interested\ in|enjoy)|recommended(?:\ for\ you)?
    | most\ (?:popular|read|viewed|shared)|trending(?:\ now)?|editor'?s\ picks?|don't\ miss
    | listen\ to\ (?:this\ )?(?:article|story)|\d+\ min(?:ute)?s?\ read
    | subscribe(?:\ now)?|sign\ up|newsletter|follow\ us.*|all\ rights\ reserved\.?
    | privacy\ policy|terms\ (?:of\ (?:use|service)|and\ conditions)|cookie\ (?:policy|settings)
    | image|photo|video|caption|source|credit|getty\ images|file\ photo
    | sorry|thank\ you|thanks|please\ try\ again(?:\ later)?|explore\ further
    | order\ reprints?|print\ (?:this\ )?article|(?:e-?mail|send)\ (?:this\ )?article
    | continue\ reading.*|(?:the\ )?(?:story|article)\ continues(?:\ below)?.*
    )[\s.:!»›>|-]*$""",
    re.IGNORECASE | re.VERBOSE,
)

# a line starting with one of these, and not long, is boilerplate
_LINE_START = re.compile(
    r"""^(?:
      please\ enter\ your|you\ have\ entered\ an\ incorrect|your\ email\ address\ will\ not
    | save\ my\ name,?\ email|required\ fields\ are\ marked|notify\ me\ of
    | you\ must\ be\ logged\ in|to\ post\ a\ comment|comments\ are\ (?:closed|moderated)
    | (?:sign\ up|subscribe|register)\ (?:for|to)\ (?:our|the|my)\b
      .*\b(?:newsletter|updates|emails?|alerts)
    | get\ (?:the\ latest|our|the\ best)\b.*\b(?:inbox|newsletter)|enter\ your\ email
    | by\ (?:signing\ up|subscribing|clicking)|thanks?\ (?:you\ )?for\ (?:signing\ up|subscribing)
    | (?:follow|like|find)\ (?:us|me)\ on\b|connect\ with\ us
    | we\ use\ cookies|this\ (?:web)?site\ uses\ cookies
    | by\ (?:continuing|using)\ (?:to\ (?:use|browse)\ )?this\ (?:web)?site
    | accept\ (?:all\ )?cookies|(?:©|\(c\)|copyright\ ©|copyright\ \d{4})
    | (?:read|see)\ (?:more|also|next)\s*[:|»›>]|related\s*[:|»›>]|also\ read\s*[:|»›>]
    | more\ (?:on|about)\ this\ (?:story|topic)\s*[:|»›>]?
    | share\ (?:this|the)\ (?:article|story|post|page)|click\ here\ to\ (?:share|subscribe)
    | exit\ mobile\ version|an\ error\ (?:has\ )?occurred|there\ was\ an\ error
    | this\ (?:article|story)\ has\ been\ sent|(?:filed|posted)\ (?:under|in)\s*:
    | (?:published|updated|posted)(?:\ on|\ at)?\ \d
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_SHORT_WORDS = 25
# a line that is only an address, or an unrendered "[button ...]...[/button]" shortcode
_BARE_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_SHORTCODE = re.compile(r"^\[\w+[^\]]*\].*\[/\w+\]$")
# a copyright notice anywhere in a short line
_NOTICE = re.compile(r"©|\bcopyright\b|\ball rights reserved\b", re.IGNORECASE)
_NOTICE_WORDS = 12
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"\w[.!?…][\"'”’)]*$")
_MIN_ARTICLE_WORDS = 15
# a line this long, or one ending as a sentence does, is the article's prose, not a label
_PROSE_WORDS = 8
# a line that is one link of up to this many words is a link to elsewhere, not prose
_LINK_LINE_WORDS = 15
MENU_ITEM_WORDS = 2
MENU_RUN = 8
TEASER_RUN = 3
TEASER_LINK_WORDS = 3
KICKER_WORDS = 3
_LETTER = re.compile(r"[^\W\d_]")
# what a closing call-out mentions: a contact address or handle, a feed or newsletter to join
_PROMOTION = re.compile(
    r"""[\w.+-]+@[\w-]+\.[\w.]+|(?<!\w)@\w{2,}
    | \b(?:follow|subscribe|sign\ up|newsletter|inbox|podcast|download\ (?:the|our)\ app
    | share\ (?:it|this)|tell\ us\ what\ you\ think|have\ a\ (?:tip|story)|click\ here
    | (?:originally|first)\ (?:published|appeared)|republished|reprinted|reproduced\ with
    | additional\ reporting|reporting\ by|(?:edited|editing)\ by)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_PROMOTION_WORDS = 40


def is_promotion(line: str) -> bool:
    """A closing call-out: a short line asking readers to follow, subscribe or write in, or a
    credit or reprint note ("Additional reporting by ...", "This article first appeared in ...")."""
    return len(_WORD.findall(line)) <= _PROMOTION_WORDS and bool(_PROMOTION.search(line))


def is_boilerplate(line: str) -> bool:
    """Whether one extracted paragraph is boilerplate by its wording and length."""
    words = len(_WORD.findall(line))
    if words == 0 or _BARE_URL.match(line) or _SHORTCODE.match(line):
        return True
    if words <= _NOTICE_WORDS and _NOTICE.search(line):
        return True
    if words <= 8 and _WHOLE_LINE.match(line.strip(" -*•|")):
        return True
    return words <= _SHORT_WORDS and bool(_LINE_START.match(line.strip(" -*•|")))


def word_key(line: str) -> str:
    """A line's words, lower-cased and joined by single spaces, to compare lines with page text."""
    return " ".join(_WORD.findall(line.lower()))


def link_texts(tree: _Element) -> set[str]:
    """The word keys of the page's short links, to recognise a paragraph that is just a link."""
    found = set()
    for link in tree.iter("a"):
        # in-page anchors (a table of contents) repeat the article's own headings
        if (link.get("href") or "#").lstrip().startswith("#"):
            continue
        key = word_key("".join(link.itertext()))
        if key and key.count(" ") < _LINK_LINE_WORDS:
            found.add(key)
    return found


def clean_paragraphs(
    lines: Iterable[str], title: str = "", links: set[str] | None = None
) -> list[str]:
    """Keep the article's paragraphs: drop boilerplate, blank lines, repeats and the title.

    ``links`` holds the word keys of the page's link texts: a line that is only a link (an
    item of a related-stories list) is dropped. So are lines without letters ("(113)"), closing
    call-outs (follow us, write to the author at ...), and an adjacent repeat.
    """
    kept: list[str] = []
    title_key = word_key(title)
    links = links or set()
    previous = ""
    prose = False
    for raw in lines:
        line = " ".join(raw.split())
        if not line or is_boilerplate(line):
            continue
        key = word_key(line)
        if key in links:
            continue
        if not _LETTER.search(line) and len(_WORD.findall(line)) <= 3:
            continue
        # a repeat right after itself is a caption or teaser shown twice; repeats further apart
        # can be the article's own (a recipe listing the same ingredient on two days)
        # the headline repeated above the article, after the masthead and labels if need be
        if key == previous or (not prose and _is_title_line(key, title_key)):
            continue
        prose = (
            prose or len(_WORD.findall(line)) >= _PROSE_WORDS or bool(_SENTENCE_END.search(line))
        )
        previous = key
        kept.append(line)
    while kept and is_promotion(kept[-1]):
        kept.pop()
    kept = _drop_menus(kept)
    kept = _drop_teasers(kept, links)
    # a few words with no sentence among them are menu or label residue, not an article
    if sum(len(_WORD.findall(line)) for line in kept) < _MIN_ARTICLE_WORDS and not any(
        _SENTENCE_END.search(line) for line in kept
    ):
        return []
    return kept


def _is_title_line(key: str, title_key: str) -> bool:
    """The headline repeated as the first line, alone or behind its kicker ("BREAKING: ...")."""
    if not title_key:
        return False
    if key == title_key:
        return True
    return key.endswith(" " + title_key) and key.count(" ") - title_key.count(" ") <= KICKER_WORDS


def _is_fragment(line: str) -> bool:
    return len(_WORD.findall(line)) <= MENU_ITEM_WORDS and not _SENTENCE_END.search(line)


def _drop_menus(lines: list[str]) -> list[str]:
    """Drop long runs of few-word lines without sentences: menus, archives, tag clouds."""
    kept: list[str] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if line and _is_fragment(line):
            run.append(line)
            continue
        if len(run) < MENU_RUN:
            kept.extend(run)
        run = []
        if line:
            kept.append(line)
    return kept


def _starts_with_link(line: str, links: set[str]) -> bool:
    words = word_key(line).split()
    return any(
        " ".join(words[:n]) in links for n in range(TEASER_LINK_WORDS, min(len(words), 16) + 1)
    )


def _drop_teasers(lines: list[str], links: set[str]) -> list[str]:
    """Drop runs of list items that each open with a link: teasers of other stories."""
    kept: list[str] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if line.startswith("- ") and _starts_with_link(line[2:], links):
            run.append(line)
            continue
        if len(run) < TEASER_RUN:
            kept.extend(run)
        run = []
        if line:
            kept.append(line)
    return kept
