"""The one post-processing step every backend's output goes through.

Sentences (the article's own, or generated ones) become bullets only when the syntactic analysis
in :mod:`digest.summarize.grammar` accepts them: one complete sentence with a subject and a finite
verb, within ``max_words`` after the deletions the grammar allows, that needs no context the reader
lacks, keeps every negation, condition, hedge, number, time and speaker it had, and is supported by
the article (every number and name in it occurs there). Anything else is refused, never patched:
fewer bullets beat a broken one.

Before any parsing, sentences that cannot be bullets are dropped cheaply: those inside or across a
quotation (a sentence lifted from a quote would speak in the digest's own voice), questions, lines
that end without a full stop, very short or very long ones, and datelines are cut from the first.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from digest.summarize import grammar
from digest.summarize.sentences import Sentence, count_words, words

MIN_WORDS = 6  # shorter is a label, a caption or a fragment, not a bullet
MAX_SOURCE_WORDS = 70  # longer sentences are lists or run-ons that no deletion turns into a bullet

_DASH = r"(?:--|—|–|-)"
# "(CNN)", "LONDON, England (CNN) --", "WASHINGTON (Reuters) -", "HONG KONG —", "Paris (AP) --"
_DATELINES = (
    re.compile(
        r"^[A-Z][A-Za-z0-9., ]{0,40}?\s*\((?:(?:CNN|AP|Reuters|AFP|UPI)[A-Za-z ]{0,12}\)\s*"
        + _DASH
        # "(News 9) -": a station may carry a number; "(Continental Press Agency) -" an agency
        + r"?|[A-Z][A-Za-z0-9 .&'-]{1,40}\)\s*"
        + _DASH
        + r")\s*"
    ),
    re.compile(r"^\((?:CNN|AP|Reuters|AFP|UPI)\)\s*" + _DASH + r"?\s*"),
    # "(KGO) --", "(WSVN) -": a station's call sign and a dash
    re.compile(r"^\([A-Z]{3,5}\)\s*" + _DASH + r"\s*"),
    # "LAGOS —", "NEW YORK, Nov. 3 —", "SIOUX FALLS, S.D. –": a place in capitals, a spaced dash
    re.compile(r"^[A-Z]{2,}[A-Z.' ]{0,30}(?:,\s*[A-Z][\w.' ]{1,30})?\s+" + _DASH + r"\s+"),
    # "NEW DELHI: ...": a place in capitals and a colon (not a kicker: "BREAKING:", "UPDATE:")
    re.compile(
        r"^(?!(?:BREAKING|UPDATED?|WATCH|EXCLUSIVE|NOTE|EDITOR'?S NOTE|CORRECTION|ANALYSIS|"
        r"OPINION|VIDEO|PHOTOS?|LISTEN|READ|LIVE|ALERT|WARNING|FACT CHECK|Q|A)\b)"
        r"[A-Z]{2,}(?:[ .'][A-Z]{2,}){0,3}:\s+(?=[A-Z][a-z])"
    ),
    # "UPDATE 3.10pm: ...", "Updated at 14:05 GMT: ...": a live story's time stamp on its latest
    # line (a bare "UPDATE:" is a label, see _LABEL: it tops notes and corrections)
    re.compile(
        r"^(?i:updated?)\b,?\s*(?:at\s+)?\d{1,2}(?:[.:]\d{2})?\s*(?i:[ap]\.?m\.?)?"
        r"(?:\s*[A-Z]{2,4})?\s*:\s+(?=[A-Z])"
    ),
    # "Washington, DC, United States: ...", "Lagos, Nigeria: ...": a place, its region or country
    # after a comma, then a colon
    re.compile(
        r"^(?!(?:In|At|On|For|From|But|And|However|Yesterday|Today|Meanwhile)\b)"
        r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}"
        r"(?:, (?:[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}|[A-Z]{2}|[A-Z][a-z]{1,4}\.)){1,2}:\s+(?=[A-Z])"
    ),
    # "Dekalb, Ill. —", "Portland, Ore. —", "New York, NY –": a town and its state's
    # abbreviation, then a dash
    re.compile(
        r"^[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}, (?:[A-Z][a-z]{1,4}\.|[A-Z]{2})\s+" + _DASH + r"\s+"
    ),
    # "Kaieteur News – Police ...", "Daily Monitor — The ...": an outlet's name, a spaced long
    # dash, then a new sentence (a dashed aside after a subject goes on in lower case)
    re.compile(
        r"^(?:[A-Z][\w&.'’]*\s){1,3}(?:News|Times|Post|Herald|Monitor|Tribune|Express|"
        r"Gazette|Standard|Observer|Journal|Guardian|Daily|Online|Press|Agency|TV|Radio)"
        r"\s+[–—]\s+(?=[A-Z])"
    ),
    # "By Aaron Humes: The Americas ...", "By Jo Tan, Staff Writer — ...": a byline run into
    # the first sentence
    re.compile(
        r"^By\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}(?:,\s*[A-Z][\w'’ -]{1,30})?"
        r"\s*(?::|\s[–—-])\s+(?=[A-Z])"
    ),
)
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
# A reference-list marker: "Spell[2]", "in the United States (1)." (a number in brackets right
# before the full stop). It points at a footnote the digest does not show.
_CITATION = re.compile(r"\[\d{1,3}\]|\s\(\d{1,3}\)(?=[.!]\W*$)")
_LABEL = re.compile(r"^[A-Z][\w'’]*(?: [A-Z]?[\w'’]+)?:\s")
STOPWORDS = frozenset(
    """a an the and or but of to in on at for with from by as that which who whose is are was were
    be been has have had its their his her our your my this these those than into about nor until
    during without against among between within via toward towards despite amid upon onto he she
    it they we i you him them us me not no will would can could may might must should said says
    say also just more most very there here what when where why how all any some such one out up
    so if then""".split()
)


# Function words of German, French, Spanish and Dutch that are not English words as well.
_FOREIGN_WORDS = frozenset(
    """der und ist nicht ein eine einen einem einer eines mit von zu dem sich auf für auch bei
    nach wird wurde sind hat hatte ich wir sie ihr er sein seine waren oder noch nur über durch
    le les et est une du dans pour qui sur aux avec sont el los las por una del que muy het een
    zijn niet""".split()
)


def strip_dateline(sentence: str) -> str:
    """``sentence`` without a leading dateline ("LAGOS —", "WASHINGTON (Reuters) -")."""
    for dateline in _DATELINES:
        stripped = dateline.sub("", sentence, count=1)
        if (
            stripped != sentence and stripped.lstrip("\"'“‘")[:1].isupper()
        ):  # '(CNN)"Star Wars" fans'
            return stripped
    return sentence


@dataclass(frozen=True)
class Candidate:
    """A bullet the grammar accepts, from the sentence at ``position`` of the article."""

    position: int
    text: str
    shortened: bool  # parts were deleted
    names: frozenset[str]  # the proper-noun words it carries
    generic_subject: bool  # "The company said ...": a subject that names nobody
    proper_start: bool  # its first word is a name (so "X argues that Y..." keeps it capitalised)
    # The position of the sentence it leans on ("He ...", "The company ...", "a similar plan"),
    # which must be the bullet just before it; None when it stands alone.
    follows: int | None = None
    # Its subject counts what that sentence listed ("Both diseases", "All three"): a shortened
    # version of it may have lost one of them.
    counts_back: bool = False
    # The deletions took a thing it named (a noun that is no time): what the next sentence's
    # "it" or "the lead" stands for may have gone with it.
    lost_a_thing: bool = False
    # The names the deletions took, which the bullet no longer says: a next sentence's
    # "Marchetti's 139" leans on "to Italy's Giulia Marchetti" that went.
    lost_names: frozenset[str] = frozenset()


def usable(sentence: Sentence) -> str:
    """The sentence, dateline cut, if it may be parsed for a bullet; '' when it plainly cannot."""
    if sentence.quoted:
        return ""
    text = _drop_cap(_CITATION.sub("", strip_dateline(sentence.text)))
    size = count_words(text)
    if size < MIN_WORDS or size > MAX_SOURCE_WORDS:
        return ""
    end = text.rstrip("\"'”’) ")
    if not end or end[-1] not in ".!":
        return ""
    if not any(c.islower() for c in text) or _title_case(text):
        return ""  # a heading, a headline or a shouted label
    if _LABEL.match(text):
        return ""  # "Anchor: ...", "Update: ...": a transcript's or a page's label
    if _foreign(text):
        return ""  # a German page that quotes enough English to pass as English
    return text


def _drop_cap(text: str) -> str:
    """``text`` with an opening little word in capitals, as a print drop cap sets it ("THE first
    patients have been treated"), in sentence case; a shouted name or noun ("NASA scientists",
    "A HUNTER who killed") is as the site wrote it."""
    match = re.match(r"([A-Z]{2,})(?= [a-z])", text)
    if match is None or match.group(1).lower() not in STOPWORDS - _ACRONYMS:
        return text
    return match.group(1).capitalize() + text[match.end() :]


# Little words that are also acronyms: "US officials", "IT staff", "AM radio".
_ACRONYMS = frozenset("us it am pm id or".split())


def _title_case(text: str) -> bool:
    """Whether ``text`` is written as a headline, its little words capitalised inside it: "Vessel
    Returning to Puerto Rico From St. Thomas With 475 Pounds of Cocaine", "Home Depot Stock Is
    Falling After Its Earnings Release" (decks the sites gave as descriptions). Prose capitalises
    names, however many ("President Barack Obama met Chancellor Angela Merkel in Berlin"), but not
    "is", "with" or "after" inside a sentence."""
    inside = words(text)[1:]
    return sum(w[:1].isupper() and w.lower() in STOPWORDS for w in inside) >= 2


def _foreign(text: str) -> bool:
    """Whether ``text`` reads as another language: at least two of its words are German, French,
    Spanish or Dutch function words, more than its English ones ("Am 14. Juni hielt Steve Jobs
    eine Rede vor den Absolventen der Stanford University")."""
    lowered = [w.lower() for w in words(text)]
    foreign = sum(w in _FOREIGN_WORDS for w in lowered)
    english = sum(w in STOPWORDS for w in lowered)
    return foreign >= 2 and foreign > english


def candidates(
    sentences: Sequence[Sentence],
    docs: Sequence[Any],
    max_words: int,
    title: str = "",
    names: dict[str, str] | None = None,
) -> list[Candidate]:
    """The bullets the article's sentences can give: ``docs[i]`` is the parse of
    ``usable(sentences[i])`` (None where that is ''); ``title``: the headline the reader sees
    above them; ``names``: the article's people by surname (:func:`article_names`, which gives
    them from the sentences alone when None)."""
    if names is None:
        names = article_names(sentences, docs)
    headline = {re.sub(r"['’]s$", "", w.lower()) for w in words(title)}  # "Nelson's" names Nelson
    found: list[Candidate] = []
    parsed: list[tuple[int, Any]] = []
    clauses: list[tuple[int, str]] = []  # (where its sentence is in ``parsed``, the clause)
    for sentence, doc in zip(sentences, docs, strict=True):
        if doc is None:
            continue
        follows = sentence.index - 1 if found and found[-1].position == sentence.index - 1 else None
        before = [d for _, d in reversed(parsed)]
        candidate = candidate_of(doc, sentence.index, max_words, before, names, follows)
        clauses += [(len(parsed), c) for c in grammar.embedded_clauses(doc)]
        if candidate is not None:
            found.append(_introduced(candidate, doc, parsed, names, headline))
        parsed.append((sentence.index, doc))
    # The clauses that state a fact of their own, judged like any sentence (one parse for all).
    for (at, _), doc in zip(clauses, grammar.parse([c for _, c in clauses]), strict=True):
        position, own = parsed[at]
        before = [own, *(d for _, d in reversed(parsed[:at]))]
        candidate = candidate_of(doc, position, max_words, before, names)
        if candidate is not None and all(candidate.text != other.text for other in found):
            found.append(_introduced(candidate, doc, parsed[:at], names, headline))
    found.sort(key=lambda c: c.position)
    return found


def article_names(
    sentences: Sequence[Sentence], docs: Sequence[Any], description: str = ""
) -> dict[str, str]:
    """The article's people by surname (:func:`grammar.full_names`), from its parsed sentences
    and from the words of the rest (``sentences`` the parse skipped, the ``description``)."""
    return grammar.full_names(
        (d for d in docs if d is not None), [*(s.text for s in sentences), description]
    )


def _introduced(
    candidate: Candidate,
    doc: Any,
    earlier: list[tuple[int, Any]],
    names: dict[str, str],
    headline: set[str],
) -> Candidate:
    """``candidate``, leaning on the earlier sentence that introduced what it names only by a
    second mention: a person by surname alone ("Sondland said ..." after "Ambassador Gordon
    Sondland"), or its subject by a bare definite description ("The show opens on Friday" after
    "the Los Angeles Auto Show"). A bullet reads that way only after the one that introduced it;
    the headline, which the reader sees, introduces what it names."""
    if candidate.follows is not None or not earlier:
        return candidate
    anchor = grammar.second_mention(doc, candidate.text, [d for _, d in earlier], names, headline)
    if anchor is None:
        return candidate
    return dataclasses.replace(candidate, follows=earlier[anchor][0])


def candidate_of(
    doc: Any,
    position: int,
    max_words: int,
    previous: Iterable[Any] = (),
    names: dict[str, str] | None = None,
    follows: int | None = None,
) -> Candidate | None:
    """The bullet one parsed sentence gives, or None; ``previous``: the parsed sentences before
    it, nearest first (where an opening "He" or "She" finds the person it names); ``names``: the
    article's people by surname (:func:`grammar.full_names`), so "Bolger said" becomes "Angela
    Bolger said"; ``follows``: the position of the sentence just before it when that one gave a
    candidate. A sentence refused only for what it leans on ("He", "the company") is then a
    candidate that may be shown only right after that one (``Candidate.follows``)."""
    previous = list(previous)
    # The article's first sentence: nothing comes before it for a role or "another" to mean.
    opening = not previous and follows is None and position <= 0
    judged = grammar.judge(doc, opening=opening)
    if judged.vague and doc[0].text in (names or {}):
        judged = grammar.Judgement(None)  # "Sanders followed it up ...": a surname names someone
    anchor = None
    if judged.reason:
        if not judged.leans or follows is None:
            return None
        anchor = follows
    replace: dict[int, str] = grammar.surnames(doc, names or {})
    if judged.pronoun is not None:
        name = grammar.antecedent(previous, doc[judged.pronoun].text)
        if name:
            # "Persson explained ... She added": the full name, if the article gave one
            replace[judged.pronoun] = (names or {}).get(name, name)
        elif follows is not None:
            anchor = follows
        else:
            return None
    shown = grammar.shortened(doc, max_words, replace)
    if shown is None:
        return None
    text, removed = shown
    if any(
        t.lower_ == "another"
        and t.i not in removed
        and any(i < t.i and doc[i].pos_ == "NOUN" for i in removed)
        for t in doc
    ):
        # What it compared with may be gone: "(In addition to three deaths,) ... another 30";
        # a day ("on Friday") is not what it compares with.
        return None
    if grammar.bare_subject(doc, removed):
        # The deletions took what said who ("The owner, whose mother founded the salon, said"):
        # it now leans like any "The owner said ...".
        if follows is None:
            return None
        anchor = follows
    carried = frozenset(t.text for t in doc if t.pos_ == "PROPN") | frozenset(
        " ".join(replace.values()).split()
    )
    subject = _subject(doc)
    generic = subject is not None and judged.pronoun is None and _generic(subject)
    first = next(
        (t for t in doc if not t.is_punct and t.i not in _leading_removed(doc, text)), None
    )
    proper = (
        judged.pronoun in replace  # "He" shown as the name it stands for; not an "It" left as is
        or any(text.startswith(name) for name in replace.values())  # "Prince Andrew" for "Andrew"
        or (first is not None and (first.pos_ == "PROPN" or first.text == "I"))
    )
    counts_back = subject is not None and any(t.lower_ in ("both", "all") for t in subject.subtree)
    return Candidate(
        position,
        text,
        text != doc.text.strip(),
        carried,
        generic,
        proper,
        anchor,
        counts_back,
        grammar.loses_a_thing(doc, removed),
        grammar.lost_names(doc, removed, text),
    )


def _leading_removed(doc: Any, text: str) -> set[int]:
    """Indices of the tokens before the bullet's first word (a connective or phrase deleted)."""
    first_word = text.split()[0].strip("\"'“‘(").lower() if text.split() else ""
    removed: set[int] = set()
    for token in doc:
        if token.lower_ == first_word or token.lower_.startswith(first_word):
            break
        removed.add(token.i)
    return removed


def _subject(doc: Any) -> Any:
    root = grammar.main_verb(doc)
    return next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)


