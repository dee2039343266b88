"""Guards on generated bullets: what a model wrote may replace an extractive bullet only if it passes.

A small instruct model writes fluent bullets and invents facts. Every generated bullet is checked
against the article before it is used, whatever model wrote it (in process or behind an endpoint):

    length        at most ``max_words`` words
    sentence      one complete sentence with no opening pronoun that nothing resolves
                  (:func:`sentence_problem`, the one place that judges form)
    names         every capitalised word after the first occurs in the article
    numbers       every number (digits or a number word) occurs in the article
    dates         every month, weekday and relative day ("yesterday") occurs in the article
    words         every content word comes from the source: the sentence it rewrites (rewrite) or
                  the article's lead (write); names may come from anywhere in the article, so a
                  pronoun may be resolved to the person it stands for
    negation      a negation in the source survives; none is added
    condition     "unless", "if", "until", "except" ... in the source survive
    hedge         "may", "allegedly", "at least", "about" ... in the source survive
    attribution   a claim the source attributes ("X said", "according to X", "bills itself as")
                  keeps a speaker, and one the reader knows (not only "he said"); no personal
                  pronoun the source did not have stands in for a name
    roles         the subject comes from the source's subject (keeping its article), or names
                  who its pronoun or description stood for, and is nobody the source gives another
                  role ("X called out Y" never becomes "Y called out X")
    quotation     words inside quotation marks occur in the article exactly, and words the source
                  quotes keep their quotation marks

:func:`check_bullet` returns the first reason a bullet fails, or None. The reason's first word
(before the colon) is the category counted in :class:`Rejections`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter

from digest.summarize.sentences import count_words, split_sentences, words

logger = logging.getLogger(__name__)

GUARDS_VERSION = 3

_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
    "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40",
    "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
    "hundred": "100", "thousand": "1000", "million": "1000000", "billion": "1000000000",
    "trillion": "1000000000000", "dozen": "12", "first": "1st", "second": "2nd", "third": "3rd",
    "half": "1/2", "twice": "x2", "double": "x2", "triple": "x3",
}  # fmt: skip
_DATE_WORDS = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow tonight
    weekend week month year decade century morning evening night""".split()
)
# Markers whose loss changes what a sentence claims. Within a group, one stands for another
# ("may" for "might"), but each group present in the source must be present in the bullet.
_NEGATIONS = frozenset(
    "not no never none nobody nothing neither nor without cannot n't nowhere".split()
)
_CONDITIONS = {
    "unless": "unless",
    "if": "if",
    "until": "until",
    "except": "except",
    "provided": "provided",
    "whether": "whether",
    "only": "only",
}
_HEDGES = {
    **dict.fromkeys("may might could".split(), "may"),
    **dict.fromkeys("would".split(), "would"),
    **dict.fromkeys("allegedly alleged alleges allege".split(), "allegedly"),
    **dict.fromkeys("reportedly reported".split(), "reportedly"),
    **dict.fromkeys("suspected suspect suspects".split(), "suspected"),
    **dict.fromkeys("accused accuses accuse".split(), "accused"),
    **dict.fromkeys("possibly possible perhaps maybe".split(), "possibly"),
    **dict.fromkeys("likely unlikely probably".split(), "likely"),
    **dict.fromkeys("apparently appears appeared seems seemed".split(), "apparently"),
    **dict.fromkeys("about around approximately roughly nearly almost some".split(), "about"),
    **dict.fromkeys("least".split(), "at least"),
    **dict.fromkeys("more over".split(), "more than"),
    **dict.fromkeys("expected expects planned plans proposed".split(), "expected"),
    **dict.fromkeys("believed believes estimated".split(), "believed"),
}
# Verbs that present a claim, an opinion or a forecast as someone's: dropping their speaker turns
# the claim into the digest's own statement of fact.
_ATTRIBUTION = frozenset(
    """say says said tell tells told argue argues argued claim claims claimed insist insists
    insisted warn warns warned believe believes believed think thinks thought allege alleges
    alleged accuse accuses accused suggest suggests suggested write writes wrote contend contends
    contended maintain maintains maintained assert asserts asserted predict predicts predicted
    according bill bills billed tout touts touted describe describes described promise promises
    promised""".split()
)
_STOPWORDS = frozenset(
    """a an the and or but of to in on at for with from by as is are was were be been being has
    have had do does did will would shall should can could may might must it its it's this that
    these those he she they we i you him her them us me his their our your who whom whose which
    what when where why how there here than then so also just very more most some any all each
    both such into onto over under about after before during while because since though although
    up down out off again further once not no nor only own same too s t don now new said says say
    told according one ago per via amid among against between through across within without
    upon around near""".split()
)
_PRONOUN_OPENINGS = frozenset(
    "he she it they we i you him her them his hers its their theirs this these those which "
    "that such another".split()
)
_AUXILIARIES = frozenset(
    """is are was were be been being am has have had do does did will would shall should can
    could may might must won't can't isn't aren't wasn't weren't hasn't haven't hadn't doesn't
    didn't""".split()
)
_IRREGULAR_VERBS = frozenset(
    """said says told made took gave went came saw found left kept held led paid sent spent
    brought bought built caught fought thought taught sold won lost met ran rose fell grew knew
    became began broke chose drove flew forgot hid hit hurt let put quit read set shut spread
    struck stood swore threw understood wrote shot sank shook stole got gets makes takes gives
    goes comes sees finds keeps holds leads pays sends spends brings buys builds wins loses meets
    runs rises falls grows knows becomes begins breaks chooses drives flies hits puts sets says
    tells faces""".split()
)
_DETERMINERS = frozenset("a an the this that these those his her its their our my your".split())
_END = re.compile(r"[.!?][\"'”’)]*$")
_QUOTED = re.compile(r"[\"“]([^\"”]{3,})[\"”]")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_QUOTE_MARKS = frozenset('"“”')
_PERSONAL = frozenset("he she they him her them his hers their theirs".split())


