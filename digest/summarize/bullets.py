"""The one post-processing step every backend's output goes through.

Candidates (generated or extracted sentences, best first) become at most ``bullets`` bullets that
are each one complete sentence within ``max_words``, not near-duplicates of each other, and
supported by the source: every number and every name in a bullet must occur in the article. A
candidate that fails is skipped, so the next one (for the abstractive backend: a sentence of the
article) takes its place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from digest.summarize.sentences import count_words, split_sentences, words

EAGER_ATTRIBUTION = True
SEARCH_LIMIT = 60  # versions of one sentence tried while shortening it
MIN_WORDS = 8  # the "In Short" style is about 10 to 20 words; shorter is usually a fragment

_DASH = r"(?:--|—|–|-)"
# "(CNN)", "LONDON, England (CNN) --", "WASHINGTON (Reuters) -", "HONG KONG —", "Paris (AP) --"
_DATELINES = (
    re.compile(
        r"^[A-Z][\w.,' ]{0,40}?\s*\((?:CNN|AP|Reuters|AFP|UPI|[A-Z][\w ]{1,20})\)\s*"
        + _DASH
        + r"?\s*"
    ),
    re.compile(r"^\((?:CNN|AP|Reuters|AFP|UPI)\)\s*" + _DASH + r"?\s*"),
    re.compile(r"^[A-Z][A-Z.' ]{1,30}(?:,\s*[A-Z][\w.' ]{1,30})?\s+" + _DASH + r"\s+"),
)
_LEADING_CONNECTIVE = re.compile(
    r"^(?:But|And|So|Yet|Or|However|Meanwhile|Still|Also|Moreover|Furthermore|Instead|Indeed|"
    r"Now|Then|Nonetheless|Nevertheless|Additionally|In addition|In fact|Of course),?\s+"
)
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_DASH_ASIDE = re.compile(r"\s+(?:--|—|–)\s+[^-—–]{1,120}?\s+(?:--|—|–)(?=\s)")
_SAY = (
    r"(?:said|says|say|told [\w ]{1,30}?|added|explained|wrote|noted|reported|stated|announced|"
    r"argued|insisted|claimed|warned|alleges|alleged|believes|estimates|estimated)"
)
# A speaker opening a sentence: "Police", "The agency's chief", never "Months after an official".
_NOT_SPEAKER = (
    r"(?!(?:after|before|when|while|if|as|because|although|since|until|that|who|which)\b)"
)
_SPEAKER = (
    r"(?:he|she|they|it|we|I|(?:the\s+)?[A-Z][\w.'’-]*(?:\s+"
    + _NOT_SPEAKER
    + r"[A-Za-z.'’-]+){0,6}?)"
)
_ANY_SPEAKER = r"(?:[\w.'’-]+(?:\s+[\w.'’-]+){0,6}?)"
_TRAILING_ATTRIBUTION = (
    # ", police said Tuesday." / ", said Mary Smith, a spokeswoman." / ", according to the report."
    re.compile(
        r",\s*"
        + _ANY_SPEAKER
        + r"\s+"
        + _SAY
        + r"(?:\s+(?:on\s+)?\w+day)?(?:\s+(?:in|on|at|to)\s+[^,.]{1,60})?\s*(?=[.!?]$)"
    ),
    re.compile(r",\s*" + _SAY + r"\s+[^,.]{1,60}(?:,[^.]{1,60})?(?=[.!?]$)"),
    re.compile(r",?\s+according to\s+[^,.]{1,80}(?=[.!?]$)"),
)
_LEADING_ATTRIBUTION = re.compile(
    r"^(?:According to [^,]{1,60},\s*|"
    + _SPEAKER
    + r"\s+(?:said|says|told [\w ]{1,30}?|announced|reported)"
    + r"(?:\s+(?:on\s+)?\w+day)?(?:\s+that)?\s+)"
)
_TRAILING_PARTICIPLE = re.compile(
    r",\s+(?:saying|adding|citing|noting|calling|prompting|leaving|making|sparking|raising|"
    r"according)\b[^.!?]*(?=[.!?]$)"
)
_TRAILING_CLAUSE = re.compile(
    r",\s+(?:which|who|whose|where|while|as|although|though|because|after|before)\b[^,;.!?]*"
    r"(?=[.!?]$)"
)
_RELATIVE_ASIDE = re.compile(
    r",\s+(?:who|which|whose|where|although|though)\b[^,;\"“”]{1,100},\s+(?=[a-z])"
)
_APPOSITIVE = re.compile(
    r"(\b[A-Z][\w'’-]*[a-z]),\s+(?:a|an|the|who|now|then)\s[^,;]{2,70},\s+(?=[a-z])"
)
_LEADING_PHRASE = re.compile(
    r"^(?:On|In|At|During|After|Before|Earlier|Later|Last|This|Since|By|For|Over|Under|Until|When|"
    r"While|As|With|Despite|Following|Within|Amid|Once)\b[^,]{1,100},\s+"
)
_AGE = re.compile(r"(\b[A-Z][\w'’-]*[a-z]),\s+\d{1,3},\s+(?=[a-z])")
# "..., authorities said Wednesday, four days after ...": a speaker inside the sentence.
_INNER_ATTRIBUTION = re.compile(
    r",\s+"
    + _ANY_SPEAKER
    + r"\s+(?:said|says|told [\w ]{1,30}?)(?:\s+(?:on\s+)?\w+day)?,\s+(?=[a-z0-9])"
)
# "... sons of J. Paul Getty, the oil baron who ...": an appositive closing the sentence.
_TRAILING_APPOSITIVE = re.compile(
    r"(\b[A-Z][\w'’-]*[a-z]),\s+(?:a|an|the|one of)\s[^;:]*(?=[.!?]$)"
)
# 'The report, entitled "...", examines': a naming or locating aside between commas.
_PARTICIPLE_ASIDE = re.compile(
    r",\s+(?:entitled|titled|called|named|dubbed|known as|located|based|headquartered)\s"
    r"[^,;]{1,80},[\"”]?\s+(?=[a-z])"
)
_OPTIONAL_DELETIONS = (
    (_DASH_ASIDE, ""),
    (_PARTICIPLE_ASIDE, " "),
    (_INNER_ATTRIBUTION, ", "),
    (_TRAILING_APPOSITIVE, r"\1"),
    (_TRAILING_PARTICIPLE, ""),
    (_AGE, r"\1 "),
    (_RELATIVE_ASIDE, " "),
    (_APPOSITIVE, r"\1 "),
    (_TRAILING_CLAUSE, ""),
    (_LEADING_PHRASE, ""),
)
_SUBORDINATORS = (
    r"(?:after|because|when|while|before|although|though|despite|amid|following|whereas|unless)"
)
# Where a long sentence may be cut, keeping the head. A bare comma is not enough: in "economic,
# social or political issues" it separates list items, so the word after it must open a clause
# or a phrase (a conjunction, a relative pronoun, a preposition or a participle).
_CLAUSE_BREAK = re.compile(
    r";\s+|:\s+|\s+(?:--|—|–)\s+|\s+" + _SUBORDINATORS + r"\s+|"
    # "... is opening this weekend | and earned $60 million": a second verb phrase
    r"\s+(?:and|but)\s+(?=(?:that|is|are|was|were|has|have|had|will|would|could|can|\w+ed)\b)|"
    # a comma inside the closing quote: '... "The Winter Soldier," which debuted ...'
    r"(?:(?<=,[\"”])|,)\s+(?="
    r"(?:and|but|while|as|so|since|with|without|including|even|which|who|whose|where|according|"
    r"in|on|at|for|from|during|until|by|than|to|" + _SUBORDINATORS[3:-1] + r")\b|[a-z]+ing\b)"
)
_PHRASE_BREAK = re.compile(
    r"\s+(?=(?:in|on|at|to|for|from|during|with|by|near|into|across|over|under|between|without|"
    r"through|against|amid|after|before|since|until|inside|outside|around|within|despite|"
    r"following|including)\s)"
)
_OPEN_ASIDE = re.compile(r",\s+(?:who|which|whose|whom|where|when|while)\b[^,]*$")
_DETERMINERS = frozenset(
    """the a an his her their its our my your these those some any every each several many two
    three four five""".split()
)
_TIME_WORDS = frozenset(
    """day days week weeks month months year years hour hours minute minutes moments seconds
    decades shortly soon just long right even only immediately""".split()
)
_DANGLING_END = frozenset(
    """a an the and or but of to in on at for with from by as that which who whose is are was were
    be been has have had its their his her our your my this these those than into about""".split()
)
# Openings that make a clause subordinate ("After", "Since" may open a phrase instead: not here).
_SUBORDINATE_OPENING = re.compile(
    r"(?:(?:Just|Even) (?:as|though|if|when)|Because|Although|Though|While|Whereas|Unless|If|"
    r"When)\b"
)
_AUXILIARIES = frozenset(
    """is are was were be been has have had will would can could may might must should shall do
    does did""".split()
)
_STOPWORDS = _DANGLING_END | frozenset(
    """he she it they we i you him them us me not no will would can could may might must should
    said says say also just more most very there here what when where why how all any some such
    one out up so if than then there""".split()
)
_PRONOUN_START = frozenset("he she it they we i his her its their this that these those".split())
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


def select_bullets(
    candidates: Iterable[str], source: str, bullets: int, max_words: int
) -> list[tuple[int, str]]:
    """Turn candidates, best first, into at most ``bullets`` (candidate index, bullet) pairs.

    Each bullet is one shortened, complete sentence of at most ``max_words`` words, supported by
    ``source`` and not a near-duplicate of an earlier bullet. Failing candidates are skipped.
    """
    vocabulary = source_vocabulary(source)
    chosen: list[tuple[int, str]] = []
    for index, candidate in enumerate(candidates):
        # Checked before shortening too: dropping "Mayor X said" must not launder an invented name.
        if not is_supported(candidate, vocabulary):
            continue
        bullet = shorten(candidate, max_words)
        if bullet is None or not is_supported(bullet, vocabulary):
            continue
        if any(is_near_duplicate(bullet, other) for _, other in chosen):
            continue
        chosen.append((index, bullet))
        if len(chosen) == bullets:
            break
    return chosen


def shorten(sentence: str, max_words: int) -> str | None:
    """Shorten ``sentence`` into a bullet of at most ``max_words`` words, or None if it cannot be.

    Always drops datelines, leading connectives, parentheses and attributions ("police said"); a
    sentence that then fits is kept whole. A longer one becomes the LONGEST version within the
    limit that some combination of deletions reaches, each deletion keeping a complete sentence:
    dashed and naming asides (', entitled "...",'), attributions inside the sentence, trailing
    participle phrases, relative clauses, appositives, ages, introductory phrases, or a cut after
    the first clause (or before a trailing phrase) that is itself a sentence. So asides and tails
    go before the end of the main clause does.
    """
    text = " ".join(sentence.split())
    if not text or text.rstrip(" .").endswith(":"):
        return None  # introduces a list or a quotation: not a statement of its own
    for dateline in _DATELINES:
        text = dateline.sub("", text, count=1)
    text = _ensure_stop(_PARENTHESES.sub("", text))
    text = _drop(_LEADING_CONNECTIVE, text)
    if EAGER_ATTRIBUTION:
        text = _drop_attribution(text)
    if count_words(text) > max_words:
        text = _longest_fit(text, max_words)
    text = _capitalise(text)
    if count_words(text) > max_words or not is_complete(text):
        return None
    return text


def _longest_fit(text: str, max_words: int) -> str:
    """The longest version of ``text`` within ``max_words`` that the deletions can reach.

    A search over combinations of deletions (an aside and an attribution, say), not one greedy
    path: dropping the smallest thing first can leave only a drastic cut later. Each step keeps
    the sentence complete, so every version reached is a sentence; ``text`` itself when none fits.
    """
    seen = {text}
    frontier = [text]
    best: str | None = None

    def rank(option: str) -> tuple[int, int, str]:
        # Longest first; among equals, the one that kept the sentence's own ending (an aside or an
        # attribution went, not the end of the main clause); then text order, so ties break the
        # same way in every process (set order follows string hashing).
        return (-count_words(option), -_shared_ending(option, text), option)

    while frontier and len(seen) < SEARCH_LIMIT:
        current = min(frontier, key=rank)
        frontier.remove(current)
        options = {_drop(pattern, current, sub) for pattern, sub in _OPTIONAL_DELETIONS}
        options.add(_drop_attribution(current))
        options.add(_first_clause(current, max_words) or current)
        for option in sorted(options - seen, key=rank):
            seen.add(option)
            if count_words(option) <= max_words:
                if best is None or rank(option) < rank(best):
                    best = option
            elif best is None or count_words(option) > count_words(best):
                frontier.append(option)  # still too long, but a further deletion may fit
    return best or text


def _shared_ending(a: str, b: str) -> int:
    """How many words ``a`` and ``b`` share at their ends."""
    wa, wb = a.split(), b.split()
    n = 0
    while n < min(len(wa), len(wb)) and wa[-1 - n] == wb[-1 - n]:
        n += 1
    return n


def _drop_attribution(text: str) -> str:
    for attribution in _TRAILING_ATTRIBUTION:
        text = _drop(attribution, text)
    return _drop_leading_attribution(text)


def _drop(pattern: re.Pattern[str], text: str, replacement: str = "") -> str:
    """Apply one deletion, keeping the result only if it is still a complete sentence."""
    shorter = _capitalise(pattern.sub(replacement, text, count=1).strip())
    if shorter == text or not is_complete(shorter):
        return text
    # A deletion that took the main verb with it leaves a noun phrase, not a sentence.
    if _has_verb_hint(text) and not _has_verb_hint(shorter):
        return text
    return shorter


def _drop_leading_attribution(text: str) -> str:
    match = _LEADING_ATTRIBUTION.match(text)
    if not match:
        return text
    rest = text[match.end() :]
    # "Police said he fled" would leave "He fled": a pronoun with nothing to refer to; and
    # 'X said that "..."' would leave a quotation without its speaker.
    if not rest or rest.split()[0].lower() in _PRONOUN_START or rest[0] in "\"'“‘":
        return text
    return _drop(_LEADING_ATTRIBUTION, text)


def _first_clause(text: str, max_words: int) -> str | None:
    """The longest head of ``text`` that fits and is itself a sentence, cut at a clause boundary or
    before a trailing prepositional phrase ("... was arrested in Tennessee | on Saturday")."""
    best: str | None = None
    for pattern in (_CLAUSE_BREAK, _PHRASE_BREAK):
        for match in pattern.finditer(text):
            before = text[: match.start()].rstrip(",;: ")
            last = before.rsplit(None, 1)[-1]
            if last.lower() in _TIME_WORDS:
                continue  # "four days after the fire": the phrase belongs together
            if pattern is _PHRASE_BREAK and not _ends_with_noun_phrase(before):
                continue  # "has been taken | from a movie": the verb needs its phrase
            head = _drop_attribution(_ensure_stop(before))
            size = count_words(head)
            if size > max_words:
                break
            if best is not None and size <= count_words(best):
                continue
            if size >= MIN_WORDS and is_complete(head) and _has_verb_hint(head):
                best = head
    return best


def _ends_with_noun_phrase(text: str) -> bool:
    """Whether ``text`` ends on a noun phrase ("the private bus", "Tennessee"), outside any aside.

    A cut after a verb ("is opening") or inside a relative clause (", who shot to fame") would leave
    a sentence without its complement or its main verb.
    """
    if _OPEN_ASIDE.search(text):
        return False
    tokens = text.split()
    last = tokens[-1].strip("\"'”’),")
    if not last or last.lower() in _DANGLING_END or last.lower().endswith(("ed", "ing", "en")):
        return last[:1].isupper()
    if last[:1].isupper() or last[:1].isdigit():
        return True
    # "this" and "that" also stand alone ("an example of this | came"), so they do not count.
    return any(t.lower() in _DETERMINERS or t[:1].isdigit() for t in tokens[-4:-1])


def _has_verb_hint(text: str) -> bool:
    """Crude: a clause that is a sentence usually has a finite verb (-ed, -s, or an auxiliary)."""
    tokens = [t for t in words(text)[1:] if t.islower()]
    return any(
        t in _AUXILIARIES or t.endswith("ed") or (t.endswith("s") and not t.endswith(("ss", "us")))
        for t in tokens
    )


def _ensure_stop(text: str) -> str:
    text = text.rstrip()
    if not text:
        return text
    closing = ""
    while text and text[-1] in "\"'”’)":
        closing = text[-1] + closing
        text = text[:-1]
    text = text.rstrip(",;: ")
    if not text.endswith((".", "!", "?")):
        text += "."
    return text + closing


def _capitalise(text: str) -> str:
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1 :]
        if char.isdigit():
            return text
    return text


def is_complete(bullet: str) -> bool:
    """Whether ``bullet`` reads as one whole sentence rather than a fragment.

    It starts with a capital letter, a digit or an opening quote; ends with a full stop or "!"; has
    at least six words; has balanced quotes and brackets; does not end on a function word; and is
    not itself more than one sentence.
    """
    text = bullet.strip()
    if count_words(text) < MIN_WORDS or not text.endswith((".", "!", '."', ".”", ".'")):
        return False
    first = text.lstrip("\"'“‘")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return False
    if (
        text.count('"') % 2
        or text.count("“") != text.count("”")
        or text.count("(") != text.count(")")
    ):
        return False
    tokens = words(text)
    if not tokens or tokens[-1].lower() in _DANGLING_END:
        return False
    if sum(t[0].isupper() for t in tokens) == len(tokens):
        return False  # a headline or a heading in capitals, not a sentence
    if _SUBORDINATE_OPENING.match(first) and "," not in text:
        return False  # "Just as sanctions were forcing Iran.": a subordinate clause on its own
    return len(split_sentences(text)) == 1


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
    found = [_stem(t.lower()) for t in words(text) if t.lower() not in _STOPWORDS]
    return list(dict.fromkeys(found)) if unique else found


def _content_words(text: str) -> set[str]:
    return set(content_words(text))


def is_near_duplicate(first: str, second: str) -> bool:
    """Whether two bullets say mostly the same thing (content-word overlap)."""
    a, b = _content_words(first), _content_words(second)
    if not a or not b:
        return a == b
    overlap = len(a & b)
    return overlap / len(a | b) >= 0.5 or overlap / min(len(a), len(b)) >= 0.75


def starts_with_pronoun(sentence: str) -> bool:
    """Whether ``sentence`` opens with a pronoun that needs earlier context to be understood."""
    tokens = words(sentence)
    return bool(tokens) and tokens[0].lower() in _PRONOUN_START


# Where a clause that can stand as a sentence of its own begins inside a longer one: after a
# subordinator that presents its clause as fact ("... fans on Tuesday after | star X announced she
# will leave"), after ", as" or ", but", or after a reporting verb ("the coach said | the toughest
# thing is a loss"). "if", "unless", "before" and "until" are left out: what follows them has not
# happened or may not be true.
_EMBEDDED_CLAUSE = re.compile(
    r"(?:,\s+|\s+)(?:after|because|when|since|while|although|though)\s+|,\s+(?:as|but)\s+|"
    r"\b(?:said|says|announced|reported|told [\w ]{1,30}?)(?:\s+(?:on\s+)?\w+day)?\s+(?:that\s+)?"
)
# Words that cannot open a clause's subject: "because | of the storm", "asked | what it means".
_NOT_A_SUBJECT = frozenset(
    "of to in on at for with from by what who which where why how whether if than".split()
)
_CLAUSE_HEAD = re.compile(r",|;|\s(?:--|—|–)\s")


def clause_bullets(sentence: str, max_words: int) -> list[str]:
    """Bullets made of a clause inside ``sentence`` that states a fact on its own.

    The news is often in the subordinate or reported clause, not the main one: "That was the mood
    of fans on Tuesday after star Jane Roe announced she will leave the show" says most in "Star
    Jane Roe announced she will leave the show." Each clause after a factive subordinator or a
    reporting verb becomes a candidate when it opens with a subject (a noun phrase, not a pronoun
    that needs the rest of the sentence, a preposition or a verb) and has a verb of its own before
    any comma; it is then shortened like any sentence. Questions give none.
    """
    text = " ".join(sentence.split())
    if text.rstrip("\"'”’").endswith("?"):
        return []
    found: list[str] = []
    for match in _EMBEDDED_CLAUSE.finditer(text):
        clause = text[match.end() :]
        tokens = clause.split()
        if len(tokens) < MIN_WORDS or not _opens_with_subject(tokens):
            continue
        if not _has_verb_hint(_CLAUSE_HEAD.split(_capitalise(clause), 1)[0]):
            continue  # "after | an oil leak, though ...": a phrase, not a clause
        bullet = shorten(clause, max_words)
        if bullet is not None and _has_verb_hint(bullet) and bullet not in found:
            found.append(bullet)
    return found


def _opens_with_subject(tokens: list[str]) -> bool:
    first = tokens[0].strip("\"“‘'")
    lower = first.lower()
    if not first or lower in _PRONOUN_START or lower in _NOT_A_SUBJECT:
        return False
    # A lower-case verb opens a predicate, not a clause: "when | uttered aloud", "since | lost
    # a lot of steam"; a noun subject is rarely followed straight away by an article.
    return not first.islower() or not (
        lower.endswith(("ed", "ing")) or tokens[1].lower() in ("a", "an", "the")
    )
