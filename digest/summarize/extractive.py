"""The extractive backend, the embedded default: the article's most central statements that the
grammar accepts.

Candidates come from the lead section (the first ``LEAD`` prose sentences among the first
``WINDOW``, at most ``MAX_CANDIDATES`` bullets in article order), all parsed in one batch and
nothing after them: each sentence that
:mod:`digest.summarize.grammar` accepts, shortened to ``max_words`` by the deletions it allows, and
each clause inside one that states a fact on its own (see ``bullets.candidates``). Each candidate is
embedded as the reader will see it, with the packaged all-MiniLM-L6-v2 model (the process's shared
encoder, see ``digest.embed``). A bullet scores by

- its cosine to the article's centre: the mean of the candidates, pulled towards the headline and
  the publisher's own description (``og:description``, a summary box), which say what the piece is
  about better than a scene-setting opening does;
- a prior for its position, since news puts what matters first;
- how much of the article's recurring vocabulary it carries: pairs of adjacent content words the
  article repeats ("oil leak", "Nina Dobrev") name what the story is about;
- small penalties for a subject that names nobody ("The company said ...") and for a shortened
  sentence against an equally good whole one.

The publisher's description competes with the article's sentences (one that says the same is a
repeat), but it is never a bullet: the email shows it under the headline, as the publisher's.
Where the publisher gave a description, no bullet comes from past the first lead sentence the
grammar refuses: the sentences after it lean on it, and the description says the news instead.
Picking is maximal marginal relevance, so each further bullet must add something new; when no
bullet carries the article's main name (the headline's name the text repeats most), the weakest one
gives way to the best that does. A bullet that shares almost nothing with the headline and the
description goes (all but the closest): colour or background, and fewer beats one to skip. The
bullets are shown in article order; an opinion piece's or a
review's are attributed to the author from its byline.

Speed: only the candidates are embedded, in one encode call per batch of articles, at most
``MAX_TOKENS`` tokens each; the parse skips the entity recogniser; ``quantize`` adds dynamic int8.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import torch

from digest.embed import MODEL_ID, shared_encoder
from digest.errors import SummarizeError
from digest.summarize import grammar
from digest.summarize.bullets import (
    NUMBER_NAMES,
    STOPWORDS,
    Candidate,
    answers_the_headline,
    article_names,
    candidate_of,
    candidates,
    content_words,
    is_near_duplicate,
    numbers_given,
    quotations_given,
    usable,
)
from digest.summarize.models import pick_device
from digest.summarize.sentences import Sentence, marked_sentences

if TYPE_CHECKING:
    from digest.summarize import Context, SummarizerSettings

ALGORITHM_VERSION = 110
WINDOW = 20  # sentences searched for the lead section's prose (page debris is skipped)
MAX_CANDIDATES = 12  # bullets embedded per article, in article order; later ones are rarely picked
# Bullets come from the article's first LEAD prose sentences (those `usable` lets through): in four
# blind reads, bullets from further in were mostly background or leaned on context the reader lacks
# (under a third passed, against about 60% from the first two).
LEAD = 5
MAX_TOKENS = 40  # a bullet of up to 25 words fits; longer input only costs time
POSITION_WEIGHT = 3.0  # three blind reads: the article's own order beats centrality for coverage
POSITION_DECAY = 3.0  # sentences: the prior falls to a third every three sentences
PARAPHRASE = 0.75  # cosine at which two bullets say the same thing in other words
REDUNDANCY = 0.5  # MMR: how much similarity to an already chosen bullet counts against
HEADLINE_WEIGHT = 1.0  # the title and the publisher's description, against the lead's centre
GENERIC_PENALTY = 0.15  # "The company said ...": names nobody the reader knows
SHORTENED_PENALTY = 0.03  # a whole sentence beats an equally good shortened one
PAIR_WEIGHT = 0.5  # the article's recurring word pairs ("oil leak", "Nina Dobrev") in a bullet
# A bullet whose cosine to the headline and description is below this is off the story's topic.
# In the labels of eleven blind reads of this summariser (341 bullets on 528 pages; tuned on),
# the bullets below 0.4 were 26 colour, dangling or broken ones to 44 that passed (63% OK); above
# it, 90% passed, and above 0.6 all but a few. Under a headline alone (no description) the old
# bar stays: the same bullets sit about 0.1 further from a headline (mean 0.48 against 0.58), and
# no description stands in for the bullets that go.
OFF_TOPIC = 0.4
OFF_TOPIC_HEADLINE_ONLY = 0.15
# An article's only bullet must be about what its headline and description say. In the same
# labels, lone bullets under 0.5 were 28 colour, dangling or broken ones to 7 that passed (above
# it, 24 passed to 11); with more bullets the lowest closest one told too little to act on.
ALONE_ON_TOPIC = 0.5
# Whose view an opinion piece or a review gives: the bullet says so.
ATTRIBUTION = {"opinion": ("writes", "write"), "review": ("writes", "write")}


class ExtractiveSummarizer:
    """The article's most central statements that the grammar accepts; the models load once."""

    name = "extractive"
    model_id = MODEL_ID

    def __init__(self, settings: SummarizerSettings) -> None:
        self.settings = settings
        device = pick_device(settings.device)
        self.quantized = settings.quantize and device.type == "cpu"
        self.encoder = shared_encoder(str(device), self.quantized)
        self.encoder.load()
        grammar.pipeline()
        self.cache_key = (
            f"extractive|{MODEL_ID}|{grammar.PIPELINE}-{grammar.PIPELINE_VERSION}"
            f"|v{ALGORITHM_VERSION}|bullets={settings.bullets}"
            f"|max_words={settings.max_words}|quantize={self.quantized}"
        )

    def summarize(
        self,
        texts: Sequence[str],
        titles: Sequence[str] | None = None,
        contexts: Sequence[Context] | None = None,
    ) -> list[list[str]]:
        """One list of bullets per text, in the order they appear in the article."""
        from digest.summarize import Context

        titles = list(titles) if titles is not None else [""] * len(texts)
        contexts = list(contexts) if contexts is not None else [Context()] * len(texts)
        if not len(titles) == len(contexts) == len(texts):
            raise SummarizeError(f"{len(texts)} texts but {len(titles)} titles")
        found = self._candidates(texts, titles, contexts)
        # One encode call for everything: each candidate bullet (centrality is measured on what
        # the reader will see), each title and publisher's description.
        headlines = [
            " ".join(part for part in (title, context.description) if part.strip())
            for title, context in zip(titles, contexts, strict=True)
        ]
        strings = [c.text for each in found for c in each] + [h for h in headlines if h]
        # Everything after the encode is numpy: torch's thread pool makes each tiny operation on
        # a busy machine cost milliseconds, and there are a few per article.
        vectors = self.encode(strings).numpy() if strings else np.zeros((0, 1))
        heads_at = sum(len(each) for each in found)
        results: list[list[str]] = []
        start = 0
        for text, headline, context, options in zip(texts, headlines, contexts, found, strict=True):
            matrix = vectors[start : start + len(options)]
            start += len(options)
            head_vector = None
            if headline:
                head_vector = vectors[heads_at]
                heads_at += 1
            if not options:
                results.append([])
                continue
            # The article's centre: what its lead section keeps saying, pulled towards what the
            # headline and the publisher's own description say it is about.
            target = _unit(matrix.mean(axis=0))
            if head_vector is not None:
                target = _unit(target + HEADLINE_WEIGHT * head_vector)
            off_topic = OFF_TOPIC if context.description.strip() else OFF_TOPIC_HEADLINE_ONLY
            chosen = self._choose(text, headline, options, matrix, target, head_vector, off_topic)
            results.append(_attributed(chosen, context, text))
        return results

    def _candidates(
        self, texts: Sequence[str], titles: Sequence[str], contexts: Sequence[Context]
    ) -> list[list[Candidate]]:
        """Each article's candidate bullets: its lead section's sentences, and the publisher's
        own description of it when that is a sentence the grammar accepts, parsed in one batch."""
        marked = [marked_sentences(text, WINDOW) for text in texts]
        # Only the first LEAD sentences that may be parsed can give a bullet: the parse, the
        # costliest step, skips the rest.
        cleaned = [
            _lead_section(sentences, context, LEAD)
            for sentences, context in zip(marked, contexts, strict=True)
        ]
        described = [
            _description(context, sentences)
            for context, sentences in zip(contexts, marked, strict=True)
        ]
        strings = [t for each in cleaned for t in each if t] + [d for d in described if d]
        docs = iter(grammar.parse(strings))
        parsed_all = [[next(docs) if t else None for t in each] for each in cleaned]
        found = []
        for text, sentences, parsed, title, context, description, cleaned_one in zip(
            texts, marked, parsed_all, titles, contexts, described, cleaned, strict=True
        ):
            budget = self.settings.max_words - _prefix_words(context)
            names = article_names(sentences, parsed, context.description)
            options = candidates(sentences, parsed, budget, title, names)[:MAX_CANDIDATES]
            if description:
                # The publisher's one-line summary says what the piece is about; it competes with
                # the lead as the opening statement, under the same grammar, if the numbers it
                # gives are the article's and what it quotes is quoted there whole.
                # Position -1: shown before the article's own first sentence when both are picked.
                own = candidate_of(next(docs), -1, budget, (), names)
                if (
                    own is not None
                    and numbers_given(own.text, text)
                    and quotations_given(own.text, text)
                    and not any(is_near_duplicate(own.text, o.text) for o in options)
                ):
                    options.insert(0, own)
            if context.description:
                # The publisher's description stands in for a lead the grammar refused.
                options = _up_to_a_refusal(
                    options, [s.index for s, t in zip(sentences, cleaned_one, strict=True) if t]
                )
            # A yes-or-no headline's claim, said as fact, may be what the article refutes.
            found.append([c for c in options if not answers_the_headline(c.text, title)])
        return found

    def _choose(
        self,
        text: str,
        headline: str,
        found: list[Candidate],
        rows: np.ndarray,
        target: np.ndarray,
        head: np.ndarray | None = None,
        off_topic: float = OFF_TOPIC,
    ) -> list[Candidate]:
        """Rank the candidates (centrality, position, MMR) and keep the best that add something;
        ``head``: the headline's and description's vector, which a bullet must share something
        with."""
        pairs = Counter(_pairs(text, unique=False))
        scores = (rows @ target).tolist()
        for row, candidate in enumerate(found):
            scores[row] += POSITION_WEIGHT * math.exp(-candidate.position / POSITION_DECAY)
            scores[row] -= GENERIC_PENALTY * candidate.generic_subject
            scores[row] -= SHORTENED_PENALTY * candidate.shortened
            scores[row] += PAIR_WEIGHT * _recurring_pairs(candidate.text, pairs)
        chosen: list[Candidate] = []
        waiting: list[Candidate] = []  # best first: each leans on a sentence not chosen yet
        similarity = (rows @ rows.T).tolist()

        def repeats(candidate: Candidate) -> bool:
            row = found.index(candidate)
            return any(
                is_near_duplicate(candidate.text, other.text)
                or similarity[row][found.index(other)] >= PARAPHRASE
                for other in chosen
            )

        for row in _by_marginal_relevance(scores, similarity):
            candidate = found[row]
            if repeats(candidate):
                continue
            if candidate.follows is not None and not _follows_chosen(candidate, chosen):
                waiting.append(candidate)
                continue
            chosen.append(candidate)
            # What leaned on it may now follow it, ahead of anything ranked lower.
            for other in list(waiting):
                if len(chosen) < self.settings.bullets and _follows_chosen(other, chosen):
                    waiting.remove(other)
                    if not repeats(other):
                        chosen.append(other)
            if len(chosen) >= self.settings.bullets:
                break
        chosen = _standing(_with_subject(chosen, found, scores, headline, text))
        # The publisher's description competes for a place (an article sentence that says what
        # it says is a repeat), but it is no bullet of ours: a deck is written to be read under
        # its headline ("Singer is heartbroken as the couple call off the wedding", "..., the
        # company says"), and the email shows it there, as the publisher's. It goes before the
        # bullets are measured against the headline: a scene the description kept company
        # ("By 3 p.m. Midge has peeled 40 pounds of potatoes") is then the lone bullet it is.
        # (Nothing leans on it: a candidate leans only on the article sentence just before it.)
        chosen = [c for c in chosen if c.position >= 0]
        if head is not None and chosen:
            chosen = _standing(
                _on_topic(chosen, [float(rows[found.index(c)] @ head) for c in chosen], off_topic)
            )
        return sorted(chosen, key=lambda c: c.position)

    def long_ledes(
        self, texts: Sequence[str], contexts: Sequence[Context] | None = None
    ) -> list[str]:
        """Each article's lede where the grammar refused it only for its length, else '': its
        first lead sentence, judged a complete statement that stands on its own, that no allowed
        deletion brings within ``max_words`` (a wire lede of 30 to 60 words: "The California
        Public Utilities Commission on Thursday said it is ordering ..."). Such a lede is often
        the news itself, and the sentences after it lean on it; this backend never rewrites, but
        a model may (``generative``'s rewrite mode), behind its guards."""
        from digest.summarize import Context

        contexts = list(contexts) if contexts is not None else [Context()] * len(texts)
        firsts: list[tuple[Sentence, str] | None] = []
        for text, context in zip(texts, contexts, strict=True):
            sentences = marked_sentences(text, WINDOW)
            lead = _lead_section(sentences, context, 1)
            firsts.append(
                next((pair for pair in zip(sentences, lead, strict=True) if pair[1]), None)
            )
        docs = iter(grammar.parse([first[1] for first in firsts if first is not None]))
        found = []
        for first, context in zip(firsts, contexts, strict=True):
            if first is None:
                found.append("")
                continue
            sentence, lede = first
            doc = next(docs)
            judged = grammar.judge(doc, opening=sentence.index <= 0)
            budget = self.settings.max_words - _prefix_words(context)
            refused_for_length = (
                judged.reason is None
                and judged.pronoun is None
                and grammar.shortened(doc, budget) is None
            )
            found.append(lede if refused_for_length else "")
        return found

    def encode(self, strings: Sequence[str]) -> torch.Tensor:
        """Unit-length mean-pooled embeddings of ``strings``, as sentence-transformers makes."""
        return self.encoder.encode(
            strings, max_tokens=MAX_TOKENS, batch_size=max(16, self.settings.batch_size * 8)
        )