def sentence_problem(bullet: str, deep: bool = True) -> str | None:
    """Why ``bullet`` is not one complete, standalone sentence, or None when it is.

    Cheap checks first, then the editorial post-processing's own judge (:mod:`grammar`): it must
    start with a capital letter, a digit or an opening quote, end with ".", "!" or "?" (a closing quote may
    follow), contain a verb, be one sentence, not open with a verb that lacks its subject ("Was
    opened in 1990 ..."), and not open with a pronoun or demonstrative ("He", "This", "Their")
    that nothing in the bullet resolves; with ``deep``, also pass the dependency-parse judge that
    every extractive bullet passes.
    """
    text = bullet.strip()
    if not text:
        return "fragment: empty"
    first = text.lstrip("\"'“‘")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return "fragment: does not start with a capital letter"
    if not _END.search(text):
        return "fragment: no final punctuation"
    if len(split_sentences(text)) != 1:
        return "fragment: more than one sentence"
    tokens = words(text)
    if len(tokens) < 4:
        return "fragment: too short to be a sentence"
    if not any(
        _is_verb(before, token) for before, token in zip(["", *tokens], tokens, strict=False)
    ):
        return "fragment: no verb"
    if tokens[0].lower() in _AUXILIARIES and not text.rstrip("\"'”’)").endswith("?"):
        return f"fragment: opens with {tokens[0]!r}, a verb without its subject"
    opening = re.sub(r"['’](?:s|re|ll|ve|d)$", "", tokens[0].lower())  # "It's", "They're"
    quoted_speaker = text[0] in '"“' and opening in ("i", "we", "our", "my")
    if opening in _PRONOUN_OPENINGS and not quoted_speaker:
        return f"dangling: opens with {tokens[0]!r}, which nothing resolves"
    return None if not deep else _grammar_problem(text)


# What the extractive post-processing's judge says, sorted into the two kinds the guards count.
_DANGLING_REASONS = ("refers to", "demonstrative", "names nobody", "points at", "names nothing")


def _grammar_problem(text: str) -> str | None:
    """The issue-10 judge (a dependency parse, see :mod:`digest.summarize.grammar`) on a
    generated bullet: the same standard as every extractive bullet."""
    from digest.summarize import grammar

    judged = grammar.judge(grammar.parse([text])[0])
    if judged.pronoun is not None:
        return "dangling: opens with a pronoun, which nothing resolves"
    if judged.reason is None:
        return None
    kind = "dangling" if any(r in judged.reason for r in _DANGLING_REASONS) else "fragment"
    return f"{kind}: {judged.reason}"


def _is_verb(before: str, token: str) -> bool:
    lower = token.lower()
    if lower in _AUXILIARIES or lower in _IRREGULAR_VERBS:
        return True
    # "O'Malley and Webb share ...": a lower-case word right after a name is most often its verb
    if (
        before[:1].isupper()
        and token.islower()
        and lower not in _STOPWORDS
        and before.lower() not in _STOPWORDS
    ):
        return True
    if lower.endswith("ed") and len(lower) > 4 and before.lower() not in _DETERMINERS:
        return True
    # "The company makes ...": an "-s" word after a name or a noun, not after a determiner
    return (
        lower.endswith("s")
        and not lower.endswith(("ss", "us", "is", "'s", "’s"))
        and len(lower) > 3
        and token.islower()
        and bool(before)
        and before.lower() not in _DETERMINERS
        and not before[0].isdigit()
    )