def _generic(subject: Any) -> bool:
    """A definite description that names no one: "the company", "the man", "officials"."""
    words = list(subject.subtree)
    if any(t.pos_ in ("PROPN", "NUM") for t in words):
        return False
    return subject.pos_ == "NOUN" and len(words) <= 3


def select_bullets(
    candidates: Iterable[str], source: str, bullets: int, max_words: int
) -> list[tuple[int, str]]:
    """Turn sentences, best first, into at most ``bullets`` (candidate index, bullet) pairs.

    For backends that produce plain sentences (lead, abstractive): each goes through the same
    analysis as the extractive candidates. Failing sentences are skipped.
    """
    vocabulary = source_vocabulary(source)
    chosen: list[tuple[int, str]] = []
    parsed: list[Any] = []
    for index, sentence in enumerate(candidates):
        text = usable(Sentence(sentence, index, False))
        if not text or not is_supported(text, vocabulary):
            continue
        doc = grammar.parse([text])[0]
        candidate = candidate_of(doc, index, max_words, reversed(parsed))
        parsed.append(doc)
        if candidate is None or not is_supported(candidate.text, vocabulary):
            continue
        if any(is_near_duplicate(candidate.text, other) for _, other in chosen):
            continue
        chosen.append((index, candidate.text))
        if len(chosen) == bullets:
            break
    return chosen