def _up_to_a_refusal(options: list[Candidate], lead: list[int]) -> list[Candidate]:
    """``options`` without the bullets from past the first lead sentence (the positions in
    ``lead``) that gives none: the sentence the grammar refused (too long to shorten, or leaning
    on what came before) is where the story introduced what the next ones lean on, or the news
    they follow from. Three blind reads rated bullets from after such a sentence OK half as often
    as those before it (54% against 76%), mostly for "the company", "the hut" or "the winner"
    that no bullet named, or for background in place of the news. A sentence that gives a bullet
    the selection then leaves out (colour, a repeat) stops nothing. The publisher's description
    stays a candidate: the caller cuts only where there is one, so that the reader gets it, as
    the publisher's own words, in place of what was cut."""
    given = {c.position for c in options}
    stop = next((p for p in lead if p not in given), None)
    return [c for c in options if stop is None or c.position < stop]


def _set_ups(sentences: Sequence[Sentence], context: Context) -> frozenset[int]:
    """In an opinion piece, the indices of the sentences the next one turns against ("Ministers
    will get their applause for the ban. *But* a generation that has lost its youth clubs needs
    somewhere to be"): what the writer concedes, or sets up to knock down, is not their view,
    and "Jane Doe writes that ministers will get their applause" says it is. The sentence that
    turns is the view (its "But" goes, as any opening connective does). A review's "but" weighs
    one merit against a fault, and both are the reviewer's verdict."""
    if context.kind != "opinion":
        return frozenset()
    return frozenset(
        first.index
        for first, then in zip(sentences, sentences[1:], strict=False)
        if then.index == first.index + 1 and _TURNS.match(then.text)
    )