def check_bullet(
    bullet: str, source: str, article: str, max_words: int, *, lead: str = ""
) -> str | None:
    """Why ``bullet`` may not replace the extractive bullet, or None when it may.

    ``source`` is the text the bullet must draw its content words from: the sentence it rewrites
    (rewrite mode) or the article's lead (write mode). For the lead, the markers (negation,
    condition, hedge, attribution) are checked against the lead sentence the bullet is closest to.
    ``article`` is the whole text, where names, numbers, dates and quotations must occur.
    """
    if count_words(bullet) > max_words:
        return f"length: {count_words(bullet)} words, over {max_words}"
    problem = sentence_problem(bullet, deep=False)  # the parse comes last: it costs the most
    if problem:
        return problem
    article_tokens = words(article)
    article_lower = {t.lower() for t in article_tokens}
    tokens = words(bullet)
    for position, token in enumerate(tokens):
        if token[0].isupper() and token.lower() not in article_lower:
            if position > 0 or token.lower() not in _STOPWORDS:
                return f"name: {token!r} is not in the article"
    article_numbers = _numbers(article)
    for number in sorted(_numbers(bullet) - article_numbers):
        return f"number: {number!r} is not in the article"
    for token in tokens:
        if token.lower() in _DATE_WORDS and token.lower() not in article_lower:
            return f"date: {token!r} is not in the article"
    for quoted in _QUOTED.findall(bullet):
        if " ".join(quoted.split()).lower() not in " ".join(article.split()).lower():
            return f"quotation: {quoted!r} is not quoted from the article"
    allowed = {_stem(t.lower()) for t in words(source)}
    names = {_stem(t.lower()) for t in article_tokens if t[0].isupper()}
    for token in tokens:
        lower = token.lower()
        if lower in _STOPWORDS or lower in _NUMBER_WORDS or token[0].isdigit():
            continue
        stem = _stem(lower)
        if stem not in allowed and not (token[0].isupper() and stem in names):
            if not any(_related(stem, known) for known in allowed):
                return f"words: {token!r} is not in the source"
    reference = source
    if lead or len(split_sentences(source)) > 1:
        reference = _closest_sentence(bullet, split_sentences(lead or source))
    return (
        _marker_problem(bullet, reference)
        or _role_problem(bullet, reference)
        or _grammar_problem(bullet)
    )


def _subject(text: str) -> list[str]:
    """The words before the first verb: the subject, as far as a verb can be spotted."""
    tokens = words(text)
    for position, (before, token) in enumerate(zip(["", *tokens], tokens, strict=False)):
        # "The NFL legend": after a determiner, a name is a modifier and the next word its noun;
        # so after another capitalised word ("(CNN)Blues legend"); and a capitalised first word
        # may be no name at all
        modifier = position == 1 or (
            position >= 2
            and (tokens[position - 2].lower() in _DETERMINERS or tokens[position - 2][0].isupper())
        )
        if modifier and before[:1].isupper() and not _is_verb("", token):
            continue
        if _is_verb(before, token):
            return tokens[:position]
    return tokens


def _role_problem(bullet: str, source: str) -> str | None:
    """Whether the bullet changed who does what: its subject must come from the source's subject,
    or name who a pronoun or a description ("The NFL legend") in that place stood for, and that
    name may not be one the source gives another role ("X called out Y" is not "Y called out X").
    Also, words the source quotes keep their quotation marks (no quote becomes the digest's own
    words)."""
    for quoted in _QUOTED.findall(source):
        phrase = " ".join(quoted.split()).rstrip(".,!?").lower()
        opening = " ".join(phrase.split()[:4])
        if len(phrase.split()) >= 2 and opening in bullet.lower():
            if not any(f"{mark}{opening}" in bullet.lower() for mark in _QUOTE_MARKS):
                return f"quotation: {quoted!r} lost its quotation marks"
    new = {t for t in _lowered(bullet) if t in _PERSONAL} - set(_lowered(source))
    if new:
        return f"dangling: {sorted(new)[0]!r} stands for a name the source gave"
    subject = _subject(bullet)
    mine = [t for t in subject if t.lower() not in _STOPWORDS]
    theirs = _subject(source)
    known = {_stem(t.lower()) for t in theirs}
    if all(_stem(t.lower()) in known for t in mine):
        articles = ("a", "an", "the")
        dropped = any(t.lower() in articles for t in theirs) and not any(
            t.lower() in articles for t in subject
        )
        if dropped and subject and subject[-1].islower():
            return "fragment: the subject lost its article ('New York judge issued')"
        return None
    # "He", "The NFL legend": a pronoun, or a description whose head is a common noun
    by_reference = bool(theirs) and (
        theirs[0].lower() in _PRONOUN_OPENINGS
        or (
            theirs[0].lower() in ("the", "this", "that")
            and len(theirs) <= 4
            and theirs[-1].islower()
        )
    )
    if by_reference and all(t[0].isupper() for t in mine):
        # the name must be someone other than those the source names in other roles
        rest = words(source)[len(theirs) :]
        runs, run = set(), []
        for token in [*rest, ""]:
            if token[:1].isupper():
                run.append(token)
            elif run:
                runs.add(" ".join(run))
                run = []
        if " ".join(mine) not in runs:
            return None
        return f"roles: {' '.join(mine)!r} has another role in the source"
    return f"roles: the subject {' '.join(mine)!r} is not the source's"