def source_vocabulary(source: str) -> frozenset[str]:
    """The words and numbers of ``source``, as :func:`is_supported` looks them up."""
    tokens = words(source)
    vocabulary = set(tokens) | {t.lower() for t in tokens}
    vocabulary |= {_normalise_number(n) for n in _NUMBER.findall(source)}
    vocabulary |= {_stem(t.lower()) for t in tokens}
    return frozenset(vocabulary)


def is_supported(bullet: str, vocabulary: frozenset[str]) -> bool:
    """Whether every number and name in ``bullet`` occurs in the source, and most words do.

    Names are capitalised words after the first; the first word need only occur in some case. At
    least half of the bullet's other words (stemmed) must occur in the source, which rejects output
    that has drifted away from the article.
    """
    for number in _NUMBER.findall(bullet):
        if _normalise_number(number) not in vocabulary:
            return False
    tokens = words(bullet)
    for position, token in enumerate(tokens):
        if token[0].isupper() and position > 0 and token not in vocabulary:
            return False
    if tokens and tokens[0].lower() not in vocabulary and tokens[0] not in vocabulary:
        return False
    content = [t.lower() for t in tokens if not t[0].isdigit()]
    known = sum(t in vocabulary or _stem(t) in vocabulary for t in content)
    return not content or known / len(content) >= 0.5