# What opens a sentence that turns against the one before it.
_TURNS = re.compile(r"(?:But|Yet|And yet|However|Even so|Still,|That said,)\s", re.I)


def _lead_section(sentences: Sequence[Sentence], context: Context, count: int) -> list[str]:
    """The text each of ``sentences`` may give a bullet from (see :func:`_first_usable`): the
    first ``count`` usable ones, without the lines that credit the piece's reporter or that an
    opinion piece sets up to knock down."""
    return _first_usable(
        sentences, count, _credits(sentences, context) | _set_ups(sentences, context)
    )


def _first_usable(
    sentences: Sequence[Sentence], count: int, skipped: frozenset[int] = frozenset()
) -> list[str]:
    """``usable`` for each sentence, '' after the first ``count`` that it lets through and for
    those ``skipped`` (by index), which neither give a bullet nor count as lead sentences."""
    found: list[str] = []
    left = count
    for sentence in sentences:
        text = usable(sentence) if left and sentence.index not in skipped else ""
        left -= bool(text)
        found.append(text)
    return found


def _with_subject(
    chosen: list[Candidate], found: list[Candidate], scores: list[float], headline: str, text: str
) -> list[Candidate]:
    """Make sure the bullets name what the article is about: when none carries the article's main
    name (the name in its headline that the text repeats most), the weakest chosen bullet gives
    way to the best candidate that does."""
    subject = _main_name(headline, text)
    if not subject or not chosen or any(subject in c.names for c in chosen):
        return chosen
    ranked = sorted(range(len(found)), key=lambda row: -scores[row])
    for row in ranked:
        candidate = found[row]
        if subject in candidate.names and candidate not in chosen:
            if any(is_near_duplicate(candidate.text, other.text) for other in chosen[:-1]):
                continue
            return [*chosen[:-1], candidate] if len(chosen) >= 2 else [*chosen, candidate]
    return chosen


