"""The extractive backend, the embedded default: the article's most central statements, shortened.

Candidates come from the lead section (the first ``WINDOW`` sentences, at most ``MAX_CANDIDATES``
bullets in article order): each sentence that the post-processing can shorten into a bullet, and
each clause inside one that states a fact on its own (``clause_bullets``: the news of "fans were
upset on Tuesday after star X announced she will leave" is the clause after "after"). Each
candidate is embedded as the reader will see it, with the packaged all-MiniLM-L6-v2 model (the
process's shared encoder, see ``digest.embed``). A bullet scores by

- its cosine to the centre of the candidates (plus the title, when there is one): what the lead
  section keeps saying is what the article is about;
- a prior for its position, since news puts what matters first;
- how much of the article's recurring vocabulary it carries: pairs of adjacent content words the
  article repeats ("oil leak", "Nina Dobrev") name what the story is about;
- small penalties for an opening pronoun or quotation, which need context a bullet lacks.

Picking is maximal marginal relevance, so each further bullet must add something new; the bullets
are then shown in article order.

Speed: only the candidates are embedded (the rest of the article is read for its vocabulary, not
embedded), in one encode call per batch of articles, strings sorted by length so little padding
is computed, at most ``MAX_TOKENS`` tokens each; ``quantize`` adds dynamic int8 on CPU.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from digest.embed import MODEL_ID, shared_encoder
from digest.errors import SummarizeError
from digest.summarize.bullets import (
    clause_bullets,
    content_words,
    select_bullets,
    shorten,
    starts_with_pronoun,
)
from digest.summarize.models import pick_device
from digest.summarize.sentences import split_sentences

if TYPE_CHECKING:
    from digest.summarize import SummarizerSettings

ALGORITHM_VERSION = 5
WINDOW = 20  # candidate sentences: the lead section and a little past it
MAX_CANDIDATES = 14  # bullets embedded per article, in article order; later ones are rarely picked
MAX_TOKENS = 32  # a bullet of up to 20 words fits; longer input only costs time
POSITION_WEIGHT = 0.5
POSITION_DECAY = 5.0  # sentences: the prior halves about every 3.5 sentences
REDUNDANCY = 0.5  # MMR: how much similarity to an already chosen bullet counts against
PRONOUN_PENALTY = 0.1  # "He said..." needs context a bullet does not have
QUOTE_PENALTY = 0.1  # a quotation is a voice, not a summary
PAIR_WEIGHT = 0.5  # the article's recurring word pairs ("oil leak", "Nina Dobrev") in a bullet


class ExtractiveSummarizer:
    """Central, non-redundant lead-section sentences, shortened; the model loads once."""

    name = "extractive"
    model_id = MODEL_ID

    def __init__(self, settings: SummarizerSettings) -> None:
        self.settings = settings
        device = pick_device(settings.device)
        self.quantized = settings.quantize and device.type == "cpu"
        self.encoder = shared_encoder(str(device), self.quantized)
        self.encoder.load()
        self.cache_key = (
            f"extractive|{MODEL_ID}|v{ALGORITHM_VERSION}|bullets={settings.bullets}"
            f"|max_words={settings.max_words}|quantize={self.quantized}"
        )

    def summarize(
        self, texts: Sequence[str], titles: Sequence[str] | None = None
    ) -> list[list[str]]:
        """One list of bullets per text, in the order they appear in the article."""
        titles = list(titles) if titles is not None else [""] * len(texts)
        if len(titles) != len(texts):
            raise SummarizeError(f"{len(texts)} texts but {len(titles)} titles")
        candidates = [self._candidates(split_sentences(text)[:WINDOW]) for text in texts]
        # One encode call for everything: each candidate bullet (centrality is measured on what
        # the reader will see), each title.
        strings = [bullet for found in candidates for _, bullet in found]
        strings += [title for title in titles if title.strip()]
        # Everything after the encode is numpy: torch's thread pool makes each tiny operation on
        # a busy machine cost milliseconds, and there are a few per article.
        vectors = self.encode(strings).numpy()
        titles_at = len(strings) - sum(1 for title in titles if title.strip())
        results: list[list[str]] = []
        start = 0
        for text, title, found in zip(texts, titles, candidates, strict=True):
            matrix = vectors[start : start + len(found)]
            start += len(found)
            title_vector = None
            if title.strip():
                title_vector = vectors[titles_at]
                titles_at += 1
            if not found:
                results.append([])
                continue
            # The article's centre: the mean of what its lead section can say in bullets.
            target = _unit(matrix.mean(axis=0))
            if title_vector is not None:
                target = _unit(target + title_vector)
            results.append(self._choose(text, found, matrix, target))
        return results

    def _candidates(self, sentences: list[str]) -> list[tuple[int, str]]:
        """(position, bullet) for each sentence's shortened self and each clause in it that
        stands alone, so the news in "..., after star X announced she will leave" can be picked."""
        found = []
        limit = self.settings.max_words
        for position, sentence in enumerate(sentences):
            bullet = shorten(sentence, limit)
            versions = ([bullet] if bullet is not None else []) + clause_bullets(sentence, limit)
            found += [(position, version) for version in dict.fromkeys(versions)]
            if len(found) >= MAX_CANDIDATES:
                break
        return found[:MAX_CANDIDATES]

    def _choose(
        self, text: str, found: list[tuple[int, str]], rows: np.ndarray, target: np.ndarray
    ) -> list[str]:
        """Rank the candidates (centrality, position, MMR) and post-process them into bullets."""
        pairs = Counter(_pairs(text, unique=False))
        scores = (rows @ target).tolist()
        for row, (position, bullet) in enumerate(found):
            scores[row] += POSITION_WEIGHT * math.exp(-position / POSITION_DECAY)
            scores[row] -= PRONOUN_PENALTY * starts_with_pronoun(bullet)
            scores[row] -= QUOTE_PENALTY * bullet.lstrip().startswith(('"', "“", "'", "‘"))
            scores[row] += PAIR_WEIGHT * _recurring_pairs(bullet, pairs)
        order: list[int] = []

        def ranked() -> Iterator[str]:
            for row in _by_marginal_relevance(scores, (rows @ rows.T).tolist()):
                order.append(row)
                yield found[row][1]

        # Lazily ranked: post-processing stops once it has its bullets.
        chosen = select_bullets(ranked(), text, self.settings.bullets, self.settings.max_words)
        chosen.sort(key=lambda item: (found[order[item[0]]][0], order[item[0]]))
        return [bullet for _, bullet in chosen]

    def encode(self, strings: Sequence[str]) -> torch.Tensor:
        """Unit-length mean-pooled embeddings of ``strings``, as sentence-transformers makes."""
        return self.encoder.encode(
            strings, max_tokens=MAX_TOKENS, batch_size=max(16, self.settings.batch_size * 8)
        )


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