def _normalise_number(number: str) -> str:
    return number.replace(",", "").rstrip(".")


def _stem(token: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "'s", "’s"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


def content_words(text: str, unique: bool = True) -> list[str]:
    """The stemmed, lower-cased words of ``text`` that carry meaning (no function words)."""
    found = [_stem(t.lower()) for t in words(text) if t.lower() not in STOPWORDS]
    return list(dict.fromkeys(found)) if unique else found


def numbers_given(bullet: str, source: str) -> bool:
    """Whether every number ``bullet`` states appears in ``source`` as written ("2-0", "2009",
    "$1.6 billion"'s "1.6"; thousands' commas aside): a publisher's description that says "beat
    Chile 2-0" or "surgery in 2009" where the article says 3-0, or gives no year, says what the
    article does not. A round bound ("more than £10,000") may round one of the article's numbers
    (:func:`_rounded`)."""
    plain = source.replace(",", "")
    for number in _WRITTEN_NUMBER.finditer(bullet):
        wanted = _normalise_number(number.group())
        if (
            not re.search(rf"(?<![\d.]){re.escape(wanted)}(?!\d)", plain)
            and not _in_words(wanted, source)
            and not _rounded(bullet, number, plain)
        ):
            return False
    return True


def _rounded(bullet: str, number: re.Match[str], plain: str) -> bool:
    """Whether the ``number`` of ``bullet`` is a round bound ("more than £10,000", "nearly 290
    branches") that a number of the article (``plain``, without thousands' commas) meets, of the
    same kind: after the same currency sign, or with a word of the two after it in common
    ("£10,550"; "287 branches"). "More than 40 people" is not met by "42 minutes"."""
    bound = _BOUND.search(bullet[: number.start()])
    if bound is None:
        return False
    low, high = _BOUNDS[bound.group(1).lower()]
    wanted = float(_normalise_number(number.group()))
    sign = bound.group(2)
    unit = _unit_after(bullet[number.end() :])
    for found in _WRITTEN_NUMBER.finditer(plain):
        text = _normalise_number(found.group())
        if not re.fullmatch(r"\d+(?:\.\d+)?", text):
            continue
        if not low * wanted <= float(text) <= high * wanted:
            continue
        if sign and plain[: found.start()].endswith(sign):
            return True
        if not sign and unit & _unit_after(plain[found.end() :]):
            return True
    return False


def _unit_after(text: str) -> set[str]:
    """The sign or the two words right after a number ("%", "people", "Alpine glaciers"),
    singular: what it counts."""
    if re.match(r"\s?(?:per ?cent|%)", text, re.I):
        return {"%"}
    match = re.match(r"\s?([A-Za-z]+)(?:\s([A-Za-z]+))?", text)
    if match is None:
        return set()
    return {w.lower().removesuffix("s") for w in match.groups() if w} - _NOT_UNITS


_NOT_UNITS = frozenset("a an the and or of in on at to for by from with".split())


# The words that make a number a round bound, and the range (times the number) of the article's
# numbers that meet it.
_BOUNDS = {
    **dict.fromkeys(("more than", "over", "at least"), (1.0, 1.5)),
    **dict.fromkeys(("nearly", "almost"), (0.85, 1.0)),
    **dict.fromkeys(
        ("about", "around", "roughly", "approximately", "close to", "some"), (0.9, 1.1)
    ),
    **dict.fromkeys(("less than", "fewer than", "under"), (0.67, 1.0)),
}
_BOUND = re.compile(rf"\b({'|'.join(_BOUNDS)})\s+([£$€]?)$", re.I)


def _in_words(number: str, source: str) -> bool:
    """Whether ``source`` writes the number or score ``number`` (under a hundred, or a half
    more) in words, in its order: "9-2" as "voted nine to two", "3" as "three", "37" as
    "thirty-seven", "4.5" as "four and a half"."""
    half = re.fullmatch(r"(\d+)\.5", number)
    if half and int(half.group(1)) in _NUMBER_WORDS:
        spelled = rf"\b(?:{_NUMBER_WORDS[int(half.group(1))]}) and a half\b"
        return re.search(spelled, source, re.I) is not None
    parts = number.split("-")
    if not all(p.isdigit() and int(p) in _NUMBER_WORDS for p in parts):
        return False
    spelled = r"\s*(?:-|–|to)\s*".join(rf"\b(?:{_NUMBER_WORDS[int(p)]})\b" for p in parts)
    return re.search(spelled, source, re.I) is not None


_UNITS = """zero|nil one two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen""".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
# The words of the numbers under a hundred ("nil", "seven", "thirty"), as a closed class.
NUMBER_NAMES = frozenset(w for unit in _UNITS for w in unit.split("|")) | frozenset(_TENS)
# Each number under a hundred as a pattern of its words: "thirty-seven", "thirty seven".
_NUMBER_WORDS = {n: word for n, word in enumerate(_UNITS)} | {
    10 * (2 + t) + u: tens if u == 0 else rf"{tens}[- ]{_UNITS[u]}"
    for t, tens in enumerate(_TENS)
    for u in range(10)
}


_WRITTEN_NUMBER = re.compile(r"\d[\d,.:/-]*\d|\d")


def quotations_given(bullet: str, source: str) -> bool:
    """Whether every quotation of three words or more in ``bullet`` is one that ``source`` gives
    whole (its words; stops and case aside): a publisher's description that quotes "We have to
    make some necessary job eliminations" where the article quotes "In the areas of the business
    that do not directly support our core business goals, we have to make ..." cut the speaker's
    words. A quoted name or term ("severe") may come from inside a longer quotation, but the
    article must say it somewhere: a description that quotes a 'cyber incident' where the article
    says "unauthorised activity" puts words in the speaker's mouth. Single quotation marks count
    as double ones do (British style: 'The hake alone is worth the trip')."""
    quotations = [*_QUOTATION.findall(source), *_SINGLE_QUOTATION.findall(source)]
    whole = {_plain(quoted) for quoted in quotations}
    said = f" {_plain(source)} "
    for quoted in [*_QUOTATION.findall(bullet), *_SINGLE_QUOTATION.findall(bullet)]:
        plain = _plain(quoted)
        if len(words(quoted)) >= QUOTED_STATEMENT_WORDS:
            if plain not in whole:
                return False
        elif plain and f" {plain} " not in said:
            return False
    return True


QUOTED_STATEMENT_WORDS = 3
_QUOTATION = re.compile(r"[\"“]([^\"“”]+)[\"”]")
# 'like this' or ‘like this’: not an apostrophe inside or at the end of a word ("the players'
# union", "rock 'n' roll" is one word between them)
_SINGLE_QUOTATION = re.compile(r"(?<![\w'’])['‘]([^'‘’\n]*?\w[^'‘’\n]*?)['’](?![\w'’])")


def _plain(text: str) -> str:
    return " ".join(word.lower() for word in words(text))


def answers_the_headline(bullet: str, title: str) -> bool:
    """Whether ``bullet`` states what a yes-or-no headline asks ("Does Marie Yovanovitch Have a
    Net Worth of $17 Million?", "Fact Check: Is an Oxygen Bar Selling Air?"): most of the
    question's words, said as a fact. The article may answer no (a fact-check debunking the
    claim), and the bullet would then say the opposite of it. A question of what, why or how
    asks for no such answer."""
    question = _KICKER.sub("", title.strip())
    if not question.rstrip("\"'”’) ").endswith("?") or not _YES_NO.match(question):
        return False
    asked = set(content_words(question))
    return len(asked) >= 2 and len(asked & set(content_words(bullet))) >= 0.75 * len(asked)


# A headline's label before the question ("Fact Check: Is ...").
_KICKER = re.compile(r"^[A-Z][\w'’ -]{0,30}:\s+")
_YES_NO = re.compile(
    r"(?i)^(?:is|are|was|were|does|do|did|can|could|will|would|should|has|have|had)\b"
)


def is_near_duplicate(first: str, second: str) -> bool:
    """Whether two bullets say mostly the same thing (content-word overlap)."""
    a, b = set(content_words(first)), set(content_words(second))
    if not a or not b:
        return a == b
    overlap = len(a & b)
    return overlap / len(a | b) >= 0.5 or overlap / min(len(a), len(b)) >= 0.75
