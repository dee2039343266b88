"""The one post-processing step every backend's output goes through.

Candidates (generated or extracted sentences, best first) become at most ``bullets`` bullets that
are each one complete sentence within ``max_words``, not near-duplicates of each other, and
supported by the source: every number and every name in a bullet must occur in the article. A
candidate that fails is skipped, so the next one (for the abstractive backend: a sentence of the
article) takes its place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from digest.summarize.sentences import count_words, split_sentences, words

EAGER_ATTRIBUTION = True
SEARCH_LIMIT = 60  # versions of one sentence tried while shortening it
MIN_WORDS = 8  # the "In Short" style is about 10 to 20 words; shorter is usually a fragment

_DASH = r"(?:--|—|–|-)"
# "(CNN)", "LONDON, England (CNN) --", "WASHINGTON (Reuters) -", "HONG KONG —", "Paris (AP) --"
_DATELINES = (
    # A place (no digits, no possessive) and an agency: a known one, or any name when a dash
    # follows. "China's Shanghai Composite (SHCOMP) slumped" opens with no dateline.
    re.compile(
        r"^[A-Z][A-Za-z., ]{0,40}?\s*\((?:(?:CNN|AP|Reuters|AFP|UPI)[A-Za-z ]{0,12}\)\s*"
        + _DASH
        + r"?|[A-Z][A-Za-z ]{1,20}\)\s*"
        + _DASH
        + r")\s*"
    ),
    re.compile(r"^\((?:CNN|AP|Reuters|AFP|UPI)\)\s*" + _DASH + r"?\s*"),
    re.compile(r"^[A-Z][A-Z.' ]{1,30}(?:,\s*[A-Z][\w.' ]{1,30})?\s+" + _DASH + r"\s+"),
)
_LEADING_CONNECTIVE = re.compile(
    r"^(?:But|And|So|Yet|Or|However|Meanwhile|Still|Also|Moreover|Furthermore|Instead|Indeed|"
    r"Now|Then|Nonetheless|Nevertheless|Additionally|In addition|In fact|Of course),?\s+"
)
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
# A hyphen between spaces is a dash too: "ethane - which are gases - in liquid form".
_DASH_ASIDE = re.compile(r"\s+(?:--|—|–|-)\s+[^—–]{1,120}?\s+(?:--|—|–|-)(?=\s)")
_SAY = (
    r"(?:said|says|say|told [\w ]{1,30}?|added|explained|wrote|noted|reported|stated|announced|"
    r"argued|insisted|claimed|warned|alleges|alleged|believes|estimates|estimated)"
)
# A speaker opening a sentence: "Police", "The agency's chief", never "Months after an official".
_NOT_SPEAKER = (
    r"(?!(?:after|before|when|while|if|as|because|although|since|until|that|who|which|what|"
    # nor a passive: "Residents were told to leave" is no attribution
    r"was|were|are|is|been|being|be)\b)"
)
# Nor a phrase that opens with a preposition: "At the reported price, ..." names no speaker.
_SPEAKER = (
    r"(?:he|she|they|it|we|I|(?!(?:At|In|On|For|By|With|From|Of|Under|Over|After|Before)\s)"
    r"(?:the\s+)?[A-Z][\w.'’-]*(?:\s+" + _NOT_SPEAKER + r"[A-Za-z.'’-]+){0,6}?)"
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
# Where a speaker says something: "said in a statement that", "told reporters at a briefing that".
_MEDIUM = (
    r"(?:statement|interview|conference|briefing|speech|letter|email|release|post|address|"
    r"hearing|meeting|video|filing)"
)
_LEADING_ATTRIBUTION = re.compile(
    r"^(?:According to [^,]{1,60},\s*|"
    + _SPEAKER
    + r"\s+(?:said|says|told [\w ]{1,30}?|announced|reported)"
    # "told reporters at a news conference that": the setting goes with the speaker
    + r"(?:\s+(?:at|in|during)\s+(?:a|an|the)\s+(?:[\w'-]+\s+){0,2}?"
    + _MEDIUM
    + r"(?=\s+that\s))?"
    + r"(?:\s+(?:on\s+)?\w+day)?(?:\s+that)?\s+)"
)
_TRAILING_PARTICIPLE = re.compile(
    r",\s+(?:saying|adding|citing|noting|calling|prompting|leaving|making|sparking|raising|"
    r"according)\b[^.!?]*(?=[.!?]$)"
)
# "some of which", "many of whom": a relative clause too
_QUANTIFIED_RELATIVE = (
    r"(?:some|many|most|one|all|none|each|both|several|two|three) of (?:which|whom)"
)
_TRAILING_CLAUSE = re.compile(
    r",\s+(?:which|who|whose|where|while|as|although|though|because|after|before|"
    + _QUANTIFIED_RELATIVE
    + r")\b[^,;.!?]*(?=[.!?]$)"
)
# ", who ...,", ", some of which ...,": a quoted title inside may end in the comma ('"Grammar,"').
_RELATIVE_ASIDE = re.compile(
    r",\s+(?:who|which|whose|where|although|though|" + _QUANTIFIED_RELATIVE + r")\b"
    r"(?:[^,;\"“”]|\"[^\"]{1,60}\"|“[^“”]{1,60}”){1,160}?(?:,|(?<=,\")|(?<=,”))\s+(?=[a-z])"
)
# "Ann Ray, director of the museum, said": a title without an article; its phrase ("of the
# museum") tells it from a clause ("In Paris, police arrested two men, ...").
_TITLE_APPOSITIVE = re.compile(
    r"(\b[A-Z][\w'’-]*[a-z]),\s+([a-z][\w'’-]*(?:\s+[\w'’-]+){0,2}\s+"
    r"(?:of|for|at|to|with|from|in)\s[^,;\"“”]{2,60}),\s+(?=[a-z])"
)
# ", on the contrary,", ", after the vote,": a discourse marker or a phrase of time between commas.
_PREPOSITIONAL_ASIDE = re.compile(
    r",\s+(?:(?:on the contrary|in turn|in fact|however|meanwhile|for example|for instance|"
    r"of course|in particular|by contrast|in contrast|after all|at the time)|"
    r"(?:after|before|despite|following|amid|during|unlike)\s[^,;\"“”]{2,80}),\s+(?=[a-z])"
)
_APPOSITIVE = re.compile(
    r"(\b[A-Z][\w'’-]*[a-z]),\s+(?:a|an|the|now|then)\s[^,;]{2,70},\s+(?=[a-z])"
)
# An opening phrase or clause the main clause does not need: of time or place, a concession
# ("Though ..."), a reason, or a participle ("Speaking in London, ..."); never a condition ("If").
_LEADING_PHRASE = re.compile(
    r"^(?:On|In|At|During|After|Before|Earlier|Later|Last|This|Since|By|For|Over|Under|Until|When|"
    r"While|As|With|Despite|Following|Within|Amid|Once|Though|Although|Even though|Even as|"
    r"Just as|Because|[A-Z][a-z]+ing(?=\s+[a-z]))\b(?:(?!\s-\s|--)[^,;:—–]){1,100}(?<!-),\s+"
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
    # not inside a list of names: "Canada, the United Kingdom, and Ireland"
    r"(\b[A-Z][\w'’-]*[a-z]),\s+(?:a|an|the|one of)\s(?![^;:]*,\s+(?:and|or)\s)[^;:]*(?=[.!?]$)"
)
# "... 2,466 people were sentenced, an increase of 28%.": an appositive on the whole clause or
# its last noun. Without a comma or a conjunction in it, so it is not the end of a list.
_CLOSING_NOUN_PHRASE = re.compile(
    r"(\b[a-z0-9][\w'’%-]*),\s+(?:a|an|the|one of)\s(?![^;:,]*\b(?:and|or)\b)[^;:,]*(?=[.!?]$)"
)
# 'The report, entitled "...", examines': a naming or locating aside between commas.
_PARTICIPLE_ASIDE = re.compile(
    r",\s+(?:entitled|titled|called|named|dubbed|known as|located|based|headquartered)\s"
    r"[^,;]{1,80},[\"”]?\s+(?=[a-z])"
)


def _title_appositive(match: re.Match[str]) -> str:
    """Drop a title after a name, unless it is a clause or the name closes an opening phrase.

    The name must be the subject: the verb follows the title ("Ann Ray, director of X, said").
    """
    before = match.string[: match.start()].split()
    if before and before[-1].lower() in _PREPOSITIONS:
        return match.group(0)  # "In Paris, police at the station, ...": no name and title here
    title = words(match.group(2))
    if title[0].lower() in _STOPWORDS - {"one"} or title[0].lower() in _RELATIVE_PRONOUNS:
        return match.group(0)  # "Ann Ray, who in 2008, won": a clause, not a title
    if any(_is_past_or_auxiliary(token) for token in title):
        return match.group(0)
    if not _starts_with_verb(match.string[match.end() :]):
        return match.group(0)
    return match.group(1) + " "


CLAUSE_REACH = 5  # words of a closing noun phrase within which a verb makes it a clause


def _closing_appositive(match: re.Match[str]) -> str:
    """Drop a closing noun phrase after a comma, unless it is a clause ("..., the band plays").

    A finite verb soon after its noun means the phrase is a main clause ("..., the police
    arrested him", "..., the schedule picks up"); later ones belong to a relative clause ("the
    place he once called home") and an adjective or a participle with its phrase ("the embattled
    firm", "an increase compared with 2013") is no verb.
    """
    tokens = words(match.group(0)[len(match.group(1)) :])[1:CLAUSE_REACH]
    previous = ""
    for token, following in zip(tokens, tokens[1:] + [""], strict=True):
        if token in _RELATIVE_PRONOUNS:
            break
        if not token.islower():
            previous = ""
            continue  # a name
        if token.endswith("ed") and token not in _AUXILIARIES:
            adjective = previous in _DETERMINERS or previous.endswith("ly") or not previous
            if not adjective and following not in _PREPOSITIONS:
                return match.group(0)
        elif _is_past_or_auxiliary(token):
            return match.group(0)
        elif _may_be_s_verb(token) and _may_be_singular_noun(previous):
            return match.group(0)  # "the schedule picks up"; not "a town of 5,000 residents"
        previous = token
    return match.group(1)


def _may_be_singular_noun(token: str) -> bool:
    """Crude: a lower-case content word that is not a plural, a number or a function word."""
    return (
        token.isalpha()
        and not token.endswith("s")
        and not token.endswith("ly")
        and token not in _STOPWORDS
        and token not in _DETERMINERS
        and token not in _PREPOSITIONS
    )


def _dash_aside(match: re.Match[str]) -> str:
    """Drop a dashed aside; a comma takes its place where it closed an opening clause."""
    rest = match.string[match.end() :].split(None, 1)
    first = rest[0] if rest else ""
    if first[:1].isupper() or first.lower() in _DETERMINERS or first.lower() in _SUBJECT_PRONOUNS:
        return ","  # "Odd as it sounds -- a neurologist wrote of it -- Ray was not pleased"
    return ""


def _leading_phrase(match: re.Match[str]) -> str:
    """Drop an opening phrase, unless the comma that seemed to close it did not.

    "Checking accounts are free, and ...": a participle phrase has no finite verb, and what
    follows it is a clause, not "and ..." or an appositive ("Having bought a house in Inn, a town
    on the border, Austria ...").
    """
    phrase = match.group(0)
    rest = match.string[match.end() :]
    first_word = rest.split(None, 1)[0].lower() if rest.strip() else ""
    if first_word in ("and", "or", "but", "so", "yet", "nor") or first_word in _CLAUSE_OPENERS:
        return phrase
    if phrase.split(None, 1)[0].endswith("ing"):
        # a participle phrase holds no finite verb ("-s" words may be plurals: only sure verbs),
        # but a relative clause in it may ("Featuring a design that is new, ...")
        for token in words(phrase)[1:]:
            if token in _RELATIVE_PRONOUNS:
                break
            if token.islower() and _is_past_or_auxiliary(token):
                return phrase
    segment = rest.split(",", 1)
    if len(segment) > 1 and first_word in ("a", "an") and not _count_verb_hints(segment[0]):
        return phrase
    return ""


def _relative_aside(match: re.Match[str]) -> str:
    """Drop a relative clause between commas (see :func:`_aside`), if it is one: it has a verb.

    In "Ann Ray, who in 2008, won the prize, has died" the first comma pair holds no verb, so the
    clause goes on past it.
    """
    pronoun = re.match(r",\s+\S+", match.group(0))
    clause = match.group(0)[pronoun.end() if pronoun else 0 :]
    # the verb is usually the next word ("which come with ..."), where a bare plural verb counts
    following = clause.split(None, 1)[0].lower() if clause.strip() else ""
    bare_verb = following.isalpha() and following not in _STOPWORDS | _PREPOSITIONS
    if not _count_verb_hints(clause) and not bare_verb:
        return match.group(0)
    return _aside(match)


def _aside(match: re.Match[str]) -> str:
    """Drop an aside between commas if what follows it continues the sentence.

    After an aside on the subject the verb follows ("The bus, which ..., crashed"); after one
    closing an opening phrase the subject does, and keeps its comma ("In May, after the vote, the
    party split"). Anything else means the closing comma was inside the aside (a list in it), and
    the deletion would splice two halves of different phrases together.
    """
    before = match.string[: match.start()]
    rest = match.string[match.end() :]
    following = rest.split(None, 2)
    if not following:
        return match.group(0)
    first = following[0].lower()
    if _starts_with_verb(rest) or first in _PREPOSITIONS:
        return " "  # "The bus, which ..., crashed"; "sparked protests, which ..., in cities"
    if (
        first in _DETERMINERS
        or first in _SUBJECT_PRONOUNS
        or first in _POSSESSIVES
        or following[0][:1].isupper()
    ):
        # "when, in fact, he replied": after a conjunction the comma was the aside's own
        last = before.split()[-1].lower()
        return " " if last in _DANGLING_END or last in _CLAUSE_OPENERS else ", "
    # "The new models, which ..., launch today": a subject without a verb yet; unless the word
    # is an item of a list ("optimization, | relevancy and reach")
    listed = len(following) > 1 and (following[0].endswith(",") or following[1] in ("and", "or"))
    if not _has_verb_hint(before) and not listed:
        return " "
    return match.group(0)


def _starts_with_verb(text: str) -> bool:
    """Whether ``text`` opens with a finite verb or an adverb before one ("has", "recently")."""
    tokens = text.split(None, 1)
    if not tokens:
        return False
    first = tokens[0].lower().strip("\"'“”‘’,")
    return (
        _is_past_or_auxiliary(first)
        or first.endswith("ly")
        or _may_be_s_verb(first)
        or first in _FREQUENCY_ADVERBS
    )


CAUSATIVE_REACH = 6  # words before a cut within which such a verb needs the infinitive after it
# Verbs of making someone do something ("urged the council | to vote"), by stem.
_CAUSATIVE_STEMS = (
    "ask",
    "urg",
    "forc",
    "allow",
    "led",
    "lead",
    "prompt",
    "press",
    "encourag",
    "want",
    "persuad",
    "help",
    "caus",
    "enabl",
    "requir",
    "invit",
    "told",
    "tell",
    "order",
    "expect",
    "convinc",
    "push",
    "permit",
    "authoriz",
    "inspir",
    "motivat",
    "compel",
    "call",
    "get",
    "got",
    "need",
    "challeng",
    "tempt",
    "teach",
    "taught",
    "train",
    "mandat",
    "instruct",
    "direct",
    "advis",
    "recommend",
    "petition",
    "appeal",
)
# Nouns of intention or capacity ("a plan | to cut costs"): vague without their infinitive.
_INFINITIVE_NOUNS = frozenset(
    """plan plans effort efforts attempt attempts bid decision decisions ability opportunity
    chance right rights need way ways potential capability capacity possibility intention
    desire willingness failure refusal move push campaign pressure order orders permission
    power authority time""".split()
)
# Words whose "'s" is "is" or "has", never a possessive.
_S_CONTRACTIONS = frozenset("it he she there that what who here where how".split())
# Words after which a clause starts; an aside after one had no comma before it of its own.
_CLAUSE_OPENERS = frozenset(
    """when while because although though if since until after before whereas unless so where
    whether""".split()
)
_RELATIVE_PRONOUNS = frozenset("who whom whose which that where when".split())
_SUBJECT_PRONOUNS = frozenset("he she it they we i you there".split())
_FREQUENCY_ADVERBS = frozenset("also still now then never later soon again often once".split())
_PREPOSITIONS = frozenset(
    """in on at to for from with by near into across over under between without through against
    amid after before since until inside outside around within despite of""".split()
)
_OPTIONAL_DELETIONS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (_DASH_ASIDE, _dash_aside),
    (_PARTICIPLE_ASIDE, " "),
    (_INNER_ATTRIBUTION, ", "),
    (_TRAILING_APPOSITIVE, _closing_appositive),
    (_CLOSING_NOUN_PHRASE, _closing_appositive),
    (_TRAILING_PARTICIPLE, ""),
    (_AGE, r"\1 "),
    (_RELATIVE_ASIDE, _relative_aside),
    (_APPOSITIVE, r"\1 "),
    (_TITLE_APPOSITIVE, _title_appositive),
    (_PREPOSITIONAL_ASIDE, _aside),
    (_TRAILING_CLAUSE, ""),
    (_LEADING_PHRASE, _leading_phrase),
)
_SUBORDINATORS = (
    r"(?:after|because|when|while|before|although|though|despite|amid|following|whereas|unless|"
    r"so that)"
)
# Where a long sentence may be cut, keeping the head. A bare comma is not enough: in "economic,
# social or political issues" it separates list items, so the word after it must open a clause
# or a phrase (a conjunction, a relative pronoun, a preposition or a participle).
_CLAUSE_BREAK = re.compile(
    r";\s+|:\s+|\s+(?:--|—|–|-)\s+|\s+" + _SUBORDINATORS + r"\s+|"
    # "... is opening this weekend | and earned $60 million": a second verb phrase
    r"\s+(?:and|but)\s+(?=(?:that|is|are|was|were|has|have|had|will|would|could|can|says|said|"
    r"\w+ed)\b)|"
    # a comma inside the closing quote: '... "The Winter Soldier," which debuted ...'
    r"(?:(?<=,[\"”])|,)\s+(?="
    r"(?:and|but|while|as|so|since|with|without|including|even|which|who|whose|where|according|"
    # a participle, unless it is an item of a list ("sticky, | repeating, or broken keys")
    r"in|on|at|for|from|during|until|by|than|to|" + _SUBORDINATORS[3:-1] + r")\b(?!-)|"
    r"[a-z]+ing\b(?!,|\s+(?:and|or)\b))"
)
_PHRASE_BREAK = re.compile(
    r"\s+(?=(?:in|on|at|to|for|from|during|with|by|near|into|across|over|under|between|without|"
    r"through|against|amid|after|before|since|until|inside|outside|around|within|despite|"
    r"following|including)\s)"
)
# "acknowledged that", "told reporters that": "that" opens a clause, which needs its own verb.
_REPORTED_CLAUSE = re.compile(
    r"\b(?:[a-z]+ed|said|says|say|told \w+|believes?|thinks?|thought|knew|knows|shows?|"
    r"suggests?|means|and|but|or) that\s"
)
# ", but what can fans expect?": a question closing a sentence that began as a statement
_QUESTION_TAIL = re.compile(
    r",\s+(?:but|and|so|yet)\s+(?:what|why|how|who|where|when|which|will|would|can|could|"
    r"should|is|are|was|were|do|does|did|has|have)\b[^,;:]*\?[\"'”’)]*$"
)
_SPACED_DASH = re.compile(r"\s(?:--|—|–|-)\s")
_SUBJECT_RELATIVE = re.compile(r",\s+(?:who|which|whose)\b")
_POSSESSIVES = frozenset("its their his her".split())
_OPEN_ASIDE = re.compile(r",\s+(?:who|which|whose|whom|where|when|while)\b[^,]*$")
_DETERMINERS = frozenset(
    """the a an his her their its our my your these those some any every each several many two
    three four five""".split()
)
# "four days | after the fire", "shortly | after": the phrase belongs together.
_TIME_WORDS = frozenset("shortly soon just long right even only immediately".split())
_TIME_NOUNS = frozenset(
    """day days week weeks month months year years hour hours minute minutes moments seconds
    decades""".split()
)
# ... unless a modifier makes the period complete on its own: "in the coming months | after".
_TIME_MODIFIERS = frozenset("coming past recent last next previous this these".split())
# A clause opened by "as" with no comma: "... landslides | as the storm approached".
_AS_BREAK = re.compile(r"\s+as\s+")
# Words before "as" that make it a comparison or a role, not a clause: "such as", "known as".
_NOT_BEFORE_AS = frozenset("such same so as well much many twice just even long soon far".split())
# After "as", what opens a role or a comparison rather than a clause: "as a nurse", "as if".
_NOT_AFTER_AS = frozenset("a an well much many long soon far part of to for with such".split())
# Verbs that need a complement, which "as" may introduce: "it appears | as it is".
_LINKING_VERBS = frozenset(
    "appear appears seem seems look looks sound sounds feel feels remain remains stay stays".split()
)
AS_CLAUSE_REACH = 6  # words after "as" within which the clause's verb must come
# Prepositions that make a complete phrase with a bare noun: "on guard", "in custody", "at risk".
_GOVERNING_PREPOSITIONS = frozenset("in on at into under behind for by from".split())
# Nouns in "-ing" common in news ("on Sunday morning", "at the meeting"): not participles.
_ING_NOUNS = frozenset(
    """morning evening building meeting thing something nothing anything everything wedding
    ceiling funding hearing ruling warning spring king ring""".split()
)
_BE_FORMS = frozenset("be being been is are was were".split())
# Verbs whose object may be a clause: a noun after them may be the subject of that clause.
_CLAUSE_VERBS = frozenset(
    """said told thought believed claimed reported argued warned found showed suggested revealed
    announced stated insisted noted added explained felt knew hoped feared estimated expected
    predicted ruled decided confirmed denied admitted""".split()
)
# "came down | with", "set up | by": a verb's particle, which needs what follows.
_PARTICLES = frozenset("up down out off away back over around along about apart aside".split())
_PRONOUN_OBJECTS = frozenset("him her them us me it you".split())
_S_ADVERBS = frozenset(
    "always perhaps sometimes besides nevertheless nonetheless regardless towards afterwards "
    "backwards forwards upwards downwards unless thus".split()
)
# Words in "-s" that are never verbs.
_S_WORDS = _S_ADVERBS | frozenset("his its this as yes whereas news series species means".split())
_DANGLING_END = frozenset(
    """a an the and or but of to in on at for with from by as that which who whose is are was were
    be been has have had its their his her our your my this these those than into about
    nor until during without against among between within via toward towards despite amid upon
    onto""".split()
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
# Common irregular past tenses and participles: finite verbs that end in neither "-ed" nor "-s"
# ("The crash took place"). Forms that are as often nouns or presents ("set", "cut", "hit",
# "read", "put", "cost") are left out: they would make a noun phrase look like a clause.
_IRREGULAR_VERBS = frozenset(
    """arose ate awoke became began begun bent bit bled blew blown bore born bought bound broke
    broken brought built burnt caught chose chosen clung came dealt did done drew drawn drank
    driven drove dug eaten fell fallen fed felt fled flew flown forbade forgave forgot
    forgotten fought found froze frozen gave given got gotten grew grown hung heard held hid
    hidden kept knelt knew known laid lay led leapt left lent lost made meant met mistook overcame
    overtook paid ran rang rode risen rose sang sank sat saw seen sent shook shone shot shown
    shrank slept slid sold sought spent spoke spoken spun spread sprang stood stole stolen stuck
    struck stung swore sworn swept swam swung taken taught thought threw thrown told took tore torn
    understood undertook upheld went withdrew withdrawn woke won wore worn wound wrote written
    said""".split()
)
_STOPWORDS = _DANGLING_END | frozenset(
    """he she it they we i you him them us me not no will would can could may might must should
    said says say also just more most very there here what when where why how all any some such
    one out up so if than then there""".split()
)
# Openings that need an earlier sentence to be understood ("Which is not to say ...", "He said").
_PRONOUN_START = frozenset(
    "he she it they we i his her its their this that these those which".split()
)
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

    Questions and sentences that introduce a list are refused. Always drops datelines, leading
    connectives, parentheses and attributions ("police said", "told reporters at a briefing
    that"); a sentence that then fits is kept whole. A longer one becomes the LONGEST version
    within the limit that some combination of deletions reaches, each deletion keeping a complete
    sentence: dashed, naming and prepositional asides (', entitled "...",', ', after the vote,'),
    attributions inside the sentence, trailing participle phrases, relative clauses (also ", some
    of which ..."), appositives (also a bare title: ", director of X,"), closing noun phrases (",
    an increase of 28%"), ages, opening phrases (of time or place, a concession, a participle;
    never a condition), or a cut that leaves a sentence: after the first clause (also before "as"
    opening a clause) or before a trailing phrase that the head does not need. A cut is refused
    where it would leave a verb without its object or infinitive, a reported clause or an opening
    phrase without its verb, or half a dashed aside.
    """
    text = " ".join(sentence.split())
    if not text or text.rstrip(" .").endswith(":"):
        return None  # introduces a list or a quotation: not a statement of its own
    if text.rstrip("\"'”’) ").endswith("?"):
        # a question: cutting it would turn it into a claim; but in "X saw battles, but what
        # comes next?" a statement comes first, and it can stand alone
        tail = _QUESTION_TAIL.search(text)
        if not tail:
            return None
        text = text[: tail.start()] + "."
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


_STRANDED_COMMA = re.compile(r"[,;:]([\"'”’)]*)([.!?])$")


def _drop(
    pattern: re.Pattern[str],
    text: str,
    replacement: str | Callable[[re.Match[str]], str] = "",
) -> str:
    """Apply one deletion, keeping the result only if it is still a complete sentence."""
    shorter = _capitalise(pattern.sub(replacement, text, count=1).strip())
    # 'safety," according to the board.' loses its attribution: the comma goes, the stop moves in.
    shorter = _STRANDED_COMMA.sub(r"\2\1", shorter)
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
    if rest.split()[0].lower() in _PREPOSITIONS:
        return text  # "told reporters | at a meeting that ...": the phrase belongs to "told"
    return _drop(_LEADING_ATTRIBUTION, text)


def _first_clause(text: str, max_words: int) -> str | None:
    """The longest head of ``text`` that fits and is itself a sentence, cut at a clause boundary or
    before a trailing prepositional phrase ("... was arrested in Tennessee | on Saturday")."""
    best: str | None = None
    for pattern in (_CLAUSE_BREAK, _PHRASE_BREAK, _AS_BREAK):
        for match in pattern.finditer(text):
            before = text[: match.start()].rstrip(",;:—–- ")
            if _splits_time_phrase(before):
                continue  # "four days after the fire": the phrase belongs together
            if _inside_opening_phrase(text, match.start()):
                continue  # "Of the 900 people asked in May | ..., half said": no main clause yet
            if pattern is _CLAUSE_BREAK and _ends_list_item(before, text[match.start() :]):
                continue  # "a mix of rain, cold winds, | and fog": the end of a list
            if pattern is _AS_BREAK and not _opens_clause_after_as(before, text[match.end() :]):
                continue
            if pattern is _PHRASE_BREAK and not _ends_with_noun_phrase(before):
                continue  # "has been taken | from a movie": the verb needs its phrase
            if (
                pattern is _PHRASE_BREAK
                and _opens_infinitive(text[match.end() :])
                and _needs_infinitive(before)
            ):
                continue  # "pressed his team | to triple the figure": the verb's complement
            head = _drop_attribution(_ensure_stop(before))
            size = count_words(head)
            if size > max_words:
                break
            if best is not None and size <= count_words(best):
                continue
            if (
                size >= MIN_WORDS
                and is_complete(head)
                and _has_verb_hint(head)
                and not _is_unfinished(head)
            ):
                best = head
    return best


def _inside_opening_phrase(text: str, cut: int) -> bool:
    """Whether a cut at ``cut`` falls inside an opening prepositional phrase that a comma closes
    ("Of the 900 people asked in May | in the town, half said ..."): the main clause is after it."""
    first = text.split(None, 1)[0].lower()
    comma = text.find(",")
    return first in _PREPOSITIONS and comma >= cut


def _ends_list_item(head: str, rest: str) -> bool:
    """Whether a cut at ", and" / ", or" (``rest`` opens with it) ends ``head`` on an item of a
    list: its last part, after a comma, is a few words without a verb ("weather conditions, urban
    emissions")."""
    if not re.match(r",\s+(?:and|or)\s", rest) or "," not in head:
        return False
    last = head.rsplit(",", 1)[-1]
    # sure verbs only: "urban emissions" ends in "-s" as a plural, not as a verb
    return count_words(last) <= LIST_ITEM_WORDS and not _sure_verbs(last)


LIST_ITEM_WORDS = 4  # a verbless part after the last comma this short is an item of a list


def _only_participles(head: str) -> bool:
    """Whether each verb-like word of ``head`` is a participle with its agent ("A team led by
    researchers at the lab."): a noun phrase with a reduced relative clause, not a sentence."""
    tokens = words(head)[1:]
    # sure verbs only: an "-s" word here is more often a plural ("led by researchers")
    verbs = [
        i for i, token in enumerate(tokens) if token.islower() and _is_past_or_auxiliary(token)
    ]
    return bool(verbs) and all(i + 1 < len(tokens) and tokens[i + 1] == "by" for i in verbs)


def _leaves_clause_verbless(head: str) -> bool:
    """Whether a reported clause in ``head`` lost its verb: "said that to win the $5 million.", or
    the second of two ("said the rain was late, and that several wells.")."""
    matches = list(_REPORTED_CLAUSE.finditer(head))
    if not matches:
        return False
    clause = head[matches[-1].end() :]
    if clause.startswith("to ") or matches[-1].group(0).startswith(("and", "but", "or")):
        # an infinitive phrase opens it, or it is the second of two clauses, which a cut ends
        # more often than not ("and that two of the sheds."): the clause's own verb must be a
        # sure one, as a plural noun looks like an "-s" verb
        return not _sure_verbs(clause)
    return not _count_clause_verbs(clause)


def _opens_infinitive(phrase: str) -> bool:
    """Whether ``phrase`` is "to" and a verb rather than "to" and a noun phrase ("to Paris").

    What a noun phrase opens with is easy to tell: a determiner, a number, a name, a pronoun.
    """
    tokens = phrase.split(None, 2)
    if len(tokens) < 2 or tokens[0] != "to":
        return False
    following = tokens[1].lower()
    return not (
        tokens[1][:1].isupper()
        or tokens[1][:1].isdigit()
        or tokens[1][:1] in '$£€"“'
        or following in _DETERMINERS
        or following in _POSSESSIVES
        or following in _PRONOUN_OBJECTS
        or following in ("this", "that", "these", "those")
    )


def _needs_infinitive(head: str) -> bool:
    """Whether the end of ``head`` needs the infinitive after it.

    "Led the maker | to scrap it", "a plan | to cut costs": a verb that makes someone do something
    or a noun of intention says little without it; a purpose ("worked at the airport | to find the
    cat") is an adjunct, and goes.
    """
    tokens = [t.lower() for t in words(head)]
    if tokens and tokens[-1] in _INFINITIVE_NOUNS:
        return True
    return any(t.startswith(_CAUSATIVE_STEMS) for t in tokens[-CAUSATIVE_REACH:])


def _splits_time_phrase(before: str) -> bool:
    """Whether a cut after ``before`` would split a time phrase ("two days | after the fire")."""
    tokens = before.lower().split()
    if not tokens:
        return False  # a break at the very start (": The council ..."): nothing to split
    if tokens[-1] in _TIME_WORDS:
        return True
    return tokens[-1] in _TIME_NOUNS and (len(tokens) < 2 or tokens[-2] not in _TIME_MODIFIERS)


def _opens_clause_after_as(before: str, after: str) -> bool:
    """Whether "as" between ``before`` and ``after`` opens a clause ("as the storm approached").

    Otherwise it names a role ("starred her as a detective"), compares ("such as") or belongs to
    the verb before it ("was seen as"): a cut there would change what the head says.
    """
    head = before.lower().split()
    if not head:
        return False
    last = head[-1]
    if last in _NOT_BEFORE_AS or last in _LINKING_VERBS or head[-2:-1] == ["as"]:
        return False  # "such as", "appears as", "as bad | as the critics feared"
    if _is_past_or_auxiliary(last) or last.endswith("ing"):
        return False
    tokens = [t.lower() for t in words(after)[:AS_CLAUSE_REACH]]
    if not tokens or tokens[0] in _NOT_AFTER_AS or "as" in tokens:
        return False  # "as a nurse"; "as bad as the critics feared": a comparison
    for token in tokens:
        if token in ("who", "which", "that", "whose", "where"):
            return False  # "as the man who led ...": the verb belongs to a relative clause
        if _is_past_or_auxiliary(token):
            return True
    return False


def _is_unfinished(head: str) -> bool:
    """Whether a cut left ``head`` without the rest of a structure it opened.

    "Ann Ray, who in 2008, won the prize.": when the subject carries a relative clause, the clause
    has a verb of its own, so the sentence needs a second one. "It recalls a town now gone, its
    homes.": a closing phrase that opens with a possessive and has no verb is an absolute phrase,
    cut before what it says about its noun ("its homes under water").
    """
    if _leaves_clause_verbless(head) or _only_participles(head):
        return True
    dashes = _SPACED_DASH.findall(head)
    if len(dashes) % 2:
        # "It runs the X Experience -- a chance.": cut inside a dashed aside, which a noun phrase
        # opened ("a", "an") or which has no verb
        aside = _SPACED_DASH.split(head)[-1]
        if aside.split(None, 1)[0].lower() in ("a", "an") or not _count_clause_verbs(aside):
            return True
    relative = _SUBJECT_RELATIVE.search(head)
    if relative and not _has_verb_hint(head[: relative.start()]):
        if _count_verb_hints(head[relative.end() :]) < 2:
            return True
    last_part = head.rsplit(",", 1)[-1].split() if "," in head else []
    return (
        bool(last_part)
        and last_part[0] in _POSSESSIVES
        and not _count_verb_hints(" ".join(last_part))
    )


def _ends_with_noun_phrase(text: str) -> bool:
    """Whether ``text`` ends on a noun phrase ("the private bus", "Tennessee"), outside any aside.

    A cut after a verb ("is opening", "said") or inside a relative clause (", who shot to fame")
    would leave a sentence without its complement or its main verb. A bare noun also ends a phrase
    when a preposition ("on guard", "in custody") or a past verb ("exposed flaws") governs it.
    """
    if _OPEN_ASIDE.search(text):
        return False
    tokens = text.split()
    last = tokens[-1].strip("\"'”’),")
    if not last:
        return False
    lowered = last.lower()
    participle = lowered.endswith("ing") and lowered not in _ING_NOUNS
    if lowered in _DANGLING_END or lowered in _PREPOSITIONS or participle:
        return last[:1].isupper()
    if _is_past_or_auxiliary(lowered):
        return last[:1].isupper()
    if last[:1].isupper() or last[:1].isdigit():
        return True
    if lowered in _PRONOUN_OBJECTS or lowered in _PARTICLES or len(tokens) < 3:
        return False
    before = [t.lower() for t in tokens[-4:-1]]
    # "this" and "that" also stand alone ("an example of this | came"), so they do not count.
    if any(t in _DETERMINERS or t[:1].isdigit() for t in before):
        return True
    verb, previous = before[-2:]
    # "to be on guard", "was taken into custody"; not "engaging in conduct | with intent", where
    # the noun is vague without its own phrase.
    if previous in _GOVERNING_PREPOSITIONS:
        return _is_past_or_auxiliary(verb) or verb in _BE_FORMS
    # "has exposed discrepancies": a plural after a past verb is its object, not a verb itself;
    # but after "said" or "found" it opens a clause ("said customers | without ... could").
    return (
        _is_plural_noun(lowered)
        and _is_past_or_auxiliary(previous)
        and previous not in _AUXILIARIES
        and previous not in _CLAUSE_VERBS
    )


def _is_plural_noun(token: str) -> bool:
    """Crude: a plural noun ends in "-s" (not "-ss", "-us", "-is") and is no common adverb."""
    return (
        len(token) > 3
        and token.endswith("s")
        and not token.endswith(("ss", "us", "is"))
        and token not in _S_ADVERBS
    )


def _has_verb_hint(text: str) -> bool:
    """Crude: a clause that is a sentence usually has a finite verb (-ed, -s, an auxiliary or a
    common irregular past such as "took"); the first word does not count (it is the subject)."""
    return _count_verb_hints(text, skip_first=True) > 0


def _count_verb_hints(text: str, skip_first: bool = False) -> int:
    tokens = [t for t in words(text)[int(skip_first) :] if t.islower()]
    return sum(_is_past_or_auxiliary(t) or _may_be_s_verb(t) for t in tokens)


def _may_be_s_verb(token: str) -> bool:
    """Whether ``token`` may be a present verb in "-s" ("crashes"; plurals look the same)."""
    return (
        token.endswith("s")
        and token[:1].isalpha()  # "1960s"
        and not token.endswith(("ss", "us", "'s", "’s"))
        and token not in _S_WORDS
    )


def _is_past(token: str) -> bool:
    """Whether ``token`` is a past tense or participle: "-ed" or a common irregular form."""
    return token.endswith("ed") or token in _IRREGULAR_VERBS


def _is_past_or_auxiliary(token: str) -> bool:
    """Whether ``token`` is surely a verb form: an auxiliary (also contracted: "isn't", "it's",
    "they've"), "-ed" or an irregular past."""
    if token in _AUXILIARIES or _is_past(token):
        return True
    stem, _, ending = token.replace("’", "'").rpartition("'")
    return bool(stem) and (
        ending in ("t", "re", "ve", "ll", "d") or (ending == "s" and stem in _S_CONTRACTIONS)
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
    if _lacks_main_clause(first):
        return False
    return len(split_sentences(text)) == 1


def _lacks_main_clause(text: str) -> bool:
    """Whether ``text`` is only an opening phrase: "In films from 2001 to 2010, Alien." or
    "Posted online by the analysts.": after a prepositional or a participle phrase, the main
    clause must come, and it has a verb."""
    tokens = text.split()
    opener = tokens[0].lower()
    # "Posted (online) by ...": "-ed" and a preposition, with no verb between ("United flew to")
    participle = (
        opener.endswith("ed")
        and any(t in _PREPOSITIONS for t in tokens[1:3])
        and not any(_is_past_or_auxiliary(t) for t in tokens[1:3])
    )
    # "Having (recently) bought a house in Inn.": a perfect participle, never a subject
    perfect = opener == "having" and any(_is_past_or_auxiliary(t.lower()) for t in tokens[1:3])
    participle = participle or perfect
    # an "-ing" phrase may be a subject, with a verb of its own ("Checking accounts are free.")
    # ("Beijing is ...": a name, which a verb follows)
    gerund = (
        opener.endswith("ing")
        and opener not in _ING_NOUNS
        and tokens[1][:1].islower()
        and not _is_past_or_auxiliary(tokens[1].lower())
    )
    if "," not in text:
        if participle:
            return True
        if gerund:
            return not _count_clause_verbs(text)  # "Speaking to reporters at the court."
        return opener in _PREPOSITIONS and not _has_verb_hint(text)
    # "Having bought a house in Inn, a town on the border.": after a comma, the clause must come
    if opener not in _PREPOSITIONS and not participle and not gerund:
        return False
    return not _count_clause_verbs(text.split(",", 1)[1])


def _count_clause_verbs(text: str) -> int:
    """Like :func:`_count_verb_hints`, but an "-s" word counts only after a singular noun ("the
    company makes"), not after an adverb or an adjective ("mostly students")."""
    tokens = words(text)
    return sum(
        token.islower()
        and (
            _is_past_or_auxiliary(token)
            # after a name ("Stadia represents") or a singular noun
            or (_may_be_s_verb(token) and (before[:1].isupper() or _may_be_singular_noun(before)))
        )
        for before, token in zip([""] + tokens, tokens, strict=False)
    )


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
    r"(?:,\s+|\s+)(?P<temporal>after|when|since|while)\s+|,\s+(?P<also_temporal>as)\s+|"
    r"(?:,\s+|\s+)(?:because|although|though)\s+|,\s+but\s+|"
    # "announced Nov. 18 that": a date or a setting may come before "that"
    r"\b(?:said|says|announced|reported)\s+(?:[\w.,]+\s+){1,4}?that\s+|"
    r"\b(?:announced|reported)(?:\s+(?:on\s+)?\w+day)?\s+that\s+|"
    # "said" may drop its "that"; "announced the result" takes an object, so it needs one
    r"\b(?P<bare>said|says)(?:\s+(?:on\s+)?\w+day)?\s+(?P<that>that\s+)?|"
    # "told" has an object first ("told friends and family that"): only "that" ends it
    r"\btold [\w ]{1,40}? that\s+"
)
# A clause after "after", "when", "since", "while" or ", as" states a fact when it is in the past
# ("after the board voted"); in the present it is often a future or a habit ("will keep the base
# after the troops leave"), so it must have a past or perfect verb.
_PAST_AUXILIARIES = frozenset("was were had has have".split())
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
        head = _CLAUSE_HEAD.split(_capitalise(clause), 1)[0]
        if not _has_verb_hint(head):
            continue  # "after | an oil leak, though ...": a phrase, not a clause
        if (match["temporal"] or match["also_temporal"]) and not _states_past(head):
            continue
        if match["bare"] and not match["that"] and not _sure_verbs(head):
            continue  # "said | the result at 5 a.m." would be an object, not a clause
        if re.match(r"(?:[^\s,]+\s+){1,4}that\s", clause):
            continue  # "announced | Nov. 18 that ...": the clause starts after "that"
        bullet = shorten(clause, max_words)
        if bullet is not None and _has_verb_hint(bullet) and bullet not in found:
            found.append(bullet)
    return found


def _sure_verbs(clause: str, past: bool = False) -> list[str]:
    """The lower-case words of ``clause`` that are surely verbs (see _is_past_or_auxiliary), or
    with ``past`` only past or perfect ones; an "-s" word may be a plural, so it never counts, nor
    does an "-ed" adjective after a determiner ("a packed stadium", "its corroded hinge")."""
    tokens = words(clause)
    found = []
    for previous, token in zip([""] + tokens, tokens, strict=False):
        if not token.islower() or previous.lower() in _DETERMINERS | _POSSESSIVES:
            continue
        if (
            (token in _PAST_AUXILIARIES or _is_past(token))
            if past
            else _is_past_or_auxiliary(token)
        ):
            found.append(token)
    return found


def _states_past(clause: str) -> bool:
    """Whether ``clause`` has a past or perfect verb ("voted", "took", "had left", "has said")."""
    return bool(_sure_verbs(clause, past=True))


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