def _on_topic(
    chosen: list[Candidate], closeness: list[float], off_topic: float = OFF_TOPIC
) -> list[Candidate]:
    """``chosen`` without the bullets far from the headline and the publisher's description
    (``closeness``: each one's cosine to them; below ``off_topic``), but for the closest: such a
    bullet is mostly colour or background (a band playing carols under a headline about
    cancelled ferries), and fewer bullets beat one the reader must skip. A lone bullet is the
    whole "In Short": unless it is close to what the headline says (``ALONE_ON_TOPIC``), it
    goes, and the email shows the publisher's description instead."""
    closest = max(range(len(chosen)), key=lambda row: closeness[row])
    kept = [c for row, c in enumerate(chosen) if row == closest or closeness[row] >= off_topic]
    if len(kept) == 1 and closeness[closest] < ALONE_ON_TOPIC:
        return []
    return kept


def _follows_chosen(candidate: Candidate, chosen: list[Candidate]) -> bool:
    """Whether the sentence ``candidate`` leans on is among the chosen bullets, as it must be
    shown: whole, when the candidate counts what it listed ("Both diseases ..." after "A case of
    the bubonic plague was reported (— after two people were diagnosed with the pneumonic
    plague)"), and never without a thing its "it" or "them" may stand for: "He then had to
    defend it" after "The driver started second (and took the lead into Lisboa)" leans on the
    lead that went; nor without a name it repeats: "The 24-year-old finished on 148 points to
    Marchetti's 139" after "Tennant won the omnium (, overturning a deficit to Giulia
    Marchetti)"."""
    return any(
        other.position == candidate.follows
        and not (candidate.counts_back and other.shortened)
        and not (other.lost_a_thing and _THINGS_PRONOUN.search(candidate.text))
        and not any(
            re.search(rf"\b{re.escape(name)}\b", candidate.text) for name in other.lost_names
        )
        for other in chosen
    )