def _marker_problem(bullet: str, source: str) -> str | None:
    """A negation, condition, hedge or attribution of ``source`` that ``bullet`` lost."""
    src, out = _lowered(source), _lowered(bullet)
    src_neg, out_neg = _negations(src), _negations(out)
    if src_neg and not out_neg:
        return f"negation: {src_neg[0]!r} was dropped"
    if out_neg and not src_neg:
        return f"negation: {out_neg[0]!r} was added"
    for group in sorted({_CONDITIONS[t] for t in src if t in _CONDITIONS}):
        if group not in {_CONDITIONS[t] for t in out if t in _CONDITIONS}:
            return f"condition: {group!r} was dropped"
    for group in sorted({_HEDGES[t] for t in src if t in _HEDGES}):
        if group not in {_HEDGES[t] for t in out if t in _HEDGES}:
            return f"hedge: {group!r} was dropped"
    said = [t for t in src if t in _ATTRIBUTION]
    if said:
        kept = [i for i, t in enumerate(out) if t in _ATTRIBUTION]
        if not kept:
            return f"attribution: {said[0]!r} was dropped, the claim lost its speaker"
        # the speaker: some content word before the verb ("Police said"), or after it ("said
        # the mayor", "according to the report")
        position = kept[0]
        around = out[:position] + out[position + 1 : position + 5]
        if not any(t not in _STOPWORDS for t in around):
            return "attribution: the claim has no speaker"
        # "..., he said.": a speaker who is only a pronoun is nobody to the reader
        beside = out[position - 1 : position] + out[position + 1 : position + 2]
        if any(t in ("he", "she", "they") for t in beside):
            return f"dangling: the speaker is only {out[position - 1]!r}"
    return None


def _lowered(text: str) -> list[str]:
    found = []
    for token in words(text):
        lower = token.lower().replace("’", "'")
        if lower.endswith("n't"):
            found += [lower[:-3], "n't"]
        else:
            found.append(lower)
    return found


def _negations(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t in _NEGATIONS]


def _numbers(text: str) -> set[str]:
    found = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}
    found |= {_NUMBER_WORDS[t.lower()] for t in words(text) if t.lower() in _NUMBER_WORDS}
    # "3" and "three", "2,000" and "2000" are the same number; "1.5 million" keeps both parts
    return found


def _closest_sentence(bullet: str, sentences: list[str]) -> str:
    mine = {_stem(t.lower()) for t in words(bullet) if t.lower() not in _STOPWORDS}
    best, score = "", -1.0
    for sentence in sentences:
        theirs = {_stem(t.lower()) for t in words(sentence) if t.lower() not in _STOPWORDS}
        overlap = len(mine & theirs) / (len(mine) or 1)
        if overlap > score:
            best, score = sentence, overlap
    return best


def _stem(token: str) -> str:
    token = token.replace("’", "'")
    for suffix in ("'s", "ies", "ing", "ed", "es", "s", "ly"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


def _related(a: str, b: str) -> bool:
    """Two forms of one word the stemmer missed ("reporter", "reporting"): they differ only in
    their last three letters at most ("versaillesheets" is not "versacesheets")."""
    shared = 0
    while shared < min(len(a), len(b)) and a[shared] == b[shared]:
        shared += 1
    return shared >= 4 and shared >= max(len(a), len(b)) - 3


def content_words(text: str) -> set[str]:
    """The stemmed content words of ``text`` (for telling near-duplicate bullets apart)."""
    return {_stem(t.lower()) for t in words(text) if t.lower() not in _STOPWORDS}


class Rejections:
    """Counts of rejected bullets by reason category, safe to add to from several threads."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.accepted = 0
        self._lock = threading.Lock()

    def add(self, reason: str | None, bullet: str = "") -> None:
        """Count ``reason`` (None: an accepted bullet) and log a rejection with its bullet."""
        with self._lock:
            if reason is None:
                self.accepted += 1
                return
            self.counts[reason.split(":", 1)[0]] += 1
        logger.info("generated bullet rejected (%s): %s", reason, bullet)

    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line: accepted, rejected and the rejections by category."""
        parts = ", ".join(f"{name} {count}" for name, count in self.counts.most_common())
        return f"{self.accepted} accepted, {self.total()} rejected" + (
            f" ({parts})" if parts else ""
        )