# What stands for a thing a sentence named before: "it", "them". ("He" and "she" stand for a
# person, the subject, which no deletion takes; "the repair" may be named by the headline.)
_THINGS_PRONOUN = re.compile(r"\b(?:it|its|they|them|their)\b", re.I)


def _standing(chosen: list[Candidate]) -> list[Candidate]:
    """``chosen`` without the bullets whose sentence they lean on is no longer chosen."""
    while True:
        kept = [c for c in chosen if c.follows is None or _follows_chosen(c, chosen)]
        if len(kept) == len(chosen):
            return kept
        chosen = kept


def _main_name(headline: str, text: str) -> str:
    """The capitalised word of the headline (not its first) that the article repeats most."""
    tokens = headline.split()[1:]
    names = [t.strip(".,:;!?\"'“”‘’()") for t in tokens if t[:1].isupper()]
    names = [n for n in names if len(n) > 2 and n.lower() not in _COMMON_CAPITALS]
    if not names:
        return ""
    counts = {name: text.count(name) for name in names}
    best = max(counts, key=lambda name: counts[name])
    return best if counts[best] >= 2 else ""


_COMMON_CAPITALS = frozenset(
    "the a an and of in on at to for with from by after before over as is are was were new".split()
)


def _description(context: Context, article: Sequence[Sentence]) -> str:
    """The first sentence of the publisher's description, if it may be parsed for a bullet: not
    when the site cut it off, with an ellipsis or inside a sentence of the ``article``."""
    sentences = marked_sentences(context.description, 1)
    if not sentences:
        return ""
    first = sentences[0]
    if first.text.rstrip().endswith(("...", "…")):
        return ""  # cut off by the site ("... looking absolutely stun..."): not a sentence
    if _cut_short(first.text.strip(), article):
        return ""  # checked as given: the full stop added below would hide the cut
    if first.text.rstrip("\"'”’) ")[-1:] not in ".!?":
        first = replace(first, text=first.text + ".")  # descriptions often end without one
    return usable(first)


def _cut_short(description: str, sentences: Sequence[Sentence]) -> bool:
    """Whether the site cut its description inside a sentence of the article: its last words run
    on there ("... kill Rep. Ilhan Omar (D-Minn.), the U.S." where the article goes on "the U.S.
    Attorney's Office announced Monday")."""
    tail = " ".join(description.split()[-3:])
    if len(description.split()) < 3:
        return False
    for sentence in sentences:
        at = sentence.text.find(tail)
        if at >= 0:
            return re.search(r"\w", sentence.text[at + len(tail) :]) is not None
    return False


def _prefix_words(context: Context) -> int:
    """Words an opinion piece's attribution ("Jane Doe argues that") takes from each bullet."""
    if context.kind not in ATTRIBUTION:
        return 0
    return len(_author(context).split()) + 2


def _author(context: Context) -> str:
    """Who the piece's view belongs to: the byline's first person ("By Jane Doe, Staff Writer"
    gives "Jane Doe"); "The editorial", or "A columnist" or "A reviewer" when the byline names no
    person ("The writer writes that ..." read as dangling: which writer?)."""
    name = _first_name_in(context.author)
    if re.search(r"\beditorial\b|^(?:the )?editors?$|\bboard\b", name, re.I):
        return "The editorial"
    if not _a_person(name):
        return "A columnist" if context.kind == "opinion" else "A reviewer"
    return name


def _first_name_in(byline: str) -> str:
    """The byline's first name, as written: "By JANE DOE | Staff" gives "Jane Doe"."""
    byline = re.sub(r"^\s*by\s+", "", byline.strip(), flags=re.I)
    name = re.split(r"\s*[|,;/]\s*|\.\s+(?=[A-Z])|\s+-\s+", byline)[0].strip()
    return name.title() if name.isupper() else name


def _a_person(name: str) -> bool:
    """Whether a byline's ``name`` is a person's, not a desk's, an agency's or a board's."""
    words = name.split()
    return (
        2 <= len(words) <= 4
        and all(w[:1].isupper() for w in words if w.lower() not in _PARTICLES)
        and not any(w.lower().strip(".") in _NOT_A_PERSON for w in words)
        and not any(c.isdigit() for c in name)
    )


def _credits(sentences: Sequence[Sentence], context: Context) -> frozenset[int]:
    """The indices of the sentences that credit the piece's reporter, the byline's person as
    their subject: "Hannah Treloar spends a winter tide with them", the last line of a deck
    printed atop a feature. It says who went to report, not what happened."""
    name = _first_name_in(context.author)
    if not _a_person(name):
        return frozenset()
    return frozenset(s.index for s in sentences if s.text.startswith(f"{name} "))


_PARTICLES = frozenset("and de van von der da di la le du bin al".split())
# Bylines that name an organisation or a desk rather than a person.
_NOT_A_PERSON = frozenset(
    """news staff team desk editor editors reporter reporters wire wires press agency reuters
    associated times post journal insider report reports media online digital contributor
    contributors guest admin unknown international editorial board""".split()
)


# Words of a closed class, never a name, that may open a sentence: "Few bills land ..."
_CLOSED = (
    STOPWORDS
    | NUMBER_NAMES
    | frozenset(
        """few fewer many several both each every either neither much little less another other
        only even still yet now hundred hundreds thousand thousands million millions dozen
        dozens""".split()
    )
)


def _attributed(chosen: list[Candidate], context: Context, text: str) -> list[str]:
    """The bullets as shown: an opinion piece's or a review's statements are its author's, and
    say so ("Jane Doe argues that ..."). The bullet's first word goes to lower case only when the
    article (``text``) writes it so: a name the parse took for a common word ("Orion's laptop")
    keeps its capital."""
    if context.kind not in ATTRIBUTION:
        return [c.text for c in chosen]
    author = _author(context)
    singular, plural = ATTRIBUTION[context.kind]
    verb = plural if " and " in author else singular
    lower = set(re.findall(r"\b[a-z]\w*", text))
    shown = []
    for candidate in chosen:
        body = candidate.text
        if _says_who(body, author):
            shown.append(body)  # "..., writes historian Dr Eleanor Whitmore." says it already
            continue
        first = next(iter(re.findall(r"[A-Za-z]\w*", body)), "")
        if not candidate.proper_start and (
            first.lower() in lower
            or first.lower() in _CLOSED
            or first.endswith("ing")
            or _COMMON_ADJECTIVE.match(body)
        ):
            # "Shutting the search room would ...": a gerund, a common word wherever it stands
            body = body[:1].lower() + body[1:]
        shown.append(f"{author} {verb} that {body}")
    return shown


# An adjective of a common noun phrase ("Regional universities have ..."): a name's first word
# ("Natural England") is followed by a capital, and a people's ("British", "Chinese") is not in
# these endings.
_COMMON_ADJECTIVE = re.compile(r"[A-Z][a-z]+(?:al|ous|ive|ful|less|able|ible|ary|ory) [a-z]")


def _says_who(bullet: str, author: str) -> bool:
    """Whether ``bullet`` already says who says it: it closes on its speaker, as a letter's or a
    column's deck printed atop the text does ("Less than 4 per cent of the archive is online,
    writes historian Dr Eleanor Whitmore.", "..., argues a retired teacher from Otley."), or it
    gives its author as the one who says it."""
    if _CLOSING_SPEAKER.search(bullet):
        return True
    surname = author.split()[-1] if author.split() else ""
    if not surname or surname[:1].islower() or author.startswith(("The ", "A ")):
        return False
    return (
        re.search(
            rf"\b(?:writes|wrote|argues|argued|says|said)\b[^.]*\b{re.escape(surname)}\b", bullet
        )
        is not None
    )


# A closing attribution: ", writes historian Dr Tom Keel.", ", argues a retired teacher."
_CLOSING_SPEAKER = re.compile(r", (?:writes|wrote|argues|argued|says|said) [^,;\"“”]+[.!?]$")


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _by_marginal_relevance(scores: list[float], similarity: list[list[float]]) -> Iterator[int]:
    """Candidate rows, best first: each next one by its score less ``REDUNDANCY`` times its
    similarity to the closest one already ranked (maximal marginal relevance)."""
    overlap = [0.0] * len(scores)
    remaining = list(range(len(scores)))
    while remaining:
        best = max(remaining, key=lambda row: scores[row] - REDUNDANCY * overlap[row])
        remaining.remove(best)
        yield best
        for row in remaining:
            overlap[row] = max(overlap[row], similarity[row][best])


def _pairs(text: str, unique: bool = True) -> list[str]:
    """Adjacent content words: "prime minister", "san bruno"."""
    found = content_words(text, unique=False)
    joined = [f"{a} {b}" for a, b in zip(found, found[1:], strict=False)]
    return list(dict.fromkeys(joined)) if unique else joined


def _recurring_pairs(bullet: str, pairs: Counter[str]) -> float:
    """How much of the article's recurring vocabulary ``bullet`` carries, from 0 to 1.

    The mean, over the bullet's pairs of adjacent content words, of how often the article repeats
    the pair (beyond this one use) relative to its most repeated pair: the names and terms an
    article keeps coming back to are what it is about.
    """
    found = _pairs(bullet)
    if not found or not pairs:
        return 0.0
    top = max(pairs.values())
    return sum(min(pairs[pair] - 1, top) / top for pair in found) / len(found)
